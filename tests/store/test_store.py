"""The DuckDB store: migrations, idempotent upserts, quarantine, transactions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import assistant
from tokentrail.events import EVENT_SCHEMA, Quarantined
from tokentrail.pipeline import ingest
from tokentrail.store import Store, StoreError, resolve_db_path
from tokentrail.store.migrations import MIGRATIONS, migrate

DUCK_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp[us, tz=UTC]": "TIMESTAMP WITH TIME ZONE",
    "map<string, string>": "MAP(VARCHAR, VARCHAR)",
    "list<item: string>": "VARCHAR[]",
}


def test_table_matches_the_arrow_schema(store: Store) -> None:
    cols = store.con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'events' ORDER BY ordinal_position"
    ).fetchall()
    assert [c[0] for c in cols] == EVENT_SCHEMA.names
    for (name, dtype, nullable), field in zip(cols, EVENT_SCHEMA, strict=True):
        assert dtype == DUCK_TYPES[str(field.type)], name
        assert (nullable == "YES") == field.nullable or name == "event_id", name


def test_migrations_run_once(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    with Store.open(db):
        pass
    con = duckdb.connect(str(db))
    assert migrate(con) == len(MIGRATIONS)
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_db_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOKENTRAIL_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(None) == tmp_path / "env.duckdb"
    assert resolve_db_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"
    monkeypatch.delenv("TOKENTRAIL_DB")
    assert resolve_db_path(None).name == "tokentrail.duckdb"


def test_read_only_open_of_missing_db_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run 'tokentrail ingest' first"):
        Store.open(tmp_path / "none.duckdb", read_only=True)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.duckdb"
    bad.write_text("hello")
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open(bad)


def test_quarantine_is_idempotent(store: Store) -> None:
    q = Quarantined("f.jsonl", 3, "bad JSON", b"{oops")
    assert store.write_quarantine([("claude_code", q)]) == 1
    assert store.write_quarantine([("claude_code", q)]) == 0
    assert store.con.execute("SELECT file, line, reason, raw FROM quarantine").fetchone() == (
        "f.jsonl",
        3,
        "bad JSON",
        b"{oops",
    )


def test_unrecognised_file_is_quarantined_not_dropped(tmp_path: Path, store: Store) -> None:
    (tmp_path / "notes.json").write_text('"just a string"')
    summary = ingest(store, [tmp_path])
    assert summary.unrecognised == [str(tmp_path / "notes.json")]
    assert store.count("quarantine") == 1


def test_killed_ingest_keeps_only_whole_batches(tmp_path: Path) -> None:
    """A real process killed mid-ingest: the store holds whole committed batches and opens cleanly."""
    lines = [json.dumps(assistant(f"m{i}", req=f"r{i}", uuid=f"u{i}")) for i in range(120_000)]
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n")
    db = tmp_path / "k.duckdb"
    script = (
        "import sys; from pathlib import Path; from tokentrail.store import Store; "
        "from tokentrail.pipeline import ingest; import tokentrail.pipeline as p; p.BATCH_ROWS = 10_000; "
        f"s = Store.open({str(db)!r}); print('ready', flush=True); "
        f"ingest(s, [Path({str(tmp_path / 'big.jsonl')!r})])"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env={**os.environ})
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    time.sleep(4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(db, read_only=True) as s:
        n = s.count()
    print("committed before the kill:", n)
    assert n % 10_000 == 0 or n == 120_000, n


def test_parallel_ingest_equals_serial(samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes parse small files; the stored events are the same as a serial run's."""
    import tokentrail.pipeline as pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    folder = samples / "claude-code" / "projects"
    snapshots = []
    for workers in (1, 2):
        with Store.open(tmp_path / f"w{workers}.duckdb") as s:
            summary = ingest(s, [folder], workers=workers)
            assert (summary.events, summary.quarantined) == (612, 0)
            snapshots.append(
                s.con.execute(
                    "SELECT event_id, kind, input_tokens, output_tokens, cost_usd, session_id "
                    "FROM events ORDER BY event_id"
                ).fetchall()
            )
    assert snapshots[0] == snapshots[1]


def test_event_ids_stay_unique_without_an_index(samples: Path, store: Store) -> None:
    folder = samples / "claude-code" / "projects"
    ingest(store, [folder])
    ingest(store, [folder, folder])  # the same files twice in one run, and again across runs
    n, distinct = store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall()[0]
    assert n == distinct == 612
