"""Field names the generic source understands, and how token counts are read from them.

``ALIASES`` is the one table of accepted names (canonical name → aliases); ``FIELD_DOCS`` says what
each canonical field means. The README renders both, so a name added here is documented there.
A dotted alias (``prompt_tokens_details.cached_tokens``) is a path into nested objects.

Token conventions, decided per record from the names that were used (see :func:`read_tokens`):

* **Inclusive** (cache tokens are inside the input count, so they are subtracted to get uncached
  input): the input count was ``prompt_tokens`` (OpenAI chat, LiteLLM) or ``promptTokenCount``
  (Gemini), or the usage carries ``prompt_tokens_details`` / ``input_tokens_details`` (OpenAI
  Responses API, whose ``input_tokens`` includes ``cached_tokens``).
* **Exclusive** (cache tokens sit beside the input count): everything else, i.e. Anthropic's
  ``input_tokens`` + ``cache_creation_input_tokens`` / ``cache_read_input_tokens``, Bedrock
  Converse's ``inputTokens`` + ``cacheReadInputTokens`` / ``cacheWriteInputTokens``, and our own
  canonical ``input_tokens`` + ``cache_read_tokens`` / ``cache_write_tokens``.

Cache writes without a TTL split count as 5-minute writes. With a split (``cache_creation``'s
``ephemeral_5m_input_tokens`` / ``ephemeral_1h_input_tokens``), the 1h part is kept and anything the
split does not cover is added to the 5m part, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokentrail.sources.base import split_inclusive_input, to_int

ALIASES: dict[str, tuple[str, ...]] = {
    # time
    "timestamp": (
        "ts",
        "time",
        "created_at",
        "createdAt",
        "created",
        "startTime",
        "start_time",
        "started_at",
        "@timestamp",
        "request_time",
    ),
    "ended_at": ("endTime", "end_time", "completed_at", "completedAt", "finished_at"),
    "latency_ms": ("duration_ms", "latencyMs", "durationMs", "elapsed_ms", "response_time_ms"),
    "time_to_first_token_ms": ("ttft_ms", "timeToFirstTokenMs", "first_token_ms"),
    # identity and hierarchy
    "event_id": ("id", "request_id", "requestId", "call_id"),
    "session_id": ("session", "sessionId", "conversation_id", "conversationId", "thread_id"),
    "trace_id": ("traceId",),
    "span_id": ("spanId", "observation_id", "observationId"),
    "parent_span_id": ("parentSpanId", "parent_id", "parentId", "parentObservationId"),
    "kind": ("span_kind", "spanKind", "observation_type"),
    "name": ("span_name", "operation", "operation_name", "step"),
    # attribution
    "user_id": ("user", "userId", "user_email", "end_user", "user_api_key_user_id"),
    "team_id": ("team", "teamId", "team_name", "department", "user_api_key_team_id"),
    "project": ("project_id", "projectId", "project_name", "repo", "repository", "application", "app"),
    "feature": ("capability", "use_case", "feature_tag", "feature_name"),
    "environment": ("env", "stage", "deployment_environment"),
    "metadata": ("meta", "attributes", "custom_metadata", "labels"),
    # model
    "provider": ("vendor", "llm_provider", "custom_llm_provider", "model_provider"),
    "model": ("model_name", "modelId", "model_id", "modelName"),
    # tokens
    "input_tokens": ("prompt_tokens", "inputTokens", "promptTokenCount", "input"),
    "output_tokens": ("completion_tokens", "outputTokens", "candidatesTokenCount", "output"),
    "cache_read_tokens": (
        "cache_read_input_tokens",
        "cacheReadInputTokens",
        "prompt_tokens_details.cached_tokens",
        "input_tokens_details.cached_tokens",
        "cachedContentTokenCount",
        "cached_tokens",
    ),
    "cache_write_tokens": (
        "cache_creation_input_tokens",
        "cacheWriteInputTokens",
        "cache_write_input_tokens",
        "cache_creation_tokens",
    ),
    "cache_write_5m_tokens": ("cache_creation.ephemeral_5m_input_tokens", "ephemeral_5m_input_tokens"),
    "cache_write_1h_tokens": ("cache_creation.ephemeral_1h_input_tokens", "ephemeral_1h_input_tokens"),
    "reasoning_tokens": (
        "completion_tokens_details.reasoning_tokens",
        "output_tokens_details.reasoning_tokens",
        "thoughtsTokenCount",
        "thinking_tokens",
    ),
    "usage": ("usageMetadata", "token_usage"),
    "system_prompt_tokens": ("systemPromptTokens",),
    "retrieved_context_tokens": ("context_tokens", "retrieval_tokens"),
    # money and pricing context
    "cost_usd": ("cost", "spend", "total_cost", "response_cost", "costUsd", "totalCost"),
    "service_tier": ("serviceTier", "tier"),
    "batch": ("is_batch", "batch_mode"),
    "inference_geo": ("inferenceGeo",),
    # outcome
    "status": ("state", "outcome", "status_code", "statusCode", "http_status"),
    "error": ("error_message", "errorMessage", "exception"),
    "error_type": ("errorType", "error_code", "errorCode"),
    "finish_reason": ("stop_reason", "stopReason", "finishReason"),
    "tool_name": ("tool", "function_name", "toolName"),
    # content
    "system_prompt": ("system", "systemPrompt", "instructions", "system_message"),
    "input_text": ("prompt", "input", "messages", "request_text", "question", "query"),
    "output_text": ("response", "completion", "output", "answer", "response_text"),
}

FIELD_DOCS: dict[str, str] = {
    "timestamp": "Start of the call: ISO-8601 (naive = UTC) or epoch seconds / ms / µs / ns. Required.",
    "ended_at": "End of the call, same formats; gives `latency_ms` when that is missing.",
    "latency_ms": "Wall time in milliseconds.",
    "time_to_first_token_ms": "Time to first streamed token, milliseconds.",
    "event_id": "The record's own id. Ids shorter than 8 characters (row numbers) are mixed with the "
    "content so two files' row 1 never collide; without any id, the id is a hash of the content.",
    "session_id": "Conversation or session id.",
    "trace_id": "Trace id.",
    "span_id": "Span id within the trace.",
    "parent_span_id": "Parent span id.",
    "kind": "`llm`, `tool`, `retrieval`, `agent`, `embedding` or `event` (synonyms such as "
    "`generation` or `function` are mapped; `type` is read too when it holds one of them). "
    "Default: `llm` when tokens or a model are present, `tool` when a tool name is, else `event`.",
    "name": "Span or step name.",
    "user_id": "Person or service account; also read from `metadata`.",
    "team_id": "Team; also read from `metadata`.",
    "project": "Project, repository or application; also read from `metadata`.",
    "feature": "Capability tag (what the call served); also read from `metadata`.",
    "environment": "Deployment environment; also read from `metadata`.",
    "metadata": "Custom metadata object (or a JSON string of one), kept as the `attributes` map.",
    "provider": "Provider, lowercased. Inferred from the model name when absent.",
    "model": "Model name exactly as logged.",
    "input_tokens": "Input tokens. Exclusive of cache tokens, except `prompt_tokens` / "
    "`promptTokenCount` (or OpenAI's `*_tokens_details` next to it), which include them.",
    "output_tokens": "Output tokens, reasoning included (Gemini's `candidatesTokenCount` excludes "
    "reasoning, so `thoughtsTokenCount` is added to it).",
    "cache_read_tokens": "Input tokens read from the prompt cache.",
    "cache_write_tokens": "Input tokens written to the cache, all TTLs; counted as 5-minute writes "
    "unless split by TTL.",
    "cache_write_5m_tokens": "Cache writes with the 5-minute TTL.",
    "cache_write_1h_tokens": "Cache writes with the 1-hour TTL.",
    "reasoning_tokens": "Reasoning / thinking tokens (part of output).",
    "usage": "Nested usage object (OpenAI, Anthropic, Bedrock Converse or Gemini shape); token "
    "fields are looked up there first, then on the record. `null` keeps the event, flagged "
    "`usage_missing`.",
    "system_prompt_tokens": "Size of the system prompt in tokens.",
    "retrieved_context_tokens": "Tokens of retrieved (RAG) context sent with the call.",
    "cost_usd": "Cost the source recorded (kept as `cost_reported_usd`, never used as our cost). "
    "An object is read through its `total`. A 0 with tokens is flagged `cost_reported_zero`.",
    "service_tier": "Service tier (batch, flex, priority, ...), passed to pricing as `service_tier=…`.",
    "batch": "True for batch-API calls; passed to pricing as `service_tier=batch`.",
    "inference_geo": "Inference region, passed to pricing as `inference_geo=…`.",
    "status": "`ok`/`success`/2xx or `error`/`failed`/4xx-5xx.",
    "error": "Error message or object; any value makes the status `error`.",
    "error_type": "Error class; defaults to the error object's `type`/`code` or `http_<status>`.",
    "finish_reason": "Why generation stopped.",
    "tool_name": "Tool called (for tool events).",
    "system_prompt": "System prompt text; only its hash is kept.",
    "input_text": "Prompt text (a string, or a messages list kept as JSON); `input` is text only when "
    "it is not a number.",
    "output_text": "Response text; `output` counts as text when a string.",
}

# Input counts that already include cache tokens (see the module docstring).
INCLUSIVE_INPUT_KEYS = frozenset({"prompt_tokens", "promptTokenCount"})
INCLUSIVE_MARKERS = ("prompt_tokens_details", "input_tokens_details")
# Output counts that leave reasoning out, so reasoning is added back.
OUTPUT_WITHOUT_REASONING = frozenset({"candidatesTokenCount"})
# Aliases that hold a count when numeric and text otherwise; too generic to claim a file by (the
# OpenTelemetry attribute samples use them for text).
TEXT_OR_COUNT = frozenset({"input", "output"})


def names(canonical: str) -> tuple[str, ...]:
    return (canonical, *ALIASES[canonical])


def detection_keys() -> frozenset[str]:
    """Top-level names whose presence in a file's first object makes the file ours."""
    keys: set[str] = set()
    for canonical in ("timestamp", "model", "usage", *(k for k in ALIASES if k.endswith("_tokens"))):
        keys.update(n for n in names(canonical) if "." not in n and n not in TEXT_OR_COUNT)
    return frozenset(keys)


