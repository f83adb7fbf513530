"""How deep use goes: turns, calls, tokens and cost per session; latency per step kind and model."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from tokentrail.analyses.adoption_common import percentile, rounded

_BILLED = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens")


def sessions(t: ir.Table) -> ir.Table:
    """One row per session of a windowed ``localised`` table: segment, user, turns, calls, tokens, cost.

    ``turns`` counts the prompts a person typed (``event`` rows named ``user_prompt``); sources that
    log no prompts (most generic and OpenTelemetry logs) get one turn per LLM call instead. A
    session's segment and user are those of its first event.
    """
    s = t.filter(t.session_id.notnull())
    billed = s[_BILLED[0]]
    for name in _BILLED[1:]:
        billed = billed + s[name]
    s = s.mutate(
        is_prompt=((s.kind == "event") & (s.name == "user_prompt")).cast("int64"),
        is_call=(s.kind == "llm").cast("int64"),
        billed=billed,
    )
    per = s.group_by("session_id").aggregate(
        segment=s.segment.argmin(s.started_at),
        user_id=s.user_id.argmin(s.started_at),
        team_id=s.team_id.argmin(s.started_at),
        prompts=s.is_prompt.sum(),
        calls=s.is_call.sum(),
        tokens=s.billed.sum(),
        cost_usd=s.cost_usd.sum().fill_null(0),
    )
    return per.mutate(turns=ibis.ifelse(per.prompts > 0, per.prompts, per.calls))


def depth_measures(per: ir.Table) -> dict[str, ir.Value]:
    """Median and p90 of each per-session measure, and the share of single-turn sessions."""
    out: dict[str, ir.Value] = {"sessions": per.count()}
    for m in ("turns", "calls", "tokens", "cost_usd"):
        out[f"{m}_p50"] = percentile(per[m], 0.5)
        out[f"{m}_p90"] = percentile(per[m], 0.9)
    out["single_turn_share"] = (per.turns == 1).cast("int64").sum() / per.count()
    return out


def depth(t: ir.Table) -> list[dict[str, Any]]:
    """Session depth per segment.

    Formula: over sessions with at least one event in the window (their events in the window only),
    the median (p50) and 90th percentile of turns, LLM calls, billed tokens (uncached input + cache
    reads + cache writes + output) and computed cost per session, and ``single_turn_share`` =
    sessions with exactly one turn / sessions. Percentiles interpolate linearly between closest ranks
    (type 7). Assumptions: events with no session id are left out; unpriced calls add no cost.
    """
    per = sessions(t)
    raw = per.group_by("segment").aggregate(**depth_measures(per)).order_by("segment").to_pyarrow().to_pylist()
    return [{k: (rounded(v, 6) if isinstance(v, float) else v) for k, v in r.items()} for r in raw]


def latency(t: ir.Table) -> list[dict[str, Any]]:
    """Latency per step kind and model.

    Formula: for each (kind, model) pair, over events of the window with a logged ``latency_ms``:
    count, p50, p95 and p99 in milliseconds, by linear interpolation between closest ranks (type 7:
    on 1..20, p50 = 10.5, p95 = 19.05, p99 = 19.81). Assumptions: events without latency are left
    out, not counted as 0; tool calls usually carry no model (shown as null).
    """
    s = t.filter(t.latency_ms.notnull())
    raw = (
        s.group_by(["kind", "model"])
        .aggregate(
            count=s.count(),
            p50_ms=percentile(s.latency_ms, 0.5),
            p95_ms=percentile(s.latency_ms, 0.95),
            p99_ms=percentile(s.latency_ms, 0.99),
        )
        .order_by(["kind", ibis.asc("model", nulls_first=True)])
        .to_pyarrow()
        .to_pylist()
    )
    return [{k: (rounded(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in raw]
