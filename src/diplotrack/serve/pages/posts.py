"""The Posts page: search the tracked accounts' posts, newest first, with facets and provenance.

``q`` is a case-insensitive substring of the text (any script: a two-character Chinese word finds
the posts that contain it; ``%``, ``_`` and every other character match themselves), or one of
three exact look-ups the Hashtags and Links pages link to: ``hashtag:<tag>`` (a hashtag the post
carries, case-folded as the importers store it), ``domain:<registered domain>`` (a link domain found
by the enrichment) and ``url:<expanded URL>``. The account, window and post filters
(language, topic, tone) apply as on every page.

Paging is by key, not by offset (a store may hold millions of posts): the order is
``created_at DESC`` (posts without a time last), then platform and post id, and the cursor is the
last row's key. The facets are counted first (below); their matches per month bound each page's read
to the newest months that hold it, which the store's zone maps let DuckDB skip to, so a page reads
a few months of posts, not the store.

Facets (account, roster kind, post kind, language, topic, tone, month) count every match: from the
rollups without a search or a topic filter, from one scan of the matches otherwise; both are cached
per store generation and selection, so paging does not count again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pandas as pd

from diplotrack.errors import UsageError
from diplotrack.serve.pages.base import (
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
    decode_cursor,
    encode_cursor,
)
from diplotrack.serve.params import View
from diplotrack.serve.query import post_conditions, rollup_conditions, tracked_keys
from diplotrack.store import rollups

OPERATORS = ("hashtag", "domain", "url")
FACET_TOP = 30  # values shown per facet (months: all)
ACCOUNT_TOP = 10
_REGEX_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: escaped for RE2, so literal


@dataclass(frozen=True)
class Search:
    """What ``q`` asks for: ``mode`` text, hashtag, domain or url (empty: no search) and its value."""

    mode: str = ""
    value: str = ""

    @property
    def describe(self) -> str:
        if self.mode == "text":
            return f"posts whose text contains {self.value!r} (case-insensitive; a repost carries the reposted text)"
        if self.mode == "hashtag":
            return f"posts carrying the hashtag #{self.value} (any capitalisation)"
        if self.mode == "domain":
            return f"posts linking the domain {self.value} (the enrichment's registered domains)"
        if self.mode == "url":
            return f"posts linking the URL {self.value} (expanded)"
        return ""


def parse_search(q: str) -> Search:
    """``q`` as a ``Search``: ``hashtag:``, ``domain:`` or ``url:`` followed by a value are exact
    look-ups; anything else is a substring of the text."""
    q = q.strip()
    if not q:
        return Search()
    head, sep, rest = q.partition(":")
    if sep and head.lower() in OPERATORS and rest.strip():
        value = rest.strip()
        if head.lower() == "hashtag":
            value = value.lstrip("#＃").casefold()
        elif head.lower() == "domain":
            value = value.lower().rstrip(".")
        if value:
            return Search(head.lower(), value)
    return Search("text", q)


def text_pattern(text: str) -> str:
    """An RE2 pattern matching ``text`` literally (ASCII punctuation escaped; letters of every
    script, digits and spaces stand for themselves), for ``regexp_matches(..., 'i')``: measured
    2-3 times faster on 1M posts than ``contains(lower(text), ...)`` and ``ILIKE``."""
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def match_condition(search: Search, *, prefix: str = "s") -> tuple[str, dict[str, Any]]:
    """The SQL condition (on ``p`` posts and ``e`` post_enrichment) of a search, with its parameter."""
    name = f"{prefix}q"
    if search.mode == "text":
        if search.value.lower() == search.value.upper():  # nothing to fold (Chinese, digits): plain, faster
            return f"contains(p.text, ${name})", {name: search.value}
        return f"regexp_matches(p.text, ${name}, 'i')", {name: text_pattern(search.value)}
    if search.mode in ("hashtag", "url"):
        sql = f"""EXISTS (SELECT 1 FROM post_entities x WHERE x.platform = p.platform AND x.post_id = p.post_id
                  AND x.type = '{search.mode}' AND x.normalized = ${name})"""
        return sql, {name: search.value}
    if search.mode == "domain":
        return f"list_contains(e.domains, ${name})", {name: search.value}
    return "true", {}


def _needs_enrichment(view: View, search: Search) -> bool:
    return view.post_filtered or search.mode == "domain"


def _selection(view: View, search: Search) -> tuple[str, str, dict[str, Any]]:
    """FROM and WHERE of the selected posts (tracked authors, window, post filters, search)."""
    keys, kp = tracked_keys(view)
    where, wp = post_conditions(view)
    match, mp = match_condition(search)
    joins = f"FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id"
    if _needs_enrichment(view, search):
        joins += " LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id"
    return joins, f"{where} AND {match}", {**kp, **wp, **mp}


# -- keyset paging --------------------------------------------------------------------------------


def _cursor(view: View) -> tuple[datetime | None, str, str] | None:
    values = decode_cursor(view.next, 3)
    if values is None:
        return None
    when, platform, post_id = values
    if not isinstance(platform, str) or not isinstance(post_id, str) or not (when is None or isinstance(when, str)):
        raise UsageError("_next is not a cursor this server gave; start from the first page")
    try:
        at = datetime.fromisoformat(when) if when is not None else None
    except ValueError:
        raise UsageError("_next is not a cursor this server gave; start from the first page") from None
    return at, platform, post_id


def _after(cursor: tuple[datetime | None, str, str] | None) -> tuple[str, dict[str, Any]]:
    """Rows after the cursor in the order (created_at DESC NULLS LAST, platform, post_id)."""
    if cursor is None:
        return "true", {}
    at, platform, post_id = cursor
    tie = "(p.platform > $c_pl OR (p.platform = $c_pl AND p.post_id > $c_id))"
    params: dict[str, Any] = {"c_pl": platform, "c_id": post_id}
    if at is None:
        return f"(p.created_at IS NULL AND {tie})", params
    params["c_at"] = at
    return f"(p.created_at < $c_at OR (p.created_at = $c_at AND {tie}) OR p.created_at IS NULL)", params


def window_start(months: dict[str, int], cursor_at: datetime | None, need: int) -> datetime | None:
    """The start of the newest month from which the months below the cursor's month hold at least
    ``need`` matches (the facet counts per ``YYYY-MM``), or None: then every remaining row is read.
    The cursor's own month counts for nothing (some of it was shown), so the window always holds
    the page."""
    below = cursor_at.strftime("%Y-%m") if cursor_at is not None else None
    held = 0
    for month in sorted((m for m in months if m is not None), reverse=True):
        if below is not None and month > below:
            continue
        if month != below:
            held += months[month]
        if held >= need:
            return datetime.fromisoformat(month + "-01")
    return None


_TARGET = {"repost": "reposted", "quote": "quoted", "reply": "replied_to"}
_POST_COLUMNS = f"""p.created_at, p.platform, p.post_id, k.handle, k.kind AS account_kind, p.author_handle, p.kind,
    p.text, p.lang AS platform_language, p.like_count, p.repost_count, p.reply_count, p.quote_count, p.deleted_at,
    p.provenance.source AS source, p.provenance.file AS source_file, p.provenance.line AS source_line,
    p.provenance.pointer AS source_pointer, p.provenance.run_id AS run_id, p.provenance.raw_id AS raw_id,
    CASE p.kind {" ".join(f"WHEN '{k}' THEN p.{c}_post_id" for k, c in _TARGET.items())} END AS target_post_id,
    CASE p.kind {" ".join(f"WHEN '{k}' THEN p.{c}_author_id" for k, c in _TARGET.items())} END AS target_author_id"""


def page_posts(ctx: Context, search: Search, months: dict[str, int]) -> tuple[pd.DataFrame, str | None]:
    """The posts of the page the view's cursor points at (their own columns and their account's
    roster handle and kind), and the cursor of the next page. The matches per month (``months``,
    from the facets) bound the read to the newest months that hold the page, which the store's zone
    maps let DuckDB skip to; the other columns are read for the page's rows only (DuckDB's top-N
    late materialization: measured 10% over reading the keys alone, where a second look-up by id
    read every column of the months in range)."""
    v = ctx.view
    joins, where, params = _selection(v, search)
    cur = _cursor(v)
    after, ap = _after(cur)
    lower, lp = "true", {}
    if cur is None or cur[0] is not None:
        lo = window_start(months, cur[0] if cur else None, v.size + 1)
        if lo is not None:
            lower, lp = "p.created_at >= $lo", {"lo": lo}
            if cur is not None:  # the cursor's time as a plain bound too, which the zone maps can use
                lower += " AND p.created_at <= $hi"
                lp["hi"] = cur[0]
    sql = f"""SELECT {_POST_COLUMNS} {joins}
              WHERE {where} AND {after} AND {lower}
              ORDER BY p.created_at DESC NULLS LAST, p.platform, p.post_id LIMIT {int(v.size) + 1}"""
    rows = ctx.reader.sql(sql, {**params, **ap, **lp})
    nxt = None
    if len(rows) > v.size:
        rows = rows.iloc[: v.size]
        last = rows.iloc[-1]
        at = None if pd.isna(last["created_at"]) else last["created_at"].to_pydatetime()
        nxt = encode_cursor([at, last["platform"], last["post_id"]])
    return rows.reset_index(drop=True), nxt


# -- the rows of a page ---------------------------------------------------------------------------


def post_url(platform: object, post_id: object, handle: object = None) -> str | None:
    """The post's address on its platform where the id says it (X ids, Bluesky at:// URIs, URLs)."""
    if not isinstance(post_id, str) or not isinstance(platform, str):
        return None
    if post_id.startswith(("https://", "http://")):
        return post_id
    if platform == "x" and post_id.isdigit():
        return f"https://x.com/i/web/status/{post_id}"
    if platform == "bluesky" and post_id.startswith("at://"):
        parts = post_id[5:].split("/")
        if len(parts) == 3 and parts[1] == "app.bsky.feed.post":
            return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"
    return None


