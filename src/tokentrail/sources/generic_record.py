"""One generic JSON record → one event row (or the reason it cannot be one)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import orjson

from tokentrail.events import TOKEN_FIELDS, new_event, stable_id, text_hash
from tokentrail.sources.base import ParseContext, parse_time, stringify_attributes, to_float, to_int
from tokentrail.sources.generic_fields import Found, Tokens, names, read_tokens, resolve, value_of

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
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _content(value: Any) -> str | None:
    """Prompt-like content: text as is, message lists/objects as compact JSON, counts not at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict) and value:
        return orjson.dumps(value, default=str).decode()
    return None


def _metadata(found: Found) -> dict[str, Any]:
    value = value_of(found, "metadata")
    if isinstance(value, str):
        try:
            value = orjson.loads(value)  # Langfuse and some gateways store metadata as a JSON string
        except orjson.JSONDecodeError:
            return {"metadata": value}
    return value if isinstance(value, dict) else {}


def _attributes(record: dict[str, Any], meta: dict[str, Any]) -> dict[str, str] | None:
    attrs = dict(meta)
    tags = record.get("tags")
    if isinstance(tags, list) and tags:
        attrs.setdefault("tags", tags)
    return stringify_attributes(attrs)


def _attribution(found: Found, meta: dict[str, Any], ctx: ParseContext) -> dict[str, str | None]:
    """Attribution from the record, then its metadata, then the defaults given on the command line."""
    in_meta = resolve(meta) if meta else {}
    return {
        canonical: _text(value_of(found, canonical))
        or _text(value_of(in_meta, canonical))
        or ctx.defaults.get(canonical)
        for canonical in ATTRIBUTION
    }


def infer_provider(model: str | None) -> str | None:
    if not model:
        return None
    for pattern, provider in PROVIDER_PATTERNS:
        if pattern.search(model):
            return provider
    return None


def _times(found: Found) -> tuple[datetime | None, datetime | None, float | None]:
    """(started_at, ended_at, latency_ms); each fills the other in when one is missing."""
    started = parse_time(value_of(found, "timestamp"))
    ended = parse_time(value_of(found, "ended_at"))
    latency = to_float(value_of(found, "latency_ms"))
    if started is not None and ended is None and latency is not None and latency >= 0:
        ended = started + timedelta(milliseconds=latency)
    elif started is not None and ended is not None and latency is None:
        latency = (ended - started).total_seconds() * 1000
    return started, ended, latency


def _time_problem(found: Found) -> str:
    if "timestamp" not in found:
        return "missing timestamp (looked for: " + ", ".join(names("timestamp")) + ")"
    _, key, value = found["timestamp"]
    return f"unreadable timestamp in {key!r}: {repr(value)[:80]}"


