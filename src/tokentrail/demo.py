"""``tokentrail demo``: a synthetic organisation's LLM gateway logs, as generic JSONL, one file a day.

About 200 people in 11 teams of uneven size use six features over several models. Usage has a
weekday and hour-of-day rhythm, grows as people adopt, and leaves some people idle; one team never
adopts at all. Sessions have several turns; traces nest agent → llm → tool spans; Anthropic calls
log cache reads and writes beside the input count, OpenAI calls inside it; a few calls fail and are
retried; one feature's system prompt grows over time; one feature launches mid-window and fades;
one in-house model is unknown to every price table. Beside the logs go a seat roster
(``roster.csv``) and weekly productivity signals (``signals.csv``), see :func:`demo_extras`.

The output depends only on the arguments: one seed gives the same bytes on every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from tokentrail import demo_calls as calls
from tokentrail.demo_org import (
    FADED_FEATURE,
    FEATURES,
    HOUR_WEIGHTS,
    MODELS,
    WEEKDAY_WEIGHTS,
    Feature,
    Model,
    User,
    build_org,
    faded_share,
    poisson,
    system_prompt_text,
    system_prompt_tokens,
    system_prompt_version,
    weighted,
    write_roster,
    write_signals,
)

__all__ = ["FILE_PREFIX", "ROSTER_FILE", "SIGNALS_FILE", "DemoExtras", "demo_extras", "generate_demo"]

FILE_PREFIX = "acme-llm-gateway-"
ROSTER_FILE = "roster.csv"
SIGNALS_FILE = "signals.csv"
SESSIONS_PER_DAY = 1.5  # per fully adopted person of average intensity, on a working day
ERROR_RATE = 0.015  # LLM calls that fail and are retried
TOOL_ERROR_RATE = 0.03
ENVIRONMENTS = (("prod", 0.85), ("staging", 0.1), ("dev", 0.05))
ERRORS = (("rate_limit_error", 429), ("overloaded_error", 529), ("timeout", 504))


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


@dataclass
class _Session:
    """One person's session with one feature: the running clock, context and records written so far."""

    rng: random.Random
    user: User
    feature: Feature
    model: Model
    day: int
    environment: str
    session_id: str
    clock: datetime
    records: list[dict[str, Any]] = field(default_factory=list)
    history: int = 0  # tokens of earlier turns, resent with every call
    cached: int = 0  # prompt prefix already in the provider's cache

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"

    def base(self, kind: str, name: str, trace_id: str, parent: str | None) -> dict[str, Any]:
        return {
            "event_id": f"evt_{self.hex(24)}",
            "timestamp": _iso(self.clock),
            "session_id": self.session_id,
            "user_id": self.user.user_id,
            "team_id": self.user.team.name,
            "feature": self.feature.name,
            "project": self.user.team.project,
            "environment": self.environment,
            "trace_id": trace_id,
            "span_id": self.hex(16),
            "parent_span_id": parent,
            "kind": kind,
            "name": name,
        }

    def advance(self, ms: float) -> None:
        self.clock += timedelta(milliseconds=ms)


def _llm_call(s: _Session, trace_id: str, parent: str | None, new_tokens: int, *, tool_call: bool) -> str:
    """One LLM call (and its failed attempt first, sometimes); returns the span id of the call."""
    version = system_prompt_version(s.feature.name, s.day)
    system_tokens = system_prompt_tokens(s.feature, version)
    prompt = system_tokens + s.history + new_tokens
    if s.rng.random() < ERROR_RATE:
        _failed_call(s, trace_id, parent)
    lo, hi = s.feature.output_tokens
    output = s.rng.randint(lo, hi)
    truncated = s.rng.random() < 0.02
    record = s.base("llm", f"{s.feature.name}.call", trace_id, parent)
    # Other people's calls keep the shared system prompt warm most of the time.
    cached = s.cached or (system_tokens if s.rng.random() < 0.7 else 0)
    record |= {
        "provider": s.model.provider,
        "model": s.model.name,
        "usage": calls.usage_block(s.model, s.feature, prompt=prompt, cached=cached, output=output, rng=s.rng),
        "latency_ms": calls.latency_ms(s.model, output, s.rng),
        "ttft_ms": round(s.rng.uniform(200, 1500), 1),
        "status": "ok",
        "finish_reason": calls.finish_reason(s.model, tool_call=tool_call, truncated=truncated),
        "system_prompt": system_prompt_text(s.feature, version),
        "system_prompt_tokens": system_tokens,
        "input_text": calls.question(s.rng, s.feature.name),
        "output_text": calls.answer(s.rng, s.feature.name),
        "metadata": {"app_version": f"2.{s.day // 30}.{s.day % 7}", "gateway": "acme-llm-gw"},
    }
    if s.feature.batch_share and s.model.shape != "internal" and s.rng.random() < s.feature.batch_share:
        record["service_tier"] = "batch"
    s.records.append(record)
    s.advance(record["latency_ms"])
    s.history += new_tokens + output
    s.cached = prompt
    return str(record["span_id"])


