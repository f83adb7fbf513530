"""Local time, calendar keys and report windows, cut in a named time zone (DST-correct)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from tzlocal import get_localzone_name


class WindowError(ValueError):
    """A bad date or time zone given by the user: one line, says what to do."""


@ibis.udf.scalar.builtin(name="timezone")
def _to_local(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():  # type: ignore[valid-type]
    """The wall-clock time in ``zone`` of a UTC instant (DuckDB's ``timezone``; DST-aware)."""


def machine_zone() -> str:
    try:
        return get_localzone_name() or "UTC"
    except Exception:  # an unusual system clock set-up should not stop a report
        return "UTC"


def check_zone(tz: str | None) -> str:
    if tz is not None and not tz.strip():
        raise WindowError("empty time zone; use an IANA name such as UTC or Europe/Berlin")
    name = tz or machine_zone()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(f"unknown time zone {name!r}; use an IANA name such as UTC or Europe/Berlin") from None
    return name


def parse_day(value: str | date | None, flag: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise WindowError(f"bad {flag} date {value!r}; use YYYY-MM-DD") from None


def local_time(ts: ir.TimestampValue, tz: str) -> ir.TimestampValue:
    return _to_local(tz, ts)


def window(table: ir.Table, local: ir.TimestampValue, since: date | None, until: date | None) -> ir.Table:
    """Rows whose local day is within [since, until], both days included."""
    if since and until and until < since:
        raise WindowError(f"--until {until} is before --since {since}")
    if since:
        table = table.filter(local >= datetime.combine(since, datetime.min.time()))
    if until:
        table = table.filter(local < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    return table


def billed_tokens(t: ir.Table) -> ir.IntegerValue:
    """All billed tokens of each event (reasoning is inside output, so it is not added)."""
    return t.input_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens + t.output_tokens


def calendar_key(local: ir.TimestampValue, key: str) -> ir.StringValue:
    if key == "day":
        return local.date().cast("string")
    if key == "week":
        return local.strftime("%G-W%V")  # ISO week: 2025-W23
    if key == "month":
        return local.strftime("%Y-%m")
    raise KeyError(key)
