"""Building the report: walk the declared sections (report/sections.py), run their analyses,
then write tables, charts, Markdown, HTML and summary.json.

The analyses run in the store (Ibis over DuckDB); only their small result tables come into
Python here, to be written out. Under each section the report prints the coverage of the
registered analyses of that section; summary.json carries every analysis's coverage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb

from diplotrack.analyses.base import materialize_accounts, tables_from_duckdb
from diplotrack.analyses.registry import ANALYSES, analysis_coverage
from diplotrack.report import charts, figures
from diplotrack.report.folder import staged_folder
from diplotrack.report.model import DEFAULT_COHORTS, ReportOptions, ReportResult, Section, Table
from diplotrack.report.render import write_html, write_markdown
from diplotrack.report.sections import SECTIONS, Context, network_summary, text
from diplotrack.report.write import write_csv

__all__ = ["DEFAULT_COHORTS", "ReportOptions", "ReportResult", "Section", "Table", "build_report", "write_csv"]


def build_report(con: duckdb.DuckDBPyConnection, out: Path, opts: ReportOptions | None = None) -> ReportResult:
    """Run every analysis and write the report into ``out``, replacing the old one whole (it is
    written beside it, then swapped in: see report/folder.py); returns the summary."""
    with staged_folder(out) as tmp:
        result = _write_report(con, tmp, opts)
    for s in result.sections:  # the charts were drawn in the temporary folder
        s.charts = [(caption, out / "charts" / p.name) for caption, p in s.charts]
    result.out = out
    return result


def _write_report(con: duckdb.DuckDBPyConnection, out: Path, opts: ReportOptions | None) -> ReportResult:
    started = time.perf_counter()
    ctx = Context(con=con, t=tables_from_duckdb(con), opts=opts or ReportOptions())
    ch = _ChartPool()  # charts are drawn in a thread while the store answers the next queries
    timings: list[tuple[str, str, float]] = []
    clock = _Stopwatch(timings)
    with clock("report", "tracked accounts"):
        materialize_accounts(ctx.t, ctx.f)  # every analysis starts from the tracked accounts and their keys
    (out / "tables").mkdir()
    (out / "charts").mkdir()
    sections = [_section(spec, ctx, ch, out / "charts", clock) for spec in SECTIONS]

    with clock("report", "summary figures"):
        ctx.summary.update(figures.summary(ctx.frames, ctx.values["window"], ctx.opts, ctx.f))
        ctx.summary.update(figures.content_summary(ctx.frames))
        ctx.summary.update(network_summary(ctx))
    with clock("report", "coverage"):
        coverage = {a.name: analysis_coverage(a, ctx.t, ctx.f) for a in ANALYSES}
    ctx.summary["coverage"] = {name: {"section": a.section, **coverage[name].to_dict()}
                               for name, a in ((a.name, a) for a in ANALYSES)}  # fmt: skip
    for spec, s in zip(SECTIONS, sections, strict=True):
        with clock(spec.key, "introduction"):
            s.intro = text(spec.intro, ctx)
        s.coverage = _coverage_lines(s.key, coverage)

    with clock("report", "writing the files"):
        for s in sections:
            for tb in s.tables:
                write_csv(tb.df, out / "tables" / f"{tb.name}.csv")
        with clock("report", "charts (waiting for the drawing thread)"):
            ch.resolve(sections)
        summary = ctx.summary
        (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
        write_markdown(out / "report.md", summary, sections)
        write_html(out / "report.html", summary, sections)
    seconds = time.perf_counter() - started
    timings.append(("report", "total", seconds))
    return ReportResult(out=out, summary=summary, sections=sections, seconds=seconds, timings=timings)


def _section(spec, ctx: Context, ch: _ChartPool, chart_dir: Path, clock: _Stopwatch) -> Section:  # type: ignore[no-untyped-def]
    """Compute one declared section's tables and submit its charts."""
    if spec.prepare is not None:
        with clock(spec.key, "preparation"):
            spec.prepare(ctx)
    section = Section(spec.key, spec.title, "")
    for ts in spec.tables:
        with clock(spec.key, ts.name + (f" ({ts.analysis})" if ts.analysis and ts.analysis != ts.name else "")):
            if ts.keep is not None and not ts.keep(ctx):  # it may compute what the table shows (a network)
                continue
            df = ts.compute(ctx)
        ctx.frames[ts.name] = df
        empty = ts.empty(ctx) if ts.empty is not None and df.empty else ""
        section.tables.append(Table(ts.name, text(ts.title, ctx), df, text(ts.note, ctx), empty))
    for cs in spec.charts:
        if cs.keep is None or cs.keep(ctx):
            section.charts.append((cs.caption, getattr(ch, cs.chart)(*cs.args(ctx), chart_dir / cs.file)))
    return section


def _coverage_lines(section: str, coverage: dict) -> list[str]:
    """One line per group of the section's analyses that share a coverage: their names, then it."""
    groups: dict[str, list[str]] = {}
    for a in ANALYSES:
        if a.section == section:
            groups.setdefault(coverage[a.name].line(), []).append(a.name)
    return [f"Coverage of {', '.join(names)}: {line}" for line, names in groups.items()]


class _Stopwatch:
    """``with clock(section, step):`` appends ``(section, step, seconds)`` to the timings."""

    def __init__(self, timings: list[tuple[str, str, float]]) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, section: str, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings.append((section, step, time.perf_counter() - started))


class _ChartPool:
    """``ch.name(...)`` submits ``charts.name(...)`` to one worker thread and returns its future.

    Drawing a chart holds the GIL, but DuckDB releases it while it runs a query, so the charts of one
    section are drawn while the next section's queries run. ``resolve`` waits for them and keeps
    the charts that were drawn (a chart function returns None when there is nothing to draw)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        fn = getattr(charts, name)
        return lambda *args, **kwargs: self.pool.submit(fn, *args, **kwargs)

    def resolve(self, sections: list[Section]) -> None:
        try:
            for s in sections:
                s.charts = [(c, p.result() if isinstance(p, Future) else p) for c, p in s.charts]
                s.charts = [(c, p) for c, p in s.charts if p is not None]
        finally:
            self.pool.shutdown(wait=True)
