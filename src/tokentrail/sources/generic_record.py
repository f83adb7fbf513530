"""One generic JSON record → one event row (or the reason it cannot be one)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from tokentrail.events import TOKEN_FIELDS, new_event, stable_id, text_hash
from tokentrail.sources.base import ParseContext, parse_time, stringify_attributes, to_float, to_int
from tokentrail.sources.generic_fast import Shape, resolve, token_plan
from tokentrail.sources.generic_fields import Found, Tokens, names, read_tokens

Resolved = tuple[Found, Shape]  # an object's known fields, and the shape they were read by

SOURCE_NAME = "generic"
ATTRIBUTION = ("user_id", "team_id", "project", "feature", "environment")

# Ordered: hosting platforms first (a Claude id on Bedrock is billed by AWS), then model families.
PROVIDER_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), provider)
    for p, provider in (
        (r"^(arn:aws:bedrock|bedrock/)", "aws"),
        (r"^(us|eu|apac|jp|au|global)\.[a-z0-9-]+\.", "aws"),
        (r"^(anthropic|amazon|meta|mistral|cohere|ai21)\.[a-z]", "aws"),
        (r"^vertex_ai/", "google"),
        (r"^azure/", "azure"),
        (r"^openrouter/", "openrouter"),
        (r"^(anthropic/|claude)", "anthropic"),
        (r"^(openai/)?(gpt|o[1-9]|chatgpt|text-embedding|davinci|babbage|dall-e|whisper|tts)", "openai"),
        (r"^(google/|gemini|gemma)", "google"),
        (r"^(mistral|mixtral|codestral|magistral)", "mistral"),
        (r"^(command|embed-)", "cohere"),
        (r"^deepseek", "deepseek"),
        (r"^grok", "xai"),
    )
)

_KIND_SYNONYMS: dict[str, str] = {
    word: kind
    for kind, words in {
        "llm": ("llm", "generation", "chat", "completion", "llm_call"),
        "tool": ("tool", "function", "tool_call", "function_call"),
        "retrieval": ("retrieval", "retriever", "search"),
        "agent": ("agent", "chain", "workflow"),
        "embedding": ("embedding", "embeddings"),
        "event": ("event",),
    }.items()
    for word in words
}
_OK_STATUS = frozenset({"ok", "success", "succeeded", "successful", "completed", "complete", "done"})
_ERROR_STATUS = frozenset({"error", "failed", "failure", "fail", "errored", "timeout", "cancelled", "canceled"})
_MAX_ERROR_TYPE = 120
# Columns copied from the record as labels (each column has the canonical field's name).
_LABELS = ("session_id", "trace_id", "span_id", "parent_span_id", "name")
# What identifies a record without an id of its own; the file and line are deliberately not in it.
_ID_FIELDS = (
    "session_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "model",
    "kind",
    "name",
    "tool_name",
    "user_id",
    *TOKEN_FIELDS,
    "prompt_hash",
)


def _text(value: Any) -> str | None:
    """An id or label as a string; objects, booleans and blanks are not labels."""
    # Absent and text are the common cases, checked first: this runs ~15 times per record.
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return None


def _content(value: Any) -> str | None:
    """Prompt-like content: text as is, message lists/objects as compact JSON, counts not at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict) and value:
        return orjson.dumps(value, default=str).decode()
    return None


def _contents(found: Found) -> tuple[str | None, str | None, str | None]:
    """(input_text, output_text, system_prompt); most usage logs carry none of them."""
    if "input_text" not in found and "output_text" not in found and "system_prompt" not in found:
        return None, None, None
    return _content(found.get("input_text")), _content(found.get("output_text")), _content(found.get("system_prompt"))


def _metadata(found: Found) -> dict[str, Any]:
    value = found.get("metadata")
    if isinstance(value, str):
        try:
            value = orjson.loads(value)  # Langfuse and some gateways store metadata as a JSON string
        except orjson.JSONDecodeError:
            return {"metadata": value}
    return value if isinstance(value, dict) else {}


def _attributes(record: dict[str, Any], meta: dict[str, Any]) -> dict[str, str] | None:
    tags = record.get("tags")
    if isinstance(tags, list) and tags and "tags" not in meta:
        meta = {**meta, "tags": tags}  # a copy: `meta` may be the record's own object
    return stringify_attributes(meta)


