"""Ingest: sources → events → pricing → store, in batches, with a summary of what happened."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tokentrail.events import Quarantined
from tokentrail.pricing import PRICE_DATA, Pricer
from tokentrail.sources import SourceError, detect, get, iter_files
from tokentrail.sources.base import HEAD_BYTES, ParseContext, Skipped, Source
from tokentrail.store import Store, WriteCounts
from tokentrail.version import __version__

BATCH_ROWS = 20_000
CLAUDE_ROOTS = (Path.home() / ".claude" / "projects", Path.home() / ".config" / "claude" / "projects")


@dataclass
class IngestSummary:
    files: int = 0
    records: int = 0
    events: int = 0
    written: WriteCounts = field(default_factory=WriteCounts)
    quarantined: int = 0
    quarantined_new: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    unpriced: Counter[str] = field(default_factory=Counter)
    unrecognised: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Events read that were already stored (or repeated in the input) and changed nothing."""
        return self.written.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": self.records,
            "events": self.events,
            "events_new": self.written.new,
            "events_updated": self.written.updated,
            "duplicates_skipped": self.duplicates,
            "quarantined": self.quarantined,
            "records_without_events": dict(self.skipped),
            "files_by_source": dict(self.by_source),
            "unpriced_models": dict(self.unpriced),
            "unrecognised_files": self.unrecognised,
        }


def default_paths() -> list[Path]:
    """With no path given: the Claude Code projects folders that exist on this machine."""
    return [p for p in CLAUDE_ROOTS if p.is_dir()]


def plan(paths: Sequence[Path], source_name: str | None) -> list[tuple[Path, Source | None]]:
    """Every input file with the source that will read it (None: nothing recognised it)."""
    forced = get(source_name) if source_name else None
    planned: list[tuple[Path, Source | None]] = []
    for path in paths:
        for file in iter_files(path):
            planned.append((file, forced or detect(file)))
    return planned


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    source_name: str | None = None,
    ctx: ParseContext | None = None,
    pricer: Pricer | None = None,
    on_file: Callable[[Path, int], None] | None = None,
) -> IngestSummary:
    """Read every file under ``paths`` into the store. Bad records are quarantined; ingest goes on."""
    ctx = ctx or ParseContext()
    pricer = pricer or Pricer()
    summary = IngestSummary()
    started = datetime.now(UTC)
    planned = plan(paths, source_name)
    rows: list[dict[str, Any]] = []
    bad: list[tuple[str | None, Quarantined]] = []

    def flush() -> None:
        if rows:
            pricer.price_rows(rows)
            for row in rows:
                if not row["priced"] and row.get("model"):
                    summary.unpriced[row["model"]] += 1
            summary.written.add(store.write_events(rows))
            rows.clear()
        if bad:
            summary.quarantined_new += store.write_quarantine(bad)
            bad.clear()

    for file, source in planned:
        summary.files += 1
        if source is None:
            summary.unrecognised.append(str(file))
            bad.append((None, Quarantined(str(file), None, "no source recognised this file", _head(file))))
            summary.quarantined += 1
            summary.records += 1
        else:
            summary.by_source[source.name] += 1
            try:
                _read_file(source, file, ctx, summary, rows, bad, flush)
            except OSError as exc:
                raise SourceError(f"cannot read {file}: {exc.strerror or exc}") from exc
        if on_file:
            on_file(file, file.stat().st_size)
    flush()
    store.record_run(
        {
            "run_id": uuid.uuid4().hex,
            "started_at": started,
            "finished_at": datetime.now(UTC),
            "paths": ";".join(str(p) for p in paths),
            "files": summary.files,
            "records": summary.records,
            "events_new": summary.written.new,
            "events_updated": summary.written.updated,
            "duplicates": summary.duplicates,
            "quarantined": summary.quarantined,
            "tokentrail_version": __version__,
            "price_data": PRICE_DATA,
        }
    )
    store.set_meta("price_data", PRICE_DATA)
    return summary


def _read_file(
    source: Source,
    file: Path,
    ctx: ParseContext,
    summary: IngestSummary,
    rows: list[dict[str, Any]],
    bad: list[tuple[str | None, Quarantined]],
    flush: Callable[[], None],
) -> None:
    for item in source.parse(file, ctx):
        summary.records += 1
        if isinstance(item, dict):
            rows.append(item)
            summary.events += 1
            if len(rows) >= BATCH_ROWS:
                flush()
        elif isinstance(item, Quarantined):
            bad.append((source.name, item))
            summary.quarantined += 1
        elif isinstance(item, Skipped):
            summary.skipped[item.record_type] += 1


def _head(file: Path) -> bytes:
    try:
        with file.open("rb") as fh:
            return fh.read(HEAD_BYTES // 64)
    except OSError:
        return b""


def reprice(store: Store, pricer: Pricer) -> tuple[int, int]:
    """Recompute every stored cost with the current prices; returns (rows seen, costs changed)."""
    seen = changed = 0
    for batch in store.iter_priceable():
        for row in batch:
            row["flags"] = [f for f in (row["flags"] or []) if not f.startswith("unpriced")] or None
        pricer.price_rows(batch)
        seen += len(batch)
        changed += store.update_prices(batch)
    store.set_meta("price_data", PRICE_DATA)
    return seen, changed


def iter_paths(values: Iterable[str]) -> list[Path]:
    return [Path(v).expanduser() for v in values]
