"""Claude Code transcripts: the reference sample values and one small input per fault class."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import cost_report
from tokentrail.pipeline import ingest
from tokentrail.sources import detect
from tokentrail.sources.base import ParseContext, Skipped
from tokentrail.sources.claude_code import SOURCE

SONNET_45 = {"input": 3.0, "write5": 3.75, "write1h": 6.0, "read": 0.30, "output": 15.0}


def totals(store, **kw):
    return cost_report(store.events(), ["day"], tz=kw.pop("tz", "UTC"), **kw).totals


def usage(i=10, o=5, w=0, r=0, **extra):
    return {
        "input_tokens": i,
        "output_tokens": o,
        "cache_creation_input_tokens": w,
        "cache_read_input_tokens": r,
        **extra,
    }


def test_reference_sample_values(samples: Path, store) -> None:
    """../shared/samples/README.md: 289 responses, exact tokens, $5.1746 at Sonnet 4 list prices."""
    summary = ingest(store, [samples / "claude-code" / "projects"])
    assert summary.quarantined == 0
    report = cost_report(store.events(), ["day"], tz="UTC")
    days = {r["day"]: r for r in report.rows}
    assert sorted(days) == ["2025-06-08", "2025-06-10", "2025-09-03", "2025-09-07"]
    expected = {
        "2025-06-08": (86, 205, 19_035, 190_624, 4_257_841),
        "2025-06-10": (4, 88, 278, 16_000, 44_544),
        "2025-09-03": (179, 1_111, 52_906, 150_674, 3_751_073),
        "2025-09-07": (20, 129, 3_629, 47_747, 324_259),
    }
    for day, (calls, inp, out, write, read) in expected.items():
        row = days[day]
        assert (
            row["calls"],
            row["input_tokens"],
            row["output_tokens"],
            row["cache_write_tokens"],
            row["cache_read_tokens"],
        ) == (calls, inp, out, write, read)
    t = report.totals
    assert (
        t["calls"],
        t["input_tokens"],
        t["output_tokens"],
        t["cache_write_tokens"],
        t["cache_read_tokens"],
    ) == (289, 1_533, 75_848, 405_045, 8_377_717)
    # 1,533×3 + 75,848×15 + 405,045×3.75 + 8,377,717×0.30 per MTok = 5.17455285
    assert t["cost_usd"] == pytest.approx(5.17455285, abs=1e-9)

    again = ingest(store, [samples / "claude-code" / "projects"])
    assert again.written.new == 0 and again.written.updated == 0
    assert cost_report(store.events(), ["day"], tz="UTC").totals == t


def test_sample_files_are_detected(samples: Path) -> None:
    for f in sorted((samples / "claude-code" / "projects").rglob("*.jsonl")):
        assert detect(f) is SOURCE, f


def test_project_from_cwd_and_subagent_files(samples: Path, store) -> None:
    ingest(store, [samples / "claude-code" / "projects" / "sample-project"])
    projects = {p for (p,) in store.con.execute("SELECT DISTINCT project FROM events").fetchall()}
    assert "/path/to/Demo" in projects  # not the folder name "sample-project"
    # agent-test-hash-*.jsonl are subagent files: their one response each belongs to the parent session.
    rows = store.con.execute(
        "SELECT session_id, feature FROM events WHERE source_ref LIKE '%agent-test-hash%' AND kind='llm'"
    ).fetchall()
    assert rows and all(s == "5c0375b4-57a5-4f26-b12d-d022ee4e51b7" and f == "subagent" for s, f in rows)


def test_streamed_content_blocks_count_once(tmp_path: Path, store) -> None:
    """Fault 1: two lines of one response (thinking + tool_use) with the same usage are one call."""
    u = usage(10, 250, 1000, 20000)
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("msg_t1", req="req_t1", stop=None, usage=u, content=[{"type": "thinking", "thinking": "..."}]),
            assistant(
                "msg_t1",
                req="req_t1",
                stop="tool_use",
                usage=u,
                ts="2025-06-02T10:00:02.300Z",
                content=[{"type": "tool_use", "id": "toolu_t1", "name": "Read", "input": {}}],
            ),
        ],
    )
    ingest(store, [tmp_path])
    t = totals(store)
    assert t["calls"] == 1
    assert t["input_tokens"] + t["output_tokens"] + t["cache_write_tokens"] + t["cache_read_tokens"] == 21_260
    # 10×3 + 250×15 + 1,000×3.75 + 20,000×0.30 per MTok
    assert t["cost_usd"] == pytest.approx(0.01353)
    tools = store.con.execute("SELECT tool_name, parent_span_id FROM events WHERE kind='tool'").fetchall()
    assert tools == [("Read", "msg_t1")]


def test_most_complete_streamed_line_wins(tmp_path: Path, store) -> None:
    """Fault 2: output 3, 3, 412 for one response is 412 — not the first (3), not the sum (418)."""
    lines = [
        assistant("msg_t2", req="req_t2", stop=s, usage=usage(10, o, 2000, 30000), uuid=f"u{o}{s}")
        for o, s in ((3, None), (3, None), (412, "end_turn"))
    ]
    write_jsonl(tmp_path / "s.jsonl", lines)
    ingest(store, [tmp_path])
    t = totals(store)
    assert (t["calls"], t["output_tokens"]) == (1, 412)
    assert t["cost_usd"] == pytest.approx(0.02271)  # 30 + 6,180 + 7,500 + 9,000 per MTok


def test_complete_line_wins_across_files_in_any_order(tmp_path: Path, store) -> None:
    """The partial copy read after the complete one must not replace it."""
    write_jsonl(tmp_path / "a" / "full.jsonl", [assistant("m", usage=usage(10, 412))])
    ingest(store, [tmp_path / "a"])
    write_jsonl(tmp_path / "b" / "partial.jsonl", [assistant("m", stop=None, usage=usage(10, 3))])
    summary = ingest(store, [tmp_path / "b"])
    assert summary.written.unchanged == 1
    assert totals(store)["output_tokens"] == 412


def test_resumed_session_copy_counts_once(tmp_path: Path, store) -> None:
    """Fault 3: a resumed session copies history into a new file; 430 tokens, not 730."""
    a1 = dict(req="req_a1", ts="2025-06-03T09:00:00.000Z", uuid="u-a1", usage=usage(100, 200))
    write_jsonl(tmp_path / "sess-a.jsonl", [assistant("msg_a1", session="sess-a", **a1)])
    write_jsonl(
        tmp_path / "sess-b.jsonl",
        [
            assistant("msg_a1", session="sess-b", **a1),
            assistant("msg_b1", session="sess-b", req="req_b1", ts="2025-06-04T14:00:00.000Z", usage=usage(50, 80)),
        ],
    )
    ingest(store, [tmp_path])
    ingest(store, [tmp_path])  # re-import
    report = cost_report(store.events(), ["day"], tz="UTC")
    assert report.totals["calls"] == 2
    assert report.totals["input_tokens"] + report.totals["output_tokens"] == 430
    assert [(r["day"], r["calls"]) for r in report.rows] == [("2025-06-03", 1), ("2025-06-04", 1)]


def test_missing_request_id_dedupes_on_message_id(tmp_path: Path, store) -> None:
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("m1", req=None, stop=None, usage=usage(5, 1)),
            assistant("m1", req=None, usage=usage(5, 90)),
        ],
    )
    ingest(store, [tmp_path])
    assert (totals(store)["calls"], totals(store)["output_tokens"]) == (1, 90)


def test_one_hour_cache_writes_at_twice_input(tmp_path: Path, store) -> None:
    """Fault 9: 4,000 5m + 6,000 1h writes = 4,000×3.75 + 6,000×6 per MTok = $0.051 (not $0.0375)."""
    u = usage(0, 0, 10000, 0, cache_creation={"ephemeral_5m_input_tokens": 4000, "ephemeral_1h_input_tokens": 6000})
    write_jsonl(tmp_path / "s.jsonl", [assistant("msg_t9", usage=u)])
    ingest(store, [tmp_path])
    row = store.con.execute("SELECT cache_write_5m_tokens, cache_write_1h_tokens, cost_usd FROM events").fetchone()
    assert row[:2] == (4000, 6000)
    assert row[2] == pytest.approx(0.051)


def test_split_short_of_aggregate_prices_remainder_at_5m(tmp_path: Path, store) -> None:
    u = usage(0, 0, 10000, 0, cache_creation={"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 6000})
    write_jsonl(tmp_path / "s.jsonl", [assistant("m", usage=u)])
    ingest(store, [tmp_path])
    row = store.con.execute("SELECT cache_write_5m_tokens, cache_write_1h_tokens, cost_usd FROM events").fetchone()
    assert row == (4000, 6000, pytest.approx(0.051))


def test_synthetic_lines_are_error_events_not_priced(tmp_path: Path, store) -> None:
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("m1", usage=usage(100, 10)),
            assistant(
                "m2",
                model="<synthetic>",
                usage=usage(0, 0),
                error="rate_limit",
                content=[{"type": "text", "text": "Claude AI usage limit reached|1750000000"}],
            ),
        ],
    )
    ingest(store, [tmp_path])
    row = store.con.execute("SELECT kind, status, error_type, priced FROM events WHERE model='<synthetic>'").fetchone()
    assert row == ("event", "error", "rate_limit", True)
    assert totals(store)["calls"] == 1


def test_tool_results_give_status_and_latency(tmp_path: Path, store) -> None:
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant("m1", content=[{"type": "tool_use", "id": "tu1", "name": "Bash", "input": {"command": "ls"}}]),
            {
                "type": "user",
                "sessionId": "s1",
                "uuid": "u2",
                "timestamp": "2025-06-02T10:00:01.500Z",
                "message": {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "tu1", "is_error": True}],
                },
            },
        ],
    )
    ingest(store, [tmp_path])
    row = store.con.execute("SELECT tool_name, status, latency_ms FROM events WHERE kind='tool'").fetchone()
    assert row == ("Bash", "error", 1500.0)


def test_torn_lines_are_quarantined_and_glued_records_recovered(tmp_path: Path, store) -> None:
    """Fault 19: 1901 and 1904 intact, 1903 glued behind a torn prefix, 1905 cut off at EOF."""

    def rec(n: int, i: int, o: int) -> dict:
        return assistant(
            f"msg_{n}",
            req=f"req_{n}",
            uuid=f"u-{n}",
            usage=usage(i, o),
            ts=f"2025-06-10T10:{(n - 1901) * 5:02d}:00.000Z",
        )

    torn = b'{"type":"assistant","sessionId":"s1","uuid":"u-1902","message":{"usage":{"input_tok'
    write_jsonl(
        tmp_path / "t19.jsonl",
        [
            rec(1901, 100, 10),
            torn + json.dumps(rec(1903, 200, 20)).encode(),
            rec(1904, 300, 30),
        ],
        raw_tail=b'{"type":"assistant","sessionId":"s1","uuid":"u-1905","timestamp":"2025-06-10T10:15:00.000Z","requ',
    )
    summary = ingest(store, [tmp_path])
    t = totals(store)
    assert (t["input_tokens"], t["output_tokens"]) == (600, 60)
    assert summary.quarantined == 2
    reasons = dict(store.con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall())
    assert set(reasons) == {2, 4}
    assert "incomplete trailing line" in reasons[4]


def test_line_separators_and_bom(tmp_path: Path, store) -> None:
    """Fault 20: U+2028 inside a string must not split the record; a UTF-8 BOM must not break line 1."""
    user = {
        "type": "user",
        "sessionId": "s20",
        "uuid": "u-2001",
        "timestamp": "2025-06-11T09:00:00.000Z",
        "message": {"role": "user", "content": "pasted text\u2028next line \u201cquoted\u201d"},
    }
    asst = assistant("msg_2002", session="s20", ts="2025-06-11T09:00:05.000Z", usage=usage(100, 50))
    data = json.dumps(user, ensure_ascii=False) + "\n" + json.dumps(asst, ensure_ascii=False) + "\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "t20.jsonl").write_text(data, encoding="utf-8")
    (tmp_path / "b" / "t20-bom.jsonl").write_text(data, encoding="utf-8-sig")
    for folder in ("a", "b"):
        f = next((tmp_path / folder).iterdir())
        items = list(SOURCE.parse(f, ParseContext()))
        kinds = sorted(i["kind"] for i in items if isinstance(i, dict))
        assert kinds == ["event", "llm"], folder
        prompt = next(i for i in items if isinstance(i, dict) and i["kind"] == "event")
        assert "\u2028" in prompt["input_text"]
    summary = ingest(store, [tmp_path])
    assert summary.quarantined == 0
    assert (totals(store)["input_tokens"], totals(store)["output_tokens"]) == (100, 50)


def test_invalid_utf8_is_kept_and_flagged(tmp_path: Path, store) -> None:
    raw = json.dumps(assistant("m", usage=usage(7, 3), content=[{"type": "text", "text": "XX"}])).encode()
    raw = raw.replace(b"XX", b"caf\xe9 \xff")
    write_jsonl(tmp_path / "s.jsonl", [raw])
    summary = ingest(store, [tmp_path])
    assert summary.quarantined == 0
    row = store.con.execute("SELECT input_tokens, output_tokens, flags FROM events WHERE kind='llm'").fetchone()
    assert row[:2] == (7, 3) and "invalid_utf8" in row[2]


def test_null_and_negative_token_fields(tmp_path: Path, store) -> None:
    """Fault 21: null → 0 (flagged), "150" → 150, negative → 0 (flagged); outputs 120 + 0 + 30 + 30 = 180."""
    write_jsonl(
        tmp_path / "s.jsonl",
        [
            assistant(
                "m1",
                usage={
                    "input_tokens": None,
                    "output_tokens": 120,
                    "cache_creation_input_tokens": None,
                    "cache_read_input_tokens": 0,
                },
            ),
            assistant("m2", usage=None),
            assistant("m3", usage={"input_tokens": "150", "output_tokens": 30}),
            assistant("m4", usage={"input_tokens": -5, "output_tokens": 30}),
        ],
    )
    ingest(store, [tmp_path])
    report = cost_report(store.events(), ["day"], tz="UTC")
    assert (report.totals["calls"], report.totals["input_tokens"], report.totals["output_tokens"]) == (
        4,
        150,
        180,
    )
    flags = dict(
        store.con.execute("SELECT span_id, flags FROM events WHERE kind='llm' AND flags IS NOT NULL").fetchall()
    )
    assert "usage_missing" in flags["m2"] and "negative_input_tokens" in flags["m4"]
    assert any("negative" in w for w in report.warnings)
    assert any("no usage block" in w for w in report.warnings)


def test_non_usage_records_are_counted_not_lost(tmp_path: Path) -> None:
    f = write_jsonl(
        tmp_path / "s.jsonl",
        [
            {"type": "summary", "summary": "title", "leafUuid": "x"},
            {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},
            assistant("m1"),
        ],
    )
    items = list(SOURCE.parse(f, ParseContext()))
    assert sorted(i.record_type for i in items if isinstance(i, Skipped)) == [
        "claude_code:file-history-snapshot",
        "claude_code:summary",
    ]


def test_nested_subagent_folder(tmp_path: Path, store) -> None:
    """v2.1.x writes subagents to <session>/subagents/agent-<id>.jsonl with the parent's sessionId."""
    root = tmp_path / "projects" / "-home-dev-proj"
    write_jsonl(root / "sess-p.jsonl", [assistant("m-main", session="sess-p", usage=usage(10, 10))])
    write_jsonl(
        root / "sess-p" / "subagents" / "agent-a1.jsonl",
        [assistant("m-sub", session="sess-p", usage=usage(20, 20), isSidechain=True, agentId="a1")],
    )
    summary = ingest(store, [tmp_path / "projects"])
    assert summary.by_source == {"claude_code": 2}
    rows = store.con.execute("SELECT span_id, session_id, feature FROM events WHERE kind='llm' ORDER BY 1").fetchall()
    assert rows == [("m-main", "sess-p", "claude-code"), ("m-sub", "sess-p", "subagent")]
    assert totals(store)["input_tokens"] == 30


def test_assistant_without_message_object_is_quarantined(tmp_path: Path, store) -> None:
    bad = {"type": "assistant", "sessionId": "s1", "uuid": "u9", "timestamp": "2025-06-02T10:00:00Z", "message": "hi"}
    write_jsonl(tmp_path / "s.jsonl", [assistant("m1"), bad])
    summary = ingest(store, [tmp_path])
    assert summary.quarantined == 1 and summary.events == 1
    assert store.con.execute("SELECT line, reason FROM quarantine").fetchall() == [
        (2, "assistant record without a message object")
    ]
