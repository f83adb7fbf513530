"""The cost-fault catalogue, end to end: mixed sources in one store, each number worked out by hand.

Rates per million tokens: Sonnet 4.5 $3 in / $15 out / $0.30 read / $3.75 5m write; gpt-4o $2.50 /
$10 / $1.25 cached; Bedrock geo profiles of Sonnet 4.5 carry +10% ($3.30 / $16.50 / $0.33 / $4.125).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import cost_report
from tokentrail.pipeline import ingest


def cost_of(store, where: str) -> float:
    return store.con.execute(f"SELECT sum(cost_usd) FROM events WHERE {where}").fetchall()[0][0]


def buckets(store, where: str) -> tuple[int, ...]:
    return store.con.execute(
        "SELECT sum(input_tokens), sum(cache_read_tokens), sum(cache_write_5m_tokens + cache_write_1h_tokens), "
        f"sum(output_tokens) FROM events WHERE {where}"
    ).fetchall()[0]


@pytest.fixture
def mixed(tmp_path: Path, store):
    # Anthropic-native (exclusive): Claude Code line.
    write_jsonl(
        tmp_path / "cc" / "s.jsonl",
        [
            assistant(
                "msg_cc",
                ts="2025-06-09T10:00:00Z",
                usage={
                    "input_tokens": 500,
                    "output_tokens": 300,
                    "cache_read_input_tokens": 10000,
                    "cache_creation_input_tokens": 1500,
                },
            )
        ],
    )
    # OpenTelemetry (inclusive): the same call as a span; input 12,000 includes 10,000 read + 1,500 write.
    otlp = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "b7ad6b7169203331",
                                "name": "chat",
                                "startTimeUnixNano": "1749463200000000000",
                                "endTimeUnixNano": "1749463201000000000",
                                "attributes": [
                                    {"key": "gen_ai.system", "value": {"stringValue": "anthropic"}},
                                    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"stringValue": "claude-sonnet-4-5-20250929"},
                                    },
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12000"}},
                                    {
                                        "key": "gen_ai.usage.cache_read.input_tokens",
                                        "value": {"intValue": "10000"},
                                    },
                                    {
                                        "key": "gen_ai.usage.cache_creation.input_tokens",
                                        "value": {"intValue": "1500"},
                                    },
                                    {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "300"}},
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (tmp_path / "otel").mkdir()
    (tmp_path / "otel" / "traces.jsonl").write_text(json.dumps(otlp) + "\n")
    # OpenAI chat usage (inclusive): prompt 10,000 includes 8,000 cached.
    write_jsonl(
        tmp_path / "app" / "openai.jsonl",
        [
            {
                "timestamp": "2025-06-09T11:00:00Z",
                "request_id": "req-openai-1",
                "model": "gpt-4o-2024-08-06",
                "usage": {
                    "prompt_tokens": 10000,
                    "completion_tokens": 500,
                    "total_tokens": 10500,
                    "prompt_tokens_details": {"cached_tokens": 8000},
                },
            },
        ],
    )
    ingest(store, [tmp_path])
    return store


def test_inclusive_and_exclusive_sources_side_by_side(mixed) -> None:
    """Fault 5: the Anthropic line and the OTel span describe the same usage: 500 uncached each, not 12,000."""
    assert buckets(mixed, "source = 'claude_code' AND kind = 'llm'") == (500, 10000, 1500, 300)
    assert buckets(mixed, "source = 'otel'") == (500, 10000, 1500, 300)
    # 500×3 + 10,000×0.30 + 1,500×3.75 + 300×15 = 14,625 per MTok (the double count gives $0.049125)
    assert cost_of(mixed, "source = 'claude_code'") == pytest.approx(0.014625)
    assert cost_of(mixed, "source = 'otel'") == pytest.approx(0.014625)
    # OpenAI: 2,000 uncached + 8,000 cached, not 18,000 input: 2,000×2.5 + 8,000×1.25 + 500×10 = $0.02
    assert buckets(mixed, "source = 'generic'") == (2000, 8000, 0, 500)
    assert cost_of(mixed, "source = 'generic'") == pytest.approx(0.02)
    totals = cost_report(mixed.events(), ["day"], tz="UTC").totals
    assert totals["input_tokens"] == 3000 and totals["cost_usd"] == pytest.approx(0.04925)


def test_generic_rows_of_the_catalogue(tmp_path: Path, store) -> None:
    ts = "2025-06-09T12:00:00Z"
    write_jsonl(
        tmp_path / "rows.jsonl",
        [
            # Fault 8: LiteLLM's prompt_tokens includes the cache write; $3.75/MTok once = $0.00375.
            {
                "timestamp": ts,
                "request_id": "f8-0000001",
                "model": "claude-3-5-sonnet-20241022",
                "prompt_tokens": 1000,
                "completion_tokens": 0,
                "cache_creation_input_tokens": 1000,
                "cache_read_input_tokens": 0,
            },
            # Fault 15: spend 0 with tokens is unknown, not free: 10,000×3 + 1,000×15 = $0.045.
            {
                "request_id": "req-test-15",
                "model": "vertex_ai/claude-sonnet-4-6",
                "spend": 0.0,
                "prompt_tokens": 10000,
                "completion_tokens": 1000,
                "startTime": ts,
                "user": "user-test-1",
                "team_id": "team-test-1",
            },
            # Fault 7: Bedrock Converse is exclusive; us. profile at +10%:
            # 5×3.3 + 9,000×0.33 + 500×4.125 + 300×16.5 = 9,999 per MTok.
            {
                "timestamp": ts,
                "request_id": "f7-0000001",
                "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "usage": {
                    "inputTokens": 5,
                    "outputTokens": 300,
                    "totalTokens": 9805,
                    "cacheReadInputTokens": 9000,
                    "cacheWriteInputTokens": 500,
                },
            },
        ],
    )
    summary = ingest(store, [tmp_path])
    assert summary.quarantined == 0
    assert cost_of(store, "event_id IN (SELECT event_id FROM events WHERE model LIKE 'claude-3-5%')") == pytest.approx(
        0.00375
    )
    f15 = store.con.execute(
        "SELECT cost_usd, cost_reported_usd, flags FROM events WHERE model LIKE 'vertex%'"
    ).fetchall()[0]
    assert f15[0] == pytest.approx(0.045) and f15[1] == 0.0 and "cost_reported_zero" in f15[2]
    f7 = store.con.execute(
        "SELECT input_tokens, cache_read_tokens, cache_write_5m_tokens, output_tokens, cost_usd "
        "FROM events WHERE model LIKE 'us.%'"
    ).fetchall()[0]
    assert f7[:4] == (5, 9000, 500, 300) and f7[4] == pytest.approx(0.009999)
    assert store.con.execute("SELECT min(input_tokens) FROM events").fetchall()[0][0] >= 0


def test_model_name_variants_through_ingest(tmp_path: Path, store) -> None:
    """Faults 12-13: every variant prices; the unknown one is unpriced, named, and its tokens still count."""
    ts = "2025-06-09T12:00:00Z"
    names = {
        "openai/gpt-4o": 0.0035,
        "anthropic/claude-3-5-sonnet-20241022": 0.0045,
        "claude-sonnet-4-5@20250929": 0.0045,
        "claude-3-5-sonnet-v2@20241022": 0.0045,
        "claude-opus-4-7[1m]": 0.0075,
        "totally-unknown-model-x": None,
    }
    write_jsonl(
        tmp_path / "names.jsonl",
        [
            {
                "timestamp": ts,
                "request_id": f"req-names-{i:03d}",
                "model": m,
                "input_tokens": 1000,
                "output_tokens": 100,
            }
            for i, m in enumerate(names)
        ],
    )
    ingest(store, [tmp_path])
    got = dict(store.con.execute("SELECT model, cost_usd FROM events").fetchall())
    for model, expected in names.items():
        assert got[model] == (pytest.approx(expected) if expected is not None else None), model
    report = cost_report(store.events(), ["day"], tz="UTC")
    assert report.totals["input_tokens"] == 6000
    assert any("totally-unknown-model-x" in w for w in report.warnings)
