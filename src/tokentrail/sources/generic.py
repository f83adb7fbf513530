"""Generic JSON / JSONL logs, as organisations write them from their own gateways and apps.

Accepts JSONL (one object per line), a JSON array of objects, ``{"events": [...]}`` /
``{"data": [...]}`` / ``{"records": [...]}`` (arrays are streamed with ijson), or a single object.
Field names and their aliases are in :data:`tokentrail.sources.generic_fields.ALIASES`; the rule
that decides whether a record's input count includes cache tokens is in that module's docstring:
OpenAI's ``prompt_tokens`` family (and Gemini's ``promptTokenCount``) is inclusive, Anthropic's
``input_tokens`` + ``cache_*_input_tokens``, Bedrock Converse and our own canonical names are
exclusive.

Rules a reviewer will look for:

* a record without a readable timestamp is quarantined, with the reason;
* ``usage: null`` (or an LLM call with no token field at all) keeps the event, flagged
  ``usage_missing``; a null count is 0 flagged ``null_<field>``; ``"150"`` is 150; a negative count
  is 0 flagged ``negative_<field>`` and the record's other counts still count;
* a reported cost is kept as ``cost_reported_usd`` only; 0 with tokens is flagged
  ``cost_reported_zero`` (pricing computes the real cost later);
* ``event_id`` never depends on the file, so one record in two files is one event.

This is the fallback source: it is tried last and claims a file only when its first object has a
known timestamp, model or token field, and is not a Claude Code transcript, OTLP or Langfuse export.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import orjson

from tokentrail.events import Quarantined
from tokentrail.sources.base import BOM, ParseContext, iter_json_records, read_head
from tokentrail.sources.generic_fields import ALIASES, FIELD_DOCS, detection_keys
from tokentrail.sources.generic_record import to_event

__all__ = ["ALIASES", "FIELD_DOCS", "SOURCE", "GenericSource"]

WRAPPER_KEYS = ("events", "data", "records")
_DETECT_KEYS = detection_keys()
# Top-level keys of formats other sources own: OTLP JSON and Langfuse trace exports.
_FOREIGN_KEYS = frozenset({"resourceSpans", "resource_spans", "resourceLogs", "resourceMetrics", "observations"})
_CLAUDE_CODE_TYPES = frozenset({"user", "assistant", "summary", "system", "file-history-snapshot", "queue-operation"})
_CLAUDE_CODE_KEYS = ("uuid", "leafUuid", "parentUuid")
_ITEM_PREFIX = re.compile(r"^(?:item|(?:" + "|".join(WRAPPER_KEYS) + r")\.item)$")


def _is_claude_code(obj: dict[str, Any]) -> bool:
    return obj.get("type") in _CLAUDE_CODE_TYPES and any(k in obj for k in _CLAUDE_CODE_KEYS)


def _first_lines(head: bytes, count: int = 2) -> list[bytes]:
    lines = [ln.strip() for ln in head.split(b"\n")]
    return [ln for ln in lines if ln][:count]


def _wrapped_list(obj: dict[str, Any]) -> bool:
    return any(isinstance(obj.get(k), list) for k in WRAPPER_KEYS)


def _first_jsonl_object(head: bytes) -> dict[str, Any] | None:
    """The first JSONL record in the head, or None when the head is not JSONL.

    A pretty-printed document fails on its first two lines; a JSONL file whose first line is torn
    still has a whole object on its second.
    """
    for line in _first_lines(head):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and not _wrapped_list(value):
            return value
        return None
    return None


def is_jsonl(head: bytes) -> bool:
    """JSONL unless the head is an array, a one-line wrapper object, or a pretty-printed document."""
    head = head[len(BOM) :] if head.startswith(BOM) else head
    stripped = head.lstrip()
    if stripped.startswith(b"["):
        return False
    lines = _first_lines(stripped)
    for line in lines:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        return not (isinstance(value, dict) and _wrapped_list(value))
    # Nothing parsed: one broken line is a torn JSONL record (quarantined); two are a document.
    return len(lines) < 2


def _document_keys(head: bytes) -> tuple[set[str], set[str]]:
    """(top-level keys, keys of the first record) of a JSON document, from a possibly cut-off head."""
    top: set[str] = set()
    first: set[str] = set()
    first_prefix: str | None = None
    try:
        for prefix, event, value in ijson.parse(head):
            if event == "map_key" and prefix == "":
                top.add(value)
            if first_prefix is None and event == "start_map" and _ITEM_PREFIX.match(prefix):
                first_prefix = prefix
            elif first_prefix is not None and event == "map_key" and prefix.startswith(first_prefix):
                first.add(value)  # the record's own keys and those of its nested usage object
            elif first_prefix is not None and event == "end_map" and prefix == first_prefix:
                break
    except ijson.JSONError:
        pass  # the head cuts the document off; what was read so far is enough
    return top, (first if first_prefix is not None else top)


def detect(head: bytes, path: Path) -> bool:
    text = head.lstrip()
    if not text.startswith((b"{", b"[")):
        return False
    obj = _first_jsonl_object(text)
    if obj is not None:
        if _is_claude_code(obj) or _FOREIGN_KEYS & obj.keys():
            return False
        usage = obj.get("usage")
        keys = set(obj) | (set(usage) if isinstance(usage, dict) else set())
        return bool(keys & _DETECT_KEYS)
    top, first = _document_keys(text)
    # A Langfuse export starts with its `trace` object; `observations` may lie past the head.
    if top & _FOREIGN_KEYS or "trace" in top:
        return False
    return bool(first & _DETECT_KEYS)


def _parse_jsonl(path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined]:
    name = str(path)  # once, not per record
    for item in iter_json_records(path):
        if isinstance(item, Quarantined):
            yield item
            continue
        line, record, flags = item
        result = to_event(record, f"{name}:{line.number}", flags, ctx)
        yield result if isinstance(result, dict) else Quarantined(name, line.number, result, line.raw)


class _RepairingReader:
    """A binary reader that replaces invalid UTF-8 (where ijson would stop) and notes that it did."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.repaired = False

    def read(self, size: int = -1) -> bytes:
        while True:
            chunk = self._fh.read(size)
            text = self._decoder.decode(chunk, final=not chunk)
            if text.count("\ufffd") > chunk.count(b"\xef\xbf\xbd"):
                self.repaired = True
            if text or not chunk:  # an empty result must mean end of file to ijson
                return text.encode("utf-8")