def _index() -> tuple[dict[str, list[tuple[str, int]]], dict[str, list[tuple[str, str, int]]]]:
    """Every accepted name → the canonical fields it may mean, with its rank among their names.

    Dotted names are one level deep (``parent.child``) and are indexed under their parent.
    """
    flat: dict[str, list[tuple[str, int]]] = {}
    nested: dict[str, list[tuple[str, str, int]]] = {}
    for canonical in ALIASES:
        for rank, name in enumerate(names(canonical)):
            parent, _, child = name.partition(".")
            if child:
                nested.setdefault(parent, []).append((canonical, child, rank))
            else:
                flat.setdefault(name, []).append((canonical, rank))
    return flat, nested


_FLAT, _NESTED = _index()
# Keys whose *value* can change which field they fill: `input`/`output` (count or text) and the
# parents of dotted names (only an object holding the child counts).
VALUE_DEPENDENT = TEXT_OR_COUNT | _NESTED.keys()

# canonical name → value, for every known field an object has (an explicit null is kept as None). It
# may also hold the object's other keys, which are never asked for (see generic_fast.Shape.read).
Found = dict[str, Any]
# canonical → (rank among its names, key in the object, child key when the name is dotted)
Winners = dict[str, tuple[int, str, str | None]]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def winners(obj: dict[str, Any]) -> Winners:
    """Which of ``obj``'s names fills each canonical field.

    When several names of one field are present, the earliest in ``names()`` wins. A name present
    with a null value still wins, so an explicit null can be flagged. This is the one rule; the
    generic source applies it once per record shape (see ``generic_fast``).
    """
    found: Winners = {}
    for key, value in obj.items():
        for canonical, rank in _FLAT.get(key, ()):
            # `input`/`output` are counts when numeric and text otherwise, never both.
            if key in TEXT_OR_COUNT and canonical.endswith("_tokens") != _is_number(value):
                continue
            held = found.get(canonical)
            if held is None or rank < held[0]:
                found[canonical] = (rank, key, None)
        if key in _NESTED and isinstance(value, dict):
            for canonical, child, rank in _NESTED[key]:
                held = found.get(canonical)
                if child in value and (held is None or rank < held[0]):
                    found[canonical] = (rank, key, child)
    return found


