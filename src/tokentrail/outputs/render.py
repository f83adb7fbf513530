"""Rendering results for people (rich tables) and machines (JSON, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "json", "csv")


def to_json(payload: Any) -> str:
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in columns})
    return buf.getvalue()


def number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def money(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"


def table(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[dict[str, Any]],
    totals: dict[str, Any] | None = None,
    caption: str | None = None,
    partial: Sequence[int] | None = None,
) -> Table:
    """A rich table; ``columns`` are (key, header) pairs, money columns end in ``_usd``.

    ``partial`` gives, per row, how many events could not be priced: their money cells are marked.
    """
    out = Table(title=title, caption=caption, show_footer=totals is not None, caption_justify="left")
    for i, (key, header) in enumerate(columns):
        footer = ""
        if totals is not None:
            footer = "total" if i == 0 and key not in totals else _cell(key, totals.get(key))
        numeric = key.endswith(("_usd", "_tokens")) or key in {"calls", "events"}
        out.add_column(header, footer=footer, justify="right" if numeric else "left")
    for i, row in enumerate(rows):
        unpriced = partial[i] if partial else 0
        out.add_row(*(_cell(key, row.get(key), unpriced) for key, _ in columns))
    return out


def _cell(key: str, value: Any, unpriced: int = 0) -> str:
    if key.endswith("_usd"):
        if value is None:
            return "unpriced"
        return money(value) + (" *" if unpriced else "")
    if value is None:
        return "(none)"
    return number(value)


def console(*, stderr: bool = False) -> Console:
    """A console that does not squeeze tables into 80 columns when output goes to a file or pipe."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=200)
