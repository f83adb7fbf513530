"""The contract every source follows, and the streaming readers they share.

A source is a module-level object with a ``name``, ``detect(head, path) -> bool`` (``head`` is the
first bytes of the file) and ``parse(path, ctx) -> Iterator[dict | Quarantined | Skipped]``. ``parse``
yields event rows made by :func:`tokentrail.events.new_event`, :class:`Quarantined` records for what
it cannot read and :class:`Skipped` markers for records that hold no event; it never reads a whole
file into memory and never raises on bad content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from tokentrail.events import Quarantined

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
HEAD_BYTES = 64 * 1024
# No single record plausibly carries more tokens than this (the largest context windows hold ~10M;
# a day's usage bucket for a big organisation stays far below it). Larger is corrupt input.
MAX_TOKENS = 10**12


class Source(Protocol):
    name: str
    description: str

    def detect(self, head: bytes, path: Path) -> bool: ...

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]: ...


@dataclass
class ParseContext:
    """What a parse run knows beyond the file: attribution defaults the user gave on the command line."""

    defaults: dict[str, str] = field(default_factory=dict)
    keep_content: bool = True


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that was read fine but carries no event (a title, an undo snapshot): counted, not lost."""

    record_type: str


class SourceError(Exception):
    """A whole input cannot be read (missing, unreadable, wrong format): one line for the user."""


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    with path.open("rb") as fh:
        head = fh.read(size)
    return head[len(BOM) :] if head.startswith(BOM) else head


@dataclass(slots=True)
class Line:
    number: int
    raw: bytes
    complete: bool  # False for a last line with no newline (possibly still being written)


def iter_lines(path: Path, chunk_size: int = 1 << 20) -> Iterator[Line]:
    """Lines split on ``\\n`` only, so U+2028/U+2029/U+0085 inside strings never split a record.

    Reads in binary chunks (memory bounded by the longest line), drops a leading UTF-8 BOM and
    skips blank lines. The last line is marked incomplete when the file does not end in a newline.
    """
    number = 0
    pending = b""
    first = True
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(chunk_size)
            if not chunk:
                break
            if first:
                if chunk.startswith(BOM):
                    chunk = chunk[len(BOM) :]
                first = False
            parts = chunk.split(b"\n")
            parts[0] = pending + parts[0]
            pending = parts.pop()
            for raw in parts:
                number += 1
                if raw.strip():
                    yield Line(number, raw.rstrip(b"\r"), True)
    if pending.strip():
        yield Line(number + 1, pending.rstrip(b"\r"), False)


def loads(raw: bytes) -> tuple[Any, list[str]]:
    """Parse one JSON value; invalid UTF-8 is replaced (and flagged) rather than losing the record."""
    try:
        return orjson.loads(raw), []
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", errors="replace")
        try:
            value = json.loads(text)  # raises ValueError when the record really is broken
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        return value, (["invalid_utf8"] if "\ufffd" in text and b"\xef\xbf\xbd" not in raw else [])


def recover_glued(raw: bytes) -> list[Any]:
    """Records glued behind a torn prefix on one physical line (a crash mid-write, then an append).

    Scans for each later ``{"`` and decodes complete JSON objects from there; returns what it found.
    """
    text = raw.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos = text.find('{"', 1)
    while pos != -1:
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            pos = text.find('{"', pos + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        pos = text.find('{"', end)
    return found


def iter_json_records(path: Path) -> Iterator[tuple[Line, dict[str, Any], list[str]] | Quarantined]:
    """Each JSONL line as a dict (with data-quality flags), or a quarantine record saying why not."""
    name = str(path)
    for line in iter_lines(path):
        try:
            value, flags = loads(line.raw)
        except ValueError as exc:
            recovered = recover_glued(line.raw) if line.complete else []
            if recovered:
                yield Quarantined(name, line.number, f"torn record before a recovered one: {exc}", line.raw)
                for value in recovered:
                    yield line, value, ["recovered_from_torn_line"]
                continue
            reason = "incomplete trailing line (no newline at end of file)" if not line.complete else f"bad JSON: {exc}"
            yield Quarantined(name, line.number, reason, line.raw)
            continue
        if not isinstance(value, dict):
            yield Quarantined(name, line.number, f"expected a JSON object, got {type(value).__name__}", line.raw)
            continue
        yield line, value, flags


def to_int(value: Any, flags: list[str], field_name: str) -> int:
    """A token count as a non-negative int. Missing or null is 0 (unflagged: a caller that can tell an
    explicit null from an absent field flags it); negative or implausibly large is 0 (flagged).

    Numeric strings are accepted ("150" -> 150). Anything else is 0 and flagged: a bad count must
    never be summed, and never crash the record.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        flags.append(f"bad_{field_name}")
        return 0
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer() and abs(value) <= MAX_TOKENS:
        n = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 20:
        n = int(value.strip())
    else:
        flags.append(f"bad_{field_name}")
        return 0
    if n < 0:
        flags.append(f"negative_{field_name}")
        return 0
    if n > MAX_TOKENS:
        flags.append(f"implausible_{field_name}")
        return 0
    return n


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 strings (``Z`` or offsets; naive means UTC), epoch seconds, milliseconds or nanoseconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        v = float(value)
        if v > 1e17:  # nanoseconds
            v /= 1e9
        elif v > 1e14:  # microseconds
            v /= 1e6
        elif v > 1e11:  # milliseconds
            v /= 1e3
        try:
            return datetime.fromtimestamp(v, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        if len(value) == 24 and value[-1] == "Z":  # the common "2025-06-08T10:00:00.000Z": fast path
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        s = value.strip()
        if not s:
            return None
        if s.lstrip("-").replace(".", "", 1).isdigit():
            return parse_time(float(s))
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith(("Z", "z")) else s)
        except ValueError:
            return None
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return None


def split_inclusive_input(total_input: int, cache_read: int, cache_write: int, flags: list[str]) -> int:
    """Uncached input from a count that already includes cache reads and writes (OpenAI, OTel).

    A result below zero means the source was not inclusive after all; it is flagged, not clamped
    silently, and the uncached count is taken as 0.
    """
    uncached = total_input - cache_read - cache_write
    if uncached < 0:
        flags.append("input_less_than_cache")
        return 0
    return uncached


def stringify_attributes(attrs: dict[str, Any] | None) -> dict[str, str] | None:
    """Custom metadata as a string map (nested values as compact JSON)."""
    if not attrs:
        return None
    out: dict[str, str] = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[str(k)] = v if isinstance(v, str) else orjson.dumps(v, default=str).decode()
    return out or None
