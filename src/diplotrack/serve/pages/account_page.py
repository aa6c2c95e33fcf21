"""One tracked account's page (``/accounts/{platform}/{handle}``): profile and follower history,
renames and status events, posting activity, languages (and the host country's), topics, tone over
time with example posts and their cues, hashtags, whom it amplifies and who amplifies it, deleted
posts, and what is not known.

Every table reads only this account's rows: its roster keys (``user_key`` and
``handle:<lower handle>``) select its posts, snapshots and rollup rows, so a page costs a few
small queries whatever the size of the store. The view's window and post filters apply; its account
filters (kind, state, ...) select accounts, and this page shows one, so they do not.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pandas as pd

from diplotrack.analyses.base import Filters, roster_keys_sql
from diplotrack.analyses.content import host_languages
from diplotrack.analyses.coverage import Coverage
from diplotrack.serve.pages.base import (
    POST_FILTER_CAVEAT,
    Chart,
    Context,
    NotFound,
    Panel,
    account_url,
    coverage_dict,
    page_frame,
)
from diplotrack.serve.pages.overview import tone_shares
from diplotrack.serve.query import (
    account_keys_sql,
    author_in,
    memo_key,
    post_conditions,
    selected_posts,
    selected_topics,
)

TOP_PER_RELATION = 15
TONE_EXAMPLES = 5
DELETED_SHOWN = 200
ROSTER_FIELDS = ("platform", "handle", "name", "kind", "institutional", "state", "host_country", "host_city",
                 "organisation", "user_id", "source")  # fmt: skip


def account(ctx: Context) -> dict[str, Any]:
    """The roster entry of the page's account (NotFound when the roster has none)."""
    platform, handle = ctx.path_params.get("platform", ""), ctx.path_params.get("handle", "")

    def build() -> dict[str, Any] | None:
        df = ctx.reader.sql(
            """SELECT a.platform, a.handle, a.user_id, a.user_key, a.source, a.notes, t.name, t.kind,
                      t.institutional, t.state, t.host_country, t.host_city, t.organisation, t.person
               FROM accounts a JOIN actors t ON t.actor_id = a.actor_id
               WHERE lower(a.platform) = lower($platform) AND lower(a.handle) = lower($handle)
               ORDER BY a.handle = $handle DESC, a.handle LIMIT 1""",
            {"platform": platform, "handle": handle},
        )
        if df.empty:
            return None
        acc = df.astype(object).where(df.notna(), None).iloc[0].to_dict()
        keys = ctx.reader.sql(
            f"SELECT rk.key FROM ({roster_keys_sql()}) rk WHERE rk.platform = $p AND rk.handle = $h ORDER BY 1",
            {"p": acc["platform"], "h": acc["handle"]},
        )
        return {**acc, "keys": [str(k) for k in keys["key"]]}

    acc = ctx.reader.memo(("account", platform.lower(), handle.lower()), build)
    if acc is None:
        raise NotFound(f"no tracked account {handle!r} on {platform!r}")
    return acc


def _own(ctx: Context) -> tuple[Context, dict[str, Any], tuple[str, dict[str, Any]]]:
    """A context keeping only the view's window and post filters, the account, and its keys."""
    acc = account(ctx)
    f = Filters(start=ctx.view.filters.start, end=ctx.view.filters.end)
    own = Context(ctx.reader, replace(ctx.view, filters=f), ctx.path_params)
    return own, acc, account_keys_sql(acc["platform"], acc["handle"], acc["keys"])


def _memo(ctx: Context, name: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    acc = account(ctx)
    key = memo_key(ctx, f"account.{name}", acc["platform"], acc["handle"])
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}  # DuckDB refuses unused ones
    return ctx.reader.memo(key, lambda: ctx.reader.sql(sql, used))


