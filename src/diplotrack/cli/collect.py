"""``diplotrack collect``, ``diplotrack watch`` and ``diplotrack runs``."""

from __future__ import annotations

import math
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

from diplotrack.alerts.config import load_alert_settings
from diplotrack.cli import common
from diplotrack.cli.alerts import alerts_after_run
from diplotrack.collect.clock import Clock
from diplotrack.collect.config import load_settings
from diplotrack.collect.engine import CollectOptions, Collector, CollectReport
from diplotrack.collect.http import describe_wait
from diplotrack.collect.meter import Meter
from diplotrack.collect.plan import RATE_DAYS, plan
from diplotrack.collect.registry import build_source, choose_platforms
from diplotrack.errors import EXIT_USAGE, DiplotrackError, StoreError, UsageError
from diplotrack.importers.base import parse_time
from diplotrack.platforms import COLLECTABLE, listed, spec_of
from diplotrack.store.db import open_store, open_store_read_only

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_span(text: str, option: str) -> timedelta:
    """``45s``, ``30m``, ``6h``, ``2d`` or combinations (``1h30m``)."""
    s = text.strip().lower().replace(" ", "")
    parts = _SPAN.findall(s)
    if not s or "".join(f"{n}{u}" for n, u in parts) != s:
        raise UsageError(f"{option} {text!r} is not a duration; write it like 30m, 6h or 2d")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