_ENRICHMENT = ("language", "topics", "tone", "tone_score", "tone_cues", "domains", "state_media")


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def page_rows(ctx: Context, posts: pd.DataFrame) -> pd.DataFrame:
    """The page's posts with their enrichment, their address and what they point to, in the
    columns of ``_empty_rows``."""
    if posts.empty:
        return _empty_rows()
    enrichment = ctx.reader.sql(
        """SELECT platform, post_id, lang_detected AS language, topics, tone_label AS tone, tone_score, tone_cues,
                  domains, state_media
           FROM post_enrichment WHERE post_id IN (SELECT unnest($ids))""",
        {"ids": posts["post_id"].tolist()},
    ).drop_duplicates(["platform", "post_id"])
    rows = posts.merge(enrichment, on=["platform", "post_id"], how="left")
    for col in _ENRICHMENT:  # a post not enriched: None (unknown), not NaN
        rows[col] = pd.Series([None if _missing(x) else x for x in rows[col]], dtype=object)
    rows = _with_targets(ctx, rows)
    rows["url"] = [post_url(pl, pid) for pl, pid in zip(rows["platform"], rows["post_id"], strict=True)]
    return rows[list(_empty_rows().columns)]


def _with_targets(ctx: Context, rows: pd.DataFrame) -> pd.DataFrame:
    """Adds target_handle and target_text: the post a repost, quote or reply points to, when the
    store holds it (else its author's roster handle where tracked, and only the ids)."""
    tids = sorted({t for t in rows["target_post_id"].dropna()})
    aids = sorted({a for a in rows["target_author_id"].dropna()})
    found = pd.DataFrame(columns=["platform", "target_post_id", "t_handle", "target_text"])
    if tids:
        found = ctx.reader.sql(
            """SELECT platform, post_id AS target_post_id, author_handle AS t_handle, text AS target_text
               FROM posts WHERE post_id IN (SELECT unnest($ids))""",
            {"ids": tids},
        ).drop_duplicates(["platform", "target_post_id"])
    roster = pd.DataFrame(columns=["platform", "target_author_id", "r_handle"])
    if aids:
        rk, rp = tracked_keys(View(), prefix="a")
        roster = ctx.reader.sql(
            f"""SELECT platform, key AS target_author_id, min(handle) AS r_handle FROM ({rk}) k
                WHERE list_contains($aids, key) GROUP BY ALL""",
            {**rp, "aids": aids},
        )
    out = rows.merge(found, on=["platform", "target_post_id"], how="left")
    out = out.merge(roster, on=["platform", "target_author_id"], how="left")
    handle = out["t_handle"].where(out["t_handle"].notna(), out["r_handle"])
    # object columns: None stays None (a text column would turn it into NaN)
    out["target_handle"] = pd.Series([h if isinstance(h, str) else None for h in handle], dtype=object)
    out["target_text"] = pd.Series([t if isinstance(t, str) else None for t in out["target_text"]], dtype=object)
    return out.drop(columns=["t_handle", "r_handle"])


