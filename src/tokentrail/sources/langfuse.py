"""Langfuse exports: ``{trace, observations}`` documents, observation arrays and observation JSONL.

One event per observation. The type gives the kind (GENERATION is an LLM call; SPAN, AGENT and
CHAIN are steps; TOOL, RETRIEVER, EMBEDDING and EVENT as named). Trace fields (session, user,
environment, name) are copied onto every observation, as Langfuse v4 does itself.

Documents are streamed with ijson in two passes: the first reads only the trace's scalar fields
(wherever the trace sits in the file), the second builds one observation at a time. A document
that repeats its observations inside ``trace.observations`` (the API's trace-with-details shape)
yields each observation once.

Tokens come from ``usageDetails``; where it is empty, from the OpenTelemetry attributes Langfuse
keeps in ``metadata`` (read by :mod:`tokentrail.sources.genai_attrs`), which also fill provider,
finish reason, tool name and session. Which buckets the counts belong in is decided by
:func:`genai_attrs.to_buckets`: a logged ``total`` decides when it can; otherwise Langfuse's own
detail keys (``input_cached_tokens``, ``output_reasoning_tokens``...) and Anthropic's cache names
mean input and output were logged without them (Langfuse's SDKs subtract them), while
OpenInference-style keys (``prompt_details.cache_read``) follow the arithmetic rule. Usage only
counts on LLM and embedding observations: on SPAN/AGENT observations it is a roll-up of children.
The cost Langfuse computed is kept as ``cost_reported_usd``, never used as ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from tokentrail.events import Quarantined, new_event, stable_id, text_hash
from tokentrail.sources.base import (
    ParseContext,
    Skipped,
    iter_json_records,
    parse_time,
    read_head,
    stringify_attributes,
    to_float,
    to_int,
)
from tokentrail.sources.genai_attrs import (
    LANGFUSE_TYPES,
    USAGE_KINDS,
    RawUsage,
    keep_attribute,
    map_genai_attributes,
    normalise_provider,
    service_tier_modifier,
    to_buckets,
)
from tokentrail.sources.json_stream import is_claude_code, is_json_lines, open_json, stream_objects

NAME = "langfuse"
_TRACE_FIELDS = frozenset(
    {"id", "name", "userId", "sessionId", "environment", "release", "version", "timestamp", "projectId"}
)
_OBSERVATION_PREFIXES = frozenset({"observations.item", "trace.observations.item", "item"})
_INPUT = ("input", "prompt_tokens", "input_tokens", "promptTokens")
_OUTPUT = ("output", "completion_tokens", "output_tokens", "completionTokens")
_TOTAL = ("total", "total_tokens", "totalTokens")
_CACHE_READ = (
    "input_cached_tokens",
    "input_cache_read",
    "cache_read_input_tokens",
    "prompt_details.cache_read",
    "cache_read.input_tokens",
    "input_cached",
)
_CACHE_WRITE = (
    "input_cache_creation",
    "input_cache_write",
    "cache_creation_input_tokens",
    "prompt_details.cache_write",
    "cache_creation.input_tokens",
)
_CACHE_WRITE_5M = ("input_cache_creation_5m", "ephemeral_5m_input_tokens")
_CACHE_WRITE_1H = ("input_cache_creation_1h", "ephemeral_1h_input_tokens")
_REASONING = (
    "output_reasoning_tokens",
    "output_reasoning",
    "completion_details.reasoning",
    "reasoning_tokens",
    "reasoning.output_tokens",
)
_KNOWN_KEYS = frozenset(
    _INPUT + _OUTPUT + _TOTAL + _CACHE_READ + _CACHE_WRITE + _CACHE_WRITE_5M + _CACHE_WRITE_1H + _REASONING
)
# Anthropic's cache fields sit beside its input count, like Langfuse's own subtracted details.
_EXCLUSIVE_NAMES = frozenset({"cache_read_input_tokens", "cache_creation_input_tokens"})
_META_OTEL_KEYS = ("attributes", "resourceAttributes", "scope")


class LangfuseSource:
    name = NAME
    description = "Langfuse exports: {trace, observations} JSON, observation arrays and JSONL"

    def detect(self, head: bytes, path: Path) -> bool:
        if is_claude_code(head) or b'"resourceSpans"' in head or not head.lstrip().startswith((b"{", b"[")):
            return False
        compact = head.replace(b'": ', b'":')
        if b'"observations":[' in compact:
            return True
        return b'"traceId"' in head and b'"type"' in head and (b'"usageDetails"' in head or b'"startTime"' in head)

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
        head = read_head(path).lstrip()
        if not head.startswith(b"[") and is_json_lines(head):
            yield from _jsonl(path, ctx)
        else:
            yield from _document(path, ctx)


def _jsonl(path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    for item in iter_json_records(path):
        if isinstance(item, Quarantined):
            yield item
            continue
        line, rec, flags = item
        ref = f"{path}:{line.number}"
        trace = rec.get("trace") if isinstance(rec.get("trace"), dict) else rec
        observations = rec.get("observations") or trace.get("observations")
        if isinstance(observations, list):
            header = {k: v for k, v in trace.items() if k in _TRACE_FIELDS or k == "tags"}
            for i, obs in enumerate(observations):
                if isinstance(obs, dict):  # a trace's list may hold bare ids
                    yield _observation(obs, header, path, line.number, f"{ref}#{i}", ctx, flags)
        else:
            yield _observation(rec, {}, path, line.number, ref, ctx, flags)


def _document(path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
    try:
        headers, full_lists, bare_records = _trace_headers(path)
    except (ijson.JSONError, UnicodeDecodeError):
        headers, full_lists, bare_records = {}, set(), False  # pass two meets the error and quarantines it
    if bare_records:
        # Observations one per line, the first longer than the head we sniffed: read as lines.
        yield from _jsonl(path, ctx)
        return
    count = 0
    with open_json(path) as fh:
        try:
            for top, at, obs in stream_objects(fh, _OBSERVATION_PREFIXES):
                # trace.observations repeats the top-level list with less in it, or lists bare ids.
                if not isinstance(obs, dict) or (at == "trace.observations.item" and top in full_lists):
                    continue
                count += 1
                yield _observation(obs, headers.get(top, {}), path, None, f"{path}#{count}", ctx, [])
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            yield Quarantined(str(path), None, f"bad JSON after {count} observations: {exc}", b"")


def _trace_headers(path: Path) -> tuple[dict[int, dict[str, Any]], set[int], bool]:
    """Pass one: scalar trace fields by top-level document number, the documents that have a
    top-level ``observations`` list, and whether any top-level object is a bare observation."""
    headers: dict[int, dict[str, Any]] = {}
    full_lists: set[int] = set()
    top, is_doc, bare = -1, False, False
    with open_json(path) as fh:
        for prefix, event, value in ijson.parse(fh, use_float=True, multiple_values=True):
            if prefix == "":
                if event == "map_key":
                    is_doc = is_doc or value in ("trace", "observations")
                    if value == "observations":
                        full_lists.add(top)
                elif event == "end_map":
                    bare = bare or not is_doc
                elif event != "end_array":
                    top, is_doc = top + 1, False
                continue
            if event in ("start_map", "start_array", "end_map", "end_array", "map_key"):
                continue
            # The trace is under "trace", or is the top-level object itself (API trace-with-details).
            owner, _, key = prefix.rpartition(".")
            if owner in ("trace", "") and key in _TRACE_FIELDS:
                headers.setdefault(top, {})[key] = value
            elif prefix in ("trace.tags.item", "tags.item"):
                headers.setdefault(top, {}).setdefault("tags", []).append(value)
    return headers, full_lists, bare


def _observation(
    obs: dict[str, Any],
    trace: dict[str, Any],
    path: Path,
    line: int | None,
    ref: str,
    ctx: ParseContext,
    flags: list[str],
) -> dict[str, Any] | Quarantined:
    otype = str(obs.get("type") or "").upper()
    start = parse_time(obs.get("startTime") or obs.get("start_time") or obs.get("timestamp"))
    obs_id = obs.get("id")
    if start is None or not obs_id:
        return Quarantined(str(path), line, "observation without an id or a start time", orjson.dumps(obs))
    row_flags = list(flags)
    kind = LANGFUSE_TYPES.get(otype)
    if kind is None:
        row_flags.append("unknown_observation_type")
        kind = "event"
    meta = _metadata(obs.get("metadata"))
    otel_flags: list[str] = []
    otel = map_genai_attributes(meta.get("attributes") or {}, otel_flags, kind=kind)
    tokens = _usage(obs, row_flags) if kind in USAGE_KINDS else None
    if tokens is None:
        tokens = {k: otel.pop(k) for k in list(otel) if k.endswith("_tokens")}
        row_flags += otel_flags
    end = parse_time(obs.get("endTime") or obs.get("end_time"))
    failed = str(obs.get("level") or "").upper() == "ERROR" or otel.get("status") == "error"
    trace_id = obs.get("traceId") or obs.get("trace_id") or trace.get("id")
    session = obs.get("sessionId") or trace.get("sessionId") or otel.get("session_id")
    user = obs.get("userId") or trace.get("userId") or otel.get("user_id") or ctx.defaults.get("user_id")
    resource = meta.get("resourceAttributes") or {}
    service = resource.get("service.name")
    service = service if isinstance(service, str) and not service.startswith("unknown_service") else None
    text_in, text_out = _text(obs.get("input")), _text(obs.get("output"))
    # Langfuse writes a cost of 0 on every span; only a model call's figure means anything.
    cost = _reported_cost(obs) if kind in USAGE_KINDS else None
    if cost == 0 and any(tokens.values()):
        row_flags.append("cost_reported_zero")
    return new_event(
        **tokens,
        event_id=stable_id(NAME, trace_id, obs_id),
        source=NAME,
        source_ref=ref,
        session_id=session,
        trace_id=trace_id,
        span_id=str(obs_id),
        parent_span_id=obs.get("parentObservationId") or obs.get("parent_observation_id"),
        kind=kind,
        name=obs.get("name"),
        user_id=user,
        team_id=ctx.defaults.get("team_id"),
        project=ctx.defaults.get("project") or service,
        feature=ctx.defaults.get("feature") or trace.get("name") or obs.get("traceName"),
        environment=obs.get("environment") or trace.get("environment") or ctx.defaults.get("environment"),
        attributes=stringify_attributes(_attributes(obs, trace, meta, otel.get("attributes"))),
        provider=otel.get("provider") or normalise_provider(meta.get("ls_provider")),
        model=obs.get("model") or otel.get("model"),
        started_at=start,
        ended_at=end,
        latency_ms=_elapsed_ms(start, end, obs.get("latency")),
        time_to_first_token_ms=_elapsed_ms(
            start, parse_time(obs.get("completionStartTime")), obs.get("timeToFirstToken")
        )
        or otel.get("time_to_first_token_ms"),
        cost_reported_usd=cost,
        price_modifiers=_price_modifiers(obs) or otel.get("price_modifiers"),
        prompt_hash=text_hash(text_in),
        system_prompt_hash=otel.get("system_prompt_hash"),
        tool_name=(otel.get("tool_name") or obs.get("name")) if kind == "tool" else None,
        status="error" if failed else "ok",
        error_type=(_first_line(obs.get("statusMessage")) or otel.get("error_type")) if failed else None,
        finish_reason=otel.get("finish_reason"),
        input_text=text_in if ctx.keep_content else None,
        output_text=text_out if ctx.keep_content else None,
        flags=row_flags or None,
    )


def _usage(obs: dict[str, Any], flags: list[str]) -> dict[str, int] | None:
    """Token buckets from ``usageDetails`` (or the older ``usage`` object); None when neither has counts."""
    details = obs.get("usageDetails") or obs.get("usage_details") or obs.get("usage") or {}
    if not isinstance(details, dict):
        details = {}
    if not details and any(obs.get(k) is not None for k in ("promptTokens", "completionTokens")):
        details = {
            "input": obs.get("promptTokens"),
            "output": obs.get("completionTokens"),
            "total": obs.get("totalTokens"),
        }
    details = {k: v for k, v in details.items() if k != "unit"}
    if not any(v is not None for v in details.values()):
        return None
    for key, value in details.items():
        if value is None:
            flags.append(f"null_usage_{key}")

    def count(keys: tuple[str, ...]) -> int | None:
        return next((to_int(details[k], flags, "usage_" + k) for k in keys if details.get(k) is not None), None)

    writes_5m = count(_CACHE_WRITE_5M) or 0
    writes_1h = count(_CACHE_WRITE_1H) or 0
    writes = count(_CACHE_WRITE) or 0
    # input_*/output_* detail keys are Langfuse's own, which its SDKs subtract ("input_tokens" is a count).
    subtracted = any(
        k in _EXCLUSIVE_NAMES or (k.startswith(("input_", "output_")) and k not in _INPUT + _OUTPUT) for k in details
    )
    raw = RawUsage(
        input=count(_INPUT),
        output=count(_OUTPUT),
        total=count(_TOTAL),
        cache_read=count(_CACHE_READ) or 0,
        # A TTL split that sums to less than the aggregate leaves the rest at the 5-minute rate.
        cache_write_5m=writes_5m + max(0, writes - writes_5m - writes_1h),
        cache_write_1h=writes_1h,
        reasoning=count(_REASONING) or 0,
    )
    if subtracted:
        # Other details Langfuse's SDKs took out of input/output (audio...) are billed there.
        raw.input = (raw.input or 0) + _other_details(details, "input_", flags)
        raw.output = (raw.output or 0) + _other_details(details, "output_", flags)
    return to_buckets(raw, flags, details_subtracted=subtracted)


def _other_details(details: dict[str, Any], prefix: str, flags: list[str]) -> int:
    keys = [k for k in details if k.startswith(prefix) and k not in _KNOWN_KEYS and "_modality_" not in k]
    return sum(to_int(details[k], flags, "usage_" + k) for k in keys)


def _metadata(value: Any) -> dict[str, Any]:
    """Observation metadata: a JSON string in exports, an object from the API."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {"metadata": value}
    return value if isinstance(value, dict) else {}


