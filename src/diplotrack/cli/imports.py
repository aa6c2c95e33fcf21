"""``diplotrack import PATH...``"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.importers.base import parse_time, stored_path
from diplotrack.importers.registry import IMPORTERS
from diplotrack.importers.run import ImportReport, expand_paths, import_paths
from diplotrack.store.db import open_store, resolve_db_path

_FORMATS = ", ".join(i.name for i in IMPORTERS)


def import_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders to import."),
    fmt: str | None = typer.Option(None, "--format", "-f", help=f"Force a format: {_FORMATS}."),
    observed_at: str | None = typer.Option(
        None,
        "--observed-at",
        help="When the archive was captured (ISO date), for files that do not say (e.g. an IO archive's release).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the counts and skips."),
) -> None:
    try:
        when = parse_time(observed_at) if observed_at else None
    except ValueError:
        raise UsageError(f"--observed-at {observed_at!r} is not a date; use e.g. 2021-02-28") from None
    report = run_import(paths, fmt=fmt, observed_at=when, show_progress=not as_json)
    if as_json:
        common.print_json(report.as_json())
    else:
        print_report(report)
    raise typer.Exit(exit_code(report))


def run_import(
    paths: list[Path],
    *,
    fmt: str | None,
    observed_at: datetime | None,
    show_progress: bool,
    command: str = "import",
) -> ImportReport:
    files = expand_paths(paths)
    con = open_store(common.STATE.db)
    try:
        total = sum(p.stat().st_size for p in files if p.exists())
        with common.byte_progress(enabled=show_progress) as progress:
            task = progress.add_task("importing", total=total)

            def on_file(path: Path, size: int) -> None:
                progress.update(task, description=f"importing {stored_path(path.name)}")

            return import_paths(
                con,
                files,
                fmt=fmt,
                observed_at=observed_at,
                command=command,
                on_file=on_file,
                on_progress=lambda n: progress.advance(task, n),
            )
    finally:
        con.close()


def exit_code(report: ImportReport) -> int:
    """2 when nothing could be read, 1 when something was skipped, 0 when clean."""
    if report.nothing_read:
        return 2
    return 1 if report.skipped else 0


def print_report(report: ImportReport) -> None:
    for s in report.skipped:
        common.err_console.print(f"skipped {s}", markup=False, highlight=False)
    db = resolve_db_path(common.STATE.db)
    mb = report.bytes_read / 2**20
    common.console.print(
        f"imported {len(report.files)} file(s), {mb:.1f} MB in {report.duration_s:.1f} s into {db}: "
        f"{report.posts_new} new posts, {report.posts_updated} updated, {report.profiles} profile snapshots, "
        f"{report.api_errors} API errors kept, {len(report.skipped)} skipped",
        markup=False,
    )
    for note in report.notes:
        common.console.print(note, markup=False, highlight=False)
