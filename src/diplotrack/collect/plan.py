"""``collect --dry-run``: what a run would request and what it would cost, from the store alone.

Two figures per account, both in the configured currency (USD by default):

- **at most**: the upper bound the budget check uses (first sweeps: up to 3,200 posts on X, each
  priced with two referenced posts and two referenced authors). A run costs no more than this.
- **expected**: from the account's recent posting rate, the posts per day stored over the
  ``RATE_DAYS`` days before its last completed collection, times the time since then, plus the
  stored posts the sweep re-reads (the newest page, the recheck window), times the price of a post
  read. Referenced posts and authors are not counted. An account never collected has no history:
  its expected cost is unknown (None), not 0; on a free platform it is 0 all the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb

from diplotrack.collect import cursors
from diplotrack.collect.engine import CollectOptions, targets_for
from diplotrack.collect.source import PlannedRequest, Source, Target
from diplotrack.records import handle_key

RATE_DAYS = 30  # the recent period a posting rate is measured over


@dataclass(frozen=True)
class Expected:
    cost: float | None  # None: unknown (no collection history)
    basis: str


def plan(
    con: duckdb.DuckDBPyConnection, sources: Sequence[Source], options: CollectOptions, now: datetime
) -> list[PlannedRequest]:
    """What a run would request, from what the store knows, without any request (``--dry-run``)."""
    planned: list[PlannedRequest] = []
    for source in sources:
        targets = targets_for(con, source.platform, options.accounts)
        if not targets:
            continue
        if hasattr(source, "attach_store"):  # a source that keeps state of its own there (YouTube's quota)
            source.attach_store(con)
        if hasattr(source, "lookup_plan"):  # a source that counts in its own unit (YouTube: quota units)
            planned.append(source.lookup_plan(targets))
            planned.extend(_timeline(con, source, t, options, now) for t in targets)
            continue
        per_page = getattr(source, "lookup_page_size", 100)
        requests = (
            source.lookup_requests(targets)
            if hasattr(source, "lookup_requests")
            else math.ceil(len(targets) / per_page)
        )
        n = len(targets)
        lookup_cost = sum(source.lookup_cost_bound(min(per_page, n - i)) for i in range(0, n, per_page))
        planned.append(
            PlannedRequest(
                f"{source.platform}: profile lookup",
                None,
                requests,
                n,
                lookup_cost,
                f"{n} accounts, {per_page} per request",
                expected=lookup_cost,  # one user read per account: the bound is what is expected
            )
        )
        for t in targets:
            planned.append(_timeline(con, source, t, options, now))
    return planned


def _timeline(
    con: duckdb.DuckDBPyConnection, source: Source, t: Target, options: CollectOptions, now: datetime
) -> PlannedRequest:
    uid = t.user_id
    keys = [uid or "", handle_key(t.handle)]
    sweep = (
        cursors.next_sweep(
            con,
            source.platform,
            uid,
            source.timeline_endpoint,
            now=now,
            recheck=options.recheck,
            since=options.since,
            author_keys=keys,
            page=getattr(source, "page_posts", 100),
        )
        if uid
        else None
    )
    row = con.execute(
        """SELECT posts_count FROM profile_snapshots WHERE platform = ? AND user_id IN (?, ?)
           AND posts_count IS NOT NULL ORDER BY observed_at DESC LIMIT 1""",
        [t.platform, uid or "", handle_key(t.handle)],
    ).fetchone()
    planned = source.plan(t, uid, sweep or cursors.Sweep(since_at=options.since), row[0] if row else None)
    if planned.unit != "USD":  # not money: the source's own expectation stands (YouTube's quota units)
        return planned
    exp = expected(con, source, t, sweep, now)
    return replace(planned, expected=exp.cost, basis=exp.basis)


def expected(
    con: duckdb.DuckDBPyConnection, source: Source, t: Target, sweep: cursors.Sweep | None, now: datetime
) -> Expected:
    """The expected cost of an account's next sweep, from its posting rate (see the module's doc)."""
    price = float(getattr(source, "post_price", 0.0))
    if price == 0:
        return Expected(0.0, "free to read")
    state = cursors.load(con, source.platform, t.user_id, source.timeline_endpoint) if t.user_id and sweep else None
    last = state["last_complete_at"] if state else None
    if last is None or sweep is None:
        return Expected(None, "unknown: never collected, so no posting rate to go by")
    keys = [t.user_id, handle_key(t.handle)]
    recent = con.execute(
        """SELECT count(*) FROM posts WHERE platform = ? AND list_contains(?, author_id)
             AND created_at > ? AND created_at <= ?""",
        [source.platform, keys, last - timedelta(days=RATE_DAYS), last],
    ).fetchone()[0]
    rate = recent / RATE_DAYS
    days = max(0.0, (now - last).total_seconds() / 86400)
    # the stored posts the sweep reads again: those after its lower bound (all of them when it has none)
    reread = con.execute(
        """SELECT count(*) FROM posts WHERE platform = ? AND list_contains(?, author_id)
             AND deleted_at IS NULL AND created_at > ?""",
        [source.platform, keys, sweep.since_at or datetime.min],
    ).fetchone()[0]
    posts = rate * days + reread
    basis = (
        f"{rate:.2f} posts/day over the {RATE_DAYS} days before the last collection × {days:.1f} days since, "
        f"+ {reread} stored posts re-read, at ${price:g} a post"
    )
    return Expected(posts * price, basis)
