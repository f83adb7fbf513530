"""Session list: figures, filters, sorting and days, worked out by hand on small inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.sessions import list_sessions
from tokentrail.analyses.timeframe import WindowError
from tokentrail.pipeline import ingest

SONNET = "claude-sonnet-4-5-20250929"  # $3 input / $15 output per million tokens


def call(event_id: str, ts: str, session: str, i: int, o: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "timestamp": ts,
        "session_id": session,
        "model": SONNET,
        "input_tokens": i,
        "output_tokens": o,
        **extra,
    }


@pytest.fixture
def three(tmp_path: Path, store):
    """s1 crosses midnight UTC (two traces), s2 has no trace ids, s3 is an unpriced model."""
    alice = {"user_id": "alice", "team_id": "payments", "feature": "chat"}
    bob = {"user_id": "bob", "team_id": "web", "feature": "search"}
    write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("e1", "2025-03-01T23:50:00Z", "s1", 1000, 100, trace_id="t1", span_id="a", **alice),
            call("e2", "2025-03-02T00:20:00Z", "s1", 2000, 200, trace_id="t2", span_id="b", latency_ms=2000, **alice),
            call("e3", "2025-03-03T10:00:00Z", "s2", 100, 10, span_id="c", **bob),
            {
                "event_id": "e4",
                "timestamp": "2025-03-03T10:00:01Z",
                "session_id": "s2",
                "kind": "tool",
                "name": "search",
                "span_id": "d",
                "parent_span_id": "c",
                **bob,
            },
            {**call("e5", "2025-03-04T09:00:00Z", "s3", 50, 5, **alice), "model": "acme-llm"},
        ],
    )
    ingest(store, [tmp_path])
    return store


def ids(result) -> list[str]:
    return [r["session_id"] for r in result.rows]


def test_figures_of_a_session(three) -> None:
    result = list_sessions(three.events(), tz="UTC")
    assert result.total == 3
    assert ids(result) == ["s3", "s2", "s1"]  # newest first
    s1, s2, s3 = result.rows[2], result.rows[1], result.rows[0]
    assert s1 == {
        "session_id": "s1",
        "user_id": "alice",
        "team_id": "payments",
        "feature": "chat",
        "start": "2025-03-01T23:50:00+00:00",
        "end": "2025-03-02T00:20:02+00:00",  # the last call ended 2 s after it started
        "duration_s": 1802.0,
        "days": ["2025-03-01", "2025-03-02"],
        "turns": 2,  # two traces, no prompts
        "calls": 2,
        "tokens": 3300,
        # 3,000 × $3 + 300 × $15 per million
        "cost_usd": pytest.approx(0.0135),
    }
    # No prompts and no traces: the root LLM call is the turn; the tool call is not a call.
    assert (s2["turns"], s2["calls"], s2["tokens"], s2["cost_usd"]) == (1, 1, 110, pytest.approx(0.00045))
    assert s2["duration_s"] == 1.0
    assert s3["cost_usd"] is None and s3["tokens"] == 55  # unknown model: unknown cost, never $0
    assert result.unpriced == [1, 0, 0]


def test_a_session_counts_on_every_day_it_is_active(three) -> None:
    second = list_sessions(three.events(), since="2025-03-02", until="2025-03-02", tz="UTC")
    assert ids(second) == ["s1"]
    assert second.rows[0]["calls"] == 2  # the whole session's figures, not just that day's
    first = list_sessions(three.events(), until="2025-03-01", tz="UTC")
    assert ids(first) == ["s1"]
    # In New York both calls fall on the evening of March 1st.
    ny = list_sessions(three.events(), tz="America/New_York").rows[2]
    assert ny["days"] == ["2025-03-01"]
    assert ny["start"] == "2025-03-01T18:50:00-05:00"


def test_sort_limit_and_filters(three) -> None:
    events = three.events()
    assert ids(list_sessions(events, sort="tokens", tz="UTC")) == ["s1", "s2", "s3"]
    assert ids(list_sessions(events, sort="duration", tz="UTC")) == ["s1", "s2", "s3"]
    assert ids(list_sessions(events, sort="calls", tz="UTC")) == ["s1", "s2", "s3"]
    # Unpriced costs sort last: nulls never win a "most expensive" list.
    assert ids(list_sessions(events, sort="cost", tz="UTC")) == ["s1", "s2", "s3"]
    top = list_sessions(events, sort="tokens", limit=1, tz="UTC")
    assert (ids(top), top.total) == (["s1"], 3)
    assert ids(list_sessions(events, user="alice", tz="UTC")) == ["s3", "s1"]
    assert ids(list_sessions(events, team="web", tz="UTC")) == ["s2"]
    assert ids(list_sessions(events, feature="search", tz="UTC")) == ["s2"]
    assert ids(list_sessions(events, user="alice", since="2025-03-03", tz="UTC")) == ["s3"]
    assert list_sessions(events, user="nobody", tz="UTC").rows == []


def test_bad_requests(three) -> None:
    with pytest.raises(ReportError, match="--sort"):
        list_sessions(three.events(), sort="price")
    with pytest.raises(WindowError, match="time zone"):
        list_sessions(three.events(), tz="Mars/Olympus")
    with pytest.raises(WindowError, match="--since"):
        list_sessions(three.events(), since="March")


def test_claude_code_turns_are_prompts_outside_subagents(tmp_path: Path, store) -> None:
    def prompt(uuid: str, ts: str, text: str, parent: str | None = None, side: bool = False) -> dict:
        return {
            "type": "user",
            "sessionId": "cc",
            "uuid": uuid,
            "parentUuid": parent,
            "isSidechain": side,
            "timestamp": ts,
            "message": {"role": "user", "content": text},
        }

    write_jsonl(
        tmp_path / "cc.jsonl",
        [
            prompt("p1", "2025-06-02T10:00:00.000Z", "first"),
            assistant("m1", session="cc", uuid="a1", parentUuid="p1", ts="2025-06-02T10:00:01.000Z"),
            prompt("p2", "2025-06-02T10:01:00.000Z", "second", parent="a1"),
            assistant("m2", session="cc", uuid="a2", parentUuid="p2", ts="2025-06-02T10:01:01.000Z"),
            prompt("p3", "2025-06-02T10:01:02.000Z", "subagent task", side=True),
            assistant("m3", session="cc", uuid="a3", parentUuid="p3", ts="2025-06-02T10:01:03.000Z", isSidechain=True),
        ],
    )
    ingest(store, [tmp_path])
    (row,) = list_sessions(store.events(), tz="UTC").rows
    assert (row["turns"], row["calls"], row["tokens"]) == (2, 3, 45)
    assert row["feature"] == "claude-code, subagent"


def test_every_claude_code_sample_session_is_listed(samples: Path, store) -> None:
    folder = samples / "claude-code" / "projects"
    expected: set[str] = set()
    for f in folder.rglob("*.jsonl"):
        for line in f.read_text().splitlines():
            session = json.loads(line).get("sessionId")
            if session:
                expected.add(session)
    ingest(store, [folder])
    result = list_sessions(store.events(), limit=None, tz="UTC")
    assert set(ids(result)) == expected and len(expected) == 6
    # The two agent-*.jsonl subagent files belong to their parent session: no session of their own.
    parent = next(r for r in result.rows if r["session_id"] == "5c0375b4-57a5-4f26-b12d-d022ee4e51b7")
    assert parent["feature"] == "claude-code, subagent"
    assert sum(r["calls"] for r in result.rows) == 289  # the reference responses, each once