def _attributes(
    obs: dict[str, Any], trace: dict[str, Any], meta: dict[str, Any], otel_extra: dict[str, Any] | None
) -> dict[str, Any]:
    """Free metadata: Langfuse's own fields, custom metadata, resource and span attributes."""
    out: dict[str, Any] = {
        "langfuse.type": obs.get("type"),
        "langfuse.level": obs.get("level") if obs.get("level") not in (None, "DEFAULT") else None,
        "langfuse.status_message": obs.get("statusMessage"),
        "langfuse.trace_name": trace.get("name") or obs.get("traceName"),
        "langfuse.tags": trace.get("tags") or obs.get("tags") or None,
        "langfuse.release": trace.get("release"),
        "langfuse.version": obs.get("version") or trace.get("version"),
        "langfuse.project_id": obs.get("projectId") or trace.get("projectId"),
        "langfuse.prompt_name": obs.get("promptName"),
        "langfuse.prompt_version": obs.get("promptVersion"),
        "model_parameters": obs.get("modelParameters") or None,
    }
    out.update({k: v for k, v in meta.items() if k not in _META_OTEL_KEYS})
    out.update(meta.get("resourceAttributes") or {})
    if isinstance(meta.get("scope"), dict) and meta["scope"].get("name"):
        out["otel.scope.name"] = meta["scope"]["name"]
    out.update(otel_extra or {})
    return {k: v for k, v in out.items() if keep_attribute(k, v)}


def _reported_cost(obs: dict[str, Any]) -> float | None:
    details = obs.get("costDetails") or obs.get("cost_details")
    if isinstance(details, dict) and details:
        total = to_float(details.get("total"))
        if total is not None:
            return total
        parts = [to_float(v) for v in details.values()]
        return sum(p for p in parts if p is not None)
    for key in ("totalCost", "total_cost", "calculatedTotalCost"):
        cost = to_float(obs.get(key))
        if cost is not None:
            return cost
    return None


def _price_modifiers(obs: dict[str, Any]) -> str | None:
    params = obs.get("modelParameters")
    return service_tier_modifier(params.get("service_tier")) if isinstance(params, dict) else None


def _elapsed_ms(start: datetime, end: datetime | None, seconds: Any) -> float | None:
    """Milliseconds from timestamps; the export's own figure (seconds in v3 exports) only without them."""
    if end is not None and end >= start:
        return (end - start).total_seconds() * 1000
    value = to_float(seconds)
    return value * 1000 if value is not None else None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else orjson.dumps(value, default=str).decode()


def _first_line(value: Any) -> str | None:
    return value.strip().splitlines()[0][:200] if isinstance(value, str) and value.strip() else None


SOURCE = LangfuseSource()
