"""The collection engine: the same steps for every platform source.

1. Look up every tracked account (by stable id once known, else by handle): one profile snapshot
   per account per run, the account's id and handle recorded, and status changes (renamed,
   suspended, not found, protected, back) kept in ``account_events``.
2. Sweep each reachable account's timeline (cursors.py): each page, its cursor and the ids it
   showed commit in one transaction; a completed sweep marks the posts that vanished as deleted.
3. Optionally (``engagement``), ask who reposted, liked and quoted the newest posts.

Budget: before every request the most it could cost is checked against what is left of
``--budget``; the run stops cleanly, everything so far committed, before it could exceed it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from diplotrack.collect import cursors
from diplotrack.collect.apply import apply_found, insert_engagements
from diplotrack.collect.clock import Clock
from diplotrack.collect.errors import (
    AuthError,
    BudgetExhausted,
    MalformedPage,
    RateLimitGivenUp,
    RequestFailed,
    Stopped,
)
from diplotrack.collect.http import short_url
from diplotrack.collect.meter import Meter
from diplotrack.collect.source import Found, Page, Source, Target
from diplotrack.records import ProfileSnapshot, Provenance, Skip, handle_key
from diplotrack.store.runs import finish_run, start_run
from diplotrack.store.writer import StoreWriter

DEFAULT_RECHECK = timedelta(days=2)


@dataclass
class CollectOptions:
    accounts: Sequence[str] = ()
    since: datetime | None = None
    budget: float | None = None
    recheck: timedelta = DEFAULT_RECHECK
    engagement: int = 0  # posts per account whose reposts/likes/quotes are fetched (0: off)
    max_pages: int | None = None  # per account per run (None: until the sweep completes)


@dataclass
class PlatformReport:
    platform: str
    status: str = "running"
    accounts: int = 0
    reachable: int = 0
    swept: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    profiles_new: int = 0
    deleted: int = 0
    events: list[dict] = field(default_factory=list)
    engagements: int = 0
    error: str | None = None
    exit_code: int = 0
    pages_ok: int = 0
    rate_limited: int = 0  # requests not made: their endpoint's rate limit resets past max_wait
    meter: Meter = field(default_factory=Meter)

    def as_json(self) -> dict:
        return {
            "platform": self.platform,
            "status": self.status,
            "accounts": self.accounts,
            "reachable": self.reachable,
            "timelines_completed": self.swept,
            "posts_new": self.posts_new,
            "posts_updated": self.posts_updated,
            "profiles_new": self.profiles_new,
            "posts_marked_deleted": self.deleted,
            "account_events": self.events,
            "engagements_new": self.engagements,
            "error": self.error,
            **self.meter.as_dict(),
        }


@dataclass
class CollectReport:
    run_id: int | None
    platforms: list[PlatformReport] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    status: str = "ok"
    stop_reason: str | None = None
    duration_s: float = 0.0

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "platforms": [p.as_json() for p in self.platforms],
            "skipped": [{"url": s.file, "reason": s.reason} for s in self.skipped],
            "duration_s": round(self.duration_s, 3),
        }


class Progress:
    """Callbacks the CLI turns into a progress display; all optional."""

    def platform_started(self, platform: str, accounts: int) -> None: ...
    def account_done(self, platform: str, handle: str) -> None: ...
    def page_done(self, platform: str, handle: str, items: int) -> None: ...


def targets_for(con: duckdb.DuckDBPyConnection, platform: str, accounts: Sequence[str]) -> list[Target]:
    rows = con.execute(
        "SELECT platform, handle, user_id, actor_id FROM accounts WHERE platform = ? ORDER BY lower(handle)",
        [platform],
    ).fetchall()
    wanted = {a.lstrip("@").lower() for a in accounts}
    targets = [Target(*r) for r in rows]
    if wanted:
        targets = [t for t in targets if t.handle.lower() in wanted or (t.user_id or "").lower() in wanted]
    return targets


class Collector:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        clock: Clock,
        options: CollectOptions,
        *,
        progress: Progress | None = None,
        command: str = "collect",
    ) -> None:
        self.con = con
        self.clock = clock
        self.options = options
        self.progress = progress or Progress()
        self.command = command
        self.spent = 0.0

    # -- budget --------------------------------------------------------------------------------
    def budget_left(self) -> float | None:
        return None if self.options.budget is None else self.options.budget - self.spent

    def _check_budget(self, bound: float, what: str) -> None:
        left = self.budget_left()
        if left is not None and bound > left + 1e-12:
            raise BudgetExhausted(
                f"stopped before {what}: it could cost up to ${bound:.3f} and ${max(left, 0):.3f} of the "
                f"${self.options.budget:.2f} budget is left"
            )

    # -- the run -------------------------------------------------------------------------------
    def run(self, sources: Sequence[Source]) -> CollectReport:
        started = time.perf_counter()
        run_id = start_run(self.con, "collect", self.command, [])
        report = CollectReport(run_id=run_id)
        writer = StoreWriter(self.con, run_id)
        run_status = "failed"
        try:
            for source in sources:
                pr = PlatformReport(platform=source.platform, meter=source.meter)
                report.platforms.append(pr)
                try:
                    self._collect_platform(source, writer, pr, report)
                    if pr.meter.errors > pr.rate_limited and not pr.pages_ok and pr.meter.requests:
                        pr.status = "failed"
                        pr.error = f"every request failed ({pr.meter.errors}); see the skipped URLs"
                    else:
                        pr.status = "ok" if not pr.meter.errors else "partial"
                except AuthError as exc:
                    pr.status, pr.error, pr.exit_code = "failed", str(exc), exc.exit_code
                except BudgetExhausted as exc:
                    # this platform stops; the free ones after it still run
                    pr.status, pr.error = "budget", str(exc)
                    report.stop_reason = str(exc)
                finally:
                    self._record_platform(run_id, pr)
            statuses = {p.status for p in report.platforms}
            if "failed" in statuses:
                report.status = "failed"
            elif "budget" in statuses:
                report.status = "budget"
            elif "partial" in statuses:
                report.status = "partial"
            run_status = "failed" if report.status == "failed" else "ok"
        except Stopped as exc:
            report.status, report.stop_reason = "stopped", str(exc) or "stop requested"
            self._mark_open(report, "stopped", report.stop_reason)
            run_status = "stopped"
        except BaseException as exc:  # a crash or a second Ctrl-C: the run is recorded as such
            run_status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            self._mark_open(report, run_status, f"{type(exc).__name__}: {exc}"[:300])
            raise
        finally:
            report.duration_s = time.perf_counter() - started
            finish_run(self.con, run_id, run_status, [s.platform for s in sources], report.duration_s)
        return report

    def _mark_open(self, report: CollectReport, status: str, reason: str) -> None:
        for p in report.platforms:
            if p.status == "running":
                p.status = status
                self._record_platform(report.run_id or 0, p)
                self.con.execute(
                    "UPDATE collection_runs SET stop_reason = ? WHERE run_id = ? AND platform = ?",
                    [reason, report.run_id, p.platform],
                )

    def _record_platform(self, run_id: int, pr: PlatformReport) -> None:
        m = pr.meter
        self.con.execute(
            """UPDATE collection_runs SET finished_at = ?, status = ?, accounts = ?, requests = ?, items = ?,
                   waits = ?, wait_s = ?, errors = ?, estimated_cost = ?, stop_reason = coalesce(?, stop_reason)
               WHERE run_id = ? AND platform = ?""",
            [
                self.clock.utcnow(),
                pr.status,
                pr.accounts,
                m.requests,
                m.items,
                m.waits,
                m.wait_s,
                m.errors,
                m.cost,
                pr.error,
                run_id,
                pr.platform,
            ],
        )

    def _collect_platform(self, source: Source, writer: StoreWriter, pr: PlatformReport, report: CollectReport) -> None:
        targets = targets_for(self.con, source.platform, self.options.accounts)
        pr.accounts = len(targets)
        self.con.execute(
            "INSERT INTO collection_runs (run_id, platform, started_at, status, accounts, budget) "
            "VALUES (?, ?, ?, 'running', ?, ?)",
            [writer.run_id, source.platform, self.clock.utcnow(), len(targets), self.options.budget],
        )
        self.progress.platform_started(source.platform, len(targets))
        if not targets:
            return
        if hasattr(source, "attach_store"):  # a source that keeps state of its own there (YouTube's quota)
            source.attach_store(self.con)
        found = self._lookup(source, targets, writer, pr, report)
        for f in found:
            if f.status != "active" or f.user_id is None:
                self.progress.account_done(source.platform, f.target.handle)
                continue
            pr.reachable += 1
            self._sweep(source, f, writer, pr, report)
            if self.options.engagement > 0:
                self._engagement(source, f, writer, pr, report)
            self.progress.account_done(source.platform, f.target.handle)

    # -- step 1: lookups -----------------------------------------------------------------------
    def _lookup(
        self, source: Source, targets: list[Target], writer: StoreWriter, pr: PlatformReport, report: CollectReport
    ) -> list[Found]:
        outcome: dict[Target, Found] = {}
        pages = source.lookup(targets)
        while True:
            self._check_budget(source.lookup_cost_bound(len(targets) - len(outcome)), "the next account lookup")
            try:
                page = next(pages)
            except StopIteration:
                break
            except (MalformedPage, RequestFailed) as exc:
                self._failed_request(exc, writer, pr, report, source.platform)
                break
            snapped = {p.user_id for p in page.profiles}
            for f in page.found:
                outcome[f.target] = f
                status_key = f.user_id or f.target.user_id or handle_key(f.target.handle)
                if f.status != "active" and status_key not in snapped:  # the source may have dated one already
                    page.profiles.append(self._status_snapshot(source.platform, f, page))
            self._account(pr, page)

            def commit(con: duckdb.DuckDBPyConnection, page: Page = page) -> None:
                for f in page.found:
                    pr.events.extend(apply_found(con, f, page.retrieved_at, writer.run_id))

            self._write(writer, page, pr, report, commit)
        # a target no page mentioned was not answered for (a failed page): no status, no sweep
        return [outcome[t] for t in targets if t in outcome]

    # -- step 2: timelines ---------------------------------------------------------------------
    def _sweep(self, source: Source, f: Found, writer: StoreWriter, pr: PlatformReport, report: CollectReport) -> None:
        assert f.user_id is not None
        platform, user_id, endpoint = source.platform, f.user_id, source.timeline_endpoint
        keys = [user_id, handle_key(f.handle or f.target.handle), handle_key(f.target.handle)]
        sweep = cursors.next_sweep(
            self.con,
            platform,
            user_id,
            endpoint,
            now=self.clock.utcnow(),
            recheck=self.options.recheck,
            since=self.options.since,
            author_keys=keys,
            page=source.page_posts,
        )
        pages = 0
        while True:
            if self.clock.stop.is_set():
                raise Stopped("stop requested")
            if self.options.max_pages is not None and pages >= self.options.max_pages:
                return
            bound, sweep.page_size = source.timeline_cost_bound(self.budget_left())
            self._check_budget(bound, f"the next timeline page of {f.target.handle}")
            try:
                page = source.timeline_page(f.target, user_id, sweep)
            except (MalformedPage, RequestFailed) as exc:
                # the cursor stays where it was: the next run asks for this page again, up to a limit
                # (a rate limit given up is not the page's fault: it does not count towards it)
                now = self.clock.utcnow()
                gave_up = not isinstance(exc, RateLimitGivenUp) and cursors.record_failure(
                    self.con, platform, user_id, endpoint, writer.run_id, now
                )
                self._failed_request(exc, writer, pr, report, platform, gave_up=gave_up)
                return
            pages += 1
            pr.pages_ok += 1
            self._account(pr, page)
            gone: list[str] = []
            if page.done:
                candidates = cursors.deletion_candidates(self.con, platform, user_id, endpoint, sweep, page)
                if candidates:
                    gone = source.confirm_gone(candidates) if hasattr(source, "confirm_gone") else candidates
            for lost in page.found:  # the account went away mid-sweep (a source may say so)
                if lost.status != "active":
                    page.profiles.append(self._status_snapshot(source.platform, lost, page))
            deleted: list[int] = []

            def commit(
                con: duckdb.DuckDBPyConnection, page: Page = page, deleted: list[int] = deleted, gone: list[str] = gone
            ) -> None:
                for lost in page.found:
                    pr.events.extend(apply_found(con, lost, page.retrieved_at, writer.run_id))
                deleted.append(
                    cursors.save_page(
                        con, platform, user_id, endpoint, sweep, page, writer.run_id, self.clock.utcnow(), gone
                    )
                )

            self._write(writer, page, pr, report, commit)
            pr.deleted += sum(deleted)
            self.progress.page_done(platform, f.target.handle, page.items)
            if page.done:
                pr.swept += 1
                return

    # -- step 3: engagement --------------------------------------------------------------------
    def _engagement(
        self, source: Source, f: Found, writer: StoreWriter, pr: PlatformReport, report: CollectReport
    ) -> None:
        rows = self.con.execute(
            """SELECT post_id FROM posts WHERE platform = ? AND author_id = ? AND kind <> 'repost'
                 AND deleted_at IS NULL ORDER BY created_at DESC NULLS LAST LIMIT ?""",
            [source.platform, f.user_id, self.options.engagement],
        ).fetchall()
        if not rows:
            return
        pages = source.engagement_pages([r[0] for r in rows])
        while True:
            self._check_budget(0.0, "the next engagement page")
            if self.clock.stop.is_set():
                raise Stopped("stop requested")
            try:
                page = next(pages)
            except StopIteration:
                return
            except (MalformedPage, RequestFailed) as exc:
                self._failed_request(exc, writer, pr, report, source.platform)
                return
            self._account(pr, page)
            added: list[int] = []

            def commit(con: duckdb.DuckDBPyConnection, page: Page = page, added: list[int] = added) -> None:
                added.append(insert_engagements(con, page.engagements, writer.run_id))

            self._write(writer, page, pr, report, commit)
            pr.engagements += sum(added)

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _status_snapshot(platform: str, f: Found, page: Page) -> ProfileSnapshot:
        return ProfileSnapshot(
            platform=platform,
            user_id=f.user_id or f.target.user_id or handle_key(f.target.handle),
            observed_at=page.retrieved_at,
            provenance=Provenance(platform + "-api", page.url),
            handle=f.handle or f.target.handle,
            status=f.status,
            source="collect: lookup",
        )

    def _account(self, pr: PlatformReport, page: Page) -> None:
        pr.meter.items += page.items
        pr.meter.cost += page.cost
        self.spent += page.cost

    def _write(
        self,
        writer: StoreWriter,
        page: Page,
        pr: PlatformReport,
        report: CollectReport,
        commit: Callable[[duckdb.DuckDBPyConnection], None],
    ) -> None:
        writer.add_raw(page.fmt, page.body, file=page.url, line=None, retrieved_at=page.retrieved_at)
        for p in page.posts:
            writer.add_post(p)
        for s in page.profiles:
            writer.add_profile(s)
        for e in page.errors:
            writer.add_api_error(e)
        for k in page.skips:
            writer.add_skip(Skip(short_url(k.file), k.line, k.reason))  # the URL once, shortened
        counts = writer.flush(on_commit=commit)
        pr.posts_new += counts.posts_new
        pr.posts_updated += counts.posts_updated
        pr.profiles_new += counts.profiles_new
        report.skipped.extend(counts.skipped)

    def _failed_request(
        self,
        exc: MalformedPage | RequestFailed,
        writer: StoreWriter,
        pr: PlatformReport,
        report: CollectReport,
        platform: str,
        *,
        gave_up: bool = False,
    ) -> None:
        pr.meter.errors += 1
        if isinstance(exc, RateLimitGivenUp):
            pr.rate_limited += 1
            pr.error = pr.error or str(exc).removeprefix("not asked: ")  # collection_runs.stop_reason says why
        reason = str(exc)
        if gave_up:
            reason += "; this page failed in 3 runs in a row: the sweep is given up and starts afresh next run"
        if isinstance(exc, MalformedPage):
            raw_id = writer.add_raw(f"{platform}-malformed", exc.body, file=exc.url, line=None, retrieved_at=None)
            reason = f"{reason}; kept as raw payload {raw_id}"
        writer.add_skip(Skip(short_url(exc.url), None, reason))
        counts = writer.flush()
        report.skipped.extend(counts.skipped)
