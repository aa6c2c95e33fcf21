"""``diplotrack report``: the analyses, written as HTML, Markdown, CSV, PNG and summary.json."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from diplotrack.analyses.selection import parse_date as _date
from diplotrack.analyses.selection import parse_filters
from diplotrack.analyses.selection import split as _split
from diplotrack.cli import common
from diplotrack.cli.enrich import TOPICS_OPTION, ensure_enriched, topics_file
from diplotrack.errors import UsageError
from diplotrack.store.db import bounded_memory, open_store_read_only

# the bounds ReportOptions checks (report/model.py), repeated here so that the option parser can say
# which option is wrong without importing pandas at start-up; tests/report/test_report.py checks they agree
MAX_COUNT = 2**63 - 1
MAX_DAYS = 100_000

if TYPE_CHECKING:  # the analyses pull in Ibis, pandas and matplotlib: imported when a report runs
    from diplotrack.analyses.base import Filters
    from diplotrack.report.model import ReportOptions, ReportResult


def report_options(
    filters: Filters,
    *,
    cohorts: str | None,
    posts_over: int,
    followers_over: int,
    dormant_days: int,
    growth_from: str | None,
    growth_to: str | None,
) -> ReportOptions:
    """The report's options from the command line's text values (checked by ``ReportOptions``)."""
    from diplotrack.report.model import DEFAULT_COHORTS, ReportOptions

    cuts = tuple(_date(c, "--cohorts") for c in _split([cohorts])) if cohorts else DEFAULT_COHORTS
    return ReportOptions(
        filters=filters,
        cohorts=tuple(sorted(c for c in cuts if c)),
        posts_over=posts_over,
        followers_over=followers_over,
        dormant_days=dormant_days,
        growth_from=_date(growth_from, "--growth-from"),
        growth_to=_date(growth_to, "--growth-to"),
    )


def report_command(
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Folder to write the report into."),
    start: str | None = typer.Option(None, "--start", help="Window start (YYYY-MM-DD, inclusive)."),
    end: str | None = typer.Option(None, "--end", help="Window end (YYYY-MM-DD, exclusive)."),
    platform: list[str] | None = typer.Option(None, "--platform", help="Only these platforms (repeat or use commas)."),
    state: list[str] | None = typer.Option(None, "--state", help="Only actors of these states (ISO codes)."),
    kind: list[str] | None = typer.Option(None, "--kind", help="Only these roster kinds."),
    institutional: bool | None = typer.Option(
        None, "--institutional/--individual", help="Only institutional voices, or only individuals."
    ),
    host_country: list[str] | None = typer.Option(None, "--host-country", help="Only these host countries."),
    cohorts: str | None = typer.Option(
        None, "--cohorts", help="Cut-off dates for join cohorts, e.g. 2019-01-01,2020-01-01,2020-05-01."
    ),
    posts_over: int = typer.Option(
        1000, "--posts-over", min=0, max=MAX_COUNT, help="Posts threshold for the share of accounts above it."
    ),
    followers_over: int = typer.Option(10000, "--followers-over", min=0, max=MAX_COUNT, help="Followers threshold."),
    dormant_days: int = typer.Option(
        90, "--dormant-days", min=0, max=MAX_DAYS, help="No post in this many days: dormant."
    ),
    growth_from: str | None = typer.Option(None, "--growth-from", help="Growth from (default: first snapshot)."),
    growth_to: str | None = typer.Option(None, "--growth-to", help="Growth to this date (default: last snapshot)."),
    topics: Path | None = TOPICS_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print summary.json to stdout."),
    timings: bool = typer.Option(
        False, "--timings", help="Print the seconds each section, table and step took (on stderr)."
    ),
    cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Reuse what an earlier report computed while the store has not changed (<store>.cache/).",
    ),
    engine: str = typer.Option(
        "duckdb", "--engine", help="duckdb (the store) or spark (a Parquet export given by --data; docs/scale.md)."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="With --engine spark: the folder `diplotrack export --format parquet` wrote."
    ),
    spark_master: str = typer.Option(
        "local[*]", "--spark-master", help="With --engine spark: local[N], spark://host:port or sc://host:port."
    ),
    spark_conf: list[str] | None = typer.Option(
        None, "--spark-conf", help="With --engine spark: a Spark setting KEY=VALUE (repeat for more)."
    ),
) -> None:
    check_engine_options(engine, data, spark_master, spark_conf, topics)
    filters = parse_filters(start, end, platform, state, kind, institutional, host_country, db=common.STATE.db)
    opts = report_options(
        filters,
        cohorts=cohorts,
        posts_over=posts_over,
        followers_over=followers_over,
        dormant_days=dormant_days,
        growth_from=growth_from,
        growth_to=growth_to,
    )
    if engine == "spark":
        result = _report_on_spark(data, out, opts, spark_master, spark_conf)  # type: ignore[arg-type]
        _print_result(result, timings, as_json)
        return
    from diplotrack.report.build import build_report

    ensure_enriched(common.STATE.db, topics_file(topics), show_progress=not as_json)
    con = open_store_read_only(common.STATE.db)
    try:
        with (
            bounded_memory(con),
            common.err_console.status("running the analyses and writing the report", spinner="dots"),
        ):
            result = build_report(con, out, opts, cache=cache)
    finally:
        con.close()
    _print_result(result, timings, as_json)


def _print_result(result: ReportResult, timings: bool, as_json: bool) -> None:
    if timings:
        print_timings(result)
    if as_json:
        common.print_json(result.summary)
        return
    print_report_done(result)


def check_engine_options(
    engine: str, data: Path | None, master: str, conf: list[str] | None, topics: Path | None
) -> None:
    """The engine options agree with each other (a UsageError naming the option otherwise)."""
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"--engine {engine!r} is not supported; use duckdb or spark")
    if engine == "duckdb":
        extra = [name for name, given in (("--data", data is not None), ("--spark-conf", bool(conf)),
                                          ("--spark-master", master != "local[*]")) if given]  # fmt: skip
        if extra:
            raise UsageError(f"{', '.join(extra)} only apply with --engine spark; add it or drop them")
        return
    if data is None:
        raise UsageError("--engine spark reads a Parquet export: give its folder with --data DIR")
    if topics is not None:
        raise UsageError(
            "--topics applies when enriching; run `diplotrack enrich --engine spark --data DIR --topics FILE` first"
        )


def _note(message: str) -> None:
    common.err_console.print(f"note: {message}", markup=False)


def _report_on_spark(data: Path, out: Path, opts: ReportOptions, master: str, conf: list[str] | None) -> ReportResult:
    from diplotrack.engines import spark

    settings = spark.parse_conf(conf)
    with common.err_console.status(f"running the analyses on Spark ({master}) and writing the report", spinner="dots"):
        return spark.report_on_spark(data, out, opts, master=master, conf=settings, notify=_note)


def print_timings(result: ReportResult) -> None:
    """The report's timings, in the order the steps ran, on stderr (stdout may hold the JSON summary)."""
    rows = [(section, step, f"{seconds:.2f} s") for section, step, seconds in result.timings]
    common.print_table(("section", "step (table / analysis)", "time"), rows, console=common.err_console)
    if result.cache is not None:  # "[cached]" steps were read from it
        common.err_console.print(result.cache.note, markup=False)


def print_report_done(result: ReportResult) -> None:
    s = result.summary
    common.console.print(
        f"report written to {result.out / 'report.html'} (also report.md, summary.json, tables/, charts/) "
        f"in {result.seconds:.1f} s: {s['accounts_total']} accounts, {s['posts_total']:,} posts",
        markup=False,
    )