def _empty_rows() -> pd.DataFrame:
    cols = [
        *("created_at", "platform", "post_id", "url", "handle", "account_kind", "author_handle", "kind", "text"),
        *("language", "platform_language", "topics", "tone", "tone_score", "tone_cues", "domains", "state_media"),
        *("like_count", "repost_count", "reply_count", "quote_count", "deleted_at", "source", "source_file"),
        *("source_line", "source_pointer", "run_id", "raw_id", "target_post_id", "target_author_id"),
        *("target_text", "target_handle"),
    ]
    return pd.DataFrame(columns=cols)


# -- facets ---------------------------------------------------------------------------------------

_FACETS = ("account", "kind", "post_kind", "language", "topic", "tone", "month")


def _facet_union(source: str, *, with_topics: bool) -> str:
    """One query counting the facets of ``source`` (columns platform, handle, roster_kind,
    post_kind, language, tone, topics, month, n): grouping sets (measured a third faster than a
    union of group-bys on the 1M-post store's rollup), and the topics unnested."""
    sets = (("account", "handle"), ("kind", "roster_kind"), ("post_kind", "post_kind"))
    sets += (("language", "language"), ("tone", "tone"))
    facet = " ".join(f"WHEN GROUPING({col}) = 0 THEN '{name}'" for name, col in sets)
    value = " ".join(f"WHEN GROUPING({col}) = 0 THEN {col}" for _, col in sets)
    sql = f"""WITH m AS MATERIALIZED ({source})
        SELECT CASE {facet} ELSE 'month' END AS facet, CASE {value} ELSE strftime(month, '%Y-%m') END AS value,
               CASE WHEN GROUPING(handle) = 0 THEN platform END AS platform, sum(n) AS n
        FROM m GROUP BY GROUPING SETS ((handle, platform), (roster_kind), (post_kind), (language), (tone), (month))"""
    if with_topics:
        topics = "SELECT unnest(topics) AS topic, n FROM m"
        sql += f"\nUNION ALL SELECT 'topic', topic, NULL, sum(n) FROM ({topics}) GROUP BY ALL"
    return sql


