"""Adoption by capability and by team: feature utilisation (with abandoned features) and team segmentation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir

from tokentrail.analyses.adoption_common import (
    NONE,
    Scope,
    from_day_number,
    index_of,
    is_active,
    percentile,
    period_index,
    period_label,
    rounded,
)
from tokentrail.analyses.adoption_depth import sessions
from tokentrail.sources.roster import Seat


def features(t: ir.Table, lo: int, hi: int, scope: Scope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Feature (capability) use per period, and the features that were abandoned.

    Formula: per period and ``feature``: ``users`` = distinct users with an active event (LLM call,
    tool call or typed prompt) tagged with the feature; ``sessions`` = distinct session ids among
    the feature's events; ``calls`` = its LLM calls; ``cost_usd`` = its computed cost. A feature is
    *abandoned* when its users in the window's last period are fewer than half its users in its
    peak period (``last < peak / 2``). Assumptions: events without a feature tag are shown as
    ``(none)`` and never flagged; the last period may be partial, so end ``--until`` on a period's
    last day for a fair comparison.
    """
    s = t.mutate(feature=t.feature.fill_null(NONE), p=period_index(t.day, scope.period))
    active = is_active(s) & s.user_id.notnull()
    raw = (
        s.group_by(["p", "feature"])
        .aggregate(
            users=s.user_id.nunique(where=active),
            sessions=s.session_id.nunique(),
            calls=(s.kind == "llm").cast("int64").sum(),
            cost_usd=s.cost_usd.sum().fill_null(0),
        )
        .order_by(["p", "feature"])
        .to_pyarrow()
        .to_pylist()
    )
    rows = [
        {
            "period": period_label(r["p"], scope.period),
            "feature": r["feature"],
            "users": r["users"],
            "sessions": r["sessions"],
            "calls": r["calls"],
            "cost_usd": rounded(r["cost_usd"], 10),
        }
        for r in raw
    ]
    last = index_of(from_day_number(hi), scope.period)
    peak: dict[str, tuple[int, int]] = {}  # feature -> (users, period index), earliest peak wins
    latest: Counter[str] = Counter()
    for r in raw:
        f = r["feature"]
        if f not in peak or r["users"] > peak[f][0]:
            peak[f] = (r["users"], r["p"])
        if r["p"] == last:
            latest[f] = r["users"]
    abandoned = [
        {
            "feature": f,
            "peak_period": period_label(p, scope.period),
            "peak_users": users,
            "last_period": period_label(last, scope.period),
            "last_users": latest[f],
        }
        for f, (users, p) in sorted(peak.items())
        if f != NONE and latest[f] < users / 2
    ]
    return rows, abandoned


def teams(
    history: ir.Table, t: ir.Table, lo: int, hi: int, scope: Scope, roster: Sequence[Seat] | None
) -> list[dict[str, Any]]:
    """Team segmentation.

    Formula, per team: ``active_users`` = users active in the window; ``team_size`` = the team's
    seats in the roster when one is given and names the team, else the distinct users the logs
    ever show for the team (``size_from`` says which); ``adoption`` = active_users / team_size;
    ``cost_usd`` = computed cost in the window; depth: ``sessions``, ``turns_p50`` (median turns per
    session) and ``calls_per_user`` = LLM calls / active users; trend: ``users_last`` and
    ``users_prev``, the active users in the window's last period and the one before, and
    ``users_change`` = last - prev. Assumptions: a user's team is the team on each event (a user
    who moved counts in both); events without a team are shown as ``(none)``.
    """
    tt = t.mutate(team=t.team_id.fill_null(NONE), p=period_index(t.day, scope.period))
    active = is_active(tt) & tt.user_id.notnull()
    last = index_of(from_day_number(hi), scope.period)
    raw = (
        tt.group_by("team")
        .aggregate(
            active_users=tt.user_id.nunique(where=active),
            calls=(tt.kind == "llm").cast("int64").sum(),
            cost_usd=tt.cost_usd.sum().fill_null(0),
            users_last=tt.user_id.nunique(where=active & (tt.p == last)),
            users_prev=tt.user_id.nunique(where=active & (tt.p == last - 1)),
        )
        .to_pyarrow()
        .to_pylist()
    )
    per = sessions(t)
    per = per.mutate(team=per.team_id.fill_null(NONE))
    depth = {
        r["team"]: r
        for r in per.group_by("team")
        .aggregate(sessions=per.count(), turns_p50=percentile(per.turns, 0.5))
        .to_pyarrow()
        .to_pylist()
    }
    h = history.filter(history.user_id.notnull())
    h = h.mutate(team=h.team_id.fill_null(NONE))
    known = {r["team"]: r["n"] for r in h.group_by("team").aggregate(n=h.user_id.nunique()).to_pyarrow().to_pylist()}
    seats = Counter(s.team for s in roster or ())

    found = {r["team"]: r for r in raw}
    blank = {"active_users": 0, "calls": 0, "cost_usd": 0.0, "users_last": 0, "users_prev": 0}
    out: list[dict[str, Any]] = []
    for team in sorted(set(found) | set(seats)):  # roster teams with no activity at all are shown too
        r = found.get(team, blank)
        size, size_from = (seats[team], "roster") if team in seats else (known.get(team, 0), "logs")
        d = depth.get(team, {"sessions": 0, "turns_p50": None})
        out.append(
            {
                "team": team,
                "active_users": r["active_users"],
                "team_size": size,
                "size_from": size_from,
                "adoption": rounded(r["active_users"] / size) if size else None,
                "cost_usd": rounded(r["cost_usd"], 10),
                "sessions": d["sessions"],
                "turns_p50": rounded(d["turns_p50"]),
                "calls_per_user": rounded(r["calls"] / r["active_users"]) if r["active_users"] else None,
                "users_prev": r["users_prev"],
                "users_last": r["users_last"],
                "users_change": r["users_last"] - r["users_prev"],
            }
        )
    return out
