"""The demo organisation: deterministic, shaped like a real one, and fully readable by the generic source."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tokentrail.demo import FILE_PREFIX, generate_demo
from tokentrail.demo_org import FEATURES, TEAMS
from tokentrail.events import Quarantined
from tokentrail.sources.base import ParseContext, read_head
from tokentrail.sources.generic import SOURCE

END = date(2025, 9, 30)  # a Tuesday


def records(paths: list[Path]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for p in paths for line in p.read_bytes().splitlines()]


def file_day(path: Path) -> date:
    return date.fromisoformat(path.stem.removeprefix(FILE_PREFIX))


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[dict[str, Any]]]:
    """The default demo: 90 days, 200 people."""
    paths = generate_demo(tmp_path_factory.mktemp("demo"), end=END)
    return paths, records(paths)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_demo(tmp_path / "a", seed=3, days=10, end=END, users=40)
    b = generate_demo(tmp_path / "b", seed=3, days=10, end=END, users=40)
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    c = generate_demo(tmp_path / "c", seed=4, days=10, end=END, users=40)
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_size_is_a_parameter(tmp_path: Path) -> None:
    small = records(generate_demo(tmp_path / "s", days=14, end=END, users=50, scale=0.5))
    large = records(generate_demo(tmp_path / "l", days=14, end=END, users=50, scale=2.0))
    assert len(large) > 2 * len(small)


def test_default_end_is_today_utc(tmp_path: Path) -> None:
    paths = generate_demo(tmp_path, days=7, users=30)
    today = datetime.now(UTC).date()
    assert paths
    assert all(today - timedelta(days=6) <= file_day(p) <= today for p in paths)


def test_size_and_day_span(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    paths, recs = full
    assert 50_000 <= len(recs) <= 150_000
    first = END - timedelta(days=89)
    days = [file_day(p) for p in paths]
    assert days == sorted(days) and len(days) == len(set(days))  # one file per day, oldest first
    assert days[0] == first and days[-1] == END
    assert len(days) >= 85  # a quiet early Sunday may have no events at all
    for path in paths:  # every event sits in the file of its own UTC day
        assert {r["timestamp"][:10] for r in records([path])} == {file_day(path).isoformat()}


def test_people_and_teams(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    _, recs = full
    users = {r["user_id"] for r in recs}
    # 200 people, about 12% never use it and a few adopt too late to show up: 150..199 seen
    assert 150 <= len(users) < 200
    per_team = Counter(team for team, _ in {(r["team_id"], r["user_id"]) for r in recs})
    assert set(per_team) == {t.name for t in TEAMS} and len(per_team) == 10
    assert max(per_team.values()) >= 4 * min(per_team.values())  # uneven: 40 vs 6 by weight
    assert {r["feature"] for r in recs} == set(FEATURES)


def test_models_and_the_unknown_one(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    _, recs = full
    llm = Counter(r["model"] for r in recs if r["kind"] == "llm")
    assert set(llm) == {
        "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5",
        "claude-opus-4-1-20250805",
        "gpt-4o-2024-08-06",
        "gpt-4o-mini",
        "gemini-2.5-flash",
        "acme-internal-llm-v2",
    }
    assert 0 < llm["acme-internal-llm-v2"] < 0.01 * sum(llm.values())  # there, but rare


def test_rhythm_and_growth(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    _, recs = full
    per_day = Counter(date.fromisoformat(r["timestamp"][:10]) for r in recs)
    weekday = [n for d, n in per_day.items() if d.weekday() < 5]
    weekend = [n for d, n in per_day.items() if d.weekday() >= 5]
    assert sum(weekday) / len(weekday) > 4 * sum(weekend) / len(weekend)
    first_month = sum(n for d, n in per_day.items() if d < END - timedelta(days=60))
    last_month = sum(n for d, n in per_day.items() if d > END - timedelta(days=30))
    assert last_month > 1.3 * first_month  # adoption grows


def test_traces_sessions_and_retries(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    _, recs = full
    by_span = {r["span_id"]: r for r in recs}

    def parent_kind(r: dict[str, Any]) -> str | None:
        parent = by_span.get(r["parent_span_id"] or "")
        return parent["kind"] if parent else None

    nested = [
        r
        for r in recs
        if r["kind"] == "tool" and parent_kind(r) == "llm" and parent_kind(by_span[r["parent_span_id"]]) == "agent"
    ]
    assert nested  # agent → llm → tool
    turns = Counter(r["session_id"] for r in recs if r["kind"] == "llm")
    assert sum(1 for n in turns.values() if n >= 3) > len(turns) / 4
    failed = [r for r in recs if r["kind"] == "llm" and r.get("status") == "error"]
    assert failed and all(r["usage"] is None for r in failed)
    assert 0.005 < len(failed) / sum(1 for r in recs if r["kind"] == "llm") < 0.03


def test_usage_shapes_and_growing_prompt(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    _, recs = full
    ok = [r for r in recs if r["kind"] == "llm" and r["usage"]]
    anthropic = [r["usage"] for r in ok if r["provider"] == "anthropic"]
    openai = [r["usage"] for r in ok if r["provider"] == "openai"]
    assert sum(u["cache_read_input_tokens"] for u in anthropic) > sum(u["input_tokens"] for u in anthropic)
    assert any("ephemeral_1h_input_tokens" in u.get("cache_creation", {}) for u in anthropic)
    assert any(u["prompt_tokens_details"]["cached_tokens"] > 0 for u in openai)
    support = sorted((r["timestamp"], r["system_prompt_tokens"]) for r in ok if r["feature"] == "support-bot")
    assert support[-1][1] > support[0][1] + 3000  # the support-bot prompt grows over the window
    review = {r["system_prompt_tokens"] for r in ok if r["feature"] == "code-review"}
    assert review == {1200}  # the others stay put


def test_every_line_parses_with_the_generic_source(tmp_path: Path) -> None:
    paths = generate_demo(tmp_path, days=21, end=END, users=60)
    raw = records(paths)
    rows: list[dict[str, Any]] = []
    for path in paths:
        assert SOURCE.detect(read_head(path), path)
        for item in SOURCE.parse(path, ParseContext()):
            assert not isinstance(item, Quarantined), item
            rows.append(item)
    assert len(rows) == len(raw)
    assert len({r["event_id"] for r in rows}) == len(rows)
    # the only data-quality note is the failed calls' missing usage
    assert Counter(f for r in rows for f in r["flags"] or []) == {
        "usage_missing": sum(1 for r in raw if r.get("usage", 0) is None)
    }
    # OpenAI prompt_tokens include the cached part: parsed uncached + read add back up to them
    openai = [(src, row) for src, row in zip(raw, rows, strict=True) if src.get("provider") == "openai"]
    openai = [(src, row) for src, row in openai if src["usage"]]
    assert sum(s["usage"]["prompt_tokens"] for s, _ in openai) == sum(
        r["input_tokens"] + r["cache_read_tokens"] for _, r in openai
    )
    # Anthropic input_tokens are already uncached and pass through unchanged
    anthropic = [(s, r) for s, r in zip(raw, rows, strict=True) if s.get("provider") == "anthropic" and s["usage"]]
    assert all(r["input_tokens"] == s["usage"]["input_tokens"] for s, r in anthropic)
    assert {r["provider"] for r in rows if r["model"] == "acme-internal-llm-v2"} <= {"acme"}
