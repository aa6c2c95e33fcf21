"""Building the report: walk the declared sections (report/sections.py), run their analyses,
then write tables, charts, Markdown, HTML and summary.json.

The analyses run in the store (Ibis over DuckDB); only their small result tables come into
Python here, to be written out. Under each section the report prints the coverage of the
registered analyses of that section; summary.json carries every analysis's coverage.

What a report computes is kept in the store's result cache (diplotrack/cache.py) and read back while
the store has not changed: each table with its title, note and whether it is shown (keyed by its
name, its analysis and the report's options), the summary figures, coverage and introductions (one
entry), and each chart's PNG (keyed by the data it draws, so it survives writes that leave that
data alone). A section's preparation (materialized temporary tables, the growth dates) runs only
when one of its tables has to be computed, so a report over an unchanged store runs no analysis.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from diplotrack.analyses.base import Tables, materialize_accounts, rollups_enabled, tables_from_duckdb
from diplotrack.analyses.network_analyses import share_cache
from diplotrack.analyses.registry import ANALYSES, analysis_coverage
from diplotrack.cache import ResultCache, frame_digest, open_cache
from diplotrack.report import figures, questions
from diplotrack.report.folder import staged_folder
from diplotrack.report.model import DEFAULT_COHORTS, ReportOptions, ReportResult, Section, Table
from diplotrack.report.render import write_html, write_markdown
from diplotrack.report.sections import SECTIONS, ChartSpec, Context, network_summary, presence_summary, text
from diplotrack.report.write import write_csv
from diplotrack.store import rollups

__all__ = ["DEFAULT_COHORTS", "ReportOptions", "ReportResult", "Section", "Table", "build_report", "write_csv"]


def build_report(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    opts: ReportOptions | None = None,
    *,
    cache: ResultCache | bool = True,
    tables: Tables | None = None,
) -> ReportResult:
    """Run every analysis and write the report into ``out``, replacing the old one whole (it is
    written beside it, then swapped in: see report/folder.py); returns the summary. ``cache``: the
    store's result cache is used (True), not used (False), or the one given. ``tables``: run the
    analyses on these (another engine: engines/spark.py) instead of the store behind ``con``, which
    then only lists the import runs."""
    with staged_folder(out) as tmp:  # first: a refused folder leaves nothing behind, a cache neither
        started = time.perf_counter()
        rc = cache if isinstance(cache, ResultCache) else open_cache(con, enabled=cache)
        opened = time.perf_counter() - started
        result = _write_report(con, tmp, opts, rc, tables)
    result.timings.insert(0, ("report", "opening the result cache", opened))
    for s in result.sections:  # the charts were drawn in the temporary folder
        s.charts = [(caption, out / "charts" / p.name) for caption, p in s.charts]
    result.out = out
    return result


def _write_report(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    opts: ReportOptions | None,
    cache: ResultCache,
    tables: Tables | None = None,
) -> ReportResult:
    started = time.perf_counter()
    timings: list[tuple[str, str, float]] = []
    clock = _Stopwatch(timings)
    # the Ibis tables are made when something must be computed (wrapping the connection imports
    # Ibis's DuckDB backend: about half a second that a report read from the cache does not need)
    ctx = Context(con=con, t=tables, opts=opts or ReportOptions())  # type: ignore[arg-type]
    if tables is not None:
        share_cache(tables, cache)
    okey = _options_key(ctx, tables.rollups if tables is not None else rollups_enabled() and rollups.usable(con))
    ready = _Preparation(ctx, clock, cache)
    ch = _ChartPool(cache)  # charts are drawn in a thread while the store answers the next queries
    (out / "tables").mkdir()
    (out / "charts").mkdir()
    run = _Run(ctx, cache, ready, ch, clock, okey, out / "charts")
    sections = []
    for i, spec in enumerate(SECTIONS):
        sections.append(_section(i, spec, run))
        run.flush()  # the charts that waited for this section's tables
    run.flush(final=True)

    texts_key = ("report-texts", okey)
    hit = cache.get(texts_key)
    if hit is not None:
        timings.append(("report", "summary figures, coverage, introductions [cached]", 0.0))
        summary, intros, lines = hit.meta["summary"], hit.meta["intros"], hit.meta["coverage"]
        notes = hit.meta["chart_notes"]
    else:
        summary, intros, lines, notes = _texts(ctx, ready, clock, sections)
        cache.put(texts_key, meta={"summary": summary, "intros": intros, "coverage": lines, "chart_notes": notes})
    specs = {spec.key: spec for spec in SECTIONS}
    for s in sections:
        s.intro, s.coverage = intros[s.key], lines[s.key]
        s.chart_notes = {cs.file: notes[cs.file] for cs in specs[s.key].charts if cs.file in notes}
        if s.key == questions.SECTION:
            s.questions = summary.get("study_questions", [])
    first = {spec.key for spec in SECTIONS if spec.first}  # shown first (its answers read every table)
    sections = [s for s in sections if s.key in first] + [s for s in sections if s.key not in first]

    with clock("report", "writing the files"):
        for s in sections:
            for tb in s.tables:
                write_csv(tb.df, out / "tables" / f"{tb.name}.csv")
        with clock("report", "charts (waiting for the drawing thread)"):
            ch.resolve(sections)
        (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
        cells: dict = {}  # each table's cells, made once for both
        write_markdown(out / "report.md", summary, sections, cells)
        write_html(out / "report.html", summary, sections, cells)
    seconds = time.perf_counter() - started
    timings.append(("report", "total", seconds))
    return ReportResult(out=out, summary=summary, sections=sections, seconds=seconds, timings=timings, cache=cache)


def _options_key(ctx: Context, use_rollups: bool) -> dict:
    """What every cached piece of the report depends on besides the store and the code: the
    selection, the report's options and whether the rollups are read (as ``tables_from_duckdb``
    decides)."""
    o = ctx.opts
    return {
        "filters": ctx.f.describe(),
        "cohorts": [c.isoformat() for c in o.cohorts],
        "posts_over": o.posts_over,
        "followers_over": o.followers_over,
        "dormant_days": o.dormant_days,
        "growth_from": o.growth_from.isoformat() if o.growth_from else None,
        "growth_to": o.growth_to.isoformat() if o.growth_to else None,
        "top_n": o.top_n,
        "rollups": use_rollups,
    }


def _texts(
    ctx: Context, ready: _Preparation, clock: _Stopwatch, sections: list[Section]
) -> tuple[dict, dict[str, str], dict[str, list[str]], dict[str, str]]:
    """summary.json (as JSON gives it back, so that a cached report writes the same), each
    section's introduction and coverage lines, and the notes under the charts (by file name)."""
    ready.upto(len(SECTIONS) - 1)  # the introductions and figures read every section's values
    with clock("report", "summary figures"):
        ctx.summary.update(figures.summary(ctx.frames, ctx.values["window"], ctx.opts, ctx.f))
        ctx.summary.update(presence_summary(ctx))
        ctx.summary.update(figures.content_summary(ctx.frames))
        ctx.summary.update(network_summary(ctx))
    with clock("report", "coverage"):
        coverage = {a.name: analysis_coverage(a, ctx.t, ctx.f) for a in ANALYSES}
    ctx.summary["coverage"] = {name: {"section": a.section, **coverage[name].to_dict()}
                               for name, a in ((a.name, a) for a in ANALYSES)}  # fmt: skip
    with clock("report", "tone model"):
        ctx.summary["tone_model"] = figures.tone_model()
    with clock(questions.SECTION, "answers to the study's questions"):
        ctx.summary["study_questions"] = questions.answers(ctx.frames, ctx.summary, ctx.opts)
    intros: dict[str, str] = {}
    for spec in SECTIONS:
        with clock(spec.key, "introduction"):
            intros[spec.key] = text(spec.intro, ctx)
    notes = {cs.file: text(cs.note, ctx) for spec in SECTIONS for cs in spec.charts if cs.note}
    lines = {s.key: _coverage_lines(s.key, coverage) for s in sections}
    summary = json.loads(json.dumps(ctx.summary, ensure_ascii=False, default=str))
    return summary, intros, lines, notes


