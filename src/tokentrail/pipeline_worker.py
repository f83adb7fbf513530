"""One file parsed and priced into Arrow tables: the unit of work handed to worker processes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from tokentrail.events import EVENT_SCHEMA, TOKEN_FIELDS, Quarantined
from tokentrail.pricing import Overrides, Pricer
from tokentrail.sources import get
from tokentrail.sources.base import MAX_TOKENS, ParseContext, Skipped

_PRICERS: dict[int, Pricer] = {}
_COUNTS = (*TOKEN_FIELDS, "system_prompt_tokens", "retrieved_context_tokens")
# Logs from before 2000 or dated more than a year ahead are corrupt clocks or misread units.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _screen_counts(row: dict[str, Any]) -> None:
    """Every source's counts pass one last check, so no parser's slip can sum garbage or overflow."""
    for name in _COUNTS:
        value = row[name]
        if value is None or (type(value) is int and 0 <= value <= MAX_TOKENS):
            continue
        row[name] = 0 if name in TOKEN_FIELDS else None
        row["flags"] = [*(row["flags"] or []), f"implausible_{name}"]


def screen_rows(rows: list[dict[str, Any]]) -> list[tuple[str | None, Quarantined]]:
    """Take out, in place, rows whose time cannot be right (returned for the quarantine), and zero
    counts that cannot be right (flagged)."""
    for row in rows:
        _screen_counts(row)
    latest = datetime.now(UTC) + timedelta(days=366)
    bad = [r for r in rows if not EARLIEST <= r["started_at"] <= latest]
    if not bad:
        return []
    rows[:] = [r for r in rows if EARLIEST <= r["started_at"] <= latest]
    out = []
    for r in bad:
        file, _, line = (r.get("source_ref") or "").rpartition(":")
        raw = orjson.dumps({k: r[k] for k in ("event_id", "started_at", "model", "session_id")}, default=str)
        reason = f"implausible timestamp {r['started_at'].isoformat()} (before 2000 or over a year ahead)"
        out.append(
            (
                r["source"],
                Quarantined(file or str(r.get("source_ref")), int(line) if line.isdigit() else None, reason, raw),
            )
        )
    return out


@dataclass
class FilePart:
    source: str
    records: int = 0
    events: int = 0
    tables: list[pa.Table] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    unpriced: Counter[str] = field(default_factory=Counter)


def parse_file(source_name: str, file: Path, ctx: ParseContext, overrides: Overrides) -> FilePart:
    """Parse and price one whole file (small enough to hold) in the calling process."""
    pricer = _PRICERS.get(id(overrides))
    if pricer is None or pricer.overrides != overrides:
        pricer = _PRICERS[id(overrides)] = Pricer(overrides)  # rates stay cached across this worker's files
    part = FilePart(source_name)
    rows: list[dict[str, Any]] = []
    for item in get(source_name).parse(file, ctx):
        part.records += 1
        if isinstance(item, dict):
            rows.append(item)
        elif isinstance(item, Quarantined):
            part.quarantined.append(item)
        elif isinstance(item, Skipped):
            part.skipped[item.record_type] += 1
    implausible = screen_rows(rows)
    part.quarantined.extend(q for _, q in implausible)
    part.events = len(rows)
    if rows:
        pricer.price_rows(rows)
        now = datetime.now(UTC)
        for row in rows:
            row["ingested_at"] = now
            if not row["priced"] and row.get("model"):
                part.unpriced[row["model"]] += 1
        part.tables.append(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA))
    return part
