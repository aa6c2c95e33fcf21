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

Facets (account, roster kind, post kind, language, topic, tone, month; pages/posts_search.py) count
every post from the rollups without a search or a topic filter; a search's count the newest months
that hold a few thousand matches (a rare word: all of them), and the page says since when (its
``total`` is then null). Both are cached per store generation and selection, and so is each page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from diplotrack.errors import UsageError
from diplotrack.platforms import spec_of
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
from diplotrack.serve.pages.posts_search import (
    FACET_SAMPLE,
    Search,
    facet_counts,
    facets,
    match_condition,
    needs_enrichment,
    parse_search,
    text_pattern,
    time_range,
)
from diplotrack.serve.params import View
from diplotrack.serve.query import post_conditions, tracked_keys

__all__ = ["PAGES", "page_posts", "page_rows", "parse_search", "post_url", "text_pattern", "window_start"]


def _selection(view: View, search: Search) -> tuple[str, str, dict[str, Any]]:
    """FROM and WHERE of the selected posts (tracked authors, window, post filters, search)."""
    keys, kp = tracked_keys(view)
    where, wp = post_conditions(view)
    match, mp = match_condition(search)
    joins = f"FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id"
    if needs_enrichment(view, search):
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
    if at is not None and (at.tzinfo is not None or not datetime(1800, 1, 1) <= at <= datetime(2200, 1, 1)):
        raise UsageError("_next is not a cursor this server gave; start from the first page")
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
    p.text, p.lang AS platform_language, p.like_count, p.repost_count, p.reply_count, p.quote_count, p.view_count,
    p.deleted_at,
    p.provenance.source AS source, p.provenance.file AS source_file, p.provenance.line AS source_line,
    p.provenance.pointer AS source_pointer, p.provenance.run_id AS run_id, p.provenance.raw_id AS raw_id,
    CASE p.kind {" ".join(f"WHEN '{k}' THEN p.{c}_post_id" for k, c in _TARGET.items())} END AS target_post_id,
    CASE p.kind {" ".join(f"WHEN '{k}' THEN p.{c}_author_id" for k, c in _TARGET.items())} END AS target_author_id"""


def page_posts(
    ctx: Context, search: Search, months: dict[str, int], since: datetime | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The posts of the page the view's cursor points at (their own columns and their account's
    roster handle and kind), and the cursor of the next page. The matches per month (``months``,
    from the facets, which counted the months from ``since`` on; None: all) bound the read to the
    newest months that hold the page, which the store's zone maps let DuckDB skip to; below the
    counted months, windows 1, 8, 64... months deep are tried. The other columns are read for the
    page's rows only (DuckDB's top-N late materialization: measured 10% over reading the keys alone,
    where a second look-up by id read every column of the months in range)."""
    v = ctx.view
    joins, where, params = _selection(v, search)
    cur = _cursor(v)
    after, ap = _after(cur)
    sql = f"""SELECT {_POST_COLUMNS} {joins} WHERE {where} AND {after} AND {{lower}}
              ORDER BY p.created_at DESC NULLS LAST, p.platform, p.post_id LIMIT {int(v.size) + 1}"""
    timed = cur is None or cur[0] is not None
    lows: list[datetime] = []
    if timed:
        lo = window_start(months, cur[0] if cur else None, v.size + 1)
        if lo is not None:
            lows = [lo]
        elif since is not None:
            floor = max(x for x in (time_range(ctx)[0], v.filters.start, datetime.min) if x is not None)
            top = min(since, cur[0]) if cur is not None and cur[0] is not None else since
            lows = [top - timedelta(days=31 * 8**i) for i in range(4)]
            lows = [x for x in lows if x > floor]
    rows = pd.DataFrame()
    for lo in [*lows, None]:
        lower, lp = ("true", {}) if lo is None else ("p.created_at >= $lo", {"lo": lo})
        if lo is not None and cur is not None:  # the cursor's time as a plain bound too, for the zone maps
            lower, lp = lower + " AND p.created_at <= $hi", {**lp, "hi": cur[0]}
        rows = ctx.reader.sql(sql.format(lower=lower), {**params, **ap, **lp})
        if len(rows) > v.size:
            break
    nxt = None
    if len(rows) > v.size:
        rows = rows.iloc[: v.size]
        last = rows.iloc[-1]
        at = None if pd.isna(last["created_at"]) else last["created_at"].to_pydatetime()
        nxt = encode_cursor([at, last["platform"], last["post_id"]])
    return rows.reset_index(drop=True), nxt


# -- the rows of a page ---------------------------------------------------------------------------


def post_url(platform: object, post_id: object) -> str | None:
    """The post's address on its platform where the id says it (each platform's spec reads its own
    ids: X ids, Bluesky at:// URIs, Telegram channel/message, YouTube video ids), or the id itself
    when it is a URL."""
    if not isinstance(post_id, str) or not isinstance(platform, str):
        return None
    if post_id.startswith(("https://", "http://")):
        return post_id
    spec = spec_of(platform)
    return spec.post_url(post_id) if spec is not None and spec.post_url is not None else None


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
        *("like_count", "repost_count", "reply_count", "quote_count", "view_count", "deleted_at", "source"),
        "source_file",
        *("source_line", "source_pointer", "run_id", "raw_id", "target_post_id", "target_author_id"),
        *("target_text", "target_handle"),
    ]
    return pd.DataFrame(columns=cols)


# -- the table --------------------------------------------------------------------------------------


def _posts(ctx: Context) -> Panel:
    v = ctx.view
    search = parse_search(v.q)
    counts, since = facet_counts(ctx, search)
    counted = int(counts.loc[counts["facet"] == "post_kind", "n"].sum())
    month_counts = counts[counts["facet"] == "month"]
    months = {
        (None if pd.isna(m) else str(m)): int(n) for m, n in zip(month_counts["value"], month_counts["n"], strict=True)
    }

    def page() -> tuple[pd.DataFrame, str | None]:
        if not counted and since is None:
            return _empty_rows(), None
        posts, nxt = page_posts(ctx, search, months, since)
        return page_rows(ctx, posts), nxt

    # a page is read once per store generation (a replayed or shared address answers from memory)
    rows, nxt = ctx.reader.memo(("posts.page", repr(v.describe()), v.next, v.size), page)
    notes = []
    if search.mode:
        notes.append(f"Showing {search.describe}.")
    if v.post_filtered:
        notes.append("A post not yet enriched has no language, topic or tone, so it matches none of those filters.")
    if since is None:
        notes.append("Facets count every matching post; a post kind (original, repost, quote, reply) is not a filter.")
    else:
        notes.append(
            f"Facets count the {counted:,} matching posts since {since:%Y-%m-%d} (the newest months holding at "
            f"least {FACET_SAMPLE:,} matches: counting all would read every post); the pages go on to the oldest."
        )
    if v.sort:
        notes.append(f"Posts are listed newest first (paged by key): _sort={v.sort} does not apply to them.")
    cov = coverage_dict(ctx.reader.coverage(v.filters, "posts"))
    links = {
        "handle": lambda r: account_url(r.get("platform"), r.get("handle")),
    }
    total = counted if since is None else None  # unknown beyond the counted months
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
