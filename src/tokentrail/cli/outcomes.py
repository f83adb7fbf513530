"""``tokentrail outcomes``: outcome signals beside AI usage, with the caveat in every format."""

from __future__ import annotations

from typing import Any

import click

from tokentrail.analyses.outcomes import DEFAULT_THRESHOLD, OutcomesReport, outcomes_report
from tokentrail.cli.options import db_option
from tokentrail.outputs.render import FORMATS, table, to_csv, to_json
from tokentrail.outputs.render import console as console_
from tokentrail.pricing import PRICE_DATA
from tokentrail.sources.signals import load_signals
from tokentrail.store import Store
from tokentrail.version import __version__

_METRIC_COLUMNS = (
    ("metric", "metric"),
    ("level", "level"),
    ("units", "units"),
    ("adopted", "adopted"),
    ("paired", "paired"),
    ("before_mean", "before (mean/wk)"),
    ("after_mean", "after (mean/wk)"),
    ("mean_difference", "difference"),
    ("ci95", "95% CI"),
    ("correlation_r", "r (usage, metric)"),
    ("correlation_n", "r n"),
)
_UNIT_COLUMNS = (
    ("metric", "metric"),
    ("level", "level"),
    ("unit_id", "user / team"),
    ("adoption_week", "adoption week"),
    ("weeks_before", "weeks before"),
    ("before_mean", "before (mean/wk)"),
    ("weeks_after", "weeks after"),
    ("after_mean", "after (mean/wk)"),
    ("difference", "difference"),
)


def _num(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return value


def _metric_rows(result: OutcomesReport) -> list[dict[str, Any]]:
    rows = []
    for m in result.metrics:
        row = {k: _num(v) for k, v in m.items()}
        row["mean_difference"] = "—" if m["mean_difference"] is None else f"{m['mean_difference']:+,.2f}"
        row["ci95"] = "—" if m["ci95_low"] is None else f"{m['ci95_low']:+,.2f} to {m['ci95_high']:+,.2f}"
        row["correlation_r"] = "—" if m["correlation_r"] is None else f"{m['correlation_r']:+.2f}"
        rows.append(row)
    return rows


@click.command("outcomes")
@click.option(
    "--signals",
    type=click.Path(dir_okay=False),
    required=True,
    help="Signals CSV: user_id (or team_id),date,metric,value — e.g. pull requests merged per week.",
)
@click.option(
    "--threshold",
    type=click.IntRange(min=1, max=7),  # active days in a week: 7 is the most there can be
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Adoption week = the first ISO week with at least this many active days.",
)
@click.option("--tz", help="Time zone that cuts days and weeks (default: this machine's).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def outcomes(signals: str, threshold: int, tz: str | None, fmt: str, db: str | None) -> None:
    """Outcome signals before/after each user's adoption week, with a 95% CI, and their correlation with usage."""
    rows = load_signals(signals)
    with Store.open(db, read_only=True) as store:
        result = outcomes_report(store.events(), rows, threshold=threshold, tz=tz)
        price_data = store.get_meta("price_data") or PRICE_DATA
    provenance = f"tokentrail {__version__} · prices: {price_data} · times in {result.tz}"
    if fmt == "json":
        click.echo(to_json(result.as_json()))
        click.echo(provenance, err=True)
        return
    if fmt == "csv":
        # The caveat is a column of every row; with no metrics, one row holds only the caveat.
        metric_rows = [{**m, "caveat": result.caveat} for m in result.metrics] or [{"caveat": result.caveat}]
        columns = [*(result.metrics[0] if result.metrics else _csv_default()), "caveat"]
        click.echo(to_csv(metric_rows, columns), nl=False)
        click.echo(provenance, err=True)
        return
    console = console_()
    if not result.metrics:
        console.print("No signals in the file: nothing to compare.")
    else:
        console.print(
            table(
                f"Outcomes per metric · adoption = first week with ≥ {threshold} active days",
                _METRIC_COLUMNS,
                _metric_rows(result),
            )
        )
        console.print(
            table("Per user / team", _UNIT_COLUMNS, [{k: _num(v) for k, v in u.items()} for u in result.units])
        )
    console.print(f"[bold]Caveat:[/bold] {result.caveat}")
    console.print(provenance)


def _csv_default() -> list[str]:
    """CSV columns when there are no metrics, so the header (and the caveat column) is still there."""
    return [
        "metric",
        "level",
        "units",
        "adopted",
        "paired",
        "before_mean",
        "after_mean",
        "mean_difference",
        "sd_difference",
        "t_critical",
        "ci95_low",
        "ci95_high",
        "correlation_r",
        "correlation_n",
    ]
