"""Source parsers, one module per log format, and the registry that picks one by content."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

from tokentrail.sources.base import UTF16_BOMS, ParseContext, Source, SourceError, read_head

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
    if head.startswith(UTF16_BOMS):
        raise SourceError(f"{path} is UTF-16 encoded: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)")
    for source in all_sources():
        if source.detect(head, path):
            return source
    return None


def iter_files(path: Path, problems: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """The input files under a path: the path itself, or every JSON/JSONL file below a folder, sorted.

    Symlinked folders are followed (each real folder once, so a link loop ends); a folder that
    cannot be listed or a dangling link is added to ``problems`` rather than skipped in silence.
    """
    if not path.exists():
        if path.is_symlink():
            raise SourceError(f"{path} is a link to something that does not exist")
        raise SourceError(f"no such file or folder: {path}")
    if not path.is_dir():
        yield path
        return
    found = 0
    seen: set[str] = set()

    def on_error(exc: OSError) -> None:
        if problems is not None:
            problems.append((Path(exc.filename or path), f"cannot list folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(path, onerror=on_error, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(files):
            file = Path(root) / name
            if file.suffix.lower() not in INPUT_SUFFIXES:
                continue
            if not file.exists():
                if problems is not None:
                    problems.append((file, "link to a file that does not exist"))
                continue
            found += 1
            yield file
    if not found and not problems:
        raise SourceError(f"no {', '.join(INPUT_SUFFIXES)} files under {path}")
