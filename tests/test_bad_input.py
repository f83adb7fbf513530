"""Hostile and corrupt input: one-line errors or quarantine, ingest goes on, no wrong numbers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.conftest import assistant, write_jsonl
from tokentrail.analyses.cost import cost_report
from tokentrail.cli import main
from tokentrail.pipeline import ingest
from tokentrail.pricing import OverrideError, Pricer, load_overrides
from tokentrail.sources import SourceError
from tokentrail.store import Store, StoreError


def generic(i: int, **fields) -> dict:
    return {
        "timestamp": "2025-06-09T12:00:00Z",
        "request_id": f"req-bad-{i:04d}",
        "model": "gpt-4o",
        "input_tokens": 1000,
        "output_tokens": 100,
        **fields,
    }


def test_implausible_token_counts_are_flagged_not_summed(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "a.jsonl", [generic(1), generic(2, input_tokens=10**30), generic(3, input_tokens=2**63)])
    write_jsonl(tmp_path / "cc.jsonl", [assistant("m", usage={"input_tokens": 1e25, "output_tokens": 7})])
    summary = ingest(store, [tmp_path])
    assert summary.quarantined == 0
    report = cost_report(store.events(), ["model"], tz="UTC")
    # Only the sane counts are summed: 1,000 input from row 1, nothing from the others.
    assert report.totals["input_tokens"] == 1000 and report.totals["output_tokens"] == 307
    assert any("implausibly large" in w for w in report.warnings)


def test_deeply_nested_json_is_quarantined(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "a.jsonl", [generic(1), b"[" * 5000 + b"]" * 5000, generic(2)])
    summary = ingest(store, [tmp_path])
    assert summary.events == 2 and summary.quarantined == 1


def test_implausible_timestamps_are_quarantined(tmp_path: Path, store) -> None:
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            generic(1),
            generic(2, timestamp="0001-01-01T00:00:00Z"),
            generic(3, timestamp="9999-12-31T00:00:00Z"),
            generic(4, timestamp=0),
        ],
    )
    summary = ingest(store, [tmp_path])
    assert summary.events == 1 and summary.quarantined == 3
    reasons = [r for (r,) in store.con.execute("SELECT reason FROM quarantine").fetchall()]
    assert all("implausible timestamp" in r for r in reasons)


def test_symlinked_folders_are_followed_once(tmp_path: Path, store) -> None:
    elsewhere = tmp_path / "elsewhere"
    write_jsonl(elsewhere / "a.jsonl", [generic(1)])
    root = tmp_path / "root"
    root.mkdir()
    (root / "proj").symlink_to(elsewhere, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    summary = ingest(store, [root])
    assert (summary.files, summary.events) == (1, 1)


def test_dangling_link_and_empty_folder(tmp_path: Path, store) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match=r"no \.jsonl, \.json, \.ndjson files under"):
        ingest(store, [tmp_path / "empty"])
    write_jsonl(tmp_path / "d" / "a.jsonl", [generic(1)])
    (tmp_path / "d" / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    summary = ingest(store, [tmp_path / "d"])
    assert summary.events == 1 and any("does not exist" in u for u in summary.unreadable)


def test_utf16_file_is_quarantined_with_the_reason(tmp_path: Path, store) -> None:
    (tmp_path / "ps.jsonl").write_text(json.dumps(generic(1)) + "\n", encoding="utf-16")
    write_jsonl(tmp_path / "ok.jsonl", [generic(2)])
    summary = ingest(store, [tmp_path])
    assert summary.events == 1 and summary.quarantined == 1
    (reason,) = store.con.execute("SELECT reason FROM quarantine").fetchall()[0]
    assert "UTF-16" in reason and "iconv" in reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_quarantined_and_the_rest_read(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "ok.jsonl", [generic(1)])
    locked = write_jsonl(tmp_path / "locked.jsonl", [generic(2)])
    locked.chmod(0)
    try:
        summary = ingest(store, [tmp_path])
    finally:
        locked.chmod(0o644)
    assert summary.events == 1 and any("Permission denied" in u for u in summary.unreadable)


def test_markup_and_control_characters_in_names(tmp_path: Path) -> None:
    names = ["[/]", "[bold red]x", "\x1b[31mred", "y" * 5000]
    write_jsonl(tmp_path / "in" / "a.jsonl", [generic(i, model=m, team_id=m) for i, m in enumerate(names)])
    db = str(tmp_path / "m.duckdb")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(tmp_path / "in"), "--db", db])
    assert result.exit_code == 0, result.output
    assert "y" * 100 not in result.stdout  # long names are cut
    table = runner.invoke(main, ["report", "cost", "--by", "team", "--tz", "UTC", "--db", db])
    assert table.exit_code == 0, table.output
    assert "[/]" in table.stdout and "[bold red]x" in table.stdout  # shown literally, not as markup
    assert "\x1b" not in table.stdout


def test_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events (x INTEGER)")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="not a tokentrail database"):
            Store.open(path, read_only=read_only)


def test_reprice_does_not_create_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reprice", "--db", str(tmp_path / "typo.duckdb")])
    assert result.exit_code == 2 and "no tokentrail database" in result.stderr
    assert not (tmp_path / "typo.duckdb").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[price]]\nmodel = "x"\ninput = nan\noutput = 1\n', "non-negative number"),
        ('[[price]]\nmodel = "x"\ninput = inf\noutput = 1\n', "non-negative number"),
        ('[[price]]\nmodel = "x"\ninput = 1\noutput = 1\nfrom = 2025-06-08T12:00:00+02:00\n', "whole days"),
        (
            '[[price]]\nmodel = "x"\ninput = 1\noutput = 1\nfrom = 2025-06-01\n\n'
            '[[price]]\nmodel = "x"\ninput = 2\noutput = 2\nfrom = 2025-01-01\nuntil = 2026-01-01\n',
            "#1 and #2",
        ),
    ],
)
def test_bad_override_values(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "p.toml"
    f.write_text(text)
    with pytest.raises(OverrideError, match=message):
        load_overrides(f)


def test_alias_to_an_unknown_model_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('[[alias]]\nname = "claude-sonnet-4-20250514"\nmodel = "no-such-model-at-all"\n')
    with pytest.raises(OverrideError, match="has no price"):
        Pricer(load_overrides(f))


def test_csv_report_puts_warnings_on_stderr(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "in" / "a.jsonl", [generic(1, model="private-model-z")])
    db = str(tmp_path / "c.duckdb")
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(tmp_path / "in"), "--db", db])
    result = runner.invoke(main, ["report", "cost", "--format", "csv", "--tz", "UTC", "--db", db])
    assert "warning: unpriced model 'private-model-z'" in result.stderr
    assert "private-model-z" not in result.stdout.splitlines()[0]


def test_empty_window_says_so(tmp_path: Path, store) -> None:
    write_jsonl(tmp_path / "a.jsonl", [generic(1)])
    ingest(store, [tmp_path])
    report = cost_report(store.events(), ["day"], tz="UTC", since="2030-01-01")
    assert report.rows == [] and report.warnings[0].startswith("no events match")