class LiveDisplay:
    """The progress display: a bar per platform (accounts done) and a line saying what is awaited."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            common.SafeTextColumn("{task.description}"),  # handles: cleaned, never read as markup
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=common.err_console,
            disable=not enabled,
            transient=False,
        )
        self.tasks: dict[str, int] = {}
        self.labels: dict[str, str] = {}

    # engine.Progress
    def platform_started(self, platform: str, accounts: int) -> None:
        spec = spec_of(platform)
        label = spec.label if spec is not None else platform
        self.labels[platform] = label
        self.tasks[platform] = self.progress.add_task(f"{label}: accounts", total=accounts)

    def account_done(self, platform: str, handle: str) -> None:
        self.progress.advance(self.tasks[platform])
        self.progress.update(self.tasks[platform], description=f"{self.labels[platform]}: {handle}")

    def page_done(self, platform: str, handle: str, items: int) -> None:
        self.progress.update(self.tasks[platform], description=f"{self.labels[platform]}: {handle} (+{items} items)")

    # http.Reporter
    def waiting(self, platform: str, seconds: float, until: datetime, reason: str) -> None:
        key = {v: k for k, v in self.labels.items()}.get(platform)
        text = describe_wait(platform, seconds, until, reason)
        if key in self.tasks and not self.progress.disable:
            self.progress.update(self.tasks[key], description=text)
        else:  # no live display (--json, or no terminal): say it on stderr
            common.err_console.print(text, markup=False, highlight=False)

    def waited(self, platform: str) -> None:
        pass

    def note(self, message: str) -> None:
        common.err_console.print(message, markup=False, highlight=False)


@contextmanager
def stop_on_signals(clock: Clock) -> Iterator[None]:
    """SIGINT/SIGTERM ask the collector to stop after the page in hand; a second SIGINT aborts."""
    old: dict[int, object] = {}

    def handler(signum: int, frame: object) -> None:
        if clock.stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        clock.stop.set()
        common.err_console.print("stopping after the page in hand…", markup=False)

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)  # type: ignore[arg-type]


def _options(
    accounts: list[str], since: str | None, budget: float | None, recheck: str, engagement: int, max_pages: int | None
) -> CollectOptions:
    when = None
    if since:
        try:
            when = parse_time(since)
        except ValueError:
            raise UsageError(f"--since {since!r} is not a date; use e.g. 2024-01-31") from None
        if when is None:
            raise UsageError(f"--since {since!r} is not a date; use e.g. 2024-01-31")
    if budget is not None and budget < 0:
        raise UsageError("--budget must be zero or more (in the currency of the configured prices, USD by default)")
    return CollectOptions(
        accounts=accounts,
        since=when,
        budget=budget,
        recheck=parse_span(recheck, "--recheck"),
        engagement=engagement,
        max_pages=max_pages,
    )


_PLATFORM = typer.Option(
    [], "--platform", "-p", help=f"{listed(COLLECTABLE, 'or')} (repeatable; default: all tracked)."
)
_ACCOUNT = typer.Option([], "--account", "-a", help="Only this handle (repeatable).")
_SINCE = typer.Option(None, "--since", help="On an account's first collection, go back no further than this date.")
_BUDGET = typer.Option(None, "--budget", help="Stop before the estimated cost could exceed this (USD).")
_RECHECK = typer.Option("2d", "--recheck", help="Re-read this much of each timeline to notice deleted posts.")
_ENGAGEMENT = typer.Option(
    0,
    "--engagement",
    help="Bluesky: fetch reposts, likes and quotes of each account's N newest posts (default 0: off).",
)
_MAX_PAGES = typer.Option(None, "--max-pages", help="At most this many timeline pages per account per run.")


def collect_command(
    platform: list[str] = _PLATFORM,
    account: list[str] = _ACCOUNT,
    since: str | None = _SINCE,
    budget: float | None = _BUDGET,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the planned requests and their cost; send none."),
    recheck: str = _RECHECK,
    engagement: int = _ENGAGEMENT,
    max_pages: int | None = _MAX_PAGES,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the run's figures."),
) -> None:
    options = _options(account, since, budget, recheck, engagement, max_pages)
    if dry_run:
        _dry_run(platform, options, as_json)
        return
    clock = Clock()
    with stop_on_signals(clock):
        report = run_collect(platform, options, clock, show_progress=not as_json, command="collect")
    if as_json:
        common.print_json(report.as_json())
    else:
        print_report(report)
    raise typer.Exit(exit_code(report))


def run_collect(
    platforms: list[str], options: CollectOptions, clock: Clock, *, show_progress: bool, command: str
) -> CollectReport:
    settings = load_settings()
    con = open_store(common.STATE.db)
    display = LiveDisplay(show_progress)
    sources = []
    try:
        chosen, notes = choose_platforms(con, platforms, settings)
        for n in notes:
            common.err_console.print(n, markup=False, highlight=False)
        sources = [build_source(p, settings, clock, display) for p in chosen]
        with display.progress:
            return Collector(con, clock, options, progress=display, command=command).run(sources)
    finally:
        for s in sources:
            s.close()
        con.close()


def _dry_run(platforms: list[str], options: CollectOptions, as_json: bool) -> None:
    settings = load_settings()
    con = open_store_read_only(common.STATE.db)  # plans only: works while a watch holds the store
    sources = []
    try:
        chosen, notes = choose_platforms(con, platforms, settings)
        clock = Clock()
        sources = [build_source(p, settings, clock, LiveDisplay(False)) for p in chosen]
        planned = plan(con, sources, options, clock.utcnow())
    finally:
        for s in sources:
            s.close()
        con.close()
    total_req = sum(p.requests for p in planned)
    money = [p for p in planned if p.unit == "USD"]  # a platform may count in its own unit (YouTube: quota units)
    at_most = sum(p.cost for p in money)
    expected = sum(p.expected for p in money if p.expected is not None)
    unknown = sum(1 for p in money if p.expected is None)
    units = [p for p in planned if p.unit != "USD"]
    units_at_most = sum(p.cost for p in units)
    units_expected = sum(p.expected for p in units if p.expected is not None)
    over = options.budget is not None and at_most > options.budget
    if as_json:
        common.print_json(
            {
                "dry_run": True,
                "notes": notes,
                "requests": total_req,
                "cost_at_most": round(at_most, 4),
                "expected_cost": round(expected, 4),
                "expected_unknown_accounts": unknown,
                "budget": options.budget,
                "exceeds_budget": over,
                "quota_units_at_most": round(units_at_most) if math.isfinite(units_at_most) else None,
                "quota_units_expected": round(units_expected),
                "planned": [{**p.__dict__, "cost": p.cost if math.isfinite(p.cost) else None} for p in planned],
            }
        )
        return
    for n in notes:
        common.err_console.print(n, markup=False, highlight=False)
    common.print_table(
        ("endpoint", "account", "requests", "items", "at most", "expected", "note"),
        [
            (
                p.endpoint,
                p.account or "",
                str(p.requests),
                str(p.items),
                _amount(p.cost, p.unit),
                "unknown" if p.expected is None else _amount(p.expected, p.unit),
                "; ".join(x for x in (p.note, p.basis) if x),
            )
            for p in planned
        ],
        title="planned requests",
    )
    budget_note = ""
    if options.budget is not None:
        budget_note = (
            f" (over the ${options.budget:.2f} budget: the run would stop early)" if over else " (within budget)"
        )
    unknown_note = f"; unknown for {unknown} account{'s' if unknown > 1 else ''} never collected" if unknown else ""
    costs = (
        [
            f"costing at most ${at_most:.2f}{budget_note}; expected about ${expected:.2f} from the accounts' "
            f"posting rates over {RATE_DAYS} days and the time since their last collection{unknown_note}"
        ]
        if money
        else []
    )
    if units:  # not money: YouTube's quota units, per key per day, which --budget does not count
        most = f"{units_at_most:,.0f} units" if math.isfinite(units_at_most) else "unknown units (never looked up)"
        costs.append(f"YouTube quota: at most {most}, expected {units_expected:,.0f}")
    common.console.print(
        f"dry run: {total_req} requests planned, " + "; ".join(costs) + "; nothing was sent", markup=False
    )


def _amount(value: float, unit: str) -> str:
    """A planned cost as the table shows it: ``$0.150``, or ``12 units`` (``unknown``: no bound)."""
    if not math.isfinite(value):
        return "unknown"
    return f"${value:.3f}" if unit == "USD" else f"{value:,.0f} {unit}"


def exit_code(report: CollectReport) -> int:
    if report.status == "stopped":
        return 130
    if any(p.status == "failed" for p in report.platforms):
        return (
            2 if any(p.error and "credential" in p.error or "token" in (p.error or "") for p in report.platforms) else 1
        )
    return 0


def _spent(platform: str, m: Meter) -> str:
    """What a platform's run spent, in its own unit: dollars (X's prices) or quota units (YouTube)."""
    spec = spec_of(platform)
    if spec is not None and spec.cost_unit != "USD":
        return f"{m.units:,} {spec.cost_unit}"
    return f"${m.cost:.2f} estimated"


def print_report(report: CollectReport) -> None:
    for s in report.skipped:
        common.err_console.print(f"skipped {s.file}: {s.reason}", markup=False, highlight=False)
    for p in report.platforms:
        for e in p.events:
            what = e["event"] if e["event"] != "renamed" else f"renamed {e.get('old')} → {e.get('new')}"
            why = f" ({e['detail']})" if e.get("detail") and e["event"] != "renamed" else ""
            common.err_console.print(f"{p.platform}: {e['handle']}: {what}{why}", markup=False, highlight=False)
        if p.error:  # a budget or quota stop is planned, not an error: the run resumes next time
            label = "stopped" if p.status == "budget" else "error"
            common.err_console.print(f"{label}: {p.error}", markup=False, highlight=False)
    parts = []
    for p in report.platforms:
        m = p.meter
        parts.append(
            f"{p.platform} {p.status}: {p.accounts} accounts, {p.swept} timelines done, {p.posts_new} new posts, "
            f"{p.deleted} marked deleted, {m.requests} requests, {m.waits} waits ({m.wait_s:.0f} s), "
            f"{m.errors} errors, {_spent(p.platform, m)}"
        )
    tail = f" — stopped: {report.stop_reason}" if report.stop_reason else ""
    common.console.print(
        f"run {report.run_id} in {report.duration_s:.1f} s: " + "; ".join(parts or ["nothing to collect"]) + tail,
        markup=False,
    )


def watch_command(
    every: str = typer.Option("6h", "--every", help="Time between the starts of two runs (e.g. 30m, 6h, 1d)."),
    platform: list[str] = _PLATFORM,
    account: list[str] = _ACCOUNT,
    since: str | None = _SINCE,
    budget: float | None = typer.Option(None, "--budget", help="Budget per run (USD)."),
    recheck: str = _RECHECK,
    engagement: int = _ENGAGEMENT,
    max_pages: int | None = _MAX_PAGES,
    max_runs: int | None = typer.Option(
        None, "--max-runs", help="Stop after this many runs (default: run until stopped)."
    ),
    no_alerts: bool = typer.Option(False, "--no-alerts", help="Do not evaluate the alert rules after each run."),
) -> None:
    period = parse_span(every, "--every")
    if period.total_seconds() <= 0:
        raise UsageError("--every must be longer than zero")
    options = _options(account, since, budget, recheck, engagement, max_pages)
    if not no_alerts:
        load_alert_settings()  # a mistake in the [alerts] section stops watch now, not after a run
    clock = Clock()
    runs = 0
    last_failed = False
    with stop_on_signals(clock):
        while not clock.stop.is_set():
            started = clock.now()
            runs += 1
            try:
                report = run_collect(platform, options, clock, show_progress=sys.stderr.isatty(), command="watch")
                print_report(report)
                if not no_alerts:  # reports its own failures; what was not delivered goes out next run
                    alerts_after_run(clock, report.run_id)
                if exit_code(report) == EXIT_USAGE:  # refused credentials will not fix themselves
                    raise UsageError(
                        "watch stopped: a platform refused the credentials (see above); fix them and restart"
                    )
            except DiplotrackError as exc:
                if not exc.transient and (exc.exit_code == EXIT_USAGE or isinstance(exc, StoreError)):
                    raise  # a usage error or a store that cannot be opened will not fix itself
                common.err_console.print(f"run failed: {exc}; trying again at the next period", markup=False)
                last_failed = True
            else:
                last_failed = False
            if max_runs is not None and runs >= max_runs:
                break
            wait = period.total_seconds() - (clock.now() - started)
            if wait > 0:
                nxt = datetime.fromtimestamp(clock.now() + wait).strftime("%Y-%m-%d %H:%M")
                common.err_console.print(f"next run at {nxt} (local time); Ctrl-C to stop", markup=False)
                clock.sleep(wait)
    common.console.print(f"watch stopped after {runs} run(s)", markup=False)
    if last_failed:
        raise typer.Exit(1)  # the last run failed: a script running watch --max-runs sees it


def runs_command(
    limit: int = typer.Option(20, "--limit", "-n", min=0, max=2**63 - 1, help="How many recent runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
) -> None:
    con = open_store_read_only(common.STATE.db)
    try:
        rows = con.execute(
            """SELECT r.run_id, r.kind, r.status, r.started_at, r.duration_s, c.platform, c.status AS platform_status,
                      c.accounts, c.requests, c.items, c.waits, c.wait_s, c.errors, c.estimated_cost,
                      coalesce(c.stop_reason, r.error) AS note, r.posts_new, r.skipped
               FROM (SELECT * FROM runs ORDER BY run_id DESC LIMIT ?) r
               LEFT JOIN collection_runs c USING (run_id)
               ORDER BY r.run_id DESC, c.platform""",
            [limit],
        )
        cols = [d[0] for d in rows.description]
        data = [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]
    finally:
        con.close()
    if as_json:
        common.print_json(data)
        return
    if not data:
        common.console.print("no runs yet: 'diplotrack import' or 'diplotrack collect' records one", markup=False)
        return
    columns = ("run", "kind", "status", "started (UTC)", "platform", "requests", "items", "errors", "est. $")
    table = [
        (
            str(d["run_id"]),
            d["kind"],
            d["platform_status"] or d["status"],
            f"{d['started_at']:%Y-%m-%d %H:%M}",
            d["platform"] or "",
            *(str(d[k]) if d[k] is not None else "" for k in ("requests", "items", "errors")),
            f"{d['estimated_cost']:.2f}" if d["estimated_cost"] is not None else "",
            str(d["posts_new"] or 0),
            (d["note"] or "")[:60],
        )
        for d in data
    ]
    common.print_table((*columns, "new posts", "note"), table)  # cleaned, readable at 80 columns
