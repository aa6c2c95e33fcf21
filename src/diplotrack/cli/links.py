"""``diplotrack resolve-links``: follow the store's shortened links (t.co, bit.ly…) to where they lead,
cache each answer in ``link_resolutions``, then enrich again the posts whose links it resolved, so
link domains and state-media links count under the final domains (enrich/links.py)."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

from diplotrack.cli import common
from diplotrack.cli.enrich import TOPICS_OPTION, run_enrich, topics_file
from diplotrack.collect.clock import Clock
from diplotrack.collect.http import span_text
from diplotrack.enrich.links import RETRIABLE, LinkSettings, LinksReport, Resolution, resolve_store
from diplotrack.errors import EXIT_FAILED, EXIT_INTERRUPTED, UsageError
from diplotrack.store.db import open_store
from diplotrack.store.runs import finish_run, start_run


def _check(value: float, lo: float, hi: float, option: str) -> None:
    if not lo <= value <= hi:
        raise UsageError(f"{option} must be between {lo:g} and {hi:g}, not {value:g}")


def _summary(r: LinksReport) -> str:
    parts = [f"{r.by_status.get(s, 0):,} {s}" for s in ("ok", "dead", "refused", "error", "loop", "too_many_hops",
                                                           "invalid") if r.by_status.get(s)]  # fmt: skip
    text = (
        f"followed {r.resolved:,} of {r.candidates:,} shortened links in {r.seconds:.1f} s "
        f"({r.requests:,} requests)" + (f": {', '.join(parts)}" if parts else "")
    )
    if r.cached_before:
        text += f"; {r.cached_before:,} were already cached"
    if r.deferred:
        text += f"; {r.deferred:,} left for a later run"
    if r.left:
        text += f"; {r.left:,} still unresolved (run again to go on)"
    failed = sum(r.by_status.get(s, 0) for s in RETRIABLE)
    if failed:
        text += f"; --retry-failed tries the {failed:,} error(s) again"
    return text


def _run_status(r: LinksReport) -> str:
    if r.stopped:
        return "stopped"
    if r.gave_up:
        return "failed"
    return "ok_with_skips" if r.deferred else "ok"


def resolve_links_command(
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Resolve at most this many links (most linked first)."
    ),
    refresh: bool = typer.Option(False, "--refresh", help="Resolve every shortened link again, cached or not."),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Resolve again the links whose cached answer is an error (5xx, timeout)."
    ),
    concurrency: int = typer.Option(2, "--concurrency", help="Links in flight at once, over different hosts (1-4)."),
    delay: float = typer.Option(1.0, "--delay", help="Seconds between two requests to the same host (0-60)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for each answer (0.05-120)."),
    max_hops: int = typer.Option(10, "--max-hops", help="Redirects to follow at most per link (1-30)."),
    allow_private: bool = typer.Option(
        False, "--allow-private", help="Also request loopback and private addresses (a local test server)."
    ),
    proxy: str | None = typer.Option(
        None, "--proxy", help="Send every request through this HTTP proxy (http://host:port); none by default."
    ),
    no_enrich: bool = typer.Option(
        False, "--no-enrich", help="Do not enrich again afterwards ('diplotrack enrich' or 'report' will)."
    ),
    topics: Path | None = TOPICS_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with what was done."),
) -> None:
    if not 1 <= concurrency <= 4:
        raise UsageError(f"--concurrency must be between 1 and 4, not {concurrency}")
    _check(delay, 0, 60, "--delay")
    _check(timeout, 0.05, 120, "--timeout")
    _check(max_hops, 1, 30, "--max-hops")
    topics = topics_file(topics)
    if proxy is not None and not proxy.lower().startswith(("http://", "https://")):
        raise UsageError("--proxy must be an http:// or https:// URL, e.g. http://proxy.example:3128")
    settings = LinkSettings(
        timeout=timeout,
        max_hops=max_hops,
        delay=delay,
        concurrency=concurrency,
        allow_private=allow_private,
        proxy=proxy,
    )
    from diplotrack.cli.collect import stop_on_signals

    clock = Clock()
    con = open_store(common.STATE.db)
    started = time.perf_counter()
    status = "failed"
    # the command as recorded in runs: the options that shape the run, never the proxy (it may hold a password)
    shown = [
        f"--limit {limit}" if limit else "",
        "--refresh" if refresh else "",
        "--retry-failed" if retry_failed else "",
    ]
    run_id = start_run(con, "resolve-links", " ".join(["resolve-links", *filter(None, shown)]), [])
    try:
        progress = Progress(
            common.SafeTextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=common.err_console,
            disable=as_json,
            transient=True,
        )
        with stop_on_signals(clock), progress:
            task = progress.add_task("resolving links", total=None)

            def on_progress(done: int, total: int, res: Resolution | None) -> None:
                progress.update(task, completed=done, total=total, description="resolving links")

            def on_wait(host: str, seconds: float) -> None:
                progress.update(task, description=f"resolving links ({host} rate limit: waiting {span_text(seconds)})")

            report = resolve_store(
                con,
                settings,
                refresh=refresh,
                retry_failed=retry_failed,
                limit=limit,
                run_id=run_id,
                on_progress=on_progress,
                on_wait=on_wait,
                clock=clock,
            )
        status = _run_status(report)
    except KeyboardInterrupt:  # a second Ctrl-C: what was answered is kept (resolve_store wrote it)
        status = "interrupted"
        raise
    finally:
        finish_run(con, run_id, status, [], time.perf_counter() - started)
        con.close()
    enriched = None
    if not no_enrich and report.resolved:
        enriched = run_enrich(common.STATE.db, topics, show_progress=not as_json)
    if as_json:
        out = report.as_json()
        out["posts_enriched"] = enriched.posts_enriched if enriched is not None else None
        common.print_json(out)
    else:
        for note in report.notes:
            common.err_console.print(f"note: {note}", markup=False)
        line = _summary(report)
        if enriched is not None:
            line += f"; enriched {enriched.posts_enriched:,} post(s) again"
        elif report.resolved:
            line += "; run 'diplotrack enrich' to count them under their final domains"
        common.console.print(line, markup=False)
    if report.stopped:
        raise typer.Exit(EXIT_INTERRUPTED)
    if report.deferred or report.gave_up:
        raise typer.Exit(EXIT_FAILED)
