"""Rendering session and trace trees (rich Tree) and the session list (rich table)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree as RichTree

from tokentrail.analyses.sessions import SessionList
from tokentrail.analyses.traces import Node, Rollup, Tree
from tokentrail.outputs.render import money, table

_SESSION_COLUMNS = [
    ("session_id", "session"),
    ("user_id", "user"),
    ("team_id", "team"),
    ("feature", "feature"),
    ("start", "start"),
    ("duration", "duration"),
    ("turns", "turns"),
    ("calls", "calls"),
    ("total_tokens", "tokens"),
    ("cost_usd", "cost"),
]


def duration(seconds: float | None) -> str:
    """A short human duration: ``850 ms``, ``42.1 s``, ``9m 32s``, ``3h 05m``, ``4d 09h``."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def sessions_table(result: SessionList, caption: str) -> Table:
    rows = [
        {
            **r,
            "start": r["start"][:16].replace("T", " "),  # minutes are enough to find a session
            "duration": duration(r["duration_s"]),
            "total_tokens": r["tokens"],
        }
        for r in result.rows
    ]
    shown = f"{len(rows)} of {result.total}" if len(rows) < result.total else str(result.total)
    out = table(
        f"Sessions ({shown}, by {result.sort})", _SESSION_COLUMNS, rows, caption=caption, partial=result.unpriced
    )
    for column in out.columns:
        if column.header in ("turns", "duration"):
            column.justify = "right"
    return out


def tree(result: Tree, *, depth: int | None = None) -> RichTree:
    """The steps as a rich Tree; ``depth`` cuts the tree below that many levels (roots are level 1)."""
    head = f"[bold]{result.scope} {escape(result.id)}[/] · {result.events} events · {_figures(result.totals)}"
    out = RichTree(head)
    stack: list[tuple[RichTree, Node, int]] = [(out, r, 1) for r in reversed(result.roots)]
    while stack:  # iterative: deep agent chains must not hit the recursion limit
        parent, node, level = stack.pop()
        branch = parent.add(_label(node))
        if node.children and depth is not None and level >= depth:
            hidden = _count(node) - 1
            branch.add(f"[dim]… {hidden} more step{'' if hidden == 1 else 's'}[/]")
            continue
        stack.extend((branch, c, level + 1) for c in reversed(node.children))
    return out


def _label(n: Node) -> str:
    what = "prompt" if n.name == "user_prompt" else (n.tool_name or n.name or "")
    parts = [f"[bold]{n.kind}[/] {escape(what)}"]
    if n.name == "user_prompt":
        parts.append(n.started_at.strftime("%Y-%m-%d %H:%M:%S UTC"))  # a turn is found by when it was asked
    if n.model:
        parts.append(escape(n.model))
    if n.subagent:
        parts.append("[magenta]subagent[/]")
    if n.status == "error":
        parts.append("[red]error[/]")
    own = _figures(n.own, calls=False)
    if own:
        parts.append(own)
    text = " · ".join(parts)
    if n.children:
        text += f"  [dim]│ subtree: {_figures(n.subtree)}[/]"
    return text


def _figures(r: Rollup, *, calls: bool = True) -> str:
    bits: list[str] = []
    if calls:
        bits.append(f"{r.calls:,} call" + ("" if r.calls == 1 else "s"))
    if r.tokens or calls:
        bits.append(f"{r.tokens:,} tok")
    cost = r.as_json()["cost_usd"]
    if r.tokens or cost:
        bits.append(("unpriced" if cost is None else money(cost)) + (" *" if r.unpriced and cost is not None else ""))
    if r.latency_ms is not None:
        bits.append(duration(r.latency_ms / 1000))
    return ", ".join(bits) if calls else " · ".join(bits)


def _count(n: Node) -> int:
    total, stack = 0, [n]
    while stack:
        total += 1
        stack.extend(stack.pop().children)
    return total
