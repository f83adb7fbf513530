"""Options shared by several commands."""

from __future__ import annotations

import click

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB file (default: $TOKENTRAIL_DB, else ~/.local/share/tokentrail/tokentrail.duckdb).",
)
prices_option = click.option(
    "--prices",
    "prices_file",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="TOKENTRAIL_PRICES",
    help="TOML price-override file: negotiated rates, private models, aliases ($TOKENTRAIL_PRICES).",
)
