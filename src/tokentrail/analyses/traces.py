"""Trace and session trees: agent steps, LLM calls, tool calls and retrievals, with rollups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis.expr.types as ir

from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.sessions import session_key
from tokentrail.analyses.timeframe import billed_tokens

_COLUMNS = (
    "event_id",
    "session_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "kind",
    "name",
    "tool_name",
    "model",
    "status",
    "started_at",
    "ended_at",
    "latency_ms",
    "cost_usd",
    "priced",
    "prompt_hash",
    "attributes",
)


@dataclass
class Rollup:
    """Figures of one step (``own``) or of a step and everything under it (``subtree``)."""

    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0  # events here that used tokens but could not be priced: not in cost_usd
    latency_ms: float | None = None

    def as_json(self) -> dict[str, Any]:
        # Nothing here could be priced: the cost is unknown, not $0.
        cost = None if self.unpriced and not self.cost_usd else round(self.cost_usd, 10)
        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "cost_usd": cost,
            "unpriced": self.unpriced,
            "latency_ms": self.latency_ms,
        }


@dataclass
class Node:
    span_id: str | None
    kind: str
    name: str | None
    tool_name: str | None
    model: str | None
    status: str | None
    started_at: datetime
    own: Rollup
    subtree: Rollup = field(default_factory=Rollup)
    children: list[Node] = field(default_factory=list)
    subagent: bool = False  # a sidechain (subagent) step of a Claude Code session
    _end: datetime | None = None  # this step's own end, for the subtree's wall time
    _bounds: tuple[datetime, datetime] | None = None  # first start, last end under this step

    def as_json(self) -> dict[str, Any]:
        return {
            "span_id": self.span_id,
            "kind": self.kind,
            "name": self.name,
            "tool_name": self.tool_name,
            "model": self.model,
            "status": self.status,
            "subagent": self.subagent,
            "started_at": self.started_at.isoformat(),
            "own": self.own.as_json(),
            "subtree": self.subtree.as_json(),
            "children": [c.as_json() for c in self.children],
        }


@dataclass
class Tree:
    scope: str  # "trace" or "session"
    id: str
    roots: list[Node]
    totals: Rollup
    events: int
    linked_subagents: int = 0  # subagent roots attached to their Task call by prompt or agent id

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "id": self.id,
            "events": self.events,
            "totals": self.totals.as_json(),
            "roots": [r.as_json() for r in self.roots],
        }


def trace_tree(events: ir.Table, trace_id: str) -> Tree:
    """The tree of one trace (Claude Code: the trace id is the session id). See `session_tree`."""
    return _tree(events, "trace", trace_id, events.trace_id)


def session_tree(events: ir.Table, session_id: str) -> Tree:
    """The parent–child tree of a session's steps, each with its own and its subtree's figures.

    Formula: a step's parent is the event of the same trace whose ``span_id`` is its
    ``parent_span_id``; steps whose parent is not in the session (or that sit in a parent cycle)
    are roots, ordered by start. A Claude Code subagent's first prompt whose parent is missing
    (``agent-*.jsonl`` files are read apart from the main file) is attached to the ``Task``/
    ``Agent`` tool call of the same session that has the same prompt hash or ``agentId``, the
    latest one started before it. ``own`` holds the step's figures: ``calls`` is 1 for an LLM call,
    ``tokens`` its billed tokens, ``cost_usd`` its computed cost, ``latency_ms`` its logged latency
    (else end − start). ``subtree`` sums calls, tokens and cost over the step and all below it, and
    its ``latency_ms`` is wall time, first start to last end under the step (parallel work is not
    added twice). Events that used tokens but could not be priced are counted in ``unpriced`` and
    add no cost; a cost is null only when nothing in it could be priced. Assumptions:
    the session is ``session_id``, else ``trace_id`` (as in the session list); an id that matches
    nothing exactly is taken as a prefix when exactly one session starts with it.
    """
    return _tree(events, "session", session_id, session_key(events))


def _tree(events: ir.Table, scope: str, wanted: str, key: ir.StringValue) -> Tree:
    t = events.filter(events.kind != "usage_bucket").mutate(key=key)
    ident = _resolve_id(t, scope, wanted)
    sel = t.filter(t.key == ident)
    rows = (
        sel.select(*_COLUMNS, tokens=billed_tokens(sel)).order_by(["started_at", "event_id"]).to_pyarrow().to_pylist()
    )
    nodes = [_node(r) for r in rows]
    roots, linked = _link(rows, nodes)
    for root in roots:
        _rollup(root)
    totals = Rollup()
    for root in roots:
        _add(totals, root.subtree)
    bounds = [r._bounds for r in roots if r._bounds is not None]
    totals.latency_ms = _ms(max(b[1] for b in bounds) - min(b[0] for b in bounds))
    return Tree(scope, ident, roots, totals, len(rows), linked)


def _resolve_id(t: ir.Table, scope: str, wanted: str) -> str:
    if not wanted.strip():
        raise ReportError(f"give a {scope} id (list them with 'tokentrail sessions')")
    if t.filter(t.key == wanted).count().to_pyarrow().as_py():
        return wanted
    found = t.filter(t.key.startswith(wanted)).select("key").distinct().limit(3).to_pyarrow().column(0).to_pylist()
    if len(found) == 1:
        return str(found[0])
    if found:
        shown = ", ".join(sorted(str(f)[:12] + "…" for f in found[:2]))
        raise ReportError(f"{wanted!r} matches several {scope}s ({shown}); give more of the id")
    raise ReportError(f"no {scope} {wanted!r} in the store (list them with 'tokentrail sessions')")


def _node(r: dict[str, Any]) -> Node:
    start: datetime = r["started_at"]
    latency = r["latency_ms"]
    end = r["ended_at"]
    if latency is None and end is not None:
        latency = _ms(end - start)
    if end is None and latency is not None:
        end = start + timedelta(milliseconds=latency)
    unpriced = not r["priced"] and r["tokens"] > 0
    own = Rollup(1 if r["kind"] == "llm" else 0, r["tokens"], r["cost_usd"] or 0.0, int(unpriced), latency)
    attrs = dict(r["attributes"] or [])
    return Node(
        r["span_id"],
        r["kind"],
        r["name"],
        r["tool_name"],
        r["model"],
        r["status"],
        start,
        own,
        subagent="isSidechain" in attrs,
        _end=end,
    )


def _link(rows: list[dict[str, Any]], nodes: list[Node]) -> tuple[list[Node], int]:
    by_span: dict[tuple[str | None, str], int] = {}
    for i, r in enumerate(rows):
        if r["span_id"] is not None:
            by_span.setdefault((r["trace_id"], r["span_id"]), i)
    parent_of: list[int | None] = []
    linked = 0
    for i, r in enumerate(rows):
        p = by_span.get((r["trace_id"], r["parent_span_id"])) if r["parent_span_id"] else None
        if p is None and nodes[i].subagent and r["name"] == "user_prompt":
            p = _launcher(rows, i)
            linked += p is not None
        parent_of.append(p if p != i else None)
    children: list[list[int]] = [[] for _ in rows]
    for i, p in enumerate(parent_of):
        if p is not None:
            children[p].append(i)
    # Walk down from the true roots; whatever is not reached sits in a parent cycle: cut it loose.
    seen = [False] * len(rows)
    root_ids: list[int] = []
    for start in [i for i, p in enumerate(parent_of) if p is None] + list(range(len(rows))):
        if seen[start]:
            continue
        root_ids.append(start)
        stack = [start]
        seen[start] = True
        while stack:
            i = stack.pop()
            for c in children[i]:
                if not seen[c]:
                    seen[c] = True
                    nodes[i].children.append(nodes[c])
                    stack.append(c)
    for n in nodes:
        n.children.sort(key=lambda c: c.started_at)
    roots = sorted((nodes[i] for i in root_ids), key=lambda n: n.started_at)
    return roots, linked


def _launcher(rows: list[dict[str, Any]], i: int) -> int | None:
    """The Task/Agent tool call that started the subagent whose first prompt is row ``i``."""
    r = rows[i]
    agent = dict(r["attributes"] or []).get("agentId")
    best = None
    for j, c in enumerate(rows):
        if c["kind"] != "tool" or c["started_at"] > r["started_at"]:
            continue
        same_prompt = r["prompt_hash"] is not None and c["prompt_hash"] == r["prompt_hash"]
        same_agent = agent is not None and dict(c["attributes"] or []).get("agentId") == agent
        if same_prompt or same_agent:
            best = j  # rows are in start order: the last match is the latest launch
    return best


def _rollup(root: Node) -> None:
    order: list[Node] = []
    stack = [root]
    while stack:  # iterative: a long chain of steps must not hit the recursion limit
        n = stack.pop()
        order.append(n)
        stack.extend(n.children)
    for n in reversed(order):  # children before parents
        sub = Rollup(n.own.calls, n.own.tokens, n.own.cost_usd, n.own.unpriced)
        first, last = n.started_at, max(n.started_at, n._end or n.started_at)
        for c in n.children:
            _add(sub, c.subtree)
            assert c._bounds is not None
            first, last = min(first, c._bounds[0]), max(last, c._bounds[1])
        sub.latency_ms = _ms(last - first)
        n.subtree, n._bounds = sub, (first, last)


def _add(total: Rollup, part: Rollup) -> None:
    total.calls += part.calls
    total.tokens += part.tokens
    total.cost_usd += part.cost_usd
    total.unpriced += part.unpriced


def _ms(delta: timedelta) -> float:
    return round(delta.total_seconds() * 1000, 3)
