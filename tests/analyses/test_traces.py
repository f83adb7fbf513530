"""Session and trace trees: parents, subagent links and rollups, worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.traces import Node, session_tree, trace_tree
from tokentrail.pipeline import ingest

TASK_INPUT = {"description": "d", "prompt": "do X", "subagent_type": "general-purpose"}


def ts(second: int) -> str:
    return f"2025-06-02T10:00:{second:02d}.000Z"


def prompt(uuid: str, second: int, text: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "user",
        "sessionId": "cc",
        "uuid": uuid,
        "parentUuid": parent,
        "isSidechain": False,
        "timestamp": ts(second),
        "message": {"role": "user", "content": text},
        **extra,
    }


def result(uuid: str, second: int, parent: str, tool_id: str, **extra: Any) -> dict[str, Any]:
    return {
        **prompt(uuid, second, "", parent, **extra),
        "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "ok"}]},
    }


def call(msg: str, uuid: str, parent: str, second: int, i: int, o: int, **extra: Any) -> dict[str, Any]:
    return assistant(msg, req=f"req-{msg}", session="cc", uuid=uuid, parentUuid=parent, ts=ts(second),
                     usage={"input_tokens": i, "output_tokens": o}, **extra)  # fmt: skip


def tool_use(tool_id: str, name: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "tool_use", "id": tool_id, "name": name, "input": payload}]


def main_lines(task_result: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A prompt; a call that starts a Task; the Task's result at 10:00:06; a final call."""
    return [
        prompt("p1", 0, "build it"),
        call("msg_1", "a1", "p1", 1, 100, 10, content=tool_use("toolu_task", "Task", TASK_INPUT), stop="tool_use"),
        result("r1", 6, "a1", "toolu_task", **({"toolUseResult": task_result} if task_result else {})),
        call("msg_4", "a2", "r1", 7, 20, 2),
    ]


def side_lines(first_prompt: str = "do X", **extra: Any) -> list[dict[str, Any]]:
    """The subagent: its prompt at 10:00:02, a call that reads a file (1 s), a last call."""
    side = {"isSidechain": True, **extra}
    return [
        prompt("s1", 2, first_prompt, **side),
        call("msg_2", "s2", "s1", 3, 50, 5, content=tool_use("toolu_read", "Read", {"file_path": "x"}), **side),
        result("s3", 4, "s2", "toolu_read", **side),
        call("msg_3", "s4", "s3", 5, 60, 6, **side),
    ]


def shape(node: Node) -> Any:
    return (node.span_id, [shape(c) for c in node.children]) if node.children else node.span_id


EXPECTED = ("p1", [("msg_1", [("toolu_task", [("s1", [("msg_2", ["toolu_read"]), "msg_3"])])]), "msg_4"])


def find(node: Node, span: str) -> Node:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.span_id == span:
            return n
        stack.extend(n.children)
    raise KeyError(span)


def test_inline_subagent_nests_under_its_task_call(tmp_path: Path, store) -> None:
    # Claude Code writes the subagent's lines between the Task call and its result.
    lines = main_lines()
    write_jsonl(tmp_path / "cc.jsonl", [*lines[:2], *side_lines(), *lines[2:]])
    ingest(store, [tmp_path])
    tree = session_tree(store.events(), "cc")
    assert [shape(r) for r in tree.roots] == [EXPECTED]
    assert tree.linked_subagents == 0  # linked at ingest: the prompt's parent is the Task call
    root = tree.roots[0]
    # 4 calls: 110 + 55 + 66 + 22 tokens; inputs 230 × $3 + outputs 23 × $15 per million.
    assert (root.subtree.calls, root.subtree.tokens) == (4, 253)
    assert root.subtree.cost_usd == pytest.approx(0.001035)
    assert root.subtree.latency_ms == 7000  # prompt at :00 to the last call at :07
    assert (root.own.calls, root.own.tokens, root.own.cost_usd) == (0, 0, 0.0)
    task = find(root, "toolu_task")
    assert task.own.latency_ms == 5000  # called at :01, result at :06
    # The subagent: 110 input × $3 + 11 output × $15 per million.
    assert (task.subtree.calls, task.subtree.tokens) == (2, 121)
    assert task.subtree.cost_usd == pytest.approx(0.000495)
    assert task.subtree.latency_ms == 5000
    sub = find(root, "s1")
    assert sub.subagent and sub.subtree.latency_ms == 3000  # :02 to the last call at :05
    assert find(root, "toolu_read").own.latency_ms == 1000
    assert (tree.totals.calls, tree.totals.tokens, tree.events) == (4, 253, 8)
    # Claude Code's trace id is the session id: the trace view is the same tree.
    assert [shape(r) for r in trace_tree(store.events(), "cc").roots] == [EXPECTED]


