"""GenAI span attributes, in every dialect seen in the wild, mapped to event fields.

One flat attribute map (``name -> value``) in, the event fields it determines out. Dialects read:
OpenTelemetry GenAI (current ``gen_ai.*`` names and the deprecated ones: ``gen_ai.system``,
``gen_ai.usage.prompt_tokens``...), OpenInference (``llm.*``, ``openinference.span.kind``,
``session.id``, ``user.id``), OpenLLMetry (``traceloop.*``, ``llm.usage.*``, underscore cache
names) and the Vercel AI SDK (``ai.*``). Where several are present (OpenInference emits ``gen_ai.*``
beside ``llm.*``) the first name in each list below wins.

Token rule, the same for every dialect, decided per span by arithmetic:

* Cache buckets are read as logged; all cache writes go to the 5-minute bucket (no attribute in
  these dialects splits writes by TTL).
* If a total is logged and the split matters (cache or reasoning tokens present), the layout that
  makes ``total`` add up wins: ``total == input + output`` means input includes the cache (OTel
  spec, OpenAI); ``total == input + cache + output`` means it does not (Anthropic and Bedrock via
  OpenInference, fault item 6). The total is only ever a witness: no bucket is derived from it, so
  ``completion = total - prompt`` can never happen; a missing output stays 0 and is flagged.
* Otherwise input counts as inclusive when ``input >= cache_read + cache_write`` (the OTel spec says
  it SHOULD be, OpenInference's OpenAI and Gemini instrumentations are) and is split with
  :func:`split_inclusive_input`. When it is smaller it cannot hold the cache, so the source counted
  cache beside it (fault items 6, 7): input is kept as the uncached bucket and the row is flagged
  ``input_exclusive_of_cache`` rather than clamped to 0.
* Reasoning tokens are part of output (OTel, OpenInference). If reasoning exceeds output, or the
  total says so, output was logged without it and reasoning is added back (flagged).

Usage on spans that are not model calls (agent, chain, workflow spans: pydantic-ai agent runs,
Vercel ``ai.generateText``) is the sum of their child calls; counting it would count those calls
twice. It is kept in ``attributes`` (``rollup_usage``) and not in the token buckets, except on a
remote agent span (an OTel CLIENT span), which has no child calls of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from tokentrail.events import text_hash
from tokentrail.sources.base import split_inclusive_input, to_float, to_int


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _table(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split())


# Tables are written as text so each reads as one block; priority is left to right.
LANGFUSE_TYPES = _table("""GENERATION=llm EMBEDDING=embedding AGENT=agent CHAIN=agent SPAN=agent
    EVALUATOR=agent GUARDRAIL=agent TOOL=tool RETRIEVER=retrieval EVENT=event""")
_OPENINFERENCE_KINDS = _table("""LLM=llm EMBEDDING=embedding CHAIN=agent AGENT=agent GUARDRAIL=agent
    EVALUATOR=agent RETRIEVER=retrieval RERANKER=retrieval TOOL=tool PROMPT=event""")
_OPERATION_KINDS = _table("""chat=llm completion=llm text_completion=llm generate_content=llm generate=llm
    embeddings=embedding embedding=embedding create_agent=agent invoke_agent=agent invoke_workflow=agent
    plan=agent execute_tool=tool retrieval=retrieval""")
_TRACELOOP_KINDS = _table("workflow=agent task=agent agent=agent tool=tool")
_REQUEST_TYPES = _table("chat=llm completion=llm embedding=embedding rerank=retrieval")
USAGE_KINDS = frozenset({"llm", "embedding"})
_PROVIDER_ALIASES = _table("""aws.bedrock=aws amazon-bedrock=aws bedrock=aws amazon=aws azure.ai.openai=azure
    azure.ai.inference=azure az.ai.openai=azure az.ai.inference=azure azure-openai=azure azure_openai=azure
    gcp.gemini=google gcp.vertex_ai=google gcp.gen_ai=google vertex_ai=google vertexai=google
    gemini=google google_genai=google""")

_INPUT = _names("""gen_ai.usage.input_tokens gen_ai.usage.prompt_tokens llm.token_count.prompt
    llm.usage.prompt_tokens ai.usage.inputTokens ai.usage.promptTokens""")
_OUTPUT = _names("""gen_ai.usage.output_tokens gen_ai.usage.completion_tokens llm.token_count.completion
    llm.usage.completion_tokens ai.usage.outputTokens ai.usage.completionTokens""")
_TOTAL = _names("gen_ai.usage.total_tokens llm.token_count.total llm.usage.total_tokens ai.usage.totalTokens")
_CACHE_READ = _names("""gen_ai.usage.cache_read.input_tokens gen_ai.usage.cache_read_input_tokens
    gen_ai.usage.input_cached_tokens llm.token_count.prompt_details.cache_read ai.usage.cachedInputTokens
    ai.usage.inputTokenDetails.cacheReadTokens""")
_CACHE_WRITE = _names("""gen_ai.usage.cache_creation.input_tokens gen_ai.usage.cache_creation_input_tokens
    gen_ai.usage.input_cache_creation llm.token_count.prompt_details.cache_write
    ai.usage.inputTokenDetails.cacheWriteTokens""")
_REASONING = _names("""gen_ai.usage.reasoning.output_tokens gen_ai.usage.reasoning_tokens
    llm.token_count.completion_details.reasoning ai.usage.reasoningTokens
    ai.usage.outputTokenDetails.reasoningTokens""")
_TOKEN_KEYS = frozenset(_INPUT + _OUTPUT + _TOTAL + _CACHE_READ + _CACHE_WRITE + _REASONING)

_RESPONSE_MODEL = _names("gen_ai.response.model llm.response.model_name llm.response.model ai.response.model")
_LOGGED_MODEL = _names("langfuse.observation.model.name llm.model_name")
_REQUEST_MODEL = _names("gen_ai.request.model llm.request.model_name llm.request.model ai.model.id")
_PROVIDER = _names("gen_ai.provider.name gen_ai.system llm.provider llm.system ai.model.provider")
_SESSION = _names("""langfuse.session.id session.id gen_ai.conversation.id
    traceloop.association.properties.session_id ai.telemetry.metadata.sessionId""")
_USER = _names("""langfuse.user.id user.id enduser.id traceloop.association.properties.user_id
    ai.telemetry.metadata.userId llm.user""")
_TOOL = _names("gen_ai.tool.name tool.name ai.toolCall.name")
_FINISH = _names("""gen_ai.response.finish_reasons gen_ai.response.finish_reason ai.response.finishReason
    llm.output_messages.0.message.finish_reason gen_ai.completion.0.finish_reason""")
_INPUT_TEXT = _names("""gen_ai.input.messages input.value gen_ai.prompt ai.prompt.messages ai.prompt
    traceloop.entity.input input""")
_OUTPUT_TEXT = _names("""gen_ai.output.messages output.value gen_ai.completion ai.response.text
    ai.response.object traceloop.entity.output output""")
_SERVICE_TIER = _names("""openai.response.service_tier gen_ai.openai.response.service_tier
    openai.request.service_tier gen_ai.openai.request.service_tier""")
_COST = _names("llm.cost.total gen_ai.usage.cost operation.cost")
# Tiers that are list price: recording them would only add noise to the pricing step.
_STANDARD_TIERS = frozenset({"", "auto", "default", "standard", "on_demand"})
# Message bodies, tool payloads and documents are content, which has its own (redactable) fields.
_CONTENT_KEYS = _names("""gen_ai.input.messages gen_ai.output.messages gen_ai.system_instructions
    gen_ai.prompt gen_ai.completion gen_ai.tool.call.arguments gen_ai.tool.call.result gen_ai.tool.definitions
    gen_ai.retrieval.documents llm.input_messages llm.output_messages llm.prompts llm.tools
    llm.prompt_template input.value output.value retrieval.documents embedding.embeddings ai.prompt
    ai.response.text ai.response.object ai.response.toolCalls ai.toolCall.args ai.toolCall.result
    traceloop.entity.input traceloop.entity.output pydantic_ai.all_messages tool_arguments tool_response
    final_result input output""")
_MAX_ATTRIBUTE_CHARS = 1024


@dataclass(slots=True)
class RawUsage:
    """Token counts as a source logged them, before deciding which bucket each belongs to."""

    input: int | None = None
    output: int | None = None
    total: int | None = None
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0

    @property
    def cache(self) -> int:
        return self.cache_read + self.cache_write_5m + self.cache_write_1h


def to_buckets(raw: RawUsage, flags: list[str], *, details_subtracted: bool = False) -> dict[str, int]:
    """The event's token buckets from logged counts, by the rule in the module docstring.

    ``details_subtracted`` is for counts whose input and output were logged with their cache and
    reasoning details already taken out (Langfuse's SDKs do this for their ``input_*``/``output_*``
    keys, Anthropic's API for its cache fields): then only a logged total can say otherwise.
    """
    inp, out, cache = raw.input or 0, raw.output or 0, raw.cache
    layout = _layout_from_total(raw, prefer_inclusive=not details_subtracted)
    if layout is not None:
        inclusive, out_has_reasoning = layout
    elif details_subtracted:
        inclusive, out_has_reasoning = False, False
    else:
        inclusive, out_has_reasoning = inp >= cache, raw.reasoning <= out
        if cache and not inclusive:
            flags.append("input_exclusive_of_cache")
        if not out_has_reasoning:
            flags.append("output_excluded_reasoning")
    writes = raw.cache_write_5m + raw.cache_write_1h
    return {
        "input_tokens": split_inclusive_input(inp, raw.cache_read, writes, flags) if inclusive and cache else inp,
        "cache_read_tokens": raw.cache_read,
        "cache_write_5m_tokens": raw.cache_write_5m,
        "cache_write_1h_tokens": raw.cache_write_1h,
        "output_tokens": out if out_has_reasoning else out + raw.reasoning,
        "reasoning_tokens": raw.reasoning,
    }


def _layout_from_total(raw: RawUsage, *, prefer_inclusive: bool) -> tuple[bool, bool] | None:
    """(input includes cache, output includes reasoning) as the logged total shows, if it decides."""
    if raw.total is None or raw.input is None or raw.output is None or not (raw.cache or raw.reasoning):
        return None
    order = [(True, True), (False, True), (True, False), (False, False)]
    if not prefer_inclusive:
        order = [(False, False), (False, True), (True, False), (True, True)]
    for in_incl, out_incl in order:
        expected = raw.input + raw.output + (0 if in_incl else raw.cache) + (0 if out_incl else raw.reasoning)
        if expected == raw.total:
            return in_incl, out_incl
    return None


def map_genai_attributes(
    attrs: Mapping[str, Any], flags: list[str], *, kind: str | None = None, remote: bool = False
) -> dict[str, Any]:
    """Event fields from one span's attributes; a field the attributes do not determine is left out.

    ``kind`` overrides the kind read from the attributes (a Langfuse observation type says it
    better); ``remote`` marks an OTel CLIENT span, whose agent usage is its own. Token fields are
    present only when the span logged usage and owns it. ``attributes`` holds what is kept as free
    metadata: everything but message content and oversized values, plus the model name not chosen.
    """
    kind = kind or infer_kind(attrs)
    out: dict[str, Any] = {"kind": kind}
    extra: dict[str, Any] = {k: v for k, v in attrs.items() if keep_attribute(k, v)}
    _model_fields(attrs, out, extra)
    raw = _raw_usage(attrs, flags)
    if raw is not None:
        buckets = to_buckets(raw, flags)
        if raw.output is None and kind == "llm":
            flags.append("output_missing")
        if kind in USAGE_KINDS or (kind == "agent" and remote):
            out.update(buckets)
        else:
            extra["rollup_usage"] = {k: v for k, v in buckets.items() if v}
    elif kind == "llm":
        flags.append("usage_missing")
    out["session_id"] = _first_str(attrs, _SESSION)
    out["user_id"] = _first_str(attrs, _USER)
    out["tool_name"] = _first_str(attrs, _TOOL) if kind == "tool" else None
    if kind == "tool" and out["tool_name"] is None and attrs.get("traceloop.span.kind") == "tool":
        out["tool_name"] = _first_str(attrs, ("traceloop.entity.name",))
    out["finish_reason"] = _finish_reason(attrs)
    out["time_to_first_token_ms"] = _ttft_ms(attrs)
    out["price_modifiers"] = _price_modifiers(attrs)
    out["cost_reported_usd"] = next((c for k in _COST if (c := to_float(attrs.get(k))) is not None), None)
    out.update(_status(attrs))
    out.update(_content(attrs))
    out["attributes"] = extra or None
    return {k: v for k, v in out.items() if v is not None}


def infer_kind(attrs: Mapping[str, Any]) -> str | None:
    """Kind by the precedence Langfuse's ObservationTypeMapper uses; None when nothing says GenAI."""
    lf = attrs.get("langfuse.observation.type")
    if isinstance(lf, str) and lf.upper() in LANGFUSE_TYPES:
        return LANGFUSE_TYPES[lf.upper()]
    for key, table, norm in (
        ("openinference.span.kind", _OPENINFERENCE_KINDS, str.upper),
        ("gen_ai.operation.name", _OPERATION_KINDS, str.lower),
        ("traceloop.span.kind", _TRACELOOP_KINDS, str.lower),
        ("llm.request.type", _REQUEST_TYPES, str.lower),
    ):
        value = attrs.get(key)
        if isinstance(value, str) and norm(value) in table:
            return table[norm(value)]
    vercel = _vercel_kind(attrs.get("ai.operationId"))
    if vercel:
        return vercel
    if any(k in attrs for k in ("gen_ai.tool.name", "gen_ai.tool.call.id", "tool.name")):
        return "tool"
    if any(k in attrs for k in ("gen_ai.agent.name", "agent.name")):
        return "agent"
    if any(k in attrs for k in _TOKEN_KEYS.union(_RESPONSE_MODEL, _LOGGED_MODEL, _REQUEST_MODEL)):
        return "llm"
    return None


def _vercel_kind(op: Any) -> str | None:
    if not isinstance(op, str) or not op.startswith("ai."):
        return None
    if op.endswith((".doGenerate", ".doStream")):
        return "llm"
    if op.endswith(".doEmbed"):
        return "embedding"
    return "tool" if op == "ai.toolCall" else "agent"


def normalise_provider(value: Any) -> str | None:
    """Lowercase provider id: OTel's dotted names and Vercel's ``openai.responses`` folded to the vendor."""
    if not isinstance(value, str) or not value.strip():
        return None
    name = value.strip().lower()
    if name in _PROVIDER_ALIASES:
        return _PROVIDER_ALIASES[name]
    head = name.split(".", 1)[0]
    return _PROVIDER_ALIASES.get(head, head)


def _model_fields(attrs: Mapping[str, Any], out: dict[str, Any], extra: dict[str, Any]) -> None:
    response = _first_str(attrs, _RESPONSE_MODEL)
    logged = _first_str(attrs, _LOGGED_MODEL)
    request = _first_str(attrs, _REQUEST_MODEL)
    out["model"] = response or logged or request
    if request and request != out["model"]:
        extra["request_model"] = request
    out["provider"] = next((p for k in _PROVIDER if (p := normalise_provider(attrs.get(k)))), None)


def _raw_usage(attrs: Mapping[str, Any], flags: list[str]) -> RawUsage | None:
    if not any(k in attrs for k in _TOKEN_KEYS):
        return None
    return RawUsage(
        input=_count(attrs, _INPUT, flags, "input_tokens"),
        output=_count(attrs, _OUTPUT, flags, "output_tokens"),
        total=_count(attrs, _TOTAL, flags, "total_tokens"),
        cache_read=_count(attrs, _CACHE_READ, flags, "cache_read_tokens") or 0,
        cache_write_5m=_count(attrs, _CACHE_WRITE, flags, "cache_write_tokens") or 0,
        reasoning=_count(attrs, _REASONING, flags, "reasoning_tokens") or 0,
    )


def _count(attrs: Mapping[str, Any], keys: Iterable[str], flags: list[str], field: str) -> int | None:
    """The first logged count among ``keys``; an explicit null is flagged, never a crash or a guess."""
    seen_null = False
    for key in keys:
        if key not in attrs:
            continue
        value = attrs[key]
        if value is None:
            seen_null = True
            continue
        return to_int(value, flags, field)
    if seen_null:
        flags.append(f"null_{field}")
    return None


def _first_str(attrs: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return None


def _finish_reason(attrs: Mapping[str, Any]) -> str | None:
    for key in _FINISH:
        value = _maybe_json(attrs.get(key))
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list):
            reasons = list(dict.fromkeys(str(v) for v in value if v))
            if reasons:
                return ",".join(reasons)
    return None


def _ttft_ms(attrs: Mapping[str, Any]) -> float | None:
    seconds = to_float(attrs.get("gen_ai.response.time_to_first_chunk"))  # OTel logs seconds, Vercel ms
    return seconds * 1000 if seconds is not None else to_float(attrs.get("ai.response.msToFirstChunk"))


def _price_modifiers(attrs: Mapping[str, Any]) -> str | None:
    tier = _first_str(attrs, _SERVICE_TIER)
    if tier is None:
        params = _maybe_json(attrs.get("llm.invocation_parameters"))
        tier = params.get("service_tier") if isinstance(params, dict) else None
    return service_tier_modifier(tier)


def service_tier_modifier(tier: Any) -> str | None:
    """``service_tier=<tier>`` for a tier that changes the price; None for list-price tiers."""
    if not isinstance(tier, str) or tier.strip().lower() in _STANDARD_TIERS:
        return None
    return f"service_tier={tier.strip().lower()}"


def _status(attrs: Mapping[str, Any]) -> dict[str, Any]:
    error_type = _first_str(attrs, ("error.type", "exception.type"))
    code = attrs.get("otel.status_code")
    if error_type is None and not (isinstance(code, str) and code.upper() == "ERROR"):
        return {}
    return {"status": "error", "error_type": error_type or _first_str(attrs, ("otel.status_description",))}


def _content(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Prompt, response and system prompt text; hashes are kept even where content is later dropped."""
    text_in = _text(attrs, _INPUT_TEXT) or _flattened(attrs, ("llm.input_messages.", "gen_ai.prompt."))
    text_out = _text(attrs, _OUTPUT_TEXT) or _flattened(attrs, ("llm.output_messages.", "gen_ai.completion."))
    system = _text(attrs, ("gen_ai.system_instructions",)) or _system_from_messages(attrs)
    return {
        "input_text": text_in,
        "output_text": text_out,
        "prompt_hash": text_hash(text_in),
        "system_prompt_hash": text_hash(system),
    }


def _text(attrs: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list | dict) and value:
            return orjson.dumps(value, default=str).decode()
    return None


def _flattened(attrs: Mapping[str, Any], prefixes: tuple[str, ...]) -> str | None:
    """Message text spread over indexed keys (``llm.input_messages.0.message.content``...)."""
    ends = (".content", ".message_content.text")
    parts = [v for k, v in attrs.items() if k.startswith(prefixes) and k.endswith(ends) and isinstance(v, str)]
    return "\n".join(p for p in parts if p) or None


def _system_from_messages(attrs: Mapping[str, Any]) -> str | None:
    # A system prompt is the first message when there is one.
    for prefix in ("llm.input_messages.0.message.", "gen_ai.prompt.0."):
        content = attrs.get(prefix + "content")
        if attrs.get(prefix + "role") == "system" and isinstance(content, str) and content:
            return content
    return None


def keep_attribute(key: str, value: Any) -> bool:
    """Whether a value belongs in the free ``attributes`` map: not content, not oversized."""
    if value is None or _is_content_key(key):
        return False
    if isinstance(value, list | dict):
        return len(orjson.dumps(value, default=str)) <= _MAX_ATTRIBUTE_CHARS
    return not isinstance(value, str) or len(value) <= _MAX_ATTRIBUTE_CHARS


def _is_content_key(key: str) -> bool:
    # Whole names or dotted children only, so "input" does not swallow "inputs_count".
    return any(key == p or key.startswith(p + ".") for p in _CONTENT_KEYS)


def _maybe_json(value: Any) -> Any:
    """Nested JSON kept as a string inside an attribute (``'["stop"]'``, invocation parameters)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value
