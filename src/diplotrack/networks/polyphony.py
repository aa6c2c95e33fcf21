"""The "polyphonic" view: which hashtags, topics and terms many tracked accounts carry, in how many
languages, and how each spreads from the ministry (and its podium) to the missions.

For every item (a hashtag, case-folded: ``post_entities.normalized``; a topic id of
``post_enrichment.topics``; or a term of ``post_enrichment.terms``, enrich/terms.py) the tracked
accounts' posts in the window that carry it give: how many distinct accounts, roster kinds and
detected languages; when it was first used and by whom; when a ministry voice (kinds ``ministry``
and ``spokesperson``) first used it; and how many missions and diplomats (kinds embassy, consulate,
mission, ambassador, consul_general, diplomat) first used it at or after that moment, how long
after (median, hours) and how many within 24 hours and 7 days; and when it was first said at the
ministry's podium (``podium_first_use``: the first statement on platform ``mfa``,
importers/mfa_statements.py). ``podium_reach`` follows an item from the podium to the missions on
each platform.

Rules:
- An account's posts are those whose ``author_id`` is its ``user_key`` or ``handle:<lower handle>``;
  only roster (tracked) accounts count, each (platform, handle) once.
- A repost is a use by the reposter, at the repost's time: it carries its own hashtags and topics
  and those of the post it reposts (when the store has that post, whoever wrote it), so a Bluesky
  repost (no text of its own) counts too. Its language is its own detected language, else the
  reposted post's. Quotes and replies carry only their own.
- A mission "reached" is one whose *first* use in the window is at or after the ministry's first use
  (a mission that used the item before the ministry is not reached, even if it uses it again
  later); "within 24 h" includes exactly 24 hours.

Always read from the posts, not the rollups (store/rollups.py): a repost carries the items of the
post it reposts and may take that post's language, and ``rollup_entities_day`` / ``rollup_topics_day``
count each post's own items, without its language.

See docs/analyses/polyphony.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

import duckdb
import pandas as pd

from diplotrack.analyses.base import Filters, as_datetime, roster_keys_sql
from diplotrack.analyses.query import (
    MINISTRY_KINDS,
    MISSION_KINDS,
    account_terms,
    platform_terms,
    sql_conditions,
    time_terms,
)
from diplotrack.errors import UsageError
from diplotrack.networks.options import check_polyphony_item

COLUMNS = (
    "item",
    "accounts",
    "kinds",
    "languages",
    "posts",
    "first_use",
    "first_by",
    "ministry_first_use",
    "missions_reached",
    "median_lag_hours",
    "reach_24h",
    "reach_7d",
    "podium_first_use",
)
PODIUM_COLUMNS = (
    "item",
    "platform",
    "podium_first_use",
    "podium_by",
    "missions",
    "missions_before",
    "missions_reached",
    "median_lag_hours",
    "reach_24h",
    "reach_7d",
)
PODIUM = "mfa"  # the platform of the ministry's podium (platforms.py MFA)
UNDECIDED_LANGUAGES = ("und", "mul")

# the posts (and, for reposts, the reposted post) whose items count for each tracked post
_ITEMS = {
    "hashtag": """
        SELECT DISTINCT s.platform, s.post_id, e.normalized AS item
        FROM src s JOIN post_entities e ON e.platform = s.platform AND e.post_id = s.src_id
        WHERE e.type = 'hashtag' AND e.normalized IS NOT NULL AND e.normalized <> '' {vocab}
    """,
    "topic": """
        SELECT DISTINCT platform, post_id, item FROM (
            SELECT s.platform, s.post_id, unnest(pe.topics) AS item
            FROM src s JOIN post_enrichment pe ON pe.platform = s.platform AND pe.post_id = s.src_id
        ) WHERE item IS NOT NULL AND item <> '' {vocab}
    """,
    # the terms enrichment stores (enrich/terms.py tokenize): words of 3+ letters and CJK bigrams;
    # reposts have none of their own and carry the reposted post's
    "term": """
        SELECT DISTINCT platform, post_id, item FROM (
            SELECT s.platform, s.post_id, unnest(pe.terms) AS item
            FROM src s JOIN post_enrichment pe ON pe.platform = s.platform AND pe.post_id = s.src_id
        ) WHERE item IS NOT NULL AND item <> '' {vocab}
    """,
}
# the items some tracked posts carry of their own (``{who}``: a condition on ``tp``): a vocabulary
# that restricts the items followed (terms: those a ministry voice used; podium_reach: those said
# at the podium), so that the query does not carry every word of every post
_VOCAB = {
    "hashtag": """SELECT e.normalized FROM tp JOIN post_entities e ON e.platform = tp.platform
                  AND e.post_id = tp.post_id WHERE e.type = 'hashtag' AND {who}""",
    "topic": """SELECT unnest(pe.topics) FROM tp JOIN post_enrichment pe ON pe.platform = tp.platform
                AND pe.post_id = tp.post_id WHERE {who}""",
    "term": """SELECT unnest(pe.terms) FROM tp JOIN post_enrichment pe ON pe.platform = tp.platform
               AND pe.post_id = tp.post_id WHERE {who}""",
}
MINISTRY_VOICE = "list_contains($ministry, tp.kind)"
AT_PODIUM = "tp.platform = $podium"


def _items(what: str, who: str | None) -> str:
    """The items CTE for ``what``, restricted to the vocabulary of the posts ``who`` selects (None: all)."""
    vocab = "" if who is None else f"AND item IN ({_VOCAB[what].format(who=who)})"
    if what == "hashtag" and who is not None:
        vocab = vocab.replace("AND item IN", "AND e.normalized IN")
    return _ITEMS[what].replace("{vocab}", vocab)


# Raw SQL, not Ibis: with a condition on one side only in a join's ON, DuckDB dropped the hash join and
# polyphony took 2 minutes; this query (equi-joins only) took 0.7 s on bench/network_bench.py's store of
# 1M posts (2,000 tracked accounts, 300,000 hashtags) on 2 shared cores.
_HEAD = """
WITH acc AS (
    SELECT rk.platform, rk.handle, rk.kind, rk.key FROM ({keys}) rk WHERE {acc_filter}
),
tp AS MATERIALIZED (
    -- no DISTINCT: acc has one row per (platform, key), and every aggregate below ignores repeats
    SELECT p.platform, p.post_id, p.created_at, p.kind AS post_kind, p.reposted_post_id, acc.handle,
           acc.kind
    FROM posts p JOIN acc ON acc.platform = p.platform AND acc.key = p.author_id
    WHERE p.created_at IS NOT NULL AND {post_filter}
),
src AS (
    SELECT platform, post_id, post_id AS src_id FROM tp
    UNION ALL  -- items takes DISTINCT (platform, post_id, item)
    SELECT platform, post_id, reposted_post_id AS src_id FROM tp
    WHERE post_kind = 'repost' AND reposted_post_id IS NOT NULL
),
items AS MATERIALIZED ({items}),
"""
_SQL = (
    _HEAD
    + """
