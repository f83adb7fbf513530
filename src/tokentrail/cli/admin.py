"""Store maintenance: ``reprice`` and ``sources``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from tokentrail.cli.options import db_option, prices_option
from tokentrail.outputs.render import console, to_json
from tokentrail.pipeline import reprice as reprice_store
from tokentrail.pricing import PRICE_DATA, pricer_from
from tokentrail.sources import all_sources
from tokentrail.store import Store


@click.command()
@db_option
@prices_option
def reprice(db: str | None, prices_file: str | None) -> None:
    """Recompute every stored cost with the current price data and overrides."""
    pricer = pricer_from(Path(prices_file) if prices_file else None)
    with Store.open(db, must_exist=True) as store:
        seen, changed = reprice_store(store, pricer)
    click.echo(f"repriced {seen:,} events with {PRICE_DATA}; {changed:,} costs changed")


@click.command()
def sources() -> None:
    """List the log formats tokentrail reads."""
    out = Table("name", "reads")
    for source in all_sources():
        out.add_row(source.name, source.description)
    console().print(out)


@click.command()
@db_option
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Show at most this many.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def quarantine(db: str | None, limit: int, fmt: str) -> None:
    """List the records ingest could not read: file, line, reason and the start of the raw bytes."""
    with Store.open(db, read_only=True) as store:
        total = store.count("quarantine")
        rows = store.con.execute(
            "SELECT file, line, source, reason, raw FROM quarantine ORDER BY file, line NULLS FIRST LIMIT ?", [limit]
        ).fetchall()
    items = [
        {"file": f, "line": ln, "source": s, "reason": r, "raw": (raw or b"")[:200].decode("utf-8", "replace")}
        for f, ln, s, r, raw in rows
    ]
    if fmt == "json":
        click.echo(to_json({"total": total, "records": items}))
        return
    out = Table("file", "line", "reason", "raw (start)", title=f"Quarantined records: {total:,}")
    for item in items:
        out.add_row(item["file"], "" if item["line"] is None else str(item["line"]), item["reason"], item["raw"][:60])
    console().print(out)
