"""The event store: one DuckDB file, created on first use, written in Arrow batches.

Each batch is one transaction, so a killed ingest leaves the store as it was before that batch.
Events are keyed by ``event_id``; writing an event that is already stored keeps whichever copy
has more billed tokens (a streamed response's complete line beats its partial one, whatever order
the files are read in), so ingesting the same input twice changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from tokentrail.events import EVENT_SCHEMA, FIELD_NAMES, Quarantined
from tokentrail.store.migrations import migrate

__all__ = ["DEFAULT_DB", "Store", "StoreError", "WriteCounts", "resolve_db_path"]

DEFAULT_DB = (
    Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "tokentrail" / "tokentrail.duckdb"
)

DUCKDB_MEMORY = os.environ.get("TOKENTRAIL_DUCKDB_MEMORY", "512MB")
_BILLED = "input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens"
_UPDATABLE = [n for n in FIELD_NAMES if n != "event_id"]


class StoreError(Exception):
    """The store cannot be opened or written: one line for the user."""


def resolve_db_path(db: str | Path | None) -> Path:
    """``--db``, then ``TOKENTRAIL_DB``, then the per-user default."""
    if db:
        return Path(db).expanduser()
    env = os.environ.get("TOKENTRAIL_DB")
    return Path(env).expanduser() if env else DEFAULT_DB


@dataclass
class WriteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


class Store:
    def __init__(self, path: Path, *, read_only: bool = False, must_exist: bool = False) -> None:
        self.path = path
        if (read_only or must_exist) and not path.exists():
            raise StoreError(f"no tokentrail database at {path}; run 'tokentrail ingest' first (or pass --db)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # While writing, DuckDB's cache would otherwise grow toward most of the machine's memory
            # during a long ingest; a fixed budget keeps ingest's peak flat (joins spill to disk past
            # it). Reports keep DuckDB's default budget: exact percentiles need their values in memory.
            config = {} if read_only else {"memory_limit": DUCKDB_MEMORY}
            self.con = duckdb.connect(str(path), read_only=read_only, config=config)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {str(exc).splitlines()[0]}") from None
        ours = self._has_table("schema_migrations")
        if not ours and (read_only or self._has_any_table()):
            self.con.close()
            raise StoreError(f"{path} is not a tokentrail database; give another --db")
        if not read_only:
            migrate(self.con)

    @classmethod
    def open(cls, db: str | Path | None = None, *, read_only: bool = False, must_exist: bool = False) -> Store:
        return cls(resolve_db_path(db), read_only=read_only, must_exist=must_exist)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _has_any_table(self) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM information_schema.tables").fetchall()[0][0])

    def _has_table(self, name: str) -> bool:
        return bool(
            self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[
                0
            ][0]
        )

    # -- writing -----------------------------------------------------------------------------

    def write_events(self, rows: Sequence[dict[str, Any]]) -> WriteCounts:
        """Upsert one batch of event rows in one transaction."""
        if not rows:
            return WriteCounts()
        now = datetime.now(UTC)
        for row in rows:
            row["ingested_at"] = now
        batch = pa.Table.from_pylist(list(rows), schema=EVENT_SCHEMA)
        return self.write_arrow(batch)

    def write_arrow(self, batch: pa.Table) -> WriteCounts:
        # A cursor of its own: a caller's unfinished result on the main connection cannot block it.
        con = self.con.cursor()
        con.register("_incoming", batch)
        try:
            con.execute("BEGIN TRANSACTION")
            # One row per id within the batch: the copy with the most billed tokens.
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _staged AS SELECT * FROM _incoming "
                f"QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY {_BILLED} DESC) = 1"
            )
            # Which staged ids are stored already, and which of those carry more tokens now. No index:
            # a primary-key index lives in memory and outgrows any fixed budget on a large store,
            # while this join streams over the stored ids.
            s_total, e_total = _BILLED.replace(" + ", " + s."), _BILLED.replace(" + ", " + e.")
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _known AS SELECT s.event_id, (s.{s_total}) > (e.{e_total}) AS better "
                f"FROM _staged s JOIN events e USING (event_id)"
            )
            existing, better = con.execute("SELECT count(*), count(*) FILTER (WHERE better) FROM _known").fetchall()[0]
            staged = con.execute("SELECT count(*) FROM _staged").fetchall()[0][0]
            con.execute("INSERT INTO events SELECT * FROM _staged ANTI JOIN _known USING (event_id)")
            if better:
                sets = ", ".join(f"{c} = s.{c}" for c in _UPDATABLE)
                con.execute(
                    f"UPDATE events SET {sets} FROM _staged s JOIN _known k USING (event_id) "
                    f"WHERE k.better AND events.event_id = s.event_id"
                )
            con.execute("DROP TABLE _staged")
            con.execute("DROP TABLE _known")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_incoming")
            con.close()
        return WriteCounts(new=staged - existing, updated=better, unchanged=len(batch) - (staged - existing) - better)

    def write_quarantine(self, items: Iterable[tuple[str | None, Quarantined]]) -> int:
        rows = [
            (q.file, q.line, hashlib.blake2b(q.raw, digest_size=16).hexdigest(), src, q.reason, q.raw)
            for src, q in items
        ]
        if not rows:
            return 0
        before = self.con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
        self.con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, current_timestamp) ON CONFLICT DO NOTHING", rows
        )
        return self.con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] - before

    def record_run(self, run: dict[str, Any]) -> None:
        cols = ", ".join(run)
        marks = ", ".join("?" for _ in run)
        self.con.execute(f"INSERT INTO ingest_runs ({cols}) VALUES ({marks})", list(run.values()))

    # -- reading -----------------------------------------------------------------------------

    def events(self) -> ibis.Table:
        """The events table as an Ibis expression (the analyses' input)."""
        return ibis.duckdb.from_connection(self.con).table("events")

    def count(self, table: str = "events") -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    def iter_priceable(self, batch_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
        """Rows that carry a model or tokens, in batches, for repricing."""
        cur = self.con.execute(
            "SELECT event_id, kind, provider, model, started_at, price_modifiers, cost_reported_usd, flags, "
            f"input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens "
            f"FROM events WHERE model IS NOT NULL OR ({_BILLED}) > 0"
        )
        names = [d[0] for d in cur.description]
        while chunk := cur.fetchmany(batch_size):
            yield [dict(zip(names, r, strict=True)) for r in chunk]

    def update_prices(self, rows: Sequence[dict[str, Any]]) -> int:
        """Write repriced cost fields back; returns how many costs changed."""
        if not rows:
            return 0
        table = pa.Table.from_pylist(
            [{k: r[k] for k in ("event_id", "model_id", "cost_usd", "priced", "flags")} for r in rows],
            schema=pa.schema([EVENT_SCHEMA.field(n) for n in ("event_id", "model_id", "cost_usd", "priced", "flags")]),
        )
        con = self.con.cursor()
        con.register("_repriced", table)
        try:
            con.execute("BEGIN TRANSACTION")
            changed = con.execute(
                "SELECT count(*) FROM events e JOIN _repriced r USING (event_id) "
                "WHERE e.cost_usd IS DISTINCT FROM r.cost_usd OR e.model_id IS DISTINCT FROM r.model_id"
            ).fetchall()[0][0]
            con.execute(
                "UPDATE events SET model_id = r.model_id, cost_usd = r.cost_usd, priced = r.priced, "
                "flags = r.flags FROM _repriced r WHERE events.event_id = r.event_id"
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_repriced")
            con.close()
        return changed

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def get_meta(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None
