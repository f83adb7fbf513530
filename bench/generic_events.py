"""Deterministic generic JSONL events, shaped like the logs a company's own LLM gateway writes.

Each line is one LLM call with our canonical field names (cache tokens beside input, not inside it):
timestamp (ISO-8601, UTC), request_id, session_id, user_id, team_id, feature, provider, model,
input / output / cache read / cache write tokens, latency, status, the gateway's own cost and a
metadata object. The same ``seed`` and count always give the same bytes.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

START = datetime(2025, 10, 1, tzinfo=UTC)
FEATURES = ("chat", "code-review", "summarise", "search", "support-bot", "extract", "translate", "agent")
ENVIRONMENTS = ("prod", "prod", "prod", "staging", "dev")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


@dataclass(frozen=True)
class Model:
    """A model the gateway routes to, with its list prices in USD per million tokens."""

    provider: str
    name: str
    weight: float
    input: float
    output: float
    cache_read: float
    cache_write: float  # 0: the provider does not bill cache writes separately

    def cost(self, inp: int, out: int, read: int, write: int) -> float:
        total = inp * self.input + out * self.output + read * self.cache_read + write * self.cache_write
        return total / 1_000_000


MODELS = (
    Model("anthropic", "claude-sonnet-4-5-20250929", 0.35, 3.0, 15.0, 0.30, 3.75),
    Model("anthropic", "claude-haiku-4-5-20251001", 0.15, 1.0, 5.0, 0.10, 1.25),
    Model("openai", "gpt-4o-2024-08-06", 0.2, 2.5, 10.0, 1.25, 0.0),
    Model("openai", "gpt-4o-mini-2024-07-18", 0.15, 0.15, 0.60, 0.075, 0.0),
    Model("google", "gemini-2.5-flash", 0.15, 0.30, 2.50, 0.03, 0.0),
)


@dataclass
class Session:
    session_id: str
    user_id: str
    team_id: str
    feature: str
    model: Model
    calls_left: int


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _capped(rng: random.Random, mu: float, sigma: float, cap: int) -> int:
    return min(int(rng.lognormvariate(mu, sigma)), cap)


def new_session(rng: random.Random, users: int, teams: int) -> Session:
    user = rng.randrange(users)
    model = rng.choices(MODELS, weights=[m.weight for m in MODELS])[0]
    return Session(
        _uuid(rng),
        f"user-{user:04d}@example.com",
        f"team-{user % teams:02d}",
        rng.choice(FEATURES),
        model,
        1 + int(rng.expovariate(1 / 12)),
    )


def _tokens(rng: random.Random, model: Model) -> tuple[int, int, int, int]:
    """(input, output, cache read, cache write); input + cache stays under 200k (no long-context tier)."""
    inp = _capped(rng, 6.5, 1.3, 60_000)
    out = _capped(rng, 5.5, 1.0, 16_000)
    read = _capped(rng, 9.0, 1.2, 100_000) if rng.random() < 0.55 else 0
    write = _capped(rng, 7.5, 1.2, 30_000) if model.cache_write and rng.random() < 0.3 else 0
    return inp, out, read, write


def _event(rng: random.Random, s: Session, ts: datetime) -> dict[str, Any]:
    inp, out, read, write = _tokens(rng, s.model)
    failed = rng.random() < 0.01
    out = 0 if failed else out
    return {
        "timestamp": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": f"req_{rng.getrandbits(96):024x}",
        "session_id": s.session_id,
        "user_id": s.user_id,
        "team_id": s.team_id,
        "feature": s.feature,
        "provider": s.model.provider,
        "model": s.model.name,
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "latency_ms": 0 if failed else 200 + int(out * rng.uniform(8, 25)),
        "status": "error" if failed else "ok",
        "cost_usd": round(s.model.cost(inp, out, read, write), 8),
        "metadata": {
            "environment": rng.choice(ENVIRONMENTS),
            "region": rng.choice(REGIONS),
            "app_version": f"2.{rng.randrange(12)}.{rng.randrange(30)}",
            "retry": rng.random() < 0.03,
        },
    }


def iter_events(
    count: int, seed: int, days: int = 30, users: int = 400, teams: int = 12, concurrency: int = 64
) -> Iterator[dict[str, Any]]:
    """``count`` events spread evenly over ``days`` from 2025-10-01, ``concurrency`` sessions interleaved."""
    rng = random.Random(seed)
    open_sessions = [new_session(rng, users, teams) for _ in range(concurrency)]
    step = timedelta(days=days) / max(count, 1)
    for i in range(count):
        slot = rng.randrange(concurrency)
        session = open_sessions[slot]
        yield _event(rng, session, START + step * i + timedelta(milliseconds=rng.randrange(1000)))
        session.calls_left -= 1
        if session.calls_left <= 0:
            open_sessions[slot] = new_session(rng, users, teams)


def write_events(path: Path, count: int, seed: int) -> int:
    """Write the events as JSONL (atomically: a killed run leaves no half file); return the size."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        for event in iter_events(count, seed):
            fh.write(orjson.dumps(event) + b"\n")
    os.replace(tmp, path)
    return path.stat().st_size
