"""Outcome signals: a CSV of (user or team, date, metric, value) rows, e.g. pull requests merged.

Not an event source (it holds no AI usage, so it is not in the source registry): it is what an
organisation measures about its people's work, which the outcomes report sets beside the logs.
Every bad line is an error naming the file and line, because a misread signal quietly moves a
before/after difference or a correlation.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tokentrail.sources.base import SourceError
from tokentrail.sources.csv_input import read_csv_file

REQUIRED = ("date", "metric", "value")
UNITS = ("user_id", "team_id")  # at least one of these columns


class SignalsError(SourceError):
    """A signals file that cannot be read: one line naming the file and line."""


# Far above any real weekly metric, and small enough that a year of sums cannot overflow a float.
MAX_VALUE = 1e12


@dataclass(frozen=True, slots=True)
class Signal:
    level: str  # "user" or "team"
    unit_id: str
    day: date
    metric: str
    value: float
    line: int = 0  # line in the CSV (header = 1), for messages


def load_signals(path: str | Path) -> list[Signal]:
    """Read and check a signals CSV; raises :class:`SignalsError` on the first bad line.

    A row with a ``user_id`` is a user signal (its ``team_id``, if any, is not used); a row with only
    a ``team_id`` is a team signal. Several rows for the same unit, day and metric are all kept
    (the report sums them per week).
    """
    return read_csv_file(path, "signals file", SignalsError, _parse)


def _parse(name: str, fh: object) -> list[Signal]:
    reader = csv.reader(fh)  # type: ignore[arg-type]
    header = next(reader, None)
    expected = f"user_id (or team_id),{','.join(REQUIRED)}"
    if header is None:
        raise SignalsError(f"{name}: empty signals file; expected a header line: {expected}")
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if not any(c in columns for c in UNITS):
        missing.insert(0, "user_id or team_id")
    if missing:
        raise SignalsError(f"{name} line 1: missing column(s) {', '.join(missing)}; header must name {expected}")
    at = {c: columns.index(c) for c in (*UNITS, *REQUIRED) if c in columns}
    signals: list[Signal] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines (a trailing newline in a spreadsheet export) carry no signal
        if len(cells) < len(columns):
            cells = cells + [""] * (len(columns) - len(cells))
        elif len(cells) > len(columns):
            raise SignalsError(f"{name} line {line}: {len(cells)} fields, the header has {len(columns)}")
        value = {c: cells[i].strip() for c, i in at.items()}
        user, team = value.get("user_id", ""), value.get("team_id", "")
        if not user and not team:
            raise SignalsError(f"{name} line {line}: no user_id or team_id; every row needs one")
        if not value["metric"]:
            raise SignalsError(f"{name} line {line}: empty metric")
        signals.append(
            Signal(
                level="user" if user else "team",
                unit_id=user or team,
                day=_day(name, line, value["date"]),
                metric=value["metric"],
                value=_value(name, line, value["value"]),
                line=line,
            )
        )
    return signals


def _day(name: str, line: int, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SignalsError(f"{name} line {line}: date {text!r} is not a date; use YYYY-MM-DD") from None


def _value(name: str, line: int, text: str) -> float:
    try:
        number = float(text.replace(",", ""))  # "1,234" as spreadsheets format it
    except ValueError:
        raise SignalsError(f"{name} line {line}: value {text!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        raise SignalsError(f"{name} line {line}: value {text!r} must be a finite number of at most {MAX_VALUE:.0e}")
    return number
