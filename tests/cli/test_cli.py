"""The command line, through click's runner: outputs, formats, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import assistant, write_jsonl
from tokentrail.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path, runner: CliRunner, samples: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    result = runner.invoke(main, ["ingest", str(samples / "claude-code" / "projects"), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_ingest_summary_json(tmp_path: Path, runner: CliRunner, samples: Path) -> None:
    path = tmp_path / "j.duckdb"
    args = ["ingest", str(samples / "claude-code" / "projects"), "--db", str(path), "--format", "json"]
    first = json.loads(runner.invoke(main, args).stdout)
    assert (first["files"], first["events_new"], first["quarantined"]) == (9, 612, 0)
    second = json.loads(runner.invoke(main, args).stdout)
    assert (second["events_new"], second["events_updated"], second["duplicates_skipped"]) == (0, 0, 612)


def test_report_cost_json_shape_and_values(db: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["report", "cost", "--by", "day", "--tz", "UTC", "--format", "json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"rows", "totals", "warnings"}
    assert set(data["rows"][0]) == {
        "day",
        "calls",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cost_usd",
    }
    t = data["totals"]
    assert (
        t["calls"],
        t["input_tokens"],
        t["output_tokens"],
        t["cache_write_tokens"],
        t["cache_read_tokens"],
    ) == (289, 1533, 75848, 405045, 8377717)
    assert t["cost_usd"] == pytest.approx(5.1746, abs=0.0005)
    assert "genai-prices" in result.stderr and "tokentrail" in result.stderr


def test_report_cost_table_and_csv(db: Path, runner: CliRunner) -> None:
    table = runner.invoke(main, ["report", "cost", "--by", "month", "--tz", "UTC", "--db", str(db)])
    assert table.exit_code == 0
    assert "2025-06" in table.stdout and "2025-09" in table.stdout and "genai-prices" in table.stdout
    out = runner.invoke(
        main,
        [
            "report",
            "cost",
            "--by",
            "week",
            "--by",
            "model",
            "--tz",
            "UTC",
            "--format",
            "csv",
            "--db",
            str(db),
        ],
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["week"] == "2025-W23" and rows[0]["model"] == "claude-sonnet-4-20250514"
    assert sum(int(r["calls"]) for r in rows) == 289


def test_reprice_changes_nothing_when_prices_did_not(db: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["reprice", "--db", str(db)])
    assert result.exit_code == 0 and "0 costs changed" in result.stdout


def test_reprice_applies_a_new_override(db: Path, runner: CliRunner, tmp_path: Path) -> None:
    prices = tmp_path / "p.toml"
    prices.write_text('[[price]]\nmodel = "claude-sonnet-4-20250514"\ndiscount = 0.5\n')
    result = runner.invoke(main, ["reprice", "--db", str(db), "--prices", str(prices)])
    assert result.exit_code == 0 and "289 costs changed" in result.stdout
    data = json.loads(
        runner.invoke(main, ["report", "cost", "--tz", "UTC", "--format", "json", "--db", str(db)]).stdout
    )
    assert data["totals"]["cost_usd"] == pytest.approx(5.17455285 / 2)


def test_unpriced_model_reported(tmp_path: Path, runner: CliRunner) -> None:
    write_jsonl(tmp_path / "in" / "s.jsonl", [assistant("m", model="claude-private-x")])
    path = str(tmp_path / "u.duckdb")
    ingest = runner.invoke(main, ["ingest", str(tmp_path / "in"), "--db", path])
    assert "unpriced models" in ingest.stdout and "claude-private-x" in ingest.stdout
    data = json.loads(runner.invoke(main, ["report", "cost", "--format", "json", "--tz", "UTC", "--db", path]).stdout)
    assert any("claude-private-x" in w for w in data["warnings"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "/no/such/path"], "no such file or folder"),
        (["report", "cost", "--since", "June"], "bad --since date"),
        (["report", "cost", "--by", "colour"], "'colour' is not one of"),
        (["report", "cost", "--tz", "Mars/Base"], "unknown time zone"),
        (["report", "cost", "--format", "xml"], "'xml' is not one of"),
        (["ingest", "--source", "nope", "x"], "'nope' is not one of"),
        (["ingest", ".", "--prices", "/no/prices.toml"], "price-override file not found"),
    ],
)
def test_errors_are_one_line(db: Path, runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(main, [*args, *(["--db", str(db)] if args[0] == "report" else [])])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output


def test_report_on_missing_db(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["report", "cost", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "run 'tokentrail ingest' first" in result.stderr


def test_unreadable_file(tmp_path: Path, runner: CliRunner) -> None:
    f = tmp_path / "locked.jsonl"
    f.write_text("{}\n")
    f.chmod(0)
    result = runner.invoke(main, ["ingest", str(f), "--db", str(tmp_path / "x.duckdb")])
    f.chmod(0o644)
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_quarantine_listing(tmp_path: Path, runner: CliRunner) -> None:
    write_jsonl(tmp_path / "in" / "s.jsonl", [assistant("m1"), b"{not json"])
    path = str(tmp_path / "q.duckdb")
    assert runner.invoke(main, ["ingest", str(tmp_path / "in"), "--db", path]).exit_code == 0
    data = json.loads(runner.invoke(main, ["quarantine", "--db", path, "--format", "json"]).stdout)
    assert data["total"] == 1
    assert data["records"][0]["line"] == 2 and data["records"][0]["raw"] == "{not json"
    assert "bad JSON" in data["records"][0]["reason"]
    table = runner.invoke(main, ["quarantine", "--db", path])
    assert table.exit_code == 0 and "Quarantined records: 1" in table.stdout
