"""``tokentrail demo``: a synthetic organisation, ingested and reported, with no input needed."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from tokentrail.analyses.adoption import AdoptionReport, adoption_report
from tokentrail.analyses.cost import cost_report
from tokentrail.analyses.seats import SeatsReport, seats_report
from tokentrail.demo import demo_extras, generate_demo
from tokentrail.outputs.render import console as console_
from tokentrail.outputs.render import money, safe, table
from tokentrail.pipeline import ingest
from tokentrail.pricing import PRICE_DATA
from tokentrail.sources.roster import Seat, load_roster
from tokentrail.store import DEFAULT_DB, Store

DEMO_DB = DEFAULT_DB.with_name("demo.duckdb")
_BARS = "▁▂▃▄▅▆▇█"


@click.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write into this database (default: $TOKENTRAIL_DB, else a separate demo database).",
)
@click.option("--days", type=click.IntRange(7, 366), default=90, show_default=True, help="Days of history.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed: same seed, same data.")
def demo(db: str | None, days: int, seed: int) -> None:
    """Generate ~90 days of a synthetic organisation's LLM logs, ingest them and print the cost and adoption reports.

    The organisation's seat roster and weekly productivity signals are written beside the
    database (DB.roster.csv, DB.signals.csv), for ``seats``, ``report adoption --roster`` and more.
    """
    from tokentrail.cli.report import COLUMNS
    from tokentrail.version import __version__

    target = Path(db or os.environ.get("TOKENTRAIL_DB") or DEMO_DB).expanduser()
    if target == DEMO_DB.expanduser() and target.exists():
        target.unlink()  # the demo database is ours: start it afresh so the demo is repeatable
    roster_path = target.with_name(target.name + ".roster.csv")
    signals_path = target.with_name(target.name + ".signals.csv")
    end = datetime.now(UTC).date()
    console = console_()
    with tempfile.TemporaryDirectory(prefix="tokentrail-demo-") as tmp:
        with console.status("generating a synthetic organisation…"):
            files = generate_demo(Path(tmp), seed=seed, days=days, end=end)
        with console.status(f"ingesting {len(files)} files…"), Store.open(target) as store:
            summary = ingest(store, files)  # the logs only: the roster and signals are not events
        extras = demo_extras(Path(tmp))
        shutil.copyfile(extras.roster, roster_path)
        shutil.copyfile(extras.signals, signals_path)
    console.print(f"ingested {summary.events:,} events from {summary.files} files into {target}")
    with Store.open(target, read_only=True) as store:
        by_team = cost_report(store.events(), ["team"], tz="UTC")
        by_month = cost_report(store.events(), ["month", "model"], tz="UTC")
    caption = f"tokentrail {__version__} · prices: {PRICE_DATA} · times in UTC"
    console.print(
        table(
            "Cost by team",
            [("team", "team"), *COLUMNS],
            by_team.rows,
            by_team.totals,
            caption,
            partial=by_team.unpriced,
        )
    )
    console.print(
        table(
            "Cost by month and model",
            [("month", "month"), ("model", "model"), *COLUMNS],
            by_month.rows,
            by_month.totals,
            caption,
            partial=by_month.unpriced,
        )
    )
    console.print("* includes events whose model could not be priced: their cost is not in the figure")
    for warning in by_team.warnings:
        console.print(f"[yellow]warning:[/] {safe(warning, 400)}")

    since, until = _whole_weeks(end - timedelta(days=days - 1), end)
    roster = load_roster(roster_path)
    with console.status("measuring adoption…"), Store.open(target, read_only=True) as store:
        adoption = adoption_report(store.events(), since=since, until=until, tz="UTC", roster=roster)
        seats = seats_report(store.events(), roster, tz="UTC")
    _adoption_summary(console, adoption, seats, roster)
    console.print(f"\nseat roster: {roster_path}\nproductivity signals (weekly, per person): {signals_path}")

    console.print("\nTry next:")
    exe = _executable()
    window = f" --since {since} --until {until}" if since and until else ""
    for cmd in (
        f"{exe} report cost --db {target} --by week --by feature",
        f"{exe} report cost --db {target} --by user --format csv",
        f"{exe} report cost --db {target} --by day --tz America/New_York --format json",
        f"{exe} report adoption --db {target} --roster {roster_path} --tz UTC{window}",
        f"{exe} seats --db {target} --roster {roster_path} --tz UTC",
        f"{exe} outcomes --db {target} --signals {signals_path} --tz UTC",
        f"{exe} sessions --db {target} --sort cost --limit 10",
        f"{exe} ingest ~/.claude/projects --db my-usage.duckdb",
    ):
        console.print(f"  [bold]{cmd}[/]")


def _whole_weeks(first: date, last: date) -> tuple[str | None, str | None]:
    """The first Monday and last Sunday inside [first, last]: partial weeks would skew the trends."""
    monday = first + timedelta(days=-first.weekday() % 7)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    if sunday < monday:
        return None, None
    return monday.isoformat(), sunday.isoformat()


def _spark(values: list[int]) -> str:
    top = max(values, default=0) or 1
    return "".join(_BARS[round(v / top * (len(_BARS) - 1))] for v in values)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _adoption_summary(console: Any, report: AdoptionReport, seats: SeatsReport, roster: list[Seat]) -> None:
    """A short adoption read-out: the trend, stickiness, features, teams and idle seats."""
    if report.since is None:
        console.print("\nAdoption: no activity with a user id in the window.")
        return
    since, until = date.fromisoformat(report.since), date.fromisoformat(str(report.until))
    weeks = "whole weeks" if since.weekday() == 0 and until.weekday() == 6 else "the first and last weeks partial"
    console.print(f"\n[bold]Adoption[/] · {report.since} to {report.until} (UTC, {weeks})")
    weekly = [r["active_users"] for r in report.section("active")]
    change = f" ({(weekly[-1] - weekly[0]) / weekly[0]:+.0%})" if weekly[0] else ""
    console.print(
        f"  weekly active users: {weekly[0]} → {weekly[-1]}{change} over {len(weekly)} weeks  {_spark(weekly)}"
    )
    recent = [r["stickiness"] for r in report.section("daily")[-28:] if r["stickiness"] is not None]
    if recent:
        console.print(
            f"  stickiness: {sum(recent) / len(recent):.0%} (average DAU ÷ MAU over the last {len(recent)} days)"
        )
    if report.depth:
        d = report.section("depth")[0]
        console.print(
            f"  sessions: {d['sessions']:,}, median {d['turns_p50']:g} turns (p90 {d['turns_p90']:g}), "
            f"{_share(d['single_turn_share'])} single-turn"
        )
    _features(console, report)
    _teams(console, report, roster)
    _seats(console, seats, roster)


def _features(console: Any, report: AdoptionReport) -> None:
    rows = report.section("features")
    last = rows[-1]["period"] if rows else None
    per: dict[str, dict[str, Any]] = {}
    for r in rows:
        f = per.setdefault(r["feature"], {"feature": r["feature"], "peak": 0, "peak_week": "", "sessions": 0})
        f["sessions"] += r["sessions"]
        f["cost_usd"] = f.get("cost_usd", 0.0) + (r["cost_usd"] or 0.0)
        if r["users"] > f["peak"]:
            f["peak"], f["peak_week"] = r["users"], r["period"]
        if r["period"] == last:
            f["last"] = r["users"]
    abandoned = {a["feature"]: a for a in report.abandoned}
    shown = sorted(per.values(), key=lambda f: -f["sessions"])
    for f in shown:
        f["users_peak"] = f"{f['peak']} ({f['peak_week']})"
        f["users_last"] = f.get("last", 0)
        f["status"] = "abandoned" if f["feature"] in abandoned else "in use"
    console.print(
        table(
            f"Features · users per week, last = {last}",
            [
                ("feature", "feature"),
                ("users_peak", "users (peak week)"),
                ("users_last", "users (last week)"),
                ("sessions", "sessions"),
                ("cost_usd", "cost_usd"),
                ("status", "status"),
            ],
            shown,
        )
    )
    for a in abandoned.values():
        console.print(
            f"  [yellow]abandoned:[/] {a['feature']} peaked at {a['peak_users']} users in {a['peak_period']}, "
            f"{a['last_users']} in {a['last_period']}: use fell by more than half"
        )


def _teams(console: Any, report: AdoptionReport, roster: list[Seat]) -> None:
    rows = sorted(report.section("teams"), key=lambda t: (-(t["adoption"] or 0), -t["active_users"], t["team"]))
    shown = [
        t
        | {
            "users": f"{t['active_users']} of {t['team_size']}",
            "share": _share(t["adoption"]),
            "trend": f"{t['users_prev']} → {t['users_last']}",
        }
        for t in rows
    ]
    console.print(
        table(
            "Teams by adoption · active users of the team's seats",
            [
                ("team", "team"),
                ("users", "active users"),
                ("share", "adoption"),
                ("cost_usd", "cost_usd"),
                ("trend", "users, last 2 weeks"),
            ],
            shown,
        )
    )
    cost = Counter[str]()
    for seat in roster:
        cost[seat.team] += seat.monthly_price
    for t in rows:
        if t["active_users"] == 0:
            console.print(
                f"  [yellow]not adopting:[/] {t['team']}: none of {t['team_size']} seats used "
                f"({money(cost[t['team']])}/month)"
            )


def _seats(console: Any, seats: SeatsReport, roster: list[Seat]) -> None:
    total = sum(s.monthly_price for s in roster)
    idle = {r["days"]: r for r in seats.idle}
    console.print(f"  seats: {len(roster)} on the roster, {money(total)}/month, as of {seats.at}")
    if 30 in idle:
        longest = max(idle)
        console.print(
            f"  [yellow]idle seats:[/] {idle[30]['seats']} with no activity in 30 days, "
            f"{money(idle[30]['monthly_cost'])}/month ({idle[longest]['seats']} of them idle for {longest} days); "
            f"{len(seats.light)} light (under {seats.light_days} active days in 30)"
        )
    if seats.missing_from_roster:
        console.print(f"  {len(seats.missing_from_roster)} active users have no seat on the roster")


def _executable() -> str:
    """How to call tokentrail again: by name when it is on PATH, else by the path that ran it."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "tokentrail"
    if shutil.which("tokentrail") and Path(shutil.which("tokentrail") or "").resolve() == Path(argv0).resolve():
        return "tokentrail"
    return os.path.relpath(argv0) if "/" in argv0 else argv0