uses AS MATERIALIZED (
    -- the language of each use: its own, else (a repost) the reposted post's; looked up only for
    -- the posts that carry an item
    SELECT i.item, tp.platform, tp.post_id, tp.handle, tp.kind, tp.created_at,
           coalesce(CASE WHEN NOT list_contains($undecided, own.lang_detected) THEN own.lang_detected END,
                    CASE WHEN NOT list_contains($undecided, rep.lang_detected) THEN rep.lang_detected END) AS lang
    FROM items i
    JOIN tp ON tp.platform = i.platform AND tp.post_id = i.post_id
    LEFT JOIN post_enrichment own ON own.platform = tp.platform AND own.post_id = tp.post_id
    -- an equi-join only (a condition on tp alone in ON makes DuckDB drop the hash join)
    LEFT JOIN post_enrichment rep ON rep.platform = tp.platform
                                  AND rep.post_id = CASE WHEN tp.post_kind = 'repost' THEN tp.reposted_post_id END
),
agg AS (
    SELECT item,
           count(DISTINCT (platform, handle)) AS accounts,
           count(DISTINCT kind) AS kinds,
           count(DISTINCT lang) AS languages,
           count(DISTINCT (platform, post_id)) AS posts,
           min(created_at) AS first_use,
           first(handle ORDER BY created_at, platform, handle) AS first_by,
           min(created_at) FILTER (WHERE list_contains($ministry, kind)) AS ministry_first_use,
           min(created_at) FILTER (WHERE platform = $podium) AS podium_first_use
    FROM uses GROUP BY item
    HAVING count(DISTINCT (platform, handle)) >= $min_accounts
),
firsts AS (
    SELECT item, platform, handle, min(created_at) AS first_at
    FROM uses WHERE list_contains($missions, kind) GROUP BY item, platform, handle
),
reach AS (
    SELECT f.item,
           count(*) AS missions_reached,
           median(date_diff('second', a.ministry_first_use, f.first_at) / 3600.0) AS median_lag_hours,
           count(*) FILTER (WHERE f.first_at <= a.ministry_first_use + INTERVAL 24 HOUR) AS reach_24h,
           count(*) FILTER (WHERE f.first_at <= a.ministry_first_use + INTERVAL 7 DAY) AS reach_7d
    FROM firsts f JOIN agg a ON a.item = f.item
    WHERE a.ministry_first_use IS NOT NULL AND f.first_at >= a.ministry_first_use
    GROUP BY f.item
)
SELECT a.item, a.accounts, a.kinds, a.languages, a.posts, a.first_use, a.first_by, a.ministry_first_use,
       CASE WHEN a.ministry_first_use IS NOT NULL THEN coalesce(r.missions_reached, 0) END AS missions_reached,
       r.median_lag_hours,
       CASE WHEN a.ministry_first_use IS NOT NULL THEN coalesce(r.reach_24h, 0) END AS reach_24h,
       CASE WHEN a.ministry_first_use IS NOT NULL THEN coalesce(r.reach_7d, 0) END AS reach_7d,
       a.podium_first_use
