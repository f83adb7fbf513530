"""Opening the CSV side inputs (seat rosters, productivity signals) with one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")


def read_csv_file(path: str | Path, what: str, error: type[Exception], parse: Callable[[str, IO[str]], T]) -> T:
    """``parse(name, file)`` on the opened CSV; a missing, non-UTF-8 or folder path raises ``error``.

    ``what`` names the input in messages ("roster", "signals file").
    """
    path = Path(path)
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark in front of the header.
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return parse(path.name, fh)
    except FileNotFoundError:
        raise error(f"{what} {path} not found") from None
    except UnicodeDecodeError:
        raise error(f"{what} {path.name}: not UTF-8 text; save it as UTF-8 CSV") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder; give the CSV file") from None
