"""Activity and reach: per tracked account, its latest public counts (from profile snapshots) and
what it posted in the window (from the store's posts); shares of accounts above thresholds; top
accounts; diplomats compared with state media.

Accounts are matched to posts and snapshots through ``account_keys`` (the account's ``user_key``
and its handle placeholder ``handle:<lower handle>``). Everything here is an Ibis expression; nothing
pulls a table into Python. See docs/analyses/activity.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import (
    Filters,
    Tables,
    as_datetime,
    tracked_accounts,
    tracked_posts,
    use_rollups,
    window_posts,
)
from diplotrack.analyses.growth import account_snapshots
from diplotrack.analyses.query import STATE_MEDIA_KINDS
from diplotrack.analyses.rollup_rows import in_window, rows_per_post, tracked_rollup
from diplotrack.errors import InvalidValueError

TOP_BY = ("followers", "posts", "posts_count", "engagement")
# The rollups answer the post counts here only where they hold at most this many rows per post: a
# rollup row was measured about 3x dearer to read than a post row (1M-post synthetic store, 0.9 rollup
# rows per post: 0.25 s against 0.09 s for the window counts), and these counts need no enrichment.
# The bundled demo timelines hold 0.17 rollup rows per post; the synthetic stores about 0.9.
ROLLUP_MAX_ROWS_PER_POST = 1 / 3
SECONDS_PER_WEEK = 7 * 24 * 3600


def _ts(d: datetime) -> ir.TimestampScalar:
    return ibis.literal(d, type="timestamp")


def latest_snapshots(t: Tables, f: Filters) -> ir.Table:
    """Each tracked account's latest profile snapshot (accounts with no snapshot have no row).

    Snapshots are matched on ``(platform, user_id)`` to the account's keys (its platform id or its
    handle placeholder). When ``f.end`` is given, only snapshots observed before it count (the state
    as of the end of the window); ``f.start`` does not apply. Among snapshots observed at the same
    time, one filed under a real platform id wins over a placeholder one.

    Columns: platform, handle (the roster's), snapshot_at (``observed_at``), followers, following,
    posts_count, status.
    """
    s = account_snapshots(t, f)
    if f.end is not None:
        s = s.filter(s.observed_at < f.end)
    j = s.select(
        s.platform,
        s.handle,
        snapshot_at=s.observed_at,
        followers=s.followers,
        following=s.following,
        posts_count=s.posts_count,
        status=s.status,
        _placeholder=s.user_id.startswith("handle:"),
        _user_id=s.user_id,
    )
    w = ibis.window(group_by=[j.platform, j.handle], order_by=[ibis.desc(j.snapshot_at), j._placeholder, j._user_id])
    j = j.mutate(_rn=ibis.row_number().over(w))
    return j.filter(j._rn == 0).drop("_rn", "_placeholder", "_user_id")


def _window_bounds(t: Tables, f: Filters, as_of: datetime | None) -> ir.Table:
    """One row: win_start, win_end, as_of (timestamps; NULL where the store has no post to fall
    back on). Posts "in the store" are those of the filtered platforms, whatever the window."""
    p = window_posts(t, Filters(platforms=f.platforms))
    bounds = p.aggregate(_first=p.created_at.min(), _last=p.created_at.max())
    as_of_e = _ts(as_of) if as_of is not None else _ts(f.end) if f.end is not None else bounds._last
    end_e = _ts(f.end) if f.end is not None else as_of_e
    start_e = _ts(f.start) if f.start is not None else bounds._first
    return bounds.select(
        win_start=start_e.cast("timestamp"), win_end=end_e.cast("timestamp"), as_of=as_of_e.cast("timestamp")
    )


def _window_counts(t: Tables, f: Filters) -> ir.Table:
    """Per tracked account with posts in the window: posts_in_window, _posts_with_metrics, _engagement.
    Read from the rollups where they can answer ``f`` and pay (``_rollups_pay``), else from the posts."""
    return _window_counts_rollup(t, f) if _rollups_pay(t, f) else _window_counts_posts(t, f)


def _rollups_pay(t: Tables, f: Filters) -> bool:
    """Whether the rollups can answer ``f`` (``use_rollups``) and compress this store enough to be
    faster than its posts (``ROLLUP_MAX_ROWS_PER_POST``)."""
    return use_rollups(t, f) and rows_per_post(t) <= ROLLUP_MAX_ROWS_PER_POST


def _window_counts_posts(t: Tables, f: Filters) -> ir.Table:
    """``_window_counts`` from the tracked posts."""
    p = tracked_posts(t, f)
    metrics = (p.like_count, p.repost_count, p.reply_count, p.quote_count)
    has_metrics = ibis.or_(*(m.notnull() for m in metrics))
    engagement = sum((m.fill_null(0) for m in metrics[1:]), metrics[0].fill_null(0))
    return p.group_by(platform=p.platform, handle=p.roster_handle).aggregate(
        posts_in_window=p.count(),
        _posts_with_metrics=has_metrics.sum(),
        _engagement=engagement.sum(where=has_metrics),
    )


def _window_counts_rollup(t: Tables, f: Filters) -> ir.Table:
    """``_window_counts`` from ``rollup_posts_day`` (its ``with_metrics`` and ``engagement`` are
    the same count and sum over each day's posts)."""
    r = tracked_rollup(t, f, "rollup_posts_day")
    return r.group_by(platform=r.platform, handle=r.handle).aggregate(
        posts_in_window=r.posts.sum().cast("int64"),
        _posts_with_metrics=r.with_metrics.sum(),
        _engagement=r.engagement.sum(),
    )


def _post_stats(t: Tables, f: Filters, bounds: ir.Table, as_of: datetime | None) -> ir.Table:
    """Per tracked account with posts in the store: counts by kind in the window, first/last post in
    the window, engagement in the window, and ``_last_seen`` (its last post at or before ``as_of``,
    whatever the window's start). Read from the rollups where they can answer it (``_rollup_answers``)
    and pay (``_rollups_pay``), else from the posts."""
    if _rollup_answers(t, f, as_of) and _rollups_pay(t, f):
        return _post_stats_rollup(t, f, bounds)
    return _post_stats_posts(t, f, bounds)


def _rollup_answers(t: Tables, f: Filters, as_of: datetime | None) -> bool:
    """Whether ``_post_stats_rollup`` gives the posts' answer: a day-aligned window, and an ``as_of``
    at midnight or the newest post in the store (none given, no ``f.end``). A day's rollup row only
    knows its first and last post, so "the last post at or before ``as_of``" is exact only when
    ``as_of`` cuts no day's posts in two (at midnight, only posts at exactly that time are on its
    day and at or before it: the row's ``first_at``)."""
    if not use_rollups(t, f):
        return False
    ref = as_of if as_of is not None else f.end
    return ref is None or ref == datetime(ref.year, ref.month, ref.day)


def _post_stats_posts(t: Tables, f: Filters, bounds: ir.Table) -> ir.Table:
    """``_post_stats`` from the tracked posts."""
    p = tracked_posts(t, replace(f, start=None, end=None)).cross_join(bounds)
    in_window = p.post_id.notnull()  # always true: a column, so that it aggregates
    if f.start is not None:
        in_window &= p.created_at >= f.start
    if f.end is not None:
        in_window &= p.created_at < f.end
    metrics = (p.like_count, p.repost_count, p.reply_count, p.quote_count)
    has_metrics = ibis.or_(*(m.notnull() for m in metrics)) & in_window
    engagement = sum((m.fill_null(0) for m in metrics[1:]), metrics[0].fill_null(0))
    return p.group_by(platform=p.platform, handle=p.roster_handle).aggregate(
        posts_in_window=in_window.sum(),
        reposts=(in_window & (p.kind == "repost")).sum(),
        replies=(in_window & (p.kind == "reply")).sum(),
        quotes=(in_window & (p.kind == "quote")).sum(),
        first_post_at=p.created_at.min(where=in_window),
        last_post_at=p.created_at.max(where=in_window),
        _posts_with_metrics=has_metrics.sum(),
        _engagement=engagement.sum(where=has_metrics),
        _last_seen=p.created_at.max(where=p.created_at <= p.as_of),
    )


def _post_stats_rollup(t: Tables, f: Filters, bounds: ir.Table) -> ir.Table:
    """``_post_stats`` from ``rollup_posts_day`` (only where ``_rollup_answers``): the window is a
    range of days; a row wholly at or before ``as_of`` gives its ``last_at``, a row that starts at or
    before it (then exactly at ``as_of``, which is a midnight) its ``first_at``."""
    r = tracked_rollup(t, f, "rollup_posts_day", window=False).cross_join(bounds)
    w = in_window(r, f)
    seen = ibis.cases((r.last_at <= r.as_of, r.last_at), (r.first_at <= r.as_of, r.first_at))
    return r.group_by(platform=r.platform, handle=r.handle).aggregate(
        posts_in_window=r.posts.sum(where=w),
        reposts=r.posts.sum(where=w & (r.kind == "repost")),
        replies=r.posts.sum(where=w & (r.kind == "reply")),
        quotes=r.posts.sum(where=w & (r.kind == "quote")),
        first_post_at=r.first_at.min(where=w),
        last_post_at=r.last_at.max(where=w),
        _posts_with_metrics=r.with_metrics.sum(where=w),
        _engagement=r.engagement.sum(where=w),
        _last_seen=seen.max(),
    )


def account_activity(
    t: Tables, f: Filters, dormant_days: int = 90, as_of: date | datetime | str | None = None
) -> ir.Table:
    """Every tracked account (also those with no posts or no snapshot) with its reach and activity.

    - followers, following, posts_count, snapshot_at: from the latest snapshot (``latest_snapshots``);
      NULL when the account has none.
    - posts_in_window, reposts, replies, quotes: its posts in the window (``posts.kind``); 0 when none.
    - repost_share, reply_share, quote_share: those counts / posts_in_window (NULL when no posts).
    - first_post_at, last_post_at: its first and last post in the window (NULL when none).
    - weeks: the window's length in weeks, the same for every account: from ``f.start`` (else the
      first post in the store) to ``f.end`` (else ``as_of``, else the last post in the store); "the
      store" meaning all posts of the filtered platforms, by anyone. NULL when that span is not
      positive or unknown (no posts in the store and no ``f.start``).
    - posts_per_week: posts_in_window / weeks (NULL when weeks is NULL).
    - engagement_per_post: (like + repost + reply + quote counts, missing ones as 0) summed over the
      account's window posts that have at least one metric, divided by the number of those posts
      (NULL when none has metrics).
    - dormant: True when the account's last post at or before ``as_of`` (looking at all its posts in
      the store, not only the window) is more than ``dormant_days`` days before ``as_of``; NULL when
      the store has no post of the account at or before ``as_of`` (never seen posting: its timeline
      may never have been collected). ``as_of`` defaults to ``f.end``, else the newest post in the
      store.
    - as_of: the reference time used for ``dormant``.

    Columns: platform, handle, actor_id, name, kind, institutional, host_country, followers, following,
    posts_count, snapshot_at, posts_in_window, reposts, replies, quotes, repost_share, reply_share,
    quote_share, first_post_at, last_post_at, weeks, posts_per_week, engagement_per_post, dormant, as_of.
    """
    as_of_dt = as_datetime(as_of)
    acc = tracked_accounts(t, f)
    snap = latest_snapshots(t, f)
    bounds = _window_bounds(t, f, as_of_dt)
    stats = _post_stats(t, f, bounds, as_of_dt)

    j = acc.left_join(snap, [acc.platform == snap.platform, acc.handle == snap.handle]).select(
        acc, snap.followers, snap.following, snap.posts_count, snap.snapshot_at
    )
    j = j.left_join(stats, [j.platform == stats.platform, j.handle == stats.handle]).select(
        j, *[stats[c] for c in stats.columns if c not in ("platform", "handle")]
    )
    j = j.cross_join(bounds)

    n = j.posts_in_window.fill_null(0).cast("int64")
    has_posts = n > 0
    span = (j.win_end.epoch_seconds() - j.win_start.epoch_seconds()) / SECONDS_PER_WEEK
    weeks = ibis.ifelse(span > 0, span.cast("float64"), ibis.null("float64"))
    cutoff = j.as_of - ibis.interval(days=dormant_days)
    out = j.select(
        j.platform,
        j.handle,
        j.actor_id,
        j.name,
        j.kind,
        j.institutional,
        j.host_country,
        j.followers,
        j.following,
        j.posts_count,
        j.snapshot_at,
        posts_in_window=n,
        reposts=j.reposts.fill_null(0).cast("int64"),
        replies=j.replies.fill_null(0).cast("int64"),
        quotes=j.quotes.fill_null(0).cast("int64"),
        repost_share=ibis.ifelse(has_posts, j.reposts.fill_null(0) / n, ibis.null("float64")),
        reply_share=ibis.ifelse(has_posts, j.replies.fill_null(0) / n, ibis.null("float64")),
        quote_share=ibis.ifelse(has_posts, j.quotes.fill_null(0) / n, ibis.null("float64")),
        first_post_at=j.first_post_at,
        last_post_at=j.last_post_at,
        weeks=weeks,
        posts_per_week=n / weeks,
        engagement_per_post=ibis.ifelse(
            j._posts_with_metrics > 0, j._engagement.cast("float64") / j._posts_with_metrics, ibis.null("float64")
        ),
        dormant=ibis.ifelse(j._last_seen.isnull(), ibis.null("boolean"), j._last_seen < cutoff),
        as_of=j.as_of,
    )
    return out.order_by([out.platform, out.handle])


def threshold_shares(t: Tables, f: Filters, posts_over: int = 1000, followers_over: int = 10000) -> ir.Table:
    """The share of tracked accounts whose latest snapshot is strictly above a threshold.

    One row per measure: ``posts_count`` (threshold ``posts_over``) and ``followers`` (threshold
    ``followers_over``). accounts_with_data: accounts whose latest snapshot (``latest_snapshots``)
    gives the measure; accounts_over: those with a value strictly greater than the threshold;
    share: accounts_over / accounts_with_data (NULL when no account has data).

    Columns: measure, threshold, accounts_with_data, accounts_over, share.
    """
    snap = latest_snapshots(t, f)
    parts = []
    for measure, threshold in (("posts_count", posts_over), ("followers", followers_over)):
        v = snap[measure]
        parts.append(
            snap.aggregate(
                measure=ibis.literal(measure, type="string"),
                threshold=ibis.literal(int(threshold), type="int64"),
                accounts_with_data=v.count(),
                accounts_over=(v > threshold).sum().fill_null(0).cast("int64"),
            )
        )
    u = parts[0].union(parts[1])
    out = u.mutate(
        share=ibis.ifelse(u.accounts_with_data > 0, u.accounts_over / u.accounts_with_data, ibis.null("float64"))
    )
    return out.order_by(out.measure.cases(("posts_count", 0), else_=1))


def top_accounts(t: Tables, f: Filters, by: str = "followers", n: int = 10) -> ir.Table:
    """The top ``n`` tracked accounts by a measure (ties at the ``n``-th place are all included).

    ``by``: ``followers`` (latest snapshot), ``posts`` (posts in the window; accounts with none are
    left out), ``posts_count`` (latest snapshot's total posts) or ``engagement`` (engagement per post
    in the window, see ``account_activity``). Accounts without a value are left out. rank is the
    minimum rank (1 + the number of accounts with a strictly higher value), so ties share a rank.

    Columns: rank, platform, handle, kind, value. Ordered by value (descending), then handle.
    """
    if by not in TOP_BY:
        raise InvalidValueError(f"by must be one of {', '.join(TOP_BY)}, not {by!r}")
    acc = tracked_accounts(t, f)
    if by in ("followers", "posts_count"):
        src = latest_snapshots(t, f)
        value = src[by]
    else:
        src = _window_counts(t, f)
        per_post = ibis.ifelse(
            src._posts_with_metrics > 0,
            src._engagement.cast("float64") / src._posts_with_metrics,
            ibis.null("float64"),
        )
        value = src.posts_in_window if by == "posts" else per_post
    v = src.join(acc, [src.platform == acc.platform, src.handle == acc.handle]).select(
        src.platform, src.handle, acc.kind, value=value
    )
    v = v.filter(v.value.notnull())
    if by == "posts":
        v = v.filter(v.value > 0)
    v = v.mutate(rank=(ibis.rank().over(order_by=ibis.desc(v.value)) + 1).cast("int64"))
    v = v.filter(v.rank <= n)
    return v.select("rank", "platform", "handle", "kind", "value").order_by([ibis.desc("value"), "handle", "platform"])


def diplomats_vs_state_media(t: Tables, f: Filters) -> ir.Table:
    """Diplomatic accounts compared with state media.

    group: ``state media`` for kinds state_media and state_media_journalist, ``diplomatic`` for every
    other kind. accounts: tracked accounts; accounts_with_snapshot: those with a latest snapshot;
    median_followers and total_followers: over the accounts whose latest snapshot gives followers;
    posts_in_window: their posts in the window; posts_per_account: posts_in_window / accounts.
    A group with no account has no row.

    Columns: group, accounts, accounts_with_snapshot, median_followers, total_followers, posts_in_window,
    posts_per_account.
    """
    acc = tracked_accounts(t, f)
    snap = latest_snapshots(t, f)
    posts = _window_counts(t, f)
    a = acc.left_join(snap, [acc.platform == snap.platform, acc.handle == snap.handle]).select(
        acc.platform, acc.handle, acc.kind, snap.followers, snap.snapshot_at
    )
    a = a.left_join(posts, [a.platform == posts.platform, a.handle == posts.handle]).select(
        a, posts_in_window=posts.posts_in_window.fill_null(0)
    )
    g = a.mutate(group=ibis.ifelse(a.kind.isin(list(STATE_MEDIA_KINDS)), "state media", "diplomatic"))
    out = g.group_by("group").aggregate(
        accounts=g.count(),
        accounts_with_snapshot=g.snapshot_at.count(),
        median_followers=g.followers.median().cast("float64"),
        total_followers=g.followers.sum(),
        posts_in_window=g.posts_in_window.sum().cast("int64"),
    )
    out = out.mutate(posts_per_account=out.posts_in_window / out.accounts)
    return out.order_by("group")
