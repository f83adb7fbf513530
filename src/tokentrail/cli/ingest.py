"""``tokentrail ingest``: read logs into the store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from tokentrail.cli.options import db_option, prices_option
from tokentrail.outputs.render import console as console_
from tokentrail.outputs.render import safe, to_json
from tokentrail.pipeline import default_paths, ingest, input_bytes
from tokentrail.pricing import pricer_from
from tokentrail.sources import SOURCE_NAMES, SourceError
from tokentrail.sources.base import ParseContext
from tokentrail.store import Store


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--source",
    "source_name",
    type=click.Choice(SOURCE_NAMES),
    default=None,
    help="Read every file with this source instead of detecting it from the content.",
)
@db_option
@prices_option
@click.option("--user", "user_id", help="Attribute events without a user to this user.")
@click.option("--team", "team_id", help="Attribute events without a team to this team.")
@click.option("--project", help="Attribute events without a project to this project.")
@click.option("--feature", help="Attribute events without a feature tag to this feature.")
@click.option("--environment", help="Attribute events without an environment to this environment.")
@click.option("--no-content", is_flag=True, help="Store no prompt or response text, only sizes and hashes.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Summary format.")
def ingest_cmd(
    paths: tuple[Path, ...],
    source_name: str | None,
    db: str | None,
    prices_file: str | None,
    user_id: str | None,
    team_id: str | None,
    project: str | None,
    feature: str | None,
    environment: str | None,
    no_content: bool,
    fmt: str,
) -> None:
    """Read log files or folders into the store (default: ~/.claude/projects).

    Each file's format is detected from its content. Re-ingesting the same input changes nothing;
    records that cannot be read are kept in the quarantine table with file, line and reason.
    """
    targets = list(paths) or default_paths()
    if not targets:
        raise SourceError("no path given and no Claude Code projects folder (~/.claude/projects) found")
    defaults = {
        k: v
        for k, v in {
            "user_id": user_id,
            "team_id": team_id,
            "project": project,
            "feature": feature,
            "environment": environment,
        }.items()
        if v
    }
    ctx = ParseContext(defaults=defaults, keep_content=not no_content)
    pricer = pricer_from(Path(prices_file) if prices_file else None)
    total = input_bytes(targets)
    err = console_(stderr=True)
    with (
        Store.open(db) as store,
        Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("ingesting", total=total)
        summary = ingest(
            store,
            targets,
            source_name=source_name,
            ctx=ctx,
            pricer=pricer,
            on_file=lambda _f, size: progress.advance(task, size),
        )
        db_path = store.path
    if fmt == "json":
        click.echo(to_json({"db": str(db_path), **summary.as_dict()}))
        return
    out = console_()
    out.print(f"[bold]ingested[/] into {safe(str(db_path), 200)}")
    by_source = ", ".join(f"{n} {s}" for s, n in summary.by_source.items())
    out.print(f"  files        {summary.files:,}" + (f"  ({by_source})" if by_source else ""))
    out.print(f"  records      {summary.records:,}")
    out.print(
        f"  events       {summary.events:,}  (new {summary.written.new:,}, "
        f"updated {summary.written.updated:,}, duplicates skipped {summary.duplicates:,})"
    )
    hint = "  (list them: tokentrail quarantine)" if summary.quarantined else ""
    out.print(f"  quarantined  {summary.quarantined:,}{hint}")
    if summary.skipped:
        out.print(f"  no event     {sum(summary.skipped.values()):,} records (titles, tool results, snapshots)")
    if summary.unpriced:
        names = ", ".join(f"{safe(m)} ({n})" for m, n in summary.unpriced.most_common(5))
        out.print(f"  [yellow]unpriced models[/]: {names}: tokens kept, cost unknown (add a --prices override)")
    for name in summary.unrecognised[:5]:
        out.print(f"  [yellow]not recognised[/]: {safe(name, 200)}")
    for line in summary.unreadable[:5]:
        out.print(f"  [yellow]not read[/]: {safe(line, 300)}")
    more = len(summary.unrecognised[5:]) + len(summary.unreadable[5:])
    if more:
        out.print(f"  … and {more} more: see tokentrail quarantine")