def _posts_source(view: View, search: Search) -> tuple[str, dict]:
    """The matches as rows of the facets' source. With a search and no post filter, the matches are
    found first and only their enrichment is read (measured about 20% faster on 1M posts than
    joining every post's enrichment before the search)."""
    keys, kp = tracked_keys(view)
    where, wp = post_conditions(view)
    match, mp = match_condition(search)
    params = {**kp, **wp, **mp}
    if search.mode and not _needs_enrichment(view, search):
        return (
            f"""WITH hits AS MATERIALIZED (
                    SELECT p.platform, p.post_id, p.kind, p.created_at, k.handle, k.kind AS roster_kind
                    FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
                    WHERE {where} AND {match})
                SELECT h.platform, h.handle, h.roster_kind, h.kind AS post_kind, e.lang_detected AS language,
                       e.tone_label AS tone, e.topics, date_trunc('month', h.created_at)::DATE AS month, 1 AS n
                FROM hits h LEFT JOIN (SELECT * FROM post_enrichment WHERE post_id IN (SELECT post_id FROM hits)) e
                     ON e.platform = h.platform AND e.post_id = h.post_id""",
            params,
        )
    return (
        f"""SELECT k.platform, k.handle, k.kind AS roster_kind, p.kind AS post_kind, e.lang_detected AS language,
                   e.tone_label AS tone, e.topics, date_trunc('month', p.created_at)::DATE AS month, 1 AS n
            FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
            LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
            WHERE {where} AND {match}""",
        params,
    )


def facet_counts(ctx: Context, search: Search) -> pd.DataFrame:
    """Counts per facet and value (columns facet, value, platform, n), every match counted: from
    the rollups when they can answer (no search, no topic filter, rollups current), else from the
    posts. Cached per store generation and selection."""
    v = ctx.view
    usable = ctx.reader.memo(("rollups.usable",), lambda: rollups.usable(ctx.reader.cursor()))

    def build() -> pd.DataFrame:
        if search.mode or v.topics or not usable:
            source, params = _posts_source(v, search)
            return ctx.reader.sql(_facet_union(source, with_topics=True), params)
        keys, kp = tracked_keys(v)
        where, wp = rollup_conditions(v)
        source = f"""SELECT k.platform, k.handle, k.kind AS roster_kind, r.kind AS post_kind,
                            r.lang_detected AS language, r.tone_label AS tone, NULL::VARCHAR[] AS topics,
                            date_trunc('month', r.day)::DATE AS month, r.posts AS n
                     FROM rollup_posts_day r JOIN {keys} k ON k.platform = r.platform AND k.key = r.author_id
                     WHERE {where}"""
        counts = ctx.reader.sql(_facet_union(source, with_topics=False), {**kp, **wp})
        if v.languages or v.tones:  # rollup_topics_day has neither: the topic facet reads the posts
            source, params = _posts_source(v, search)
            topics = ctx.reader.sql(
                f"WITH m AS ({source}) SELECT 'topic' AS facet, topic AS value, "
                "NULL AS platform, count(*) AS n FROM (SELECT unnest(topics) AS topic FROM m) "
                "GROUP BY ALL",
                params,
            )
        else:
            plain = replace(v, languages=(), tones=())
            tw, tp = rollup_conditions(plain)
            topics = ctx.reader.sql(
                f"""SELECT 'topic' AS facet, r.topic AS value, NULL AS platform, sum(r.posts) AS n
                    FROM rollup_topics_day r JOIN {keys} k ON k.platform = r.platform AND k.key = r.author_id
                    WHERE {tw} GROUP BY ALL""",
                {**kp, **tp},
            )
        return pd.concat([counts, topics], ignore_index=True)

    key = ("posts.facets", repr(v.describe()), search.mode, search.value)
    return ctx.reader.memo(key, build)