def test_subagent_file_is_linked_by_its_prompt(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "cc.jsonl", main_lines())
    write_jsonl(tmp_path / "agent-abc.jsonl", side_lines())
    ingest(store, [tmp_path])
    tree = session_tree(store.events(), "cc")
    assert [shape(r) for r in tree.roots] == [EXPECTED]
    assert tree.linked_subagents == 1


def test_subagent_file_is_linked_by_its_agent_id(tmp_path: Path, store) -> None:
    # Newer Claude Code: the Task result names the agent, and every subagent line carries its id.
    write_jsonl(tmp_path / "cc.jsonl", main_lines(task_result={"agentId": "abc", "status": "completed"}))
    write_jsonl(tmp_path / "agent-abc.jsonl", side_lines("a prompt that differs", agentId="abc"))
    ingest(store, [tmp_path])
    assert [shape(r) for r in session_tree(store.events(), "cc").roots] == [EXPECTED]


def test_unlinked_subagent_stays_a_root(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "cc.jsonl", main_lines())
    write_jsonl(tmp_path / "agent-zzz.jsonl", side_lines("unrelated work"))
    ingest(store, [tmp_path])
    tree = session_tree(store.events(), "cc")
    assert [r.span_id for r in tree.roots] == ["p1", "s1"]
    assert tree.totals.tokens == 253  # nothing lost or counted twice


def test_langfuse_trace_tree(samples: Path, store) -> None:
    ingest(store, [samples / "langfuse" / "pydantic-ai-tools-2025-12-04.trace.json"])
    tree = trace_tree(store.events(), "7a38edd8123db47ad8dcb8aa4c5e3926")
    (root,) = tree.roots
    assert (root.kind, root.name) == ("agent", "run_joke_generator")
    assert [c.name for c in root.children] == ["joke_agent run", "joke_agent run", "evaluator_agent run"]
    first = root.children[0]
    assert [c.kind for c in first.children] == ["llm", "agent", "llm"]
    assert [c.tool_name for c in first.children[1].children] == [
        "get_pun_suggestion",
        "get_dad_joke_suggestion",
        "get_one_liner_suggestion",
    ]
    # ../shared/samples/README.md: 4 calls, 1,315 input + 209 output tokens, $0.00032265.
    assert (root.subtree.calls, root.subtree.tokens) == (4, 1524)
    assert root.subtree.cost_usd == pytest.approx(0.00032265)
    assert (first.subtree.calls, first.subtree.tokens) == (2, 808)
    assert root.own.latency_ms == root.subtree.latency_ms == 7424
    # A trace that names no session is its own session.
    assert session_tree(store.events(), "7a38").id == "7a38edd8123db47ad8dcb8aa4c5e3926"


def test_missing_parents_cycles_and_ids(tmp_path: Path, store) -> None:
    def ev(span: str, parent: str, second: int) -> dict[str, Any]:
        return {
            "event_id": span,
            "timestamp": ts(second),
            "trace_id": "trace-1",
            "span_id": span,
            "parent_span_id": parent,
            "kind": "agent",
            "name": span,
        }

    write_jsonl(tmp_path / "g.jsonl", [ev("a", "b", 1), ev("b", "a", 2), ev("c", "gone", 3)])
    ingest(store, [tmp_path])
    tree = trace_tree(store.events(), "trace-1")
    # a and b are each other's parent: the earlier one is cut loose as a root; c's parent is missing.
    assert [shape(r) for r in tree.roots] == [("a", ["b"]), "c"]
    assert trace_tree(store.events(), "trace").id == "trace-1"  # a unique prefix
    with pytest.raises(ReportError, match="no trace 'nope'"):
        trace_tree(store.events(), "nope")


def test_ambiguous_or_empty_ids_say_so(samples: Path, store) -> None:
    ingest(store, [samples / "claude-code" / "projects"])
    with pytest.raises(ReportError, match="matches several sessions"):
        session_tree(store.events(), "fe")  # fe5e1c67… and fed8ce56… both start with fe
    with pytest.raises(ReportError, match="give a session id"):
        session_tree(store.events(), " ")
