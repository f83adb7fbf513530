"""Seat utilisation and the roster loader, worked out by hand.

Roster (price per month) and activity (one LLM call per listed day, UTC), measured at 2025-06-30:

    user   price  start       activity                 worked out
    alice  $30    -           Jun 2, 10, 20, 25, 30     5 active days in Jun 1-30 -> active
    bob    $30    -           May 10                   none in Jun 1-30 -> idle 30; May 10 is inside the
                                                       60 days May 2-Jun 30 -> not idle 60
    erin   $60    -           (no events)              idle 30, 60, 90; missing from logs
    fay    $45    2025-06-20  (no events)              started inside the 30 days -> "new", not idle;
                                                       missing from logs
    gus    $30    -           Jun 15, 16               2 active days < 4 -> light
    hal    $20    -           Jun 5, a non-usage event  seen in the logs, never active -> idle 90
    ivy    $25    2025-01-01  Mar 1                    before Apr 2 (start of the 90 days) -> idle 90
    zed    (not on the roster) Jun 29                  missing from roster

Idle cost: 30 days = bob 30 + erin 60 + hal 20 + ivy 25 = $135 (4 seats);
60 days = erin + hal + ivy = $105 (3); 90 days = the same three, $105.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import write_jsonl
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.seats import seats_report
from tokentrail.pipeline import ingest
from tokentrail.sources.roster import RosterError, Seat, load_roster

ROSTER_CSV = """user_id,team,seat_type,monthly_price,start_date
alice,red,pro,30,
bob,red,pro,30,
erin,red,enterprise,60,
fay,blue,pro,45,2025-06-20
gus,blue,pro,30,
hal,green,basic,20,
ivy,green,basic,25,2025-01-01
"""

ACTIVITY = {
    "alice": ["2025-06-02", "2025-06-10", "2025-06-20", "2025-06-25", "2025-06-30"],
    "bob": ["2025-05-10"],
    "gus": ["2025-06-15", "2025-06-16"],
    "ivy": ["2025-03-01"],
    "zed": ["2025-06-29"],
}


def call(user: str, day: str) -> dict:
    return {
        "id": f"call-{user}-{day}",
        "timestamp": f"{day}T12:00:00Z",
        "user_id": user,
        "model": "gpt-4o",
        "input_tokens": 10,
        "output_tokens": 1,
    }


@pytest.fixture
def logs(tmp_path: Path, store):
    recs = [call(user, day) for user, days in ACTIVITY.items() for day in days]
    # hal appears only in a non-activity event (a login notice): seen in the logs, never active.
    recs.append(
        {"id": "hal-login-1", "timestamp": "2025-06-05T09:00:00Z", "user_id": "hal", "kind": "event", "name": "login"}
    )
    write_jsonl(tmp_path / "logs.jsonl", recs)
    ingest(store, [tmp_path / "logs.jsonl"])
    return store.events()


@pytest.fixture
def roster(tmp_path: Path) -> list[Seat]:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_CSV)
    return load_roster(path)


def test_status_of_each_seat(logs, roster) -> None:
    r = seats_report(logs, roster, at="2025-06-30", tz="UTC")
    got = {s["user_id"]: (s["status"], s["last_active"], s["days_since_active"], s["active_days_30"]) for s in r.seats}
    assert got == {
        "alice": ("active", "2025-06-30", 0, 5),
        "bob": ("idle_30", "2025-05-10", 51, 0),
        "erin": ("idle_90", None, None, 0),
        "fay": ("new", None, None, 0),
        "gus": ("light", "2025-06-16", 14, 2),
        "hal": ("idle_90", None, None, 0),
        "ivy": ("idle_90", "2025-03-01", 121, 0),
    }
    assert [s["user_id"] for s in r.light] == ["gus"]


def test_idle_cost(logs, roster) -> None:
    r = seats_report(logs, roster, at="2025-06-30", tz="UTC")
    assert r.idle == [
        {"days": 30, "seats": 4, "monthly_cost": 135.0},
        {"days": 60, "seats": 3, "monthly_cost": 105.0},
        {"days": 90, "seats": 3, "monthly_cost": 105.0},
    ]


def test_two_idle_seats_at_known_prices(logs) -> None:
    # Only bob ($30, idle 30 days) and erin ($60, never active) are idle: $90 a month.
    roster = [Seat("alice", "red", "pro", 30.0), Seat("bob", "red", "pro", 30.0), Seat("erin", "red", "pro", 60.0)]
    r = seats_report(logs, roster, at="2025-06-30", tz="UTC")
    assert r.idle[0] == {"days": 30, "seats": 2, "monthly_cost": 90.0}


def test_missing_on_either_side(logs, roster) -> None:
    r = seats_report(logs, roster, at="2025-06-30", tz="UTC")
    assert [m["user_id"] for m in r.missing_from_logs] == ["erin", "fay"]  # hal is in the logs
    assert r.missing_from_roster == [{"user_id": "zed", "last_active": "2025-06-29", "active_days_30": 1}]


def test_at_defaults_to_latest_event_day(logs, roster) -> None:
    r = seats_report(logs, roster, tz="UTC")
    assert r.at == "2025-06-30"
    assert r.as_json() == seats_report(logs, roster, at="2025-06-30", tz="UTC").as_json()


def test_events_after_at_are_ignored(logs, roster) -> None:
    r = seats_report(logs, roster, at="2025-06-14", tz="UTC")
    status = {s["user_id"]: s["status"] for s in r.seats}
    # gus's Jun 15-16 calls are after --at: never active by then; zed (Jun 29) is not yet a user.
    assert status["gus"] == "idle_90"
    assert r.missing_from_roster == []


def test_light_days_threshold(logs, roster) -> None:
    r = seats_report(logs, roster, at="2025-06-30", tz="UTC", light_days=6)
    assert [s["user_id"] for s in r.light] == ["alice", "gus"]  # alice's 5 days < 6
    with pytest.raises(ReportError):
        seats_report(logs, roster, light_days=0)


# -- roster loader ----------------------------------------------------------------------------------


def test_roster_loads_spreadsheet_exports(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    # byte-order mark, upper-case header in another order, "$1,200.00", a blank line, no start_date column
    path.write_bytes('\ufeffTeam,User_ID,Seat_Type,Monthly_Price\nred, ann ,max,"$1,200.00"\n\n'.encode())
    assert load_roster(path) == [Seat("ann", "red", "max", 1200.0, None, line=2)]


def test_roster_seat_fields(roster) -> None:
    assert roster[3] == Seat("fay", "blue", "pro", 45.0, date(2025, 6, 20), line=5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user_id,team,monthly_price\n", "r.csv line 1: missing column(s) seat_type"),
        ("", "r.csv: empty roster"),
        (
            "user_id,team,seat_type,monthly_price\na,t,pro,30\nb,t,pro,abc\n",
            "r.csv line 3: monthly_price 'abc' is not a number",
        ),
        ("user_id,team,seat_type,monthly_price\na,t,pro,-5\n", "r.csv line 2: monthly_price '-5' must be"),
        (
            "user_id,team,seat_type,monthly_price\na,t,pro,5\na,u,pro,5\n",
            "r.csv line 3: user 'a' already has a seat on line 2",
        ),
        ("user_id,team,seat_type,monthly_price\n,t,pro,5\n", "r.csv line 2: empty user_id"),
        (
            "user_id,team,seat_type,monthly_price,start_date\na,t,pro,5,June\n",
            "r.csv line 2: start_date 'June' is not a date",
        ),
        ("user_id,team,seat_type,monthly_price\na,t,pro,5,extra\n", "r.csv line 2: 5 fields, the header has 4"),
    ],
)
def test_roster_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(RosterError) as exc:
        load_roster(path)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_roster_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="not found"):
        load_roster(tmp_path / "nope.csv")