def account_cov(basis: str, has: bool, acc: dict, start: Any = None, end: Any = None, caveats: tuple = ()) -> dict:
    """The coverage of a table of one account: 1 of 1 account, or 0 of 1 (it lacks the data)."""
    iso = [None if v is None or pd.isna(v) else pd.Timestamp(v).isoformat() for v in (start, end)]
    missing = () if has else (f"{acc['platform']}:{acc['handle']}",)
    return coverage_dict(Coverage(basis, int(has), 1, missing, iso[0], iso[1], tuple(caveats)))


def _snapshots(ctx: Context) -> pd.DataFrame:
    own, acc, (k_sql, kp) = _own(ctx)
    w, wp = _window(own, "observed_at", "s")
    sql = f"""SELECT s.observed_at, s.handle, s.display_name, s.followers, s.following, s.posts_count, s.status,
                     s.verified, s.created_at, s.location, s.description, s.user_id
              FROM profile_snapshots s WHERE s.platform = $a_platform AND s.user_id IN {author_in(kp)} AND {w}
              ORDER BY s.observed_at, starts_with(s.user_id, 'handle:'), s.user_id"""
    return _memo(own, "snapshots", sql, {**kp, **wp})


def profile(ctx: Context) -> Panel:
    """One row: the roster's fields, the creation date and the latest snapshot in the window."""
    _own_ctx, acc, _ = _own(ctx)
    snaps = _snapshots(ctx)
    created = snaps["created_at"].dropna()
    row = {k: acc.get(k) for k in ROSTER_FIELDS} | {"created_at": created.iloc[-1] if len(created) else None}
    last = snaps.tail(1).rename(columns={"observed_at": "snapshot_at"}).reset_index(drop=True)
    if last.empty:
        last = pd.DataFrame([dict.fromkeys(last.columns)])
    cols = ["display_name", "followers", "following", "posts_count", "status", "verified", "location", "description"]
    df = pd.concat([pd.DataFrame([row]), last[[*cols, "snapshot_at"]]], axis=1).assign(snapshots=len(snaps))
    cov = account_cov("snapshots", bool(len(snaps)), acc, snaps["observed_at"].min(), snaps["observed_at"].max())
    return Panel(df, cov, notes=["The roster's fields, then the latest profile snapshot in the window."])


def history(ctx: Context) -> Panel:
    _own_ctx, acc, _ = _own(ctx)
    snaps = _snapshots(ctx).drop(columns=["created_at"])
    cov = account_cov("snapshots", bool(len(snaps)), acc, snaps["observed_at"].min(), snaps["observed_at"].max())
    notes = [] if len(snaps) > 1 else ["Follower growth needs two snapshots or more."]
    chart = Chart("line", "observed_at", ("followers",), "Followers at each snapshot")
    return Panel(snaps, cov, chart=chart, notes=notes, total=len(snaps))


def events(ctx: Context) -> Panel:
    own, acc, (k_sql, kp) = _own(ctx)
    sql = f"""WITH s AS (
                SELECT observed_at, handle, status,
                       lag(handle) OVER w AS prev_handle, lag(status) OVER w AS prev_status
                FROM profile_snapshots WHERE platform = $a_platform AND user_id IN {author_in(kp)}
                WINDOW w AS (ORDER BY observed_at, user_id))
              SELECT observed_at, event, old_value, new_value, 'account_events' AS source FROM account_events
                WHERE platform = $a_platform AND user_id IN {author_in(kp)}
              UNION ALL SELECT observed_at, 'status', prev_status, status, 'profile snapshots' FROM s
                WHERE prev_status IS DISTINCT FROM status AND observed_at > (SELECT min(observed_at) FROM s)
              UNION ALL SELECT observed_at, 'rename', prev_handle, handle, 'profile snapshots' FROM s
                WHERE prev_handle IS DISTINCT FROM handle AND observed_at > (SELECT min(observed_at) FROM s)
              ORDER BY observed_at, event"""
    w, wp = _window(own, "observed_at", "x")
    df = _memo(own, "events", f"SELECT * FROM ({sql}) x WHERE {w} ORDER BY observed_at, event", {**kp, **wp})
    snaps = _snapshots(ctx)
    notes = ["Status events are seen only when the account was observed: a change is dated by the first "
             "snapshot or collection that showed it."]  # fmt: skip
    cov = account_cov("snapshots", bool(len(snaps)), acc, snaps["observed_at"].min(), snaps["observed_at"].max())
    return Panel(df, cov, notes=notes, total=len(df))


