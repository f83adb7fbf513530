"""The OpenTelemetry source: OTLP/JSON files, span records and flat GenAI attribute maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tokentrail.events import Quarantined, to_batch
from tokentrail.sources.base import ParseContext, read_head
from tokentrail.sources.otel import SOURCE

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
T0 = 1767225600000000000  # 2026-01-01T00:00:00Z in nanoseconds


def parse(path: Path, **ctx: Any) -> tuple[list[dict[str, Any]], list[Quarantined]]:
    rows: list[dict[str, Any]] = []
    bad: list[Quarantined] = []
    for item in SOURCE.parse(path, ParseContext(**ctx)):
        if isinstance(item, Quarantined):
            bad.append(item)
        elif isinstance(item, dict):
            rows.append(item)
    to_batch(rows)  # every row must fit the Arrow schema
    return rows, bad


def write_json(tmp_path: Path, name: str, value: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


def kv(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """Attributes the way OTLP/JSON writes them; ints as strings, as the Collector does."""
    out = []
    for key, value in attrs.items():
        if isinstance(value, bool):
            v: dict[str, Any] = {"boolValue": value}
        elif isinstance(value, int):
            v = {"intValue": str(value)}
        elif isinstance(value, float):
            v = {"doubleValue": value}
        elif isinstance(value, list):
            v = {"arrayValue": {"values": [{"stringValue": x} for x in value]}}
        elif value is None:
            v = {}
        else:
            v = {"stringValue": value}
        out.append({"key": key, "value": v})
    return out


def span(span_id: str, attrs: dict[str, Any], *, parent: str = "", kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": "chat",
        "kind": kind,
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 1_200_000_000),
        "attributes": kv(attrs),
        "status": {},
        **extra,
    }


def request(*spans: dict[str, Any], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    res = resource if resource is not None else {"service.name": "support-bot"}
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": kv(res)},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


def llm_totals(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(LLM calls, total prompt tokens = uncached + cache read + cache writes, output tokens)."""
    calls = [r for r in rows if r["kind"] == "llm"]
    prompt = sum(
        r["input_tokens"] + r["cache_read_tokens"] + r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"]
        for r in calls
    )
    return len(calls), prompt, sum(r["output_tokens"] for r in calls)


# --- the shared samples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["genai_client_span_tool_calls.attrs.json", "openinference_client_span_tool_calls.attrs.json"],
)
def test_sample_attribute_maps_match_the_readme(samples: Path, name: str) -> None:
    path = samples / "otel" / name
    assert SOURCE.detect(read_head(path), path)
    rows, bad = parse(path)
    assert bad == []
    # README: 1 call, input 97, output 52 (both files hold the same call in two dialects).
    assert llm_totals(rows) == (1, 97, 52)
    (row,) = rows
    assert (row["provider"], row["model"]) == ("openai", "gpt-4-0613")
    assert row["cost_usd"] is None and row["priced"] is False and row["model_id"] is None


def test_genai_sample_keeps_the_request_model_beside_the_response_model(samples: Path) -> None:
    (row,), _ = parse(samples / "otel" / "genai_client_span_tool_calls.attrs.json")
    # Logged: request gpt-4, response gpt-4-0613; the response model is the one billed.
    assert row["model"] == "gpt-4-0613"
    assert row["attributes"]["request_model"] == "gpt-4"
    assert row["finish_reason"] == "stop"
    assert row["input_text"].startswith('[{"role":"user"')
    # No time in a bare attribute map: the file's time is used, and said so.
    assert "started_at_from_file_mtime" in row["flags"]


def test_attribute_map_event_id_is_stable(samples: Path) -> None:
    path = samples / "otel" / "genai_client_span_tool_calls.attrs.json"
    assert parse(path)[0][0]["event_id"] == parse(path)[0][0]["event_id"]


# --- token conventions --------------------------------------------------------------------------


