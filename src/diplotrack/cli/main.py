"""The ``diplotrack`` command: a thin layer over the library, one module per command group."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import duckdb
import typer
from typer._click import exceptions as click_exceptions  # the click typer vendors: its usage errors

from diplotrack import __version__
from diplotrack.cli import common
from diplotrack.cli.alerts import alerts_command
from diplotrack.cli.collect import collect_command, runs_command, watch_command
from diplotrack.cli.demo import demo_command
from diplotrack.cli.discover import discover_command
from diplotrack.cli.enrich import enrich_command
from diplotrack.cli.export import export_command
from diplotrack.cli.imports import import_command
from diplotrack.cli.links import resolve_links_command
from diplotrack.cli.network import bursts_command, coordination_command, network_command
from diplotrack.cli.report import report_command
from diplotrack.cli.rollups import rollups_command
from diplotrack.cli.roster import roster_app
from diplotrack.cli.serve import serve_command
from diplotrack.cli.sql import sql_command
from diplotrack.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, DiplotrackError
from diplotrack.platforms import COLLECTABLE, labels

app = typer.Typer(
    name="diplotrack",
    help="Track and analyse how states' diplomats are present and active on social media.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"diplotrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: str | None = typer.Option(None, "--db", help="Store file (default: $DIPLOTRACK_DB, else ./diplotrack.duckdb)."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    common.STATE.db = db
    common.STATE.debug = debug or bool(os.environ.get("DIPLOTRACK_DEBUG"))


app.add_typer(roster_app, name="roster")
app.command("import", help="Import archive files (format detected from content).")(import_command)
app.command("sql", help="Run a read-only SQL query against the store.")(sql_command)
app.command("export", help="Export every public table to Parquet or CSV files.")(export_command)
app.command("report", help="Run the analyses and write the report (HTML, Markdown, CSV, charts, summary.json).")(
    report_command
)
app.command("enrich", help="Detect languages, topics, tone, link domains and state-media references in posts.")(
    enrich_command
)
app.command("resolve-links", help="Follow shortened links (t.co, bit.ly…) to their final domains; cached, resumable.")(
    resolve_links_command
)
app.command("collect", help=f"Collect new posts and profiles from the {labels(COLLECTABLE)} APIs.")(collect_command)
app.command("watch", help="Collect again every period until stopped (SIGINT/SIGTERM finish the page in hand).")(
    watch_command
)
app.command("runs", help="Recent import and collection runs and their outcome.")(runs_command)
app.command("alerts", help="Evaluate the alert rules; record and deliver the new alerts.")(alerts_command)
app.command("network", help="Build a repost, quote, reply, mention, follow, hashtag or co-hashtag network.")(
    network_command
)
app.command("coordination", help="Accounts that repost, post, link or tag the same thing within seconds.")(
    coordination_command
)
app.command("bursts", help="Periods with far more account creations than expected.")(bursts_command)
app.command("rollups", help="The store's rollups (daily aggregates the analyses read): show, check or rebuild them.")(
    rollups_command
)
app.command("serve", help="Serve the dashboard and its JSON API over the store (read-only; loopback by default).")(
    serve_command
)
app.command("demo", help="Build a fresh store from the bundled real data and show what it holds.")(demo_command)
app.command("discover", help="Accounts the roster misses, scored, with evidence, as a roster CSV.")(discover_command)


def main() -> None:
    """Run the app; every failure ends as one ``error: ...`` line on stderr and an exit code from
    ``diplotrack.errors`` (the traceback only with ``--debug``)."""
    try:
        code = app(standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as exc:
        exc.show()  # plain 'diplotrack': the help
        sys.exit(exc.exit_code)
    except click_exceptions.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "diplotrack"
        common.print_error(f"error: {exc.format_message()} (see '{where} --help')")
        sys.exit(EXIT_USAGE)
    except click_exceptions.ClickException as exc:
        common.print_error(f"error: {exc.format_message()}")
        sys.exit(exc.exit_code)
    except typer.Abort:
        common.print_error("aborted")
        sys.exit(EXIT_INTERRUPTED)
    except DiplotrackError as exc:
        _fail(f"error: {exc}", exc.exit_code)  # exception text may echo file names or server words
    except duckdb.Error as exc:
        _fail(f"error: the store reported: {common.first_line(exc)} (run with --debug for details)", EXIT_FAILED)
    except KeyboardInterrupt:
        common.print_error("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # 'diplotrack sql ... | head': the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    except OSError as exc:
        what = f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename}" if exc.filename else "")
        _fail(f"error: {what}; check that the path exists and can be read and written", EXIT_USAGE)
    except Exception as exc:  # a bug: still one line, and its own exit code
        _fail(
            f"error: internal error ({type(exc).__name__}: {common.first_line(exc)}); "
            "run again with --debug for the traceback and report it",
            EXIT_INTERNAL,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    if common.STATE.debug:
        raise  # noqa: PLE0704 - called from an except block: the exception being handled, with its traceback
    common.print_error(message)
    sys.exit(code)


if __name__ == "__main__":
    main()
