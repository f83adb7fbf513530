from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"shared samples not found at {SAMPLES}; tests read them from ../shared/samples")
    return SAMPLES


def write_jsonl(path: Path, records: list, *, raw_tail: bytes = b"") -> Path:
    """Write records (dicts are JSON-encoded, bytes are written as-is) one per line."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for rec in records:
            fh.write(rec if isinstance(rec, bytes) else json.dumps(rec, ensure_ascii=False).encode())
            fh.write(b"\n")
        fh.write(raw_tail)
    return path


@pytest.fixture
def store(tmp_path: Path):
    from tokentrail.store import Store

    with Store.open(tmp_path / "test.duckdb") as s:
        yield s


def assistant(
    msg_id: str,
    *,
    req: str | None = "req",
    ts: str = "2025-06-02T10:00:00.000Z",
    session: str = "s1",
    uuid: str | None = None,
    model: str = "claude-sonnet-4-5-20250929",
    stop: str | None = "end_turn",
    usage: object = ...,
    content: list | None = None,
    **extra,
) -> dict:
    """A Claude Code assistant line (abridged to the fields tokentrail reads)."""
    rec = {
        "type": "assistant",
        "sessionId": session,
        "uuid": uuid or f"u-{msg_id}-{stop}",
        "timestamp": ts,
        "cwd": "/home/dev/proj",
        "parentUuid": None,
        "isSidechain": False,
        "message": {
            "id": msg_id,
            "model": model,
            "stop_reason": stop,
            "content": content or [],
            "usage": {"input_tokens": 10, "output_tokens": 5} if usage is ... else usage,
        },
    }
    if req is not None:
        rec["requestId"] = req
    rec.update(extra)
    return rec
