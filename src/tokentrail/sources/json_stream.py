"""Shared readers for whole JSON documents and for telling JSON lines from one document.

ijson streams a document value by value, so a multi-gigabyte export is never held in memory.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from pathlib import Path
from typing import IO, Any

import ijson
import orjson
from ijson.common import ObjectBuilder

from tokentrail.sources.base import BOM


def is_json_lines(head: bytes) -> bool:
    """One JSON object per line: the first line parses alone, or the next line opens another object."""
    first, newline, rest = head.partition(b"\n")
    if newline and rest.lstrip(b" \t\r").startswith(b"{"):
        return True
    try:
        return newline != b"" and isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


def is_claude_code(head: bytes) -> bool:
    """A Claude Code transcript line: neither OTel nor Langfuse may claim it."""
    first = head.split(b"\n", 1)[0].replace(b": ", b":")
    is_turn = b'"type":"assistant"' in first or b'"type":"user"' in first
    return b'"sessionId"' in first and b'"uuid"' in first and is_turn


def open_json(path: Path) -> IO[bytes]:
    """The file opened for ijson, past a UTF-8 byte-order mark (which ijson rejects)."""
    fh = path.open("rb")
    if fh.read(len(BOM)) != BOM:
        fh.seek(0)
    return fh


def stream_objects(fh: IO[bytes], prefixes: Container[str]) -> Iterator[tuple[int, str, Any]]:
    """(top-level value number, prefix, value) for each JSON value found at one of ``prefixes``.

    Values are built one at a time, so memory is bounded by the largest of them, not the file.
    Several top-level values (JSON lines, concatenated documents) are read in turn, numbered from 0.
    Raises ``ijson.JSONError`` on bad JSON.
    """
    builder: ObjectBuilder | None = None
    target, top = "", -1
    for prefix, event, value in ijson.parse(fh, use_float=True, multiple_values=True):
        if builder is not None:
            builder.event(event, value)
            if prefix == target and event in ("end_map", "end_array"):
                yield top, target, builder.value
                builder = None
            continue
        if prefix == "" and event not in ("end_map", "end_array", "map_key"):
            top += 1
        if prefix in prefixes:
            if event in ("start_map", "start_array"):
                builder, target = ObjectBuilder(), prefix
                builder.event(event, value)
            elif event != "map_key":
                yield top, prefix, value