@dataclass(slots=True)
class Tokens:
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    found: bool = False  # any token field present at all

    def total(self) -> int:
        return (
            self.input_tokens
            + self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.output_tokens
        )


# Counts in reading order. Reasoning is read after the cache writes are reconciled, so data-quality
# flags always come out in the same order.
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
)
_SPLIT = ("cache_write_5m_tokens", "cache_write_1h_tokens")


@dataclass(frozen=True, slots=True)
class TokenPlan:
    """Where a record of one shape (and its usage object, if any) keeps its counts: worked out once.

    Counts are read from the usage object first, then the record; the names that hit decide the
    inclusive/exclusive convention (see the module docstring).
    """

    counts: tuple[tuple[str, int], ...]  # (canonical, index of the object holding it) per count present
    reasoning: tuple[tuple[str, int], ...]  # the same for reasoning_tokens: empty or one entry
    split_writes: bool  # cache writes are split by TTL
    inclusive: bool  # the input count includes cache tokens
    add_reasoning: bool  # the output count leaves reasoning out
    found: bool  # any token field present at all (even null)


def plan_tokens(containers: tuple[tuple[dict[str, str], bool], ...]) -> TokenPlan:
    """The plan for objects read in this order, each given as (canonical → name used, has an
    inclusive marker such as ``prompt_tokens_details``)."""
    used: dict[str, str] = {}  # canonical → the name that supplied it
    sources: list[tuple[str, int]] = []
    for canonical in (*_COUNTS, "reasoning_tokens"):
        for index, (names_used, _) in enumerate(containers):
            if canonical in names_used:
                used[canonical] = names_used[canonical]
                sources.append((canonical, index))
                break
    return TokenPlan(
        counts=tuple(s for s in sources if s[0] != "reasoning_tokens"),
        reasoning=tuple(s for s in sources if s[0] == "reasoning_tokens"),
        split_writes=any(c in used for c in _SPLIT),
        inclusive=used.get("input_tokens") in INCLUSIVE_INPUT_KEYS or any(marker for _, marker in containers),
        add_reasoning=used.get("output_tokens") in OUTPUT_WITHOUT_REASONING,
        found=bool(used),
    )


