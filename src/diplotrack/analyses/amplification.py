"""Amplification: whom the tracked accounts repost, quote, reply to and mention, which kinds of
accounts their reposts point to, and who amplifies them.

A post *references* an account through ``reposted_author_id`` (relation ``repost``),
``quoted_author_id`` (``quote``), ``replied_to_author_id`` (``reply``) and its ``mention`` entities
(``post_entities`` of type ``mention``; the key is ``handle:<normalized handle>``). Mentions are
taken from the post's own text only, so not from reposts (whose text is the reposted post's). One
post counts once per referenced account: when it references the same account in several ways, the
first of repost, quote, reply, mention names the relation (a reply's leading ``@handle`` is not also a
mention). References to the account itself (a thread of self-replies) are left out.

Referenced accounts are matched to the whole roster (not only the filtered accounts) through both
their keys: the platform user id and the handle placeholder. See docs/analyses/amplification.md.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from diplotrack.analyses import amplification_rollups
from diplotrack.analyses.base import (
    Filters,
    Tables,
    account_keys,
    cached,
    materialize,
    roster_keys,
    tracked_accounts,
    tracked_posts,
    use_rollups,
    window_posts,
)
from diplotrack.analyses.query import MINISTRY_KINDS, MISSION_KINDS, STATE_MEDIA_KINDS

RELATIONS = ("repost", "quote", "reply", "mention")


def _nullable(x: ir.Table) -> ir.Table:
    """``x`` with every column nullable (set operations need equal schemas, nullability included)."""
    return x.select(**{c: x[c].cast(x[c].type().copy(nullable=True)) for c in x.columns})


def _reference_rows(t: Tables, posts: ir.Table, carry: tuple[str, ...] = ()) -> ir.Table:
    """Every (post, relation, target key) of ``posts``, before ``references`` keeps one relation per
    referenced account: reposted, quoted and replied-to authors, and the own mentions of posts that
    are not reposts (a mention that is twice in a post's entities gives two rows). Targets are
    resolved against the whole roster.

    Columns: platform, post_id, *carry, relation, _prio (0 repost … 3 mention), target_key,
    target_roster_handle (NULL when the target is not tracked), target_kind.
    """
    p = posts
    names = ["platform", "post_id", *carry]
    parts = []
    for prio, (relation, col) in enumerate(
        (("repost", "reposted_author_id"), ("quote", "quoted_author_id"), ("reply", "replied_to_author_id"))
    ):
        q = p.filter(p[col].notnull())
        parts.append(
            q.select(
                *(q[c] for c in names),
                relation=ibis.literal(relation, type="string"),
                _prio=ibis.literal(prio, type="int8"),
                target_key=q[col],
            )
        )
    e = t.post_entities
    e = e.filter((e.type == "mention") & e.normalized.notnull())
    own = p.filter(p.kind != "repost")
    m = own.join(e, [own.platform == e.platform, own.post_id == e.post_id])
    parts.append(
        m.select(
            *(own[c] for c in names),
            relation=ibis.literal("mention", type="string"),
            _prio=ibis.literal(3, type="int8"),
            target_key=ibis.literal("handle:") + e.normalized,
        )
    )
    u = _nullable(parts[0])
    for part in parts[1:]:
        u = u.union(_nullable(part))
    r = roster_keys(t)
    return u.left_join(r, [u.platform == r.platform, u.target_key == r.key]).select(
        u, target_roster_handle=r.handle, target_kind=r.kind
    )


def references(t: Tables, posts: ir.Table, carry: tuple[str, ...] = ()) -> ir.Table:
    """The accounts each of ``posts`` references, one row per (post, referenced account).

    ``posts`` has the ``posts`` table's columns (plus any in ``carry``, copied through). Targets are
    resolved against the whole roster; a post referencing one account in several ways keeps the first
    of repost, quote, reply, mention. Mentions come from posts that are not reposts.

    Columns: platform, post_id, *carry, relation, target_key, target_roster_handle (NULL when the
    target is not tracked), target_kind (its roster kind, else NULL).
    """
    return _one_per_account(_reference_rows(t, posts, carry), carry)


def _one_per_account(j: ir.Table, carry: tuple[str, ...] = ()) -> ir.Table:
    """``_reference_rows`` reduced to one row per (post, referenced account): the first relation by
    priority, then the smallest key (the rule ``references`` states)."""
    ident = j.target_roster_handle.isnull().ifelse(j.target_key, ibis.literal("roster:") + j.target_roster_handle)
    # one row per (post, referenced account): the first relation by priority, then by key. A hash
    # aggregate (argmin over "priority + key") instead of a sorted window: this is the hot spot of
    # the amplification analyses on large stores.
    j = j.mutate(_ident=ident, _order=j._prio.cast("string") + j.target_key)
    keys = [j.platform, j.post_id, *(j[c] for c in carry), j._ident, j.target_roster_handle, j.target_kind]
    g = j.group_by(keys).aggregate(relation=j.relation.argmin(j._order), target_key=j.target_key.argmin(j._order))
    return g.select("platform", "post_id", *carry, "relation", "target_key", "target_roster_handle", "target_kind")


_CARRY = ("author_id", "author_handle", "created_at")


def window_references(t: Tables, f: Filters) -> ir.Table:
    """``references`` of every post in the window (by any author), carrying the author's id and
    handle and the post time. Both amplification rankings read it; ``materialize_references``
    computes it once for a run of several analyses (the report).

    Columns: platform, post_id, author_id, author_handle, created_at, relation, target_key,
    target_roster_handle, target_kind.
    """
    hit = cached(t, "references", f)
    if hit is not None:
        return hit
    return references(t, window_posts(t, f), carry=_CARRY)


def materialize_references(t: Tables, f: Filters) -> ir.Table:
    """Compute the roster keys and ``window_references`` once into temporary tables that later
    calls with the same filters read instead of recomputing them."""
    materialize(t, "roster_keys", None, roster_keys(t))
    return materialize(t, "references", f, window_references(t, f))


def _known_handles(t: Tables, keys: ir.Table) -> ir.Table:
    """For each (platform, target_key) of ``keys``: a handle the store knows for that user id, from
    the latest profile snapshot that gives one, else from the author's latest post.

    Columns: platform, target_key, known_handle.
    """
    s = t.profile_snapshots
    s = s.filter(s.handle.notnull())
    s = s.semi_join(keys, [s.platform == keys.platform, s.user_id == keys.target_key])
    from_snap = s.select(s.platform, target_key=s.user_id, known_handle=s.handle, _src=0, _at=s.observed_at)
    p = t.posts
    p = p.filter(p.author_handle.notnull())
    p = p.semi_join(keys, [p.platform == keys.platform, p.author_id == keys.target_key])
    from_posts = p.select(p.platform, target_key=p.author_id, known_handle=p.author_handle, _src=1, _at=p.created_at)
    u = from_snap.union(from_posts)
    w = ibis.window(group_by=[u.platform, u.target_key], order_by=[u._src, ibis.desc(u._at), u.known_handle])
    u = u.mutate(_rn=ibis.row_number().over(w))
    return u.filter(u._rn == 0).select("platform", "target_key", "known_handle")


def _per_target(c: ir.Table, weighted: bool) -> ir.Table:
    """Rows of (platform, handle, relation, target_key, target_roster_handle, target_kind[, count])
    summed per (source, relation, referenced account): self-references left out, a tracked target's
    two keys one account (the smaller key shown). ``weighted``: sum ``count``, else count the rows.

    Columns: platform, handle, relation, _ident, target_key, target_roster_handle, target_kind, count.
    """
    c = c.filter(c.target_roster_handle.isnull() | (c.target_roster_handle != c.handle))
    c = c.mutate(
        _ident=c.target_roster_handle.isnull().ifelse(c.target_key, ibis.literal("roster:") + c.target_roster_handle)
    )
    return c.group_by(["platform", "handle", "relation", "_ident"]).aggregate(
        target_key=c.target_key.min(),
        target_roster_handle=c.target_roster_handle.max(),
        target_kind=c.target_kind.max(),
        count=(c["count"].sum() if weighted else c.count()).cast("int64"),
    )


def _source_targets_posts(t: Tables, f: Filters) -> ir.Table:
    """``_per_target`` of the tracked (filtered) accounts' window posts, from ``window_references``
    (one row per post and referenced account, so a count is exact)."""
    refs = window_references(t, f)
    k = account_keys(t, f)
    refs = refs.join(k, [refs.platform == k.platform, refs.author_id == k.key]).select(refs, handle=k.handle)
    return _per_target(refs, weighted=False)


def _source_targets_rollup(t: Tables, f: Filters) -> ir.Table:
    """``_source_targets_posts`` from the rollups: their per-relation counts corrected with the posts
    that may reference one account in several ways (amplification_rollups.source_counts)."""
    counts = amplification_rollups.source_counts(t, f, _reference_rows, _one_per_account)
    rk = roster_keys(t)
    c = counts.left_join(rk, [counts.platform == rk.platform, counts.target_key == rk.key]).select(
        counts, target_roster_handle=rk.handle, target_kind=rk.kind
    )
    return _per_target(c, weighted=True)


def amplified_accounts(t: Tables, f: Filters, n: int = 10) -> ir.Table:
    """Whom each tracked account reposts, quotes, replies to and mentions most, in the window.

    For each tracked account (the source) and relation: the referenced accounts with the number of
    the source's window posts referencing them (``references``), ranked within (source, relation) by
    that count (minimum rank: ties share a rank); ranks up to ``n`` are kept (so ties at the
    ``n``-th place are all kept).

    target_key: ``reposted_author_id`` / ``quoted_author_id`` / ``replied_to_author_id``, or
    ``handle:<normalized>`` for a mention (for a tracked target referenced under both its keys, the
    smaller key). target_handle: the roster handle when the target is tracked, else the handle the
    store knows for that user id (latest profile snapshot, else the author's latest post), else the
    key. target_tracked: whether the target is in the roster (whole roster, whatever the filters);
    target_kind: its roster kind (NULL when untracked).

    Columns: platform, handle, relation, target_key, target_handle, target_tracked, target_kind,
    count, rank. Ordered by platform, handle, relation, rank, target_handle.

    Counted from the rollups (``_source_targets_rollup``) when they can answer ``f`` and the window's
    references are not already computed (``materialize_references``, which the report runs for
    ``amplifiers_of``): then reading those is as fast or faster (docs/analyses/amplification.md).
    """
    # the rollups only when the window's references are not computed already: a run that computes them
    # for amplifiers_of (the report) reads them faster than the rollups plus their correction
    rollup = use_rollups(t, f) and cached(t, "references", f) is None
    agg = _source_targets_rollup(t, f) if rollup else _source_targets_posts(t, f)
    agg = agg.mutate(
        rank=(
            ibis.rank().over(group_by=[agg.platform, agg.handle, agg.relation], order_by=ibis.desc(agg["count"])) + 1
        ).cast("int64")
    )
    agg = agg.filter(agg["rank"] <= n)
    untracked = agg.filter(agg.target_roster_handle.isnull()).select("platform", "target_key").distinct()
    known = _known_handles(t, untracked)
    j = agg.left_join(known, [agg.platform == known.platform, agg.target_key == known.target_key]).select(
        agg, known.known_handle
    )
    out = j.select(
        j.platform,
        j.handle,
        j.relation,
        j.target_key,
        target_handle=ibis.coalesce(j.target_roster_handle, j.known_handle, j.target_key),
        target_tracked=j.target_roster_handle.notnull(),
        target_kind=j.target_kind,
        count=j["count"],
        rank=j["rank"],
    )
    order = out.relation.cases(*((r, i) for i, r in enumerate(RELATIONS)), else_=len(RELATIONS))
    return out.order_by([out.platform, out.handle, order, out["rank"], out.target_handle])


def repost_targets_by_kind(t: Tables, f: Filters) -> ir.Table:
    """Per tracked account: where its reposts in the window point, by the reposted account's roster kind.

    reposts: its posts of kind ``repost`` in the window. Each repost's ``reposted_author_id`` is
    matched to the whole roster through both keys (platform id and handle placeholder):
    to_state_media (kinds state_media, state_media_journalist), to_ministry (ministry, spokesperson),
    to_missions (embassy, consulate, mission, ambassador, consul_general, diplomat), to_other_tracked
    (kind other), to_untracked (reposted author not in the roster, or not known). Reposts of the
    account's own posts count under its own kind. The share_* columns divide by reposts (NULL when
    the account has no reposts). Every tracked account has a row.

    Columns: platform, handle, kind, reposts, to_state_media, to_ministry, to_missions,
    to_other_tracked, to_untracked, share_state_media, share_ministry, share_missions,
    share_other_tracked, share_untracked.
    """
    acc = tracked_accounts(t, f)
    p = tracked_posts(t, f)
    p = p.filter(p.kind == "repost")
    r = roster_keys(t)
    j = p.left_join(r, [p.platform == r.platform, p.reposted_author_id == r.key]).select(
        p.platform, handle=p.roster_handle, target_kind=r.kind, tracked=r.key.notnull()
    )
    counts = j.group_by(["platform", "handle"]).aggregate(
        reposts=j.count(),
        to_state_media=j.target_kind.isin(list(STATE_MEDIA_KINDS)).sum(),
        to_ministry=j.target_kind.isin(list(MINISTRY_KINDS)).sum(),
        to_missions=j.target_kind.isin(list(MISSION_KINDS)).sum(),
        to_other_tracked=(j.tracked & ~j.target_kind.isin([*STATE_MEDIA_KINDS, *MINISTRY_KINDS, *MISSION_KINDS]))
        .fill_null(False)
        .sum(),
        to_untracked=(~j.tracked).sum(),
    )
    names = ("reposts", "to_state_media", "to_ministry", "to_missions", "to_other_tracked", "to_untracked")
    a = acc.left_join(counts, [acc.platform == counts.platform, acc.handle == counts.handle]).select(
        acc.platform, acc.handle, acc.kind, **{c: counts[c].fill_null(0).cast("int64") for c in names}
    )
    shares = {
        "share_" + c.removeprefix("to_"): ibis.ifelse(a.reposts > 0, a[c] / a.reposts, ibis.null("float64"))
        for c in names[1:]
    }
    out = a.mutate(**shares)
    return out.order_by([out.platform, out.handle])


def amplifiers_of(t: Tables, f: Filters, n: int = 10) -> ir.Table:
    """Who amplifies the tracked accounts: posts in the window by any author (tracked or not) that
    repost, quote, reply to or mention a tracked account (``references``; the filters select the
    tracked targets, the platforms filter also the posts).

    For each target and amplifier (an author, by ``author_id``; a tracked author by its roster
    account) and relation: the number of posts. amplifier: the roster handle when the author is
    tracked, else the author's handle on its latest window post, else its ``author_id``. Rows are
    ranked within each target by count (minimum rank, all relations together); ranks up to ``n`` are
    kept. An account's references to itself are left out.

    Columns: platform, target_handle, target_kind, amplifier, amplifier_id (``author_id``),
    amplifier_tracked, relation, count, rank. Ordered by platform, target_handle, rank, amplifier,
    relation.
    """
    refs = window_references(t, f)
    targets = tracked_accounts(t, f).select("platform", "handle")
    refs = refs.semi_join(targets, [refs.platform == targets.platform, refs.target_roster_handle == targets.handle])
    r = roster_keys(t)
    j = refs.left_join(r, [refs.platform == r.platform, refs.author_id == r.key]).select(
        refs, amplifier_roster_handle=r.handle
    )
    j = j.filter(j.amplifier_roster_handle.isnull() | (j.amplifier_roster_handle != j.target_roster_handle))
    j = j.mutate(
        _amp=j.amplifier_roster_handle.isnull().ifelse(j.author_id, ibis.literal("roster:") + j.amplifier_roster_handle)
    )
    agg = j.group_by(
        platform=j.platform, target_handle=j.target_roster_handle, _amp=j._amp, relation=j.relation
    ).aggregate(
        target_kind=j.target_kind.max(),
        amplifier_roster_handle=j.amplifier_roster_handle.max(),
        amplifier_id=j.author_id.min(),
        _handle=j.author_handle.argmax(j.created_at),
        count=j.count().cast("int64"),  # one row per (post, target): a count is exact
    )
    agg = agg.mutate(
        rank=(ibis.rank().over(group_by=[agg.platform, agg.target_handle], order_by=ibis.desc(agg["count"])) + 1).cast(
            "int64"
        )
    )
    agg = agg.filter(agg["rank"] <= n)
    out = agg.select(
        agg.platform,
        agg.target_handle,
        agg.target_kind,
        amplifier=ibis.coalesce(agg.amplifier_roster_handle, agg._handle, agg.amplifier_id),
        amplifier_id=agg.amplifier_id,
        amplifier_tracked=agg.amplifier_roster_handle.notnull(),
        relation=agg.relation,
        count=agg["count"],
        rank=agg["rank"],
    )
    return out.order_by([out.platform, out.target_handle, out["rank"], out.amplifier, out.relation])
