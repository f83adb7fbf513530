"""The README documents what the code does: schema reference, commands, aliases."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import ROOT
from tokentrail.cli import main
from tokentrail.schema_doc import render, render_generic, splice


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_schema_reference_is_current() -> None:
    text = readme()
    assert render() in text, "README's event reference drifted from events.py: run `make docs`"
    assert render_generic() in text, "README's generic field table drifted from the code: run `make docs`"
    assert splice(text) == text


def test_readme_opens_with_the_two_commands() -> None:
    head = readme()[:1500]
    assert "make demo" in head and "make test" in head
    assert head.index("make demo") < head.index("make test")


def test_every_command_is_documented() -> None:
    text = readme()
    runner = CliRunner()
    names = []
    for name, cmd in main.commands.items():
        sub = getattr(cmd, "commands", None)
        names += [f"tokentrail {name} {s}" for s in sub] if sub else [f"tokentrail {name}"]
        assert runner.invoke(main, [name, "--help"]).exit_code == 0
    missing = [n for n in names if n not in text]
    assert not missing, f"commands missing from README: {missing}"
