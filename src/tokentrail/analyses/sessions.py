"""Session list: one row per session with who, when, how long, how deep and how much."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.timeframe import billed_tokens, check_zone, local_time, parse_day, window

SORTS = ("start", "cost", "tokens", "calls", "duration")
COLUMNS = (
    "session_id",
    "user_id",
    "team_id",
    "feature",
    "start",
    "end",
    "duration_s",
    "days",
    "turns",
    "calls",
    "tokens",
    "cost_usd",
)


@dataclass
class SessionList:
    rows: list[dict[str, Any]]
    total: int  # sessions matching the filters, before --limit
    tz: str = "UTC"
    sort: str = "start"
    unpriced: list[int] = field(default_factory=list)  # per row: events with tokens but no price

    def as_json(self) -> dict[str, Any]:
        return {"sessions": self.rows, "total": self.total, "shown": len(self.rows)}


def session_key(events: ir.Table) -> ir.StringValue:
    """The session an event belongs to: its ``session_id``, else its ``trace_id``.

    A trace that names no session (many OpenTelemetry and Langfuse exports) is its own session, so
    it can still be listed and opened with ``tokentrail session``.
    """
    return ibis.coalesce(events.session_id, events.trace_id)


def list_sessions(
    events: ir.Table,
    *,
    sort: str = "start",
    user: str | None = None,
    team: str | None = None,
    feature: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    tz: str | None = None,
    limit: int | None = 50,
) -> SessionList:
    """Sessions with user, team, feature, start, duration, turns, calls, tokens and cost.

    Formula: events are grouped by session (``session_id``, else ``trace_id``; usage buckets and
    events with neither are left out). ``start``/``end`` are the first start and the last end
    (``ended_at``, else ``started_at``) of any event; ``duration_s`` is their difference.
    ``turns`` counts what a person asked for: Claude Code ``user_prompt`` events outside subagent
    sidechains when the session has any; otherwise the distinct traces in the session (one trace
    per request in OTel/Langfuse); otherwise LLM calls with no parent. ``calls`` counts LLM calls;
    ``tokens`` sums all billed buckets (reasoning is inside output); ``cost_usd`` sums computed
    cost and is null when nothing in the session could be priced. ``user_id``/``team_id``/
    ``feature`` list every distinct value seen, comma-separated. Assumptions: a session is kept
    when any of its events matches the filters (``--user/--team/--feature``, and ``since``/
    ``until`` as local days in ``tz``, both included), and its figures are then the whole
    session's, so a session that crosses midnight is listed for every day it has activity;
    ``days`` names those local days. Sorted newest first for ``start``, largest first otherwise.
    """
    if sort not in SORTS:
        raise ReportError(f"unknown --sort {sort!r}; choose from: {', '.join(SORTS)}")
    if limit is not None and limit < 0:
        raise ReportError("--limit must be 0 (no limit) or more")
    zone = check_zone(tz)
    t = events.filter(events.kind != "usage_bucket")
    t = t.mutate(session=session_key(t)).filter(lambda x: x.session.notnull())

    chosen = t
    for column, value in (("user_id", user), ("team_id", team), ("feature", feature)):
        if value is not None:
            chosen = chosen.filter(chosen[column] == value)
    if since or until:
        chosen = window(
            chosen, local_time(chosen.started_at, zone), parse_day(since, "--since"), parse_day(until, "--until")
        )
    if chosen is not t:
        t = t.semi_join(chosen.select("session").distinct(), "session")

    billed = billed_tokens(t)
    sidechain = t.attributes.get("isSidechain").notnull()
    ended = ibis.greatest(t.started_at, t.ended_at.fill_null(t.started_at))
    agg = t.group_by("session").aggregate(
        users=t.user_id.collect(distinct=True),
        teams=t.team_id.collect(distinct=True),
        features=t.feature.collect(distinct=True),
        start=t.started_at.min(),
        end=ended.max(),
        days=local_time(t.started_at, zone).date().collect(distinct=True),
        prompts=((t.kind == "event") & (t.name == "user_prompt") & ~sidechain.fill_null(False)).cast("int64").sum(),
        traces=t.trace_id.nunique(),
        root_calls=((t.kind == "llm") & t.parent_span_id.isnull()).cast("int64").sum(),
        calls=(t.kind == "llm").cast("int64").sum(),
        tokens=billed.sum(),
        cost_usd=t.cost_usd.sum(),
        unpriced=((~t.priced) & (billed > 0)).cast("int64").sum(),
    )
    agg = agg.mutate(duration_s=agg.end.epoch_seconds().cast("float64") - agg.start.epoch_seconds().cast("float64"))
    order = ibis.desc(
        {"start": "start", "cost": "cost_usd", "tokens": "tokens", "calls": "calls"}.get(sort, "duration_s")
    )
    ordered = agg.order_by([order, ibis.asc("session")])
    # Counting distinct keys is one cheap pass; counting the aggregate's rows would run it twice.
    total = int(t.session.nunique().to_pyarrow().as_py())
    if limit:
        ordered = ordered.limit(limit)
    raw = ordered.to_pyarrow().to_pylist()
    rows = [_row(r, zone) for r in raw]
    return SessionList(rows, total, zone, sort, [r["unpriced"] or 0 for r in raw])


def _row(r: dict[str, Any], zone: str) -> dict[str, Any]:
    # epoch_seconds truncates to whole seconds; the exact difference comes from the datetimes.
    start: datetime = r["start"]
    end: datetime = r["end"]
    if r["prompts"]:
        turns = r["prompts"]
    elif r["traces"]:
        turns = r["traces"]
    else:
        turns = r["root_calls"]
    cost = r["cost_usd"]
    # Nothing in the session could be priced: its cost is unknown, not $0.
    cost = (None if r["unpriced"] else 0.0) if cost is None else round(float(cost), 10)
    tzinfo = ZoneInfo(zone)
    return {
        "session_id": r["session"],
        "user_id": _joined(r["users"]),
        "team_id": _joined(r["teams"]),
        "feature": _joined(r["features"]),
        "start": start.astimezone(tzinfo).isoformat(),
        "end": end.astimezone(tzinfo).isoformat(),
        "duration_s": round((end - start).total_seconds(), 3),
        "days": sorted(d.isoformat() for d in r["days"] or []),
        "turns": int(turns or 0),
        "calls": int(r["calls"] or 0),
        "tokens": int(r["tokens"] or 0),
        "cost_usd": cost,
    }


def _joined(values: list[str | None] | None) -> str | None:
    kept = sorted(v for v in values or [] if v is not None)
    return ", ".join(kept) or None
