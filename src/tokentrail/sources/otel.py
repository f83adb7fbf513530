"""OpenTelemetry traces: OTLP/JSON as the Collector's file exporter writes it, and flat attribute maps.

One event per span, from: OTLP/JSON ``{"resourceSpans": [...]}`` requests, one per line (the file
exporter) or one pretty-printed document (streamed span by span with ijson), with hex or base64 ids
and int64 values as strings; span records with a plain ``attributes`` object (Phoenix exports, OTel
JS dumps); and flat attribute maps (``{"gen_ai.usage.input_tokens": 97, ...}``), whose event id is a
hash of their content since they carry no ids.

:mod:`tokentrail.sources.genai_attrs` reads what a span means; spans without GenAI meaning still
become ``agent`` (or, with no duration, ``event``) rows so trace trees stay whole. Resource
attributes fill what spans leave open: ``service.name`` is the project, ``deployment.environment``
the environment.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ijson
import orjson

from tokentrail.events import Quarantined, new_event, stable_id
from tokentrail.sources.base import (
    ParseContext,
    Skipped,
    iter_json_records,
    parse_time,
    read_head,
    stringify_attributes,
)
from tokentrail.sources.genai_attrs import map_genai_attributes
from tokentrail.sources.json_stream import is_claude_code, is_json_lines, open_json, stream_objects

NAME = "otel"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX_ID = re.compile(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{32}")
_ATTR_KEY = re.compile(rb'"(?:gen_ai|llm|ai|traceloop|openinference)\.[\w.]+"\s*:')
_GENAI_KEY = re.compile(r"^(?:gen_ai|llm|ai|traceloop|openinference)\.")
_LANGFUSE_MARKS = (b'"observations"', b'"usageDetails"', b'"parentObservationId"')
_CLIENT_KINDS = (3, "SPAN_KIND_CLIENT")
_ERROR_CODES = (2, "STATUS_CODE_ERROR", "ERROR")
_SPANS = "resourceSpans.item.scopeSpans.item.spans.item"
_SPAN_PREFIXES = frozenset({_SPANS, "resourceSpans.item.instrumentationLibrarySpans.item.spans.item"})
_STREAM_PREFIXES = _SPAN_PREFIXES | {
    f"resourceSpans.item.{p}"
    for p in ("resource", "scopeSpans.item.scope", "instrumentationLibrarySpans.item.instrumentationLibrary")
}


class OtelSource:
    name = NAME
    description = "OpenTelemetry traces: OTLP/JSON files (Collector file exporter) and GenAI attribute maps"

    def detect(self, head: bytes, path: Path) -> bool:
        if not head.lstrip().startswith((b"{", b"[")) or is_claude_code(head):
            return False
        if b'"resourceSpans"' in head:
            return True
        return bool(_ATTR_KEY.search(head)) and not any(m in head for m in _LANGFUSE_MARKS)

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
        head = read_head(path).lstrip()
        if not head.startswith(b"[") and is_json_lines(head):
            yield from _jsonl(path, ctx)
        else:
            # One document: OTLP is streamed span by span; an array item by item; a lone attribute
            # map or span record is one span, built whole as any parser would have to.
            items_at = "item" if head.startswith(b"[") else _SPANS if b'"resourceSpans"' in head else ""
            yield from _stream(path, ctx, items_at)


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a record was read, for ``source_ref`` and quarantine entries."""

    path: Path
    line: int | None = None
    item: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return f"{self.path}#{self.item}" if self.item is not None else str(self.path)

    def quarantine(self, reason: str, value: Any) -> Quarantined:
        raw = value if isinstance(value, bytes) else orjson.dumps(value, default=str)
        return Quarantined(str(self.path), self.line, reason, raw)


@dataclass(slots=True)
class _Span:
    """A span in any of the shapes read, reduced to what the event needs."""

    attrs: dict[str, Any]
    start: datetime
    end: datetime | None = None
    trace_id: str | None = None
    span_id: str | None = None
    parent_id: str | None = None
    name: str | None = None
    error: bool = False
    error_type: str | None = None
    remote: bool = False
    resource: dict[str, Any] = field(default_factory=dict)