@dataclass
class _Run:
    """What every section of one report run shares."""

    ctx: Context
    cache: ResultCache
    ready: _Preparation
    charts: _ChartPool
    clock: _Stopwatch
    okey: dict
    chart_dir: Path
    # charts whose arguments read tables of later sections: (its section, its slot, spec, section index)
    pending: list[tuple[Section, int, ChartSpec, int]] = field(default_factory=list)

    def submit(self, section: Section, slot: int, cs: ChartSpec, index: int) -> None:
        """Draw ``cs`` (or not, if its keep-check says so) into ``section``'s chart ``slot``."""
        if cs.keep is not None and not _chart_kept(cs, index, self):
            return
        args = (*cs.args(self.ctx), cs.caption)
        section.charts[slot] = (cs.caption, self.charts.submit(cs.chart, args, self.chart_dir / cs.file))

    def flush(self, final: bool = False) -> None:
        """Submit the waiting charts whose tables are now computed; ``final``: drop those still
        waiting (a table they read was not kept: nothing to draw)."""
        waiting = []
        for section, slot, cs, index in self.pending:
            if all(n in self.ctx.frames for n in cs.needs):
                self.submit(section, slot, cs, index)
            elif not final:
                waiting.append((section, slot, cs, index))
        self.pending = waiting


