"""The Hashtags, Topics and Links pages: what the selected accounts' posts carry, ranked, with a
monthly timeline of the leading items and how many accounts use each.

Counts are posts (a post counted once per item it carries; reposts count with the account that
reposted, as in the report's content section). They come from the rollups (``rollup_entities_day``
for hashtags and URLs, ``rollup_topics_day`` for topics) when those can answer the selection, and
from the posts with their entities and enrichment when a language, topic or tone filter selects
posts (the entity and topic rollups do not have those columns) or the rollups are not current.
Link domains are the enrichment's registered domains (``post_enrichment.domains``: no rollup holds
them), marked where an outlet of the bundled state-media list owns them (enrich/state_media.py). A
shortened link (t.co, bit.ly…) counts under the final domain ``diplotrack resolve-links`` found for
it; one whose destination is unknown counts under none, and the page says how many there are. The
URL ranking shows each URL's final URL and domain where it was resolved (``link_resolutions``).

Each ranking row links to the Posts page showing its posts (``hashtag:``, ``domain:`` and ``url:``
searches, or the topic filter). ``q`` on these pages keeps the items that contain it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from diplotrack.enrich.domains import link_domain
from diplotrack.enrich.state_media import load_state_media
from diplotrack.errors import UsageError
from diplotrack.serve.pages.base import Chart, Context, Page, Panel, Table, coverage_dict, page_frame
from diplotrack.serve.params import View
from diplotrack.serve.query import post_conditions, rollup_conditions, tracked_keys

TIMELINE_ITEMS = 8  # items drawn in a timeline (the chart's series)
MAX_ITEMS = 1000  # ranking rows kept for item types with very many values (URLs)


@dataclass(frozen=True)
class Kind:
    """One kind of item: its column name on the page, where its rows come from, how its posts are
    searched."""

    name: str  # hashtag, topic, domain, url
    rollup: str | None  # the rollup holding it (None: only the posts do)
    cap: int | None = None  # keep only the top ``cap`` items


HASHTAG = Kind("hashtag", "rollup_entities_day")
TOPIC = Kind("topic", "rollup_topics_day")
DOMAIN = Kind("domain", None)
URL = Kind("url", "rollup_entities_day", cap=MAX_ITEMS)


def _from_rollups(ctx: Context, kind: Kind) -> bool:
    return kind.rollup is not None and not ctx.view.post_filtered and ctx.reader.rollups_current()


def _source(ctx: Context, kind: Kind) -> tuple[str, dict[str, Any]]:
    """A query of (item, day, platform, handle, posts, first_at) rows for the view: per account and
    day from the rollups, else per post."""
    v = ctx.view
    keys, kp = tracked_keys(v)
    if _from_rollups(ctx, kind):
        where, wp = rollup_conditions(v)
        item, extra = ("r.topic", "") if kind is TOPIC else ("r.normalized", f"AND r.type = '{kind.name}'")
        return (
            f"""SELECT {item} AS item, r.day, k.platform, k.handle, r.posts, r.first_at
                FROM {kind.rollup} r JOIN {keys} k ON k.platform = r.platform AND k.key = r.author_id
                WHERE {where} {extra}""",
            {**kp, **wp},
        )
    where, wp = post_conditions(v)
    base = f"""FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
               LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id"""
    if kind in (HASHTAG, URL):
        sql = f"""SELECT DISTINCT x.normalized AS item, p.created_at::DATE AS day, k.platform, k.handle,
                         p.post_id, p.created_at
                  {base} JOIN post_entities x ON x.platform = p.platform AND x.post_id = p.post_id
                  WHERE {where} AND x.type = '{kind.name}'"""
    else:
        column = "e.topics" if kind is TOPIC else "e.domains"
        sql = f"""SELECT unnest(list_distinct({column})) AS item, p.created_at::DATE AS day, k.platform,
                         k.handle, p.post_id, p.created_at
                  {base} WHERE {where} AND {column} IS NOT NULL"""
    return (
        f"SELECT item, day, platform, handle, 1 AS posts, created_at AS first_at FROM ({sql}) WHERE item IS NOT NULL",
        {**kp, **wp},
    )


def _selected_posts(ctx: Context) -> int:
    """Posts of the selection (the denominator of the percentages)."""
    v = ctx.view
    keys, kp = tracked_keys(v)
    if not v.topics and ctx.reader.rollups_current():
        where, wp = rollup_conditions(v)
        sql = f"""SELECT sum(r.posts) FROM rollup_posts_day r
                  JOIN {keys} k ON k.platform = r.platform AND k.key = r.author_id WHERE {where}"""
    else:
        where, wp = post_conditions(v)
        sql = f"""SELECT count(*) FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
                  LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id WHERE {where}"""
    value = ctx.reader.memo(("entities.selected_posts", repr(_no_q(v))), lambda: ctx.reader.sql(sql, {**kp, **wp}))
    return 0 if pd.isna(value.iloc[0, 0]) else int(value.iloc[0, 0])


def ranking(ctx: Context, kind: Kind) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranking (item, posts, percent, accounts, first_post; the top ``cap`` where capped) and the
    monthly timeline (month, item, posts) of its ``TIMELINE_ITEMS`` leading items, cached per store
    generation and selection."""
    v = ctx.view

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        source, params = _source(ctx, kind)
        limit = f"LIMIT {int(kind.cap)}" if kind.cap else ""
        # one read of the source for both: the ranking, and the months of its leading items
        both = ctx.reader.sql(
            f"""WITH s AS MATERIALIZED ({source}),
                r AS (SELECT item, sum(posts)::BIGINT AS posts, min(first_at) AS first_post
                      FROM s GROUP BY item ORDER BY posts DESC, item {limit}),
                a AS (SELECT item, count(DISTINCT (platform, handle)) AS accounts
                      FROM s WHERE item IN (SELECT item FROM r) GROUP BY item),
                lead AS (SELECT item FROM r ORDER BY posts DESC, item LIMIT {TIMELINE_ITEMS}),
                t AS (SELECT date_trunc('month', day)::DATE AS month, item, sum(posts)::BIGINT AS posts
                      FROM s WHERE item IN (SELECT item FROM lead) GROUP BY ALL)
            SELECT 'rank' AS part, r.item, NULL::DATE AS month, r.posts, a.accounts, r.first_post
            FROM r JOIN a ON a.item = r.item
            UNION ALL SELECT 'month', item, month, posts, NULL, NULL FROM t""",
            params,
        )
        ranked = both[both["part"] == "rank"].drop(columns=["part", "month"])
        ranked = ranked.sort_values(["posts", "item"], ascending=[False, True]).reset_index(drop=True)
        ranked["accounts"] = ranked["accounts"].astype("int64")
        total = _selected_posts(ctx)
        # percent, not a share: a share of 0.0001 reads as 0 in a table
        ranked.insert(2, "percent", (100 * ranked["posts"] / total).round(2) if total else None)
        return ranked, _every_month(both[both["part"] == "month"][["month", "item", "posts"]])

    return ctx.reader.memo(("entities", kind.name, repr(_no_q(v))), build)


