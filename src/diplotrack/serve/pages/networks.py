"""The networks pages: ``/networks`` lists the repost, quote, reply, mention and follow networks;
``/networks/<kind>`` shows one with its nodes, edges and communities (``_table=``), an interactive
drawing of its top nodes (an iframe on ``/networks/<kind>/view``) and downloads of the whole
network for Gephi (``/networks/<kind>/download.gexf|.graphml|.csv``, routes in serve/network_view.py).

One literal page per kind (not a path parameter) keeps every address of a network a plain page of
the registry, with the same filters, JSON and CSV twins as any other page.

The network is ``networks/build.py``'s, with the metrics the dashboard can afford per click:
weighted degrees, PageRank and Leiden communities (``networks/metrics.py``). Betweenness is left
out: at a million posts it alone costs seconds (``diplotrack network KIND`` computes it). Each
network is built once per store generation and selection and kept, with its tables, while it is
one of the few most recently used (``network_memo``: bounded by networks, since each can weigh
50-100 MB), in memory: the store's result cache (a folder beside the store) is not written by a request.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import pandas as pd

from diplotrack.analyses.base import Filters
from diplotrack.errors import UsageError
from diplotrack.networks.build import Network
from diplotrack.serve.pages.base import (
    POST_FILTER_CAVEAT,
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
    cut_page,
    sort_frame,
    sort_order,
)
from diplotrack.serve.reader import StoreReader

T = TypeVar("T")
KINDS = ("repost", "quote", "reply", "mention", "follow")
MAX_NETWORKS = 8  # networks (kind and selection) kept with their tables: 50-100 MB each at 1M posts
MAX_DERIVED = 24  # tables, sorted copies and drawings kept per network
EDGE_MEANING = {
    "repost": "author → the author of the post it reposts, weighted by posts",
    "quote": "author → the author of the post it quotes, weighted by posts",
    "reply": "author → the author of the post it replies to, weighted by posts",
    "mention": "author → each account its own text mentions (reposts left out), weighted by posts",
    "follow": "follower → followed account (follow edges observed), weight 1",
}
NODE_COLUMNS = [  # the label first and the long or technical columns last, for reading
    "label",
    "tracked",
    "kind",
    "platform",
    "in_degree",
    "out_degree",
    "in_links",
    "out_links",
    "pagerank",
    "community",
    "institutional",
    "state",
    "host_country",
    "name",
    "id",
]
EDGE_COLUMNS = ["source", "target", "weight", "source_label", "target_label"]
METRICS_NOTE = (
    "Degrees are sums of edge weights (links: edges); PageRank weighted, damping 0.85; communities by "
    "Leiden (modularity, weighted, on the undirected network; 1 is the largest). Betweenness is not "
    "computed here (seconds on large networks): 'diplotrack network KIND' computes it."
)


# -- the network of a view ------------------------------------------------------------------------


def _with_metrics(net: Network) -> Network:
    """``net`` with degrees, PageRank and communities (metrics.py's, without betweenness)."""
    from diplotrack.networks.metrics import communities, to_igraph

    g = to_igraph(net)
    nodes = net.nodes.copy()
    w = g.es["weight"] if g.ecount() else None
    mode_in, mode_out = ("in", "out") if net.directed else ("all", "all")
    nodes["in_degree"] = g.strength(mode=mode_in, weights=w, loops=False)
    nodes["out_degree"] = g.strength(mode=mode_out, weights=w, loops=False)
    nodes["in_links"] = g.degree(mode=mode_in, loops=False)
    nodes["out_links"] = g.degree(mode=mode_out, loops=False)
    nodes["pagerank"] = g.pagerank(weights=w, directed=net.directed, damping=0.85) if g.vcount() else []
    nodes["community"] = communities(g)
    summary = {
        "nodes": g.vcount(),
        "edges": g.ecount(),
        "directed": net.directed,
        "reciprocity": g.reciprocity(ignore_loops=True) if net.directed and g.ecount() else None,
        "communities": int(nodes["community"].max()) if len(nodes) else 0,
    }
    return Network(kind=net.kind, directed=net.directed, nodes=nodes, edges=net.edges, summary=summary)


class _Networks:
    """The networks of one reader's recent views, each with what is derived from it (tables, sorted
    copies, the drawing), at most ``MAX_NETWORKS`` of them, least recently used out first.

    Not ``StoreReader.memo``: that cache bounds entries, not bytes, and a million-post network with
    its tables holds 50-100 MB; a visitor walking through filters must not pile them up. The same
    rules otherwise: keyed by the store's generation, and concurrent requests for one network wait
    for the first to build it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bundles: OrderedDict[tuple, OrderedDict[tuple, Any]] = OrderedDict()
        self.gates: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, name: tuple, build: Callable[[], Any]) -> Any:
        with self.lock:
            bundle = self.bundles.get(key)
            if bundle is not None:
                self.bundles.move_to_end(key)
                if name in bundle:
                    bundle.move_to_end(name)
                    return bundle[name]
            gate = self.gates.setdefault((*key, *name), threading.Lock())
        with gate:
            with self.lock:
                bundle = self.bundles.get(key)
                if bundle is not None and name in bundle:
                    return bundle[name]
            value = build()
            with self.lock:
                bundle = self.bundles.setdefault(key, OrderedDict())
                bundle[name] = value
                while len(bundle) > MAX_DERIVED:
                    bundle.popitem(last=False)
                self.bundles.move_to_end(key)
                while len(self.bundles) > MAX_NETWORKS:
                    self.bundles.popitem(last=False)
                self.gates.pop((*key, *name), None)
            return value


_CACHES: weakref.WeakKeyDictionary[StoreReader, _Networks] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def network_memo(reader: StoreReader, kind: str, f: Filters, name: tuple, build: Callable[[], T]) -> T:
    """``build()`` once per store generation, network (``kind``, ``f``) and ``name``, kept while the
    network is one of the ``MAX_NETWORKS`` most recently used (see ``_Networks``)."""
    with _CACHES_LOCK:
        cache = _CACHES.setdefault(reader, _Networks())
    return cache.get((reader.generation(), kind, repr(f)), name, build)  # type: ignore[no-any-return]


def network_of(reader: StoreReader, kind: str, f: Filters) -> Network:
    """The ``kind`` network for the selection ``f`` with its metrics, once per store generation."""
    if kind not in KINDS:
        raise UsageError(f"unknown network kind {kind!r}; use one of {', '.join(KINDS)}")

    def build() -> Network:
        from diplotrack.networks.build import build_network

        return _with_metrics(build_network(reader.cursor(), kind, f))

    return network_memo(reader, kind, f, ("network",), build)


def node_table(reader: StoreReader, kind: str, f: Filters) -> pd.DataFrame:
    """The nodes as the page, its JSON twin and the downloads show them."""
    return network_memo(reader, kind, f, ("nodes",), lambda: network_of(reader, kind, f).nodes[NODE_COLUMNS])


def edge_table(reader: StoreReader, kind: str, f: Filters) -> pd.DataFrame:
    """The edges (source, target, weight) with the labels of their ends."""

    def build() -> pd.DataFrame:
        net = network_of(reader, kind, f)
        ids, labels = pd.Index(net.nodes["id"]), net.nodes["label"].to_numpy()
        e = net.edges[["source", "target", "weight"]].reset_index(drop=True)
        e["source_label"] = labels[ids.get_indexer(e["source"])] if len(e) else []
        e["target_label"] = labels[ids.get_indexer(e["target"])] if len(e) else []
        return e[EDGE_COLUMNS]

    return network_memo(reader, kind, f, ("edges",), build)


def own_sort(ctx: Context, columns: object) -> tuple[Context, list[str]]:
    """``ctx`` without its ``_sort`` when this table has no such column, and the note that says so.

    A page of several tables gets one ``_sort`` for all of them (the sort links of its HTML carry no
    ``_table``): a column of one table must not make the page's other tables an error."""
    v = ctx.view
    if v.sort is None or v.sort in list(columns):  # type: ignore[call-overload]
        return ctx, []
    note = f"Shown in its default order: this table has no column {v.sort!r} to sort by."
    return Context(ctx.reader, replace(v, sort=None, sort_desc=False), ctx.path_params), [note]


def sorted_page(
    ctx: Context,
    kind: str,
    name: tuple,
    df: pd.DataFrame,
    *,
    key: list[str],
    default_sort: str | None,
    default_desc: bool = True,
    presorted: bool = False,
) -> tuple[pd.DataFrame, str | None]:
    """``base.page_frame`` for a network's large tables: the sorted frame is kept with the ``kind``
    network of the view (``network_memo``) per table ``name`` and sort order, so a request for another
    page of a 300,000-edge table only cuts rows instead of sorting them again.
    ``presorted``: ``df`` is already in the default order (the edges, as build.py orders them)."""
    v = ctx.view
    # an unknown column is refused before anything is kept
    sort_order(df, ctx, key=key, default_sort=default_sort, default_desc=default_desc)

    def build() -> pd.DataFrame:
        if presorted and not v.sort:
            return df.reset_index(drop=True)
        return sort_frame(df, ctx, key=key, default_sort=default_sort, default_desc=default_desc)

    sort = v.sort or default_sort
    desc = v.sort_desc if v.sort else default_desc
    out = network_memo(ctx.reader, kind, v.filters, ("sorted", *name, sort, desc), build)
    return cut_page(out, ctx)


def _coverage(ctx: Context, kind: str) -> dict:
    return coverage_dict(ctx.reader.coverage(ctx.view.filters, "follows" if kind == "follow" else "posts"))


def _notes(ctx: Context, *extra: str) -> list[str]:
    return ([POST_FILTER_CAVEAT] if ctx.view.post_filtered else []) + list(extra)


def _search(df: pd.DataFrame, q: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows where any of ``columns`` contains ``q`` (case-insensitive, plain text)."""
    if not q:
        return df
    hit = pd.Series(False, index=df.index)
    for c in columns:
        hit |= df[c].astype("string").str.contains(q, case=False, regex=False).fillna(False).astype(bool)
    return df[hit]


def _tracked_link(row: dict) -> str | None:
    return account_url(row.get("platform"), row.get("label")) if row.get("tracked") else None


# -- tables ---------------------------------------------------------------------------------------


def _nodes(kind: str) -> Callable[[Context], Panel]:
    def build(ctx: Context) -> Panel:
        f, q = ctx.view.filters, ctx.view.q
        df = node_table(ctx.reader, kind, f)
        df = _search(df, q, ("label", "name", "id")) if q else df
        ctx, sorted_note = own_sort(ctx, df.columns)
        rows, nxt = sorted_page(ctx, kind, ("nodes", q), df, key=["id"], default_sort="pagerank")
        summary = network_of(ctx.reader, kind, f).summary
        recip = summary.get("reciprocity")
        line = f"{summary['nodes']:,} nodes, {summary['edges']:,} edges, {summary['communities']:,} communities" + (
            f", reciprocity {recip:.3f}." if recip is not None else "."
        )
        return Panel(
            rows,
            _coverage(ctx, kind),
            next=nxt,
            total=len(df),
            notes=_notes(ctx, line, METRICS_NOTE, *sorted_note),
            links={"label": _tracked_link},
        )

    return build


def _edges(kind: str) -> Callable[[Context], Panel]:
    def build(ctx: Context) -> Panel:
        f, q = ctx.view.filters, ctx.view.q
        df = edge_table(ctx.reader, kind, f)
        df = _search(df, q, ("source", "target", "source_label", "target_label")) if q else df
        ctx, sorted_note = own_sort(ctx, df.columns)
        rows, nxt = sorted_page(
            ctx, kind, ("edges", q), df, key=["source", "target"], default_sort="weight", presorted=True
        )
        return Panel(
            rows,
            _coverage(ctx, kind),
            next=nxt,
            total=len(df),
            notes=_notes(ctx, EDGE_MEANING[kind] + ".", *sorted_note),
        )

    return build


def _communities(kind: str) -> Callable[[Context], Panel]:
    def build(ctx: Context) -> Panel:
        from diplotrack.networks.metrics import community_makeup

        f = ctx.view.filters
        df = network_memo(
            ctx.reader, kind, f, ("communities",), lambda: community_makeup(network_of(ctx.reader, kind, f).nodes)
        )
        ctx, sorted_note = own_sort(ctx, df.columns)
        rows, nxt = sorted_page(ctx, kind, ("communities",), df, key=["community"], default_sort=None)
        return Panel(rows, _coverage(ctx, kind), next=nxt, total=len(df), notes=_notes(ctx, *sorted_note))

    return build


def _kinds(ctx: Context) -> Panel:
    rows = pd.DataFrame(
        {
            "network": list(KINDS),
            "directed": [True] * len(KINDS),
            "edge": [EDGE_MEANING[k] for k in KINDS],
            "built_from": ["follow_edges" if k == "follow" else "posts" for k in KINDS],
        }
    )
    view = ctx.view
    return Panel(
        rows,
        None,  # a list of the networks: nothing counted
        notes=_notes(ctx),
        links={"network": lambda r: view.url(f"/networks/{r['network']}")},
    )


def _kind_page(kind: str) -> Page:
    return Page(
        f"network_{kind}",
        f"/networks/{kind}",
        f"{kind.capitalize()} network",
        (
            Table("nodes", "Accounts (nodes)", _nodes(kind), "Every account of the network with its metrics."),
            Table("edges", "Links (edges)", _edges(kind), f"One row per linked pair: {EDGE_MEANING[kind]}."),
            Table(
                "communities",
                "Communities",
                _communities(kind),
                "Leiden communities: size, tracked members, members by roster kind, the top five by PageRank.",
            ),
        ),
        description=(
            f"The {kind} network ({EDGE_MEANING[kind]}) of the selection. Account filters keep the links "
            "that touch at least one selected tracked account; the window applies to the posts "
            "(follows: when the edge was observed). A link is an interaction the store holds, not a "
            "relationship: what was not collected is not here."
        ),
        template="networks.html.j2",
        in_nav=False,
    )


PAGES: tuple[Page, ...] = (
    Page(
        "networks",
        "/networks",
        "Networks",
        (Table("networks", "Networks", _kinds, "The networks the dashboard draws, and what their links are."),),
        description=(
            "Who reposts, quotes, replies to, mentions and follows whom, among the selected accounts and "
            "everyone they interact with. Pick a network for its accounts, links, communities, an "
            "interactive drawing and downloads for Gephi."
        ),
    ),
    *(_kind_page(k) for k in KINDS),
)
