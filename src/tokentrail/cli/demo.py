"""``tokentrail demo``: a synthetic organisation, ingested and reported, with no input needed."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from tokentrail.analyses.cost import cost_report
from tokentrail.demo import generate_demo
from tokentrail.outputs.render import console as console_
from tokentrail.outputs.render import safe, table
from tokentrail.pipeline import ingest
from tokentrail.pricing import PRICE_DATA
from tokentrail.store import DEFAULT_DB, Store

DEMO_DB = DEFAULT_DB.with_name("demo.duckdb")


@click.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write into this database (default: $TOKENTRAIL_DB, else a separate demo database).",
)
@click.option("--days", type=click.IntRange(7, 366), default=90, show_default=True, help="Days of history.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed: same seed, same data.")
def demo(db: str | None, days: int, seed: int) -> None:
    """Generate ~90 days of a synthetic organisation's LLM logs, ingest them and print the cost report."""
    from tokentrail.cli.report import COLUMNS
    from tokentrail.version import __version__

    target = Path(db or os.environ.get("TOKENTRAIL_DB") or DEMO_DB).expanduser()
    if target == DEMO_DB.expanduser() and target.exists():
        target.unlink()  # the demo database is ours: start it afresh so the demo is repeatable
    console = console_()
    with tempfile.TemporaryDirectory(prefix="tokentrail-demo-") as tmp:
        with console.status("generating a synthetic organisation…"):
            files = generate_demo(Path(tmp), seed=seed, days=days)
        with console.status(f"ingesting {len(files)} files…"), Store.open(target) as store:
            summary = ingest(store, [Path(tmp)])
    console.print(f"ingested {summary.events:,} events from {summary.files} files into {target}")
    with Store.open(target, read_only=True) as store:
        by_team = cost_report(store.events(), ["team"], tz="UTC")
        by_month = cost_report(store.events(), ["month", "model"], tz="UTC")
    caption = f"tokentrail {__version__} · prices: {PRICE_DATA} · times in UTC"
    console.print(
        table(
            "Cost by team",
            [("team", "team"), *COLUMNS],
            by_team.rows,
            by_team.totals,
            caption,
            partial=by_team.unpriced,
        )
    )
    console.print(
        table(
            "Cost by month and model",
            [("month", "month"), ("model", "model"), *COLUMNS],
            by_month.rows,
            by_month.totals,
            caption,
            partial=by_month.unpriced,
        )
    )
    console.print("* includes events whose model could not be priced: their cost is not in the figure")
    for warning in by_team.warnings:
        console.print(f"[yellow]warning:[/] {safe(warning, 400)}")
    console.print("\nTry next:")
    exe = _executable()
    for cmd in (
        f"{exe} report cost --db {target} --by week --by feature",
        f"{exe} report cost --db {target} --by user --format csv",
        f"{exe} report cost --db {target} --by day --tz America/New_York --format json",
        f"{exe} ingest ~/.claude/projects --db my-usage.duckdb",
    ):
        console.print(f"  [bold]{cmd}[/]")


def _executable() -> str:
    """How to call tokentrail again: by name when it is on PATH, else by the path that ran it."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "tokentrail"
    if shutil.which("tokentrail") and Path(shutil.which("tokentrail") or "").resolve() == Path(argv0).resolve():
        return "tokentrail"
    return os.path.relpath(argv0) if "/" in argv0 else argv0
