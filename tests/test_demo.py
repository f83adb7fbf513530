"""The demo organisation: deterministic, shaped like a real one, and fully readable by the generic source."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from tokentrail.analyses.adoption import adoption_report
from tokentrail.analyses.seats import seats_report
from tokentrail.cli.demo import demo
from tokentrail.demo import FILE_PREFIX, demo_extras, generate_demo
from tokentrail.demo_org import FADED_FEATURE, FEATURES, SEAT_PRICES, TEAMS
from tokentrail.events import Quarantined
from tokentrail.pipeline import ingest
from tokentrail.sources.base import ParseContext, read_head
from tokentrail.sources.generic import SOURCE
from tokentrail.sources.roster import load_roster
from tokentrail.store import Store

END = date(2025, 9, 30)  # a Tuesday
LAST_SUNDAY = date(2025, 9, 28)  # the last whole week ends here: a fair week to compare with the peak
NEVER_ADOPTS = [t.name for t in TEAMS if not t.adopts]


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
    for x, y in zip(demo_extras(tmp_path / "a"), demo_extras(tmp_path / "b"), strict=True):
        assert x.read_bytes() == y.read_bytes()  # the roster and the signals too
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
    # 200 people: one team of ~10 never adopts, about 8% of the rest never use it and a few adopt
    # too late to show up: 150..199 seen
    assert 150 <= len(users) < 200
    per_team = Counter(team for team, _ in {(r["team_id"], r["user_id"]) for r in recs})
    assert len(NEVER_ADOPTS) == 1
    assert set(per_team) == {t.name for t in TEAMS if t.adopts} and len(per_team) == 10
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


def test_the_roster_has_every_user_and_the_idle_seats(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    paths, recs = full
    roster = load_roster(demo_extras(paths[0].parent).roster)
    assert len(roster) == 200  # one seat per person of the organisation
    seen = {r["user_id"] for r in recs}
    on_roster = {s.user_id for s in roster}
    assert seen <= on_roster  # nobody active without a seat
    idle = [s for s in roster if s.user_id not in seen]
    assert len(idle) == len(on_roster - seen)
    never = [s for s in idle if s.team not in NEVER_ADOPTS]
    assert 10 <= len(never) <= 25  # people in adopting teams who never use their seat
    assert {s.team for s in roster if s.user_id not in seen} >= set(NEVER_ADOPTS)
    assert {(s.seat_type, s.monthly_price) for s in roster} == set(SEAT_PRICES.items())
    first = END - timedelta(days=89)
    assert all(s.start_date is not None and s.start_date < first for s in idle)  # idle for the whole window


def test_signals_parse_and_adopters_improve(full: tuple[list[Path], list[dict[str, Any]]]) -> None:
    paths, recs = full
    with demo_extras(paths[0].parent).signals.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["user_id", "date", "metric", "value"]
        rows = [(r["user_id"], date.fromisoformat(r["date"]), r["metric"], int(r["value"])) for r in reader]
    first = END - timedelta(days=89)
    assert rows and all(first <= d <= END and d.weekday() == 0 and v >= 0 for _, d, _, v in rows)
    assert {m for _, _, m, _ in rows} == {"prs_merged", "tickets_resolved"}
    adopted: dict[str, date] = {}
    for r in recs:
        if r["kind"] == "llm":
            day = date.fromisoformat(r["timestamp"][:10])
            adopted[r["user_id"]] = min(day, adopted.get(r["user_id"], day))
    before: dict[str, list[int]] = defaultdict(list)
    after: dict[str, list[int]] = defaultdict(list)
    for user, week, metric, value in rows:
        start = adopted.get(user)
        if start is None:
            continue  # never adopted: the comparison group
        adoption_week = start - timedelta(days=start.weekday())
        if week < adoption_week:
            before[metric].append(value)
        elif week >= adoption_week + timedelta(weeks=3):
            after[metric].append(value)
    assert any(u not in adopted for u, _, _, _ in rows)  # some tracked people never adopt
    for metric in ("prs_merged", "tickets_resolved"):
        mean_before = sum(before[metric]) / len(before[metric])
        mean_after = sum(after[metric]) / len(after[metric])
        assert mean_after > 1.1 * mean_before, metric


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An eight-week demo ingested into a store, with its roster."""
    out = tmp_path_factory.mktemp("small")
    logs = generate_demo(out / "logs", days=56, end=END, users=80)
    db = out / "demo.duckdb"
    with Store.open(db) as store:
        ingest(store, logs)
    return db, demo_extras(out / "logs").roster


def test_the_faded_feature_is_abandoned_and_one_team_never_adopts(small_store: tuple[Path, Path]) -> None:
    db, roster_path = small_store
    roster = load_roster(roster_path)
    with Store.open(db, read_only=True) as store:
        report = adoption_report(store.events(), tz="UTC", until=LAST_SUNDAY, roster=roster)
    assert [a["feature"] for a in report.abandoned] == [FADED_FEATURE]
    launch = min(r["period"] for r in report.features if r["feature"] == FADED_FEATURE)
    assert launch > report.active[0]["period"]  # launched mid-window
    teams = {t["team"]: t for t in report.teams}
    for team in NEVER_ADOPTS:
        seats = sum(1 for s in roster if s.team == team)
        assert teams[team]["active_users"] == 0 and teams[team]["team_size"] == seats > 0
    assert all(t["active_users"] > 0 for name, t in teams.items() if name not in NEVER_ADOPTS)


def test_idle_seats_cost(small_store: tuple[Path, Path]) -> None:
    db, roster_path = small_store
    roster = load_roster(roster_path)
    with Store.open(db, read_only=True) as store:
        report = seats_report(store.events(), roster, tz="UTC")
        seen = {r["user_id"] for r in store.events().select("user_id").distinct().to_pyarrow().to_pylist()}
    at = date.fromisoformat(report.at)
    never = [s for s in roster if s.user_id not in seen]
    # a seat bought for a late adopter who has not started yet is new, not idle
    idle = [s for s in never if s.start_date is not None and s.start_date <= at - timedelta(days=29)]
    assert len(idle) >= 5 and not report.missing_from_roster
    status = {r["user_id"]: r["status"] for r in report.seats}
    assert {status[s.user_id] for s in never if s not in idle} <= {"new"}
    idle_30 = next(r for r in report.idle if r["days"] == 30)
    # people who never used their seat are idle; nobody who used it stops for a month
    assert idle_30["seats"] == len(idle)
    assert idle_30["monthly_cost"] == pytest.approx(sum(s.monthly_price for s in idle))


def test_demo_command_prints_the_adoption_summary(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    res = CliRunner().invoke(demo, ["--db", str(db), "--days", "28"])
    assert res.exit_code == 0, res.output
    roster, signals = tmp_path / "d.duckdb.roster.csv", tmp_path / "d.duckdb.signals.csv"
    assert roster.exists() and signals.exists()  # outlive the temporary folder of the logs
    assert len(load_roster(roster)) == 200
    out = " ".join(res.output.split())  # rich may wrap long lines
    assert "weekly active users" in out and "stickiness" in out
    assert f"not adopting: {NEVER_ADOPTS[0]}" in out and "idle seats:" in out
    assert f"report adoption --db {db} --roster {roster}" in out
    assert f"seats --db {db} --roster {roster}" in out
