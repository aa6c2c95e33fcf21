"""The amplification analyses read from the store's rollups (store/rollups.py), for selections
``base.use_rollups`` accepts (current rollups, a day-aligned window): then "``created_at`` in
[start, end)" is exactly "``day`` in [start's day, end's day)", and a post without a time (``day``
NULL) counts only when the window is unbounded, as in the base tables.

``rollup_refs_day`` counts posts per (author, day, reference, target author) and
``rollup_entities_day`` posts per (author, day, post kind, mention), one relation at a time. The
base path (``amplification.references``) counts a post once per referenced *account*: a post that
references one account in several ways (a reply to ``200`` that also mentions ``@MinB``, the
account whose user id is ``200``) keeps only the first relation. The rollups cannot see that, so
the rollup path takes their per-relation counts and corrects them with the posts that may
reference an account twice (``_multi_reference_posts``: those with two reference columns, or a
reference column and their own mentions), read from the base tables: for those posts it removes
their per-relation rows and adds their ``references`` instead. The result is the base path's, row
for row (tests/analyses/test_rollup_equivalence.py compares the whole report both ways).
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import Filters, Tables, account_keys, materialize, tracked_posts
from diplotrack.analyses.rollup_rows import window_rows


def nullable(x: ir.Table) -> ir.Table:
    """``x`` with every column nullable (set operations need equal schemas, nullability included)."""
    return x.select(**{c: x[c].cast(x[c].type().copy(nullable=True)) for c in x.columns})


def relation_counts(t: Tables, f: Filters) -> ir.Table:
    """Posts in the window per (platform, author_id, relation, target_key), one relation at a time:
    reposts, quotes and replies from ``rollup_refs_day``, mentions (``handle:<normalized>``, posts
    that are not reposts) from ``rollup_entities_day``. A post referencing one account in several
    ways counts under each (see the module docstring).

    Columns: platform, author_id, relation, target_key, posts (int64).
    """
    refs = window_rows(t, f, "rollup_refs_day")
    refs = refs.select(
        refs.platform, refs.author_id, relation=refs.ref, target_key=refs.target_author_id, posts=refs.posts
    )
    e = window_rows(t, f, "rollup_entities_day")
    e = e.filter((e.type == "mention") & e.normalized.notnull() & (e.kind != "repost"))
    mentions = e.select(
        e.platform,
        e.author_id,
        relation=ibis.literal("mention", type="string"),
        target_key=ibis.literal("handle:") + e.normalized,
        posts=e.posts,
    )
    u = nullable(refs).union(nullable(mentions), distinct=False)
    return u.mutate(posts=u.posts.cast("int64"))


def _multi_reference_posts(t: Tables, f: Filters) -> ir.Table:
    """The tracked accounts' window posts that may reference one account in several ways: two or
    more of ``reposted/quoted/replied_to_author_id``, or one of them on a post that is not a repost
    (whose own mentions count). A superset of the posts ``references`` deduplicates: any post left
    in adds as much as it takes away."""
    p = tracked_posts(t, f)
    cols = ("reposted_author_id", "quoted_author_id", "replied_to_author_id")
    n = sum(p[c].notnull().cast("int8") for c in cols)
    p = p.filter((n >= 2) | ((n >= 1) & (p.kind != "repost")))
    # a temporary table: each relation and the mentions read these posts (a few percent of the window)
    return materialize(t, "multi_reference_posts", f, p.select("platform", "post_id", "roster_handle", "kind", *cols))


def source_counts(
    t: Tables,
    f: Filters,
    reference_rows: Callable[..., ir.Table],
    one_per_account: Callable[..., ir.Table],
) -> ir.Table:
    """For each tracked (filtered) account: the posts in the window referencing each target key by
    each relation, counted as ``amplification.references`` counts them (one relation per post and
    account).

    ``reference_rows`` and ``one_per_account`` are ``amplification._reference_rows`` and
    ``amplification._one_per_account`` (passed in: that module imports this one).
    Columns: platform, handle, relation, target_key, count (int64, > 0).
    """
    k = account_keys(t, f)
    c = relation_counts(t, f)
    c = c.join(k, [c.platform == k.platform, c.author_id == k.key]).select(
        c.platform, handle=k.handle, relation=c.relation, target_key=c.target_key, count=c.posts
    )
    m = _multi_reference_posts(t, f)
    # what the rollups counted for these posts: one row per (post, relation, target key)
    rows = reference_rows(t, m, carry=("roster_handle",))
    raw = rows.select("platform", "post_id", "roster_handle", "relation", "target_key").distinct()
    taken = raw.group_by([raw.platform, raw.roster_handle, raw.relation, raw.target_key]).aggregate(
        count=-raw.count().cast("int64")
    )
    kept = one_per_account(rows, carry=("roster_handle",))
    added = kept.group_by([kept.platform, kept.roster_handle, kept.relation, kept.target_key]).aggregate(
        count=kept.count().cast("int64")
    )
    fix = nullable(taken).union(nullable(added), distinct=False).rename(handle="roster_handle")
    u = nullable(c).union(nullable(fix.select(*c.columns)), distinct=False)
    g = u.group_by(["platform", "handle", "relation", "target_key"]).aggregate(count=u["count"].sum().cast("int64"))
    return g.filter(g["count"] > 0)
