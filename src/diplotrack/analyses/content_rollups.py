"""The content analyses' inputs read from the store's rollups (store/rollups.py) instead of the
tracked posts joined to their enrichment (``content.content_posts``), for the selections
``base.use_rollups`` accepts. ``content`` chooses between the two; the analyses themselves are
written once, over either input, counting a rollup row as its ``posts``.

What the rollups can answer: counts of posts per account, roster kind, month, post kind, detected
language and tone label (``rollup_posts_day``) and per topic (``rollup_topics_day``). What they
cannot, so those analyses keep the posts: per-post values (tone scores and their means, the
state-media references, link domains, terms, texts, example posts), and the original spelling of
an entity (``rollup_entities_day`` keeps only the normalized value, counted once per post).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import Filters, Tables, memo
from diplotrack.analyses.rollup_rows import tracked_rollup


def content_days(t: Tables, f: Filters) -> ir.Table:
    """The tracked accounts' ``rollup_posts_day`` rows in the window, with the columns of
    ``content_posts`` that the counting analyses group by; ``posts`` counts the posts a row stands
    for. Posts not yet enriched have language ``und`` and no tone label, as in ``content_posts``.

    Columns: platform, handle, actor_id, kind (roster kind of the author), host_country, month,
    post_kind, lang, lang_detected, tone_label, posts.
    """
    return memo(t, f"content_days:{f!r}", lambda: _content_days(t, f))


def _content_days(t: Tables, f: Filters) -> ir.Table:
    r = tracked_rollup(t, f, "rollup_posts_day")
    return r.select(
        platform=r.platform,
        handle=r.handle,
        actor_id=r.actor_id,
        kind=r.roster_kind,
        host_country=r.host_country,
        month=r.day.truncate("M"),
        post_kind=r.kind,
        lang=r.lang,
        lang_detected=r.lang_detected.fill_null("und"),
        tone_label=r.tone_label,
        posts=r.posts,
    )


def topic_days(t: Tables, f: Filters) -> ir.Table:
    """The tracked accounts' ``rollup_topics_day`` rows in the window (a post counted once per topic
    it carries, as ``unnest(topics)`` does: the enricher stores each post's topics as a set).

    Columns: handle, kind (roster kind), month, topic, posts.
    """
    r = tracked_rollup(t, f, "rollup_topics_day")
    return r.select(handle=r.handle, kind=r.roster_kind, month=r.day.truncate("M"), topic=r.topic, posts=r.posts)


def count_posts(x: ir.Table, weighted: bool) -> ir.IntegerScalar:
    """The posts a table of posts (one row each) or of rollup rows (``posts`` each) stands for."""
    return x.posts.sum().fill_null(0).cast("int64") if weighted else x.count()


def top_value(x: ir.Table, keys: list[str], what: str, weighted: bool) -> ir.Table:
    """Per ``keys`` group, the value of ``what`` with the most posts (ties: the first in sort
    order), as ``top_<what>``: the same answer from posts and from rollup rows, where ``mode()``
    would break ties as the rows happen to arrive."""
    g = x.group_by([*keys, what]).aggregate(_n=count_posts(x, weighted))
    g = g.mutate(_r=ibis.row_number().over(group_by=keys, order_by=[ibis.desc(g._n), g[what]]))
    return g.filter(g._r == 0).select(*keys, **{f"top_{what}": g[what]})
