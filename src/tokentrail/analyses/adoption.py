"""Adoption and engagement: who uses AI, how often, how deeply, for what, and by team.

The sections are computed by :mod:`adoption_users` (DAU/WAU/MAU, lifecycle, cohorts),
:mod:`adoption_depth` (session depth, latency) and :mod:`adoption_segments` (features, teams);
this module checks the request and assembles them into one :class:`AdoptionReport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from tokentrail.analyses import adoption_depth, adoption_segments, adoption_users
from tokentrail.analyses.adoption_common import (
    PERIODS,
    SEGMENTS,
    Scope,
    day_range,
    from_day_number,
    in_window,
    localised,
)
from tokentrail.sources.roster import Seat

SECTIONS = ("active", "daily", "lifecycle", "cohorts", "depth", "features", "abandoned", "teams", "latency")

__all__ = ["PERIODS", "SECTIONS", "SEGMENTS", "AdoptionReport", "adoption_report"]


@dataclass
class AdoptionReport:
    """Every section is a list of plain rows (dicts), ready for JSON, CSV or a table."""

    tz: str
    period: str
    segment: str | None
    since: str | None  # first and last local day reported (None: no activity at all)
    until: str | None
    active: list[dict[str, Any]] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)
    lifecycle: list[dict[str, Any]] = field(default_factory=list)
    cohorts: list[dict[str, Any]] = field(default_factory=list)
    depth: list[dict[str, Any]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)
    abandoned: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    latency: list[dict[str, Any]] = field(default_factory=list)

    def section(self, name: str) -> list[dict[str, Any]]:
        """The rows of one section; the ``segment`` key is dropped when no ``--by`` was given."""
        rows: list[dict[str, Any]] = getattr(self, name)
        if self.segment is None:
            return [{k: v for k, v in r.items() if k != "segment"} for r in rows]
        return rows

    def as_json(self) -> dict[str, Any]:
        return {
            "window": {
                "since": self.since,
                "until": self.until,
                "tz": self.tz,
                "period": self.period,
                "by": self.segment,
            },
            **{name: self.section(name) for name in SECTIONS},
        }


def adoption_report(
    events: ir.Table,
    *,
    by: str | None = None,
    period: str = "week",
    since: str | date | None = None,
    until: str | date | None = None,
    tz: str | None = None,
    roster: Sequence[Seat] | None = None,
) -> AdoptionReport:
    """All adoption sections for one window.

    Formula: each section's own docstring gives its formula (``adoption_users.activity``,
    ``lifecycle``, ``cohorts``, ``adoption_depth.depth``, ``latency``, ``adoption_segments.features``,
    ``teams``). Shared assumptions: a user is *active* on a local day (in ``tz``) when they have at
    least one ``llm`` or ``tool`` event or a typed prompt (``event`` named ``user_prompt``) that day,
    so a session spanning midnight makes its user active on both days; events without a user id
    count for sessions, spend and latency but never as a user; usage buckets are left out (they
    restate calls); the report runs from ``since`` (default: first active day) to ``until``
    (default: last active day), both included, and history before ``since`` is used only to tell
    new from returning users and for rolling WAU/MAU.
    """
    scope = Scope.make(tz=tz, since=since, until=until, period=period, segment=by)
    history = localised(events, scope)
    # Every user section reads the active user-days: compute them once (one row per user and day,
    # small next to the events) rather than re-scanning all events for each section.
    days = ibis.memtable(adoption_users.active_days(history).to_pyarrow())
    report = AdoptionReport(scope.tz, scope.period, scope.segment, None, None)
    span = day_range(days, scope)
    if span is None:
        return report
    lo, hi = span
    report.since, report.until = from_day_number(lo).isoformat(), from_day_number(hi).isoformat()
    t = in_window(history, scope)

    report.active, report.daily = adoption_users.activity(days, lo, hi, scope)
    report.lifecycle = adoption_users.lifecycle(days, lo, hi, scope)
    report.cohorts = adoption_users.cohorts(days, lo, hi)
    report.depth = adoption_depth.depth(t)
    report.latency = adoption_depth.latency(t)
    report.features, report.abandoned = adoption_segments.features(t, lo, hi, scope)
    report.teams = adoption_segments.teams(history, t, lo, hi, scope, roster)
    return report
