"""Benchmark: our Claude Code ingest + daily cost report against tokencur and ccusage, same folder.

Replicates the shared Claude Code samples into ``--mb`` megabytes of projects under
``bench/out/claude-home/.claude/projects`` (``claude_replica.py``: every copy is new usage), then,
in one run, each as its own process:

* ours: ``tokentrail ingest FOLDER --db fresh.duckdb`` then ``report cost --by day --tz UTC --format json``;
* ``tokencur report FOLDER`` (PyPI tokencur 0.11.1, in its own venv ``bench/out/venv-tokencur``);
* ``ccusage daily --offline --json`` (npm ccusage 17.2.1 in ``bench/out/ccusage``), with
  ``CLAUDE_CONFIG_DIR`` pointing at the folder's parent.

Every tool gets ``HOME`` set to the fake home, so none of them reads (or writes) the real one.
Prints wall time, peak RSS and each tool's totals next to the expected ones; writes
``bench/out/claude_code.json``. Output a tool prints in an unexpected shape is reported as "unparsed".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from claude_replica import KNOWN, reference_totals, replicate
from harness import (
    OUT,
    Measured,
    machine,
    machine_line,
    parse_json,
    ratio,
    run_measured,
    times,
    tokentrail_cmd,
    write_result,
)
from tool_output import FIELDS, parse_ccusage, parse_ours, parse_tokencur

TOKENCUR = "tokencur==0.11.1"
CCUSAGE = "ccusage@17.2.1"
HOME = OUT / "claude-home"
PROJECTS = HOME / ".claude" / "projects"
MARKER = HOME / "replica.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=400, help="size of the projects folder in MB (default 400)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the folder even if it exists")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["ours", "tokencur", "ccusage"],
        help="leave a tool out",
    )
    return parser.parse_args(argv)


def projects_folder(mb: float, regenerate: bool) -> tuple[int, int]:
    """Build (or reuse, when built for the same size) the folder; return (copies, bytes)."""
    if not regenerate and MARKER.exists():
        marker = json.loads(MARKER.read_text())
        if marker.get("mb") == mb:
            return int(marker["copies"]), int(marker["bytes"])
    shutil.rmtree(HOME, ignore_errors=True)
    print(f"replicating the Claude Code samples into {PROJECTS} (~{mb:,.0f} MB) …", flush=True)
    copies, size = replicate(PROJECTS, int(mb * 1e6))
    MARKER.write_text(json.dumps({"mb": mb, "copies": copies, "bytes": size}))
    return copies, size


def _install(cmd: list[str], what: str) -> None:
    print(f"installing {what} …", flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def tokencur_exe() -> Path:
    venv = OUT / "venv-tokencur"
    exe = venv / "bin" / "tokencur"
    if not exe.exists():
        _install([sys.executable, "-m", "venv", "--clear", str(venv)], "a venv for tokencur")
        _install([str(venv / "bin" / "pip"), "install", "--quiet", TOKENCUR], TOKENCUR)
    return exe


def ccusage_exe() -> Path:
    prefix = OUT / "ccusage"
    exe = prefix / "node_modules" / ".bin" / "ccusage"
    if not exe.exists():
        _install(["npm", "install", "--silent", "--prefix", str(prefix), CCUSAGE], CCUSAGE)
    return exe


def tool_env() -> dict[str, str]:
    env = dict(os.environ, HOME=str(HOME), CLAUDE_CONFIG_DIR=str(HOME / ".claude"), NO_COLOR="1", TZ="UTC")
    env.pop("XDG_CONFIG_HOME", None)
    return env


def run_ours() -> dict[str, Any]:
    db = OUT / "claude-bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    tt = tokentrail_cmd()
    ingest = run_measured([*tt, "ingest", str(PROJECTS), "--db", str(db), "--format", "json"], env=tool_env())
    report_cmd = [*tt, "report", "cost", "--by", "day", "--tz", "UTC", "--format", "json", "--db", str(db)]
    report = run_measured(report_cmd, env=tool_env()) if ingest.ok else None
    totals = parse_ours(parse_json(report.stdout)) if report and report.ok else None
    return {
        "wall_s": round(ingest.wall_s + report.wall_s, 3) if report and report.ok else None,
        "cpu_s": round(ingest.cpu_s + (report.cpu_s if report else 0.0), 3),
        "peak_rss_mb": round(max(ingest.peak_rss_mb, report.peak_rss_mb if report else 0.0), 1),
        "ingest": {**ingest.summary(), "summary": parse_json(ingest.stdout)},
        "report": report.summary() if report else None,
        "totals": totals,
    }


def run_tool(cmd: list[str], parse: Any) -> dict[str, Any]:
    measured: Measured = run_measured(cmd, env=tool_env())
    totals = parse(measured.stdout) if measured.ok else None
    return {
        **measured.summary(),
        "wall_s": round(measured.wall_s, 3) if measured.ok else None,
        "totals": totals,
    }


def compare(totals: dict[str, Any] | None, expected: dict[str, Any]) -> dict[str, Any]:
    """Per field: the tool's value minus the expected one.

    A match needs equal tokens and the cost within a cent (or 1e-6 relative); a differing response
    count is shown in ``diff`` but does not decide the match (tools count calls differently).
    """
    if totals is None:
        return {"match": False, "unparsed": True}
    diff = {k: (totals[k] - expected[k]) if totals.get(k) is not None else None for k in FIELDS}
    tolerance = max(0.01, 1e-6 * expected["cost_usd"])
    ok = all(diff[k] == 0 for k in FIELDS if k != "cost_usd") and (
        diff["cost_usd"] is not None and abs(diff["cost_usd"]) <= tolerance
    )
    if totals.get("responses") is not None:
        diff["responses"] = totals["responses"] - expected["responses"]
    return {"match": ok, "diff": diff}


def run_all(skip: list[str]) -> dict[str, dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = {}
    if "ours" not in skip:
        runs["tokentrail"] = run_ours()
    if "tokencur" not in skip:
        runs["tokencur"] = run_tool([str(tokencur_exe()), "report", str(PROJECTS)], parse_tokencur)
    if "ccusage" not in skip:
        cmd = [str(ccusage_exe()), "daily", "--offline", "--json", "--timezone", "UTC"]
        runs["ccusage"] = run_tool(cmd, parse_ccusage)
    return runs


def result(copies: int, size: int, runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    expected = KNOWN.times(copies)
    for run in runs.values():
        run["vs_expected"] = compare(run["totals"], expected)
    ours = runs.get("tokentrail", {}).get("wall_s") or 0.0
    ours_cpu = runs.get("tokentrail", {}).get("cpu_s") or 0.0
    return {
        "benchmark": "claude_code",
        **machine(),
        "copies": copies,
        "folder_bytes": size,
        "files": sum(1 for _ in PROJECTS.rglob("*.jsonl")),
        "expected": expected,
        "tools": runs,
        "ratio_ours_vs_tokencur": ratio(ours, runs.get("tokencur", {}).get("wall_s") or 0.0),
        "ratio_ours_vs_ccusage": ratio(ours, runs.get("ccusage", {}).get("wall_s") or 0.0),
        "cpu_ratio_ours_vs_tokencur": ratio(ours_cpu, runs.get("tokencur", {}).get("cpu_s") or 0.0),
        "cpu_ratio_ours_vs_ccusage": ratio(ours_cpu, runs.get("ccusage", {}).get("cpu_s") or 0.0),
    }


def _cells(totals: dict[str, Any] | None) -> str:
    if totals is None:
        return "unparsed"
    values = [totals.get(k) for k in ("responses", *FIELDS)]
    text = [f"{v:>14,}" if isinstance(v, int) else ("?" if v is None else f"{v:>14,.4f}") for v in values]
    return " ".join(f"{t:>14}" for t in text)


def _seconds(value: float | None) -> str:
    return "  failed" if value is None else f"{value:>8.2f}"


def show(res: dict[str, Any]) -> None:
    print(f"folder    {PROJECTS}  {res['files']:,} files, {res['folder_bytes'] / 1e6:,.1f} MB, {res['copies']} copies")
    print(
        f"{'tool':10} {'wall s':>8} {'cpu s':>7} {'RSS MB':>8}  " + " ".join(f"{k:>14}" for k in ("responses", *FIELDS))
    )
    print(f"{'expected':10} {'':>8} {'':>7} {'':>8}  {_cells(res['expected'])}")
    for name, run in res["tools"].items():
        verdict = "MATCH" if run["vs_expected"]["match"] else "MISMATCH"
        rss = f"{run['peak_rss_mb']:>8,.0f}"
        print(f"{name:10} {_seconds(run['wall_s'])} {run['cpu_s']:>7.2f} {rss}  {_cells(run['totals'])}  {verdict}")
        for step in (run, run.get("ingest"), run.get("report")):
            if step and step.get("returncode"):
                print(f"  {name} failed (exit {step['returncode']}): {step['stderr_tail'][-800:]}")
    print(
        f"ratio     ours / tokencur = {times(res['ratio_ours_vs_tokencur'])}, "
        f"ours / ccusage = {times(res['ratio_ours_vs_ccusage'])}; cpu time: ours / tokencur = "
        f"{times(res['cpu_ratio_ours_vs_tokencur'])}, ours / ccusage = {times(res['cpu_ratio_ours_vs_ccusage'])}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if reference_totals() != KNOWN:
        print(f"warning: the samples no longer give the known totals: {reference_totals()} != {KNOWN}")
    copies, size = projects_folder(args.mb, args.regenerate)
    res = result(copies, size, run_all(args.skip))
    show(res)
    print(machine_line(res))
    print(f"wrote {write_result('claude_code.json', res)}")
    ours = res["tools"].get("tokentrail")
    return 0 if ours is None or ours["vs_expected"]["match"] else 1


if __name__ == "__main__":
    sys.exit(main())