def test_otel_input_includes_anthropic_cache(tmp_path: Path) -> None:
    """Fault item 5a: OTel input_tokens already holds cache reads and writes."""
    attrs = {
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5-20250929",
        "gen_ai.usage.input_tokens": 12000,
        "gen_ai.usage.cache_read.input_tokens": 10000,
        "gen_ai.usage.cache_creation.input_tokens": 1500,
        "gen_ai.usage.output_tokens": 300,
    }
    (row,), bad = parse(write_json(tmp_path, "a.json", request(span("00f067aa0ba902b7", attrs))))
    assert bad == []
    # uncached = 12,000 - 10,000 - 1,500 = 500; total prompt stays 12,000 (not 23,500).
    assert row["input_tokens"] == 500
    assert (row["cache_read_tokens"], row["cache_write_5m_tokens"], row["output_tokens"]) == (
        10000,
        1500,
        300,
    )
    assert llm_totals([row]) == (1, 12000, 300)
    assert row["provider"] == "anthropic"


def test_openinference_bedrock_prompt_is_exclusive(tmp_path: Path) -> None:
    """Fault item 6: Bedrock via OpenInference logs prompt beside the cache; total includes it."""
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "llm.provider": "aws",
        "llm.token_count.total": 10000,
        "llm.token_count.prompt": 5,
        "llm.token_count.completion": 400,
        "llm.token_count.prompt_details.cache_read": 9000,
        "llm.token_count.prompt_details.cache_write": 595,
    }
    (row,), _ = parse(write_json(tmp_path, "b.json", attrs))
    # total 10,000 = 5 + 9,000 + 595 + 400, so prompt is exclusive: uncached 5, completion 400
    # (never total - prompt = 9,995).
    assert (row["input_tokens"], row["output_tokens"]) == (5, 400)
    assert (row["cache_read_tokens"], row["cache_write_5m_tokens"]) == (9000, 595)
    assert row["provider"] == "aws"


def test_openinference_without_total_decides_by_arithmetic(tmp_path: Path) -> None:
    attrs = {
        "llm.model_name": "claude-sonnet-4-5",
        "llm.token_count.prompt": 5,
        "llm.token_count.completion": 400,
        "llm.token_count.prompt_details.cache_read": 9000,
    }
    (row,), _ = parse(write_json(tmp_path, "c.json", attrs))
    # 5 < 9,000 cannot include the cache: 5 stays uncached (not clamped to 0), flagged.
    assert row["input_tokens"] == 5
    assert "input_exclusive_of_cache" in row["flags"]


def test_openinference_openai_prompt_is_inclusive(tmp_path: Path) -> None:
    attrs = {
        "llm.model_name": "gpt-4o",
        "llm.token_count.prompt": 10000,
        "llm.token_count.completion": 500,
        "llm.token_count.total": 10500,
        "llm.token_count.prompt_details.cache_read": 8000,
    }
    (row,), _ = parse(write_json(tmp_path, "d.json", attrs))
    # Fault item 5b: total 10,500 = 10,000 + 500, so cache is inside: uncached 10,000 - 8,000 = 2,000.
    assert (row["input_tokens"], row["cache_read_tokens"]) == (2000, 8000)


def test_reasoning_stays_inside_output(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "o3",
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 900,
        "gen_ai.usage.reasoning.output_tokens": 700,
    }
    (row,), _ = parse(write_json(tmp_path, "r.json", request(span("00f067aa0ba902b7", attrs))))
    # 700 of the 900 output tokens were reasoning: output stays 900, not 1,600.
    assert (row["output_tokens"], row["reasoning_tokens"]) == (900, 700)


def test_null_token_attributes_are_flagged_not_fatal(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5-20250929",
        "gen_ai.usage.input_tokens": None,
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.usage.cache_creation.input_tokens": None,
    }
    (row,), bad = parse(write_json(tmp_path, "n.json", request(span("00f067aa0ba902b7", attrs))))
    assert bad == []
    # Fault item 21: output 120 counts; the null input is 0 in sums and flagged as unknown.
    assert (row["input_tokens"], row["output_tokens"]) == (0, 120)
    assert {"null_input_tokens", "null_cache_write_tokens"} <= set(row["flags"])