def _posts_cov(ctx: Context, acc: dict, stats: pd.DataFrame) -> dict:
    n = int(stats["posts"].sum()) if len(stats) else 0
    cav = () if n else ("No post by this account in the window, so nothing here can be measured.",)
    return account_cov("posts", n > 0, acc, stats["first_at"].min(), stats["last_at"].max(), cav)


def _grouped(ctx: Context) -> pd.DataFrame:
    """Its selected posts per month, post kind, language and tone label (one query, a small frame the
    activity, language and tone tables and the posts coverage are computed from): month, post_kind,
    lang_detected, tone_label, posts, deleted, first_at, last_at."""
    own, _acc, keys = _own(ctx)
    sp, params = selected_posts(own, keys)
    sql = f"""SELECT date_trunc('month', s.day)::DATE AS month, s.post_kind, s.lang_detected, s.tone_label,
                     sum(s.n)::BIGINT AS posts, sum(s.deleted)::BIGINT AS deleted, min(s.first_at) AS first_at,
                     max(s.last_at) AS last_at
              FROM {sp} s GROUP BY ALL"""
    return _memo(own, "grouped", sql, params)


def activity(ctx: Context) -> Panel:
    _own_ctx, acc, _ = _own(ctx)
    g = _grouped(ctx)
    m = g[g["month"].notna()]
    out = m.groupby("month").agg(posts=("posts", "sum"))
    for kind, col in (("original", "originals"), ("repost", "reposts"), ("reply", "replies"), ("quote", "quotes")):
        out[col] = m[m["post_kind"] == kind].groupby("month")["posts"].sum().reindex(out.index, fill_value=0)
    out["deleted"] = m.groupby("month")["deleted"].sum()
    rows = out.astype("int64").reset_index().sort_values("month", ignore_index=True)
    chart = Chart("line", "month", ("posts", "reposts"), "Posts per month")
    return Panel(rows, _posts_cov(ctx, acc, g), chart=chart, total=len(rows))


def languages(ctx: Context) -> Panel:
    _own_ctx, acc, _ = _own(ctx)
    g = _grouped(ctx)
    rows = g.groupby("lang_detected")["posts"].sum().rename_axis("language").reset_index()
    rows = rows.sort_values(["posts", "language"], ascending=[False, True], ignore_index=True)
    rows["share"] = (rows["posts"] / rows["posts"].sum()).round(4) if len(rows) else []
    host = (acc.get("host_country") or "").upper()
    langs = host_languages().get(host, ())
    rows["host_language"] = [lang in langs if langs else None for lang in rows["language"]]
    note = (
        f"Languages of the host country {host}: {', '.join(langs)}."
        if langs
        else "The host country's languages are unknown (no host country, or one GeoNames does not list)."
    )
    chart = Chart("bar", "language", ("posts",), "Posts per language")
    notes = [note, "Posts not yet enriched count as language 'und'."]
    return Panel(rows, _posts_cov(ctx, acc, g), chart=chart, notes=notes, total=len(rows))


def topics(ctx: Context) -> Panel:
    own, acc, keys = _own(ctx)
    st, params = selected_topics(own, keys)
    sql = f"SELECT s.topic, sum(s.n)::BIGINT AS posts FROM {st} s GROUP BY 1 ORDER BY posts DESC, s.topic"
    df = _memo(own, "topics", sql, params)
    chart = Chart("bar", "topic", ("posts",), "Posts per topic")
    notes = ["A post may carry several topics."]
    return Panel(df, _posts_cov(ctx, acc, _grouped(ctx)), chart=chart, notes=notes, total=len(df))


def tone(ctx: Context) -> Panel:
    _own_ctx, acc, _ = _own(ctx)
    g = _grouped(ctx)
    rows = tone_shares(g)
    chart = Chart("line", "month", ("confrontational_share", "conciliatory_share"), "Tone per month")
    notes = ["Shares of the month's posts that have a tone label (posts not enriched are left out)."]
    return Panel(rows, _posts_cov(ctx, acc, g), chart=chart, notes=notes, total=len(rows))


