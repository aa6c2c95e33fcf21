"""The edges and node labels of ``build.build_network`` as Ibis expressions, so that they run where the
tables are: in DuckDB for a store, in Spark for a Parquet export (issue 18). Only the aggregated edges
(one row per pair) and the labels of their nodes reach Python; igraph (metrics.py) runs on them there.

The rules (kinds, node ids, self-loops, weights, rollups, filters) are build.py's module docstring;
this module is their one implementation. Two choices the SQL left to the engine are fixed here, so
that every engine gives the same table: a node's label is the handle of its latest profile snapshot
(else of its latest post) and, where two carry the same time, the larger handle; a tracked node's
roster fields are those of its smallest key.
"""

from __future__ import annotations

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from diplotrack.analyses.base import Filters, Tables, materialize, roster_keys, use_rollups
from diplotrack.analyses.query import account_terms, ibis_predicates, window_terms
from diplotrack.analyses.rollup_rows import window_rows
from diplotrack.networks.build import DIRECTED, REFS, Network
from diplotrack.networks.options import check_network_kind

ROSTER_FIELDS = ("platform", "handle", "kind", "institutional", "state", "host_country", "name")
NODE_COLUMNS = [
    "id",
    "label",
    "platform",
    "tracked",
    "kind",
    "institutional",
    "state",
    "host_country",
    "name",
    "node_type",
]


def rolled(t: Tables, kind: str, f: Filters) -> bool:
    """Whether the ``kind`` network's edges are read from the rollups: a repost, quote, reply or mention
    network, rollups current and not turned off, a day-aligned window (``base.use_rollups``)."""
    return (kind in REFS or kind == "mention") and use_rollups(t, f)


def _filtered(table: ir.Table, f: Filters, time: str = "created_at") -> ir.Table:
    for predicate in ibis_predicates(table, window_terms(f, time)):
        table = table.filter(predicate)
    return table


def roster(t: Tables, f: Filters) -> ir.Table:
    """Every roster key (the whole roster) with its account's node and whether it passes the account
    filters of ``f``. Columns: platform, key, node, passes, and ``ROSTER_FIELDS``."""
    k = roster_keys(t, Filters())
    passes: ir.BooleanValue = ibis.literal(True)
    for predicate in ibis_predicates(k, account_terms(f)):
        passes &= predicate.fill_null(False)
    # computed once per run and account filters (each network joins it two or three times)
    terms = Filters(states=f.states, kinds=f.kinds, institutional=f.institutional, host_countries=f.host_countries)
    return materialize(
        t,
        "network_roster",
        terms,
        k.select(
            "platform",
            "key",
            *ROSTER_FIELDS[1:],
            node=k.platform + ibis.literal(":") + k.handle,
            passes=passes,
        ),
    )


def raw_edges(t: Tables, kind: str, f: Filters) -> ir.Table:
    """(platform, src, dst, weight) before keys are mapped to nodes, for every kind but the hashtag ones."""
    if rolled(t, kind, f):
        if kind in REFS:
            r = window_rows(t, f, "rollup_refs_day")
            r = r.filter(r.ref == kind)
            e = r.select(r.platform, src=r.author_id, dst=r.target_author_id, weight=r.posts)
        else:
            r = window_rows(t, f, "rollup_entities_day")
            r = r.filter((r.type == "mention") & (r.kind != "repost"))
            e = r.select(r.platform, src=r.author_id, dst=ibis.literal("handle:") + r.normalized, weight=r.posts)
        return e.group_by("platform", "src", "dst").aggregate(weight=e.weight.sum().cast("int64"))
    if kind in REFS:
        p = _filtered(t.posts, f)
        c = p[REFS[kind]]
        p = p.filter(c.notnull() & p.author_id.notnull())
        return p.group_by(p.platform, src=p.author_id, dst=c).aggregate(weight=ibis._.count())
    if kind == "mention":
        p = _filtered(t.posts, f)
        p = p.filter((p.kind != "repost") & p.author_id.notnull()).select("platform", "post_id", "author_id")
        e = t.post_entities.filter(t.post_entities.type == "mention")
        j = p.join(e, [p.platform == e.platform, p.post_id == e.post_id])
        j = j.select(p.platform, p.post_id, src=p.author_id, dst=ibis.literal("handle:") + e.normalized)
        return j.group_by("platform", "src", "dst").aggregate(weight=j.post_id.nunique())
    if kind == "follow":
        if t.follow_edges is None:
            raise AssertionError("no follow_edges table")  # every store and export has one
        fe = _filtered(t.follow_edges, f, "observed_at")
        fe = fe.select(fe.platform, src=fe.follower_id, dst=fe.followed_id).distinct()
        return fe.mutate(weight=ibis.literal(1, type="int64"))
    raise AssertionError(kind)  # check_network_kind refused it


def edges(t: Tables, kind: str, f: Filters) -> ir.Table:
    """The ``kind`` network's edges: source, target (node ids), weight (int64), one row per pair,
    self-loops left out; not ordered."""
    r = roster(t, f)
    if kind in ("hashtag", "cohashtag"):
        return _hashtag_edges(t, kind, f, r)
    e = raw_edges(t, kind, f)
    rs = r.select(s_platform=r.platform, s_key=r.key, s_node=r.node, s_passes=r.passes)
    rd = r.select(d_platform=r.platform, d_key=r.key, d_node=r.node, d_passes=r.passes)
    j = e.left_join(rs, [e.platform == rs.s_platform, e.src == rs.s_key])
    j = j.left_join(rd, [j.platform == rd.d_platform, j.dst == rd.d_key])
    j = j.select(source=j.s_node.coalesce(j.src), target=j.d_node.coalesce(j.dst), weight=j.weight, keep=_keep(j, f))
    j = j.filter(j.keep & (j.source != j.target))
    return j.group_by("source", "target").aggregate(weight=j.weight.sum().cast("int64"))


