"""The generic JSON/JSONL source: one small fixture per fault, values worked out by hand."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tokentrail.events import Quarantined, to_batch, total_tokens
from tokentrail.sources import generic_fast
from tokentrail.sources.base import ParseContext, read_head
from tokentrail.sources.generic import SOURCE, is_jsonl
from tokentrail.sources.generic_fast import resolve
from tokentrail.sources.generic_fields import ALIASES, FIELD_DOCS, TEXT_OR_COUNT, winners
from tokentrail.sources.generic_record import infer_provider

TS = "2025-06-09T10:00:00Z"


def write_jsonl(path: Path, records: list[Any], *, ensure_ascii: bool = True) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=ensure_ascii) + "\n" for r in records), encoding="utf-8")
    return path


def parse(path: Path, ctx: ParseContext | None = None) -> tuple[list[dict[str, Any]], list[Quarantined]]:
    rows: list[dict[str, Any]] = []
    bad: list[Quarantined] = []
    for item in SOURCE.parse(path, ctx or ParseContext()):
        (bad if isinstance(item, Quarantined) else rows).append(item)
    return rows, bad


def one(path: Path) -> dict[str, Any]:
    rows, bad = parse(path)
    assert bad == []
    assert len(rows) == 1
    return rows[0]


def flags(row: dict[str, Any]) -> list[str]:
    return row["flags"] or []


# --- field names and aliases -------------------------------------------------------------------


def test_alias_table_is_documented_and_unambiguous() -> None:
    assert ALIASES.keys() == FIELD_DOCS.keys()
    seen: dict[str, str] = {}
    for canonical, aliases in ALIASES.items():
        for alias in (canonical, *aliases):
            if alias in TEXT_OR_COUNT:
                continue  # `input`/`output`: a count when numeric, text otherwise (tested below)
            assert alias not in seen, f"{alias} is an alias of both {seen[alias]} and {canonical}"
            seen[alias] = canonical


def test_canonical_names(tmp_path: Path) -> None:
    record = {
        "event_id": "evt-000000001",
        "timestamp": TS,
        "session_id": "s1",
        "user_id": "alice",
        "team_id": "payments",
        "feature": "support-bot",
        "project": "helpdesk",
        "environment": "prod",
        "provider": "Anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "input_tokens": 100,
        "output_tokens": 50,
        "cache_read_tokens": 1000,
        "cache_write_tokens": 200,
        "reasoning_tokens": 10,
        "latency_ms": 1500,
        "cost_usd": 0.0123,
        "metadata": {"app_version": "1.2.3", "ab": {"arm": "b"}},
        "trace_id": "t1",
        "span_id": "sp2",
        "parent_span_id": "sp1",
        "name": "answer",
        "finish_reason": "end_turn",
        "system_prompt": "You are helpful.",
        "input_text": "hi",
        "output_text": "hello",
    }
    row = one(write_jsonl(tmp_path / "c.jsonl", [record]))
    assert row["source"] == "generic"
    assert row["source_ref"].endswith("c.jsonl:1")
    assert (row["session_id"], row["user_id"], row["team_id"]) == ("s1", "alice", "payments")
    assert (row["feature"], row["project"], row["environment"]) == ("support-bot", "helpdesk", "prod")
    assert row["provider"] == "anthropic"  # lowercased
    assert row["model"] == "claude-sonnet-4-5-20250929"
    # canonical cache names beside input_tokens are exclusive: nothing is subtracted
    assert row["input_tokens"] == 100
    assert row["cache_read_tokens"] == 1000
    assert row["cache_write_5m_tokens"] == 200  # no TTL split: all 5m
    assert row["output_tokens"] == 50
    assert row["reasoning_tokens"] == 10
    assert row["cost_reported_usd"] == 0.0123
    assert row["cost_usd"] is None and row["priced"] is False and row["model_id"] is None
    assert row["attributes"] == {"app_version": "1.2.3", "ab": '{"arm":"b"}'}
    assert (row["trace_id"], row["span_id"], row["parent_span_id"]) == ("t1", "sp2", "sp1")
    assert row["kind"] == "llm"
    assert row["latency_ms"] == 1500
    assert row["ended_at"].isoformat() == "2025-06-09T10:00:01.500000+00:00"  # start + 1.5 s
    assert row["system_prompt_hash"] is not None and row["prompt_hash"] is not None
    assert (row["input_text"], row["output_text"]) == ("hi", "hello")
    assert row["finish_reason"] == "end_turn"
    assert row["flags"] is None
    to_batch([row])  # the row fits the Arrow schema


def test_common_aliases(tmp_path: Path) -> None:
    record = {
        "ts": "2025-06-09T12:00:00+02:00",
        "userId": "bob",
        "team": "search",
        "session": "sess-9",
        "modelId": "gpt-4o-mini",
        "input": 300,  # a number: a token count
        "output": 40,
        "prompt": "find the invoice",
        "response": "here it is",
        "meta": {"feature": "search-rag", "env": "staging"},
    }
    row = one(write_jsonl(tmp_path / "a.jsonl", [record]))
    assert row["started_at"].isoformat() == "2025-06-09T10:00:00+00:00"  # +02:00 converted to UTC
    assert (row["user_id"], row["team_id"], row["session_id"]) == ("bob", "search", "sess-9")
    # attribution missing on the record is taken from its metadata
    assert (row["feature"], row["environment"]) == ("search-rag", "staging")
    assert row["model"] == "gpt-4o-mini" and row["provider"] == "openai"
    assert (row["input_tokens"], row["output_tokens"]) == (300, 40)
    assert (row["input_text"], row["output_text"]) == ("find the invoice", "here it is")


def test_input_and_output_as_text_are_content(tmp_path: Path) -> None:
    record = {"created_at": TS, "model": "gpt-4o", "input": "question?", "output": "answer.",
              "prompt_tokens": 12, "completion_tokens": 3}  # fmt: skip
    row = one(write_jsonl(tmp_path / "t.jsonl", [record]))
    assert (row["input_text"], row["output_text"]) == ("question?", "answer.")
    assert (row["input_tokens"], row["output_tokens"]) == (12, 3)


def test_litellm_spend_log_row(tmp_path: Path) -> None:
    # fault item 15: spend 0 with 10,000 + 1,000 tokens is "unknown", not free
    record = {"request_id": "req-test-15", "model": "vertex_ai/claude-sonnet-4-6", "spend": 0.0,
              "prompt_tokens": 10000, "completion_tokens": 1000, "startTime": TS,
              "user": "user-test-1", "team_id": "team-test-1"}  # fmt: skip
    row = one(write_jsonl(tmp_path / "l.jsonl", [record]))
    assert row["cost_reported_usd"] == 0.0
    assert row["cost_usd"] is None
    assert "cost_reported_zero" in flags(row)
    assert (row["input_tokens"], row["output_tokens"]) == (10000, 1000)
    assert (row["user_id"], row["team_id"]) == ("user-test-1", "team-test-1")


# --- per-shape resolution cache -----------------------------------------------------------------


def _random_objects(count: int, seed: int) -> list[dict[str, Any]]:
    """Objects built from every accepted name, with values of every kind; key sets repeat often, so
    the cache is hit with values that change which name wins (`input` as a count, then as text)."""
    rng = random.Random(seed)
    flat = sorted({n for c in ALIASES for n in (c, *ALIASES[c]) if "." not in n} | {"type", "other"})
    dotted = [n.split(".") for c in ALIASES for n in ALIASES[c] if "." in n]
    values: list[Any] = [None, True, 0, 7, 2.5, "12", "text", "", {}, [], {"cached_tokens": 3}]
    objects: list[dict[str, Any]] = []
    for _ in range(count):
        if objects and rng.random() < 0.6:  # same keys as an earlier object, new values
            keys = list(rng.choice(objects))
        else:
            keys = rng.sample(flat, rng.randint(0, 12)) + [p for p, _ in rng.sample(dotted, rng.randint(0, 3))]
        obj: dict[str, Any] = {}
        for key in keys:
            children = [c for p, c in dotted if p == key]
            if children and rng.random() < 0.7:
                obj[key] = {c: rng.choice(values) for c in rng.sample(children, rng.randint(0, len(children)))}
            else:
                obj[key] = rng.choice(values)
        objects.append(obj)
    return objects


def test_shape_cache_agrees_with_the_alias_rule() -> None:
    for obj in _random_objects(3000, seed=7):
        found, shape = resolve(obj)
        expected = {
            canonical: obj[key] if child is None else obj[key][child]
            for canonical, (_, key, child) in winners(obj).items()
        }
        assert {canonical: found[canonical] for canonical in ALIASES if canonical in found} == expected, obj
        assert shape.names.keys() == expected.keys()


def test_same_keys_with_values_that_change_the_field(tmp_path: Path) -> None:
    records = [
        {"timestamp": TS, "model": "m", "input": 5, "output": "hi"},
        {"timestamp": TS, "model": "m", "input": "question", "output": 7},
        {"timestamp": TS, "model": "gpt-4o", "usage": {"prompt_tokens": 100,
                                                       "prompt_tokens_details": {"cached_tokens": 40}}},
        {"timestamp": TS, "model": "gpt-4o", "usage": {"prompt_tokens": 100, "prompt_tokens_details": {}}},
        {"timestamp": TS, "model": "gpt-4o", "usage": {"prompt_tokens": 100, "prompt_tokens_details": None}},
    ]  # fmt: skip
    rows, bad = parse(write_jsonl(tmp_path / "v.jsonl", records))
    assert bad == []
    assert (rows[0]["input_tokens"], rows[0]["output_text"], rows[0]["output_tokens"]) == (5, "hi", 0)
    assert (rows[1]["input_text"], rows[1]["input_tokens"], rows[1]["output_tokens"]) == ("question", 0, 7)
    assert [(r["input_tokens"], r["cache_read_tokens"]) for r in rows[2:]] == [(60, 40), (100, 0), (100, 0)]


def test_unusual_shapes_past_the_cache_bound_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "u.jsonl", _random_objects(400, seed=11))
    cached = list(SOURCE.parse(path, ParseContext()))
    monkeypatch.setattr(generic_fast, "_KEY_SETS", {})
    monkeypatch.setattr(generic_fast, "_TOKEN_PLANS", {})
    monkeypatch.setattr(generic_fast, "_MAX_KEY_SETS", 0)
    monkeypatch.setattr(generic_fast, "_MAX_TOKEN_PLANS", 0)
    assert list(SOURCE.parse(path, ParseContext())) == cached
    assert generic_fast._KEY_SETS == {} and generic_fast._TOKEN_PLANS == {}


# --- inclusive vs exclusive token counts ---------------------------------------------------------


def test_openai_usage_is_inclusive(tmp_path: Path) -> None:
    # fault item 5b: prompt 10,000 includes 8,000 cached -> uncached 10,000 - 8,000 = 2,000
    record = {"timestamp": TS, "model": "gpt-4o-2024-08-06",
              "usage": {"prompt_tokens": 10000, "completion_tokens": 500, "total_tokens": 10500,
                        "prompt_tokens_details": {"cached_tokens": 8000}}}  # fmt: skip
    row = one(write_jsonl(tmp_path / "o.jsonl", [record]))
    assert row["input_tokens"] == 2000
    assert row["cache_read_tokens"] == 8000
    assert row["output_tokens"] == 500
    assert total_tokens(row) == 10500  # 2,000 + 8,000 + 500: input counted once, not 18,000
    assert row["provider"] == "openai"


def test_openai_responses_api_input_tokens_are_inclusive(tmp_path: Path) -> None:
    # Responses API: input_tokens 5,000 includes input_tokens_details.cached_tokens 4,096 -> 904 uncached;
    # output 700 includes 300 reasoning
    record = {"created": 1749463200, "model": "o4-mini",
              "usage": {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 4096},
                        "output_tokens": 700,
                        "output_tokens_details": {"reasoning_tokens": 300}}}  # fmt: skip
    row = one(write_jsonl(tmp_path / "r.jsonl", [record]))
    assert (row["input_tokens"], row["cache_read_tokens"]) == (904, 4096)
    assert (row["output_tokens"], row["reasoning_tokens"]) == (700, 300)
    assert row["started_at"].isoformat() == TS.replace("Z", "+00:00")  # epoch seconds


def test_litellm_prompt_tokens_include_cache_writes(tmp_path: Path) -> None:
    # fault item 8: prompt 1,000 includes the 1,000 written to cache -> 0 uncached, 1,000 5m write
    record = {"timestamp": TS, "model": "claude-3-5-sonnet-20241022", "prompt_tokens": 1000,
              "completion_tokens": 0, "cache_creation_input_tokens": 1000,
              "cache_read_input_tokens": 0}  # fmt: skip
    row = one(write_jsonl(tmp_path / "w.jsonl", [record]))
    assert (row["input_tokens"], row["cache_write_5m_tokens"], row["cache_read_tokens"]) == (0, 1000, 0)


def test_inclusive_count_smaller_than_cache_is_flagged(tmp_path: Path) -> None:
    # 100 - 500 would be -400: the record was not inclusive after all; 0 and flagged, never negative
    record = {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 100, "cached_tokens": 500}
    row = one(write_jsonl(tmp_path / "n.jsonl", [record]))
    assert row["input_tokens"] == 0 and row["cache_read_tokens"] == 500
    assert "input_less_than_cache" in flags(row)


def test_bedrock_converse_is_exclusive(tmp_path: Path) -> None:
    # fault item 7: inputTokens 5 excludes the 9,000 read and 500 written; nothing goes negative
    record = {"timestamp": TS, "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
              "usage": {"inputTokens": 5, "outputTokens": 300, "totalTokens": 9805,
                        "cacheReadInputTokens": 9000, "cacheWriteInputTokens": 500}}  # fmt: skip
    row = one(write_jsonl(tmp_path / "b.jsonl", [record]))
    assert row["input_tokens"] == 5
    assert row["cache_read_tokens"] == 9000
    assert row["cache_write_5m_tokens"] == 500
    assert row["output_tokens"] == 300
    assert total_tokens(row) == 9805  # matches the record's own totalTokens
    assert row["provider"] == "aws"
    assert row["flags"] is None


def test_anthropic_cache_ttl_split(tmp_path: Path) -> None:
    records = [
        # fault item 9: 10,000 written = 4,000 at 5m + 6,000 at 1h
        {"timestamp": TS, "model": "claude-sonnet-4-5-20250929",
         "usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 10000,
                   "cache_read_input_tokens": 0,
                   "cache_creation": {"ephemeral_5m_input_tokens": 4000, "ephemeral_1h_input_tokens": 6000}}},
        # split covers 1,000 + 6,000 = 7,000 of 10,000: the 3,000 remainder is 5m, never dropped
        {"timestamp": TS, "model": "claude-sonnet-4-5-20250929", "session_id": "other",
         "usage": {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 10000,
                   "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 6000}}},
    ]  # fmt: skip
    rows, bad = parse(write_jsonl(tmp_path / "ttl.jsonl", records))
    assert bad == []
    assert (rows[0]["cache_write_5m_tokens"], rows[0]["cache_write_1h_tokens"]) == (4000, 6000)
    assert (rows[1]["cache_write_5m_tokens"], rows[1]["cache_write_1h_tokens"]) == (4000, 6000)
    assert rows[1]["input_tokens"] == 10  # Anthropic input_tokens are exclusive


def test_gemini_usage_metadata(tmp_path: Path) -> None:
    # promptTokenCount 1,000 includes 600 cached -> 400 uncached; output = 200 candidates + 50 thoughts
    record = {"timestamp": TS, "model": "gemini-2.5-flash",
              "usageMetadata": {"promptTokenCount": 1000, "cachedContentTokenCount": 600,
                                "candidatesTokenCount": 200, "thoughtsTokenCount": 50}}  # fmt: skip
    row = one(write_jsonl(tmp_path / "g.jsonl", [record]))
    assert (row["input_tokens"], row["cache_read_tokens"]) == (400, 600)
    assert (row["output_tokens"], row["reasoning_tokens"]) == (250, 50)
    assert row["provider"] == "google"


# --- bad values ------------------------------------------------------------------------------------


def test_null_string_and_negative_token_fields(tmp_path: Path) -> None:
    # fault item 21, the rule pinned: null -> 0 flagged; "150" -> 150; negative -> 0 flagged while the
    # record's other counts still count; usage null -> the call is kept and flagged usage_missing.
    model = "claude-sonnet-4-5-20250929"
    records = [
        {"timestamp": TS, "session_id": "r1", "model": model,
         "usage": {"input_tokens": None, "output_tokens": 120, "cache_creation_input_tokens": None,
                   "cache_read_input_tokens": 0}},
        {"timestamp": TS, "session_id": "r2", "model": model, "usage": None},
        {"timestamp": TS, "session_id": "r3", "model": model,
         "usage": {"input_tokens": "150", "output_tokens": 30}},
        {"timestamp": TS, "session_id": "r4", "model": model,
         "usage": {"input_tokens": -5, "output_tokens": 30}},
    ]  # fmt: skip
    rows, bad = parse(write_jsonl(tmp_path / "n.jsonl", records))
    assert bad == []
    assert len(rows) == 4  # no row dropped
    r1, r2, r3, r4 = rows
    assert r1["input_tokens"] == 0 and r1["output_tokens"] == 120
    assert {"null_input_tokens", "null_cache_write_tokens"} <= set(flags(r1))
    assert r2["kind"] == "llm" and total_tokens(r2) == 0 and flags(r2) == ["usage_missing"]
    assert r3["input_tokens"] == 150 and r3["flags"] is None
    assert r4["input_tokens"] == 0 and flags(r4) == ["negative_input_tokens"]
    # output summed over the four rows: 120 + 0 + 30 + 30 = 180
    assert sum(r["output_tokens"] for r in rows) == 180
    assert sum(r["input_tokens"] for r in rows) == 150  # 0 + 0 + 150 + 0, never 145


def test_llm_call_without_any_token_field_is_flagged(tmp_path: Path) -> None:
    row = one(write_jsonl(tmp_path / "m.jsonl", [{"timestamp": TS, "model": "gpt-4o"}]))
    assert row["kind"] == "llm" and flags(row) == ["usage_missing"]


def test_missing_or_bad_timestamp_is_quarantined(tmp_path: Path) -> None:
    records = [
        {"model": "gpt-4o", "prompt_tokens": 1},
        {"timestamp": "yesterday", "model": "gpt-4o", "prompt_tokens": 1},
        {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1},
    ]
    rows, bad = parse(write_jsonl(tmp_path / "q.jsonl", records))
    assert len(rows) == 1
    assert [q.line for q in bad] == [1, 2]
    assert bad[0].reason.startswith("missing timestamp (looked for: timestamp, ts, time")
    assert "unreadable timestamp in 'timestamp': 'yesterday'" in bad[1].reason
    assert bad[0].raw == b'{"model": "gpt-4o", "prompt_tokens": 1}'


def test_epoch_millisecond_and_second_timestamps(tmp_path: Path) -> None:
    # 1,749,463,200 s = 2025-06-09T10:00:00Z; the same instant in ms, and as a numeric string
    records = [
        {"timestamp": 1749463200000, "model": "gpt-4o", "prompt_tokens": 1},
        {"time": 1749463200, "model": "gpt-4o", "prompt_tokens": 2},
        {"created_at": "1749463200000", "model": "gpt-4o", "prompt_tokens": 3},
    ]
    rows, _ = parse(write_jsonl(tmp_path / "e.jsonl", records))
    assert {r["started_at"].isoformat() for r in rows} == {"2025-06-09T10:00:00+00:00"}


# --- encodings and broken files ----------------------------------------------------------------


def test_line_separator_inside_a_string(tmp_path: Path) -> None:
    records = [
        {"timestamp": TS, "model": "gpt-4o", "prompt": "pasted\u2028next line\u2029and \u0085more",
         "prompt_tokens": 10, "completion_tokens": 1},
        {"timestamp": TS, "model": "gpt-4o", "session_id": "2", "prompt_tokens": 20, "completion_tokens": 2},
    ]  # fmt: skip
    path = write_jsonl(tmp_path / "u.jsonl", records, ensure_ascii=False)
    assert "\u2028" in path.read_text(encoding="utf-8")  # written raw, not escaped
    rows, bad = parse(path)
    assert bad == [] and len(rows) == 2
    assert rows[0]["input_text"] == "pasted\u2028next line\u2029and \u0085more"
    assert sum(r["input_tokens"] for r in rows) == 30


def test_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    line = json.dumps({"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 7})
    path.write_text(line + "\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert SOURCE.detect(read_head(path), path)
    assert one(path)["input_tokens"] == 7


def test_bom_before_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps([{"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 7}]), encoding="utf-8-sig")
    assert one(path)["input_tokens"] == 7


def test_invalid_utf8_in_a_string_keeps_the_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"timestamp":"2025-06-09T10:00:00Z","model":"gpt-4o","prompt":"caf\xe9 \xff","prompt_tokens":9}\n'
    )
    row = one(path)
    assert row["input_tokens"] == 9
    assert "invalid_utf8" in flags(row)
    assert row["input_text"] == "caf\ufffd \ufffd"  # bad bytes replaced, the rest kept


def test_invalid_utf8_inside_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(
        b'[{"timestamp":"2025-06-09T10:00:00Z","model":"gpt-4o","prompt":"caf\xe9","prompt_tokens":9},'
        b'{"timestamp":"2025-06-09T10:00:00Z","model":"gpt-4o","prompt_tokens":3}]'
    )
    rows, bad = parse(path)
    assert bad == []
    assert [r["input_tokens"] for r in rows] == [9, 3]
    assert [r["flags"] for r in rows] == [["invalid_utf8"], None]  # only the record that held the bytes


def test_torn_last_line(tmp_path: Path) -> None:
    good = [json.dumps({"timestamp": TS, "model": "gpt-4o", "session_id": str(i), "prompt_tokens": 10 * i})
            for i in (1, 2)]  # fmt: skip
    path = tmp_path / "torn.jsonl"
    path.write_text(good[0] + "\n" + good[1] + "\n" + '{"timestamp":"2025-06-09T10:05:00Z","mod', encoding="utf-8")
    rows, bad = parse(path)
    assert [r["input_tokens"] for r in rows] == [10, 20]
    assert len(bad) == 1
    assert bad[0].line == 3
    assert "incomplete trailing line" in bad[0].reason
    assert bad[0].raw == b'{"timestamp":"2025-06-09T10:05:00Z","mod'


def test_torn_first_lines_still_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    good = json.dumps({"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 5})
    path.write_text('{"timestamp":"2025-0\n{"model":\n' + good + "\n", encoding="utf-8")
    rows, bad = parse(path)
    assert [r["input_tokens"] for r in rows] == [5]
    assert [q.line for q in bad] == [1, 2]


# --- JSON documents ----------------------------------------------------------------------------

RECORDS = [
    {"timestamp": TS, "model": "gpt-4o", "session_id": "a", "prompt_tokens": 100, "completion_tokens": 10},
    {"timestamp": TS, "model": "gpt-4o", "session_id": "b", "prompt_tokens": 200, "completion_tokens": 20},
]


@pytest.mark.parametrize(
    ("document", "indent"),
    [
        (RECORDS, None),
        (RECORDS, 2),
        ({"events": RECORDS}, None),
        ({"events": RECORDS}, 2),
        ({"meta": {"exported": "today"}, "data": RECORDS}, 2),
    ],
)
def test_json_documents(tmp_path: Path, document: Any, indent: int | None) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    assert not is_jsonl(read_head(path))
    assert SOURCE.detect(read_head(path), path)
    rows, bad = parse(path)
    assert bad == []
    assert [r["input_tokens"] for r in rows] == [100, 200]
    assert rows[1]["source_ref"].endswith("doc.json#2")


def test_single_pretty_printed_object(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(RECORDS[0], indent=2), encoding="utf-8")
    assert one(path)["input_tokens"] == 100


def test_array_with_bad_items(tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([RECORDS[0], 42, {"model": "gpt-4o"}, RECORDS[1]]), encoding="utf-8")
    rows, bad = parse(path)
    assert [r["input_tokens"] for r in rows] == [100, 200]
    assert [q.reason.split(":")[0] for q in bad] == ["item 2", "item 3"]
    assert "missing timestamp" in bad[1].reason


def test_array_cut_short_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    text = json.dumps(RECORDS)
    path.write_text(text[: text.index('"session_id": "b"')], encoding="utf-8")
    rows, bad = parse(path)
    assert [r["input_tokens"] for r in rows] == [100]
    assert len(bad) == 1 and bad[0].reason.startswith("bad JSON after item 1")


# --- identity ------------------------------------------------------------------------------------


def test_same_record_in_two_files_is_one_event(tmp_path: Path) -> None:
    shared = {
        "timestamp": TS,
        "session_id": "s",
        "model": "gpt-4o",
        "prompt_tokens": 10,
        "completion_tokens": 5,
    }
    with_id = {"id": "chatcmpl-abc123", "timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1}
    a = write_jsonl(tmp_path / "a.jsonl", [shared, with_id])
    (tmp_path / "sub").mkdir()
    b = write_jsonl(tmp_path / "sub" / "b.jsonl", [{"other": 1, "timestamp": TS}, with_id, shared])
    rows_a, _ = parse(a)
    rows_b, _ = parse(b)
    assert rows_a[0]["event_id"] == rows_b[2]["event_id"]  # different file and line, same event
    assert rows_a[1]["event_id"] == rows_b[1]["event_id"]
    assert rows_a[0]["source_ref"] != rows_b[2]["source_ref"]
    assert len({r["event_id"] for r in rows_a + rows_b}) == 3


def test_short_ids_are_not_trusted_alone(tmp_path: Path) -> None:
    # two exports numbering their rows from 1: "id": 1 in each is two different calls
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": 1, "timestamp": TS, "model": "gpt-4o", "prompt_tokens": 2}])
    assert one(a)["event_id"] != one(b)["event_id"]


def test_content_differences_give_different_ids(tmp_path: Path) -> None:
    base = {"timestamp": TS, "session_id": "s", "model": "gpt-4o", "prompt_tokens": 10}
    rows, _ = parse(write_jsonl(tmp_path / "d.jsonl", [base, {**base, "prompt_tokens": 11}, {**base, "span_id": "x"}]))
    assert len({r["event_id"] for r in rows}) == 3


# --- kinds, status, provider, pricing hints, content ------------------------------------------


def test_kinds_and_status(tmp_path: Path) -> None:
    records = [
        {"timestamp": TS, "tool_name": "search_docs", "status": "success", "latency_ms": 80},
        {"timestamp": TS, "name": "user_feedback", "score": 1},
        {"timestamp": TS, "kind": "generation", "model": "gpt-4o", "error": {"type": "rate_limit_error"}},
        {"timestamp": TS, "type": "retriever", "name": "vector_search", "status_code": 503},
        {"timestamp": TS, "type": "assistant", "model": "gpt-4o", "prompt_tokens": 3, "status": "failed"},
    ]
    rows, _ = parse(write_jsonl(tmp_path / "k.jsonl", records))
    assert [r["kind"] for r in rows] == ["tool", "event", "llm", "retrieval", "llm"]
    assert [r["status"] for r in rows] == ["ok", None, "error", "error", "error"]
    assert [r["error_type"] for r in rows] == [None, None, "rate_limit_error", "http_503", None]
    assert rows[0]["tool_name"] == "search_docs" and rows[0]["flags"] is None


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("claude-haiku-4-5", "anthropic"),
        ("anthropic/claude-3-5-sonnet-20241022", "anthropic"),
        ("gpt-4o-2024-08-06", "openai"),
        ("openai/gpt-4o", "openai"),
        ("o3-mini", "openai"),
        ("gemini-2.5-flash", "google"),
        ("global.anthropic.claude-sonnet-4-6", "aws"),
        ("anthropic.claude-sonnet-4-6", "aws"),
        ("arn:aws:bedrock:eu-west-1:000000000000:application-inference-profile/x", "aws"),
        ("acme-internal-llm-v2", None),
        (None, None),
    ],
)
def test_provider_inferred_from_model(model: str | None, provider: str | None) -> None:
    assert infer_provider(model) == provider


def test_price_modifiers(tmp_path: Path) -> None:
    records = [
        {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1, "service_tier": "Flex"},
        {"timestamp": TS, "model": "claude-haiku-4-5", "batch": True, "session_id": "2",
         "usage": {"input_tokens": 1, "service_tier": "batch", "inference_geo": "us"}},
        {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1, "session_id": "3"},
    ]  # fmt: skip
    rows, _ = parse(write_jsonl(tmp_path / "p.jsonl", records))
    assert [r["price_modifiers"] for r in rows] == [
        "service_tier=flex",
        "service_tier=batch,inference_geo=us",
        None,
    ]


def test_content_can_be_left_out_but_hashes_stay(tmp_path: Path) -> None:
    record = {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1, "prompt": "secret",
              "response": "also secret", "system_prompt": "be nice", "user": "u1"}  # fmt: skip
    path = write_jsonl(tmp_path / "c.jsonl", [record])
    kept = one(path)
    rows, _ = parse(path, ParseContext(keep_content=False))
    dropped = rows[0]
    assert dropped["input_text"] is None and dropped["output_text"] is None
    assert dropped["prompt_hash"] == kept["prompt_hash"] is not None
    assert dropped["system_prompt_hash"] == kept["system_prompt_hash"] is not None
    assert dropped["event_id"] == kept["event_id"]


def test_command_line_defaults_fill_missing_attribution(tmp_path: Path) -> None:
    record = {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1, "team": "own-team"}
    rows, _ = parse(write_jsonl(tmp_path / "d.jsonl", [record]),
                    ParseContext(defaults={"team_id": "default-team", "environment": "prod"}))  # fmt: skip
    assert rows[0]["team_id"] == "own-team"  # the record wins
    assert rows[0]["environment"] == "prod"


def test_messages_and_string_metadata(tmp_path: Path) -> None:
    record = {"timestamp": TS, "model": "gpt-4o", "prompt_tokens": 1,
              "messages": [{"role": "user", "content": "hi"}],
              "metadata": '{"team_id": "t9", "k": 1}'}  # fmt: skip
    row = one(write_jsonl(tmp_path / "m.jsonl", [record]))
    assert row["input_text"] == '[{"role":"user","content":"hi"}]'
    assert row["team_id"] == "t9"
    assert row["attributes"] == {"team_id": "t9", "k": "1"}


# --- detection ---------------------------------------------------------------------------------


def test_detects_generic_logs(tmp_path: Path) -> None:
    for name, record in [
        ("a.jsonl", {"timestamp": TS, "message": "x"}),
        ("b.jsonl", {"usage": {"prompt_tokens": 1}}),
        ("c.jsonl", {"modelId": "x"}),
        ("d.jsonl", {"completion_tokens": 1}),
    ]:
        path = write_jsonl(tmp_path / name, [record])
        assert SOURCE.detect(read_head(path), path), name


def test_does_not_claim_other_json(tmp_path: Path) -> None:
    cases = {
        "otlp.jsonl": {"resourceSpans": [{"scopeSpans": []}], "timestamp": TS},
        "plain.jsonl": {"text": "hello", "label": "benign"},
        "cc.jsonl": {"type": "user", "sessionId": "s", "uuid": "u", "timestamp": TS},
        "text.jsonl": {"input": "question", "output": "answer"},
    }
    for name, record in cases.items():
        path = write_jsonl(tmp_path / name, [record])
        assert not SOURCE.detect(read_head(path), path), name
    lf = tmp_path / "lf.json"
    lf.write_text(json.dumps({"trace": {"id": "t", "timestamp": TS}, "observations": [{"model": "x"}]}, indent=2))
    assert not SOURCE.detect(read_head(lf), lf)
    assert not SOURCE.detect(b"not json at all", tmp_path / "x.txt")


def test_does_not_claim_shared_samples(samples: Path) -> None:
    claude_code = sorted((samples / "claude-code" / "projects").rglob("*.jsonl"))
    assert len(claude_code) >= 9
    others = sorted((samples / "langfuse").glob("*.json")) + sorted((samples / "otel").glob("*.json"))
    for path in claude_code + others:
        assert not SOURCE.detect(read_head(path), path), path