def _month_bounds(month: str) -> tuple[str, str] | None:
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        return None
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first.isoformat(), nxt.isoformat()


def facets(ctx: Context, counts: pd.DataFrame) -> dict[str, list[dict]]:
    """The facets as ``{name: [{value, count, url}]}``; a url adds that filter to the view (keeping
    the search); an account links to its page; post kinds have no filter (url None)."""
    v = ctx.view
    out: dict[str, list[dict]] = {}
    for name in _FACETS:
        part = counts[counts["facet"] == name]
        part = part.assign(n=part["n"].astype("int64"))
        if name == "month":
            part = part.sort_values("value", na_position="last")
        else:
            part = part.sort_values(["n", "value"], ascending=[False, True], na_position="last")
            part = part.head(ACCOUNT_TOP if name == "account" else FACET_TOP)
        items = []
        for r in part.itertuples(index=False):
            value = None if pd.isna(r.value) else str(r.value)
            url = None
            if value is not None:
                if name == "account":
                    url = account_url(r.platform, value)
                elif name in ("kind", "language", "topic", "tone"):
                    url = "/posts" + v.query(keep_controls=True, **{name: value})
                elif name == "month" and (b := _month_bounds(value)):
                    url = "/posts" + v.query(keep_controls=True, start=b[0], end=b[1])
            item: dict[str, Any] = {"value": value, "count": int(r.n), "url": url}
            if name == "account":
                item["platform"] = r.platform
            items.append(item)
        out[name] = items
    return out


# -- the table --------------------------------------------------------------------------------------


def _posts(ctx: Context) -> Panel:
    v = ctx.view
    search = parse_search(v.q)
    counts = facet_counts(ctx, search)
    total = int(counts.loc[counts["facet"] == "post_kind", "n"].sum())
    month_counts = counts[counts["facet"] == "month"]
    months = {
        (None if pd.isna(m) else str(m)): int(n) for m, n in zip(month_counts["value"], month_counts["n"], strict=True)
    }

    def page() -> tuple[pd.DataFrame, str | None]:
        if not total:
            return _empty_rows(), None
        posts, nxt = page_posts(ctx, search, months)
        return page_rows(ctx, posts), nxt

    # a page is read once per store generation (a replayed or shared address answers from memory)
    rows, nxt = ctx.reader.memo(("posts.page", repr(v.describe()), v.next, v.size), page)
    notes = []
    if search.mode:
        notes.append(f"Showing {search.describe}.")
    if v.post_filtered:
        notes.append("A post not yet enriched has no language, topic or tone, so it matches none of those filters.")
    notes.append("Facets count every matching post; a post kind (original, repost, quote, reply) is not a filter.")
    if v.sort:
        notes.append(f"Posts are listed newest first (paged by key): _sort={v.sort} does not apply to them.")
    cov = coverage_dict(ctx.reader.coverage(v.filters, "posts"))
    links = {
        "handle": lambda r: account_url(r.get("platform"), r.get("handle")),
    }
    return Panel(rows, cov, facets=facets(ctx, counts), next=nxt, notes=notes, links=links, total=total)


PAGES = (
    Page(
        "posts",
        "/posts",
        "Posts",
        (
            Table(
                "posts",
                "Posts",
                _posts,
                "The selected accounts' posts, newest first, with their enrichment, provenance and what a repost, "
                "quote or reply points to; q searches the texts (hashtag:, domain: and url: look up exactly).",
                post_filters=True,
            ),
        ),
        description="Search the tracked accounts' posts (any language, offline), with facets and provenance.",
        template="posts.html.j2",
    ),
)
