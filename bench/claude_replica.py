"""A large Claude Code projects folder made from the shared samples, and the totals it must report.

Each copy of the sample folder is new usage: every id that tools deduplicate or join on (``uuid``,
``parentUuid``, ``leafUuid``, ``sessionId``, ``requestId``, ``message.id`` and tool-use ids) is
rewritten, consistently within the copy, so streamed lines of one response still share their ids.
The structure is kept: one project folder per sample project and copy, session files named by their
(new) session id, ``agent-*.jsonl`` files alongside.

The expected totals are the copies times the samples' known totals (shared/samples/README.md), which
:func:`reference_totals` recomputes from the sample files as a check.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "claude-code" / "projects"
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?:msg|req|toolu)_[A-Za-z0-9_]+")
_NAMESPACE = uuid.UUID("5b0c4a8e-2f4e-4c1b-9a57-6d2b1f0e7c31")
# claude-sonnet-4 list prices, USD per million tokens: input, output, 5-minute cache write, cache read.
PRICES = {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30}


@dataclass
class Totals:
    responses: int = 0
    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0

    @property
    def cost_usd(self) -> float:
        return sum(getattr(self, k) * p for k, p in PRICES.items()) / 1_000_000

    def times(self, copies: int) -> dict[str, Any]:
        out: dict[str, Any] = {k: v * copies for k, v in asdict(self).items()}
        out["cost_usd"] = round(self.cost_usd * copies, 6)
        return out


# shared/samples/README.md, "Known reference values": all sample files together, one copy.
KNOWN = Totals(responses=289, input=1_533, output=75_848, cache_write=405_045, cache_read=8_377_717)


def sample_files(root: Path = SAMPLES) -> list[Path]:
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file())


def _records(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text().splitlines():
        if line.strip():
            yield json.loads(line)


def _usage_key(rec: dict[str, Any]) -> tuple[tuple[str, str], dict[str, int]] | None:
    msg = rec.get("message")
    if rec.get("type") != "assistant" or not isinstance(msg, dict) or msg.get("model") == "<synthetic>":
        return None
    usage = msg.get("usage") or {}
    counts = {
        "input": int(usage.get("input_tokens") or 0),
        "output": int(usage.get("output_tokens") or 0),
        "cache_write": int(usage.get("cache_creation_input_tokens") or 0),
        "cache_read": int(usage.get("cache_read_input_tokens") or 0),
    }
    return (str(msg.get("id")), str(rec.get("requestId") or "")), counts


def reference_totals(root: Path = SAMPLES) -> Totals:
    """One response per ``message.id`` + ``requestId``, its line with the largest token total."""
    best: dict[tuple[str, str], dict[str, int]] = {}
    for path in sample_files(root):
        for rec in _records(path):
            found = _usage_key(rec)
            if found and sum(found[1].values()) >= sum(best.get(found[0], {}).values()):
                best[found[0]] = found[1]
    totals = Totals(responses=len(best))
    for counts in best.values():
        for key, value in counts.items():
            setattr(totals, key, getattr(totals, key) + value)
    return totals


def _content_ids(content: Any) -> Iterator[str]:
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict):
                yield from (str(block[k]) for k in ("id", "tool_use_id") if block.get(k))


def known_ids(files: list[Path]) -> set[str]:
    """Every id value in the samples that a copy must rename."""
    ids: set[str] = set()
    for path in files:
        for rec in _records(path):
            ids.update(str(rec[k]) for k in ("uuid", "parentUuid", "leafUuid", "sessionId", "requestId") if rec.get(k))
            msg = rec.get("message")
            if isinstance(msg, dict):
                ids.update([str(msg["id"])] if msg.get("id") else [])
                ids.update(_content_ids(msg.get("content")))
    return ids


def renamed(original: str, copy: int) -> str:
    """The id in copy ``copy``: a UUID stays a UUID; other ids get a fixed-width suffix."""
    if original[8:9] == "-":
        return str(uuid.uuid5(_NAMESPACE, f"{copy}/{original}"))
    return f"{original}c{copy:05d}"


def _rewritten(texts: dict[Path, str], ids: set[str], copy: int) -> Iterator[tuple[Path, bytes]]:
    """Each sample file of copy ``copy``: its path in the copy and its bytes with every id renamed."""
    mapping = {i: renamed(i, copy) for i in ids}

    def sub(match: re.Match[str]) -> str:
        return mapping.get(match.group(0), match.group(0))

    for rel, text in texts.items():
        stem = renamed(rel.stem, copy) if _ID.fullmatch(rel.stem) else rel.stem
        yield Path(f"{rel.parent.name}-{copy:04d}") / (stem + rel.suffix), _ID.sub(sub, text).encode()


def _load(root: Path) -> tuple[dict[Path, str], set[str], int]:
    """(sample texts by relative path, their ids, bytes of one copy)."""
    files = sample_files(root)
    texts = {p.relative_to(root): p.read_text() for p in files}
    return texts, known_ids(files), sum(len(t.encode()) for t in texts.values())


def replicate(dest: Path, target_bytes: int, root: Path = SAMPLES) -> tuple[int, int]:
    """Fill ``dest`` (a ``projects`` folder) with enough copies for ``target_bytes``; (copies, bytes)."""
    texts, ids, one = _load(root)
    copies = max(1, round(target_bytes / one))
    total = 0
    for copy in range(copies):
        for rel, data in _rewritten(texts, ids, copy):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(data)
            total += len(data)
    return copies, total


def replicate_into_one(dest: Path, target_bytes: int, root: Path = SAMPLES) -> tuple[int, int]:
    """Like :func:`replicate`, but every copy of every sample file goes into the one file ``dest``."""
    texts, ids, one = _load(root)
    copies = max(1, round(target_bytes / one))
    total = 0
    with dest.open("wb") as fh:
        for copy in range(copies):
            for _rel, data in _rewritten(texts, ids, copy):
                data = data if data.endswith(b"\n") else data + b"\n"
                fh.write(data)
                total += len(data)
    return copies, total
