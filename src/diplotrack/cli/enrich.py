"""``diplotrack enrich``, and the enrichment ``report`` and ``demo`` run when the store needs it."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store, resolve_db_path

ENV_TOPICS = "DIPLOTRACK_TOPICS"
DEFAULT_MASTER = "local[*]"  # engines.spark.DEFAULT_MASTER, without importing Spark's engine here

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
    engine: str = typer.Option(
        "duckdb", "--engine", help="duckdb (the store) or spark (a Parquet export given by --data; docs/enrichment.md)."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="With --engine spark: the folder `diplotrack export --format parquet` wrote."
    ),
    spark_master: str = typer.Option(
        DEFAULT_MASTER, "--spark-master", help="With --engine spark: local[N], spark://host:port or sc://host:port."
    ),
    spark_conf: list[str] | None = typer.Option(
        None, "--spark-conf", help="With --engine spark: a Spark setting KEY=VALUE (repeat for more)."
    ),
    force: bool = typer.Option(
        False, "--force", help="With --engine spark: enrich every post again, not only those without a current row."
    ),
) -> None:
    check_engine_options(engine, data, spark_master, spark_conf, force)
    if engine == "spark":
        assert data is not None
        _enrich_on_spark(data, topics_file(topics), spark_master, spark_conf, force, as_json)
        return
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


def _task_progress(*, enabled: bool) -> Progress:
    """A progress bar over Spark's tasks, drawn on stderr, hidden when disabled or not a terminal."""
    return Progress(
        common.SafeTextColumn("{task.description}", style="progress.description"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=common.err_console,
        disable=not enabled,
        transient=True,
    )


def check_engine_options(engine: str, data: Path | None, master: str, conf: list[str] | None, force: bool) -> None:
    """The engine options agree with each other (a UsageError naming the option otherwise)."""
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"--engine {engine!r} is not supported; use duckdb or spark")
    if engine == "duckdb":
        extra = [name for name, given in (("--data", data is not None), ("--spark-conf", bool(conf)),
                                          ("--spark-master", master != DEFAULT_MASTER),
                                          ("--force", force)) if given]  # fmt: skip
        if extra:
            one = len(extra) == 1
            raise UsageError(
                f"{', '.join(extra)} only appl{'ies' if one else 'y'} with --engine spark; "
                f"add it or drop {'it' if one else 'them'}"
            )
    elif data is None:
        raise UsageError("--engine spark enriches a Parquet export: give its folder with --data DIR")


def _enrich_on_spark(
    data: Path, topics: Path | None, master: str, conf: list[str] | None, force: bool, as_json: bool
) -> None:
    from diplotrack.engines import spark, spark_enrich

    settings = spark.parse_conf(conf)
    spark.read_export(data)  # not an export: one sentence, before any progress is drawn
    with _task_progress(enabled=not as_json and common.err_console.is_terminal) as progress:
        task = progress.add_task(f"enriching posts on Spark ({master}): tasks", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = spark_enrich.enrich_export(
            data, topics_file=topics, force=force, master=master, conf=settings, on_progress=on_progress
        )
    if as_json:
        common.print_json({**report.as_json(), "note": spark_enrich.NO_LINK_RESOLUTION})
        return
    if not report.posts_enriched:
        common.console.print(
            f"nothing to do: all {report.posts_total:,} posts of {data} have an enrichment of version "
            f"{report.version} ({report.seconds:.1f} s); --force enriches them again",
            markup=False,
        )
    else:
        common.console.print(
            f"enriched {report.posts_enriched:,} of {report.posts_total:,} posts on Spark in {report.seconds:.1f} s "
            f"({report.posts_per_second:,.0f} posts/s, {report.tasks} task(s)); {report.posts_outdated:,} replaced "
            f"older rows; wrote {report.rows_written:,} rows of post_enrichment into {data}; version {report.version}",
            markup=False,
        )
    common.err_console.print(f"note: {spark_enrich.NO_LINK_RESOLUTION}", markup=False)