def tone_examples(ctx: Context) -> Panel:
    own, acc, (k_sql, kp) = _own(ctx)
    where, wp = post_conditions(own.view)
    # the scores first (narrow columns), then the texts and cues of the few posts chosen
    top = f"""SELECT p.post_id FROM posts p JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
              WHERE p.platform = $a_platform AND p.author_id IN {author_in(kp)} AND {where}
                AND p.kind <> 'repost' AND e.tone_score <> 0
              QUALIFY row_number() OVER (PARTITION BY e.tone_score > 0 ORDER BY abs(e.tone_score) DESC, p.post_id)
                      <= {TONE_EXAMPLES}"""
    sql = f"""WITH top AS ({top})
              SELECT CASE WHEN e.tone_score > 0 THEN 'confrontational' ELSE 'conciliatory' END AS side,
                     p.created_at, e.tone_label, e.tone_score, e.tone_cues, p.text, p.post_id
              FROM posts p JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
              WHERE p.platform = $a_platform AND p.author_id IN {author_in(kp)}
                AND p.post_id IN (SELECT post_id FROM top)
              ORDER BY side DESC, abs(e.tone_score) DESC, p.post_id"""
    df = _memo(own, "tone_examples", sql, {**kp, **wp})
    stats = _grouped(ctx)
    notes = [
        "The most confrontational and most conciliatory of its own posts (reposts left out), with the "
        "cues (words and phrases) that set the tone score."
    ]
    return Panel(df, _posts_cov(ctx, acc, stats), notes=notes, total=len(df))


def _caveat(ctx: Context) -> list[str]:
    return [POST_FILTER_CAVEAT] if ctx.view.post_filtered else []


def _window(own: Context, column: str, alias: str) -> tuple[str, dict[str, Any]]:
    """The view's window on a DATE ``column`` of a rollup (``alias``), as a condition."""
    f, conds, params = own.view.filters, ["true"], {}
    if f.start is not None:
        conds.append(f"{alias}.{column} >= $w_start")
        params["w_start"] = f.start.date()
    if f.end is not None:
        conds.append(f"{alias}.{column} < $w_end")
        params["w_end"] = f.end.date()
    return " AND ".join(conds), params


def _entities(ctx: Context) -> pd.DataFrame:
    """Its hashtags and mentions in the window, one query for both tables: type, normalized, own
    (not in a repost: its own words), posts, first_at. From the rollups, else the posts."""
    own, _acc, (_k, kp) = _own(ctx)
    if ctx.reader.rollups_current():
        w, wp = _window(own, "day", "r")
        sql = f"""SELECT r.type, r.normalized, r.kind <> 'repost' AS own, sum(r.posts)::BIGINT AS posts,
                         min(r.first_at) AS first_at
                  FROM rollup_entities_day r WHERE r.platform = $a_platform AND r.type IN ('hashtag', 'mention')
                    AND r.author_id IN {author_in(kp)} AND {w} GROUP BY ALL"""
    else:
        w, wp = post_conditions(replace(own.view, languages=(), topics=(), tones=()))
        sql = f"""SELECT e.type, e.normalized, p.kind <> 'repost' AS own, count(DISTINCT p.post_id) AS posts,
                         min(p.created_at) AS first_at
                  FROM posts p JOIN post_entities e ON e.platform = p.platform AND e.post_id = p.post_id
                  WHERE p.platform = $a_platform AND e.type IN ('hashtag', 'mention')
                    AND p.author_id IN {author_in(kp)} AND {w} GROUP BY ALL"""
    return _memo(own, "entities", sql, {**kp, **wp})


