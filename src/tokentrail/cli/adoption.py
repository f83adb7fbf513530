"""``tokentrail report adoption`` and ``tokentrail seats``: adoption and seat utilisation, for people and machines."""

from __future__ import annotations

from typing import Any

import click

from tokentrail.analyses.adoption import PERIODS, SECTIONS, SEGMENTS, AdoptionReport, adoption_report
from tokentrail.analyses.seats import DEFAULT_LIGHT_DAYS, seats_report
from tokentrail.cli.options import db_option
from tokentrail.outputs.render import FORMATS, money, table, to_csv, to_json
from tokentrail.outputs.render import console as console_
from tokentrail.pricing import PRICE_DATA
from tokentrail.sources.roster import load_roster
from tokentrail.store import Store
from tokentrail.version import __version__

_TITLES = {
    "active": "Active users per {period}",
    "daily": "Daily active users (rolling WAU = 7 days, MAU = 30 days)",
    "lifecycle": "New, returning, reactivated and churned users per {period}",
    "cohorts": "Weekly cohort retention (share of the cohort active k weeks later)",
    "depth": "Session depth (median and p90 per session)",
    "features": "Feature use per {period}",
    "abandoned": "Abandoned features (last {period} below half the peak)",
    "teams": "Teams",
    "latency": "Latency per step kind and model (ms)",
}
_MONEY_KEYS = ("monthly_price", "monthly_cost")
_SHARES = {"stickiness", "adoption", "single_turn_share"}


def _flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cohort lists as columns (``retained_0``, ``rate_0``, ...), so CSV and tables can hold them."""
    out = []
    for row in rows:
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, list):
                flat.update({f"{key}_{i}": v for i, v in enumerate(value)})
            else:
                flat[key] = value
        out.append(flat)
    return out


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a rich table: money as money, shares as percentages, other floats to two decimals."""
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for key, value in row.items():
            # keys ending in "_usd" are formatted by the table itself
            if key in _MONEY_KEYS or (key.startswith("cost_usd") and not key.endswith("_usd")):
                shown[key] = money(value) if value is not None else "—"
            elif key == "rate" and isinstance(value, list):
                # a cohort's retention in one cell: "100% 50% 100%" reads left to right, week by week
                shown["retention by week"] = " ".join(f"{v:.0%}" for v in value)
            elif key == "retained":
                continue  # the counts are in JSON and CSV; the table shows the rates
            elif isinstance(value, float) and key in _SHARES:
                shown[key] = f"{value:.1%}"
            elif isinstance(value, float) and not key.endswith("_usd"):
                shown[key] = f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
            else:
                shown[key] = value
        out.append(shown)
    return out


def _print_rows(console: Any, title: str, rows: list[dict[str, Any]], caption: str | None = None) -> None:
    if not rows:
        console.print(f"{title}: nothing to show")
        return
    shown = _display(rows)
    columns = _columns(shown)
    console.print(table(title, [(c, c.replace("_", " ")) for c in columns], shown, caption=caption))


def _provenance(store: Store, tz: str) -> str:
    price_data = store.get_meta("price_data") or PRICE_DATA
    return f"tokentrail {__version__} · prices: {price_data} · times in {tz}"


@click.command("adoption")
@click.option("--by", "by", type=click.Choice(list(SEGMENTS)), default=None, help="Split user figures by this segment.")
@click.option("--period", type=click.Choice(PERIODS), default="week", show_default=True, help="Period of the series.")
@click.option("--since", help="First local day to include (YYYY-MM-DD).")
@click.option("--until", help="Last local day to include (YYYY-MM-DD).")
@click.option("--tz", help="Time zone that cuts days, weeks and months (default: this machine's).")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    default=None,
    help="Seat roster CSV (user_id,team,seat_type,monthly_price[,start_date]): team sizes come from it.",
)
@click.option(
    "--section",
    type=click.Choice(SECTIONS),
    default=None,
    help="Show one section only (CSV shows one section; default: active).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def adoption(
    by: str | None,
    period: str,
    since: str | None,
    until: str | None,
    tz: str | None,
    roster: str | None,
    section: str | None,
    fmt: str,
    db: str | None,
) -> None:
    """Active users (DAU/WAU/MAU, stickiness), lifecycle, cohorts, session depth, features, teams, latency."""
    seats = load_roster(roster) if roster else None
    with Store.open(db, read_only=True) as store:
        result = adoption_report(store.events(), by=by, period=period, since=since, until=until, tz=tz, roster=seats)
        provenance = _provenance(store, result.tz)
    if fmt == "json":
        payload = result.as_json()
        if section:
            payload = {"window": payload["window"], section: payload[section]}
        click.echo(to_json(payload))
        click.echo(provenance, err=True)
        return
    if fmt == "csv":
        rows = _flat(result.section(section or "active"))
        click.echo(to_csv(rows, _columns(rows)), nl=False)
        click.echo(provenance, err=True)
        return
    _adoption_tables(result, section, provenance)


def _adoption_tables(result: AdoptionReport, section: str | None, provenance: str) -> None:
    console = console_()
    if result.since is None:
        console.print("No activity in this window: no LLM call, tool call or prompt with a user id.")
        console.print(provenance)
        return
    # The daily series is long: shown only when asked for; JSON always has it.
    names = [section] if section else [s for s in SECTIONS if s != "daily"]
    window = f"{result.since} to {result.until}" + (f" · by {result.segment}" if result.segment else "")
    for name in names:
        title = _TITLES[name].format(period=result.period)
        rows = result.section(name)
        _print_rows(console, f"{title} · {window}", rows if name == "cohorts" else _flat(rows))
    console.print(provenance)


@click.command("seats")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    required=True,
    help="Seat roster CSV: user_id,team,seat_type,monthly_price[,start_date].",
)
@click.option("--at", "at", help="Measure as of this local day (YYYY-MM-DD; default: the latest event's day).")
@click.option("--tz", help="Time zone that cuts days (default: this machine's).")
@click.option(
    "--light-days",
    type=click.IntRange(min=1),
    default=DEFAULT_LIGHT_DAYS,
    show_default=True,
    help="A seat used on fewer active days than this in the last 30 is light.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def seats(roster: str, at: str | None, tz: str | None, light_days: int, fmt: str, db: str | None) -> None:
    """Idle and light seats, the monthly cost of idle seats, and roster/log mismatches."""
    seat_list = load_roster(roster)
    with Store.open(db, read_only=True) as store:
        result = seats_report(store.events(), seat_list, at=at, tz=tz, light_days=light_days)
        provenance = _provenance(store, result.tz)
    if fmt == "json":
        click.echo(to_json(result.as_json()))
        click.echo(provenance, err=True)
        return
    if fmt == "csv":
        click.echo(to_csv(result.seats, _columns(result.seats)), nl=False)
        click.echo(provenance, err=True)
        return
    console = console_()
    order = {"idle_90": 0, "idle_60": 1, "idle_30": 2, "light": 3, "new": 4, "active": 5}
    rows = sorted(result.seats, key=lambda s: (order[s["status"]], -s["monthly_price"], s["user_id"]))
    _print_rows(console, f"Seats as of {result.at} ({len(rows)} on the roster)", rows)
    _print_rows(console, "Idle seats: no activity in the last N days", result.idle)
    _print_rows(console, "On the roster, never in the logs", result.missing_from_logs)
    _print_rows(console, "In the logs, not on the roster", result.missing_from_roster)
    console.print(provenance)