def _jsonl(path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    for item in iter_json_records(path):
        if isinstance(item, Quarantined):
            yield item
            continue
        line, rec, flags = item
        yield from _record(rec, _Where(path, line.number), ctx, flags)


def _stream(path: Path, ctx: ParseContext, items_at: str) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    """One (possibly huge) document, a span or array item in memory at a time. Encoders write a
    resource before its spans; a span streamed before it would miss its attributes, not be lost."""
    resource: dict[str, Any] = {}
    scope: dict[str, Any] = {}
    count = 0
    with open_json(path) as fh:
        try:
            for _, at, value in stream_objects(fh, _STREAM_PREFIXES | {items_at}):
                if at.endswith(".resource"):
                    resource = _decode_attributes((value or {}).get("attributes"))
                    continue
                if at.endswith((".scope", ".instrumentationLibrary")):
                    scope = value if isinstance(value, dict) else {}
                    continue
                count += 1
                where = _Where(path, None, count)
                if at in _SPAN_PREFIXES:
                    yield _otlp_span(value, resource, scope, where, ctx, [])
                elif isinstance(value, dict):
                    yield from _record(value, where, ctx, [])
                else:
                    yield where.quarantine(f"item {count} is not a JSON object", value)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            yield _Where(path).quarantine(f"bad JSON after {count} items: {exc}", b"")


def _record(
    rec: dict[str, Any], where: _Where, ctx: ParseContext, flags: list[str]
) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    """One JSON object: an OTLP request, a span record or a flat attribute map."""
    if "resourceSpans" in rec:
        yield from _request(rec, where, ctx, flags)
    elif isinstance(rec.get("attributes"), dict):
        span = _span_record(rec)
        yield _row(span, where, ctx, flags) if span else where.quarantine("span without a start time", rec)
    elif any(isinstance(k, str) and _GENAI_KEY.match(k) for k in rec):
        yield _flat_map(rec, where, ctx, flags)
    else:
        yield where.quarantine("neither an OTLP request, a span record nor a GenAI attribute map", rec)


def _request(
    rec: dict[str, Any], where: _Where, ctx: ParseContext, flags: list[str]
) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    spans = 0
    for rs in rec.get("resourceSpans") or []:
        if not isinstance(rs, dict):
            continue
        resource = _decode_attributes((rs.get("resource") or {}).get("attributes"))
        # instrumentationLibrarySpans: the pre-1.0 OTLP name, still written by old exporters.
        for ss in (rs.get("scopeSpans") or []) + (rs.get("instrumentationLibrarySpans") or []):
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or {}
            for span in ss.get("spans") or []:
                spans += 1
                yield _otlp_span(span, resource, scope, where, ctx, flags)
    if not spans:
        yield Skipped("otel:empty_request")


def _otlp_span(
    raw: Any,
    resource: dict[str, Any],
    scope: dict[str, Any],
    where: _Where,
    ctx: ParseContext,
    flags: list[str],
) -> dict[str, Any] | Quarantined:
    if not isinstance(raw, dict):
        return where.quarantine("span is not a JSON object", raw)
    start = _from_nanos(raw.get("startTimeUnixNano"))
    if start is None:
        return where.quarantine("span without a start time", raw)
    attrs = _decode_attributes(raw.get("attributes"))
    if scope.get("name"):
        attrs.setdefault("otel.scope.name", scope["name"])
    status = raw.get("status") or {}
    error = status.get("code") in _ERROR_CODES
    span = _Span(
        attrs,
        start,
        _from_nanos(raw.get("endTimeUnixNano")),
        trace_id=_hex_id(raw.get("traceId")),
        span_id=_hex_id(raw.get("spanId")),
        parent_id=_hex_id(raw.get("parentSpanId")),
        name=raw.get("name"),
        error=error,
        error_type=_exception_type(raw.get("events")) or (status.get("message") or None if error else None),
        remote=raw.get("kind") in _CLIENT_KINDS,
        resource=resource,
    )
    return _row(span, where, ctx, flags)


def _span_record(rec: dict[str, Any]) -> _Span | None:
    """Spans already decoded to plain objects: Phoenix (``context.trace_id``) or OTel JS (``spanContext``)."""
    start = _time(rec.get("start_time") or rec.get("startTime"))
    if start is None:
        return None
    context = rec.get("context") or rec.get("spanContext") or {}
    status = rec.get("status") if isinstance(rec.get("status"), dict) else {}
    error = (status.get("code") or rec.get("status_code")) in _ERROR_CODES
    return _Span(
        _flatten(rec["attributes"]),
        start,
        _time(rec.get("end_time") or rec.get("endTime")),
        trace_id=_hex_id(context.get("trace_id") or context.get("traceId") or rec.get("traceId")),
        span_id=_hex_id(context.get("span_id") or context.get("spanId") or rec.get("spanId")),
        parent_id=_hex_id(rec.get("parent_id") or rec.get("parentSpanId")),
        name=rec.get("name"),
        error=error,
        error_type=(status.get("message") or rec.get("status_message") or None) if error else None,
        remote=rec.get("kind") in (*_CLIENT_KINDS, "CLIENT"),
    )


def _flat_map(rec: dict[str, Any], where: _Where, ctx: ParseContext, flags: list[str]) -> dict[str, Any]:
    attrs = _flatten(rec)
    start = _time(attrs.get("start_time") or attrs.get("startTime") or attrs.get("timestamp"))
    if start is None:
        # An attribute map has no time of its own; the file's time keeps the row usable, flagged.
        start = datetime.fromtimestamp(where.path.stat().st_mtime, tz=UTC)
        flags = [*flags, "started_at_from_file_mtime"]
    span = _Span(attrs, start, trace_id=_hex_id(attrs.get("trace_id")), span_id=_hex_id(attrs.get("span_id")))
    if span.span_id is None:
        # No ids to derive a stable event id from: the content itself is the identity.
        span.span_id = stable_id(orjson.dumps(rec, option=orjson.OPT_SORT_KEYS, default=str).decode())
    return _row(span, where, ctx, flags)


def _row(span: _Span, where: _Where, ctx: ParseContext, flags: list[str]) -> dict[str, Any]:
    row_flags = list(flags)
    fields = map_genai_attributes(span.attrs, row_flags, remote=span.remote)
    res, defaults = span.resource, ctx.defaults
    timed = span.end is not None and span.end > span.start
    kind = fields.pop("kind", None) or ("agent" if timed else "event")
    failed = span.error or fields.pop("status", None) == "error"
    error_type = fields.pop("error_type", None) or span.error_type
    extra = {**{k: v for k, v in res.items() if v is not None}, **fields.pop("attributes", {})}
    text_in, text_out = fields.pop("input_text", None), fields.pop("output_text", None)
    session = fields.pop("session_id", None) or res.get("session.id")
    user = fields.pop("user_id", None) or res.get("user.id") or res.get("enduser.id") or defaults.get("user_id")
    service = res.get("service.name")
    project = service if isinstance(service, str) and not service.startswith("unknown_service") else None
    environment = res.get("deployment.environment.name") or res.get("deployment.environment")
    return new_event(
        **fields,
        event_id=stable_id(NAME, span.trace_id, span.span_id),
        source=NAME,
        source_ref=str(where),
        session_id=session,
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_id,
        kind=kind,
        name=span.name if isinstance(span.name, str) else None,
        user_id=user,
        team_id=res.get("team.id") or res.get("team.name") or defaults.get("team_id"),
        project=project or defaults.get("project"),
        feature=defaults.get("feature"),
        environment=environment or defaults.get("environment"),
        attributes=stringify_attributes(extra),
        started_at=span.start,
        ended_at=span.end,
        latency_ms=(span.end - span.start).total_seconds() * 1000 if timed or span.end == span.start else None,
        status="error" if failed else "ok",
        error_type=error_type if failed else None,
        input_text=text_in if ctx.keep_content else None,
        output_text=text_out if ctx.keep_content else None,
        flags=row_flags or None,
    )


def _decode_attributes(kvs: Any) -> dict[str, Any]:
    """OTLP ``[{key, value: AnyValue}]`` to a plain dict."""
    if isinstance(kvs, dict):  # some encoders write a map already
        return dict(kvs)
    return {kv["key"]: _any_value(kv.get("value")) for kv in kvs or [] if isinstance(kv, dict) and "key" in kv}


def _any_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "intValue" in value or "doubleValue" in value:
        raw = value.get("intValue", value.get("doubleValue"))
        if not isinstance(raw, str):
            return raw
        try:  # int64 is a JSON string in OTLP/JSON
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    if "arrayValue" in value:
        return [_any_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return _decode_attributes((value["kvlistValue"] or {}).get("values"))
    return next((value[k] for k in ("stringValue", "boolValue", "bytesValue") if k in value), None)


def _flatten(attrs: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted names, the shape the attribute tables expect."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _hex_id(value: Any) -> str | None:
    """Trace/span ids as lowercase hex; protobuf-JSON's base64 ids are converted."""
    if not isinstance(value, str) or not value or value.strip("0") == "":
        return None
    if _HEX_ID.fullmatch(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    return raw.hex() if len(raw) in (8, 16) else value


def _from_nanos(value: Any) -> datetime | None:
    # Integer arithmetic: a float of 1.7e18 ns loses the microseconds.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return _EPOCH + timedelta(microseconds=value // 1000)


def _time(value: Any) -> datetime | None:
    """ISO strings, epoch numbers, or the ``[seconds, nanos]`` pairs OTel JS writes."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return _from_nanos(value[0] * 1_000_000_000 + value[1])
    return parse_time(value)


def _exception_type(events: Any) -> str | None:
    for event in events or []:
        if isinstance(event, dict) and event.get("name") == "exception":
            etype = _decode_attributes(event.get("attributes")).get("exception.type")
            if isinstance(etype, str) and etype:
                return etype
    return None


SOURCE = OtelSource()
