"""The Langfuse source: {trace, observations} exports, observation arrays and observation JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tokentrail.events import Quarantined, to_batch
from tokentrail.sources.base import ParseContext, read_head
from tokentrail.sources.langfuse import SOURCE

# README table: file -> (LLM calls, input = uncached + cache read + cache write, output, export's cost)
README = {
    "openai-agents-2025-09-30.trace.json": (2, 140, 44, 0.000632),
    "langgraph-python-2025-08-22.trace.json": (2, 168, 66, 0.000234),
    "pydantic-ai-tools-2025-12-04.trace.json": (4, 1315, 209, 0.00032265),
    "autogen-2025-06-06.trace.json": (1, 41, 3, 0.000025),
    "llamaindex-2025-06-05.trace.json": (1, 13, 81, 0.0008425),
    "google-gemini-2025-08-01.trace.json": (1, 6, 2055, 0.0051393),
}


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


def llm_totals(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    calls = [r for r in rows if r["kind"] == "llm"]
    prompt = sum(
        r["input_tokens"] + r["cache_read_tokens"] + r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"]
        for r in calls
    )
    return len(calls), prompt, sum(r["output_tokens"] for r in calls)


def observation(obs_id: str, usage: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": obs_id,
        "traceId": "trace-1",
        "type": "GENERATION",
        "name": "chat",
        "startTime": "2025-06-01T10:00:00.000Z",
        "endTime": "2025-06-01T10:00:01.500Z",
        "model": "gpt-4o",
        "level": "DEFAULT",
        "usageDetails": usage or {},
        "metadata": "{}",
        **fields,
    }


def single(tmp_path: Path, obs: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([obs]), encoding="utf-8")
    rows, bad = parse(path)
    assert bad == []
    (row,) = rows
    return row


# --- the shared samples -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(README))
def test_samples_match_the_readme(samples: Path, name: str) -> None:
    path = samples / "langfuse" / name
    assert SOURCE.detect(read_head(path), path)
    rows, bad = parse(path)
    assert bad == []
    calls, prompt, output, cost = README[name]
    assert llm_totals(rows) == (calls, prompt, output)
    reported = sum(r["cost_reported_usd"] for r in rows if r["kind"] == "llm")
    assert reported == pytest.approx(cost, abs=5e-9)
    assert all(r["cost_usd"] is None and r["priced"] is False for r in rows)


def test_gemini_reasoning_is_inside_output(samples: Path) -> None:
    (row,), _ = parse(samples / "langfuse" / "google-gemini-2025-08-01.trace.json")
    # usageDetails: input 6, output 2,055, total 2,061 = 6 + 2,055, so the 1,104 reasoning
    # tokens are part of the 2,055 and are not added again.
    assert (row["output_tokens"], row["reasoning_tokens"]) == (2055, 1104)
    assert (row["provider"], row["model"]) == ("google", "gemini-2.5-flash")


def test_trace_observations_copy_is_not_counted_twice(samples: Path) -> None:
    # openai-agents holds its 5 observations at the top and again inside trace.observations.
    rows, _ = parse(samples / "langfuse" / "openai-agents-2025-09-30.trace.json")
    assert len(rows) == 5
    assert sorted(r["kind"] for r in rows) == ["agent", "agent", "llm", "llm", "tool"]
    (tool,) = [r for r in rows if r["kind"] == "tool"]
    assert tool["tool_name"] == "get_weather"
    assert {r["provider"] for r in rows if r["kind"] == "llm"} == {"openai"}


def test_trace_fields_are_copied_to_observations(samples: Path) -> None:
    rows, _ = parse(samples / "langfuse" / "autogen-2025-06-06.trace.json")
    assert {(r["session_id"], r["user_id"], r["environment"]) for r in rows} == {("session_abc", "user_123", "default")}
    assert {r["trace_id"] for r in rows} == {"1b72c51fabed12ae7df83bfd4a09f545"}
    # The chat generation ran from 11:31:33.978 to 11:31:34.606: 628 ms.
    (llm,) = [r for r in rows if r["kind"] == "llm"]
    assert llm["latency_ms"] == pytest.approx(628.0)
    assert llm["parent_span_id"] == "95f4f51edeb603d9"


def test_latency_comes_from_timestamps_whatever_unit_the_export_used(samples: Path) -> None:
    # pydantic-ai's export writes latency in ms (7424), the others in seconds (0.645): the
    # timestamps 14:51:22.049 -> 14:51:29.473 give 7,424 ms either way.
    rows, _ = parse(samples / "langfuse" / "pydantic-ai-tools-2025-12-04.trace.json")
    root = next(r for r in rows if r["name"] == "run_joke_generator")
    assert root["latency_ms"] == pytest.approx(7424.0)


def test_agent_span_usage_is_a_rollup_not_counted(samples: Path) -> None:
    rows, _ = parse(samples / "langfuse" / "pydantic-ai-tools-2025-12-04.trace.json")
    # "joke_agent run" carries gen_ai.usage 682 in / 126 out = its children 417+265 / 53+73.
    run = next(r for r in rows if r["name"] == "joke_agent run" and "682" in r["attributes"]["rollup_usage"])
    assert (run["kind"], run["input_tokens"], run["output_tokens"]) == ("agent", 0, 0)


# --- token conventions --------------------------------------------------------------------------


def test_langfuse_cached_key_is_beside_input(tmp_path: Path) -> None:
    # Langfuse's SDK subtracts cached tokens from input: 2,000 uncached + 8,000 cached, no total.
    row = single(tmp_path, observation("o1", {"input": 2000, "input_cached_tokens": 8000, "output": 500}))
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"]) == (2000, 8000, 500)


def test_count_names_are_not_mistaken_for_details(tmp_path: Path) -> None:
    usage = {"input_tokens": 100, "output_tokens": 20, "input_cached_tokens": 50, "input_audio": 7}
    row = single(tmp_path, observation("o1", usage))
    # "input_tokens" is the count itself, not a detail to add back: 100 + the 7 audio tokens the
    # SDK took out = 107 uncached, 50 cached, 20 out.
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"]) == (107, 50, 20)


def test_openinference_key_with_inclusive_total(tmp_path: Path) -> None:
    usage = {"input": 10000, "prompt_details.cache_read": 8000, "output": 500, "total": 10500}
    row = single(tmp_path, observation("o1", usage))
    # total 10,500 = 10,000 + 500: the cache is inside input, uncached = 10,000 - 8,000 = 2,000.
    assert (row["input_tokens"], row["cache_read_tokens"]) == (2000, 8000)


def test_anthropic_names_are_exclusive(tmp_path: Path) -> None:
    usage = {"input": 5, "cache_read_input_tokens": 9000, "cache_creation_input_tokens": 595, "output": 400}
    row = single(tmp_path, observation("o1", usage, model="claude-sonnet-4-5-20250929"))
    # Anthropic's input excludes the cache: uncached 5, read 9,000, write 595, output 400.
    assert (row["input_tokens"], row["cache_read_tokens"], row["cache_write_5m_tokens"]) == (5, 9000, 595)
    assert row["output_tokens"] == 400


def test_subtracted_reasoning_is_added_back(tmp_path: Path) -> None:
    usage = {"input": 100, "output": 50, "output_reasoning_tokens": 200, "total": 350}
    row = single(tmp_path, observation("o1", usage, model="o3"))
    # total 350 = 100 + 50 + 200: output was logged without reasoning, so output = 250.
    assert (row["output_tokens"], row["reasoning_tokens"]) == (250, 200)


def test_cache_write_ttl_split(tmp_path: Path) -> None:
    usage = {
        "input": 10,
        "input_cache_creation": 10000,
        "input_cache_creation_1h": 6000,
        "input_cache_creation_5m": 3000,
        "output": 1,
    }
    row = single(tmp_path, observation("o1", usage, model="claude-sonnet-4-5"))
    # 3,000 at 5m + 6,000 at 1h leave 1,000 of the 10,000 aggregate: priced at 5m, never dropped.
    assert (row["cache_write_5m_tokens"], row["cache_write_1h_tokens"]) == (4000, 6000)


def test_metadata_attributes_fill_missing_usage(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.system": "openai",
        "gen_ai.usage.input_tokens": "1200",
        "gen_ai.usage.cache_read.input_tokens": "1024",
        "gen_ai.usage.output_tokens": "85",
        "gen_ai.response.finish_reasons": ["stop"],
    }
    row = single(tmp_path, observation("o1", {}, metadata=json.dumps({"attributes": attrs})))
    # usageDetails is empty; the OTel span says 1,200 inclusive with 1,024 cached: 176 uncached.
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"]) == (176, 1024, 85)
    assert (row["provider"], row["finish_reason"]) == ("openai", "stop")


def test_null_usage_is_flagged(tmp_path: Path) -> None:
    row = single(tmp_path, observation("o1", {"input": None, "output": 30}))
    # Fault item 21: the null input counts 0 and is flagged; output 30 stands.
    assert (row["input_tokens"], row["output_tokens"]) == (0, 30)
    assert "null_usage_input" in row["flags"]


def test_generation_without_usage_is_flagged(tmp_path: Path) -> None:
    row = single(tmp_path, observation("o1", {}))
    assert row["kind"] == "llm" and row["input_tokens"] == 0
    assert "usage_missing" in row["flags"]


def test_error_level_and_reported_cost(tmp_path: Path) -> None:
    obs = observation(
        "o1",
        {"input": 10, "output": 0},
        level="ERROR",
        statusMessage="RateLimitError: 429\nretry",
        costDetails={"input": 0.0, "total": 0.0},
        modelParameters={"service_tier": "batch"},
    )
    row = single(tmp_path, obs)
    assert (row["status"], row["error_type"]) == ("error", "RateLimitError: 429")
    # The export says $0 for 10 tokens: kept as reported, flagged, never used as our cost.
    assert row["cost_reported_usd"] == 0.0 and "cost_reported_zero" in row["flags"]
    assert row["cost_usd"] is None
    assert row["price_modifiers"] == "service_tier=batch"


# --- file shapes --------------------------------------------------------------------------------


def test_trace_after_observations(tmp_path: Path) -> None:
    doc = {
        "observations": [
            observation("o1", {"input": 7, "output": 3}),
            observation("o2", {"input": 5, "output": 1}),
        ],
        "trace": {
            "id": "trace-1",
            "name": "checkout",
            "userId": "u9",
            "sessionId": "s9",
            "environment": "prod",
        },
    }
    path = tmp_path / "late.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    rows, bad = parse(path)
    assert bad == []
    # Two calls: 7 + 5 = 12 in, 3 + 1 = 4 out; the trace's fields reach both.
    assert llm_totals(rows) == (2, 12, 4)
    assert {(r["user_id"], r["session_id"], r["environment"], r["feature"]) for r in rows} == {
        ("u9", "s9", "prod", "checkout")
    }


def test_jsonl_observations_with_torn_last_line(tmp_path: Path) -> None:
    lines = [json.dumps(observation(f"o{i}", {"input": 100, "output": 10})) for i in range(3)]
    path = tmp_path / "obs.jsonl"
    path.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[2][:60], encoding="utf-8")
    rows, bad = parse(path)
    # Two whole observations (200 in, 20 out); the cut third one is quarantined as line 3.
    assert llm_totals(rows) == (2, 200, 20)
    assert [q.line for q in bad] == [3]


def test_observation_types_map_to_kinds(tmp_path: Path) -> None:
    types = ["GENERATION", "SPAN", "TOOL", "RETRIEVER", "EMBEDDING", "AGENT", "CHAIN", "EVENT"]
    path = tmp_path / "kinds.json"
    path.write_text(json.dumps([observation(f"o{i}", type=t) for i, t in enumerate(types)]), encoding="utf-8")
    rows, _ = parse(path)
    kinds = ["llm", "agent", "tool", "retrieval", "embedding", "agent", "agent", "event"]
    assert [r["kind"] for r in rows] == kinds


def test_event_ids_are_stable(samples: Path) -> None:
    path = samples / "langfuse" / "langgraph-python-2025-08-22.trace.json"
    first = [r["event_id"] for r in parse(path)[0]]
    assert first == [r["event_id"] for r in parse(path)[0]]
    assert len(set(first)) == 9


def test_content_can_be_dropped_but_hash_kept(samples: Path) -> None:
    path = samples / "langfuse" / "llamaindex-2025-06-05.trace.json"
    kept = next(r for r in parse(path)[0] if r["kind"] == "llm")
    dropped = next(r for r in parse(path, keep_content=False)[0] if r["kind"] == "llm")
    assert kept["input_text"] and dropped["input_text"] is None
    assert dropped["prompt_hash"] == kept["prompt_hash"] is not None


def test_detect_by_content(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    claude = b'{"type":"user","sessionId":"s1","uuid":"u1","message":{"role":"user","content":"observations"}}\n'
    otlp = b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"ab","startTimeUnixNano":"1"}]}]}]}'
    listing = json.dumps([observation("o1")]).encode()
    assert SOURCE.detect(b'{\n  "trace": {},\n  "observations": [\n', path)
    assert SOURCE.detect(listing, path)
    assert not SOURCE.detect(claude, path)
    assert not SOURCE.detect(otlp, path)
