"""Totals read from each tool's output, in one shape: input, output, cache write, cache read, cost.

Each parser returns None when the output is not in a shape it knows, so the benchmark can say
"unparsed" instead of crashing or reporting a wrong number.
"""

from __future__ import annotations

import re
from typing import Any

from harness import parse_json

FIELDS = ("input", "output", "cache_write", "cache_read", "cost_usd")
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_NUMBER = re.compile(r"^\$?(-?[\d,]*\.?\d+)([kmb])?$", re.IGNORECASE)


def number(text: str) -> int | float | None:
    """``1,234`` → 1234, ``$5.17`` → 5.17, ``1.2M`` → 1200000.0; None for anything else."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    digits, suffix = match.group(1).replace(",", ""), match.group(2)
    value = float(digits) * _SUFFIX[suffix.lower()] if suffix else float(digits)
    return int(value) if "." not in digits and not suffix else value


def _ints(values: dict[str, Any]) -> dict[str, Any] | None:
    try:
        out: dict[str, Any] = {k: int(values[k]) for k in FIELDS if k != "cost_usd"}
        out["cost_usd"] = float(values["cost_usd"])
    except (KeyError, TypeError, ValueError):
        return None
    return out


def parse_ours(report: Any) -> dict[str, Any] | None:
    """``tokentrail report cost --format json``: ``{"rows": […], "totals": {…}}``."""
    totals = report.get("totals") if isinstance(report, dict) else None
    if not isinstance(totals, dict):
        return None
    names = {
        "input": "input_tokens",
        "output": "output_tokens",
        "cache_write": "cache_write_tokens",
        "cache_read": "cache_read_tokens",
        "cost_usd": "cost_usd",
    }
    out = _ints({k: totals.get(v) for k, v in names.items()})
    if out is not None and totals.get("calls") is not None:
        out["responses"] = int(totals["calls"])
    return out


def parse_ccusage(text: str) -> dict[str, Any] | None:
    """``ccusage daily --json``: ``{"daily": […], "totals": {inputTokens, …, totalCost}}``."""
    data = parse_json(text)
    totals = data.get("totals") if isinstance(data, dict) else None
    if not isinstance(totals, dict):
        return None
    names = {
        "input": "inputTokens",
        "output": "outputTokens",
        "cache_write": "cacheCreationTokens",
        "cache_read": "cacheReadTokens",
        "cost_usd": "totalCost",
    }
    return _ints({k: totals.get(v) for k, v in names.items()})


# tokencur's model table: a header naming its columns, one row per model, then a blank line.
_TOKENCUR_COLUMNS = {
    "calls": "responses",
    "input": "input",
    "output": "output",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "cost USD": "cost_usd",
}
_TOTAL_LINE = re.compile(r"TOTAL[^$\n]*\$\s*([\d,]+\.?\d*)")


def _table(lines: list[str]) -> tuple[list[str], list[list[str]]] | None:
    for i, line in enumerate(lines):
        header = re.split(r"\s{2,}", line.strip())
        if header and header[0] == "model" and "input" in header:
            rows = []
            for row in lines[i + 1 :]:
                if not row.strip():
                    break
                rows.append(re.split(r"\s{2,}", row.strip()))
            return header, rows
    return None


def _sum_columns(header: list[str], rows: list[list[str]]) -> dict[str, Any] | None:
    sums: dict[str, Any] = {}
    for column, field in _TOKENCUR_COLUMNS.items():
        if column not in header:
            continue
        values = [number(r[header.index(column)]) if len(r) == len(header) else None for r in rows]
        if any(v is None for v in values):
            return None
        sums[field] = sum(v for v in values if v is not None)
    return sums


def parse_tokencur(text: str) -> dict[str, Any] | None:
    """``tokencur report``: a text table by model, and an ``… TOTAL …: $X`` line (cost in cents)."""
    found = _table(text.splitlines())
    if found is None:
        return None
    sums = _sum_columns(*found)
    if sums is None:
        return None
    total = _TOTAL_LINE.search(text)
    if total:
        sums["cost_usd"] = float(total.group(1).replace(",", ""))
    out = _ints(sums)
    if out is not None and "responses" in sums:
        out["responses"] = int(sums["responses"])
    return out
