"""Benchmark: peak memory of ``tokentrail ingest`` on one ~2 GB file (target: under 1 GB RSS).

Generates the file into ``bench/out/`` (``--kind generic``: gateway-log JSONL from
``generic_events.py``; ``--kind claude-code``: one Claude Code transcript made of many renamed copies
of the shared samples), then ingests it into a fresh store as a child process, sampling its RSS
every second. Prints the peak, the RSS over time and the throughput; writes
``bench/out/memory_2gb_<kind>.json``. Exits 1 when the peak is over ``--limit-mb``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

import orjson
from claude_replica import replicate_into_one
from generic_events import iter_events, write_events
from harness import OUT, Measured, machine, machine_line, parse_json, run_measured, tokentrail_cmd, write_result

SEED = 20251001


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0, help="file size in GB (default 2)")
    parser.add_argument("--kind", choices=["generic", "claude-code"], default="generic")
    parser.add_argument("--limit-mb", type=float, default=1024, help="peak RSS target in MB (default 1024)")
    parser.add_argument("--regenerate", action="store_true", help="write the file even if it exists")
    return parser.parse_args(argv)


def events_for(target_bytes: float) -> int:
    """How many generic events make ``target_bytes``, from the mean size of the first 5,000."""
    sample = [len(orjson.dumps(e)) + 1 for e in itertools.islice(iter_events(5_000, SEED), 5_000)]
    return int(target_bytes / (sum(sample) / len(sample)))


def input_file(kind: str, gb: float, regenerate: bool) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"memory-{kind}-{gb:g}gb.jsonl"
    if path.exists() and not regenerate:
        return path
    print(f"generating {path} (~{gb:g} GB) …", flush=True)
    if kind == "generic":
        write_events(path, events_for(gb * 1e9), SEED)
    else:
        tmp = path.with_suffix(".tmp")
        replicate_into_one(tmp, int(gb * 1e9))
        tmp.replace(path)
    return path


def run_ingest(path: Path) -> Measured:
    db = OUT / "memory-bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    cmd = [*tokentrail_cmd(), "ingest", str(path), "--db", str(db), "--format", "json"]
    return run_measured(cmd, sample_every=1.0)


def curve(samples: list[tuple[float, float]], points: int = 20) -> list[tuple[float, float]]:
    """About ``points`` evenly spaced (seconds, RSS MB) samples, the last one included."""
    if len(samples) <= points:
        return samples
    step = len(samples) / points
    return [samples[int(i * step)] for i in range(points)] + [samples[-1]]


def result(path: Path, kind: str, limit: float, run: Measured) -> dict[str, Any]:
    summary = parse_json(run.stdout) if run.ok else None
    size = path.stat().st_size
    events = (summary or {}).get("events")
    return {
        "benchmark": "memory_2gb",
        **machine(),
        "kind": kind,
        "file": path.name,
        "file_bytes": size,
        "ingest": {**run.summary(), "summary": summary},
        "events_per_s": round(events / run.wall_s) if events else None,
        "mb_per_s": round(size / 1e6 / run.wall_s, 1),
        "rss_curve": curve(run.rss_samples),
        "rss_sampled_peak": max(run.rss_samples, key=lambda s: s[1], default=None),
        "limit_mb": limit,
        "within_limit": run.ok and run.peak_rss_mb <= limit,
    }


def show(res: dict[str, Any]) -> None:
    ingest = res["ingest"]
    print(f"file      {res['file']}  {res['file_bytes'] / 1e9:.2f} GB ({res['kind']})")
    print(
        f"ingest    {ingest['wall_s']:.1f} s, {res['mb_per_s']} MB/s, "
        f"{res['events_per_s'] or 0:,} events/s, exit {ingest['returncode']}"
    )
    if ingest["returncode"]:
        print(f"  failed: {ingest['stderr_tail'][-800:]}")
    print("RSS over time: " + ", ".join(f"{t:.0f}s {mb:,.0f} MB" for t, mb in res["rss_curve"]))
    if res["rss_sampled_peak"]:
        at, mb = res["rss_sampled_peak"]
        print(f"highest sample {mb:,.0f} MB at {at:.0f} s (of {ingest['wall_s']:.0f} s)")
    verdict = "within" if res["within_limit"] else "OVER"
    print(f"peak RSS  {ingest['peak_rss_mb']:,.0f} MB  ({verdict} the {res['limit_mb']:,.0f} MB target)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path = input_file(args.kind, args.gb, args.regenerate)
    res = result(path, args.kind, args.limit_mb, run_ingest(path))
    show(res)
    print(machine_line(res))
    written = write_result(f"memory_2gb_{args.kind}.json", res)
    print(f"wrote {written}")
    return 0 if res["within_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
