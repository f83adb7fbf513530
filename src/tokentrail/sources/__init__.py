"""Source parsers, one module per log format, and the registry that picks one by content."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from tokentrail.sources.base import ParseContext, Source, SourceError, read_head

# Most specific first: the generic JSON source accepts almost anything, so it is tried last.
_MODULES = ("claude_code", "langfuse", "otel", "generic")
SOURCE_NAMES = _MODULES  # each module's SOURCE is named like the module
INPUT_SUFFIXES = (".jsonl", ".json", ".ndjson")

__all__ = [
    "INPUT_SUFFIXES",
    "SOURCE_NAMES",
    "ParseContext",
    "Source",
    "SourceError",
    "all_sources",
    "detect",
    "get",
    "iter_files",
]


def all_sources() -> list[Source]:
    return [importlib.import_module(f"tokentrail.sources.{m}").SOURCE for m in _MODULES]


def get(name: str) -> Source:
    for source in all_sources():
        if source.name == name:
            return source
    names = ", ".join(s.name for s in all_sources())
    raise SourceError(f"unknown source {name!r}; choose one of: {names}")


def detect(path: Path) -> Source | None:
    """The first source that recognises the file's content, or None."""
    try:
        head = read_head(path)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for source in all_sources():
        if source.detect(head, path):
            return source
    return None


def iter_files(path: Path) -> Iterator[Path]:
    """The input files under a path: the path itself, or every JSON/JSONL file below a folder, sorted."""
    if not path.exists():
        raise SourceError(f"no such file or folder: {path}")
    if path.is_file():
        yield path
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES:
            yield p