def _fill_attribution(row: dict[str, Any], found: Found, meta: dict[str, Any], ctx: ParseContext) -> None:
    """Attribution from the record, then its metadata, then the defaults given on the command line."""
    in_meta = resolve(meta)[0] if meta else {}
    defaults = ctx.defaults
    for canonical in ATTRIBUTION:
        row[canonical] = _text(found.get(canonical)) or _text(in_meta.get(canonical)) or defaults.get(canonical)


@lru_cache(maxsize=1024)  # a log names a handful of models, each thousands of times
def infer_provider(model: str | None) -> str | None:
    if not model:
        return None
    for pattern, provider in PROVIDER_PATTERNS:
        if pattern.search(model):
            return provider
    return None


def _times(found: Found) -> tuple[datetime | None, datetime | None, float | None]:
    """(started_at, ended_at, latency_ms); each fills the other in when one is missing."""
    started = parse_time(found.get("timestamp"))
    end = found.get("ended_at")
    ended = None if end is None else parse_time(end)
    latency = to_float(found.get("latency_ms"))
    if started is not None and ended is None and latency is not None and latency >= 0:
        ended = started + timedelta(0, 0, 0, latency)  # milliseconds; positional is twice as fast
    elif started is not None and ended is not None and latency is None:
        latency = (ended - started).total_seconds() * 1000
    return started, ended, latency


def _time_problem(found: Found, shape: Shape) -> str:
    if "timestamp" not in found:
        return "missing timestamp (looked for: " + ", ".join(names("timestamp")) + ")"
    return f"unreadable timestamp in {shape.names['timestamp']!r}: {repr(found['timestamp'])[:80]}"


def _http_status(code: int) -> tuple[str, str | None]:
    return ("error", f"http_{code}") if code >= 400 else ("ok", None)


@lru_cache(maxsize=256)  # a log uses a handful of status words, each thousands of times
def _status_word(raw: str) -> tuple[str | None, str | None]:
    """(status, error_type) of a textual status: an HTTP code, a known word, or nothing."""
    if raw.strip().isdigit():
        return _http_status(int(raw))
    word = raw.strip().lower()
    return ("ok" if word in _OK_STATUS else "error" if word in _ERROR_STATUS else None), None


