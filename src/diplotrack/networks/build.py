"""Networks built from the store: who reposts, quotes, replies to, mentions and follows whom; which
accounts use which hashtags; which hashtags go together.

Edges are aggregated in DuckDB (one row per pair, weighted by count) and only then handed to
igraph (metrics.py): that is what keeps a 10-million-post store fast. On other engines (Spark) the
same edges and nodes come from build_ibis.py (Ibis expressions; slower than this SQL on DuckDB,
docs/analyses/networks.md "Networks on Spark"); tests/networks/test_networks_ibis.py keeps the two equal.

Nodes. A tracked account (roster) is one node whatever key its posts are filed under (its
platform id, or the ``handle:`` placeholder of handle-only sources): its id is
``<platform>:<roster handle>``. Any other account is a node under the key the store knows it by
(a platform id, or ``handle:<handle>``), labelled with the newest handle seen for it. Hashtags are
nodes ``#<case-folded tag>``.

Kinds (``networks.options.NETWORK_KINDS``):
- ``repost``, ``quote``, ``reply``: author → the author of the reposted, quoted or replied-to post
  (``posts.*_author_id``), directed, weighted by posts; a post that quotes and replies counts in
  both networks; self-loops (threads, self-reposts) are left out.
- ``mention``: author → each account its own text mentions (``post_entities`` of type mention;
  not reposts, whose text is another's), weighted by the posts that mention it (a post naming an
  account twice, ``@Foo`` and ``@foo``, counts once).
- ``follow``: follower → followed (``follow_edges``), weight 1; in a window, the edges observed in it.
- ``hashtag``: account → hashtag (bipartite, undirected), weighted by the account's own posts
  (not reposts) using it; tracked accounts only.
- ``cohashtag``: hashtag — hashtag, weighted by the tracked accounts' own posts using both.

Where edges come from. The repost, quote, reply and mention edges are read from the store's rollups
(``rollup_refs_day``, ``rollup_entities_day``: posts per author, day and target) when they are
current (``store.rollups.usable``), the window starts and ends at midnight and ``DIPLOTRACK_ROLLUPS``
is not ``0``; otherwise from ``posts`` (and ``post_entities``). Both give the same edges
(tests/networks/test_network_rollups.py); the rollups hold one row per author, day and target
instead of one per post. Follow and hashtag networks always read the base tables.

Filters: the window applies to ``posts.created_at`` (``follow_edges.observed_at`` for follows), the
platforms to everything. Account filters (states, kinds, institutional, host countries) keep the
edges that touch at least one tracked account passing them (and, for hashtag networks, the posts
of those accounts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from diplotrack.analyses.base import Filters, rollups_answer, roster_keys_sql
from diplotrack.analyses.query import account_terms, sql_conditions, window_terms
from diplotrack.networks.options import check_network_kind

DIRECTED = {"repost": True, "quote": True, "reply": True, "mention": True, "follow": True}


@dataclass
class Network:
    kind: str
    directed: bool
    nodes: pd.DataFrame  # id, label, platform, tracked, kind, institutional, state, host_country, name, node_type
    edges: pd.DataFrame  # source, target, weight
    summary: dict = field(default_factory=dict)


# The roster keys (analyses.base.roster_keys, compiled) with each tracked account's node and whether it
# passes the account filters. Raw SQL rather than Ibis for the edges: aggregated in DuckDB before igraph
# (bench/network_bench.py measures building the repost and mention networks with PageRank and Leiden).
_ROSTER = """
CREATE OR REPLACE TEMP TABLE _net_roster AS
SELECT rk.platform, rk.key, rk.platform || ':' || rk.handle AS node, rk.handle, rk.kind, rk.institutional, rk.state,
       rk.host_country, rk.name, {passes} AS passes
