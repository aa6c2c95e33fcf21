"""Network metrics, computed with igraph on the aggregated edges of build.py.

Per node: weighted in- and out-degree (``in_degree``, ``out_degree``: the sums of the edge
weights; for undirected networks both are the weighted degree), unweighted ``in_links`` and
``out_links``, PageRank (weighted, damping 0.85), betweenness and the community.

- **Betweenness** treats an edge's weight as closeness (distance = 1 / weight: a pair that
  interacts often is near). It costs one weighted shortest-path search per source node, each about
  nodes + edges, so nodes × (nodes + edges) decides: exact while it is at most ``EXACT_WORK``; above,
  a Brandes–Pich estimate (``pivot_betweenness``): the shortest paths from ``k`` source nodes drawn
  at random (seeded) to every node, scaled by n / k, with ``k = max(MIN_PIVOTS, EXACT_WORK //
  (nodes + edges))`` so the estimate costs about as much as the largest exact run. Every node gets a
  value; the summary says "approximate: k of n pivot sources…" (error measured in
  docs/analyses/networks.md).
- **Communities**: Leiden (igraph's ``community_leiden``, modularity objective, weighted, on the
  undirected version of the network with the weights of both directions summed), seeded, so a
  run is repeatable. Bounded: one iteration at a time, each improving the previous partition,
  until an iteration gains less than ``LEIDEN_MIN_GAIN`` (relative) modularity or after
  ``LEIDEN_MAX_ITERATIONS``. Run to convergence (igraph's ``n_iterations=-1``) it took 3–5.5 s on
  each of the 1M synthetic benchmark's networks against 0.35–0.66 s bounded, for 0.4–1.3% more
  modularity. Communities are numbered by size, 1 the largest.
- **Reciprocity** (directed networks): the share of linked ordered pairs that are linked both ways.

``community_makeup`` gives each community's size and its members by roster kind.

Cache: given a ``cache.ResultCache``, ``compute_metrics`` keys its result by a hash of the node ids
(in order) and the edges (source, target, weight) in the cache's content scope, so an unchanged edge
set reuses PageRank, Leiden and betweenness across runs and writes that do not touch it (the code
fingerprint in every key makes a code change recompute). Node attributes are not in the key: the
metrics do not depend on them, and the cached columns are joined to the current nodes.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import igraph as ig
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from diplotrack.networks.build import Network

if TYPE_CHECKING:
    from diplotrack.cache import ResultCache

# betweenness: exact while nodes × (nodes + edges) is at most this (0.5–5 s on a busy 2-core machine)
EXACT_WORK = 100_000_000
MIN_PIVOTS = 100
# Leiden: stop when an iteration improves modularity by less than this share, or after this many
LEIDEN_MIN_GAIN = 5e-3
LEIDEN_MAX_ITERATIONS = 10
LEIDEN_PATIENCE = 1  # consecutive iterations under LEIDEN_MIN_GAIN before stopping
SEED = 20211


def _strings(values: pd.Series) -> pa.Array:
    """``values`` as an Arrow large_string array (no copy for pandas' Arrow-backed strings)."""
    arr = pa.array(values, from_pandas=True)
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def to_igraph(net: Network) -> ig.Graph:
    """The network as an igraph graph: vertex i is ``net.nodes["id"][i]`` (attribute ``name``), edges
    carry ``weight``. Ids are mapped to indices vectorised (Arrow's ``index_in``: 0.02 s for 330,000
    edges where a Python dict loop took 0.44 s and pandas' ``get_indexer`` 0.1-0.2 s) and the edges
    added as one array (``add_edges``: a quarter of the time of the ``Graph(edges=...)``
    constructor on the same array)."""
    ids = net.nodes["id"]
    g = ig.Graph(n=len(ids), directed=net.directed)
    if len(net.edges):
        value_set = _strings(ids)
        ends = [pc.index_in(_strings(net.edges[c]), value_set=value_set) for c in ("source", "target")]
        if any(e.null_count for e in ends):
            raise ValueError("an edge names a node that is not in the network's nodes")
        g.add_edges(np.column_stack([e.to_numpy(zero_copy_only=False) for e in ends]))
        g.es["weight"] = net.edges["weight"].to_numpy(dtype=float).tolist()
    else:
        g.es["weight"] = []
    g.vs["name"] = ids.tolist()
    return g


METRIC_COLUMNS = ("in_degree", "out_degree", "in_links", "out_links", "pagerank", "betweenness", "community")


def compute_metrics(net: Network, *, seed: int = SEED, cache: ResultCache | None = None) -> Network:
    """``net`` with metric columns added to its nodes and a summary (reciprocity, communities…);
    read from / written to ``cache`` when given (keyed by the edge set, see the module docstring)."""
    parts = _cache_parts(net, seed) if cache is not None and cache.usable("content") else None
    if parts is not None and cache is not None:
        hit = cache.get(parts, scope="content")
        if hit is not None and hit.frame is not None and list(hit.frame["id"]) == list(net.nodes["id"]):
            nodes = net.nodes.copy()
            for c in METRIC_COLUMNS:
                nodes[c] = hit.frame[c].to_numpy()
            return Network(kind=net.kind, directed=net.directed, nodes=nodes, edges=net.edges, summary=hit.meta)
    out = _compute(net, seed)
    if parts is not None and cache is not None:
        frame = out.nodes[["id", *METRIC_COLUMNS]].reset_index(drop=True)
        cache.put(parts, frame=frame, meta=out.summary, scope="content")
    return out


def _cache_parts(net: Network, seed: int) -> dict | None:
    """The cache key of ``net``'s metrics: a hash of its node ids and edges; None if they cannot be hashed."""
    from diplotrack.cache import frame_digest

    try:
        digest = frame_digest(
            net.nodes["id"].astype(str).reset_index(drop=True),
            net.edges[["source", "target", "weight"]]
            .astype({"source": str, "target": str, "weight": float})
            .reset_index(drop=True),
        )
    except (TypeError, ValueError):
        return None
    return {"what": "network_metrics", "kind": net.kind, "directed": net.directed, "seed": seed, "data": digest}


def _compute(net: Network, seed: int) -> Network:
    g = to_igraph(net)
    nodes = net.nodes.copy()
    w = g.es["weight"] if g.ecount() else None
    if net.directed:
        nodes["in_degree"] = g.strength(mode="in", weights=w, loops=False)
        nodes["out_degree"] = g.strength(mode="out", weights=w, loops=False)
        nodes["in_links"] = g.degree(mode="in", loops=False)
        nodes["out_links"] = g.degree(mode="out", loops=False)
    else:
        nodes["in_degree"] = nodes["out_degree"] = g.strength(weights=w, loops=False)
        nodes["in_links"] = nodes["out_links"] = g.degree(loops=False)
    nodes["pagerank"] = g.pagerank(weights=w, directed=net.directed, damping=0.85) if g.vcount() else []
    nodes["betweenness"], how = betweenness(g, seed=seed)
    nodes["community"] = communities(g, seed=seed)
    summary = {
        "nodes": g.vcount(),
        "edges": g.ecount(),
        "total_weight": float(sum(w)) if w else 0.0,
        "directed": net.directed,
        "reciprocity": (g.reciprocity(ignore_loops=True) if net.directed and g.ecount() else None),
        "communities": int(nodes["community"].max()) if len(nodes) else 0,
        "betweenness": how,
    }
    return Network(kind=net.kind, directed=net.directed, nodes=nodes, edges=net.edges, summary=summary)


def pivots_for(nodes: int, edges: int) -> int:
    """How many pivot sources betweenness uses: all ``nodes`` (exact) while nodes × (nodes + edges) is
    at most ``EXACT_WORK``, else ``max(MIN_PIVOTS, EXACT_WORK // (nodes + edges))`` (at most ``nodes``)."""
    per_source = nodes + edges
    if nodes * per_source <= EXACT_WORK:
        return nodes
    return min(nodes, max(MIN_PIVOTS, EXACT_WORK // per_source))


def betweenness(g: ig.Graph, *, seed: int = SEED, pivots: int | None = None) -> tuple[list[float], str]:
    """Weighted betweenness of every node (distance = 1 / weight) and how it was computed: "exact",
    or "approximate: …" when ``pivots`` (default ``pivots_for``) is below the number of nodes."""
    n = g.vcount()
    if n == 0:
        return [], "exact"
    k = pivots_for(n, g.ecount()) if pivots is None else min(pivots, n)
    values = pivot_betweenness(g, k, seed=seed)
    if k >= n:
        return values, "exact"
    return values, (
        f"approximate: {k:,} of {n:,} pivot sources drawn at random (Brandes–Pich, seed {seed}), values scaled by n/k"
    )


def pivot_betweenness(g: ig.Graph, k: int, *, seed: int = SEED) -> list[float]:
    """Brandes–Pich betweenness estimate: the dependencies of the shortest paths (distance = 1 / weight)
    from ``k`` source nodes drawn uniformly without replacement (seeded) to every node, scaled by
    n / k, an unbiased estimate of the exact betweenness; exact when ``k`` is the number of nodes."""
    n = g.vcount()
    distances = [1.0 / x for x in g.es["weight"]] if g.ecount() else None
    sources = list(range(n)) if k >= n else sorted(random.Random(seed).sample(range(n), k))
    k = len(sources)
    values = g.betweenness(directed=g.is_directed(), weights=distances, sources=sources)
    return [v * n / k for v in values]


def _seeded_leiden(u: ig.Graph, seed: int, **kwargs: object) -> ig.VertexClustering:
    state = random.getstate()
    ig.set_random_number_generator(random.Random(seed))
    try:
        return u.community_leiden(objective_function="modularity", **kwargs)
    finally:
        ig.set_random_number_generator(random)
        random.setstate(state)


def leiden(
    u: ig.Graph,
    *,
    seed: int = SEED,
    min_gain: float | None = LEIDEN_MIN_GAIN,
    max_iterations: int = LEIDEN_MAX_ITERATIONS,
    patience: int = LEIDEN_PATIENCE,
) -> tuple[list[int], float, int]:
    """Leiden on the undirected weighted graph ``u``: (membership, modularity, iterations run).

    Bounded: iterations one at a time, each starting from the previous (best) partition, until
    ``patience`` iterations in a row each gain less than ``min_gain`` of the modularity (relative), or
    after ``max_iterations``. A patience of 2 was tried: it costs one more iteration on the large
    graphs and did not remove the seed-to-seed spread of the flat follow graph (docs/analyses/
    networks.md), so it is 1. ``min_gain=None``
    runs igraph's own loop to convergence (``n_iterations=-1``), the reference the bound is measured
    against."""
    weights = u.es["weight"] if u.ecount() else None
    if min_gain is None:
        parts = _seeded_leiden(u, seed, weights=weights, n_iterations=-1)
        return parts.membership, u.modularity(parts.membership, weights=weights), -1
    membership: list[int] | None = None
    quality = float("-inf")
    done = quiet = 0
    for i in range(max_iterations):
        parts = _seeded_leiden(u, seed + i, weights=weights, n_iterations=1, initial_membership=membership)
        q = u.modularity(parts.membership, weights=weights)
        done += 1
        gain = q - quality
        if membership is None or q >= quality:
            membership, quality = parts.membership, q
        quiet = quiet + 1 if i and gain < min_gain * max(abs(quality), 1e-12) else 0
        if quiet >= patience:
            break
    assert membership is not None
    return membership, quality, done


def undirected(g: ig.Graph) -> ig.Graph:
    """The undirected version of ``g`` with the weights of both directions summed."""
    return g.as_undirected(combine_edges={"weight": "sum"}) if g.is_directed() else g


def communities(g: ig.Graph, *, seed: int = SEED) -> list[int]:
    """Leiden communities (modularity, weighted, bounded) numbered 1.. by size, largest first."""
    if g.vcount() == 0:
        return []
    membership, _, _ = leiden(undirected(g), seed=seed)
    sizes: dict[int, int] = {}
    for m in membership:
        sizes[m] = sizes.get(m, 0) + 1
    order = {m: i + 1 for i, (m, _) in enumerate(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])))}
    return [order[m] for m in membership]


