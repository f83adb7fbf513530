"""``tokentrail sessions``, ``session`` and ``trace`` through click's runner, on the real samples."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from tokentrail.cli import Group
from tokentrail.cli.sessions import session_cmd, sessions_cmd, trace_cmd
from tokentrail.pipeline import ingest
from tokentrail.store import Store

LARGEST = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"  # 170 calls, 5 subagents started by Task calls
SESSIONS = {
    "ba79134d-b6e9-4867-af0c-6941038c9e4b",
    "d3ad4cdc-5657-435d-98fa-0035d53e383d",
    "fed8ce56-bc79-401f-a83e-af084253362f",
    "1af7fc5e-8455-4414-9ccd-011d40f70b2a",
    "5c0375b4-57a5-4f26-b12d-d022ee4e51b7",
    LARGEST,
}


@click.group(cls=Group)
def cli() -> None:
    """The commands under test, as the main group will register them."""


for command in (sessions_cmd, session_cmd, trace_cmd):
    cli.add_command(command)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> str:
    path = tmp_path_factory.mktemp("sessions") / "cli.duckdb"
    with Store.open(path) as store:
        ingest(
            store,
            [samples / "claude-code" / "projects", samples / "langfuse" / "pydantic-ai-tools-2025-12-04.trace.json"],
        )
    return str(path)


def run(db: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n["children"])
    return out


def test_sessions_json_lists_every_sample_session(db: str) -> None:
    payload = json.loads(run(db, "sessions", "--tz", "UTC", "--format", "json").stdout)
    ids = {r["session_id"] for r in payload["sessions"]}
    # Six Claude Code sessions (agent-*.jsonl files inside their parent) and one Langfuse trace.
    assert ids == {*SESSIONS, "7a38edd8123db47ad8dcb8aa4c5e3926"}
    assert (payload["total"], payload["shown"]) == (7, 7)
    largest = next(r for r in payload["sessions"] if r["session_id"] == LARGEST)
    assert set(largest) == {
        "session_id",
        "user_id",
        "team_id",
        "feature",
        "start",
        "end",
        "duration_s",
        "days",
        "turns",
        "calls",
        "tokens",
        "cost_usd",
    }
    assert (largest["calls"], largest["turns"], largest["days"]) == (170, 2, ["2025-09-03"])
    assert largest["start"] == "2025-09-03T00:52:31.217000+00:00"


def test_sessions_csv_sorted_and_limited(db: str) -> None:
    out = run(db, "sessions", "--sort", "cost", "--limit", "2", "--tz", "UTC", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["session_id"] for r in rows] == [LARGEST, "d3ad4cdc-5657-435d-98fa-0035d53e383d"]
    assert rows[0]["calls"] == "170" and rows[0]["days"] == "2025-09-03"


def test_sessions_table(db: str) -> None:
    out = run(db, "sessions", "--tz", "UTC", "--since", "2025-09-07", "--until", "2025-09-07").stdout
    assert "Sessions (1, by start)" in out
    assert "5c0375b4-57a5-4f26-b12d-d022ee4e51b7" in out and LARGEST not in out
    assert "times in UTC" in out


def test_session_tree_nests_subagents_under_their_task_call(db: str) -> None:
    tree = json.loads(run(db, "session", LARGEST, "--format", "json").stdout)
    assert (tree["scope"], tree["id"], tree["events"]) == ("session", LARGEST, 344)
    assert tree["totals"]["calls"] == 170
    nodes = [n for root in tree["roots"] for n in walk(root)]
    tasks = [n for n in nodes if n["tool_name"] == "Task"]
    assert len(tasks) == 5
    subagent_calls = 0
    for task in tasks:
        (sub,) = task["children"]  # the subagent's first prompt, under the call that started it
        assert (sub["kind"], sub["name"], sub["subagent"]) == ("event", "user_prompt", True)
        llm = [n for n in walk(sub) if n["kind"] == "llm"]
        assert llm and all(n["subagent"] for n in llm)
        assert task["subtree"]["calls"] == len(llm)
        subagent_calls += len(llm)
    # Every subagent call of the session sits under a Task call; none is left at the top.
    assert subagent_calls == sum(1 for n in nodes if n["kind"] == "llm" and n["subagent"]) == 161
    assert all(not r["subagent"] for r in tree["roots"])
    # A turn's subtree holds its own calls and those of the subagents it started.
    assert [r["subtree"]["calls"] for r in tree["roots"]] == [168, 2]


def test_session_table_is_a_tree(db: str) -> None:
    out = run(db, "session", LARGEST[:8], "--depth", "4").stdout
    assert f"session {LARGEST}" in out
    assert "tool Task" in out and "subagent" in out and "more steps" in out
    assert "└──" in out


def test_trace_tree_of_a_langfuse_trace(db: str) -> None:
    tree = json.loads(run(db, "trace", "7a38edd8123db47ad8dcb8aa4c5e3926", "--format", "json").stdout)
    (root,) = tree["roots"]
    assert root["name"] == "run_joke_generator"
    assert (root["subtree"]["calls"], root["subtree"]["tokens"]) == (4, 1524)
    assert root["subtree"]["cost_usd"] == pytest.approx(0.00032265)
    assert [c["name"] for c in root["children"]] == ["joke_agent run", "joke_agent run", "evaluator_agent run"]
    out = run(db, "trace", "7a38edd8123db47ad8dcb8aa4c5e3926").stdout
    assert "tool get_pun_suggestion" in out


def test_errors_are_one_line(db: str) -> None:
    result = CliRunner().invoke(cli, ["session", "nope", "--db", db])
    assert result.exit_code == 2
    assert "error: no session 'nope'" in result.output and "tokentrail sessions" in result.output
    result = CliRunner().invoke(cli, ["sessions", "--sort", "price", "--db", db])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["sessions", "--since", "yesterday", "--db", db])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
