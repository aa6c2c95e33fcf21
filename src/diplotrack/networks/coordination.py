"""Co-action networks: accounts that do the same thing at (nearly) the same time, again and again.

Two accounts are linked when they act on the same *item* within ``window_s`` seconds of each other on
at least ``min_count`` distinct items. The action decides what an item is:

- ``repost``: the reposted post (``posts.reposted_post_id``), from reposts;
- ``hashtag``: a hashtag (``post_entities.normalized``, type ``hashtag``) of an original, reply or quote;
- ``link``: a URL (``post_entities.normalized``, type ``url``: the expanded URL) of an original, reply or
  quote;
- ``post``: a post's normalized text (``normalize_text``: lower-cased; a leading ``RT @x:`` prefix,
  URLs, @mentions, HTML entities, punctuation, symbols and whitespace removed), at least
  ``MIN_TEXT_CHARS`` characters long, of an original, reply or quote. Identical normalized text only:
  no fuzzy and no cross-language matching.

Rules:

- **Window boundary.** Two acts are together when ``|Δt| <= window_s`` (inclusive): with the default
  60 s, acts exactly 60 s apart count and acts 60.001 s apart do not. Times are compared in whole
  microseconds (the store's resolution), so the boundary is exact.
- **Once per item.** A pair of accounts co-acts at most once per item, however often each acted on
  it; the event is their closest pair of acts on that item (its ``lag_s``).
- **Accounts.** An account is a post's ``author_id`` on its platform; a tracked (roster) account is
  one account under both its keys (``user_key`` and ``handle:<lower handle>``) and is named by its
  ``user_key``. Acts of one account with itself are not pairs. ``authors="tracked"`` keeps only the
  roster accounts' posts.
- **Filters.** ``start`` (inclusive) and ``end`` (exclusive) bound the acting posts' ``created_at``;
  ``platforms`` restricts the posts. Posts without author or time are left out, and so are posts from
  sources whose times are days, not instants (``DAY_PRECISION_SOURCES``: the CHC mentions CSV),
  which would make everything of one day simultaneous.

The pairing runs in DuckDB: acts are bucketed by ``floor(t / window)`` and joined on (platform, item,
bucket) and (platform, item, bucket + 1), then filtered to the exact band, so no item's acts are
compared with acts more than one window away and no Python loop sees a pair of acts. Of several pairs
of acts equally close, an event is the one whose earlier act has the smaller post id, then whose later
act has; at one instant the earlier act is the smaller account id's. On other engines (Spark) the same
events come from coordination_ibis.py, and ``finish`` turns them into pairs and clusters here.

Clusters are the connected components of the pair graph (igraph). See docs/analyses/coordination.md.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import duckdb
import igraph as ig
import numpy as np
import pandas as pd

from diplotrack.analyses.base import Filters, as_datetime, roster_keys_sql
from diplotrack.analyses.query import sql_conditions, window_terms
from diplotrack.networks.options import check_accounts, check_action, check_co_action

MIN_TEXT_CHARS = 20
MAX_EVIDENCE = 10
# sources whose post times are days (stored at 00:00): useless for second-scale co-action
DAY_PRECISION_SOURCES = ("chc-mentions",)


def normalize_sql(col: str) -> str:
    """The SQL expression normalizing the text column ``col`` for the ``post`` action (see the module
    docstring). ``col`` is an identifier the caller controls."""
    s = f"lower({col})"
    s = rf"regexp_replace({s}, '^(\s*rt\s+@[\p{{L}}\p{{N}}_]+:?)+', '')"
    s = rf"regexp_replace({s}, '(https?://|www\.)\S+', ' ', 'g')"
    s = rf"regexp_replace({s}, '@[\p{{L}}\p{{N}}_]+', ' ', 'g')"
    s = rf"regexp_replace({s}, '&([a-z]+|#[0-9]+);', ' ', 'g')"
    return rf"regexp_replace({s}, '[^\p{{L}}\p{{N}}]+', '', 'g')"


def normalize_text(text: str | None) -> str | None:
    """A text as the ``post`` action compares it (the same SQL, run on an in-memory DuckDB)."""
    if text is None:
        return None
    with duckdb.connect() as c:
        row = c.execute(f"SELECT {normalize_sql('t')} FROM (SELECT ?::VARCHAR AS t)", [text]).fetchone()
    return row[0] if row else None


@dataclass
class Coordination:
    """The result of ``co_action``.

    pairs: one row per linked pair of accounts. Columns: platform, account_a, account_b (account ids,
    ``account_a < account_b``), handle_a, handle_b (roster handle, else the latest handle the store
    knows, else the id), tracked_a, tracked_b (roster accounts), events (items they co-acted on within
    the window), median_lag_s, max_lag_s (over those events), evidence (up to ``MAX_EVIDENCE`` dicts
    ``{item, post_a, post_b, lag_s}``, closest first; post_a is account_a's post). Ordered by events
    (descending), median_lag_s, platform, account_a, account_b.

    clusters: connected components of the pair graph. Columns: cluster (1 = most events), platform,
    accounts (how many), members (handles, sorted), member_ids (account ids, in the same order),
    pairs, events (sum over its pairs), median_lag_s (over all its events), tracked_members (roster
    accounts), density (pairs / possible pairs). Ranked by events, then accounts (both descending).
    """

    action: str
    window_s: float
    min_count: int
    pairs: pd.DataFrame
    clusters: pd.DataFrame

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        """Every cluster and pair, with evidence, as plain lists and dicts (``json_records``)."""
        return {"clusters": json_records(self.clusters), "pairs": json_records(self.pairs)}


def plain(value: Any) -> Any:
    """A cell of a result DataFrame as plain JSON-ready Python: arrays (DuckDB lists come back as
    numpy arrays) and tuples as lists, dicts item by item, numpy scalars as Python ones, timestamps as
    ISO 8601 text, NaN and NaT as None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | list | tuple):
        return [plain(v) for v in value]
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A result DataFrame as a list of row dicts of plain values (``plain``)."""
    cols = [str(c) for c in df.columns]
    return [{c: plain(v) for c, v in zip(cols, row, strict=True)} for row in df.itertuples(index=False, name=None)]


PAIR_COLUMNS = [
    "platform",
    "account_a",
    "account_b",
    "handle_a",
    "handle_b",
    "tracked_a",
    "tracked_b",
    "events",
    "median_lag_s",
    "max_lag_s",
    "evidence",
]
CLUSTER_COLUMNS = [
    "cluster",
    "platform",
    "accounts",
    "members",
    "member_ids",
    "pairs",
    "events",
    "median_lag_s",
    "tracked_members",
    "density",
]


def _acts_sql(action: str, authors: str, where: list[str]) -> str:
    """SELECT of the acts: platform, account, item, t_us, post_id, author_id, tracked."""
    own_kinds = "p.kind IN ('original', 'reply', 'quote')"
    if action == "repost":
        item, source, cond = "p.reposted_post_id", "posts p", ["p.reposted_post_id IS NOT NULL"]
    elif action in ("hashtag", "link"):
        etype = "hashtag" if action == "hashtag" else "url"
        item = "e.normalized"
        source = (
            "posts p JOIN (SELECT DISTINCT platform, post_id, normalized FROM post_entities "
            f"WHERE type = '{etype}' AND normalized IS NOT NULL AND normalized <> '') e "
            "ON e.platform = p.platform AND e.post_id = p.post_id"
        )
        cond = [own_kinds]
    elif action == "post":
        item, source = normalize_sql("p.text"), "posts p"
        cond = [own_kinds, "p.text IS NOT NULL"]
    else:
        raise AssertionError(action)  # check_action refused it
    cond += ["p.author_id IS NOT NULL", "p.created_at IS NOT NULL", *where]
    if authors == "tracked":
        cond.append("rk.user_key IS NOT NULL")
    sql = f"""
        SELECT p.platform, coalesce(rk.user_key, p.author_id) AS account, {item} AS item,
               epoch_us(p.created_at) AS t_us, p.post_id, rk.user_key IS NOT NULL AS tracked
        FROM {source}
        LEFT JOIN ({roster_keys_sql()}) rk ON rk.platform = p.platform AND rk.key = p.author_id
        WHERE {" AND ".join(cond)}
    """
    if action == "post":
        sql = f"SELECT * FROM ({sql}) WHERE length(item) >= {MIN_TEXT_CHARS}"
    return sql


def _post_filters(f: Filters, exclude_sources: Sequence[str]) -> tuple[list[str], list[object]]:
    window, window_params = sql_conditions(window_terms(f), "p")
    where: list[str] = [window]
    params: list[object] = list(window_params)
    if exclude_sources:
        where.append("NOT list_contains(?, coalesce(p.provenance.source, ''))")
        params.append(list(exclude_sources))
    return where, params


def co_action(
    con: duckdb.DuckDBPyConnection,
    action: str,
    *,
    window_s: float = 60,
    min_count: int = 2,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    platforms: Sequence[str] = (),
    authors: Literal["all", "tracked"] = "all",
    exclude_sources: Sequence[str] = DAY_PRECISION_SOURCES,
) -> Coordination:
    """Pairs and clusters of accounts that did ``action`` (repost, hashtag, link, post) on the same item
    within ``window_s`` seconds of each other (``|Δt| <= window_s``, boundary inclusive) on at least
    ``min_count`` distinct items. A pair counts once per item (its closest pair of acts). See the module
    docstring for the items, the account identity and the filters, and ``Coordination`` for the columns.
    """
    check_action(action)
    check_accounts(authors, "authors")
    check_co_action(window_s, min_count)
    window_us = round(window_s * 1_000_000)
    bucket_us = max(window_us, 1)
    f = Filters(start=as_datetime(start), end=as_datetime(end), platforms=tuple(platforms))
    where, params = _post_filters(f, exclude_sources)
    tag = uuid.uuid4().hex[:12]
    acts, cand, events = f"_dt_acts_{tag}", f"_dt_cand_{tag}", f"_dt_events_{tag}"
    try:
        # acts, with 64-bit hashes of (platform, account) and (platform, item) as join keys: the band join
        # and the grouping run on integers; the strings are compared again on the few events kept.
        con.execute(
            f"""CREATE TEMP TABLE {acts} AS
            SELECT row_number() OVER (ORDER BY platform, post_id, item) AS aid,
                   platform, account, item, t_us, post_id, tracked,
                   hash(platform, account) AS akey, hash(platform, item) AS ikey, t_us // {bucket_us} AS bucket
            FROM ({_acts_sql(action, authors, where)})""",
            params,
        )
        # every pair of acts on one item within the window, once: y is the later act (or, at the same
        # instant, the one of the larger account id: not of the larger hash, so that which pair of acts
        # is an event's evidence does not depend on the hash); y lies in x's bucket or the next one
        band = " UNION ALL ".join(
            f"""SELECT x.ikey, least(x.akey, y.akey) AS ka, greatest(x.akey, y.akey) AS kb,
                       x.aid AS xa, y.aid AS ya, y.t_us - x.t_us AS lag_us
                FROM {acts} x JOIN {acts} y ON y.ikey = x.ikey AND y.bucket = x.bucket + {d}
                WHERE y.akey <> x.akey AND y.t_us - x.t_us BETWEEN 0 AND {window_us}
                  AND (y.t_us > x.t_us OR y.account > x.account)"""
            for d in (0, 1)
        )
        con.execute(f"CREATE TEMP TABLE {cand} AS {band}")
        # a pair needs at least min_count candidate pairs of acts before it can have min_count items:
        # that cheap test drops almost every pair before the per-item grouping
        con.execute(
            f"""CREATE TEMP TABLE {events} AS
            WITH keep AS (SELECT ka, kb FROM {cand} GROUP BY ka, kb HAVING count(*) >= ?),
            closest AS (
                SELECT ka, kb, ikey, min(struct_pack(l := lag_us, xa := xa, ya := ya)) AS m
                FROM {cand} SEMI JOIN keep USING (ka, kb) GROUP BY ka, kb, ikey
            ),
            ev AS MATERIALIZED (
                SELECT x.platform, x.item, c.m.l AS lag_us,
                       least(x.account, y.account) AS a, greatest(x.account, y.account) AS b,
                       CASE WHEN x.account < y.account THEN x.post_id ELSE y.post_id END AS post_a,
                       CASE WHEN x.account < y.account THEN y.post_id ELSE x.post_id END AS post_b
                FROM closest c JOIN {acts} x ON x.aid = c.m.xa JOIN {acts} y ON y.aid = c.m.ya
                WHERE x.platform = y.platform AND x.item = y.item AND x.account <> y.account
            )
            SELECT * FROM ev SEMI JOIN (
                SELECT platform, a, b FROM ev GROUP BY platform, a, b HAVING count(*) >= ?
            ) USING (platform, a, b)""",
            [min_count, min_count],
        )
        return finish(con, action, window_s, min_count, events)
    finally:
        for name in (events, cand, acts):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def finish(
    con: duckdb.DuckDBPyConnection, action: str, window_s: float, min_count: int, events: str, names: str = ""
) -> Coordination:
    """The pairs and clusters of the thresholded events in the table or view ``events`` (platform, item,
    lag_us, a, b, post_a, post_b; one row per pair of accounts and item) on ``con``. ``names``: a table or
    view with every events account's (platform, account, name, tracked), computed where the events were
    (coordination_ibis.names); by default they are looked up in ``con``'s store tables."""
    tag = uuid.uuid4().hex[:12]
    pairs = _pairs(con, events, names)
    clusters = _clusters(con, events, pairs, tag)
    return Coordination(action=action, window_s=float(window_s), min_count=min_count, pairs=pairs, clusters=clusters)


