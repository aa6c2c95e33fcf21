"""Growth: followers at each profile observation, growth between two dates, the biggest risers, and
status changes (suspended, deleted, protected, not found, renamed) with when each was first seen.

A tracked account's snapshots are the ``profile_snapshots`` rows filed under one of its keys
(``account_keys``: its ``user_key`` or its handle placeholder) on its platform. See
docs/analyses/growth.md for the rules and caveats.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import Filters, Tables, account_keys, tracked_accounts
from diplotrack.errors import InvalidValueError

RENAMED = "renamed"
ACTIVE = "active"
SECONDS_PER_DAY = 86400.0


# --- snapshots of tracked accounts ---------------------------------------------------------------


def account_snapshots(t: Tables, f: Filters) -> ir.Table:
    """Every snapshot of every tracked account (the window is not applied).

    Columns: platform, handle (the roster's), actor_id, kind, institutional, user_id,
    snapshot_handle (the handle at that time), observed_at, followers, following, posts_count,
    status, source.
    """
    acc = tracked_accounts(t, f)
    keys = account_keys(t, f)
    s = t.profile_snapshots
    snaps = keys.join(s, [keys.platform == s.platform, keys.key == s.user_id]).select(
        keys.platform,
        keys.handle,
        s.user_id,
        snapshot_handle=s.handle,
        observed_at=s.observed_at,
        followers=s.followers,
        following=s.following,
        posts_count=s.posts_count,
        status=s.status,
        source=s.source,
    )
    j = snaps.join(acc, [snaps.platform == acc.platform, snaps.handle == acc.handle])
    return j.select(
        snaps.platform,
        snaps.handle,
        acc.actor_id,
        acc.kind,
        acc.institutional,
        snaps.user_id,
        snaps.snapshot_handle,
        snaps.observed_at,
        snaps.followers,
        snaps.following,
        snaps.posts_count,
        snaps.status,
        snaps.source,
    )


def _in_window(table: ir.Table, column: str, f: Filters) -> ir.Table:
    """Rows whose ``column`` lies in the window (start inclusive, end exclusive)."""
    if f.start is not None:
        table = table.filter(table[column] >= f.start)
    if f.end is not None:
        table = table.filter(table[column] < f.end)
    return table


def follower_history(t: Tables, f: Filters) -> ir.Table:
    """Followers, following and post counts of each tracked account at each observation.

    One row per snapshot; the window restricts ``observed_at`` (start inclusive, end exclusive).

    Columns: platform, handle, actor_id, kind, observed_at, followers, following, posts_count,
    status, source, user_id, snapshot_handle. Ordered by platform, handle, observed_at.
    """
    s = _in_window(account_snapshots(t, f), "observed_at", f)
    s = s.select(
        "platform",
        "handle",
        "actor_id",
        "kind",
        "observed_at",
        "followers",
        "following",
        "posts_count",
        "status",
        "source",
        "user_id",
        "snapshot_handle",
    )
    return s.order_by(["platform", "handle", "observed_at"])


# --- growth between two dates --------------------------------------------------------------------


def _on_or_before(observed_at: ir.TimestampValue, d: date | datetime) -> ir.BooleanValue:
    """``observed_at`` on or before ``d``: a date covers its whole day; a datetime is an instant."""
    if isinstance(d, datetime):
        return observed_at <= d
    return observed_at < datetime(d.year, d.month, d.day) + timedelta(days=1)


def _side(snaps: ir.Table, prefix: str) -> ir.Table:
    """The latest snapshot per account in ``snaps``: ``<prefix>_at`` and ``followers_<prefix>``."""
    return snaps.group_by(["platform", "handle"]).aggregate(
        **{
            f"{prefix}_at": snaps.observed_at.max(),
            f"followers_{prefix}": snaps.followers.argmax(snaps.observed_at),
        }
    )


def _sides(t: Tables, f: Filters, start: date | datetime, end: date | datetime) -> tuple[ir.Table, ir.Table]:
    """The start side (latest counted snapshot on or before ``start``) and the end side (latest
    counted snapshot after ``start`` and on or before ``end``) of every tracked account having one."""
    if _as_datetime(end) < _as_datetime(start):
        raise InvalidValueError(f"end ({end}) is before start ({start})")
    s = account_snapshots(t, f)
    s = s.filter(s.followers.notnull())
    before = _on_or_before(s.observed_at, start)
    start_side = _side(s.filter(before), "start")
    end_side = _side(s.filter(~before & _on_or_before(s.observed_at, end)), "end")
    return start_side, end_side


def _as_datetime(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def growth_between(t: Tables, f: Filters, start: date | datetime, end: date | datetime) -> ir.Table:
    """Follower growth of each tracked account between two dates.

    Start side: the latest snapshot with a follower count observed on or before ``start``. End side:
    the latest snapshot with a follower count observed after ``start`` and on or before ``end``. A
    date covers its whole day. Accounts lacking either side are left out (see :func:`growth_coverage`).
    The window filter is not applied: ``start`` and ``end`` are the window here.

    Columns: platform, handle, kind, institutional, start_at, followers_start, end_at, followers_end,
    growth (followers_end - followers_start), days (end_at - start_at, in days, fractional),
    growth_per_day, growth_pct (growth / followers_start * 100; NULL when followers_start is 0).
    Ordered by growth (desc), handle.
    """
    start_side, end_side = _sides(t, f, start, end)
    acc = tracked_accounts(t, f)
    j = acc.join(start_side, ["platform", "handle"]).join(end_side, ["platform", "handle"])
    j = j.select(
        "platform", "handle", "kind", "institutional", "start_at", "followers_start", "end_at", "followers_end"
    )
    growth = (j.followers_end - j.followers_start).cast("int64")
    days = (j.end_at.epoch_seconds() - j.start_at.epoch_seconds()).cast("float64") / SECONDS_PER_DAY
    j = j.mutate(growth=growth, days=days)
    j = j.mutate(
        growth_per_day=j.growth.cast("float64") / j.days,
        growth_pct=ibis.cases(
            (j.followers_start == 0, ibis.null("float64")),
            else_=j.growth.cast("float64") * 100.0 / j.followers_start.cast("float64"),
        ),
    )
    return j.order_by([j.growth.desc(), j.handle, j.platform])


def growth_coverage(t: Tables, f: Filters, start: date | datetime, end: date | datetime) -> ir.Table:
    """How many tracked accounts :func:`growth_between` can measure, and why the others are missing.

    One row. Columns: accounts_tracked, accounts_with_both, accounts_missing_start (no snapshot with a
    follower count on or before ``start``), accounts_missing_end (none after ``start`` and on or
    before ``end``). An account missing both sides counts in both "missing" columns.
    """
    start_side, end_side = _sides(t, f, start, end)
    acc = tracked_accounts(t, f)
    j = acc.select("platform", "handle").left_join(start_side, ["platform", "handle"])
    j = j.left_join(end_side, ["platform", "handle"])
    j = j.select(has_start=j.start_at.notnull(), has_end=j.end_at.notnull())
    return j.aggregate(
        accounts_tracked=j.count(),
        accounts_with_both=(j.has_start & j.has_end).cast("int64").sum().fill_null(0),
        accounts_missing_start=(~j.has_start).cast("int64").sum().fill_null(0),
        accounts_missing_end=(~j.has_end).cast("int64").sum().fill_null(0),
    )


def biggest_risers(t: Tables, f: Filters, start: date | datetime, end: date | datetime, n: int = 10) -> ir.Table:
    """The ``n`` accounts that gained the most followers between two dates (see :func:`growth_between`).

    ``rank`` is the min rank by growth (accounts with equal growth share a rank; the next rank skips,
    1, 1, 3); equal growth is ordered by handle, and the cut at ``n`` follows that order.

    Columns: rank, then the columns of :func:`growth_between`. Ordered by rank, handle.
    """
    g = growth_between(t, f, start, end)
    g = g.mutate(rank=(ibis.rank().over(order_by=g.growth.desc()) + 1).cast("int64"))
    g = g.order_by([g.rank, g.handle, g.platform]).limit(n)
    return g.select("rank", *[c for c in g.columns if c != "rank"])


# --- status changes ------------------------------------------------------------------------------


def _with_previous(t: Tables, f: Filters) -> ir.Table:
    """Each snapshot with the previous snapshot's status, the last handle an earlier snapshot gave
    (per account, by observed_at), and the account's latest known handle."""
    s = account_snapshots(t, f)
    w = ibis.window(group_by=[s.platform, s.handle], order_by=[s.observed_at, s.user_id])
    order = [s.observed_at, s.user_id]
    earlier = ibis.window(group_by=[s.platform, s.handle], order_by=order, rows=(None, -1))
    latest = ibis.window(group_by=[s.platform, s.handle], order_by=order, rows=(None, None))
    return s.mutate(
        previous_status=s.status.lag().over(w),
        previous_handle=s.snapshot_handle.last(include_null=False).over(earlier),
        is_first=ibis.row_number().over(w) == 0,
        latest_handle=s.snapshot_handle.last(include_null=False).over(latest),
    )


def status_changes(t: Tables, f: Filters) -> ir.Table:
    """Status changes and renames of tracked accounts, each with when it was first seen.

    A status event is a snapshot whose status differs from the previous snapshot's (the account's
    first snapshot counts when its status is not 'active'); a rename event ('renamed') is a snapshot
    whose handle differs, ignoring case, from the previous snapshot's. Snapshots are ordered per
    account by ``observed_at``; the whole history is used, then the events are restricted to the
    window on ``first_seen_at``.

    Columns: platform, handle (the latest handle a snapshot gives, else the roster's), user_id, status
    (the new status, or 'renamed'), previous_status (NULL for a first snapshot and for renames),
    previous_handle, new_handle (renames only), first_seen_at. Ordered by first_seen_at, platform, handle.
    """
    s = _with_previous(t, f)
    handle = s.latest_handle.fill_null(s.handle)
    status_changed = ibis.cases(
        (s.is_first, s.status != ACTIVE),
        else_=s.status != s.previous_status.fill_null(""),
    )
    statuses = s.filter(status_changed).select(
        platform=s.platform,
        handle=handle,
        user_id=s.user_id,
        status=s.status,
        previous_status=s.previous_status,
        previous_handle=ibis.null("string"),
        new_handle=ibis.null("string"),
        first_seen_at=s.observed_at,
    )
    renamed = s.previous_handle.notnull() & s.snapshot_handle.notnull()
    renamed = renamed & (s.previous_handle.lower() != s.snapshot_handle.lower())
    renames = s.filter(renamed).select(
        platform=s.platform,
        handle=handle,
        user_id=s.user_id,
        status=ibis.literal(RENAMED),
        previous_status=ibis.null("string"),
        previous_handle=s.previous_handle,
        new_handle=s.snapshot_handle,
        first_seen_at=s.observed_at,
    )
    events = _in_window(statuses.union(renames), "first_seen_at", f)
    return events.order_by(["first_seen_at", "platform", "handle", "status"])
