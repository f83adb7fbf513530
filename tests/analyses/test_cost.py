"""Cost report: keys, windows and time zones, worked out by hand on small inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import ReportError, cost_report
from tokentrail.analyses.timeframe import WindowError
from tokentrail.pipeline import ingest


def u(i: int, o: int) -> dict:
    return {
        "input_tokens": i,
        "output_tokens": o,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


@pytest.fixture
def evening(tmp_path: Path, store):
    """Fault 17: calls at 20:08 and 23:51 PST on Jan 24 and 00:21 on Jan 25; one session spans midnight."""
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("msg_1701", session="sess-eve", ts="2025-01-25T04:08:00.000Z", usage=u(100, 100)),
            {
                "type": "user",
                "sessionId": "sess-night",
                "uuid": "u-1702",
                "timestamp": "2025-01-25T07:50:00.000Z",
                "message": {"role": "user", "content": "first prompt"},
            },
            assistant("msg_1703", session="sess-night", ts="2025-01-25T07:51:00.000Z", usage=u(200, 200)),
            {
                "type": "user",
                "sessionId": "sess-night",
                "uuid": "u-1704",
                "timestamp": "2025-01-25T08:20:00.000Z",
                "message": {"role": "user", "content": "second prompt"},
            },
            assistant("msg_1705", session="sess-night", ts="2025-01-25T08:21:00.000Z", usage=u(300, 300)),
        ],
    )
    ingest(store, [tmp_path])
    return store


def tokens(row: dict) -> int:
    return row["input_tokens"] + row["output_tokens"]


def test_days_cut_in_the_users_zone(evening) -> None:
    la = cost_report(evening.events(), ["day"], tz="America/Los_Angeles").rows
    assert [(r["day"], r["calls"], tokens(r)) for r in la] == [("2025-01-24", 2, 600), ("2025-01-25", 1, 600)]
    utc = cost_report(evening.events(), ["day"], tz="UTC").rows
    assert [(r["day"], r["calls"], tokens(r)) for r in utc] == [("2025-01-25", 3, 1200)]


def test_session_crossing_midnight_counts_on_both_days(evening) -> None:
    rows = cost_report(evening.events(), ["day", "session"], tz="America/Los_Angeles").rows
    night = [(r["day"], tokens(r)) for r in rows if r["session"] == "sess-night"]
    assert night == [("2025-01-24", 400), ("2025-01-25", 600)]


def test_dst_change_day(tmp_path: Path, store) -> None:
    """2025-03-09 is a 23-hour day in Los Angeles: 07:59Z is 23:59 PST on the 8th; 08:00Z is 00:00 PST on
    the 9th; 06:59Z on the 10th is 23:59 PDT on the 9th; 07:00Z on the 10th is 00:00 PDT on the 10th."""
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("a", ts="2025-03-09T07:59:00Z", usage=u(1, 0)),
            assistant("b", ts="2025-03-09T08:00:00Z", usage=u(10, 0)),
            assistant("c", ts="2025-03-10T06:59:00Z", usage=u(100, 0)),
            assistant("d", ts="2025-03-10T07:00:00Z", usage=u(1000, 0)),
        ],
    )
    ingest(store, [tmp_path])
    rows = cost_report(store.events(), ["day"], tz="America/Los_Angeles").rows
    assert [(r["day"], r["input_tokens"]) for r in rows] == [
        ("2025-03-08", 1),
        ("2025-03-09", 110),
        ("2025-03-10", 1000),
    ]
    # A fixed UTC-8 offset would put d (00:00 PDT) on the 9th as 23:00: the tz database must be used.


def test_week_and_month_keys(evening) -> None:
    rows = cost_report(evening.events(), ["week", "month"], tz="America/Los_Angeles").rows
    assert [(r["week"], r["month"]) for r in rows] == [("2025-W04", "2025-01")]


def test_since_until_are_local_days_inclusive(evening) -> None:
    only_25 = cost_report(evening.events(), ["day"], tz="America/Los_Angeles", since="2025-01-25", until="2025-01-25")
    assert [r["day"] for r in only_25.rows] == ["2025-01-25"]
    assert only_25.totals["calls"] == 1


def test_cost_sums_match_rows(evening) -> None:
    report = cost_report(evening.events(), ["day"], tz="America/Los_Angeles")
    # Sonnet 4.5: (100+200+300) input × $3 + (100+200+300) output × $15 per MTok = $0.0108
    assert report.totals["cost_usd"] == pytest.approx(0.0108)
    assert sum(r["cost_usd"] for r in report.rows) == pytest.approx(report.totals["cost_usd"])


def test_unpriced_model_named_in_warnings(tmp_path: Path, store) -> None:
    write_jsonl(
        tmp_path / "s.jsonl",
        [assistant("a", model="claude-mystery-9", usage=u(1000, 10)), assistant("b", usage=u(1000, 0))],
    )
    ingest(store, [tmp_path])
    report = cost_report(store.events(), ["model"], tz="UTC")
    assert any("claude-mystery-9" in w and "1,010 tokens" in w for w in report.warnings)
    mystery = next(r for r in report.rows if r["model"] == "claude-mystery-9")
    assert mystery["input_tokens"] == 1000 and mystery["cost_usd"] is None  # unknown, never $0
    assert report.totals["cost_usd"] == pytest.approx(0.003)  # only the priced call: 1,000 × $3 / MTok


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"by": ["colour"]}, ReportError, "unknown --by key 'colour'"),
        ({"tz": "Mars/Olympus"}, WindowError, "unknown time zone"),
        ({"since": "yesterday"}, WindowError, "bad --since date"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, WindowError, "before --since"),
    ],
)
def test_bad_requests(evening, kwargs: dict, error: type, message: str) -> None:
    by = kwargs.pop("by", ["day"])
    with pytest.raises(error, match=message):
        cost_report(evening.events(), by, **{"tz": "UTC", **kwargs})