def _keep(j: ir.Table, f: Filters) -> ir.BooleanValue:
    """Whether an edge touches a tracked account passing the account filters (always, without any)."""
    if not account_terms(f):
        return ibis.literal(True)
    return j.s_passes.fill_null(False) | j.d_passes.fill_null(False)


def _hashtag_edges(t: Tables, kind: str, f: Filters, r: ir.Table) -> ir.Table:
    p = _filtered(t.posts, f)
    p = p.filter(p.kind != "repost")
    if account_terms(f):
        r = r.filter(r.passes)
    own = p.join(r, [p.platform == r.platform, p.author_id == r.key]).select(p.platform, p.post_id, r.node)
    e = t.post_entities.filter(t.post_entities.type == "hashtag")
    j = own.join(e, [own.platform == e.platform, own.post_id == e.post_id])
    if kind == "hashtag":
        j = j.select(own.post_id, source=own.node, target=ibis.literal("#") + e.normalized)
        return j.group_by("source", "target").aggregate(weight=j.post_id.nunique().cast("int64"))
    tags = j.select(own.platform, own.post_id, tag=e.normalized).distinct()
    b = tags.select(b_platform=tags.platform, b_post_id=tags.post_id, b_tag=tags.tag)
    pairs = tags.join(b, [tags.platform == b.b_platform, tags.post_id == b.b_post_id, tags.tag < b.b_tag])
    pairs = pairs.select(source=ibis.literal("#") + pairs.tag, target=ibis.literal("#") + pairs.b_tag)
    return pairs.group_by("source", "target").aggregate(weight=ibis._.count().cast("int64"))


def latest(rows: ir.Table, keys: tuple[str, ...], value: str, time: str) -> ir.Table:
    """Per ``keys``: the ``value`` of the latest row by ``time`` (of rows at that time, the largest value;
    rows without a time left out). Columns: keys, value. One aggregate ordered by (time, value), not
    ``arg_max`` by time alone, whose pick among rows at one time is the engine's."""
    rows = rows.filter(rows[time].notnull())
    order = ibis.struct({"t": rows[time], "v": rows[value]})
    return rows.group_by(*keys).aggregate(**{value: rows[value].argmax(order)})


def nodes(t: Tables, kind: str, f: Filters, e: ir.Table) -> ir.Table:
    """The nodes of the edges ``e`` (``edges``) with their labels and roster fields (``NODE_COLUMNS``),
    ordered by id; only the edges' ids are looked up."""
    ids = e.select(id=e.source).union(e.select(id=e.target), distinct=True)
    r = roster(t, f)
    first = r.mutate(_rn=ibis.row_number().over(group_by=r.node, order_by=[r.key, r.platform]))
    tracked = first.filter(first._rn == 0).select("node", *ROSTER_FIELDS)
    s = t.profile_snapshots.filter(t.profile_snapshots.handle.notnull())
    s = s.semi_join(ids, s.user_id == ids.id)
    seen = latest(s, ("user_id",), "handle", "observed_at").rename(s_id="user_id", s_handle="handle")
    p = t.posts.filter(t.posts.author_handle.notnull())
    p = p.semi_join(ids, p.author_id == ids.id)
    authored = latest(p, ("author_id",), "author_handle", "created_at").rename(
        a_id="author_id", a_handle="author_handle"
    )
    j = ids.left_join(tracked, ids.id == tracked.node)
    j = j.left_join(seen, j.id == seen.s_id)
    j = j.left_join(authored, j.id == authored.a_id)
    own = ibis.cases((j.id.startswith("handle:"), j.id.substr(7)), else_=j.id)
    return j.select(
        id=j.id,
        label=ibis.coalesce(j.handle, j.s_handle, j.a_handle, own),
        platform=j.platform,
        tracked=j.node.notnull(),
        kind=j.kind,
        institutional=j.institutional,
        state=j.state,
        host_country=j.host_country,
        name=j.name,
        node_type=ibis.cases((j.id.startswith("#"), "hashtag"), else_="account"),
    ).order_by("id")


def as_pandas(expr: ir.Table) -> pd.DataFrame:
    """``expr``'s rows as a DataFrame typed as DuckDB types its results (text as ``str``, a boolean
    column with NULLs as ``boolean``, a column of NULLs as ``object``), whichever engine computed them:
    the rows travel as Arrow and DuckDB converts them."""
    rows = expr.to_pyarrow()
    return duckdb.from_arrow(rows).df()


def network_frames(t: Tables, kind: str, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) of the ``kind`` network as pandas DataFrames: computed by ``t``'s engine, the edges
    once (cached there while the nodes are looked up), ordered by weight (descending), source, target."""
    e = edges(t, kind, f).cache()
    try:
        edge_df = as_pandas(e.order_by([ibis.desc("weight"), "source", "target"]))
        node_df = as_pandas(nodes(t, kind, f, e))
    finally:
        e.release()
    return node_df, edge_df


def build_network_on(t: Tables, kind: str, f: Filters | None = None) -> Network:
    """``build.build_network`` computed by ``t``'s engine (Spark): the same ``Network``, without metrics."""
    f = f or Filters()
    check_network_kind(kind)
    node_df, edge_df = network_frames(t, kind, f)
    return Network(kind=kind, directed=DIRECTED.get(kind, False), nodes=node_df, edges=edge_df)