def _http_code(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return None


def _http_status(code: int) -> tuple[str, str | None]:
    return ("error", f"http_{code}") if code >= 400 else ("ok", None)


def _status(found: Found) -> tuple[str | None, str | None]:
    """(status, error_type): `ok`, `error` or None when the record says nothing about it."""
    raw = value_of(found, "status")
    status: str | None = None
    error_type = _text(value_of(found, "error_type"))
    code = _http_code(raw)
    if code is not None:
        status, http_type = _http_status(code)
        error_type = error_type or http_type
    elif isinstance(raw, str):
        word = raw.strip().lower()
        status = "ok" if word in _OK_STATUS else "error" if word in _ERROR_STATUS else None
    error = value_of(found, "error")
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
    raw = value_of(found, "kind") if "kind" in found else record.get("type")
    kind = _KIND_SYNONYMS.get(str(raw).strip().lower()) if isinstance(raw, str) else None
    if kind:
        return kind
    if tokens.found or usage_null or model:
        return "llm"
    return "tool" if tool else "event"


def _price_modifiers(found: Found) -> str | None:
    usage = value_of(found, "usage")
    places = [found, resolve(usage)] if isinstance(usage, dict) else [found]
    mods: list[str] = []
    for obj in places:
        tier = _text(value_of(obj, "service_tier"))
        if tier:
            mods.append(f"service_tier={tier.lower()}")
        geo = _text(value_of(obj, "inference_geo"))
        if geo:
            mods.append(f"inference_geo={geo.lower()}")
    batch = value_of(found, "batch")
    if batch is True or (isinstance(batch, str) and batch.lower() in ("true", "1", "yes")):
        mods.append("service_tier=batch")
    return ",".join(dict.fromkeys(mods)) or None


def _reported_cost(found: Found) -> float | None:
    value = value_of(found, "cost_usd")
    if isinstance(value, dict):
        value = value.get("total", value.get("total_cost"))
    return to_float(value)


def _optional_count(found: Found, canonical: str, flags: list[str]) -> int | None:
    value = value_of(found, canonical)
    return None if value is None else to_int(value, flags, canonical)


def _event_id(found: Found, row: dict[str, Any]) -> str:
    """Stable across files: the record's own id, or a hash of what the record says (never its file).

    Short ids (under 8 characters) look like row numbers, which two files share, so they are hashed
    together with the content instead of standing alone.
    """
    own = _text(value_of(found, "event_id"))
    if own and len(own) >= 8:
        return stable_id(SOURCE_NAME, own)
    content = (row[name] for name in _ID_FIELDS)
    return stable_id(SOURCE_NAME, own, row["started_at"].isoformat(), *content, text_hash(row["output_text"]))


def to_event(record: dict[str, Any], source_ref: str, flags: list[str], ctx: ParseContext) -> dict[str, Any] | str:
    """An event row for ``record``, or the reason it has to be quarantined."""
    found = resolve(record)
    started, ended, latency = _times(found)
    if started is None:
        return _time_problem(found)
    flags = list(flags)
    tokens, usage_null = read_tokens(record, found)
    flags.extend(tokens.flags)
    meta = _metadata(found)
    model = _text(value_of(found, "model"))
    tool = _text(value_of(found, "tool_name"))
    kind = _kind(record, found, tokens, usage_null, model, tool)
    if usage_null or (kind in ("llm", "embedding") and not tokens.found):
        flags.append("usage_missing")
    cost_reported = _reported_cost(found)
    if cost_reported == 0 and tokens.total() > 0:
        flags.append("cost_reported_zero")
    status, error_type = _status(found)
    provider = _text(value_of(found, "provider"))
    input_text = _content(value_of(found, "input_text"))
    output_text = _content(value_of(found, "output_text"))
    system_prompt = _content(value_of(found, "system_prompt"))
    row = new_event(
        event_id="",
        source=SOURCE_NAME,
        source_ref=source_ref,
        session_id=_text(value_of(found, "session_id")),
        trace_id=_text(value_of(found, "trace_id")),
        span_id=_text(value_of(found, "span_id")),
        parent_span_id=_text(value_of(found, "parent_span_id")),
        kind=kind,
        name=_text(value_of(found, "name")),
        **_attribution(found, meta, ctx),
        attributes=_attributes(record, meta),
        provider=provider.lower() if provider else infer_provider(model),
        model=model,
        started_at=started,
        ended_at=ended,
        latency_ms=latency,
        time_to_first_token_ms=to_float(value_of(found, "time_to_first_token_ms")),
        input_tokens=tokens.input_tokens,
        cache_read_tokens=tokens.cache_read_tokens,
        cache_write_5m_tokens=tokens.cache_write_5m_tokens,
        cache_write_1h_tokens=tokens.cache_write_1h_tokens,
        output_tokens=tokens.output_tokens,
        reasoning_tokens=tokens.reasoning_tokens,
        cost_reported_usd=cost_reported,
        price_modifiers=_price_modifiers(found),
        system_prompt_tokens=_optional_count(found, "system_prompt_tokens", flags),
        system_prompt_hash=text_hash(system_prompt),
        prompt_hash=text_hash(input_text),
        retrieved_context_tokens=_optional_count(found, "retrieved_context_tokens", flags),
        tool_name=tool,
        status=status,
        error_type=error_type,
        finish_reason=_text(value_of(found, "finish_reason")),
        input_text=input_text,
        output_text=output_text,
    )
    row["event_id"] = _event_id(found, row)
    if not ctx.keep_content:
        row["input_text"] = row["output_text"] = None
    row["flags"] = list(dict.fromkeys(flags)) or None
    return row
