"""``report adoption`` and ``seats`` through click's runner, on the hand-built organisation of the analysis tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.analyses.test_adoption import ORG
from tests.analyses.test_seats import ACTIVITY, ROSTER_CSV, call
from tests.conftest import write_jsonl
from tokentrail.cli import Group
from tokentrail.cli.adoption import adoption, seats
from tokentrail.pipeline import ingest
from tokentrail.store import Store


@click.group(cls=Group)
def cli() -> None:
    """A local group: the real one attaches these commands itself."""


@cli.group()
def report() -> None:
    """Reports."""


report.add_command(adoption)
cli.add_command(seats)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    write_jsonl(tmp_path / "org.jsonl", ORG)
    path = tmp_path / "org.duckdb"
    with Store.open(path) as store:
        ingest(store, [tmp_path / "org.jsonl"])
    return path


@pytest.fixture
def seat_db(tmp_path: Path) -> tuple[Path, Path]:
    write_jsonl(tmp_path / "logs.jsonl", [call(u, d) for u, days in ACTIVITY.items() for d in days])
    path = tmp_path / "seats.duckdb"
    with Store.open(path) as store:
        ingest(store, [tmp_path / "logs.jsonl"])
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_CSV)
    return path, roster


def test_adoption_json_has_one_key_per_section(db: Path, runner: CliRunner) -> None:
    res = runner.invoke(cli, ["report", "adoption", "--db", str(db), "--tz", "UTC", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out) == [
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
    ]
    assert out["window"] == {"since": "2025-06-02", "until": "2025-06-17", "tz": "UTC", "period": "week", "by": None}
    # same figures as tests/analyses/test_adoption.py: W23 2 users, 4 user-days over 7 days
    assert out["active"][0] == {
        "period": "2025-W23",
        "days": 7,
        "active_users": 2,
        "avg_dau": 0.5714,
        "stickiness": 0.2857,
    }
    assert out["cohorts"][0]["retained"] == [2, 1, 2]
    assert "tokentrail" in res.stderr and "times in UTC" in res.stderr


def test_adoption_by_team_and_one_section(db: Path, runner: CliRunner) -> None:
    args = ["report", "adoption", "--db", str(db), "--tz", "UTC", "--by", "team", "--section", "lifecycle"]
    res = runner.invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"window", "lifecycle"}
    assert {r["segment"] for r in out["lifecycle"]} == {"red", "blue"}


def test_adoption_csv_flattens_cohorts(db: Path, runner: CliRunner) -> None:
    args = ["report", "adoption", "--db", str(db), "--tz", "UTC", "--format", "csv", "--section", "cohorts"]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["cohort"] == "2025-W23"
    assert (rows[0]["retained_0"], rows[0]["retained_1"], rows[0]["rate_1"]) == ("2", "1", "0.5")
    assert rows[1]["retained_2"] == ""  # the W24 cohort has only two weeks to follow


def test_adoption_table(db: Path, runner: CliRunner, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("user_id,team,seat_type,monthly_price\nalice,red,pro,30\ngina,green,pro,30\n")
    res = runner.invoke(cli, ["report", "adoption", "--db", str(db), "--tz", "UTC", "--roster", str(roster)])
    assert res.exit_code == 0, res.output
    for title in ("Active users per week", "Session depth", "Abandoned features", "Teams", "Latency"):
        assert title in res.stdout
    assert "green" in res.stdout  # a roster team with no activity is listed


def test_adoption_bad_input_is_one_line(db: Path, runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(cli, ["report", "adoption", "--db", str(db), "--tz", "Mars/Base"])
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("error: unknown time zone")
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,team,seat_type,monthly_price\nann,red,pro,lots\n")
    res = runner.invoke(cli, ["report", "adoption", "--db", str(db), "--roster", str(bad)])
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: bad.csv line 2: monthly_price 'lots' is not a number"


def test_seats_json(seat_db: tuple[Path, Path], runner: CliRunner) -> None:
    db, roster = seat_db
    res = runner.invoke(cli, ["seats", "--roster", str(roster), "--db", str(db), "--tz", "UTC", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out) == ["at", "tz", "light_days", "seats", "idle", "light", "missing_from_logs", "missing_from_roster"]
    assert out["at"] == "2025-06-30"
    # hal has no event in this store (no login notice), so he is missing from the logs too;
    # idle 30 days: bob 30 + erin 60 + hal 20 + ivy 25 = $135.
    assert out["idle"][0] == {"days": 30, "seats": 4, "monthly_cost": 135.0}
    assert [m["user_id"] for m in out["missing_from_logs"]] == ["erin", "fay", "hal"]


def test_seats_table_and_csv(seat_db: tuple[Path, Path], runner: CliRunner) -> None:
    db, roster = seat_db
    res = runner.invoke(cli, ["seats", "--roster", str(roster), "--db", str(db), "--tz", "UTC", "--light-days", "6"])
    assert res.exit_code == 0, res.output
    assert "Idle seats" in res.stdout and "$135.00" in res.stdout and "zed" in res.stdout
    res = runner.invoke(cli, ["seats", "--roster", str(roster), "--db", str(db), "--tz", "UTC", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["user_id"]: r["status"] for r in rows}["gus"] == "light"


def test_seats_needs_a_roster(seat_db: tuple[Path, Path], runner: CliRunner, tmp_path: Path) -> None:
    db, _ = seat_db
    res = runner.invoke(cli, ["seats", "--db", str(db)])
    assert res.exit_code == 2 and "--roster" in res.stderr
    res = runner.invoke(cli, ["seats", "--db", str(db), "--roster", str(tmp_path / "none.csv")])
    assert res.exit_code == 2 and "not found" in res.stderr