FROM agg a LEFT JOIN reach r ON r.item = a.item
ORDER BY a.accounts DESC, a.posts DESC, a.item
"""
)

# From the podium to the missions, per platform: only the items said at the podium are followed (the
# podium's posts first, then the missions' uses of those items only), and no language is looked up.
_PODIUM_SQL = (
    _HEAD
    + """
podium AS (
    SELECT i.item, min(tp.created_at) AS podium_first_use,
           first(tp.handle ORDER BY tp.created_at, tp.handle) AS podium_by
    FROM items i JOIN tp ON tp.platform = i.platform AND tp.post_id = i.post_id
    WHERE i.platform = $podium
    GROUP BY i.item
),
firsts AS (
    SELECT i.item, tp.platform, tp.handle, min(tp.created_at) AS first_at
    FROM items i
    JOIN podium USING (item)
    JOIN tp ON tp.platform = i.platform AND tp.post_id = i.post_id
    WHERE i.platform <> $podium AND list_contains($missions, tp.kind)
    GROUP BY i.item, tp.platform, tp.handle
)
SELECT f.item, f.platform, p.podium_first_use, p.podium_by,
       count(*) AS missions,
       count(*) FILTER (WHERE f.first_at < p.podium_first_use) AS missions_before,
       count(*) FILTER (WHERE f.first_at >= p.podium_first_use) AS missions_reached,
       median(date_diff('second', p.podium_first_use, f.first_at) / 3600.0)
           FILTER (WHERE f.first_at >= p.podium_first_use) AS median_lag_hours,
       count(*) FILTER (WHERE f.first_at >= p.podium_first_use
                          AND f.first_at <= p.podium_first_use + INTERVAL 24 HOUR) AS reach_24h,
       count(*) FILTER (WHERE f.first_at >= p.podium_first_use
                          AND f.first_at <= p.podium_first_use + INTERVAL 7 DAY) AS reach_7d
FROM firsts f JOIN podium p USING (item)
GROUP BY f.item, f.platform, p.podium_first_use, p.podium_by
ORDER BY missions_reached DESC, missions DESC, f.item, f.platform
"""
)


def polyphony(
    con: duckdb.DuckDBPyConnection,
    *,
    what: Literal["hashtag", "topic", "term"] = "hashtag",
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    platforms: Sequence[str] = (),
    min_accounts: int = 2,
    states: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per hashtag (``what="hashtag"``), topic (``"topic"``) or term (``"term"``) that at least
    ``min_accounts`` tracked accounts used in the window (``start`` inclusive, ``end`` exclusive, on
    ``posts.created_at``), on ``platforms`` and for ``states`` (roster ``state``; empty: all).

    Columns: item, accounts (distinct tracked accounts using it), kinds (distinct roster kinds),
    languages (distinct ``lang_detected`` other than und/mul), posts, first_use, first_by (roster
    handle of the first user; ties by platform, then handle), ministry_first_use (first use by a
    ministry or spokesperson account, else missing), missions_reached, median_lag_hours, reach_24h,
    reach_7d (missions and diplomats whose first use is at or after ministry_first_use; the median
    of their lags in hours; how many within 24 hours and 7 days, both ends included). The last four
    are missing when no ministry account used the item (median_lag_hours also when no mission
    followed), podium_first_use (the first statement carrying it on the ministry's podium, platform
    ``mfa``: date only; missing when none did, or when ``platforms`` leaves ``mfa`` out). Sorted by
    accounts, then posts (both descending), then item.

    With several states in the roster, ``ministry_first_use`` is the first use by any of their
    ministries: pass ``states`` to follow one state's ministry and missions.

    Terms are those a ministry voice (kinds ``ministry`` and ``spokesperson``, the podium included)
    used in the window in a post of its own: every word of every post would be too many items, and
    the question is how the ministry's words travel.
    """
    check_polyphony_item(what)
    params: dict[str, object] = {"min_accounts": max(int(min_accounts), 1), "undecided": list(UNDECIDED_LANGUAGES)}
    who = MINISTRY_VOICE if what == "term" else None
    df = _run(con, _SQL, _items(what, who), params, start, end, tuple(str(p) for p in platforms), states)
    return _typed(df)