def _read_counts(
    sources: tuple[tuple[str, int], ...], containers: tuple[Found, ...], flags: list[str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for canonical, index in sources:
        value = containers[index][canonical]
        if value is None:
            flags.append(f"null_{canonical}")
            counts[canonical] = 0
        else:
            counts[canonical] = to_int(value, flags, canonical)
    return counts


def _cache_writes(counts: dict[str, int], flags: list[str]) -> tuple[int, int]:
    """(5m, 1h) cache writes of a split record: what the split leaves uncovered is 5m too."""
    total = counts.get("cache_write_tokens")
    w5 = counts.get("cache_write_5m_tokens", 0)
    w1 = counts.get("cache_write_1h_tokens", 0)
    if total is not None and total > w5 + w1:
        w5 += total - w5 - w1
    elif total is not None and total < w5 + w1:
        flags.append("cache_write_split_exceeds_total")
    return w5, w1


def read_tokens(plan: TokenPlan, containers: tuple[Found, ...], flags: list[str]) -> Tokens:
    """Token buckets of one record; ``containers`` are the objects ``plan`` was made for, resolved.

    Data-quality flags (``null_*``, ``negative_*``, ...) are appended to ``flags``.
    """
    counts = _read_counts(plan.counts, containers, flags)
    raw_input = counts.get("input_tokens")
    output = counts.get("output_tokens")
    read = counts.get("cache_read_tokens", 0)
    if plan.split_writes:
        w5, w1 = _cache_writes(counts, flags)
    else:  # an unsplit total counts as 5-minute writes
        w5, w1 = counts.get("cache_write_tokens", 0), 0
    reasoning = _read_counts(plan.reasoning, containers, flags)["reasoning_tokens"] if plan.reasoning else 0
    if raw_input is not None and plan.inclusive:
        raw_input = split_inclusive_input(raw_input, read, w5 + w1, flags)
    if plan.add_reasoning:
        output = (output or 0) + reasoning
    return Tokens(raw_input or 0, read, w5, w1, output or 0, reasoning, plan.found)