def community_makeup(nodes: pd.DataFrame) -> pd.DataFrame:
    """Per community: size, tracked members, and members by roster kind (untracked: ``untracked``).

    Columns: community, size, tracked, kinds (e.g. ``embassy 5, ministry 1, untracked 12``: most
    members first, ties by kind), top (the five members with the highest PageRank, ties by label).
    Grouped once for all communities: a network of half a million accounts has tens of thousands."""
    if nodes.empty:
        return pd.DataFrame(columns=["community", "size", "tracked", "kinds", "top"])
    n = pd.DataFrame(
        {
            "community": nodes["community"].astype("int64").to_numpy(),
            "kind": nodes["kind"].fillna("untracked").astype(str).to_numpy(),
            "tracked": nodes["tracked"].fillna(False).astype(bool).to_numpy(),
            "label": nodes["label"].astype(str).to_numpy(),
            "pagerank": nodes["pagerank"].to_numpy(),
        }
    )
    by = n.groupby("community", sort=True)
    out = pd.DataFrame({"size": by.size(), "tracked": by["tracked"].sum().astype("int64")})
    kinds = n.groupby(["community", "kind"], sort=False).size().reset_index(name="n")
    kinds = kinds.sort_values(["community", "n", "kind"], ascending=[True, False, True], kind="stable")
    kinds["text"] = kinds["kind"] + " " + kinds["n"].astype(str)
    out["kinds"] = kinds.groupby("community", sort=True)["text"].agg(", ".join)
    top = n.sort_values(["community", "pagerank", "label"], ascending=[True, False, True], kind="stable")
    out["top"] = top.groupby("community", sort=True).head(5).groupby("community", sort=True)["label"].agg(", ".join)
    return out.rename_axis("community").reset_index()[["community", "size", "tracked", "kinds", "top"]]
