"""``tokentrail report``: the reports, for people and machines."""

from __future__ import annotations

import click

from tokentrail.analyses.cost import KEYS, NUMBERS, cost_report
from tokentrail.cli.options import db_option
from tokentrail.outputs.render import FORMATS, safe, table, to_csv, to_json
from tokentrail.outputs.render import console as console_
from tokentrail.pricing import PRICE_DATA
from tokentrail.store import Store
from tokentrail.version import __version__

COLUMNS = [
    ("calls", "calls"),
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_write_tokens", "cache write"),
    ("cache_read_tokens", "cache read"),
    ("cost_usd", "cost"),
]


@click.group()
def report() -> None:
    """Reports over the stored events."""


@report.command("cost")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(list(KEYS)),
    default=("day",),
    show_default=True,
    help="Group by this key; repeat for several.",
)
@click.option("--since", help="First local day to include (YYYY-MM-DD).")
@click.option("--until", help="Last local day to include (YYYY-MM-DD).")
@click.option("--tz", help="Time zone that cuts days, weeks and months (default: this machine's).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def cost(by: tuple[str, ...], since: str | None, until: str | None, tz: str | None, fmt: str, db: str | None) -> None:
    """Spend and tokens by day, week, month, user, team, project, feature, model or session."""
    with Store.open(db, read_only=True) as store:
        result = cost_report(store.events(), list(by), since=since, until=until, tz=tz)
        price_data = store.get_meta("price_data") or PRICE_DATA
    provenance = f"tokentrail {__version__} · prices: {price_data} · times in {result.tz}"
    if fmt == "json":
        click.echo(to_json(result.as_json()))
        click.echo(provenance, err=True)
        return
    if fmt == "csv":
        click.echo(to_csv(result.rows, [*result.keys, *NUMBERS]), nl=False)
        click.echo(provenance, err=True)
        for warning in result.warnings:  # CSV has no place for them; stderr keeps stdout clean
            click.echo(f"warning: {warning}", err=True)
        return
    console = console_()
    columns = [(k, k) for k in result.keys] + COLUMNS
    console.print(
        table(
            f"Cost by {', '.join(result.keys)}",
            columns,
            result.rows,
            result.totals,
            provenance,
            partial=result.unpriced,
        )
    )
    if any(result.unpriced):
        console.print("* includes events whose model could not be priced: their cost is not in the figure")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {safe(warning, 400)}")
