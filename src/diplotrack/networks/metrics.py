"""Network metrics, computed with igraph on the aggregated edges of build.py.

Per node: weighted in- and out-degree (``in_degree``, ``out_degree``: the sums of the edge
weights; for undirected networks both are the weighted degree), unweighted ``in_links`` and
``out_links``, PageRank (weighted, damping 0.85), betweenness and the community.

- **Betweenness** treats an edge's weight as closeness (distance = 1 / weight: a pair that
  interacts often is near). Exact up to ``EXACT_BETWEENNESS`` nodes and ``EXACT_EDGES`` edges;
  above that it is computed on the backbone, the subgraph of the ``BACKBONE`` nodes with the
  highest weighted degree, with paths of up to ``APPROX_CUTOFF`` steps, and is missing for the
  other nodes: an approximation the summary flags (exact betweenness on 20,000 nodes and 2 million
  edges takes minutes).
- **Communities**: Leiden (igraph's ``community_leiden``, modularity objective, weighted, on the
  undirected version of the network with the weights of both directions summed), seeded, so a
  run is repeatable. Communities are numbered by size, 1 the largest.
- **Reciprocity** (directed networks): the share of linked ordered pairs that are linked both ways.

``community_makeup`` gives each community's size and its members by roster kind.
"""

from __future__ import annotations

import random

import igraph as ig
import pandas as pd

from diplotrack.networks.build import Network

EXACT_BETWEENNESS = 5000
EXACT_EDGES = 200_000
BACKBONE = 2000
APPROX_CUTOFF = 4
SEED = 20211


def to_igraph(net: Network) -> ig.Graph:
    ids = list(net.nodes["id"])
    index = {v: i for i, v in enumerate(ids)}
    g = ig.Graph(n=len(ids), directed=net.directed)
    if len(net.edges):
        g.add_edges([(index[s], index[t]) for s, t in zip(net.edges["source"], net.edges["target"], strict=True)])
        g.es["weight"] = [float(w) for w in net.edges["weight"]]
    else:
        g.es["weight"] = []
    g.vs["name"] = ids
    return g


def compute_metrics(net: Network, *, seed: int = SEED) -> Network:
    """``net`` with metric columns added to its nodes and a summary (reciprocity, communities…)."""
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
    approximate = g.vcount() > EXACT_BETWEENNESS or g.ecount() > EXACT_EDGES
    if g.vcount() and not approximate:
        distances = [1.0 / x for x in w] if w else None
        nodes["betweenness"] = g.betweenness(directed=net.directed, weights=distances)
    elif g.vcount():
        strength = g.strength(mode="all", weights=w, loops=False)
        keep = sorted(range(g.vcount()), key=lambda i: (-strength[i], i))[:BACKBONE]
        sub = g.induced_subgraph(keep)
        sw = sub.es["weight"] if sub.ecount() else None
        values = sub.betweenness(
            directed=net.directed, weights=[1.0 / x for x in sw] if sw else None, cutoff=APPROX_CUTOFF
        )
        full = [float("nan")] * g.vcount()
        for i, v in zip(keep, values, strict=True):
            full[i] = v
        nodes["betweenness"] = full
    else:
        nodes["betweenness"] = []
    nodes["community"] = communities(g, seed=seed)
    summary = {
        "nodes": g.vcount(),
        "edges": g.ecount(),
        "total_weight": float(sum(w)) if w else 0.0,
        "directed": net.directed,
        "reciprocity": (g.reciprocity(ignore_loops=True) if net.directed and g.ecount() else None),
        "communities": int(nodes["community"].max()) if len(nodes) else 0,
        "betweenness": (
            f"approximate (on the {BACKBONE:,} nodes of highest weighted degree, paths up to {APPROX_CUTOFF} steps)"
            if approximate
            else "exact"
        ),
    }
    return Network(kind=net.kind, directed=net.directed, nodes=nodes, edges=net.edges, summary=summary)


def communities(g: ig.Graph, *, seed: int = SEED) -> list[int]:
    """Leiden communities (modularity, weighted) numbered 1.. by size, largest first."""
    if g.vcount() == 0:
        return []
    u = g.as_undirected(combine_edges={"weight": "sum"}) if g.is_directed() else g
    weights = u.es["weight"] if u.ecount() else None
    state = random.getstate()
    ig.set_random_number_generator(random.Random(seed))
    try:
        parts = u.community_leiden(objective_function="modularity", weights=weights, n_iterations=-1)
    finally:
        ig.set_random_number_generator(random)
        random.setstate(state)
    membership = parts.membership
    sizes: dict[int, int] = {}
    for m in membership:
        sizes[m] = sizes.get(m, 0) + 1
    order = {m: i + 1 for i, (m, _) in enumerate(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])))}
    return [order[m] for m in membership]


def community_makeup(nodes: pd.DataFrame) -> pd.DataFrame:
    """Per community: size, tracked members, and members by roster kind (untracked: ``untracked``).

    Columns: community, size, tracked, kinds (e.g. ``embassy 5, ministry 1, untracked 12``), top
    (the five members with the highest PageRank)."""
    if nodes.empty:
        return pd.DataFrame(columns=["community", "size", "tracked", "kinds", "top"])
    rows = []
    for c, grp in nodes.groupby("community", sort=True):
        kinds = grp["kind"].fillna("untracked").value_counts()
        top = grp.sort_values("pagerank", ascending=False)["label"].head(5)
        rows.append(
            {
                "community": int(c),
                "size": len(grp),
                "tracked": int(grp["tracked"].fillna(False).astype(bool).sum()),
                "kinds": ", ".join(f"{k} {n}" for k, n in kinds.items()),
                "top": ", ".join(map(str, top)),
            }
        )
    return pd.DataFrame(rows)
