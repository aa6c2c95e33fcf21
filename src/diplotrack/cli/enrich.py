"""``diplotrack enrich``, and the enrichment ``report`` and ``demo`` run when the store needs it."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store, resolve_db_path

ENV_TOPICS = "DIPLOTRACK_TOPICS"

TOPICS_OPTION = typer.Option(
    None,
    "--topics",
    help="A YAML file of your own topics, added to the bundled taxonomy (else $DIPLOTRACK_TOPICS).",
)


def topics_file(option: Path | None) -> Path | None:
    path = option or (Path(os.environ[ENV_TOPICS]) if os.environ.get(ENV_TOPICS) else None)
    if path is not None and not path.is_file():
        raise UsageError(f"the topics file {path} does not exist; give an existing YAML file or leave --topics out")
    return path


def run_enrich(db: str | Path | None, topics: Path | None, *, show_progress: bool):  # type: ignore[no-untyped-def]
    from diplotrack.enrich.run import enrich_store

    con = open_store(db)
    try:
        with common.byte_progress(enabled=show_progress) as progress:
            task = progress.add_task("enriching posts", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return enrich_store(con, topics_file=topics, on_progress=on_progress)
    finally:
        con.close()


def ensure_enriched(db: str | Path | None, topics: Path | None, *, show_progress: bool) -> None:
    """Enrich the posts that lack the current enrichment (nothing to do is cheap: one count)."""
    from diplotrack.enrich.run import current_version, outdated
    from diplotrack.store.db import open_store_read_only

    path = resolve_db_path(db)
    if not path.exists():
        return  # the read-only open that follows says what to do
    con = open_store_read_only(path)
    try:
        todo = outdated(con, current_version(topics))
    finally:
        con.close()
    if todo:
        run_enrich(path, topics, show_progress=show_progress)


def enrich_command(
    topics: Path | None = TOPICS_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with what was done."),
) -> None:
    report = run_enrich(common.STATE.db, topics_file(topics), show_progress=not as_json)
    if as_json:
        common.print_json(report.as_json())
        return
    common.console.print(
        f"enriched {report.posts_enriched:,} of {report.posts_total:,} posts in {report.seconds:.1f} s "
        f"({report.posts_per_second:,.0f} posts/s, {report.workers} process(es)); "
        f"{report.posts_total - report.posts_enriched:,} were already up to date; version {report.version}",
        markup=False,
    )
