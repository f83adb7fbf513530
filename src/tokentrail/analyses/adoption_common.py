"""What the adoption analyses share: the report scope, "active", periods, segments and percentiles.

Days are handled as integers (days since 1970-01-01, local calendar) inside the expressions, because
integer arithmetic behaves the same on every Ibis engine, and turned back into dates only when
results reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.timeframe import check_zone, local_time, parse_day

# --by choices: segment name -> event column.
SEGMENTS: dict[str, str] = {
    "team": "team_id",
    "feature": "feature",
    "project": "project",
    "model": "model",
    "provider": "provider",
    "environment": "environment",
    "user": "user_id",
}
PERIODS = ("day", "week", "month")
ALL = "(all)"  # the segment value when no --by is given; dropped from the output
NONE = "(none)"  # events that carry no value for the segment column

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Scope:
    """A checked adoption request: zone, local-day window, period and segment."""

    tz: str
    since: date | None
    until: date | None
    period: str
    segment: str | None

    @classmethod
    def make(
        cls,
        *,
        tz: str | None,
        since: str | date | None,
        until: str | date | None,
        period: str = "week",
        segment: str | None = None,
    ) -> Scope:
        if period not in PERIODS:
            raise ReportError(f"unknown --period {period!r}; choose from: {', '.join(PERIODS)}")
        if segment is not None and segment not in SEGMENTS:
            raise ReportError(f"unknown --by key {segment!r}; choose from: {', '.join(SEGMENTS)}")
        start, end = parse_day(since, "--since"), parse_day(until, "--until")
        if start and end and end < start:
            raise ReportError(f"--until {end} is before --since {start}")
        return cls(check_zone(tz), start, end, period, segment)


def day_number(d: date) -> int:
    return (d - _EPOCH).days


def from_day_number(n: int) -> date:
    return _EPOCH + timedelta(days=int(n))


def is_active(t: ir.Table) -> ir.BooleanValue:
    """An event that shows a person using AI: an LLM call, a tool call, or a prompt they typed."""
    return t.kind.isin(["llm", "tool"]) | ((t.kind == "event") & (t.name == "user_prompt"))


def localised(events: ir.Table, scope: Scope) -> ir.Table:
    """Events (usage buckets left out: they restate calls, without a person) with ``day`` (local day
    number) and ``segment`` columns added, cut at ``until`` but not at ``since``: new users,
    rolling WAU/MAU and cohorts need the history before the window."""
    t = events.filter(events.kind != "usage_bucket")
    day = local_time(t.started_at, scope.tz).date().epoch_days()
    seg = t[SEGMENTS[scope.segment]].fill_null(NONE) if scope.segment else ibis.literal(ALL)
    t = t.mutate(day=day, segment=seg)
    if scope.until:
        t = t.filter(t.day <= day_number(scope.until))
    return t


def in_window(t: ir.Table, scope: Scope) -> ir.Table:
    """Rows of a :func:`localised` table whose local day is on or after ``since``."""
    return t.filter(t.day >= day_number(scope.since)) if scope.since else t


def period_index(day: ir.IntegerValue, period: str) -> ir.IntegerValue:
    """Consecutive integers per period: day numbers, ISO weeks (Monday-based), or year*12+month."""
    if period == "day":
        return day
    if period == "week":
        # 1970-01-01 was a Thursday: shifting by 3 makes every Monday start a new multiple of 7.
        return (day + 3) // 7
    as_date = (ibis.date(1970, 1, 1) + day.as_interval("D")).cast("date")
    return as_date.year() * 12 + as_date.month() - 1


def index_of(d: date, period: str) -> int:
    """The :func:`period_index` of a Python date (same numbering)."""
    if period == "day":
        return day_number(d)
    if period == "week":
        return (day_number(d) + 3) // 7
    return d.year * 12 + d.month - 1


def period_bounds(index: int, period: str) -> tuple[date, date]:
    """First and last day of the period with this index."""
    if period == "day":
        d = from_day_number(index)
        return d, d
    if period == "week":
        start = from_day_number(index * 7 - 3)
        return start, start + timedelta(days=6)
    year, month = divmod(index, 12)
    start = date(year, month + 1, 1)
    nxt = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


def period_label(index: int, period: str) -> str:
    """``2025-06-02``, ``2025-W23`` (ISO week) or ``2025-06``."""
    start, _ = period_bounds(index, period)
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


def day_range(active_days: ir.Table, scope: Scope) -> tuple[int, int] | None:
    """The report's first and last local day numbers: ``since``/``until`` when given, otherwise the
    first/last day with activity; None when there is nothing to report."""
    span = active_days.aggregate(lo=active_days.day.min(), hi=active_days.day.max()).to_pyarrow().to_pylist()[0]
    lo = day_number(scope.since) if scope.since else span["lo"]
    hi = day_number(scope.until) if scope.until else span["hi"]
    if lo is None or hi is None or hi < lo:
        return None
    return int(lo), int(hi)


def percentile(col: ir.NumericValue, q: float) -> ir.FloatingValue:
    """The q-quantile with linear interpolation between closest ranks (Hyndman-Fan type 7, numpy's
    default): for sorted x[0..n-1], position h=(n-1)q, value x[floor h] + (h - floor h)(x[floor h + 1]
    - x[floor h]). DuckDB's ``quantile_cont`` and Spark's ``percentile`` both compute exactly this."""
    return col.quantile(q)


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)