@contextmanager
def _open_document(path: Path) -> Iterator[_RepairingReader]:
    with path.open("rb") as fh:
        if fh.read(len(BOM)) != BOM:
            fh.seek(0)
        yield _RepairingReader(fh)


def _array_prefix(path: Path) -> str:
    """Where the records are: ``item`` for an array, ``<wrapper>.item``, or ``""`` for one object."""
    with _open_document(path) as fh:
        for prefix, event, _value in ijson.parse(fh):
            if event == "start_array" and prefix == "":
                return "item"
            if event == "start_array" and prefix in WRAPPER_KEYS:
                return f"{prefix}.item"
            if event == "end_map" and prefix == "":
                break
    return ""


def _has_replacement(record: dict[str, Any]) -> bool:
    return "\ufffd" in orjson.dumps(record, default=str).decode()


def _parse_document(path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined]:
    name = str(path)
    index = 0
    try:
        prefix = _array_prefix(path)
        with _open_document(path) as fh:
            for index, record in enumerate(ijson.items(fh, prefix, use_float=True), start=1):
                if not isinstance(record, dict):
                    raw = orjson.dumps(record, default=str)
                    yield Quarantined(name, None, f"item {index}: expected a JSON object", raw)
                    continue
                flags = ["invalid_utf8"] if fh.repaired and _has_replacement(record) else []
                result = to_event(record, f"{name}#{index}", flags, ctx)
                if isinstance(result, dict):
                    yield result
                else:
                    raw = orjson.dumps(record, default=str)
                    yield Quarantined(name, None, f"item {index}: {result}", raw)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        if index == 0:
            # Not a document after all (e.g. JSONL whose first lines are torn): read it line by line.
            yield from _parse_jsonl(path, ctx)
            return
        yield Quarantined(name, None, f"bad JSON after item {index}: {exc}", b"")


class GenericSource:
    name = "generic"
    description = (
        "Generic JSON/JSONL logs: your own gateway or app logs, OpenAI / Anthropic / Bedrock / "
        "Gemini usage shapes, LiteLLM spend logs"
    )

    def detect(self, head: bytes, path: Path) -> bool:
        return detect(head, path)

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined]:
        if is_jsonl(read_head(path)):
            yield from _parse_jsonl(path, ctx)
        else:
            yield from _parse_document(path, ctx)


SOURCE = GenericSource()