FROM ({keys}) rk
"""


def _window(f: Filters, time: str = "created_at", alias: str = "") -> tuple[str, list]:
    where, params = sql_conditions(window_terms(f, time), alias)
    return where, list(params)


REFS = {"repost": "reposted_author_id", "quote": "quoted_author_id", "reply": "replied_to_author_id"}


def from_rollups(con: duckdb.DuckDBPyConnection, kind: str, f: Filters) -> bool:
    """Whether the ``kind`` network's edges are read from the rollups: a repost, quote, reply or mention
    network, rollups current and not turned off, a window that starts and ends at midnight."""
    return (kind in REFS or kind == "mention") and rollups_answer(con, f)


def _raw_edges_sql(kind: str, f: Filters, *, rolled: bool = False) -> tuple[str, list]:
    """(platform, src_key, dst_key, weight) before keys are mapped to nodes; ``rolled``: from the
    rollups (the caller checked ``from_rollups``)."""
    if rolled:
        where, params = _window(f, "day")
        if kind in REFS:
            return (
                f"""SELECT platform, author_id AS src, target_author_id AS dst, sum(posts) AS weight
                    FROM rollup_refs_day WHERE ref = ? AND {where} GROUP BY ALL""",
                [kind, *params],
            )
        return (
            f"""SELECT platform, author_id AS src, 'handle:' || normalized AS dst, sum(posts) AS weight
                FROM rollup_entities_day WHERE type = 'mention' AND kind <> 'repost' AND {where} GROUP BY ALL""",
            params,
        )
    where, params = _window(f)
    if kind in REFS:
        c = REFS[kind]
        return (
            f"""SELECT platform, author_id AS src, {c} AS dst, count(*) AS weight FROM posts
                WHERE {c} IS NOT NULL AND author_id IS NOT NULL AND {where} GROUP BY ALL""",
            params,
        )
    if kind == "mention":
        return (
            f"""SELECT p.platform, p.author_id AS src, 'handle:' || e.normalized AS dst,
                       count(DISTINCT p.post_id) AS weight
                FROM (SELECT platform, post_id, author_id FROM posts
                      WHERE kind <> 'repost' AND author_id IS NOT NULL AND {where}) p
                JOIN post_entities e ON e.platform = p.platform AND e.post_id = p.post_id AND e.type = 'mention'
                GROUP BY ALL""",
            params,
        )
    if kind == "follow":
        where, params = _window(f, "observed_at")
        return (
            f"""SELECT platform, follower_id AS src, followed_id AS dst, 1 AS weight FROM follow_edges
                WHERE {where} GROUP BY ALL""",
            params,
        )
    raise AssertionError(kind)  # check_network_kind refused it


def build_network(con: duckdb.DuckDBPyConnection, kind: str, f: Filters | None = None) -> Network:
    """The ``kind`` network for the window and filters in ``f`` (see the module docstring)."""
    f = f or Filters()
    check_network_kind(kind)
    passes, pparams = sql_conditions(account_terms(f), "rk")
    con.execute(_ROSTER.format(passes=passes, keys=roster_keys_sql()), pparams)
    try:
        if kind in ("hashtag", "cohashtag"):
            edges = _hashtag_edges(con, kind, f)
        else:
            raw, params = _raw_edges_sql(kind, f, rolled=from_rollups(con, kind, f))
            keep = "(rs.passes OR rd.passes)" if account_terms(f) else "true"
            # self-loops out before grouping: in DuckDB 1.5 ``GROUP BY ALL ... HAVING source <> target``
            # also grouped by the columns under the aliases, splitting an account filed under two keys
            edges = con.execute(
                f"""SELECT coalesce(rs.node, e.src) AS source, coalesce(rd.node, e.dst) AS target,
                           sum(e.weight)::BIGINT AS weight
                    FROM ({raw}) e
                    LEFT JOIN _net_roster rs ON rs.platform = e.platform AND rs.key = e.src
                    LEFT JOIN _net_roster rd ON rd.platform = e.platform AND rd.key = e.dst
                    WHERE {keep} AND coalesce(rs.node, e.src) <> coalesce(rd.node, e.dst)
                    GROUP BY 1, 2
                    ORDER BY weight DESC, source, target""",
                params,
            ).df()
        nodes = _nodes(con, edges, kind)
    finally:
        con.execute("DROP TABLE IF EXISTS _net_roster")
    directed = DIRECTED.get(kind, False)
    return Network(kind=kind, directed=directed, nodes=nodes, edges=edges)


def _hashtag_edges(con: duckdb.DuckDBPyConnection, kind: str, f: Filters) -> pd.DataFrame:
    where, params = _window(f, alias="p")
    keep = "r.passes" if account_terms(f) else "true"
    own = f"""SELECT p.platform, p.post_id, r.node FROM posts p
              JOIN _net_roster r ON r.platform = p.platform AND r.key = p.author_id
              WHERE p.kind <> 'repost' AND {where} AND {keep}"""
    if kind == "hashtag":
        sql = f"""SELECT o.node AS source, '#' || e.normalized AS target, count(DISTINCT o.post_id)::BIGINT AS weight
                  FROM ({own}) o JOIN post_entities e
                       ON e.platform = o.platform AND e.post_id = o.post_id AND e.type = 'hashtag'
                  GROUP BY ALL ORDER BY weight DESC, source, target"""
    else:
        sql = f"""WITH tags AS (
                      SELECT DISTINCT o.platform, o.post_id, e.normalized AS tag FROM ({own}) o
                      JOIN post_entities e ON e.platform = o.platform AND e.post_id = o.post_id AND e.type = 'hashtag')
                  SELECT '#' || a.tag AS source, '#' || b.tag AS target, count(*)::BIGINT AS weight
                  FROM tags a JOIN tags b ON a.platform = b.platform AND a.post_id = b.post_id AND a.tag < b.tag
                  GROUP BY ALL ORDER BY weight DESC, source, target"""
    return con.execute(sql, params).df()


def _nodes(con: duckdb.DuckDBPyConnection, edges: pd.DataFrame, kind: str) -> pd.DataFrame:
    ids = pd.unique(pd.concat([edges["source"], edges["target"]], ignore_index=True)) if len(edges) else []
    con.register("_net_ids", pd.DataFrame({"id": pd.Series(ids, dtype="string")}))
    try:
        return con.execute(
            """WITH tracked AS (SELECT DISTINCT ON (node) node, platform, handle, kind, institutional, state,
                                       host_country, name FROM _net_roster ORDER BY node),
                    seen AS (SELECT user_id, arg_max(handle, (observed_at, handle)) AS handle FROM profile_snapshots
                             WHERE handle IS NOT NULL AND observed_at IS NOT NULL GROUP BY user_id),
                    authored AS (SELECT author_id, arg_max(author_handle, (created_at, author_handle)) AS handle
                                 FROM posts WHERE author_handle IS NOT NULL AND created_at IS NOT NULL
                                 GROUP BY author_id)
               SELECT i.id,
                      coalesce(t.handle, s.handle, a.handle,
                               CASE WHEN i.id LIKE 'handle:%' THEN substr(i.id, 8) ELSE i.id END) AS label,
                      t.platform, t.node IS NOT NULL AS tracked, t.kind, t.institutional, t.state, t.host_country,
                      t.name,
                      CASE WHEN i.id LIKE '#%' THEN 'hashtag' ELSE 'account' END AS node_type
               FROM _net_ids i
               LEFT JOIN tracked t ON t.node = i.id
               LEFT JOIN seen s ON s.user_id = i.id
               LEFT JOIN authored a ON a.author_id = i.id
               ORDER BY i.id""",
        ).df()
    finally:
        con.unregister("_net_ids")
