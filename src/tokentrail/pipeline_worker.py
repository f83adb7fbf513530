"""One file parsed and priced into Arrow tables: the unit of work handed to worker processes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from tokentrail.events import EVENT_SCHEMA, Quarantined
from tokentrail.pricing import Overrides, Pricer
from tokentrail.sources import get
from tokentrail.sources.base import ParseContext, Skipped

_PRICERS: dict[int, Pricer] = {}


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