def _failed_call(s: _Session, trace_id: str, parent: str | None) -> None:
    """A rejected attempt: no usage is logged, then the client retries after a back-off."""
    error, code = s.rng.choice(ERRORS)
    record = s.base("llm", f"{s.feature.name}.call", trace_id, parent)
    record |= {
        "provider": s.model.provider,
        "model": s.model.name,
        "usage": None,
        "latency_ms": round(s.rng.uniform(150, 900) if code != 504 else s.rng.uniform(30000, 60000), 1),
        "status": "error",
        "status_code": code,
        "error": {"type": error, "message": f"{error} (demo)"},
        "input_text": calls.question(s.rng, s.feature.name),
    }
    s.records.append(record)
    s.advance(record["latency_ms"] + s.rng.uniform(1000, 4000))


def _tool_call(s: _Session, trace_id: str, parent: str) -> int:
    """A tool run by the model; returns the tokens of its result, fed back into the next call."""
    tool = s.rng.choice(s.feature.tools)
    failed = s.rng.random() < TOOL_ERROR_RATE
    record = s.base("tool", tool, trace_id, parent)
    record |= {
        "tool_name": tool,
        "latency_ms": round(s.rng.lognormvariate(5.5, 1.0), 1),
        "status": "error" if failed else "ok",
    }
    if failed:
        record["error"] = {"type": "ToolError", "message": f"{tool} failed (demo)"}
    s.records.append(record)
    s.advance(record["latency_ms"])
    return s.rng.randint(30, 80) if failed else s.rng.randint(150, 2500)


def _think(s: _Session) -> None:
    """The pause before the person's next turn."""
    s.advance(s.rng.uniform(15_000, 240_000))


def _new_input(s: _Session) -> int:
    lo, hi = s.feature.input_tokens
    return s.rng.randint(lo, hi)


def _chat(s: _Session) -> None:
    for _ in range(s.rng.randint(*s.feature.turns)):
        trace_id = s.hex(32)
        use_tool = bool(s.feature.tools) and s.rng.random() < 0.3
        span = _llm_call(s, trace_id, None, _new_input(s), tool_call=use_tool)
        if use_tool:
            result = _tool_call(s, trace_id, span)
            _llm_call(s, trace_id, None, result, tool_call=False)
        _think(s)


def _root(s: _Session, kind: str, name: str, trace_id: str) -> dict[str, Any]:
    record = s.base(kind, name, trace_id, None)
    s.records.append(record)
    return record


def _close(s: _Session, root: dict[str, Any]) -> None:
    started = datetime.strptime(root["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    root["latency_ms"] = round((s.clock - started).total_seconds() * 1000, 1)
    root["status"] = "ok"


def _rag(s: _Session) -> None:
    for _ in range(s.rng.randint(*s.feature.turns)):
        trace_id = s.hex(32)
        root = _root(s, "agent", "rag.answer", trace_id)
        context = s.rng.randint(1500, 8000)
        retrieval = s.base("retrieval", "vector_search", trace_id, root["span_id"])
        retrieval |= {
            "latency_ms": round(s.rng.uniform(40, 400), 1),
            "status": "ok",
            "retrieved_context_tokens": context,
        }
        s.records.append(retrieval)
        s.advance(retrieval["latency_ms"])
        _llm_call(s, trace_id, root["span_id"], _new_input(s) + context, tool_call=False)
        s.records[-1]["retrieved_context_tokens"] = context
        _close(s, root)
        _think(s)


def _agent(s: _Session) -> None:
    trace_id = s.hex(32)
    root = _root(s, "agent", "agent.run", trace_id)
    pending = _new_input(s)
    steps = s.rng.randint(*s.feature.turns)
    for step in range(steps):
        tools = 0 if step == steps - 1 else s.rng.choice((0, 1, 1, 2))
        span = _llm_call(s, trace_id, root["span_id"], pending, tool_call=tools > 0)
        pending = sum(_tool_call(s, trace_id, span) for _ in range(tools)) or s.rng.randint(20, 200)
    _close(s, root)


def _single(s: _Session) -> None:
    _llm_call(s, s.hex(32), None, _new_input(s), tool_call=False)


_FLOWS = {"chat": _chat, "rag": _rag, "agent": _agent, "single": _single}


def _session_start(rng: random.Random, user: User, day: date) -> datetime:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    local = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 3600))
    return local - timedelta(hours=user.team.utc_offset)  # local wall time → UTC


