"""Store maintenance: ``reprice`` and ``sources``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from tokentrail.cli.options import db_option, prices_option
from tokentrail.outputs.render import console
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
    with Store.open(db, read_only=False) as store:
        seen, changed = reprice_store(store, pricer)
    click.echo(f"repriced {seen:,} events with {PRICE_DATA}; {changed:,} costs changed")


@click.command()
def sources() -> None:
    """List the log formats tokentrail reads."""
    out = Table("name", "reads")
    for source in all_sources():
        out.add_row(source.name, source.description)
    console().print(out)
