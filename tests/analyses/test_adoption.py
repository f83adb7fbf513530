"""Adoption report: every figure worked out by hand on a small organisation.

The organisation (times UTC; ISO weeks W23 = Jun 2-8, W24 = Jun 9-15, W25 = Jun 16-22, 2025):

    session  user   team  feature  start             steps (P prompt, L LLM call, T tool call)
    a1       alice  red   chat     Jun 2  10:00      P L T L P L      2 turns, 3 calls
    b1       bob    red   draft    Jun 2  11:00      P L              1 turn,  1 call
    a2       alice  red   draft    Jun 3  23:49      P L P L          2 turns, 2 calls; crosses midnight
                                                     (23:49, 23:56 on Jun 3; 00:03, 00:10 on Jun 4)
    a3       alice  red   chat     Jun 9  10:00      P L              1 turn,  1 call
    c1       carol  blue  chat     Jun 10 10:00      P L L L          1 turn,  3 calls
    c2       carol  blue  chat     Jun 11 10:00      P L              1 turn,  1 call
    a4       alice  red   chat     Jun 16 10:00      P L              1 turn,  1 call
    b2       bob    red   search   Jun 17 10:00      P L              1 turn,  1 call

Every LLM call is gpt-4o with 1,000 input and 100 output tokens: 1,100 tokens and
1000 * $2.50/M + 100 * $10/M = $0.0035.

Active days: alice Jun 2, 3, 4, 9, 16; bob Jun 2, 17; carol Jun 10, 11 (9 user-days).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import write_jsonl
from tokentrail.analyses.adoption import adoption_report
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.timeframe import WindowError
from tokentrail.pipeline import ingest
from tokentrail.sources.roster import Seat

CALL_COST = 0.0035


def session(user: str, team: str, feature: str, sid: str, start: str, steps: str, gap_min: int = 1) -> list[dict]:
    """Generic JSONL records for one session: one step every ``gap_min`` minutes from ``start``."""
    t0 = datetime.fromisoformat(start)
    out = []
    for i, step in enumerate(steps):
        rec = {
            "id": f"{sid}-step-{i:03d}",
            "timestamp": (t0 + timedelta(minutes=i * gap_min)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user_id": user,
            "team_id": team,
            "feature": feature,
            "session_id": sid,
        }
        if step == "P":
            rec.update(kind="event", name="user_prompt")
        elif step == "L":
            rec.update(kind="llm", model="gpt-4o", input_tokens=1000, output_tokens=100)
        else:
            rec.update(kind="tool", tool_name="grep")
        out.append(rec)
    return out


ORG = [
    *session("alice", "red", "chat", "a1", "2025-06-02T10:00:00", "PLTLPL"),
    *session("bob", "red", "draft", "b1", "2025-06-02T11:00:00", "PL"),
    *session("alice", "red", "draft", "a2", "2025-06-03T23:49:00", "PLPL", gap_min=7),
    *session("alice", "red", "chat", "a3", "2025-06-09T10:00:00", "PL"),
    *session("carol", "blue", "chat", "c1", "2025-06-10T10:00:00", "PLLL"),
    *session("carol", "blue", "chat", "c2", "2025-06-11T10:00:00", "PL"),
    *session("alice", "red", "chat", "a4", "2025-06-16T10:00:00", "PL"),
    *session("bob", "red", "search", "b2", "2025-06-17T10:00:00", "PL"),
]


@pytest.fixture
def org(tmp_path: Path, store):
    write_jsonl(tmp_path / "org.jsonl", ORG)
    ingest(store, [tmp_path / "org.jsonl"])
    return store.events()


def daily(report, day: str) -> dict:
    return next(r for r in report.section("daily") if r["day"] == day)


# -- DAU / WAU / MAU and stickiness -----------------------------------------------------------------


def test_dau_series_counts_each_user_once_a_day(org) -> None:
    r = adoption_report(org, tz="UTC")
    assert (r.since, r.until) == ("2025-06-02", "2025-06-17")  # first and last active day
    dau = [d["dau"] for d in r.section("daily")]
    # Jun 2: alice+bob; 3, 4: alice (a2 crosses midnight); 5-8: nobody; 9 alice; 10, 11 carol;
    # 12-15 nobody; 16 alice; 17 bob.
    assert dau == [2, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1]


def test_rolling_wau_mau_and_daily_stickiness(org) -> None:
    r = adoption_report(org, tz="UTC")
    # WAU(d) = users active in [d-6, d]: Jun 8 -> Jun 2..8 alice, bob = 2; Jun 9 -> Jun 3..9 alice = 1;
    # Jun 16 -> Jun 10..16 carol, alice = 2; Jun 17 -> Jun 11..17 carol, alice, bob = 3.
    assert [daily(r, d)["wau"] for d in ("2025-06-08", "2025-06-09", "2025-06-16", "2025-06-17")] == [2, 1, 2, 3]
    # MAU(d) = users active in [d-29, d]: Jun 9 -> alice, bob = 2; Jun 10 onwards all three.
    assert [daily(r, d)["mau"] for d in ("2025-06-09", "2025-06-10", "2025-06-17")] == [2, 3, 3]
    # stickiness(d) = DAU/MAU: Jun 17 -> 1/3; Jun 2 -> 2/2.
    assert daily(r, "2025-06-17")["stickiness"] == 0.3333
    assert daily(r, "2025-06-02")["stickiness"] == 1.0
    assert daily(r, "2025-06-06")["stickiness"] == 0.0  # nobody active, MAU 2


def test_weekly_active_users_and_stickiness(org) -> None:
    r = adoption_report(org, tz="UTC", period="week")
    # W23: alice, bob; user-days 2 + 1 + 1 = 4 over 7 days -> avg DAU 4/7; stickiness 4/7 / 2 = 2/7.
    # W24: alice, carol; user-days 3 -> 3/7; 3/14.
    # W25: only Jun 16-17 are in the report (2 days): alice, bob; user-days 2 -> 1.0; 0.5.
    assert r.section("active") == [
        {"period": "2025-W23", "days": 7, "active_users": 2, "avg_dau": 0.5714, "stickiness": 0.2857},
        {"period": "2025-W24", "days": 7, "active_users": 2, "avg_dau": 0.4286, "stickiness": 0.2143},
        {"period": "2025-W25", "days": 2, "active_users": 2, "avg_dau": 1.0, "stickiness": 0.5},
    ]


def test_monthly_stickiness_is_average_dau_over_mau(org) -> None:
    r = adoption_report(org, tz="UTC", period="month")
    # June (report days Jun 2-17 = 16): MAU 3, 9 user-days -> avg DAU 9/16 = 0.5625; 0.5625/3 = 0.1875.
    assert r.section("active") == [
        {"period": "2025-06", "days": 16, "active_users": 3, "avg_dau": 0.5625, "stickiness": 0.1875}
    ]


def test_days_are_cut_in_the_report_zone(org) -> None:
    # In New York a2 runs 19:49-20:10 on Jun 3 (EDT = UTC-4): alice is not active on Jun 4 there.
    ny = adoption_report(org, tz="America/New_York")
    assert daily(ny, "2025-06-04")["dau"] == 0
    assert daily(ny, "2025-06-03")["dau"] == 1


def test_segment_by_team(org) -> None:
    r = adoption_report(org, tz="UTC", by="team", period="week")
    got = {(row["segment"], row["period"]): row["active_users"] for row in r.section("active")}
    # red = alice, bob; blue = carol.
    assert got == {
        ("blue", "2025-W23"): 0,
        ("blue", "2025-W24"): 1,
        ("blue", "2025-W25"): 0,
        ("red", "2025-W23"): 2,
        ("red", "2025-W24"): 1,
        ("red", "2025-W25"): 2,
    }


# -- lifecycle and cohorts --------------------------------------------------------------------------


def test_weekly_lifecycle(org) -> None:
    r = adoption_report(org, tz="UTC", period="week")
    # W23: alice, bob new. W24: alice returning, carol new, bob churned (in W23, not W24).
    # W25: alice returning, bob reactivated (seen in W23, not W24), carol churned.
    assert r.section("lifecycle") == [
        {"period": "2025-W23", "active": 2, "new": 2, "returning": 0, "reactivated": 0, "churned": 0},
        {"period": "2025-W24", "active": 2, "new": 1, "returning": 1, "reactivated": 0, "churned": 1},
        {"period": "2025-W25", "active": 2, "new": 0, "returning": 1, "reactivated": 1, "churned": 1},
    ]


def test_lifecycle_uses_history_before_the_window(org) -> None:
    r = adoption_report(org, tz="UTC", period="week", since="2025-06-09")
    # alice and bob were first seen in W23, before --since: alice is returning, not new, in W24,
    # and bob's absence in W24 is churn.
    assert r.section("lifecycle")[0] == {
        "period": "2025-W24",
        "active": 2,
        "new": 1,
        "returning": 1,
        "reactivated": 0,
        "churned": 1,
    }
    # ... and the rolling MAU of Jun 9 still sees bob on Jun 2.
    assert daily(r, "2025-06-09")["mau"] == 2


def test_weekly_cohort_retention(org) -> None:
    r = adoption_report(org, tz="UTC")
    # W23 cohort = alice, bob: W23 both, W24 alice only, W25 both.  W24 cohort = carol: W24, not W25.
    assert r.section("cohorts") == [
        {"cohort": "2025-W23", "size": 2, "retained": [2, 1, 2], "rate": [1.0, 0.5, 1.0]},
        {"cohort": "2025-W24", "size": 1, "retained": [1, 0], "rate": [1.0, 0.0]},
    ]
    later = adoption_report(org, tz="UTC", since="2025-06-09")
    assert [c["cohort"] for c in later.section("cohorts")] == ["2025-W24"]  # W23 started before the window


# -- session depth ----------------------------------------------------------------------------------


def test_session_depth(org) -> None:
    (d,) = adoption_report(org, tz="UTC").section("depth")
    # turns per session, sorted: 1 1 1 1 1 1 2 2 (n=8). Type-7 percentile: position h = 7q.
    # p50: h = 3.5 -> (1 + 1)/2 = 1; p90: h = 6.3 -> x[6] + 0.3 (x[7] - x[6]) = 2.
    # calls sorted: 1 1 1 1 1 2 3 3 -> p50 1, p90 3 + 0.3 * 0 = 3; tokens = 1,100 per call.
    # single-turn sessions: 6 of 8 = 0.75.
    assert d == {
        "sessions": 8,
        "turns_p50": 1.0,
        "turns_p90": 2.0,
        "calls_p50": 1.0,
        "calls_p90": 3.0,
        "tokens_p50": 1100.0,
        "tokens_p90": 3300.0,
        "cost_usd_p50": pytest.approx(CALL_COST),
        "cost_usd_p90": pytest.approx(3 * CALL_COST),
        "single_turn_share": 0.75,
    }


def test_turns_fall_back_to_calls_without_prompts(tmp_path: Path, store) -> None:
    # A log with no prompt events: LLM calls stand in for turns (3 calls -> 3 turns).
    write_jsonl(tmp_path / "x.jsonl", session("dan", "red", "chat", "d1", "2025-06-02T10:00:00", "LLL"))
    ingest(store, [tmp_path / "x.jsonl"])
    (d,) = adoption_report(store.events(), tz="UTC").section("depth")
    assert (d["sessions"], d["turns_p50"], d["single_turn_share"]) == (1, 3.0, 0.0)


# -- features ---------------------------------------------------------------------------------------


def test_feature_use_per_week_and_abandoned(org) -> None:
    r = adoption_report(org, tz="UTC", period="week")
    rows = [(f["period"], f["feature"], f["users"], f["sessions"], f["calls"]) for f in r.section("features")]
    assert rows == [
        ("2025-W23", "chat", 1, 1, 3),  # a1
        ("2025-W23", "draft", 2, 2, 3),  # b1 + a2 (a2 spans Jun 3-4, same week)
        ("2025-W24", "chat", 2, 3, 5),  # a3, c1, c2
        ("2025-W25", "chat", 1, 1, 1),  # a4
        ("2025-W25", "search", 1, 1, 1),  # b2
    ]
    assert [f["cost_usd"] for f in r.section("features")] == pytest.approx([c * CALL_COST for c in (3, 3, 5, 1, 1)])
    # draft peaked at 2 users in W23 and has 0 in the last week: 0 < 2/2 -> abandoned.
    # chat fell from 2 (W24) to 1: exactly half, not "more than half" -> kept.
    assert r.section("abandoned") == [
        {
            "feature": "draft",
            "peak_period": "2025-W23",
            "peak_users": 2,
            "last_period": "2025-W25",
            "last_users": 0,
        }
    ]


# -- teams ------------------------------------------------------------------------------------------

ROSTER = [
    Seat("alice", "red", "pro", 30.0),
    Seat("bob", "red", "pro", 30.0),
    Seat("erin", "red", "pro", 30.0),
    Seat("carol", "blue", "pro", 30.0),
    Seat("gina", "green", "pro", 30.0),
    Seat("hal", "green", "pro", 30.0),
]


def test_teams_with_roster(org) -> None:
    teams = {t["team"]: t for t in adoption_report(org, tz="UTC", period="week", roster=ROSTER).section("teams")}
    # red: alice, bob active of 3 seats; 9 calls (3+1+2+1+1+1) = 9 * $0.0035; 6 sessions with turns
    # 2 1 2 1 1 1 -> median 1; 9 calls / 2 users; last week W25 alice+bob = 2, W24 alice = 1.
    assert teams["red"] == {
        "team": "red",
        "active_users": 2,
        "team_size": 3,
        "size_from": "roster",
        "adoption": 0.6667,
        "cost_usd": pytest.approx(9 * CALL_COST),
        "sessions": 6,
        "turns_p50": 1.0,
        "calls_per_user": 4.5,
        "users_prev": 1,
        "users_last": 2,
        "users_change": 1,
    }
    assert (teams["blue"]["adoption"], teams["blue"]["users_change"], teams["blue"]["calls_per_user"]) == (1.0, -1, 4)
    # green never used AI: shown with 0 of 2 seats.
    g = teams["green"]
    assert (g["active_users"], g["team_size"], g["adoption"], g["sessions"], g["turns_p50"]) == (0, 2, 0.0, 0, None)


def test_team_size_from_logs_without_roster(org) -> None:
    teams = {t["team"]: t for t in adoption_report(org, tz="UTC").section("teams")}
    assert {k: (v["team_size"], v["size_from"], v["adoption"]) for k, v in teams.items()} == {
        "blue": (1, "logs", 1.0),
        "red": (2, "logs", 1.0),
    }


# -- latency ----------------------------------------------------------------------------------------


def test_latency_percentiles(tmp_path: Path, store) -> None:
    recs = [
        {
            "id": f"lat-llm-{i:03d}",
            "timestamp": f"2025-06-02T10:{i:02d}:00Z",
            "user_id": "alice",
            "model": "gpt-4o",
            "input_tokens": 10,
            "output_tokens": 1,
            "latency_ms": 10.0 * i,
        }
        for i in range(1, 21)
    ]
    recs += [
        {
            "id": "lat-tool-001",
            "timestamp": "2025-06-02T11:00:00Z",
            "user_id": "alice",
            "tool_name": "a",
            "latency_ms": 5,
        },
        {
            "id": "lat-tool-002",
            "timestamp": "2025-06-02T11:01:00Z",
            "user_id": "alice",
            "tool_name": "b",
            "latency_ms": 15,
        },
        # no latency logged: left out, not counted as 0
        {
            "id": "lat-llm-none",
            "timestamp": "2025-06-02T12:00:00Z",
            "user_id": "alice",
            "model": "gpt-4o",
            "input_tokens": 1,
        },
    ]
    write_jsonl(tmp_path / "lat.jsonl", recs)
    ingest(store, [tmp_path / "lat.jsonl"])
    lat = adoption_report(store.events(), tz="UTC").section("latency")
    # LLM latencies 10, 20, ..., 200 (n=20). Type 7: h = 19q.
    # p50: h=9.5 -> 100 + .5*10 = 105; p95: h=18.05 -> 190 + .05*10 = 190.5; p99: h=18.81 -> 198.1.
    # Tool latencies 5, 15: p50 = 10, p95 = 5 + .95*10 = 14.5, p99 = 14.9.
    assert lat == [
        {"kind": "llm", "model": "gpt-4o", "count": 20, "p50_ms": 105.0, "p95_ms": 190.5, "p99_ms": 198.1},
        {"kind": "tool", "model": None, "count": 2, "p50_ms": 10.0, "p95_ms": 14.5, "p99_ms": 14.9},
    ]


# -- edges and errors -------------------------------------------------------------------------------


def test_empty_store_gives_empty_sections(store) -> None:
    r = adoption_report(store.events(), tz="UTC")
    assert (r.since, r.active, r.cohorts, r.depth) == (None, [], [], [])
    assert set(r.as_json()) == {
        "window",
        "active",
        "daily",
        "lifecycle",
        "cohorts",
        "depth",
        "features",
        "abandoned",
        "teams",
        "latency",
    }


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"period": "year"}, ReportError),
        ({"by": "colour"}, ReportError),
        ({"tz": "Mars/Olympus"}, WindowError),
        ({"since": "2025-13-01"}, WindowError),
        ({"since": "2025-06-10", "until": "2025-06-01"}, ReportError),
    ],
)
def test_bad_requests(org, kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        adoption_report(org, **kwargs)