def hashtags(ctx: Context) -> Panel:
    _own_ctx, acc, _ = _own(ctx)
    e = _entities(ctx)
    tags = e[e["type"] == "hashtag"].groupby("normalized").agg(posts=("posts", "sum"), first_used=("first_at", "min"))
    tags = tags.rename_axis("hashtag").reset_index()
    rows, nxt = page_frame(tags, ctx, key=["hashtag"], default_sort="posts", default_desc=True)
    chart = Chart("bar", "hashtag", ("posts",), "Hashtags")
    return Panel(rows, _posts_cov(ctx, acc, _grouped(ctx)), chart=chart, notes=_caveat(ctx), total=len(tags), next=nxt)


def _refs(ctx: Context) -> str:
    """The references (platform, author_id, day, ref, target_author_id, posts): from the rollups, or
    from the posts when the rollups are not current."""
    if ctx.reader.rollups_current():
        return "(SELECT platform, author_id, day, ref, target_author_id, posts FROM rollup_refs_day)"
    return """(SELECT platform, author_id, day, ref, target_author_id, 1::BIGINT AS posts FROM (
                SELECT p.platform, p.author_id, p.created_at::DATE AS day, unnest(['repost', 'quote', 'reply']) AS ref,
                       unnest([p.reposted_author_id, p.quoted_author_id, p.replied_to_author_id]) AS target_author_id
                FROM posts p) WHERE target_author_id IS NOT NULL)"""


def _mentioned_by(ctx: Context) -> str:
    """Mentions in others' own words (platform, author_id, day, handle, posts), as ``_refs``."""
    if ctx.reader.rollups_current():
        return (
            "(SELECT platform, author_id, day, normalized AS handle, posts FROM rollup_entities_day "
            "WHERE type = 'mention' AND kind <> 'repost')"
        )
    return """(SELECT p.platform, p.author_id, p.created_at::DATE AS day, e.normalized AS handle,
                     count(DISTINCT p.post_id) AS posts
              FROM posts p JOIN post_entities e ON e.platform = p.platform AND e.post_id = p.post_id
              WHERE e.type = 'mention' AND p.kind <> 'repost' GROUP BY ALL)"""


def _roster_keys(ctx: Context) -> pd.DataFrame:
    """Every roster key (platform, key, handle, kind), kept per store generation."""
    return ctx.reader.memo(
        ("account.roster_keys",),
        lambda: ctx.reader.sql(f"SELECT platform, key, handle, kind FROM ({roster_keys_sql()}) rk"),
    )


def _named(ctx: Context, df: pd.DataFrame, id_col: str, handle_col: str, platform: str) -> pd.DataFrame:
    """Fill ``handle_col`` where unknown with the handle the store's posts give for ``id_col``."""
    ids = [i for i, h in zip(df[id_col], df[handle_col], strict=True) if h is None or pd.isna(h)]
    ids = [i for i in ids if isinstance(i, str) and not i.startswith("handle:")]
    if ids:
        names = ctx.reader.sql(
            """SELECT author_id, min(author_handle) AS h FROM posts
               WHERE platform = $pl AND list_contains($ids, author_id) AND author_handle IS NOT NULL GROUP BY 1""",
            {"pl": platform, "ids": ids},
        )
        found = dict(zip(names["author_id"], names["h"], strict=True))
        pairs = zip(df[id_col], df[handle_col], strict=True)
        df[handle_col] = [h if isinstance(h, str) else found.get(i) for i, h in pairs]
    df[handle_col] = [
        h if isinstance(h, str) else (i[7:] if isinstance(i, str) and i.startswith("handle:") else None)
        for i, h in zip(df[id_col], df[handle_col], strict=True)
    ]
    return df


