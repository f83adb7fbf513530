"""Rendering results for people (rich tables) and machines (JSON, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

FORMATS = ("table", "json", "csv")


def to_json(payload: Any) -> str:
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _csv_value(row.get(c)) for c in columns})
    return buf.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10f}".rstrip("0").rstrip(".")  # no 1266.2999100000004 float noise
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # a spreadsheet must not run a model name as a formula
    return value


_CONTROL = dict.fromkeys([*range(0x20), 0x7F], "?")


def safe(text: str, limit: int = 80) -> str:
    """Text from the logs made safe to print: control characters and console markup neutralised,
    and cut to ``limit`` characters, so a hostile or corrupt name cannot garble or flood a report."""
    text = text.translate(_CONTROL)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


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
            footer = _cell(key, totals[key]) if key in totals else ("total" if i == 0 else "")
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
    return number(value) if not isinstance(value, str) else safe(value, 60)


def console(*, stderr: bool = False) -> Console:
    """A console that does not squeeze tables into 80 columns when output goes to a file or pipe."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=200)
