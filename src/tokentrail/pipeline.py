"""Ingest: sources → events → pricing → store, in batches, with a summary of what happened."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from tokentrail.events import Quarantined
from tokentrail.pipeline_worker import FilePart, parse_file, screen_rows
from tokentrail.pricing import PRICE_DATA, Pricer
from tokentrail.sources import SourceError, detect, get, iter_files
from tokentrail.sources.base import HEAD_BYTES, ParseContext, Skipped, Source
from tokentrail.store import Store, WriteCounts
from tokentrail.version import __version__

BATCH_ROWS = 20_000
BATCH_TEXT_BYTES = 32 << 20
# Files up to this size go to worker processes whole; larger ones are streamed in this process.
PARALLEL_MAX_FILE_BYTES = 32 << 20
# Below this much input, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 24 << 20
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
    unreadable: list[str] = field(default_factory=list)

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
            "unreadable": self.unreadable,
        }


def default_paths() -> list[Path]:
    """With no path given: the Claude Code projects folders that exist on this machine."""
    return [p for p in CLAUDE_ROOTS if p.is_dir()]


def plan(
    paths: Sequence[Path], source_name: str | None
) -> tuple[list[tuple[Path, Source | None]], list[tuple[Path, str]]]:
    """Every input file with the source that will read it (None: nothing recognised it), and the
    files and folders that could not be read at all, with why."""
    forced = get(source_name) if source_name else None
    planned: list[tuple[Path, Source | None]] = []
    problems: list[tuple[Path, str]] = []
    for path in paths:
        for file in iter_files(path, problems):
            try:
                planned.append((file, forced or detect(file)))
            except SourceError as exc:
                problems.append((file, str(exc)))
    return planned, problems


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    source_name: str | None = None,
    ctx: ParseContext | None = None,
    pricer: Pricer | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Read every file under ``paths`` into the store. Bad records are quarantined; ingest goes on.

    Many small files (a Claude Code projects folder) are parsed and priced in worker processes
    while this process writes; a large file is streamed here in batches, so memory stays bounded.
    Results are written in input order, so the outcome does not depend on the number of workers.
    """
    ctx = ctx or ParseContext()
    pricer = pricer or Pricer()
    summary = IngestSummary()
    started = datetime.now(UTC)
    planned, problems = plan(paths, source_name)
    rows: list[dict[str, Any]] = []
    bad: list[tuple[str | None, Quarantined]] = []
    parsed: list[pa.Table] = []  # workers' tables, written together: one transaction per batch, not per file

    def flush() -> None:
        if parsed:
            summary.written.add(store.write_arrow(pa.concat_tables(parsed)))
            parsed.clear()
        if rows:
            implausible = screen_rows(rows)
            summary.events -= len(implausible)
            summary.quarantined += len(implausible)
            bad.extend(implausible)
            pricer.price_rows(rows)
            for row in rows:
                if not row["priced"] and row.get("model"):
                    summary.unpriced[row["model"]] += 1
            summary.written.add(store.write_events(rows))
            rows.clear()
        if bad:
            summary.quarantined_new += store.write_quarantine(bad)
            bad.clear()

    def take(part: FilePart) -> None:
        summary.records += part.records
        summary.events += part.events
        summary.quarantined += len(part.quarantined)
        summary.skipped.update(part.skipped)
        summary.unpriced.update(part.unpriced)
        bad.extend((part.source, q) for q in part.quarantined)
        parsed.extend(part.tables)
        if sum(t.num_rows for t in parsed) >= BATCH_ROWS:
            flush()

    for where, why in problems:
        summary.unreadable.append(f"{where}: {why}")
        bad.append((None, Quarantined(str(where), None, why, b"")))
        summary.quarantined += 1

    for file, source, part in _parse_in_order(planned, ctx, pricer, workers):
        summary.files += 1
        if source is None:
            summary.unrecognised.append(str(file))
            bad.append((None, Quarantined(str(file), None, "no source recognised this file", _head(file))))
            summary.quarantined += 1
            summary.records += 1
        else:
            summary.by_source[source.name] += 1
            if isinstance(part, FilePart):
                take(part)
            elif isinstance(part, BaseException):
                _give_up(file, source, part, summary, bad)
            else:
                try:
                    _read_file(source, file, ctx, summary, rows, bad, flush)
                except Exception as exc:
                    _give_up(file, source, exc, summary, bad)
        if on_file:
            on_file(file, _size(file))
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


def _parse_in_order(
    planned: list[tuple[Path, Source | None]], ctx: ParseContext, pricer: Pricer, workers: int | None
) -> Iterator[tuple[Path, Source | None, FilePart | BaseException | None]]:
    """Each planned file with its parsed part when a worker read it (None: read it here, streaming)."""
    small = [(f, s) for f, s in planned if s is not None and _size(f) <= PARALLEL_MAX_FILE_BYTES]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers < 2 or sum(_size(f) for f, _ in small) < PARALLEL_MIN_BYTES:
        for file, source in planned:
            yield file, source, None
        return
    jobs = {f for f, _ in small}
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[Path, Source | None, Future[FilePart] | None]] = deque()
        for file, source in planned:
            future = None
            if file in jobs and source is not None:
                future = pool.submit(parse_file, source.name, file, ctx, pricer.overrides)
            pending.append((file, source, future))
            # A bounded window of parsed-but-unwritten files keeps memory flat however many files there are.
            while len(pending) > 4 * workers:
                yield _resolve(pending.popleft())
        while pending:
            yield _resolve(pending.popleft())


def _resolve(
    item: tuple[Path, Source | None, Future[FilePart] | None],
) -> tuple[Path, Source | None, FilePart | BaseException | None]:
    file, source, future = item
    if future is None:
        return file, source, None
    exc = future.exception()
    return file, source, exc if exc is not None else future.result()


def _give_up(
    file: Path, source: Source, exc: BaseException, summary: IngestSummary, bad: list[tuple[str | None, Quarantined]]
) -> None:
    """A file whose reading failed part-way: what was read is kept, the rest is quarantined as one entry."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
    summary.unreadable.append(f"{file}: {why}")
    bad.append((source.name, Quarantined(str(file), None, f"reading stopped: {why}"[:500], b"")))
    summary.quarantined += 1


def _read_file(
    source: Source,
    file: Path,
    ctx: ParseContext,
    summary: IngestSummary,
    rows: list[dict[str, Any]],
    bad: list[tuple[str | None, Quarantined]],
    flush: Callable[[], None],
) -> None:
    text_bytes = 0
    for item in source.parse(file, ctx):
        summary.records += 1
        if isinstance(item, dict):
            rows.append(item)
            summary.events += 1
            text_bytes += len(item["input_text"] or "") + len(item["output_text"] or "")
            # Content-heavy logs (tool inputs, long answers) flush by volume too, so memory stays flat.
            if len(rows) >= BATCH_ROWS or text_bytes >= BATCH_TEXT_BYTES:
                flush()
                text_bytes = 0
        elif isinstance(item, Quarantined):
            bad.append((source.name, item))
            summary.quarantined += 1
        elif isinstance(item, Skipped):
            summary.skipped[item.record_type] += 1


def input_bytes(paths: Sequence[Path]) -> int:
    """Total size of the input files under ``paths`` (for a progress bar)."""
    return sum(_size(f) for p in paths for f in iter_files(p, []))


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:  # gone or unreadable since it was listed: the summary already says so
        return 0


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
