"""Shared helpers for the benchmarks: run a command and measure it, find tools, write results.

Every measured command runs as its own child process, so its wall time includes start-up and its
peak RSS is its own (``os.wait4`` returns the resource usage of exactly that child and the children
it waited for).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
LOAD_AT_START = os.getloadavg()[0]  # other work on the machine skews wall times: recorded with them


@dataclass
class Measured:
    """One measured child process."""

    cmd: list[str]
    wall_s: float
    cpu_s: float  # user + system time: less disturbed than wall time by other work on the machine
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr_tail: str
    rss_samples: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def summary(self) -> dict[str, Any]:
        """The numbers worth keeping (output text left out: it can be large)."""
        out = asdict(self)
        out.pop("stdout")
        out.pop("rss_samples")
        out["wall_s"] = round(self.wall_s, 3)
        out["cpu_s"] = round(self.cpu_s, 3)
        out["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        return out


class RssSampler(threading.Thread):
    """Reads a process's resident set size from /proc every ``every`` seconds (Linux only)."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, RSS MB)
        self.done = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.done.wait(self.every):
            rss = _rss_mb(self.pid)
            if rss is not None:
                self.samples.append((round(time.perf_counter() - start, 1), rss))


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_measured(cmd: list[str], env: dict[str, str] | None = None, sample_every: float | None = None) -> Measured:
    """Run ``cmd`` to completion; return its wall time, peak RSS, exit code and output.

    With ``sample_every``, the child's RSS is also sampled over time (``Measured.rss_samples``).
    """
    OUT.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = OUT / ".last-stdout", OUT / ".last-stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        sampler = RssSampler(proc.pid, sample_every) if sample_every else None
        if sampler:
            sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if sampler:
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = stderr_path.read_text(errors="replace")
    return Measured(
        cmd,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        proc.returncode,
        stdout_path.read_text(errors="replace"),
        stderr[-2000:],
        sampler.samples if sampler else [],
    )


def tokentrail_cmd() -> list[str]:
    """The command that runs ``tokentrail``: ``$TOKENTRAIL_CMD`` if set (to bench another build), else
    the script next to this interpreter, in the repo's venv, or on PATH."""
    override = os.environ.get("TOKENTRAIL_CMD")
    if override:
        return shlex.split(override)
    for candidate in (Path(sys.executable).parent / "tokentrail", REPO / ".venv" / "bin" / "tokentrail"):
        if candidate.exists():
            return [str(candidate)]
    found = shutil.which("tokentrail")
    if not found:
        raise SystemExit("tokentrail is not installed: run `make install` first")
    return [found]


def parse_json(text: str) -> Any | None:
    """The JSON document in a command's output, or None; tolerates log lines before it."""
    text = text.strip()
    for start in (0, text.find("{"), text.find("[")):
        if start < 0:
            continue
        try:
            return json.loads(text[start:])
        except json.JSONDecodeError:
            continue
    return None


def ratio(ours: float, theirs: float) -> float | None:
    return round(ours / theirs, 2) if ours > 0 and theirs > 0 else None


def times(value: float | None) -> str:
    return "n/a" if value is None else f"{value}x"


def git_revision() -> str:
    """The commit the bench ran on, with ``+dirty`` when the work tree had changes (read-only)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{rev}+dirty" if git("status", "--porcelain", "src") else rev


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "load_1m_at_start": round(LOAD_AT_START, 2),
        "load_1m_at_end": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tokentrail_rev": git_revision(),
    }


def machine_line(res: dict[str, Any]) -> str:
    return (
        f"machine   {res['cpus']} cpus, load average {res['load_1m_at_start']} at start, "
        f"{res['load_1m_at_end']} at end ({res['date']}, tokentrail {res['tokentrail_rev']})"
    )


def write_result(name: str, payload: dict[str, Any]) -> Path:
    path = OUT / name
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def fmt_mb(num_bytes: int) -> str:
    return f"{num_bytes / 1e6:,.1f} MB"