def _every_month(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline with a row (0 posts) for every month from the first to the last of each leading
    item, so a line does not bridge months without posts."""
    if timeline.empty:
        return timeline.assign(month=pd.Series(dtype=object))
    months = pd.to_datetime(timeline["month"])
    span = pd.date_range(months.min(), months.max(), freq="MS")
    full = pd.MultiIndex.from_product([span, sorted(timeline["item"].unique())], names=["month", "item"])
    out = timeline.assign(month=months).set_index(["month", "item"])["posts"].reindex(full, fill_value=0)
    out = out.reset_index().sort_values(["month", "item"]).reset_index(drop=True)
    return out.assign(month=out["month"].dt.date, posts=out["posts"].astype("int64"))


def _no_q(v: View) -> dict:
    d = v.describe()
    d.pop("q", None)
    return d


def _spellings(ctx: Context) -> dict[str, str]:
    """Each case-folded hashtag's most used spelling in the store (ties: the first in sort order)."""

    def build() -> dict[str, str]:
        df = ctx.reader.sql(
            """SELECT normalized, value, count(*) AS n FROM post_entities WHERE type = 'hashtag'
               GROUP BY ALL ORDER BY normalized, n DESC, value"""
        )
        return dict(df.drop_duplicates("normalized")[["normalized", "value"]].itertuples(index=False, name=None))

    return ctx.reader.memo(("hashtag.spellings",), build)  # type: ignore[no-any-return]


def _state_media(domain: object) -> tuple[bool, str, str, str]:
    """Whether the bundled state-media list names the domain's outlet, and its name, state and kind
    (empty text when it does not: not listed is not the same as unknown)."""
    outlet = load_state_media().by_domain(domain) if isinstance(domain, str) else None
    return (True, outlet.name, outlet.state, outlet.kind) if outlet is not None else (False, "", "", "")


def _posts_link(ctx: Context, **changes: str) -> str:
    return "/posts" + ctx.view.query(**changes)


def _searched(ctx: Context, df: pd.DataFrame, column: str) -> pd.DataFrame:
    if not ctx.view.q:
        return df
    return df[df[column].astype(str).str.casefold().str.contains(ctx.view.q.casefold(), regex=False)]


def _unresolved(ctx: Context) -> tuple[int, int]:
    """The selection's shortened links whose destination is unknown, and the posts carrying them."""
    v = ctx.view
    keys, kp = tracked_keys(v)
    where, wp = post_conditions(v)
    sql = f"""SELECT coalesce(sum(len(e.unresolved_links)), 0)::BIGINT AS links,
                     count(*) FILTER (WHERE len(e.unresolved_links) > 0) AS posts
              FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
              LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id WHERE {where}"""
    df = ctx.reader.memo(("entities.unresolved", repr(_no_q(v))), lambda: ctx.reader.sql(sql, {**kp, **wp}))
    return int(df["links"].iloc[0]), int(df["posts"].iloc[0])


def _resolutions(ctx: Context, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """``url`` -> (final_url, final_domain) of the URLs ``diplotrack resolve-links`` has cached."""
    if not urls:
        return {}
    sql = "SELECT url, final_url, final_domain FROM link_resolutions WHERE url IN (SELECT unnest($urls::VARCHAR[]))"
    df = ctx.reader.memo(("entities.resolutions", tuple(urls)), lambda: ctx.reader.sql(sql, {"urls": urls}))
    return {u: (fu, fd) for u, fu, fd in df.itertuples(index=False, name=None)}


def _notes(ctx: Context, kind: Kind) -> list[str]:
    notes = []
    if ctx.view.q:
        notes.append(f"Only the {kind.name}s containing {ctx.view.q!r}.")
    if kind.cap:
        notes.append(f"The {kind.cap:,} {kind.name}s with the most posts (sorting reorders these).")
        if ctx.view.q:
            notes.append(
                f"The search looks among those {kind.cap:,} only; any {kind.name} of the store is found on the "
                f"posts page with q={kind.name}:<the exact {kind.name}>."
            )
    if kind is DOMAIN:
        notes.append(
            "Link domains are registered domains found by the enrichment; state media are those of the bundled "
            "state-media list (an outlet's kind and state as it says). A shortened link (t.co, bit.ly…) counts "
            "under the domain it leads to once 'diplotrack resolve-links' has followed it; shorteners never rank."
        )
        links, posts = _unresolved(ctx)
        if links:
            notes.append(
                f"{links:,} link(s) in {posts:,} post(s) are on URL shorteners whose destination is unknown (not "
                "resolved yet, or dead or failing when followed): they count under no domain here; "
                "'diplotrack resolve-links' follows them."
            )
    return notes


def _ranking_panel(ctx: Context, kind: Kind, shape: Callable[[pd.DataFrame], pd.DataFrame], links: dict) -> Panel:
    ranked, _ = ranking(ctx, kind)
    df = shape(ranked.rename(columns={"item": kind.name}))
    df = _searched(ctx, df, kind.name)
    notes = _notes(ctx, kind)
    page, nxt = page_frame(df, ctx, key=[kind.name], default_sort="posts", default_desc=True)
    cov = coverage_dict(ctx.reader.coverage(ctx.view.filters, "posts"))
    return Panel(page, cov, next=nxt, notes=notes, links=links, total=len(df))


def _timeline_panel(ctx: Context, kind: Kind, title: str) -> Panel:
    _, timeline = ranking(ctx, kind)
    df = timeline.rename(columns={"item": kind.name})
    v = ctx.view
    if v.sort:  # sorted, not paged: the chart draws every row
        if v.sort not in df.columns:
            raise UsageError(f"_sort {v.sort!r} is not a column of this table; its columns: {', '.join(df.columns)}")
        df = df.sort_values([v.sort, "month", kind.name], ascending=[not v.sort_desc, True, True], kind="stable")
    cov = coverage_dict(ctx.reader.coverage(ctx.view.filters, "posts"))
    chart = Chart("line", "month", ("posts",), title, series=kind.name)
    notes = [f"The {TIMELINE_ITEMS} {kind.name}s with the most posts in the selection, per month."]
    return Panel(df, cov, chart=chart, notes=notes)


# -- the pages --------------------------------------------------------------------------------------


def _hashtags(ctx: Context) -> Panel:
    def shape(df: pd.DataFrame) -> pd.DataFrame:
        spell = _spellings(ctx)
        df = df.copy()
        df.insert(1, "spelling", [spell.get(h, h) for h in df["hashtag"]])
        return df

    links = {"hashtag": lambda r: _posts_link(ctx, q=f"hashtag:{r['hashtag']}")}
    return _ranking_panel(ctx, HASHTAG, shape, links)


def _topics(ctx: Context) -> Panel:
    links = {"topic": lambda r: _posts_link(ctx, topic=r["topic"])}
    return _ranking_panel(ctx, TOPIC, lambda df: df, links)


def _domains(ctx: Context) -> Panel:
    def shape(df: pd.DataFrame) -> pd.DataFrame:
        marks = [_state_media(d) for d in df["domain"]]
        return df.assign(
            state_media=[m[0] for m in marks],
            outlet=[m[1] for m in marks],
            outlet_state=[m[2] for m in marks],
            outlet_kind=[m[3] for m in marks],
        )

    links = {"domain": lambda r: _posts_link(ctx, q=f"domain:{r['domain']}")}
    return _ranking_panel(ctx, DOMAIN, shape, links)


def _urls(ctx: Context) -> Panel:
    def shape(df: pd.DataFrame) -> pd.DataFrame:
        # where resolve-links followed a URL: its final URL, and the domain it counts under (none for
        # a shortened link whose destination is unknown, as in the domain ranking)
        found = _resolutions(ctx, [str(u) for u in df["url"]])
        finals = [found.get(u, (None, None)) for u in df["url"]]
        domains = [link_domain(u, fd)[0] for u, (_, fd) in zip(df["url"], finals, strict=True)]
        marks = [_state_media(d) for d in domains]
        return df.assign(
            final_url=[fu for fu, _ in finals],
            domain=domains,
            state_media=[m[0] for m in marks],
            outlet=[m[1] for m in marks],
        )

    # the URL itself links out (http(s) only, render.safe_url); its post count links to the posts
    links = {"posts": lambda r: _posts_link(ctx, q=f"url:{r['url']}")}
    return _ranking_panel(ctx, URL, shape, links)


def _table(name: str, title: str, build: Callable[[Context], Panel], description: str) -> Table:
    return Table(name, title, build, description, post_filters=True)


PAGES = (
    Page(
        "hashtags",
        "/hashtags",
        "Hashtags",
        (
            _table(
                "hashtags",
                "Hashtags",
                _hashtags,
                "Hashtags by posts (case-folded; the spelling most used in the store), with the accounts using each.",
            ),
            _table(
                "timeline",
                "Leading hashtags per month",
                lambda c: _timeline_panel(c, HASHTAG, "Posts per month"),
                "Posts per month carrying each of the leading hashtags.",
            ),
        ),
        description="The hashtags the selected accounts use, ranked, and the leading ones over time.",
    ),
    Page(
        "topics",
        "/topics",
        "Topics",
        (
            _table(
                "topics",
                "Topics",
                _topics,
                "Topics (the bundled or the user's taxonomy) by posts, with the accounts posting on each.",
            ),
            _table(
                "timeline",
                "Leading topics per month",
                lambda c: _timeline_panel(c, TOPIC, "Posts per month"),
                "Posts per month on each of the leading topics.",
            ),
        ),
        description="What the selected accounts post about, ranked, and the leading topics over time.",
    ),
    Page(
        "links",
        "/links",
        "Links",
        (
            _table(
                "domains",
                "Link domains",
                _domains,
                "Registered domains the posts link, with state-media outlets marked.",
            ),
            _table(
                "urls",
                "Linked URLs",
                _urls,
                "The URLs the posts link (expanded where the archive gave it; followed to their final URL where "
                "'diplotrack resolve-links' did).",
            ),
            _table(
                "timeline",
                "Leading domains per month",
                lambda c: _timeline_panel(c, DOMAIN, "Posts per month"),
                "Posts per month linking each of the leading domains.",
            ),
        ),
        description="The sites the selected accounts link to, state media marked, and the leading ones over time.",
    ),
)
