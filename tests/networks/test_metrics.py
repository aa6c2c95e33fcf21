"""Network building and metrics, checked against networkx on real data: the CHC 2021 follow
network (1,075 edges among 46 accounts) and the CHC influencer posts (reposts, replies, quotes and
mentions of 35 tracked accounts)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import networkx as nx
import pytest

from diplotrack.analyses.base import Filters
from diplotrack.networks.build import build_network
from diplotrack.networks.metrics import community_makeup, compute_metrics
from diplotrack.networks.options import NETWORK_KINDS as KINDS
from diplotrack.store.db import open_store_read_only


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory: pytest.TempPathFactory, demo_template: Path):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("net") / "d.duckdb"
    shutil.copyfile(demo_template, path)
    con = open_store_read_only(path)
    yield con
    con.close()


def _nx(net) -> nx.DiGraph:  # type: ignore[no-untyped-def]
    g = nx.DiGraph() if net.directed else nx.Graph()
    g.add_nodes_from(net.nodes["id"])
    for s, t, w in zip(net.edges["source"], net.edges["target"], net.edges["weight"], strict=True):
        g.add_edge(s, t, weight=float(w), distance=1.0 / float(w))
    return g


def test_follow_network_reproduces_the_published_fact(demo_con) -> None:  # type: ignore[no-untyped-def]
    net = compute_metrics(build_network(demo_con, "follow"))
    assert net.summary["edges"] == 1075
    indeg = dict(zip(net.nodes["label"], net.nodes["in_degree"], strict=True))
    # SOURCES.md: MFA_China and SpokespersonCHN are each followed by 41 of the 46 accounts
    assert indeg["MFA_China"] == indeg["SpokespersonCHN"] == 41
    assert net.nodes["tracked"].all()


@pytest.mark.parametrize("kind", ["follow", "mention", "repost", "reply"])
def test_metrics_agree_with_networkx(demo_con, kind: str) -> None:  # type: ignore[no-untyped-def]
    net = compute_metrics(build_network(demo_con, kind))
    g = _nx(net)
    assert (g.number_of_nodes(), g.number_of_edges()) == (net.summary["nodes"], net.summary["edges"])
    by_id = net.nodes.set_index("id")
    ind = dict(g.in_degree(weight="weight"))
    outd = dict(g.out_degree(weight="weight"))
    pr = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-10, max_iter=1000)
    bc = nx.betweenness_centrality(g, weight="distance", normalized=False)
    for node in g.nodes:
        assert by_id.loc[node, "in_degree"] == pytest.approx(ind[node])
        assert by_id.loc[node, "out_degree"] == pytest.approx(outd[node])
        assert by_id.loc[node, "pagerank"] == pytest.approx(pr[node], abs=1e-6)
        assert by_id.loc[node, "betweenness"] == pytest.approx(bc[node], abs=1e-6)
    assert net.summary["reciprocity"] == pytest.approx(nx.overall_reciprocity(g))


def test_communities_are_repeatable_and_numbered_by_size(demo_con) -> None:  # type: ignore[no-untyped-def]
    a = compute_metrics(build_network(demo_con, "follow"))
    b = compute_metrics(build_network(demo_con, "follow"))
    assert list(a.nodes["community"]) == list(b.nodes["community"])
    sizes = a.nodes["community"].value_counts().sort_index()
    assert list(sizes) == sorted(sizes, reverse=True)
    makeup = community_makeup(a.nodes)
    assert makeup["size"].sum() == len(a.nodes) == 45
    # the partition is as good as networkx's Louvain finds on the same (undirected, summed) graph
    g = nx.Graph()
    g.add_nodes_from(a.nodes["id"])
    for s, t, w in zip(a.edges["source"], a.edges["target"], a.edges["weight"], strict=True):
        old = g.get_edge_data(s, t, {"weight": 0.0})["weight"]
        g.add_edge(s, t, weight=old + float(w))
    parts = [set(grp["id"]) for _, grp in a.nodes.groupby("community")]
    ours = nx.community.modularity(g, parts, weight="weight")
    louvain = nx.community.louvain_communities(g, weight="weight", seed=1)
    assert len(parts) >= 2 and ours >= nx.community.modularity(g, louvain, weight="weight") - 0.005


def test_every_kind_builds_and_filters_restrict(demo_con) -> None:  # type: ignore[no-untyped-def]
    for kind in KINDS:
        net = build_network(demo_con, kind)
        assert len(net.edges) > 0, kind
        assert set(net.edges["source"]) | set(net.edges["target"]) == set(net.nodes["id"])
    hashtags = build_network(demo_con, "hashtag")
    assert set(hashtags.nodes.loc[hashtags.nodes["node_type"] == "hashtag", "id"].str[0]) == {"#"}
    # the influencers reply to embassies: keeping edges that touch an embassy shrinks the network
    everything = build_network(demo_con, "reply")
    embassies = build_network(demo_con, "reply", Filters(kinds=("embassy",)))
    assert 0 < len(embassies.edges) < len(everything.edges)
    tracked = embassies.nodes[embassies.nodes["tracked"]]
    assert set(tracked["kind"]) >= {"embassy"}
    window = build_network(demo_con, "reply", Filters(start=datetime(2021, 1, 1), end=datetime(2022, 1, 1)))
    assert len(window.edges) < len(everything.edges)
