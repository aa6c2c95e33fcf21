"""The questions of the 2020 study that the subject modules did not answer yet: the most engaging
posts, the posts seen deleted (and, per account, whether deletions could be seen at all), and a
topic's share of the posts per month (COVID-19 by default).

Like every analysis they take ``(t, f, ...)`` and return an Ibis expression over the tracked
accounts' posts in the window; a value that cannot be known stays NULL, never 0. The report's first
section ("The study's questions") answers from their results and those of the other modules. See
docs/analyses/study.md.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import Filters, Tables, account_keys, memo, tracked_accounts, tracked_posts
from diplotrack.analyses.content import content_posts
from diplotrack.errors import InvalidValueError

METRICS = (("likes", "like_count"), ("reposts", "repost_count"), ("replies", "reply_count"), ("quotes", "quote_count"))
DEFAULT_TOPIC = "covid19"


def most_engaging_posts(t: Tables, f: Filters, n: int = 10) -> ir.Table:
    """The ``n`` posts of the tracked accounts with the most engagement (originals, replies and
    quotes: not reposts, whose counts are the reposted post's), ties by post id.

    engagement: likes + reposts + replies + quotes as the source gave them when the post was read
    (``metrics_observed_at``), the known ones summed; NULL when the source gave none (such a post
    is not ranked). likes, reposts, replies, quotes: each count, NULL where the source did not give
    it (rtweet exports have no reply or quote counts), never 0. posts_considered: the selection's
    posts that could be ranked (not reposts); posts_with_metrics: those with at least one count
    (the same on every row: the coverage of the ranking).

    Columns: rank, platform, handle, post_kind, created_at, engagement, likes, reposts, replies,
    quotes, metrics_observed_at, text, post_id, posts_considered, posts_with_metrics."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidValueError(f"n must be a whole number of posts, 0 or more, not {n!r}")
    p = tracked_posts(t, f)
    p = p.filter(p.kind != "repost")
    counts = {name: p[col] for name, col in METRICS}
    known = ibis.or_(*(c.notnull() for c in counts.values()))
    total = sum((c.fill_null(0) for c in list(counts.values())[1:]), list(counts.values())[0].fill_null(0))
    x = p.select(
        "platform",
        "post_id",
        "created_at",
        "metrics_observed_at",
        handle=p.roster_handle,
        post_kind=p.kind,
        engagement=ibis.ifelse(known, total, ibis.null("int64")),
        **counts,
    )
    cover = x.aggregate(posts_considered=x.count(), posts_with_metrics=x.engagement.count())
    top = x.filter(x.engagement.notnull()).order_by([ibis.desc("engagement"), "post_id"]).limit(n)
    texts = t.posts.select("platform", "post_id", "text")
    j = top.join(texts, ["platform", "post_id"]).cross_join(cover)
    j = j.mutate(rank=ibis.row_number().over(order_by=[ibis.desc(j.engagement), j.post_id]) + 1)
    cols = ["rank", "platform", "handle", "post_kind", "created_at", "engagement", *(m for m, _ in METRICS)]
    cols += ["metrics_observed_at", "text", "post_id", "posts_considered", "posts_with_metrics"]
    return j.select(*cols).order_by("rank")


def deleted_posts(t: Tables, f: Filters, n: int = 50) -> ir.Table:
    """The posts of the tracked accounts in the window that the store marks deleted
    (``posts.deleted_at``: a live collection looked for them again and the platform confirmed them
    gone), the ``n`` most recently deleted first (ties by post id).

    Columns: platform, handle, post_kind, created_at, deleted_at, text, post_id."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidValueError(f"n must be a whole number of posts, 0 or more, not {n!r}")
    p = tracked_posts(t, f)
    p = p.filter(p.deleted_at.notnull())
    x = p.select("platform", "post_id", "created_at", "deleted_at", handle=p.roster_handle, post_kind=p.kind)
    top = x.order_by([ibis.desc("deleted_at"), "post_id"]).limit(n)
    j = top.join(t.posts.select("platform", "post_id", "text"), ["platform", "post_id"])
    return j.select("platform", "handle", "post_kind", "created_at", "deleted_at", "text", "post_id").order_by(
        [ibis.desc("deleted_at"), "post_id"]
    )


def _table(t: Tables, name: str) -> ir.Table | None:
    """The store's table ``name``, or None where an older or bare store lacks it."""
    try:
        return t.backend.table(name)  # type: ignore[attr-defined, no-any-return]
    except ibis.common.exceptions.TableNotFound:
        return None


def _checked(t: Tables, f: Filters) -> ir.Table | None:
    """Per tracked account whose timeline a live collection has swept to the end at least once
    (``collection_cursors.last_complete_at``): platform, handle, last_checked_at. None when the
    store has no collection cursors table."""
    c = memo(t, "table:collection_cursors", lambda: _table(t, "collection_cursors"))
    if c is None:
        return None
    c = c.filter(c.last_complete_at.notnull())
    k = account_keys(t, f)
    j = c.join(k, [c.platform == k.platform, c.user_id == k.key]).select(k.platform, k.handle, c.last_complete_at)
    return j.group_by(["platform", "handle"]).aggregate(last_checked_at=j.last_complete_at.max())


def deletions_by_account(t: Tables, f: Filters) -> ir.Table:
    """Per tracked account: how many of its posts in the window the store marks deleted, and whether
    deletions could be seen at all.

    A deletion is seen only when a live collection (``diplotrack collect``) reads the account's
    timeline again and the post is gone; archives carry no deletions. checked: the account's
    timeline was swept to the end at least once (``collection_cursors.last_complete_at``; the
    latest such time is last_checked_at). deleted is NULL (unknown, not 0) for an account never
    checked that has no post marked deleted. (Its posts in the window: ``account_activity``; only
    the deleted ones are read here.)

    Columns: platform, handle, kind, deleted, last_deleted_at, checked, last_checked_at."""
    acc = tracked_accounts(t, f).select("platform", "handle", "kind")
    p = tracked_posts(t, f)
    p = p.filter(p.deleted_at.notnull())
    stats = p.group_by(platform=p.platform, handle=p.roster_handle).aggregate(
        _deleted=p.count(), last_deleted_at=p.deleted_at.max()
    )
    j = acc.left_join(stats, [acc.platform == stats.platform, acc.handle == stats.handle]).select(
        acc, stats._deleted, stats.last_deleted_at
    )
    chk = _checked(t, f)
    if chk is None:
        j = j.mutate(last_checked_at=ibis.null("timestamp"))
    else:
        j = j.left_join(chk, [j.platform == chk.platform, j.handle == chk.handle]).select(j, chk.last_checked_at)
    checked = j.last_checked_at.notnull()
    seen = j._deleted.fill_null(0).cast("int64")
    out = j.select(
        "platform",
        "handle",
        "kind",
        deleted=ibis.ifelse(checked | (seen > 0), seen, ibis.null("int64")),
        last_deleted_at=j.last_deleted_at,
        checked=checked,
        last_checked_at=j.last_checked_at,
    )
    return out.order_by([ibis.desc(out.deleted.fill_null(-1)), "platform", "handle"])


def topic_ids() -> tuple[str, ...]:
    """The topic ids of the bundled taxonomy (loaded once per process)."""
    from diplotrack.enrich.topics import load_taxonomy

    return tuple(tp.id for tp in load_taxonomy().topics)


def topic_trend(t: Tables, f: Filters, topic: str = DEFAULT_TOPIC) -> ir.Table:
    """Per month: the tracked accounts' posts, those enriched (their topics are known), those on
    ``topic`` (an id of the bundled taxonomy, ``enrich/data/topics.yaml``), and its share of the
    enriched posts (NULL when none of the month's posts is enriched). Reposts count as the
    reposting account's posts, with the reposted post's topics (as in ``content.topics``); posts
    without a time belong to no month.

    Columns: month, posts, posts_enriched, topic_posts, share."""
    ids = () if topic == DEFAULT_TOPIC else topic_ids()  # the default is the bundled taxonomy's (tested)
    if ids and topic not in ids:
        raise InvalidValueError(f"topic {topic!r} is not in the bundled taxonomy; choose one of: {', '.join(ids)}")
    x = content_posts(t, f)
    x = x.filter(x.month.notnull())
    g = x.group_by("month").aggregate(
        posts=x.count(),
        posts_enriched=x.topics.notnull().cast("int64").sum(),
        topic_posts=x.topics.contains(topic).fill_null(False).cast("int64").sum(),
    )
    share = ibis.ifelse(g.posts_enriched > 0, (g.topic_posts / g.posts_enriched).round(4), ibis.null("float64"))
    return g.mutate(share=share).order_by("month")