def _pairs(con: duckdb.DuckDBPyConnection, events: str, names: str = "") -> pd.DataFrame:
    names_sql = f"SELECT platform, account, name, tracked FROM {names}" if names else _names_sql("accts")
    df = con.execute(
        f"""
        WITH agg AS MATERIALIZED (
            SELECT platform, a, b, count(*) AS events,
                   median(lag_us / 1e6) AS median_lag_s, max(lag_us) / 1e6 AS max_lag_s,
                   list(struct_pack(item := item, post_a := post_a, post_b := post_b, lag_s := lag_us / 1e6)
                        ORDER BY lag_us, item, post_a, post_b)[1:{MAX_EVIDENCE}] AS evidence
            FROM {events} GROUP BY platform, a, b
        ),
        accts AS (
            SELECT platform, a AS account FROM agg UNION SELECT platform, b FROM agg
        ),
        names AS MATERIALIZED ({names_sql})
        SELECT agg.platform, agg.a AS account_a, agg.b AS account_b,
               na.name AS handle_a, nb.name AS handle_b, na.tracked AS tracked_a, nb.tracked AS tracked_b,
               agg.events, agg.median_lag_s, agg.max_lag_s, agg.evidence
        FROM agg
        JOIN names na ON na.platform = agg.platform AND na.account = agg.a
        JOIN names nb ON nb.platform = agg.platform AND nb.account = agg.b
        ORDER BY events DESC, median_lag_s, platform, account_a, account_b
        """
    ).df()
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAIR_COLUMNS})
    df["events"] = df["events"].astype("int64")
    return df[PAIR_COLUMNS].reset_index(drop=True)