def amplification(ctx: Context, outgoing: bool) -> Panel:
    own, acc, (_k, kp) = _own(ctx)
    refs = _refs(ctx)
    w, wp = _window(own, "day", "r")
    if outgoing:
        sql = f"""SELECT r.ref AS relation, r.target_author_id AS other_id, sum(r.posts)::BIGINT AS posts
                  FROM {refs} r WHERE r.platform = $a_platform AND r.author_id IN {author_in(kp)} AND {w}
                  GROUP BY 1, 2"""
        e = _entities(ctx)
        m = e[(e["type"] == "mention") & e["own"].astype(bool)].groupby("normalized")["posts"].sum()
        mentions = pd.DataFrame({"relation": "mention", "other_id": "handle:" + m.index.astype(str), "posts": m.values})
    else:
        sql = f"""SELECT r.ref AS relation, r.author_id AS other_id, sum(r.posts)::BIGINT AS posts
                  FROM {refs} r WHERE r.platform = $a_platform AND {w} AND r.target_author_id IN {author_in(kp)}
                  GROUP BY 1, 2
                  UNION ALL SELECT 'mention', r.author_id, sum(r.posts)::BIGINT FROM {_mentioned_by(ctx)} r
                  WHERE r.platform = $a_platform AND {w} AND r.handle = lower($a_handle) GROUP BY 1, 2"""
        mentions = None
    pairs = _memo(own, "amplifies" if outgoing else "amplified_by", sql, {**kp, **wp})
    if mentions is not None:
        pairs = pd.concat([pairs, mentions], ignore_index=True)
    pairs = pairs[~pairs["other_id"].isin(acc["keys"])]  # not itself
    pairs = pairs.sort_values(["relation", "posts", "other_id"], ascending=[True, False, True], ignore_index=True)
    pairs["rank"] = pairs.groupby("relation").cumcount() + 1
    top = pairs[pairs["rank"] <= TOP_PER_RELATION]
    rk = _roster_keys(ctx)
    rk = rk[rk["platform"] == acc["platform"]][["key", "handle", "kind"]]

    def named() -> pd.DataFrame:
        df = top.merge(rk, left_on="other_id", right_on="key", how="left").drop(columns=["key"])
        df["tracked"] = df["handle"].notna()
        df = _named(ctx, df, "other_id", "handle", acc["platform"])
        return df[["relation", "rank", "handle", "tracked", "kind", "posts", "other_id"]]

    df = ctx.reader.memo(memo_key(own, "account.amplification", acc["platform"], acc["handle"], outgoing), named)
    notes = [*_caveat(ctx), f"The top {TOP_PER_RELATION} accounts per relation (repost, quote, reply, mention)."]
    if not outgoing:
        notes.append("Only posts the store holds: amplifiers whose posts were never collected are not seen.")
    none = () if len(pairs) else ("No post the store holds amplifies it in the window.",)
    cov = _posts_cov(ctx, acc, _grouped(ctx)) if outgoing else account_cov("posts", len(pairs) > 0, acc, caveats=none)
    link = {"handle": lambda r: account_url(acc["platform"], r.get("handle")) if r.get("tracked") else None}
    return Panel(df.reset_index(drop=True), cov, notes=notes, total=len(pairs), links=link)


def deleted(ctx: Context) -> Panel:
    own, acc, (k_sql, kp) = _own(ctx)
    where, wp = post_conditions(replace(own.view, languages=(), topics=(), tones=()))
    mine = f"p.platform = $a_platform AND p.author_id IN {author_in(kp)} AND p.deleted_at IS NOT NULL AND {where}"
    # the narrow columns first: reading the texts of all its posts to find the few deleted costs more
    sql = f"""WITH d AS (SELECT p.post_id, count(*) OVER () AS _total FROM posts p WHERE {mine}
                         ORDER BY p.deleted_at DESC, p.post_id LIMIT {DELETED_SHOWN})
              SELECT p.created_at, p.deleted_at, p.kind, p.text, p.post_id, d._total
              FROM posts p JOIN d ON d.post_id = p.post_id WHERE {mine}
              ORDER BY p.deleted_at DESC, p.post_id"""
    counted = _memo(own, "deleted_n", f"SELECT count(*) AS n FROM posts p WHERE {mine}", {**kp, **wp})
    if int(counted["n"].iloc[0]):
        df = _memo(own, "deleted", sql, {**kp, **wp})
    else:  # most accounts: no deleted post, and no text to read
        df = pd.DataFrame(columns=["created_at", "deleted_at", "kind", "text", "post_id", "_total"])
    total = int(counted["n"].iloc[0])
    stats = _grouped(ctx)
    notes = [*_caveat(ctx), "A post is known to be deleted only when a later collection looked for it again."]
    if total > DELETED_SHOWN:
        notes.append(f"The {DELETED_SHOWN} most recently deleted of {total:,} are shown.")
    return Panel(df.drop(columns=["_total"]), _posts_cov(ctx, acc, stats), notes=notes, total=total)


