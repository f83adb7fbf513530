"""The normalised event: one row per unit of work, whatever source it came from.

The Arrow schema below is the single definition. The README's field reference is generated from
the ``doc`` metadata of each field (``python -m tokentrail.schema_doc``), and a test fails when the
two drift apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

SCHEMA_VERSION = 1

KINDS = ("llm", "tool", "retrieval", "agent", "embedding", "event", "usage_bucket")

TOKEN_FIELDS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)

_TS = pa.timestamp("us", tz="UTC")


def _f(name: str, type_: pa.DataType, doc: str, *, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


_FIELDS: list[tuple[str, list[pa.Field]]] = [
    (
        "identity",
        [
            _f(
                "event_id",
                pa.string(),
                "Stable id derived from the source's own keys (e.g. Claude Code `message.id`+`requestId`, "
                "OTel `trace_id`+`span_id`), so re-ingesting the same record never counts it twice.",
                nullable=False,
            ),
            _f("source", pa.string(), "Name of the source parser that produced the row.", nullable=False),
            _f("source_ref", pa.string(), "Where the record was read: `file:line`, or an API page."),
            _f("ingested_at", _TS, "When the row was written to the store (UTC).", nullable=False),
        ],
    ),
    (
        "hierarchy",
        [
            _f("session_id", pa.string(), "Conversation or session the event belongs to."),
            _f("trace_id", pa.string(), "Trace id (hex for OpenTelemetry sources)."),
            _f("span_id", pa.string(), "Span / observation / record id within the trace."),
            _f("parent_span_id", pa.string(), "Parent span; tool calls point at the LLM call that made them."),
            _f("kind", pa.string(), "One of " + ", ".join(f"`{k}`" for k in KINDS) + ".", nullable=False),
            _f("name", pa.string(), "Span or step name as logged."),
        ],
    ),
    (
        "attribution",
        [
            _f("user_id", pa.string(), "Person or service account that caused the work."),
            _f("team_id", pa.string(), "Team of the user."),
            _f("project", pa.string(), "Project or repository (Claude Code: the `cwd` of the session)."),
            _f("feature", pa.string(), "Capability tag: what product feature the call served."),
            _f("environment", pa.string(), "Deployment environment (prod, staging, dev, ...)."),
            _f(
                "attributes",
                pa.map_(pa.string(), pa.string()),
                "Free map of custom metadata kept from the source (values as strings).",
            ),
        ],
    ),
    (
        "model",
        [
            _f(
                "provider",
                pa.string(),
                "Provider as logged or inferred (anthropic, openai, aws, google, ...).",
            ),
            _f("model", pa.string(), "Model name exactly as logged."),
            _f(
                "model_id",
                pa.string(),
                "Canonical model id used for pricing (`provider:model`), null when the model is unknown.",
            ),
        ],
    ),
    (
        "time",
        [
            _f("started_at", _TS, "Start of the work, UTC.", nullable=False),
            _f("ended_at", _TS, "End of the work, UTC."),
            _f("latency_ms", pa.float64(), "Wall time of the call in milliseconds."),
            _f("time_to_first_token_ms", pa.float64(), "Time to first streamed token, milliseconds."),
        ],
    ),
    (
        "tokens",
        [
            _f(
                "input_tokens",
                pa.int64(),
                "Uncached input tokens only. Sources whose input count includes cache tokens "
                "(OpenAI, OpenTelemetry) are converted so each token sits in exactly one bucket.",
                nullable=False,
            ),
            _f("cache_read_tokens", pa.int64(), "Input tokens read from the prompt cache.", nullable=False),
            _f(
                "cache_write_5m_tokens",
                pa.int64(),
                "Input tokens written to the cache with the 5-minute TTL (the default when a source does "
                "not split writes by TTL).",
                nullable=False,
            ),
            _f(
                "cache_write_1h_tokens",
                pa.int64(),
                "Input tokens written to the cache with the 1-hour TTL.",
                nullable=False,
            ),
            _f("output_tokens", pa.int64(), "Output tokens, reasoning included.", nullable=False),
            _f(
                "reasoning_tokens",
                pa.int64(),
                "Reasoning/thinking tokens: part of `output_tokens`, shown separately, never added again.",
                nullable=False,
            ),
        ],
    ),
    (
        "money",
        [
            _f(
                "cost_usd",
                pa.float64(),
                "Cost computed from the price table; null when the model could not be priced.",
            ),
            _f(
                "cost_reported_usd",
                pa.float64(),
                "Cost the source itself recorded, if any (never trusted blindly).",
            ),
            _f(
                "priced",
                pa.bool_(),
                "False when no price was found: the tokens still count, the cost is unknown, never $0.",
                nullable=False,
            ),
            _f(
                "price_modifiers",
                pa.string(),
                "Price context the source recorded (e.g. `service_tier=batch`, `inference_geo=us`), "
                "comma-separated, applied when pricing.",
            ),
        ],
    ),
    (
        "content facts",
        [
            _f(
                "system_prompt_tokens",
                pa.int64(),
                "Size of the system prompt in tokens, where known or estimated.",
            ),
            _f(
                "system_prompt_hash",
                pa.string(),
                "Hash of the system prompt text, to group prompt templates.",
            ),
            _f("prompt_hash", pa.string(), "Hash of the prompt (input) text, to find repeated calls."),
            _f(
                "retrieved_context_tokens",
                pa.int64(),
                "Tokens of retrieved context (RAG) sent with the call.",
            ),
            _f("tool_name", pa.string(), "Tool called, for `tool` events."),
            _f("status", pa.string(), "`ok` or `error`."),
            _f("error_type", pa.string(), "Error class or message kind when `status` is `error`."),
            _f("finish_reason", pa.string(), "Why generation stopped (`end_turn`, `tool_use`, `stop`, ...)."),
        ],
    ),
    (
        "content",
        [
            _f(
                "input_text",
                pa.string(),
                "Prompt text (optional; redacted at ingest; droppable by retention).",
            ),
            _f("output_text", pa.string(), "Response text (optional; same rules as `input_text`)."),
        ],
    ),
    (
        "flags",
        [
            _f(
                "flags",
                pa.list_(pa.string()),
                "Findings attached at ingest: data-quality notes (e.g. `usage_missing`, "
                "`negative_tokens`, `cost_reported_zero`) and governance findings.",
            ),
        ],
    ),
]

EVENT_SCHEMA: pa.Schema = pa.schema(
    [f for _, group in _FIELDS for f in group],
    metadata={"tokentrail.schema_version": str(SCHEMA_VERSION)},
)

FIELD_GROUPS: list[tuple[str, list[str]]] = [(g, [f.name for f in fs]) for g, fs in _FIELDS]
FIELD_NAMES: tuple[str, ...] = tuple(EVENT_SCHEMA.names)

_DEFAULTS: dict[str, Any] = {name: None for name in FIELD_NAMES}
_DEFAULTS.update({t: 0 for t in TOKEN_FIELDS})
_DEFAULTS.update({"priced": False, "flags": None, "attributes": None})
_N_FIELDS = len(_DEFAULTS)


def stable_id(*parts: object) -> str:
    """A short, stable hex id from the parts that identify a record in its source."""
    joined = "\x1f".join(p if isinstance(p, str) else str(p) for p in parts)
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def text_hash(text: str | None) -> str | None:
    """Hash of a piece of content, kept even when the content itself is not."""
    if text is None:
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def new_event(**fields: Any) -> dict[str, Any]:
    """A complete event row with defaults for everything not given; unknown names are an error."""
    row = _DEFAULTS.copy()
    row.update(fields)
    if len(row) != _N_FIELDS:
        raise KeyError(f"not event fields: {sorted(row.keys() - set(FIELD_NAMES))}")
    return row


def total_tokens(row: dict[str, Any]) -> int:
    """All billed tokens of a row (reasoning is inside output, so it is not added)."""
    return (
        row["input_tokens"]
        + row["cache_read_tokens"]
        + row["cache_write_5m_tokens"]
        + row["cache_write_1h_tokens"]
        + row["output_tokens"]
    )


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record a source could not read: kept with where it was and why, never dropped."""

    file: str
    line: int | None
    reason: str
    raw: bytes


def to_batch(rows: Iterable[dict[str, Any]]) -> pa.RecordBatch:
    """Rows (as made by `new_event`) to an Arrow batch in the event schema."""
    return pa.RecordBatch.from_pylist(list(rows), schema=EVENT_SCHEMA)