def _names_sql(accts: str) -> str:
    """SELECT platform, account, name, tracked for the (platform, account) rows of ``accts``: the roster
    handle, else the handle of the account's latest post that gives one, else of its latest profile
    snapshot, else the account id (of rows at one time, the largest handle: not the engine's pick)."""
    return f"""
        SELECT a.platform, a.account,
               coalesce(r.handle, ph.handle, sh.handle, a.account) AS name, r.handle IS NOT NULL AS tracked
        FROM {accts} a
        LEFT JOIN (SELECT DISTINCT platform, user_key, handle FROM ({roster_keys_sql()})) r
          ON r.platform = a.platform AND r.user_key = a.account
        LEFT JOIN (
            SELECT p.platform, p.author_id, arg_max(p.author_handle, (p.created_at, p.author_handle)) AS handle
            FROM posts p SEMI JOIN {accts} x ON x.platform = p.platform AND x.account = p.author_id
            WHERE p.author_handle IS NOT NULL AND p.created_at IS NOT NULL GROUP BY ALL
        ) ph ON ph.platform = a.platform AND ph.author_id = a.account
        LEFT JOIN (
            SELECT s.platform, s.user_id, arg_max(s.handle, (s.observed_at, s.handle)) AS handle
            FROM profile_snapshots s SEMI JOIN {accts} x ON x.platform = s.platform AND x.account = s.user_id
            WHERE s.handle IS NOT NULL AND s.observed_at IS NOT NULL GROUP BY ALL
        ) sh ON sh.platform = a.platform AND sh.user_id = a.account
    """


