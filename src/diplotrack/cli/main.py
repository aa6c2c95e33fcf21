"""The ``diplotrack`` command: a thin layer over the library, one module per command group."""

from __future__ import annotations

import os
import sys

import duckdb
import typer

from diplotrack import __version__
from diplotrack.cli import common
from diplotrack.cli.collect import collect_command, runs_command, watch_command
from diplotrack.cli.demo import demo_command
from diplotrack.cli.enrich import enrich_command
from diplotrack.cli.export import export_command
from diplotrack.cli.imports import import_command
from diplotrack.cli.network import bursts_command, coordination_command, network_command
from diplotrack.cli.report import report_command
from diplotrack.cli.roster import roster_app
from diplotrack.cli.sql import sql_command
from diplotrack.errors import DiplotrackError

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
app.command("collect", help="Collect new posts and profiles from the X, Bluesky and Mastodon APIs.")(collect_command)
app.command("watch", help="Collect again every period until stopped (SIGINT/SIGTERM finish the page in hand).")(
    watch_command
)
app.command("runs", help="Recent import and collection runs and their outcome.")(runs_command)
app.command("network", help="Build a repost, quote, reply, mention, follow, hashtag or co-hashtag network.")(
    network_command
)
app.command("coordination", help="Accounts that repost, post, link or tag the same thing within seconds.")(
    coordination_command
)
app.command("bursts", help="Periods with far more account creations than expected.")(bursts_command)
app.command("demo", help="Build a fresh store from the bundled real data and show what it holds.")(demo_command)


def main() -> None:
    try:
        app()
    except DiplotrackError as exc:
        if common.STATE.debug:
            raise
        common.print_error(f"error: {exc}")  # exception text may echo file names or server words
        sys.exit(exc.exit_code)
    except duckdb.Error as exc:
        if common.STATE.debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        common.print_error(f"error: the store reported: {first} (run with --debug for details)")
        sys.exit(1)
    except KeyboardInterrupt:
        common.err_console.print("interrupted", markup=False)
        sys.exit(130)


if __name__ == "__main__":
    main()