def podium_reach(
    con: duckdb.DuckDBPyConnection,
    *,
    what: Literal["hashtag", "topic", "term"] = "topic",
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    platforms: Sequence[str] = (),
    states: Sequence[str] = (),
) -> pd.DataFrame:
    """From the ministry's podium to the missions, per platform: one row per (item, platform) for
    every item first said at the podium in the window (a statement on platform ``mfa`` by a tracked
    speaker) that tracked missions or diplomats used on that platform in the window. ``platforms``
    selects the missions' platforms (empty: all); the podium is always read.

    Columns: item, platform (the missions'), podium_first_use (the first statement carrying it: date
    only, 00:00), podium_by (its speaker's roster handle; ties by handle), missions (missions and
    diplomats using it on this platform), missions_before (those whose first use there came before
    podium_first_use), missions_reached (at or after it), median_lag_hours (the median, over those
    reached, of their first use − podium_first_use; missing when none), reach_24h, reach_7d (reached
    within 24 hours and 7 days, both ends included). Sorted by missions_reached, then missions (both
    descending), then item and platform.
    """
    names = tuple(str(p) for p in platforms)
    check_polyphony_item(what)
    items = _items(what, AT_PODIUM)
    df = _run(con, _PODIUM_SQL, items, {}, start, end, (*names, PODIUM) if names else (), states)
    df = df.reindex(columns=list(PODIUM_COLUMNS))
    for c in ("missions", "missions_before", "missions_reached", "reach_24h", "reach_7d"):
        df[c] = df[c].astype("int64")
    df["median_lag_hours"] = df["median_lag_hours"].astype("float64")
    df["podium_first_use"] = pd.to_datetime(df["podium_first_use"])
    for c in ("item", "platform", "podium_by"):
        df[c] = df[c].astype(object)
    return df.reset_index(drop=True)


def _run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    items: str,
    params: dict[str, object],
    start: date | datetime | str | None,
    end: date | datetime | str | None,
    platforms: tuple[str, ...],
    states: Sequence[str],
) -> pd.DataFrame:
    """``sql`` (a polyphony query) with ``items`` (``_items``) over the tracked accounts of
    ``platforms`` and ``states`` and their posts in the window."""
    if "post_enrichment" in items and not _has_table(con, "post_enrichment"):
        raise UsageError("the store has no post_enrichment table: open it with a current diplotrack and run enrich")
    params = {**params, "missions": list(MISSION_KINDS), "ministry": list(MINISTRY_KINDS), "podium": PODIUM}
    f = Filters(
        start=as_datetime(start), end=as_datetime(end), platforms=platforms, states=tuple(str(s) for s in states)
    )
    acc_filter, acc_params = sql_conditions(platform_terms(f) + account_terms(f), "rk", named="acc")
    # the platforms select the accounts already: the posts need only the window
    post_filter, post_params = sql_conditions(time_terms(f), "p", named="post")
    params.update(acc_params)
    params.update(post_params)
    query = sql.format(keys=roster_keys_sql(), acc_filter=acc_filter, post_filter=post_filter, items=items)
    used = {k: v for k, v in params.items() if f"${k}" in query}  # DuckDB refuses a parameter not used
    return con.execute(query, used).df()


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The result with stable dtypes whether or not it has rows (counts that may be missing as Int64)."""
    df = df.reindex(columns=list(COLUMNS))
    for c in ("accounts", "kinds", "languages", "posts"):
        df[c] = df[c].astype("int64")
    for c in ("missions_reached", "reach_24h", "reach_7d"):
        df[c] = df[c].astype("Int64")
    df["median_lag_hours"] = df["median_lag_hours"].astype("float64")
    for c in ("first_use", "ministry_first_use", "podium_first_use"):
        df[c] = pd.to_datetime(df[c])
    for c in ("item", "first_by"):
        df[c] = df[c].astype(object)
    return df.reset_index(drop=True)