def _user_sessions(rng: random.Random, user: User, index: int, day: date, days: int, scale: float) -> int:
    """How many sessions a person starts on a day: adoption ramp, weekday rhythm, overall growth."""
    if index < user.start_day:
        return 0
    ramp = min(1.0, 0.35 + (index - user.start_day) / 40)
    if rng.random() > 0.8 * ramp * min(1.0, WEEKDAY_WEIGHTS[day.weekday()]):
        return 0
    growth = 0.8 + 0.5 * index / max(1, days - 1)
    return max(1, poisson(rng, user.intensity * SESSIONS_PER_DAY * growth * scale))


def _day_records(
    rng: random.Random, org: list[User], index: int, day: date, days: int, scale: float
) -> Iterator[dict[str, Any]]:
    faded = faded_share(index, days)
    for user in org:
        for _ in range(_user_sessions(rng, user, index, day, days, scale)):
            if faded and rng.random() < faded:
                feature = FEATURES[FADED_FEATURE]
            else:
                feature = FEATURES[weighted(rng, user.team.features)]
            session = _Session(
                rng=rng,
                user=user,
                feature=feature,
                model=MODELS[weighted(rng, feature.models)],
                day=index,
                environment=weighted(rng, ENVIRONMENTS),
                session_id=f"sess_{rng.getrandbits(64):016x}",
                clock=_session_start(rng, user, day),
            )
            _FLOWS[feature.shape](session)
            yield from session.records


def _write_day(out_dir: Path, day: date, lines: list[tuple[str, int, bytes]]) -> Path:
    path = out_dir / f"{FILE_PREFIX}{day.isoformat()}.jsonl"
    with path.open("wb") as fh:
        fh.writelines(line for _, _, line in sorted(lines))
    return path


class DemoExtras(NamedTuple):
    """The files :func:`generate_demo` writes beside the logs (not logs: do not ingest them)."""

    roster: Path  # user_id,team,seat_type,monthly_price,start_date: every person's seat
    signals: Path  # user_id,date,metric,value: weekly productivity per person


def demo_extras(out_dir: Path) -> DemoExtras:
    """Where :func:`generate_demo` wrote the roster and the signals for the logs in ``out_dir``."""
    return DemoExtras(out_dir / ROSTER_FILE, out_dir / SIGNALS_FILE)


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 7,
    days: int = 90,
    end: date | None = None,
    users: int = 200,
    scale: float = 1.0,
) -> list[Path]:
    """Write ``days`` days of synthetic gateway logs ending on ``end`` (default: today, UTC).

    ``users`` sets the head count and ``scale`` the activity per person (1.0 gives roughly 80,000
    events over 90 days). Each file holds one UTC day's events, sorted by time; events that fall
    outside the window (time zones push a few across its edges) are left out. Returns the log files
    written, oldest first; beside them go ``roster.csv`` and ``signals.csv`` (:func:`demo_extras`),
    whose adopters are dated by their first LLM call in these logs.
    """
    end = end or datetime.now(UTC).date()
    first = end - timedelta(days=days - 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    org = build_org(random.Random(seed), users, days)
    pending: dict[date, list[tuple[str, int, bytes]]] = {}
    written: list[Path] = []
    adopted: dict[str, date] = {}  # person -> UTC day of their first LLM call
    seq = 0
    for index in range(days):
        day = first + timedelta(days=index)
        rng = random.Random(seed * 1_000_003 + index)
        for record in _day_records(rng, org, index, day, days, scale):
            file_day = date.fromisoformat(record["timestamp"][:10])
            if first <= file_day <= end:
                seq += 1
                pending.setdefault(file_day, []).append((record["timestamp"], seq, orjson.dumps(record) + b"\n"))
                if record["kind"] == "llm" and file_day < adopted.get(record["user_id"], date.max):
                    adopted[record["user_id"]] = file_day
        # Sessions of later local days start at the earliest on the previous UTC day: earlier days are final.
        for done in sorted(d for d in pending if d < day):
            written.append(_write_day(out_dir, done, pending.pop(done)))
    written.extend(_write_day(out_dir, d, pending.pop(d)) for d in sorted(pending))
    extras = demo_extras(out_dir)
    write_roster(extras.roster, random.Random(seed * 7_919 + 1), org, first, days)
    write_signals(extras.signals, random.Random(seed * 7_919 + 2), org, first, days, adopted)
    return written