def _clusters(con: duckdb.DuckDBPyConnection, events: str, pairs: pd.DataFrame, tag: str) -> pd.DataFrame:
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLUSTER_COLUMNS})
    nodes: dict[tuple[str, str], int] = {}
    info: list[tuple[str, str, str, bool]] = []  # platform, account, name, tracked
    edges: list[tuple[int, int]] = []
    for row in pairs.itertuples(index=False):
        ends = []
        ends_ab = ((row.account_a, row.handle_a, row.tracked_a), (row.account_b, row.handle_b, row.tracked_b))
        for acc, name, tracked in ends_ab:
            key = (row.platform, acc)
            if key not in nodes:
                nodes[key] = len(info)
                info.append((row.platform, acc, name, bool(tracked)))
            ends.append(nodes[key])
        edges.append((ends[0], ends[1]))
    g = ig.Graph(n=len(info), edges=edges)
    membership = g.connected_components().membership
    comp_pairs: dict[int, int] = {}
    comp_events: dict[int, int] = {}
    for (u, _v), n in zip(edges, pairs["events"], strict=True):
        c = membership[u]
        comp_pairs[c] = comp_pairs.get(c, 0) + 1
        comp_events[c] = comp_events.get(c, 0) + int(n)
    mapping = pd.DataFrame({"platform": [i[0] for i in info], "account": [i[1] for i in info], "comp": membership})
    view = f"_dt_comp_{tag}"
    con.register(view, mapping)
    try:
        med = dict(
            con.execute(
                f"""SELECT m.comp, median(e.lag_us / 1e6) FROM {events} e
                    JOIN {view} m ON m.platform = e.platform AND m.account = e.a GROUP BY m.comp"""
            ).fetchall()
        )
    finally:
        con.unregister(view)
    comps: dict[int, list[int]] = {}
    for i, c in enumerate(membership):
        comps.setdefault(c, []).append(i)
    rows = []
    for c, members in comps.items():
        members = sorted(members, key=lambda i: (info[i][2].lower(), info[i][1]))
        n = len(members)
        rows.append(
            {
                "platform": info[members[0]][0],
                "accounts": n,
                "members": [info[i][2] for i in members],
                "member_ids": [info[i][1] for i in members],
                "pairs": comp_pairs[c],
                "events": comp_events[c],
                "median_lag_s": float(med[c]),
                "tracked_members": sum(info[i][3] for i in members),
                "density": comp_pairs[c] / (n * (n - 1) / 2),
            }
        )
    rows.sort(key=lambda r: (-r["events"], -r["accounts"], r["platform"], r["member_ids"]))
    for rank, r in enumerate(rows, start=1):
        r["cluster"] = rank
    return pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