def _section(index: int, spec, run: _Run) -> Section:  # type: ignore[no-untyped-def]
    """Compute one declared section's tables (or read them from the cache) and submit its charts
    (those that read tables of later sections wait for them: ``_Run.flush``)."""
    ctx, cache, clock = run.ctx, run.cache, run.clock
    section = Section(spec.key, spec.title, "")
    for ts in spec.tables:
        step = ts.name + (f" ({ts.analysis})" if ts.analysis and ts.analysis != ts.name else "")
        parts = ("report-table", ts.name, ts.analysis, run.okey)
        hit = cache.get(parts)
        if hit is not None and hit.frame is not None:
            clock.timings.append((spec.key, step + " [cached]", 0.0))
            df, meta = hit.frame, hit.meta
        else:
            run.ready.upto(index)
            with clock(spec.key, step):
                kept = ts.keep is None or ts.keep(ctx)  # it may compute what the table shows (a network)
                df = ts.compute(ctx) if kept else pd.DataFrame()
                if kept:
                    ctx.frames[ts.name] = df  # its empty-note may read it
                meta = {
                    "kept": kept,
                    "title": text(ts.title, ctx) if kept else "",
                    "note": text(ts.note, ctx) if kept else "",
                    "empty": ts.empty(ctx) if kept and ts.empty is not None and df.empty else "",
                }
            cache.put(parts, frame=df, meta=meta)
        if not meta["kept"]:
            continue
        ctx.frames[ts.name] = df
        section.tables.append(Table(ts.name, meta["title"], df, meta["note"], meta["empty"]))
    for cs in spec.charts:
        section.charts.append((cs.caption, None))  # its slot: the charts keep their declared order
        slot = len(section.charts) - 1
        if all(n in ctx.frames for n in cs.needs):
            run.submit(section, slot, cs, index)
        else:
            run.pending.append((section, slot, cs, index))
    return section


def _chart_kept(cs, index: int, run: _Run) -> bool:  # type: ignore[no-untyped-def]
    """A chart's keep-check (it may build a network), cached like a table."""
    parts = ("report-chart-kept", cs.file, run.okey)
    hit = run.cache.get(parts)
    if hit is not None:
        return bool(hit.meta["kept"])
    run.ready.upto(index)
    kept = bool(cs.keep(run.ctx))
    run.cache.put(parts, meta={"kept": kept})
    return kept


class _Preparation:
    """Runs, once and only when a table must be computed, what the sections up to it prepare: the
    tracked accounts and their keys (every analysis starts from them), then each section's own
    preparation in order (its values, e.g. the growth dates, are read by later sections too)."""

    def __init__(self, ctx: Context, clock: _Stopwatch, cache: ResultCache) -> None:
        self.ctx, self.clock, self.cache, self.done = ctx, clock, cache, -1

    def upto(self, index: int) -> None:
        if self.ctx.t is None:
            with self.clock("report", "opening the tables"):
                self.ctx.t = tables_from_duckdb(self.ctx.con)
                share_cache(self.ctx.t, self.cache)  # network metrics too: --no-cache means none
        if self.done < 0 <= index:
            with self.clock("report", "tracked accounts"):
                materialize_accounts(self.ctx.t, self.ctx.f)
        while self.done < index:
            self.done += 1
            spec = SECTIONS[self.done]
            if spec.prepare is not None:
                with self.clock(spec.key, "preparation"):
                    spec.prepare(self.ctx)


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
    """``ch.submit(name, args, path)`` draws ``charts.name(*args, path)`` in one worker thread and
    returns its future, or copies the PNG the cache holds for the same function and data.

    Drawing a chart holds the GIL, but DuckDB releases it while it runs a query, so the charts of one
    section are drawn while the next section's queries run. ``resolve`` waits for them and keeps
    the charts that were drawn (a chart function returns None when there is nothing to draw).
    matplotlib is imported only when a chart must be drawn."""

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    def submit(self, name: str, args: tuple, path: Path) -> Future | Path | None:
        try:
            parts: tuple | None = ("chart", name, frame_digest(*args))
        except TypeError:  # data pandas cannot hash: draw it
            parts = None
        hit = self.cache.get(parts, scope="content") if parts is not None else None
        if hit is not None and (hit.blob is not None or not hit.meta.get("drawn")):
            if hit.blob is None:
                return None
            path.write_bytes(hit.blob)
            return path
        return self.pool.submit(self._draw, name, args, path, parts)

    def _draw(self, name: str, args: tuple, path: Path, parts: tuple | None) -> Path | None:
        from diplotrack.report import charts

        drawn = getattr(charts, name)(*args, path)
        if parts is not None:
            blob = drawn.read_bytes() if drawn is not None else None
            self.cache.put(parts, blob=blob, meta={"drawn": drawn is not None}, scope="content")
        return drawn  # type: ignore[no-any-return]

    def resolve(self, sections: list[Section]) -> None:
        try:
            for s in sections:
                s.charts = [(c, p.result() if isinstance(p, Future) else p) for c, p in s.charts]
                s.charts = [(c, p) for c, p in s.charts if p is not None]
        finally:
            self.pool.shutdown(wait=True)
