"""Outcomes: outcome signals (pull requests merged, documents turned around, ...) set beside AI usage.

Per metric: a before/after-adoption comparison per user (or team), the mean paired difference with
a 95% confidence interval, and the correlation between weekly usage and the weekly metric. Usage
is counted in Ibis (one row per unit and ISO week); the signals are a small side-input, so the
statistics are computed in Python on those weekly rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from tokentrail.analyses.adoption_common import Scope, index_of, is_active, localised, period_index, period_label
from tokentrail.analyses.cost import ReportError
from tokentrail.sources.signals import Signal

DEFAULT_THRESHOLD = 2  # active days in one ISO week
USAGE_MEASURE = "active_days"

CAVEAT = (
    "Correlation is not causation: people who use AI more may differ in other ways (role, seniority, "
    "workload, the work they were given). Before/after differences are confounded by time: anything else "
    "that changed around each adoption week (season, projects, team changes, the metric's own trend) is "
    "mixed into them. Read these figures as questions to ask, not as proof that AI use changed the metric."
)

# Two-sided 95% critical values of Student's t, t(0.975, df), for df = 1..30 (standard tables, 3
# decimals). Above 30 the normal value 1.96 is used; that makes the interval slightly too narrow for
# 31 <= df < 120 (t(0.975, 40) = 2.021, t(0.975, 60) = 2.000, t(0.975, 120) = 1.980: at most 3% narrower).
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
Z_975 = 1.96

__all__ = ["CAVEAT", "DEFAULT_THRESHOLD", "T_975", "USAGE_MEASURE", "OutcomesReport", "outcomes_report", "t_critical"]


@dataclass
class OutcomesReport:
    """``metrics``: one row per (metric, level); ``units``: one row per (metric, level, unit)."""

    tz: str
    threshold: int
    usage_measure: str = USAGE_MEASURE
    caveat: str = CAVEAT
    metrics: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "tz": self.tz,
            "threshold": self.threshold,
            "usage_measure": self.usage_measure,
            "caveat": self.caveat,
            "metrics": self.metrics,
            "units": self.units,
        }


def t_critical(df: int) -> float:
    """Two-sided 95% critical value: ``T_975[df - 1]`` for df 1..30, 1.96 above."""
    if df < 1:
        raise ValueError("df must be 1 or more")
    return T_975[df - 1] if df <= len(T_975) else Z_975


def outcomes_report(
    events: ir.Table,
    signals: Sequence[Signal],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    tz: str | None = None,
) -> OutcomesReport:
    """Before/after adoption, mean difference with a 95% CI, and usage/metric correlation, per metric.

    Formula. *Usage* of a unit in an ISO week (Monday-Sunday, local days in ``tz``) is its count of
    active user-days: for a user, the days that week with an LLM call, tool call or typed prompt
    (0-7); for a team, the sum of that over the users whose active events carry the team's id. The
    unit's *adoption week* A is the first week with usage >= ``threshold``; units that never reach
    it are "not adopted" and left out of the comparison. A metric's *weekly value* for a unit is the
    sum of its signal values dated in that week (signal dates are local calendar days). Per unit:
    ``before_mean`` = mean weekly value over weeks < A with a signal, ``after_mean`` = the same over
    weeks >= A (the adoption week counts as after), ``difference`` = after_mean - before_mean. Over
    the n units with signals on both sides (``paired``): ``before_mean``/``after_mean`` = means of
    their per-unit means, ``mean_difference`` = mean of the differences, ``sd`` =
    their sample standard deviation (n - 1), and the 95% CI = mean +/- t(0.975, n - 1) * sd / sqrt(n),
    t from :data:`T_975` (1.96 above df 30); no CI when n < 2. ``correlation_r`` is Pearson's r
    between usage and weekly value over every unit-week with a signal for the metric (usage 0 when
    the unit was not active that week), with ``correlation_n`` pairs; no r when n < 3 or either side
    is constant. Assumptions: a week without a signal row is unknown, not zero (export explicit 0
    rows if zero is meant); a unit counts as not adopted in weeks before the logs begin, so logs that
    start late shift adoption weeks; users and teams match by exact id. See :data:`CAVEAT`.
    """
    if threshold < 1:
        raise ReportError("--threshold must be 1 or more")
    scope = Scope.make(tz=tz, since=None, until=None, period="week")
    report = OutcomesReport(scope.tz, threshold)
    if not signals:
        return report
    usage = _usage(events, scope, {s.level for s in signals})

    # weekly metric sums per (metric, level, unit)
    weekly: dict[tuple[str, str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for s in signals:
        weekly[(s.metric, s.level, s.unit_id)][index_of(s.day, "week")] += s.value

    by_metric: dict[tuple[str, str], list[tuple[str, dict[int, float]]]] = defaultdict(list)
    for (metric, level, unit), weeks in weekly.items():
        by_metric[(metric, level)].append((unit, weeks))

    for (metric, level), units in sorted(by_metric.items()):
        diffs: list[float] = []
        befores: list[float] = []
        afters: list[float] = []
        pairs: list[tuple[float, float]] = []
        adopted = 0
        for unit, weeks in sorted(units):
            use = usage[level].get(unit, {})
            adoption = min((w for w, n in use.items() if n >= threshold), default=None)
            pairs += [(float(use.get(w, 0)), v) for w, v in sorted(weeks.items())]
            before = [v for w, v in weeks.items() if adoption is not None and w < adoption]
            after = [v for w, v in weeks.items() if adoption is not None and w >= adoption]
            b, a = _mean(before), _mean(after)
            diff = None
            if a is not None and b is not None:
                diff = a - b
                diffs.append(diff)
                befores.append(b)
                afters.append(a)
            adopted += adoption is not None
            report.units.append(
                {
                    "metric": metric,
                    "level": level,
                    "unit_id": unit,
                    "adoption_week": period_label(adoption, "week") if adoption is not None else None,
                    "weeks_before": len(before),
                    "before_mean": _round(b),
                    "weeks_after": len(after),
                    "after_mean": _round(a),
                    "difference": _round(diff),
                }
            )
        mean, sd, low, high, t = _paired(diffs)
        r = _pearson(pairs)
        report.metrics.append(
            {
                "metric": metric,
                "level": level,
                "units": len(units),
                "adopted": adopted,
                "paired": len(diffs),
                "before_mean": _round(_mean(befores)),
                "after_mean": _round(_mean(afters)),
                "mean_difference": _round(mean),
                "sd_difference": _round(sd),
                "t_critical": t,
                "ci95_low": _round(low),
                "ci95_high": _round(high),
                "correlation_r": _round(r),
                "correlation_n": len(pairs),
            }
        )
    return report


def _usage(events: ir.Table, scope: Scope, levels: set[str]) -> dict[str, dict[str, dict[int, int]]]:
    """Active user-days per unit and week index: ``{"user": {id: {week: n}}, "team": {...}}``."""
    t = localised(events, scope)
    act = t.filter(is_active(t) & t.user_id.notnull())
    act = act.mutate(week=period_index(act.day, "week"))
    out: dict[str, dict[str, dict[int, int]]] = {"user": {}, "team": {}}
    for level, column in (("user", "user_id"), ("team", "team_id")):
        if level not in levels:
            continue
        # distinct (unit, user, day): for users the unit is the user, for teams each member's days
        rows = act.filter(act[column].notnull()).select(unit=act[column], user=act.user_id, day=act.day, week=act.week)
        rows = rows.distinct()
        counted = rows.group_by(["unit", "week"]).aggregate(n=rows.count())
        for row in counted.to_pyarrow().to_pylist():
            out[level].setdefault(row["unit"], {})[int(row["week"])] = int(row["n"])
    return out


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _paired(
    diffs: Sequence[float],
) -> tuple[float | None, float | None, float | None, float | None, float | None]:
    """Mean, sample sd, 95% CI low/high and the t value used; None where n is too small."""
    n = len(diffs)
    mean = _mean(diffs)
    if n < 2 or mean is None:
        return mean, None, None, None, None
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    t = t_critical(n - 1)
    half = t * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, t


def _pearson(pairs: Sequence[tuple[float, float]]) -> float | None:
    n = len(pairs)
    if n < 3:
        return None
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)
