"""Active users: DAU/WAU/MAU and stickiness, user lifecycle per period, weekly cohort retention."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import ibis
import ibis.expr.types as ir

from tokentrail.analyses.adoption_common import (
    ALL,
    Scope,
    from_day_number,
    index_of,
    is_active,
    period_bounds,
    period_index,
    period_label,
    rounded,
)


def active_days(localised: ir.Table) -> ir.Table:
    """Distinct (segment, user_id, day) on which the user was active, from a ``localised`` table."""
    t = localised.filter(is_active(localised) & localised.user_id.notnull())
    return t.select("segment", "user_id", "day").distinct()


def _segments(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({r["segment"] for r in rows})


def activity(days: ir.Table, lo: int, hi: int, scope: Scope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-period and daily active-user figures over the local days [lo, hi].

    Formula: DAU(d) = users active on day d; WAU(d) and MAU(d) = users active on at least one day of
    the 7 and 30 days ending on d (rolling, d included); daily stickiness = DAU(d) / MAU(d). Per
    period P: ``active_users`` = users active on at least one day of P (so WAU for weeks, MAU for
    months); ``avg_dau`` = user-days in P / days of P inside [lo, hi] (days without activity count
    as 0); ``stickiness`` = avg_dau / active_users (with ``--period month`` the classic DAU/MAU).
    Assumptions: a day is a local day in ``--tz``; activity before ``lo`` counts towards the rolling
    WAU/MAU of the first days, so they are not understated.
    """
    # Each user-day "covers" the 30 days starting on it; counting distinct users per covered day
    # gives rolling windows without a join per day.
    offsets = ibis.memtable({"offset": list(range(30))})
    near = days.filter((days.day >= lo - 29) & (days.day <= hi))
    spread = near.cross_join(offsets)
    spread = spread.mutate(target=spread.day + spread.offset)
    spread = spread.filter((spread.target >= lo) & (spread.target <= hi))
    daily_raw = (
        spread.group_by(["segment", "target"])
        .aggregate(
            dau=spread.user_id.nunique(where=spread.offset == 0),
            wau=spread.user_id.nunique(where=spread.offset < 7),
            mau=spread.user_id.nunique(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    inside = days.filter((days.day >= lo) & (days.day <= hi))
    inside = inside.mutate(p=period_index(inside.day, scope.period))
    per_raw = (
        inside.group_by(["segment", "p"])
        .aggregate(active_users=inside.user_id.nunique(), user_days=inside.count())
        .to_pyarrow()
        .to_pylist()
    )

    segments = _segments(daily_raw) or [ALL]
    by_day = {(r["segment"], r["target"]): r for r in daily_raw}
    daily: list[dict[str, Any]] = []
    for seg in segments:
        for n in range(lo, hi + 1):
            r = by_day.get((seg, n), {"dau": 0, "wau": 0, "mau": 0})
            daily.append(
                {
                    "segment": seg,
                    "day": from_day_number(n).isoformat(),
                    "dau": r["dau"],
                    "wau": r["wau"],
                    "mau": r["mau"],
                    "stickiness": rounded(r["dau"] / r["mau"]) if r["mau"] else None,
                }
            )

    by_period = {(r["segment"], r["p"]): r for r in per_raw}
    first, last = index_of(from_day_number(lo), scope.period), index_of(from_day_number(hi), scope.period)
    periods: list[dict[str, Any]] = []
    for seg in _segments(per_raw) or [ALL]:
        for p in range(first, last + 1):
            start, end = period_bounds(p, scope.period)
            n_days = (min(end, from_day_number(hi)) - max(start, from_day_number(lo))).days + 1
            r = by_period.get((seg, p), {"active_users": 0, "user_days": 0})
            avg = r["user_days"] / n_days
            periods.append(
                {
                    "segment": seg,
                    "period": period_label(p, scope.period),
                    "days": n_days,
                    "active_users": r["active_users"],
                    "avg_dau": rounded(avg),
                    "stickiness": rounded(avg / r["active_users"]) if r["active_users"] else None,
                }
            )
    return periods, daily


def lifecycle(days: ir.Table, lo: int, hi: int, scope: Scope) -> list[dict[str, Any]]:
    """New, returning, reactivated and churned users per period.

    Formula, per segment and period P (a user is "in" P when active on at least one day of it):
    ``new`` = in P and never active before P (over all history, not only the window); ``returning``
    = in P and in the period just before; ``reactivated`` = in P, not in the period before, active
    some time earlier; ``churned`` = in the period before P and not in P. So ``active`` = new +
    returning + reactivated, and active(P) = active(P-1) - churned(P) + new(P) + reactivated(P).
    Assumption: the last period may be partial (a week in progress), which overstates its churn;
    end ``--until`` on a period's last day to avoid that.
    """
    up = days.filter(days.day <= hi)
    up = up.mutate(p=period_index(up.day, scope.period)).select("segment", "user_id", "p").distinct()
    w = ibis.window(group_by=[up.segment, up.user_id], order_by=up.p)
    seq = up.mutate(prev=up.p.lag().over(w), nxt=up.p.lead().over(w))
    status = ibis.cases(
        (seq.prev.isnull(), "new"),
        (seq.prev == seq.p - 1, "returning"),
        else_="reactivated",
    )
    seq = seq.mutate(status=status, churns=seq.nxt.isnull() | (seq.nxt > seq.p + 1))
    counts = seq.group_by(["segment", "p", "status"]).aggregate(n=seq.count()).to_pyarrow().to_pylist()
    gone = seq.filter(seq.churns)
    churn = gone.group_by(["segment", "p"]).aggregate(n=gone.count()).to_pyarrow().to_pylist()

    first, last = index_of(from_day_number(lo), scope.period), index_of(from_day_number(hi), scope.period)
    table: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: {"new": 0, "returning": 0, "reactivated": 0, "churned": 0}
    )
    for r in counts:
        table[(r["segment"], r["p"])][r["status"]] += r["n"]
    for r in churn:
        table[(r["segment"], r["p"] + 1)]["churned"] += r["n"]  # gone in the period after their last
    rows: list[dict[str, Any]] = []
    for seg in sorted({s for s, _ in table}) or [ALL]:
        for p in range(first, last + 1):
            c = table.get((seg, p)) or {"new": 0, "returning": 0, "reactivated": 0, "churned": 0}
            rows.append(
                {
                    "segment": seg,
                    "period": period_label(p, scope.period),
                    "active": c["new"] + c["returning"] + c["reactivated"],
                    **c,
                }
            )
    return rows


def cohorts(days: ir.Table, lo: int, hi: int) -> list[dict[str, Any]]:
    """Weekly cohort retention.

    Formula: a user's cohort is the ISO week (Monday to Sunday, local) of their first active day
    ever (per segment); for week k = 0, 1, ... after it, ``retained[k]`` = cohort users active in
    that week and ``rate[k]`` = retained[k] / size (so rate[0] = 1). Only cohorts starting inside the
    window are listed, each followed up to the window's last week (which may be partial).
    """
    up = days.filter(days.day <= hi)
    up = up.mutate(w=period_index(up.day, "week")).select("segment", "user_id", "w").distinct()
    first = ibis.window(group_by=[up.segment, up.user_id])
    up = up.mutate(cohort=up.w.min().over(first))
    grid = up.group_by(["segment", "cohort", up.w]).aggregate(n=up.user_id.nunique()).to_pyarrow().to_pylist()
    lo_w, hi_w = index_of(from_day_number(lo), "week"), index_of(from_day_number(hi), "week")
    found: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for r in grid:
        if lo_w <= r["cohort"] <= hi_w:
            found[(r["segment"], r["cohort"])][r["w"] - r["cohort"]] = r["n"]
    rows: list[dict[str, Any]] = []
    for (seg, cohort), weeks in sorted(found.items()):
        size = weeks[0]
        retained = [weeks.get(k, 0) for k in range(hi_w - cohort + 1)]
        rows.append(
            {
                "segment": seg,
                "cohort": period_label(cohort, "week"),
                "size": size,
                "retained": retained,
                "rate": [rounded(n / size) for n in retained],
            }
        )
    return rows