def _status(found: Found) -> tuple[str | None, str | None]:
    """(status, error_type): `ok`, `error` or None when the record says nothing about it."""
    raw = found.get("status")
    status: str | None = None
    error_type = _text(found.get("error_type"))
    http_type: str | None = None
    if isinstance(raw, str):
        status, http_type = _status_word(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        status, http_type = _http_status(raw)
    error_type = error_type or http_type
    error = found.get("error")
    if error not in (None, False, "", {}, []):
        status = "error"
        error_type = error_type or _error_type(error)
    return status, error_type


def _error_type(error: Any) -> str:
    if isinstance(error, dict):
        for key in ("type", "code", "name", "error_type"):
            if _text(error.get(key)):
                return str(_text(error.get(key)))
        return "error"
    if isinstance(error, str):
        return error.strip()[:_MAX_ERROR_TYPE]
    return "error"


def _kind(
    record: dict[str, Any],
    found: Found,
    tokens: Tokens,
    usage_null: bool,
    model: str | None,
    tool: str | None,
) -> str:
    # `type` is often the kind but just as often something else: only known words count.
    raw = found.get("kind") if "kind" in found else record.get("type")
    kind = _KIND_SYNONYMS.get(str(raw).strip().lower()) if isinstance(raw, str) else None
    if kind:
        return kind
    if tokens.found or usage_null or model:
        return "llm"
    return "tool" if tool else "event"


def _price_modifiers(found: Found, usage: Resolved | None) -> str | None:
    if usage is None and "service_tier" not in found and "inference_geo" not in found and "batch" not in found:
        return None  # the common case: nothing to say to pricing
    mods: list[str] = []
    for obj in (found,) if usage is None else (found, usage[0]):
        tier = _text(obj.get("service_tier"))
        if tier:
            mods.append(f"service_tier={tier.lower()}")
        geo = _text(obj.get("inference_geo"))
        if geo:
            mods.append(f"inference_geo={geo.lower()}")
    batch = found.get("batch")
    if batch is True or (isinstance(batch, str) and batch.lower() in ("true", "1", "yes")):
        mods.append("service_tier=batch")
    return ",".join(dict.fromkeys(mods)) or None


def _reported_cost(found: Found) -> float | None:
    value = found.get("cost_usd")
    if isinstance(value, dict):
        value = value.get("total", value.get("total_cost"))
    return to_float(value)


def _optional_count(found: Found, canonical: str, flags: list[str]) -> int | None:
    value = found.get(canonical)
    return None if value is None else to_int(value, flags, canonical)


def _event_id(found: Found, row: dict[str, Any]) -> str:
    """Stable across files: the record's own id, or a hash of what the record says (never its file).

    Short ids (under 8 characters) look like row numbers, which two files share, so they are hashed
    together with the content instead of standing alone.
    """
    own = _text(found.get("event_id"))
    if own and len(own) >= 8:
        return stable_id(SOURCE_NAME, own)
    content = (row[name] for name in _ID_FIELDS)
    return stable_id(SOURCE_NAME, own, row["started_at"].isoformat(), *content, text_hash(row["output_text"]))


def _usage(found: Found, flags: list[str]) -> tuple[Resolved | None, bool]:
    """The record's usage object, resolved, and whether the record said its usage is null."""
    if "usage" not in found:
        return None, False
    usage = found["usage"]
    if isinstance(usage, dict):
        return resolve(usage), False
    if usage is not None:
        flags.append("bad_usage")
    return None, True


def _tokens(found: Found, shape: Shape, usage: Resolved | None, flags: list[str]) -> Tokens:
    """Counts from the usage object first, then the record itself."""
    if usage is None:
        return read_tokens(shape.tokens, (found,), flags)
    return read_tokens(token_plan(shape, usage[1]), (usage[0], found), flags)


def _fill_tokens(row: dict[str, Any], tokens: Tokens) -> None:
    row["input_tokens"] = tokens.input_tokens
    row["cache_read_tokens"] = tokens.cache_read_tokens
    row["cache_write_5m_tokens"] = tokens.cache_write_5m_tokens
    row["cache_write_1h_tokens"] = tokens.cache_write_1h_tokens
    row["output_tokens"] = tokens.output_tokens
    row["reasoning_tokens"] = tokens.reasoning_tokens


def to_event(record: dict[str, Any], source_ref: str, flags: list[str], ctx: ParseContext) -> dict[str, Any] | str:
    """An event row for ``record``, or the reason it has to be quarantined.

    The row starts as :func:`new_event`'s defaults and is filled in column by column: passing ~45
    keyword arguments cost more than reading the record. Values are worked out in a fixed order, so
    data-quality flags always come out in the same order.
    """
    found, shape = resolve(record)
    get = found.get  # bound once: read ~25 times below
    started, ended, latency = _times(found)
    if started is None:
        return _time_problem(found, shape)
    flags = list(flags)
    usage, usage_null = _usage(found, flags)
    tokens = _tokens(found, shape, usage, flags)
    meta = _metadata(found)
    row = new_event()
    row["model"] = model = _text(get("model"))
    row["tool_name"] = tool = _text(get("tool_name"))
    row["kind"] = kind = _kind(record, found, tokens, usage_null, model, tool)
    if usage_null or (kind in ("llm", "embedding") and not tokens.found):
        flags.append("usage_missing")
    row["cost_reported_usd"] = cost_reported = _reported_cost(found)
    if cost_reported == 0 and tokens.total() > 0:
        flags.append("cost_reported_zero")
    row["status"], row["error_type"] = _status(found)
    provider = _text(get("provider"))
    input_text, output_text, system_prompt = _contents(found)
    row["input_text"], row["output_text"] = input_text, output_text
    row["source"] = SOURCE_NAME
    row["source_ref"] = source_ref
    for column in _LABELS:
        value = get(column)
        if value is not None:  # an absent label keeps new_event's None
            row[column] = _text(value)
    _fill_attribution(row, found, meta, ctx)
    row["attributes"] = _attributes(record, meta)
    row["provider"] = provider.lower() if provider else infer_provider(model)
    row["started_at"], row["ended_at"], row["latency_ms"] = started, ended, latency
    row["time_to_first_token_ms"] = to_float(get("time_to_first_token_ms"))
    _fill_tokens(row, tokens)
    row["price_modifiers"] = _price_modifiers(found, usage)
    row["system_prompt_tokens"] = _optional_count(found, "system_prompt_tokens", flags)
    row["system_prompt_hash"] = text_hash(system_prompt)
    row["prompt_hash"] = text_hash(input_text)
    row["retrieved_context_tokens"] = _optional_count(found, "retrieved_context_tokens", flags)
    row["finish_reason"] = _text(get("finish_reason"))
    row["event_id"] = _event_id(found, row)
    if not ctx.keep_content:
        row["input_text"] = row["output_text"] = None
    row["flags"] = list(dict.fromkeys(flags)) if flags else None
    return row