def test_int_value_as_string_and_as_number(tmp_path: Path) -> None:
    raw = span("00f067aa0ba902b7", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"})
    raw["attributes"] += [
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 85}},
    ]
    (row,), _ = parse(write_json(tmp_path, "i.json", request(raw)))
    # "1200" (OTLP's string int64) reads as 1,200; a plain number 85 as 85.
    assert (row["input_tokens"], row["output_tokens"]) == (1200, 85)


# --- dialects -----------------------------------------------------------------------------------


def test_deprecated_gen_ai_names(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.system": "az.ai.openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.prompt_tokens": 150,
        "gen_ai.usage.completion_tokens": 30,
    }
    (row,), _ = parse(write_json(tmp_path, "old.json", attrs))
    # prompt_tokens -> input 150, completion_tokens -> output 30; az.ai.openai is Azure.
    assert (row["kind"], row["input_tokens"], row["output_tokens"]) == ("llm", 150, 30)
    assert row["provider"] == "azure"


def test_vercel_ai_sdk_names_and_rollup(tmp_path: Path) -> None:
    outer = {
        "ai.operationId": "ai.generateText",
        "ai.model.id": "gpt-4o-mini",
        "ai.model.provider": "openai.chat",
        "ai.usage.promptTokens": 250,
        "ai.usage.completionTokens": 60,
        "ai.telemetry.metadata.userId": "alice",
    }
    inner = {
        "ai.operationId": "ai.generateText.doGenerate",
        "ai.model.id": "gpt-4o-mini",
        "ai.model.provider": "openai.chat",
        "ai.usage.promptTokens": "250",
        "ai.usage.completionTokens": 60,
        "ai.response.finishReason": "stop",
        "ai.telemetry.metadata.userId": "alice",
    }
    doc = request(span("00000000000000a1", outer, kind=1), span("00000000000000a2", inner, parent="00000000000000a1"))
    rows, _ = parse(write_json(tmp_path, "v.json", doc))
    by_id = {r["span_id"]: r for r in rows}
    # The doGenerate call counts: 250 in, 60 out. The generateText parent repeats those same
    # tokens as its roll-up: counting both would give 500 in, so the parent holds 0.
    assert llm_totals(rows) == (1, 250, 60)
    assert by_id["00000000000000a1"]["kind"] == "agent"
    assert by_id["00000000000000a1"]["input_tokens"] == 0
    assert by_id["00000000000000a2"]["provider"] == "openai"
    assert by_id["00000000000000a2"]["user_id"] == "alice"
    assert by_id["00000000000000a2"]["parent_span_id"] == "00000000000000a1"


def test_traceloop_names(tmp_path: Path) -> None:
    call = {
        "llm.request.type": "chat",
        "gen_ai.system": "Anthropic",
        "gen_ai.request.model": "claude-3-5-sonnet-20241022",
        "gen_ai.usage.prompt_tokens": 100,
        "gen_ai.usage.completion_tokens": 20,
        "gen_ai.usage.cache_read_input_tokens": 1000,
        "llm.usage.total_tokens": 1120,
        "traceloop.association.properties.user_id": "bob",
        "traceloop.association.properties.session_id": "chat-7",
    }
    tool = {"traceloop.span.kind": "tool", "traceloop.entity.name": "web_search"}
    doc = request(span("00000000000000b1", call), span("00000000000000b2", tool, kind=1))
    rows, _ = parse(write_json(tmp_path, "t.json", doc))
    llm, tool_row = rows
    # total 1,120 = 100 + 1,000 + 20: Anthropic's prompt is beside the cache, so uncached stays 100.
    assert (llm["input_tokens"], llm["cache_read_tokens"], llm["output_tokens"]) == (100, 1000, 20)
    assert (llm["provider"], llm["user_id"], llm["session_id"]) == ("anthropic", "bob", "chat-7")
    assert (tool_row["kind"], tool_row["tool_name"]) == ("tool", "web_search")


# --- OTLP files ---------------------------------------------------------------------------------


def test_jsonl_with_torn_last_line(tmp_path: Path) -> None:
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 10,
    }
    lines = [json.dumps(request(span(f"00000000000000c{i}", chat))) for i in range(3)]
    path = tmp_path / "traces.jsonl"
    path.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[2][:80], encoding="utf-8")
    rows, bad = parse(path)
    # Two whole requests of 100 in / 10 out; the third is cut mid-record and quarantined.
    assert llm_totals(rows) == (2, 200, 20)
    assert [(q.line, "incomplete" in q.reason) for q in bad] == [(3, True)]


