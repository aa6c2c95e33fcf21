"""The networks pages: their tables against the downloads and the store, the drawing's own CSP and
escaping, links to tracked accounts."""

from __future__ import annotations

import csv
import io
import re

import duckdb
import networkx as nx
import pandas as pd
import pytest

from diplotrack.serve.network_view import drawing_html, drawn_subset


def _all_rows(client, path: str) -> list[dict]:
    body = client.get(path).json()
    assert body["next"] is None, "the demo network fits one page of 1000 rows"
    return body["rows"]


def _tables(client, kind: str, query: str = "") -> tuple[list[dict], list[dict]]:
    sep = "&" if query else ""
    nodes = _all_rows(client, f"/networks/{kind}.json?_table=nodes&_size=1000{sep}{query}")
    edges = _all_rows(client, f"/networks/{kind}.json?_table=edges&_size=1000{sep}{query}")
    return nodes, edges


@pytest.mark.parametrize("query", ["", "kind=embassy"])
def test_downloads_hold_exactly_the_nodes_and_edges_of_the_tables(client, query):
    nodes, edges = _tables(client, "repost", query)
    assert nodes and edges
    ids = {n["id"] for n in nodes}
    links = {(e["source"], e["target"], e["weight"]) for e in edges}
    q = f"?{query}" if query else ""

    gexf = client.get(f"/networks/repost/download.gexf{q}")
    assert gexf.status_code == 200 and "attachment" in gexf.headers["content-disposition"]
    g = nx.read_gexf(io.BytesIO(gexf.content))
    assert g.is_directed()
    assert {g.nodes[n]["label"] for n in g.nodes} == {n["label"] for n in nodes}
    assert len(g.nodes) == len(ids)
    label_of = {n["id"]: n["label"] for n in nodes}
    got = {(g.nodes[s]["label"], g.nodes[t]["label"], int(d["weight"])) for s, t, d in g.edges(data=True)}
    assert got == {(label_of[s], label_of[t], w) for s, t, w in links}

    rows = list(csv.DictReader(io.StringIO(client.get(f"/networks/repost/download.csv{q}").text)))
    assert {(r["Source"], r["Target"], int(r["Weight"])) for r in rows} == links
    assert {r["Type"] for r in rows} == {"Directed"}
    node_rows = list(csv.DictReader(io.StringIO(client.get(f"/networks/repost/download-nodes.csv{q}").text)))
    assert {r["Id"] for r in node_rows} == ids
    graphml = nx.read_graphml(io.BytesIO(client.get(f"/networks/repost/download.graphml{q}").content))
    assert graphml.number_of_nodes() == len(ids) and graphml.number_of_edges() == len(links)


def test_the_account_filter_narrows_the_network(client):
    all_nodes, all_edges = _tables(client, "repost")
    emb_nodes, emb_edges = _tables(client, "repost", "kind=embassy")
    assert 0 < len(emb_edges) < len(all_edges) and len(emb_nodes) < len(all_nodes)
    embassy = {n["id"] for n in all_nodes if n["kind"] == "embassy"}
    assert all(e["source"] in embassy or e["target"] in embassy for e in emb_edges)


def test_repost_weights_add_up_to_the_reposts_in_the_store(client, demo_db):
    """Independent count: reposts of another account's post (posts.reposted_author_id), by account."""
    _, edges = _tables(client, "repost")
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        n = con.execute(
            """SELECT count(*) FROM posts WHERE reposted_author_id IS NOT NULL AND author_id IS NOT NULL
               AND reposted_author_id <> author_id"""
        ).fetchone()[0]
    finally:
        con.close()
    assert sum(e["weight"] for e in edges) == n


def test_nodes_are_paged_in_pagerank_order_and_link_tracked_accounts(client):
    first = client.get("/networks/repost.json?_table=nodes&_size=10").json()
    assert len(first["rows"]) == 10 and first["next"] and first["total"] > 10
    ranks = [r["pagerank"] for r in first["rows"]]
    assert ranks == sorted(ranks, reverse=True)
    second = client.get(first["next_url"]).json()
    assert {r["id"] for r in second["rows"]}.isdisjoint({r["id"] for r in first["rows"]})
    top = next(r for r in first["rows"] if r["tracked"])
    html = client.get("/networks/repost").text
    assert f'href="/accounts/{top["platform"]}/{top["label"]}"' in html
    assert 'class="network" src="/networks/repost/view' in html


def test_the_view_carries_its_own_hash_csp_labels_and_arrows(client):
    r = client.get("/networks/repost/view?kind=embassy")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'sha256-" in csp and "style-src 'sha256-" in csp and "'self'" not in csp.split(";")[1]
    assert "frame-ancestors 'self'" in csp
    assert r.text.count('marker-end="url(#arrow)"') > 0 and "<text " in r.text
    assert client.get("/networks/nonsense/view").status_code == 404
    assert client.get("/networks/repost/view?kind=embasy").status_code == 400


def test_the_drawing_escapes_labels_and_keeps_the_top_nodes():
    nodes = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "label": ["<script>alert(1)</script>", 'x" onload="y', "plain"],
            "tracked": [True, False, False],
            "pagerank": [0.1, 0.6, 0.3],
            "community": [1, 1, 2],
        }
    )
    edges = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "a"], "weight": [1, 5, 2]})
    kept, among = drawn_subset(nodes, edges, limit=2)
    assert set(kept["id"]) == {"a", "b"}  # tracked first, then PageRank
    assert among.to_dict("records") == [{"source": "a", "target": "b", "weight": 1}]
    html = drawing_html(nodes, edges, directed=True, title="t")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onload="y' not in html
    assert len(re.findall(r"<text ", html)) == 3


def test_the_index_links_every_network(client):
    html = client.get("/networks?state=CN").text
    for kind in ("repost", "quote", "reply", "mention", "follow"):
        assert f'href="/networks/{kind}?state=CN"' in html


def test_a_sort_by_one_tables_column_leaves_the_other_tables_of_the_page_alone(client):
    assert client.get("/networks/repost?_sort=label").status_code == 200
    assert client.get("/data?_sort_desc=handle").status_code == 200
    assert client.get("/coordination?_sort=handle").status_code == 200
    body = client.get("/networks/repost.json?_table=communities&_sort=label").json()
    assert [r["community"] for r in body["rows"]] == sorted(r["community"] for r in body["rows"])
    assert any("no column 'label'" in n for n in body["notes"])
    labels = [r["label"] for r in client.get("/networks/repost.json?_sort=label&_size=1000").json()["rows"]]
    assert labels == sorted(labels)


def test_only_the_most_recent_networks_are_kept(reader, monkeypatch):
    from diplotrack.analyses.base import Filters
    from diplotrack.serve.pages import networks

    monkeypatch.setattr(networks, "MAX_NETWORKS", 2)
    built: list[str] = []

    def get(platform: str) -> str:
        f = Filters(platforms=(platform,))
        return networks.network_memo(reader, "test", f, ("t",), lambda: built.append(platform) or platform)

    assert [get(p) for p in ("a", "b", "a", "c", "b", "a")] == ["a", "b", "a", "c", "b", "a"]
    # a, b kept; c evicts b (a was used after b); b evicts a; a is built again
    assert built == ["a", "b", "c", "b", "a"]
