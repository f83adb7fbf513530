"""Benchmark: our ingest + cost report of a generic JSONL file, against DuckDB's own ``read_json``.

Generates ``--events`` deterministic gateway-log events (``generic_events.py``) into ``bench/out/``,
then, in one run and each as its own process:

(a) DuckDB: ``read_json(…, format='newline_delimited')`` + GROUP BY day of the tokens, in memory;
(b) ``tokentrail ingest FILE --db fresh.duckdb``;
(c) ``tokentrail report cost --by day --tz UTC --format json`` on that store.

Prints the times, the ratio ours / DuckDB, peak RSS, and whether our per-day totals equal DuckDB's
sums (MATCH / MISMATCH); writes the same to ``bench/out/generic_ingest.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from generic_events import write_events
from harness import (
    BENCH,
    OUT,
    Measured,
    fmt_mb,
    machine,
    machine_line,
    parse_json,
    ratio,
    run_measured,
    times,
    tokentrail_cmd,
    write_result,
)

TOKEN_KEYS = ("calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=20251001, help="random seed (same seed, same file)")
    parser.add_argument("--regenerate", action="store_true", help="write the file even if it exists")
    return parser.parse_args(argv)


def input_file(events: int, seed: int, regenerate: bool) -> Path:
    """The generated JSONL file, written unless an identical one (same count and seed) exists."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"generic-{events}-{seed}.jsonl"
    if regenerate or not path.exists():
        print(f"generating {events:,} events into {path} …", flush=True)
        write_events(path, events, seed)
    return path


def run_duckdb(path: Path) -> tuple[Measured, dict[str, Any] | None]:
    measured = run_measured([sys.executable, str(BENCH / "duckdb_days.py"), str(path)])
    return measured, parse_json(measured.stdout) if measured.ok else None


def run_ours(path: Path) -> tuple[Measured, Measured, dict[str, Any] | None]:
    """(ingest, report, the report's JSON) on a fresh store."""
    db = OUT / "generic-bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    tt = tokentrail_cmd()
    ingest = run_measured([*tt, "ingest", str(path), "--db", str(db), "--format", "json"])
    if not ingest.ok:
        return ingest, ingest, None
    report = run_measured([*tt, "report", "cost", "--by", "day", "--tz", "UTC", "--format", "json", "--db", str(db)])
    return ingest, report, parse_json(report.stdout) if report.ok else None


def by_day(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {str(r["day"]): {k: int(r.get(k) or 0) for k in TOKEN_KEYS} for r in rows}


def sum_rows(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, float]:
    return {k: sum(float(r.get(k) or 0) for r in rows) for k in keys}


def compare(ours: dict[str, Any] | None, duck: dict[str, Any] | None) -> dict[str, Any]:
    """Per-day token totals, ours against DuckDB's sums of the same file."""
    if ours is None or duck is None:
        return {"match": False, "reason": "unparsed output"}
    mine, theirs = by_day(ours.get("rows", [])), by_day(duck.get("rows", []))
    differing = sorted(d for d in mine.keys() | theirs.keys() if mine.get(d) != theirs.get(d))
    return {
        "match": not differing,
        "days": len(theirs),
        "differing_days": {d: {"ours": mine.get(d), "duckdb": theirs.get(d)} for d in differing[:5]},
        "ours": sum_rows(list(mine.values()), TOKEN_KEYS),
        "duckdb": sum_rows(list(theirs.values()), TOKEN_KEYS),
        "our_cost_usd": round(float(ours.get("totals", {}).get("cost_usd") or 0), 4),
        "file_cost_usd": round(sum_rows(duck.get("rows", []), ("cost_usd",))["cost_usd"], 4),
    }


def result(
    path: Path,
    events: int,
    duck: tuple[Measured, dict[str, Any] | None],
    ours: tuple[Measured, Measured, dict[str, Any] | None],
) -> dict[str, Any]:
    (duck_run, duck_json), (ingest, report, report_json) = duck, ours
    size = path.stat().st_size
    return {
        "benchmark": "generic_ingest",
        **machine(),
        "events": events,
        "file": str(path.relative_to(BENCH.parent)),
        "file_bytes": size,
        "duckdb": {
            **duck_run.summary(),
            "version": (duck_json or {}).get("duckdb"),
            "query_s": round(float((duck_json or {}).get("query_s") or 0), 3),
        },
        "ingest": {
            **ingest.summary(),
            "summary": parse_json(ingest.stdout),
            "events_per_s": round(events / ingest.wall_s) if ingest.ok else None,
            "mb_per_s": round(size / 1e6 / ingest.wall_s, 1) if ingest.ok else None,
        },
        "report": report.summary(),
        "ratio_ingest_vs_duckdb": ratio(ingest.wall_s, duck_run.wall_s),
        "ratio_ingest_report_vs_duckdb": ratio(ingest.wall_s + report.wall_s, duck_run.wall_s),
        "cpu_ratio_ingest_vs_duckdb": ratio(ingest.cpu_s, duck_run.cpu_s),
        "totals": compare(report_json, duck_json),
    }


def show(res: dict[str, Any]) -> None:
    duck, ingest, report, totals = res["duckdb"], res["ingest"], res["report"], res["totals"]
    print(f"file      {res['file']}  {res['events']:,} events, {fmt_mb(res['file_bytes'])}")
    print(
        f"duckdb    {duck['wall_s']:8.2f} s  (query {duck['query_s']:.2f} s, cpu {duck['cpu_s']:.2f} s)  "
        f"peak RSS {duck['peak_rss_mb']:,.0f} MB"
    )
    print(
        f"ingest    {ingest['wall_s']:8.2f} s  (cpu {ingest['cpu_s']:.2f} s, {ingest['events_per_s'] or 0:,} events/s, "
        f"{ingest['mb_per_s'] or 0} MB/s)  peak RSS {ingest['peak_rss_mb']:,.0f} MB"
    )
    print(f"report    {report['wall_s']:8.2f} s  peak RSS {report['peak_rss_mb']:,.0f} MB")
    print(
        f"ratio     ingest / duckdb = {times(res['ratio_ingest_vs_duckdb'])}, "
        f"(ingest + report) / duckdb = {times(res['ratio_ingest_report_vs_duckdb'])}; "
        f"cpu time ingest / duckdb = {times(res['cpu_ratio_ingest_vs_duckdb'])}"
    )
    for step in ("duckdb", "ingest", "report"):
        if res[step]["returncode"]:
            print(f"FAILED {step} (exit {res[step]['returncode']}): {res[step]['stderr_tail'][-800:]}")
    if "ours" in totals:
        for key in TOKEN_KEYS:
            print(f"  {key:20} ours {totals['ours'][key]:>16,.0f}   duckdb {totals['duckdb'][key]:>16,.0f}")
        print(
            f"  cost_usd             ours {totals['our_cost_usd']:>16,.4f}   "
            f"file's own {totals['file_cost_usd']:>11,.4f}"
        )
    print("MATCH" if totals["match"] else f"MISMATCH {totals.get('differing_days') or totals.get('reason')}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path = input_file(args.events, args.seed, args.regenerate)
    duck = run_duckdb(path)
    ours = run_ours(path)
    res = result(path, args.events, duck, ours)
    show(res)
    print(machine_line(res))
    print(f"wrote {write_result('generic_ingest.json', res)}")
    return 0 if res["totals"]["match"] else 1


if __name__ == "__main__":
    sys.exit(main())