def test_pretty_document_is_streamed_with_resource_attributes(tmp_path: Path) -> None:
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.cache_read.input_tokens": 1024,
        "gen_ai.usage.output_tokens": 85,
        "user.id": "alice",
    }
    failed = span(
        "00000000000000d2",
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"},
        kind=1,
        status={"code": 2, "message": "timeout"},
    )
    step = span("00000000000000d3", {"custom.step": "plan"}, kind=1)
    step["endTimeUnixNano"] = step["startTimeUnixNano"]
    resource = {"service.name": "support-bot", "deployment.environment.name": "prod", "team.id": "search"}
    path = write_json(tmp_path, "doc.json", request(span("00000000000000d1", chat), failed, step, resource=resource))
    assert path.read_text().startswith("{\n")
    rows, bad = parse(path)
    assert bad == []
    llm, tool, event = rows
    # 1,200 inclusive prompt with 1,024 cached: 176 uncached.
    assert (llm["input_tokens"], llm["cache_read_tokens"], llm["output_tokens"]) == (176, 1024, 85)
    assert (llm["project"], llm["environment"], llm["team_id"], llm["user_id"]) == (
        "support-bot",
        "prod",
        "search",
        "alice",
    )
    assert llm["latency_ms"] == pytest.approx(1200.0)
    assert llm["started_at"].isoformat() == "2026-01-01T00:00:00+00:00"
    assert (tool["kind"], tool["tool_name"], tool["status"], tool["error_type"]) == (
        "tool",
        "lookup",
        "error",
        "timeout",
    )
    # A span with no GenAI meaning and no duration is still an event, so the tree stays whole.
    assert (event["kind"], event["attributes"]["custom.step"]) == ("event", "plan")


def test_base64_ids_are_converted_to_hex(tmp_path: Path) -> None:
    raw = span("AAAAAAAAAAE=", {"gen_ai.operation.name": "chat"})
    raw["traceId"] = "S/kvNXezTaajzpKdDg5HNg=="
    (row,), _ = parse(write_json(tmp_path, "b64.json", request(raw)))
    assert (row["trace_id"], row["span_id"]) == (TRACE, "0000000000000001")


def test_event_ids_are_stable_and_content_can_be_dropped(tmp_path: Path) -> None:
    chat = {"gen_ai.operation.name": "chat", "gen_ai.input.messages": '[{"role":"user"}]'}
    path = write_json(tmp_path, "k.json", request(span("00000000000000e1", chat)))
    (first,), _ = parse(path)
    (second,), _ = parse(path, keep_content=False)
    assert first["event_id"] == second["event_id"]
    assert first["input_text"] == '[{"role":"user"}]' and second["input_text"] is None
    assert second["prompt_hash"] == first["prompt_hash"] is not None


def test_batch_service_tier_becomes_a_price_modifier(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.operation.name": "chat",
        "openai.response.service_tier": "flex",
        "gen_ai.request.model": "o3",
    }
    (row,), _ = parse(write_json(tmp_path, "tier.json", attrs))
    assert row["price_modifiers"] == "service_tier=flex"


# --- detection ----------------------------------------------------------------------------------


def test_detect_by_content(tmp_path: Path) -> None:
    claude = b'{"type":"assistant","sessionId":"s1","uuid":"u1","message":{"model":"claude","usage":{}}}\n'
    langfuse = b'{"trace": {"id": "t"}, "observations": [{"id": "o", "traceId": "t", "type": "GENERATION"}]}'
    otlp = json.dumps(request()).encode()
    flat = b'{\n  "llm.token_count.prompt": 3\n}'
    path = tmp_path / "x.json"
    assert SOURCE.detect(otlp, path) and SOURCE.detect(flat, path)
    assert not SOURCE.detect(claude, path)
    assert not SOURCE.detect(langfuse, path)
    assert not SOURCE.detect(b'{"name": "plain json"}', path)
