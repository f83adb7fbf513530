"""``tokentrail sessions``, ``tokentrail session ID`` and ``tokentrail trace ID``."""

from __future__ import annotations

import click

from tokentrail.analyses.sessions import COLUMNS, SORTS, list_sessions
from tokentrail.analyses.traces import Tree, session_tree, trace_tree
from tokentrail.cli.options import db_option
from tokentrail.outputs.render import FORMATS, to_csv, to_json
from tokentrail.outputs.render import console as console_
from tokentrail.outputs.trees import sessions_table, tree
from tokentrail.store import Store
from tokentrail.version import __version__


@click.command("sessions")
@click.option("--sort", type=click.Choice(SORTS), default="start", show_default=True, help="Newest or largest first.")
@click.option("--user", help="Only sessions with events by this user.")
@click.option("--team", help="Only sessions with events by this team.")
@click.option("--feature", help="Only sessions with events tagged with this feature.")
@click.option("--since", help="Only sessions active on or after this local day (YYYY-MM-DD).")
@click.option("--until", help="Only sessions active on or before this local day (YYYY-MM-DD).")
@click.option("--tz", help="Time zone for days and start times (default: this machine's).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="At most this many; 0: all.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def sessions_cmd(
    sort: str,
    user: str | None,
    team: str | None,
    feature: str | None,
    since: str | None,
    until: str | None,
    tz: str | None,
    limit: int,
    fmt: str,
    db: str | None,
) -> None:
    """Sessions with user, team, feature, start, duration, turns, calls, tokens and cost."""
    with Store.open(db, read_only=True) as store:
        result = list_sessions(
            store.events(),
            sort=sort,
            user=user,
            team=team,
            feature=feature,
            since=since,
            until=until,
            tz=tz,
            limit=limit or None,
        )
    provenance = f"tokentrail {__version__} · times in {result.tz}"
    if fmt == "json":
        click.echo(to_json(result.as_json()))
    elif fmt == "csv":
        rows = [{**r, "days": " ".join(r["days"])} for r in result.rows]  # one cell, space-separated
        click.echo(to_csv(rows, COLUMNS), nl=False)
    else:
        console_().print(sessions_table(result, provenance))
        if any(result.unpriced):
            console_().print("* includes events whose model could not be priced: their cost is not in the figure")
        return
    click.echo(provenance, err=True)


_TREE_FORMATS = ("table", "json")
_depth_option = click.option(
    "--depth", type=click.IntRange(min=1), default=None, help="Show this many levels (table only); default: all."
)


@click.command("session")
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(_TREE_FORMATS), default="table", show_default=True)
@_depth_option
@db_option
def session_cmd(session_id: str, fmt: str, depth: int | None, db: str | None) -> None:
    """The tree of a session's steps (a unique prefix of the id is enough)."""
    with Store.open(db, read_only=True) as store:
        result = session_tree(store.events(), session_id)
    _show(result, fmt, depth)


@click.command("trace")
@click.argument("trace_id")
@click.option("--format", "fmt", type=click.Choice(_TREE_FORMATS), default="table", show_default=True)
@_depth_option
@db_option
def trace_cmd(trace_id: str, fmt: str, depth: int | None, db: str | None) -> None:
    """The tree of one trace: agent steps, LLM calls, tool calls and retrievals."""
    with Store.open(db, read_only=True) as store:
        result = trace_tree(store.events(), trace_id)
    _show(result, fmt, depth)


def _show(result: Tree, fmt: str, depth: int | None) -> None:
    if fmt == "json":
        click.echo(to_json(result.as_json()))
        return
    console = console_()
    console.print(tree(result, depth=depth))
    console.print(f"[dim]tokentrail {__version__} · own figures, then the subtree's (wall time for latency)[/]")
