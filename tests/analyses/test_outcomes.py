"""Outcomes (before/after adoption, paired CI, correlation), the signals loader and the CLI, worked out by hand.

ISO weeks (Mondays): W21 = May 19, W22 = May 26, W23 = Jun 2, W24 = Jun 9, W25 = Jun 16 (2025).
One LLM call per listed day, UTC; alice and bob's calls carry team "red". Threshold 2 active days:

    user  active days per week          adoption (threshold 2)   (threshold 3)
    alice W22 1, W23 2                  W23                      never
    bob   W24 2, W25 3                  W24                      W25
    cara  W23 1, W25 3                  W25                      W25
    dan   W22 1, W23 1                  never                    never
    eve   W23 2                         W23                      never
    team red (alice + bob user-days): W22 1, W23 2, W24 2, W25 3 -> W23

Metric ``prs`` (weekly sums; bob has two rows in W23, summed to 3):

    alice W21 2, W22 4 | W23 5, W24 7   before 3, after 6, difference 3
    bob   W22 1, W23 3 | W24 3          before 2, after 3, difference 1
    cara  W23 0, W24 2 | W25 6          before 1, after 6, difference 5
    dan   W23 10 (never adopted)        eve W24 4 (after only)
    paired n = 3, differences 3, 1, 5: mean 3, before mean 2, after mean 5,
    sd = sqrt((0 + 4 + 4) / 2) = 2, CI = 3 +/- t(0.975, 2) * 2 / sqrt(3) = 3 +/- 4.303 * 1.1547

Metric ``docs`` = 2 * usage + 1 on every unit-week: alice W22 (1) 3, W23 (2) 5; bob W25 (3) 7;
dan W23 (1) 3; cara W21 (0) 1 -> r = 1 over n = 5. Paired: alice only (3 -> 5), so no CI.

Team metric ``incidents``: red W22 4 | W23 2 -> difference -2; r needs 3 pairs, has 2.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import write_jsonl
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.outcomes import CAVEAT, outcomes_report, t_critical
from tokentrail.cli import Group
from tokentrail.cli.outcomes import outcomes
from tokentrail.pipeline import ingest
from tokentrail.sources.signals import Signal, SignalsError, load_signals
from tokentrail.store import Store

ACTIVITY = {
    "alice": ["2025-05-27", "2025-06-03", "2025-06-04"],
    "bob": ["2025-06-10", "2025-06-11", "2025-06-17", "2025-06-18", "2025-06-19"],
    "cara": ["2025-06-03", "2025-06-16", "2025-06-17", "2025-06-18"],
    "dan": ["2025-05-27", "2025-06-03"],
    "eve": ["2025-06-02", "2025-06-05"],
}
TEAM = {"alice": "red", "bob": "red"}

SIGNALS_CSV = """user_id,team_id,date,metric,value
alice,,2025-05-20,prs,2
alice,,2025-05-28,prs,4
alice,,2025-06-04,prs,5
alice,,2025-06-11,prs,7
bob,,2025-05-27,prs,1
bob,,2025-06-02,prs,1
bob,,2025-06-06,prs,2
bob,,2025-06-12,prs,3
cara,,2025-06-04,prs,0
cara,,2025-06-10,prs,2
cara,,2025-06-18,prs,6
dan,,2025-06-03,prs,10
eve,,2025-06-12,prs,4
alice,,2025-05-26,docs,3
alice,,2025-06-02,docs,5
bob,,2025-06-20,docs,7
dan,,2025-06-04,docs,3
cara,,2025-05-21,docs,1
,red,2025-05-26,incidents,4
,red,2025-06-03,incidents,2
"""


def call(user: str, day: str, time: str = "12:00:00") -> dict:
    rec = {
        "id": f"call-{user}-{day}-{time}",
        "timestamp": f"{day}T{time}Z",
        "user_id": user,
        "model": "gpt-4o",
        "input_tokens": 10,
        "output_tokens": 1,
    }
    if user in TEAM:
        rec["team_id"] = TEAM[user]
    return rec


def records() -> list[dict]:
    return [call(user, day) for user, days in ACTIVITY.items() for day in days]


@pytest.fixture
def logs(tmp_path: Path, store):
    write_jsonl(tmp_path / "logs.jsonl", records())
    ingest(store, [tmp_path / "logs.jsonl"])
    return store.events()


@pytest.fixture
def signals(tmp_path: Path) -> list[Signal]:
    path = tmp_path / "signals.csv"
    path.write_text(SIGNALS_CSV)
    return load_signals(path)


def metric(report, name: str, level: str = "user") -> dict:
    return next(m for m in report.metrics if m["metric"] == name and m["level"] == level)


def units(report, name: str) -> dict:
    return {u["unit_id"]: u for u in report.units if u["metric"] == name}


def test_adoption_weeks_and_per_user_means(logs, signals) -> None:
    r = outcomes_report(logs, signals, tz="UTC")
    got = {
        k: (u["adoption_week"], u["before_mean"], u["after_mean"], u["difference"]) for k, u in units(r, "prs").items()
    }
    assert got == {
        "alice": ("2025-W23", 3.0, 6.0, 3.0),
        "bob": ("2025-W24", 2.0, 3.0, 1.0),
        "cara": ("2025-W25", 1.0, 6.0, 5.0),
        "dan": (None, None, None, None),
        "eve": ("2025-W23", None, 4.0, None),
    }
    assert (units(r, "prs")["alice"]["weeks_before"], units(r, "prs")["alice"]["weeks_after"]) == (2, 2)


def test_mean_difference_and_confidence_interval(logs, signals) -> None:
    m = metric(outcomes_report(logs, signals, tz="UTC"), "prs")
    half = 4.303 * 2 / math.sqrt(3)
    assert {k: m[k] for k in ("units", "adopted", "paired", "before_mean", "after_mean")} == {
        "units": 5,
        "adopted": 4,
        "paired": 3,
        "before_mean": 2.0,
        "after_mean": 5.0,
    }
    assert m["mean_difference"] == 3.0
    assert m["sd_difference"] == 2.0
    assert m["t_critical"] == 4.303
    assert m["ci95_low"] == pytest.approx(3 - half, abs=1e-6)
    assert m["ci95_high"] == pytest.approx(3 + half, abs=1e-6)
    assert m["correlation_n"] == 12  # alice 4 weeks, bob 3, cara 3, dan 1, eve 1


def test_linear_relation_gives_r_of_one(logs, signals) -> None:
    m = metric(outcomes_report(logs, signals, tz="UTC"), "docs")
    assert m["correlation_r"] == pytest.approx(1.0)
    assert m["correlation_n"] == 5
    # one paired unit (alice, 3 -> 5): a difference, but no interval
    assert (m["paired"], m["mean_difference"], m["sd_difference"], m["ci95_low"], m["ci95_high"]) == (
        1,
        2.0,
        None,
        None,
        None,
    )


def test_perfect_negative_and_constant_relations() -> None:
    from tokentrail.analyses.outcomes import _pearson

    assert _pearson([(0, 9), (1, 7), (2, 5), (3, 3)]) == pytest.approx(-1.0)
    assert _pearson([(1, 2), (1, 3), (1, 4)]) is None  # usage constant: r undefined
    assert _pearson([(1, 2), (2, 3)]) is None  # two points always lie on a line


def test_team_signals_use_team_user_days(logs, signals) -> None:
    r = outcomes_report(logs, signals, tz="UTC")
    m = metric(r, "incidents", "team")
    red = units(r, "incidents")["red"]
    assert (red["level"], red["adoption_week"], red["before_mean"], red["after_mean"]) == ("team", "2025-W23", 4.0, 2.0)
    assert (m["paired"], m["mean_difference"], m["correlation_r"], m["correlation_n"]) == (1, -2.0, None, 2)


def test_threshold_moves_adoption(logs, signals) -> None:
    r = outcomes_report(logs, signals, tz="UTC", threshold=3)
    weeks = {k: u["adoption_week"] for k, u in units(r, "prs").items()}
    assert weeks == {"alice": None, "bob": "2025-W25", "cara": "2025-W25", "dan": None, "eve": None}
    # bob: W22 1, W23 3, W24 3 before (mean 7/3), nothing after; cara unchanged: paired = cara only
    assert metric(r, "prs")["paired"] == 1
    with pytest.raises(ReportError):
        outcomes_report(logs, signals, threshold=0)


def test_time_zone_cuts_weeks(tmp_path: Path, store) -> None:
    # 23:30 UTC on Sunday Jun 8 (W23) is Monday Jun 9 in Berlin (W24): finn adopts in W24 only there.
    recs = [call("finn", "2025-06-08", "23:30:00"), call("finn", "2025-06-10")]
    write_jsonl(tmp_path / "finn.jsonl", recs)
    ingest(store, [tmp_path / "finn.jsonl"])
    sig = [
        Signal("user", "finn", date(2025, 6, 3), "tickets", 1.0),
        Signal("user", "finn", date(2025, 6, 12), "tickets", 5.0),
    ]
    utc = units(outcomes_report(store.events(), sig, tz="UTC"), "tickets")["finn"]
    berlin = units(outcomes_report(store.events(), sig, tz="Europe/Berlin"), "tickets")["finn"]
    assert utc["adoption_week"] is None
    assert (berlin["adoption_week"], berlin["difference"]) == ("2025-W24", 4.0)


def test_no_signals_and_caveat(logs) -> None:
    r = outcomes_report(logs, [], tz="UTC")
    assert r.as_json() == {
        "tz": "UTC",
        "threshold": 2,
        "usage_measure": "active_days",
        "caveat": CAVEAT,
        "metrics": [],
        "units": [],
    }
    assert "not causation" in CAVEAT and "confounded by time" in CAVEAT


def test_t_critical_table() -> None:
    assert (t_critical(1), t_critical(2), t_critical(30), t_critical(31), t_critical(500)) == (
        12.706,
        4.303,
        2.042,
        1.96,
        1.96,
    )


# -- signals loader ---------------------------------------------------------------------------------


def test_signals_load_spreadsheet_exports(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes('\ufeffMetric,Value,Date,User_ID\nprs,"1,234",2025-06-02, ann \n\n'.encode())
    assert load_signals(path) == [Signal("user", "ann", date(2025, 6, 2), "prs", 1234.0, line=2)]


def test_signals_rows(signals) -> None:
    assert signals[0] == Signal("user", "alice", date(2025, 5, 20), "prs", 2.0, line=2)
    assert signals[-1] == Signal("team", "red", date(2025, 6, 3), "incidents", 2.0, line=21)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.csv: empty signals file"),
        ("user_id,date,value\n", "s.csv line 1: missing column(s) metric"),
        ("date,metric,value\n", "s.csv line 1: missing column(s) user_id or team_id"),
        ("user_id,date,metric,value\na,2025-06-02,prs,x\n", "s.csv line 2: value 'x' is not a number"),
        ("user_id,date,metric,value\na,2025-06-02,prs,nan\n", "s.csv line 2: value 'nan' must be a finite"),
        ("user_id,date,metric,value\na,June 2,prs,1\n", "s.csv line 2: date 'June 2' is not a date"),
        ("user_id,team_id,date,metric,value\n,,2025-06-02,prs,1\n", "s.csv line 2: no user_id or team_id"),
        ("user_id,date,metric,value\na,2025-06-02,,1\n", "s.csv line 2: empty metric"),
        ("user_id,date,metric,value\na,2025-06-02,prs,1,2\n", "s.csv line 2: 5 fields, the header has 4"),
    ],
)
def test_signals_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(SignalsError) as exc:
        load_signals(path)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_signals_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SignalsError, match="not found"):
        load_signals(tmp_path / "nope.csv")


# -- CLI, through a local group (the real one registers the command itself) -------------------------


@click.group(cls=Group)
def cli() -> None:
    """A local group."""


cli.add_command(outcomes)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    write_jsonl(tmp_path / "logs.jsonl", records())
    db = tmp_path / "o.duckdb"
    with Store.open(db) as store:
        ingest(store, [tmp_path / "logs.jsonl"])
    sig = tmp_path / "signals.csv"
    sig.write_text(SIGNALS_CSV)
    return db, sig


def run(files: tuple[Path, Path], *args: str):
    db, sig = files
    return CliRunner().invoke(cli, ["outcomes", "--db", str(db), "--signals", str(sig), "--tz", "UTC", *args])


def test_cli_json(files) -> None:
    res = run(files, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out) == ["tz", "threshold", "usage_measure", "caveat", "metrics", "units"]
    assert out["caveat"] == CAVEAT
    prs = next(m for m in out["metrics"] if m["metric"] == "prs")
    assert (prs["paired"], prs["mean_difference"]) == (3, 3.0)


def test_cli_csv_carries_the_caveat(files) -> None:
    res = run(files, "--format", "csv", "--threshold", "3")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("metric,level,units,adopted,paired,") and lines[0].endswith(",caveat")
    assert len(lines) == 4  # docs, prs (user), incidents (team)
    assert all("not causation" in line for line in lines[1:])


def test_cli_table_shows_caveat(files) -> None:
    res = run(files)
    assert res.exit_code == 0, res.output
    assert "not causation" in res.stdout and "prs" in res.stdout and "2025-W23" in res.stdout


def test_cli_bad_signals_is_one_line(files, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,date,metric,value\na,2025-06-02,prs,x\n")
    db, _ = files
    res = CliRunner().invoke(cli, ["outcomes", "--db", str(db), "--signals", str(bad)])
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: bad.csv line 2: value 'x' is not a number"