def _facts(ctx: Context) -> dict[str, Any]:
    own, acc, (k_sql, kp) = _own(ctx)
    where, wp = post_conditions(replace(own.view, languages=(), topics=(), tones=()))
    sql = f"""SELECT count(*) AS all_posts, count(*) FILTER (WHERE {where}) AS posts,
                     count(e.post_id) FILTER (WHERE {where}) AS enriched,
                     count(*) FILTER (WHERE {where} AND (p.like_count IS NOT NULL OR p.repost_count IS NOT NULL
                        OR p.reply_count IS NOT NULL OR p.quote_count IS NOT NULL
                        OR p.view_count IS NOT NULL)) AS with_metrics
              FROM posts p LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
              WHERE p.platform = $a_platform AND p.author_id IN {author_in(kp)}"""
    if ctx.reader.rollups_current():  # the same counts from its rollup rows (enrichment always records a language)
        where, wp = _window(own, "day", "r")
        sql = f"""SELECT sum(r.posts) AS all_posts, sum(r.posts) FILTER (WHERE {where}) AS posts,
                         sum(r.posts) FILTER (WHERE {where} AND r.lang_detected IS NOT NULL) AS enriched,
                         sum(r.with_metrics) FILTER (WHERE {where}) AS with_metrics
                  FROM rollup_posts_day r WHERE r.platform = $a_platform AND r.author_id IN {author_in(kp)}"""
    row = _memo(own, "facts", sql, {**kp, **wp}).iloc[0].to_dict()
    return {k: 0 if v is None or pd.isna(v) else int(v) for k, v in row.items()}  # sums over no row are 0 posts


def unknown(ctx: Context) -> Panel:
    """What the store cannot say about this account in this window, one row per gap."""
    _own_ctx, acc, _ = _own(ctx)
    snaps, facts = _snapshots(ctx), _facts(ctx)
    gaps: list[tuple[str, str]] = []
    if not len(snaps):
        gaps.append(("profile", "No profile snapshot in the window: followers, status and profile history unknown."))
    elif len(snaps) < 2:
        gaps.append(("growth", "One profile snapshot only: follower growth cannot be computed."))
    if snaps["created_at"].dropna().empty:
        gaps.append(("creation date", "No snapshot gives the account's creation date."))
    if not acc.get("user_id"):
        gaps.append(("platform id", "The roster gives no platform user id: posts are matched by handle only, "
                     "so posts from before a rename may be missing."))  # fmt: skip
    if not acc.get("host_country"):
        gaps.append(("host country", "The roster gives no host country: host-language shares cannot be computed."))
    posts, all_posts = facts["posts"], facts["all_posts"]
    if all_posts == 0:
        gaps.append(("posts", "The store holds no post of this account: its timeline may never have been collected."))
    elif posts == 0:
        gaps.append(("posts", f"No post in the window ({all_posts:,} outside it)."))
    if posts and facts["enriched"] < posts:
        gaps.append(("enrichment", f"{posts - facts['enriched']:,} of {posts:,} posts in the window are not "
                     "enriched: their language, topics and tone are unknown."))  # fmt: skip
    if posts and facts["with_metrics"] < posts:
        gaps.append(("engagement", f"{posts - facts['with_metrics']:,} of {posts:,} posts in the window carry "
                     "no engagement counts."))  # fmt: skip
    gaps.append(("deletions", "Deleted posts are known only where a later collection looked for them again."))
    gaps.append(("amplifiers", "Who amplifies the account is seen only in the posts the store holds."))
    df = pd.DataFrame(gaps, columns=["gap", "detail"])
    return Panel(df, None, total=len(df))
