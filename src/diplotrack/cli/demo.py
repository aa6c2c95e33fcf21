"""``diplotrack demo``: the main job on the bundled real data."""

from __future__ import annotations

from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.cli.enrich import ensure_enriched
from diplotrack.cli.report import print_report_done
from diplotrack.demo import build_demo, demo_files
from diplotrack.platforms import spec_of
from diplotrack.store.db import open_store_read_only, resolve_db_path


def demo_command(
    force: bool = typer.Option(False, "--force", help="Replace the store even if it holds non-demo data."),
    no_report: bool = typer.Option(False, "--no-report", help="Build the store only; write no report."),
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Folder to write the report into."),
    as_json: bool = typer.Option(False, "--json", help="Print what the store holds and the report summary as JSON."),
) -> None:
    db = resolve_db_path(common.STATE.db)
    if not no_report:  # a folder the report cannot go to is refused before the store is built and enriched
        from diplotrack.report.folder import check_target

        check_target(out).parent.mkdir(parents=True, exist_ok=True)
    total = sum(p.stat().st_size for p in demo_files())
    with common.byte_progress(enabled=not as_json) as progress:
        task = progress.add_task("building the demo store", total=total)

        def on_file(path: Path, size: int) -> None:
            progress.update(task, description=f"importing {path.name}")

        result = build_demo(db, force=force, on_file=on_file, on_progress=lambda n: progress.advance(task, n))
    s = result.summary
    report = None
    if not no_report:
        from diplotrack.report.build import ReportOptions, build_report

        ensure_enriched(db, None, show_progress=not as_json)
        con = open_store_read_only(db)
        try:
            with common.err_console.status("running the analyses and writing the report", spinner="dots"):
                report = build_report(con, out, ReportOptions())
        finally:
            con.close()
    if as_json:
        extra = {"report": str(out), "summary": report.summary} if report else {}
        common.print_json({"db": str(db), **s, "import": result.report.as_json(), **extra})
        return
    say = common.console
    say.print(f"demo store: {db}", markup=False)
    kinds = ", ".join(f"{k} {v}" for k, v in s["actors_by_kind"].items())
    say.print(f"  roster: {s['actors']} actors, {s['accounts']} accounts ({kinds})", markup=False)
    say.print(
        f"  profile snapshots: {s['profile_snapshots']} (observed {', '.join(s['snapshot_dates'])})",
        markup=False,
    )
    by_kind = ", ".join(f"{k} {v}" for k, v in s["posts_by_kind"].items())
    say.print(
        f"  posts: {s['posts']} ({by_kind}), {s['posts_first']} .. {s['posts_last']}; {s['post_entities']} entities",
        markup=False,
    )
    for a in s["top_authors"]:
        spec = spec_of(a["platform"])
        # "@name" where the platform's handles are usernames; a speaker's name at the podium as it is
        who = a["handle"] if spec is not None and spec.names_as_handles else f"@{a['handle']}"
        label = spec.label if spec is not None else a["platform"]
        say.print(f"    {who} ({label}): {a['posts']} posts, {a['first']} .. {a['last']}", markup=False)
    skipped = len(result.report.skipped)
    say.print(
        f"store built in {result.report.duration_s:.1f} s; {skipped} input record(s) skipped. "
        f'Try: diplotrack sql "select kind, count(*) from posts group by kind"',
        markup=False,
    )
    if report is not None:
        print_report_done(report)
    say.print(dashboard_hint(db), markup=False, highlight=False)


def dashboard_hint(db: Path) -> str:
    """The demo's last line: how to open the dashboard on the store it built. ``--db`` is named
    only when ``diplotrack serve`` would not find this store by itself (``--db``, else
    ``$DIPLOTRACK_DB``, else ``./diplotrack.duckdb``)."""
    import shlex

    where = "" if Path(db) == resolve_db_path(None) else f"--db {shlex.quote(str(db))} "
    return f"Open the dashboard: diplotrack {where}serve --open (then http://127.0.0.1:8000/)"
