"""Cost attribution: spend and tokens grouped by time, person, team, project, feature, model, session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from tokentrail.analyses.timeframe import billed_tokens, calendar_key, check_zone, local_time, parse_day, window

KEYS: dict[str, str | None] = {
    "day": None,
    "week": None,
    "month": None,
    "user": "user_id",
    "team": "team_id",
    "project": "project",
    "feature": "feature",
    "model": "model",
    "session": "session_id",
}
NUMBERS = ("calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd")

# Data-quality flags worth telling the reader about, with what they mean for the numbers.
_FLAG_WARNINGS = {
    "usage_missing": "had no usage block: counted as calls with 0 tokens",
    "cost_reported_zero": "recorded a cost of $0 while using tokens: our computed cost is used",
    "cache_ttl_unsplit": "did not split cache writes by TTL: priced at the 5-minute rate (an estimate)",
    "input_less_than_cache": "reported less input than cache tokens: uncached input taken as 0",
    "invalid_utf8": "contained invalid UTF-8 bytes, replaced with U+FFFD",
    "started_at_from_file_mtime": "carried no time of their own: dated by their file's modification time",
}


class ReportError(ValueError):
    """A bad report request (unknown key, bad date or zone): one line for the user."""


@dataclass
class CostReport:
    keys: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    tz: str = "UTC"
    unpriced: list[int] = field(default_factory=list)  # per row: events with tokens but no price

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "totals": self.totals, "warnings": self.warnings}


def cost_report(
    events: ir.Table,
    by: list[str] | tuple[str, ...] = ("day",),
    *,
    since: str | date | None = None,
    until: str | date | None = None,
    tz: str | None = None,
) -> CostReport:
    """Spend and tokens per group.

    Formula: for each group, ``calls`` counts LLM-call events (kind ``llm``); token columns sum the
    exclusive buckets over all request-level events (billed usage buckets from provider APIs are
    left out, as they describe the same calls); ``cache_write_tokens`` = 5-minute + 1-hour writes;
    ``cost_usd`` sums the per-event cost computed at ingest from the price table. Assumptions:
    days, weeks (ISO) and months are cut in ``tz`` (default: this machine's zone), so one session
    can fall on several days; ``since``/``until`` are local days, both included; events whose
    model could not be priced add tokens but no cost, and are named in ``warnings``.
    """
    by = list(by) or ["day"]
    unknown = [k for k in by if k not in KEYS]
    if unknown:
        raise ReportError(f"unknown --by key {unknown[0]!r}; choose from: {', '.join(KEYS)}")
    if len(set(by)) != len(by):
        raise ReportError("each --by key may be given once")
    zone = check_zone(tz)
    billed = billed_tokens(events)
    # Request-level spend only: LLM and embedding calls, and any other event that carries tokens.
    t = events.filter((events.kind != "usage_bucket") & (events.kind.isin(["llm", "embedding"]) | (billed > 0)))
    local = local_time(t.started_at, zone)
    t = window(t, local, parse_day(since, "--since"), parse_day(until, "--until"))
    local = local_time(t.started_at, zone)
    keyed = t.mutate(**{k: (calendar_key(local, k) if KEYS[k] is None else t[KEYS[k]]) for k in by})

    grouped = keyed.group_by(by).aggregate(**_measures(keyed)).order_by([ibis.asc(k) for k in by])
    raw = grouped.to_pyarrow().to_pylist()
    rows = [_clean(r, by) for r in raw]
    totals_raw = keyed.aggregate(**_measures(keyed)).to_pyarrow().to_pylist()[0]
    totals = _clean(totals_raw, [])
    warnings = _warnings(t)
    if not rows:
        warnings.insert(0, "no events match: check --since/--until, the time zone and --db")
    return CostReport(by, rows, totals, warnings, zone, [r["unpriced"] or 0 for r in raw])


def _measures(t: ir.Table) -> dict[str, ir.Value]:
    return {
        "calls": (t.kind == "llm").cast("int64").sum(),
        "input_tokens": t.input_tokens.sum(),
        "output_tokens": t.output_tokens.sum(),
        "cache_read_tokens": t.cache_read_tokens.sum(),
        "cache_write_tokens": (t.cache_write_5m_tokens + t.cache_write_1h_tokens).sum(),
        "cost_usd": t.cost_usd.sum(),
        "unpriced": (~t.priced).cast("int64").sum(),
    }


def _clean(row: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: row[k] for k in keys}
    for name in NUMBERS:
        value = row.get(name)
        out[name] = (0.0 if name == "cost_usd" else 0) if value is None else value
    if row.get("cost_usd") is None and row.get("unpriced"):
        out["cost_usd"] = None  # nothing in this group could be priced: unknown, not $0
    else:
        out["cost_usd"] = round(float(out["cost_usd"]), 10)
    return out


def _warnings(t: ir.Table) -> list[str]:
    out: list[str] = []
    u = t.mutate(billed=billed_tokens(t)).filter(lambda x: ~x.priced & (x.billed > 0))
    unpriced = (
        u.group_by(model=u.model.fill_null("(no model)"))
        .aggregate(calls=u.count(), tokens=u.billed.sum())
        .order_by(ibis.desc("tokens"))
        .to_pyarrow()
        .to_pylist()
    )
    for u in unpriced:
        out.append(
            f"unpriced model {u['model']!r}: {u['calls']} events, {u['tokens']:,} tokens not in cost_usd "
            "(add it to a price-override file)"
        )
    flags = t.filter(t.flags.notnull()).select(flag=t.flags.unnest()).flag.value_counts().to_pyarrow().to_pylist()
    counts = {r["flag"]: r["flag_count"] for r in flags}
    for flag, meaning in _FLAG_WARNINGS.items():
        if counts.get(flag):
            out.append(f"{counts[flag]} events {meaning}")
    negatives = sum(n for f, n in counts.items() if f.startswith(("negative_", "bad_", "implausible_")))
    if negatives:
        out.append(
            f"{negatives} token fields were negative, implausibly large or not numbers: counted as 0 and flagged"
        )
    return out
