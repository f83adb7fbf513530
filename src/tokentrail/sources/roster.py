"""The seat roster: a CSV of paid seats (user_id, team, seat_type, monthly_price, optional start_date).

Not an event source (it holds no events, so it is not in the source registry): it is the list of
people an organisation pays for, which the adoption and seat reports compare with the logs. Every
bad line is an error naming the file and line, because a roster silently read wrong turns straight
into a wrong idle-seat bill.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tokentrail.sources.base import SourceError
from tokentrail.sources.csv_input import read_csv_file

REQUIRED = ("user_id", "team", "seat_type", "monthly_price")
OPTIONAL = ("start_date",)


class RosterError(SourceError):
    """A roster that cannot be read: one line naming the file and line."""


@dataclass(frozen=True, slots=True)
class Seat:
    user_id: str
    team: str
    seat_type: str
    monthly_price: float
    start_date: date | None = None
    line: int = 0  # line in the CSV (header = 1), for messages


def load_roster(path: str | Path) -> list[Seat]:
    """Read and check a roster CSV; raises :class:`RosterError` on the first bad line."""
    return read_csv_file(path, "roster", RosterError, _parse)


def _parse(name: str, fh: object) -> list[Seat]:
    reader = csv.reader(fh)  # type: ignore[arg-type]
    header = next(reader, None)
    if header is None:
        raise RosterError(f"{name}: empty roster; expected a header line: {','.join(REQUIRED)}[,start_date]")
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise RosterError(
            f"{name} line 1: missing column(s) {', '.join(missing)}; header must name {', '.join(REQUIRED)}"
        )
    at = {c: columns.index(c) for c in (*REQUIRED, *OPTIONAL) if c in columns}
    seats: list[Seat] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines (a trailing newline in a spreadsheet export) carry no seat
        if len(cells) < len(columns):
            cells = cells + [""] * (len(columns) - len(cells))
        elif len(cells) > len(columns):
            raise RosterError(f"{name} line {line}: {len(cells)} fields, the header has {len(columns)}")
        value = {c: cells[i].strip() for c, i in at.items()}
        for c in ("user_id", "team", "seat_type"):
            if not value[c]:
                raise RosterError(f"{name} line {line}: empty {c}")
        if value["user_id"] in seen:
            raise RosterError(
                f"{name} line {line}: user {value['user_id']!r} already has a seat on line {seen[value['user_id']]}"
            )
        seen[value["user_id"]] = line
        seats.append(
            Seat(
                user_id=value["user_id"],
                team=value["team"],
                seat_type=value["seat_type"],
                monthly_price=_price(name, line, value["monthly_price"]),
                start_date=_start(name, line, value.get("start_date", "")),
                line=line,
            )
        )
    return seats


def _price(name: str, line: int, text: str) -> float:
    try:
        price = float(text.replace(",", "").lstrip("$"))  # "$1,200.00" as spreadsheets format it
    except ValueError:
        raise RosterError(f"{name} line {line}: monthly_price {text!r} is not a number") from None
    if not math.isfinite(price) or price < 0:
        raise RosterError(f"{name} line {line}: monthly_price {text!r} must be a finite amount, zero or more")
    return price


def _start(name: str, line: int, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RosterError(f"{name} line {line}: start_date {text!r} is not a date; use YYYY-MM-DD") from None
