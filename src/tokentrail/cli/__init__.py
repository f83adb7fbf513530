"""The ``tokentrail`` command line: a thin layer over the library, with errors as one line."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from tokentrail.analyses.cost import ReportError
from tokentrail.analyses.timeframe import WindowError
from tokentrail.pricing import OverrideError
from tokentrail.sources import SourceError
from tokentrail.store import StoreError
from tokentrail.version import __version__

# Exit codes: 0 done; 1 an unexpected internal error; 2 bad input or usage (message says what to do).
USER_ERRORS = (SourceError, StoreError, ReportError, WindowError, OverrideError)


class Group(click.Group):
    """Turns known errors into one line on stderr and a non-zero exit, never a traceback."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted: batches already committed are kept; the rest was not written", err=True)
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("TOKENTRAIL_DEBUG"):
                raise
            click.echo(
                f"error: internal error: {type(exc).__name__}: {exc} "
                "(set TOKENTRAIL_DEBUG=1 for details, and please report it)",
                err=True,
            )
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tokentrail")
def main() -> None:
    """tokentrail: where the LLM money goes, from the logs you already have."""


def _register() -> None:
    from tokentrail.cli import admin, adoption, demo, ingest, outcomes, report, sessions

    report.report.add_command(adoption.adoption)
    main.add_command(adoption.seats)
    main.add_command(outcomes.outcomes)
    main.add_command(sessions.sessions_cmd)
    main.add_command(sessions.session_cmd)
    main.add_command(sessions.trace_cmd)

    main.add_command(ingest.ingest_cmd)
    main.add_command(report.report)
    main.add_command(demo.demo)
    main.add_command(admin.reprice)
    main.add_command(admin.sources)
    main.add_command(admin.quarantine)


_register()
