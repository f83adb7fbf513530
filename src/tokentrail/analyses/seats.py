"""Seat utilisation: which paid seats sit idle or lightly used, what they cost, and who is not on the roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis.expr.types as ir

from tokentrail.analyses.adoption_common import Scope, day_number, from_day_number, is_active, localised
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.timeframe import parse_day
from tokentrail.sources.roster import Seat

IDLE_SPANS = (30, 60, 90)
LIGHT_SPAN = 30
DEFAULT_LIGHT_DAYS = 4  # fewer than 4 active days in 30: less than about once a week

__all__ = ["DEFAULT_LIGHT_DAYS", "IDLE_SPANS", "SeatsReport", "seats_report"]


@dataclass
class SeatsReport:
    at: str
    tz: str
    light_days: int
    seats: list[dict[str, Any]] = field(default_factory=list)  # one row per roster seat
    idle: list[dict[str, Any]] = field(default_factory=list)  # per span: seats and their monthly cost
    light: list[dict[str, Any]] = field(default_factory=list)
    missing_from_logs: list[dict[str, Any]] = field(default_factory=list)
    missing_from_roster: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "tz": self.tz,
            "light_days": self.light_days,
            "seats": self.seats,
            "idle": self.idle,
            "light": self.light,
            "missing_from_logs": self.missing_from_logs,
            "missing_from_roster": self.missing_from_roster,
        }


def seats_report(
    events: ir.Table,
    roster: Sequence[Seat],
    *,
    at: str | date | None = None,
    tz: str | None = None,
    light_days: int = DEFAULT_LIGHT_DAYS,
) -> SeatsReport:
    """Idle and light seats, the monthly cost of idle seats, and roster/log mismatches.

    Formula, relative to the local day ``at`` (default: the latest day with any event): a seat is
    *idle for N days* (N = 30, 60, 90) when its user has no active day (an LLM call, tool call or
    typed prompt, local days in ``tz``) among the N days ending on ``at``, ``at`` included, and the
    seat started (``start_date``) on or before the first of those days, or has no start date; the
    idle cost for N is the sum of ``monthly_price`` over seats idle for N days (a seat idle for 90
    days is also idle for 60 and 30). A seat is *light* when its user was active on at least one
    but fewer than ``light_days`` of the 30 days ending on ``at``. A seat's ``status`` is the
    longest idle span it meets (``idle_90``, ``idle_60``, ``idle_30``), else ``light``, else
    ``new`` (no activity, started too recently to call idle), else ``active``. Users match by exact
    ``user_id``; events after ``at`` are ignored. *Missing from logs*: roster users with no event of
    any kind up to ``at``; *missing from roster*: users active up to ``at`` with no seat.
    """
    if light_days < 1:
        raise ReportError("--light-days must be 1 or more")
    scope = Scope.make(tz=tz, since=None, until=parse_day(at, "--at"), period="day", segment=None)
    t = localised(events, scope)
    if scope.until is not None:
        at_day = scope.until
    else:
        latest = t.day.max().to_pyarrow().as_py()
        # No events at all: measure against today, so every seat shows as never used.
        at_day = from_day_number(latest) if latest is not None else datetime.now(ZoneInfo(scope.tz)).date()
    n_at = day_number(at_day)
    t = t.filter(t.day <= n_at)

    act = t.filter(is_active(t) & t.user_id.notnull())
    usage = {
        r["user_id"]: r
        for r in act.group_by("user_id")
        .aggregate(
            last_day=act.day.max(),
            days_30=act.day.nunique(where=act.day > n_at - LIGHT_SPAN),
        )
        .to_pyarrow()
        .to_pylist()
    }
    seen = {r["user_id"] for r in t.filter(t.user_id.notnull()).select("user_id").distinct().to_pyarrow().to_pylist()}

    report = SeatsReport(at_day.isoformat(), scope.tz, light_days)
    idle: dict[int, list[Seat]] = {n: [] for n in IDLE_SPANS}
    for seat in roster:
        u = usage.get(seat.user_id)
        last = u["last_day"] if u else None
        days_30 = u["days_30"] if u else 0
        idle_for = [
            n
            for n in IDLE_SPANS
            if (last is None or last <= n_at - n)
            and (seat.start_date is None or seat.start_date <= at_day - timedelta(days=n - 1))
        ]
        for n in idle_for:
            idle[n].append(seat)
        if idle_for:
            status = f"idle_{max(idle_for)}"
        elif 0 < days_30 < light_days:
            status = "light"
        elif days_30 == 0:
            status = "new"
        else:
            status = "active"
        row = {
            "user_id": seat.user_id,
            "team": seat.team,
            "seat_type": seat.seat_type,
            "monthly_price": seat.monthly_price,
            "start_date": seat.start_date.isoformat() if seat.start_date else None,
            "last_active": from_day_number(last).isoformat() if last is not None else None,
            "days_since_active": n_at - last if last is not None else None,
            "active_days_30": days_30,
            "status": status,
        }
        report.seats.append(row)
        if status == "light":
            report.light.append(row)
        if seat.user_id not in seen:
            report.missing_from_logs.append({"user_id": seat.user_id, "team": seat.team, "seat_type": seat.seat_type})
    report.idle = [
        {"days": n, "seats": len(idle[n]), "monthly_cost": round(sum(s.monthly_price for s in idle[n]), 2)}
        for n in IDLE_SPANS
    ]
    on_roster = {s.user_id for s in roster}
    for user in sorted(set(usage) - on_roster):
        u = usage[user]
        report.missing_from_roster.append(
            {
                "user_id": user,
                "last_active": from_day_number(u["last_day"]).isoformat(),
                "active_days_30": u["days_30"],
            }
        )
    return report
