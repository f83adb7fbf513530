"""Benchmark: every analysis on N synthetic events (default 10,000,000) in a DuckDB store.

The events are generated inside DuckDB with SQL (10M rows in seconds; going through ``ingest``
would measure ingest, which ``generic_ingest.py`` does): 2,000 users in 20 teams, 8 features,
5 models, 90 days, sessions of ~10 events, a mix of llm / tool / event kinds. Each analysis is then
timed on its own, after one warm-up query, and its wall time printed and written to
``bench/out/analyses_10m.json``. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tokentrail.analyses.adoption import adoption_report
from tokentrail.analyses.cost import cost_report
from tokentrail.analyses.outcomes import outcomes_report
from tokentrail.analyses.seats import seats_report
from tokentrail.analyses.sessions import list_sessions
from tokentrail.sources.roster import Seat
from tokentrail.sources.signals import Signal
from tokentrail.store import Store

OUT = Path(__file__).resolve().parent / "out"
START = date(2025, 7, 1)

GENERATE = """
INSERT INTO events
SELECT
    'e' || i AS event_id, 'generic' AS source, NULL AS source_ref, now() AS ingested_at,
    's' || (i // 10) AS session_id, 't' || (i // 10) AS trace_id, 'sp' || i AS span_id, NULL AS parent_span_id,
    CASE WHEN i % 10 < 6 THEN 'llm' WHEN i % 10 < 9 THEN 'tool' ELSE 'event' END AS kind,
    CASE WHEN i % 10 = 9 THEN 'user_prompt' ELSE 'call' END AS name,
    'user-' || ((i // 10) % {users}) AS user_id, 'team-' || (((i // 10) % {users}) % 20) AS team_id,
    'proj-' || ((i // 10) % 37) AS project, 'feature-' || ((i // 10) % 8) AS feature, 'prod' AS environment,
    NULL AS attributes,
    'anthropic' AS provider, 'claude-sonnet-4-5-20250929' AS model, 'anthropic:claude-sonnet-4-5' AS model_id,
    TIMESTAMPTZ '2025-07-01 00:00:00+00' + to_seconds((i // 10) * (90 * 86400 / ({n} // 10)) + (i % 10) * 20)
        AS started_at,
    NULL AS ended_at, 200 + (hash(i) % 5000) AS latency_ms, NULL AS time_to_first_token_ms,
    CASE WHEN i % 10 < 6 THEN 100 + hash(i) % 900 ELSE 0 END AS input_tokens,
    CASE WHEN i % 10 < 6 THEN hash(i) % 20000 ELSE 0 END AS cache_read_tokens,
    CASE WHEN i % 10 < 6 THEN hash(i) % 2000 ELSE 0 END AS cache_write_5m_tokens, 0 AS cache_write_1h_tokens,
    CASE WHEN i % 10 < 6 THEN 50 + hash(i) % 800 ELSE 0 END AS output_tokens, 0 AS reasoning_tokens,
    CASE WHEN i % 10 < 6 THEN 0.004 ELSE 0 END AS cost_usd, NULL AS cost_reported_usd, true AS priced,
    NULL AS price_modifiers, NULL AS system_prompt_tokens, NULL AS system_prompt_hash, NULL AS prompt_hash,
    NULL AS retrieved_context_tokens, NULL AS tool_name, 'ok' AS status, NULL AS error_type,
    NULL AS finish_reason, NULL AS input_text, NULL AS output_text, NULL AS flags
FROM range({n}) t(i)
"""


def build(db: Path, n: int, users: int) -> None:
    if db.exists():
        db.unlink()
    with Store.open(db) as store:
        store.con.execute(GENERATE.format(n=n, users=users))


def timed(name: str, fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    took = time.perf_counter() - started
    print(f"{name:<28} {took:8.2f} s", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=2000)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / f"analyses-{args.events}.duckdb"
    started = time.perf_counter()
    build(db, args.events, args.users)
    print(f"generated {args.events:,} events in {time.perf_counter() - started:.1f} s", flush=True)
    roster = [Seat(f"user-{u}", f"team-{u % 20}", "standard", 30.0) for u in range(args.users + 200)]
    signals = [
        Signal("user", f"user-{u}", START + timedelta(days=7 * w), "prs_merged", float((u + w) % 5))
        for u in range(0, args.users, 10)
        for w in range(13)
    ]
    results: dict[str, float] = {}
    with Store.open(db, read_only=True) as store:
        events = store.events()
        events.count().execute()  # warm the connection and catalog
        results["report cost --by day"] = timed("report cost --by day", lambda: cost_report(events, ["day"], tz="UTC"))
        results["report cost --by team,model"] = timed(
            "report cost --by team,model", lambda: cost_report(events, ["team", "model"], tz="UTC")
        )
        results["report adoption"] = timed("report adoption", lambda: adoption_report(events, tz="UTC"))
        results["sessions (top 50)"] = timed("sessions (top 50)", lambda: list_sessions(events, sort="cost", limit=50))
        results["seats"] = timed("seats", lambda: seats_report(events, roster, tz="UTC"))
        results["outcomes"] = timed("outcomes", lambda: outcomes_report(events, signals, tz="UTC"))
    report = {
        "benchmark": "analyses_10m",
        "events": args.events,
        "cpus": os.cpu_count(),
        "load_1m": os.getloadavg()[0],
        "seconds": results,
    }
    (OUT / "analyses_10m.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'analyses_10m.json'}")


if __name__ == "__main__":
    main()
