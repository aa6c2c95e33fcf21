"""Network exports: GEXF and GraphML re-open in networkx with the same nodes, edges, weights and
attributes; the CSV tables have Gephi's columns; the HTML page is self-contained, escapes every
label, and draws at most 2,000 nodes."""

from __future__ import annotations

import base64
import csv
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diplotrack.errors import UsageError
from diplotrack.networks import html_view
from diplotrack.networks.export import FORMATS, write_network
from diplotrack.networks.html_view import MAX_HTML_NODES

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


def _nodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["1", "2", "3", "4"],
            "label": [EVIL_SCRIPT, EVIL_IMG, None, 'Ministry "MFA" & co'],
            "handle": ["emb_fr", "emb'de", 'x"y', None],
            "kind": ["embassy", "embassy", None, "ministry"],
            "institutional": [True, True, None, True],
            "tracked": [True, True, False, True],
            "in_degree": [1, 1, 2, 0],
            "pagerank": [0.3, 0.2, np.nan, 0.5],
            "community": [0.0, 0.0, np.nan, 1.0],  # an integer column widened by a gap
        }
    )


def _edges() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["4", "4", "1", "2"],
            "target": ["1", "2", "3", "3"],
            "weight": [5, 2, 1, 3],
            "relation": ["repost", "repost", "mention", None],
        }
    )


def _expected_nodes() -> dict[str, dict]:
    return {
        "1": {
            "label": EVIL_SCRIPT,
            "handle": "emb_fr",
            "kind": "embassy",
            "institutional": True,
            "tracked": True,
            "in_degree": 1,
            "pagerank": 0.3,
            "community": 0,
        },
        "2": {
            "label": EVIL_IMG,
            "handle": "emb'de",
            "kind": "embassy",
            "institutional": True,
            "tracked": True,
            "in_degree": 1,
            "pagerank": 0.2,
            "community": 0,
        },
        "3": {"label": 'x"y', "handle": 'x"y', "tracked": False, "in_degree": 2},  # label: the handle
        "4": {
            "label": 'Ministry "MFA" & co',
            "kind": "ministry",
            "institutional": True,
            "tracked": True,
            "in_degree": 0,
            "pagerank": 0.5,
            "community": 1,
        },
    }


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
@pytest.mark.parametrize("directed", [True, False])
def test_gexf_and_graphml_round_trip(tmp_path: Path, fmt: str, directed: bool) -> None:
    (path,) = write_network(_nodes(), _edges(), directed=directed, fmt=fmt, out=tmp_path / "net", title="T")
    assert path == tmp_path / f"net.{fmt}"
    g = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    assert g.is_directed() is directed
    assert {n: dict(d) for n, d in g.nodes(data=True)} == _expected_nodes()
    for _, d in g.nodes(data=True):  # typed, not text
        assert all(type(v) is bool for k, v in d.items() if k in ("tracked", "institutional"))
        assert all(type(v) is int for k, v in d.items() if k in ("in_degree", "community"))
    edges = {(s, t): {k: v for k, v in d.items() if k != "id"} for s, t, d in g.edges(data=True)}
    if not directed:
        edges = {tuple(sorted(k)): v for k, v in edges.items()}
    assert edges == {
        ("4", "1") if directed else ("1", "4"): {"weight": 5, "relation": "repost"},
        ("4", "2") if directed else ("2", "4"): {"weight": 2, "relation": "repost"},
        ("1", "3"): {"weight": 1, "relation": "mention"},
        ("2", "3"): {"weight": 3},
    }
    assert g.graph["name"] == "T"


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_parallel_edges_give_a_multigraph(tmp_path: Path, fmt: str) -> None:
    nodes = pd.DataFrame({"id": ["a", "b"]})
    edges = pd.DataFrame(
        {
            "source": ["a", "a", "b"],
            "target": ["b", "b", "a"],
            "weight": [2.5, 1.0, 4.0],
            "relation": ["repost", "mention", "reply"],
        }
    )
    (path,) = write_network(nodes, edges, directed=True, fmt=fmt, out=tmp_path / "m", title="")
    g = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    assert g.is_multigraph()
    got = sorted((s, t, d["relation"], d["weight"]) for s, t, d in g.edges(data=True))
    assert got == [("a", "b", "mention", 1.0), ("a", "b", "repost", 2.5), ("b", "a", "reply", 4.0)]
    assert dict(g.nodes(data="label")) == {"a": "a", "b": "b"}  # no label, no handle: the id


def test_csv_tables_have_gephi_columns(tmp_path: Path) -> None:
    paths = write_network(_nodes(), _edges(), directed=True, fmt="csv", out=tmp_path / "sub" / "net.csv", title="T")
    assert paths == [tmp_path / "sub" / "net-nodes.csv", tmp_path / "sub" / "net-edges.csv"]
    with paths[0].open(encoding="utf-8", newline="") as fh:
        nodes = list(csv.reader(fh))
    header = ["Id", "Label", "handle", "kind", "institutional", "tracked", "in_degree", "pagerank", "community"]
    assert nodes[0] == header
    assert nodes[1] == ["1", EVIL_SCRIPT, "emb_fr", "embassy", "true", "true", "1", "0.3", "0"]
    assert nodes[3] == ["3", 'x"y', 'x"y', "", "", "false", "2", "", ""]
    with paths[1].open(encoding="utf-8", newline="") as fh:
        edges = list(csv.reader(fh))
    assert edges[0] == ["Source", "Target", "Type", "Weight", "relation"]
    assert edges[1:] == [
        ["4", "1", "Directed", "5", "repost"],
        ["4", "2", "Directed", "2", "repost"],
        ["1", "3", "Directed", "1", "mention"],
        ["2", "3", "Directed", "3", ""],
    ]
    # a base name without suffix gives the same two files; undirected edges say so
    again = write_network(_nodes(), _edges(), directed=False, fmt="csv", out=tmp_path / "sub" / "net", title="T")
    assert again == paths
    assert "Undirected" in paths[1].read_text(encoding="utf-8")


def test_output_names(tmp_path: Path) -> None:
    n, e = _nodes(), _edges()
    assert write_network(n, e, directed=True, fmt="graphml", out=tmp_path / "g.xml", title="") == [tmp_path / "g.xml"]
    dotted = write_network(n, e, directed=True, fmt="gexf", out=tmp_path / "china.2022", title="")
    assert dotted == [tmp_path / "china.2022.gexf"]
    folder = tmp_path / "out"
    folder.mkdir()
    assert write_network(n, e, directed=True, fmt="html", out=folder, title="") == [folder / "network.html"]


def test_unknown_format_and_bad_tables(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        write_network(_nodes(), _edges(), directed=True, fmt="pajek", out=tmp_path / "x", title="")
    assert all(f in str(err.value) for f in FORMATS)
    with pytest.raises(ValueError, match="duplicate"):
        write_network(
            pd.DataFrame({"id": ["a", "a"]}), _edges().iloc[:0], directed=True, fmt="gexf", out=tmp_path / "x", title=""
        )
    with pytest.raises(ValueError, match="not in the node table"):
        write_network(pd.DataFrame({"id": ["4"]}), _edges(), directed=True, fmt="gexf", out=tmp_path / "x", title="")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of script and style elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.inline else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.inline[self._in].append(data)


def _html(tmp_path: Path, nodes: pd.DataFrame, edges: pd.DataFrame, title: str = "Net <b>bold</b>") -> str:
    (path,) = write_network(nodes, edges, directed=True, fmt="html", out=tmp_path / "view", title=title)
    assert path == tmp_path / "view.html"
    return path.read_text(encoding="utf-8")


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = _html(tmp_path, _nodes(), _edges())
    parser = _Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    # nothing is loaded: no external reference in any src/href, no link/img/iframe/object element
    for _, attrs in parser.tags:
        for key in ("src", "href", "xlink:href", "action", "srcset"):
            assert key not in attrs or not re.match(r"\s*(https?:|//|ftp:)", attrs[key] or ""), attrs
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page)
    assert not re.search(r"url\((?!#arrow\))", page) and "@import" not in page  # the arrowhead: a local marker
    assert not {"link", "img", "iframe", "object", "embed"} & set(names)
    # the labels are text, never markup: one script element (ours), no event handler attributes
    assert names.count("script") == 1
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]
    assert EVIL_SCRIPT not in page and EVIL_IMG not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Net &lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "&#39;" in page and "&#34;" in page  # quotes in handles and labels escaped inside attributes
    # the CSP lets only this page's own script and style run, and data: images
    csp = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None
    assert "default-src 'none'" in csp and "img-src data:" in csp
    assert f"script-src {_sha(''.join(parser.inline['script']))}" in csp
    assert f"style-src {_sha(''.join(parser.inline['style']))}" in csp


def test_html_view_contents(tmp_path: Path) -> None:
    page = _html(tmp_path, _nodes(), _edges())
    circles = re.findall(r'<circle class="n"[^>]*data-id="([^"]*)"[^>]*>', page)
    assert sorted(circles) == ["1", "2", "3", "4"]
    assert page.count("<line ") == 4
    # sized by pagerank (the ministry is the biggest), coloured by community, with a legend
    radii = {i: float(r) for r, i in re.findall(r'<circle class="n"[^>]* r="([\d.]+)"[^>]*data-id="(\w+)"', page)}
    assert max(radii, key=radii.__getitem__) == "4"
    assert "Colour: community" in page and "community 0 (2)" in page and "unknown (1)" in page
    assert "in-degree 2 · out-degree 0" in page  # node 3's tooltip: from the in_degree column and the edges
    assert "pagerank 0.5" in page
    assert 'data-search="ministry &#34;mfa&#34; &amp; co"' in page
    assert 'id="q"' in page and "wheel" in page  # search box and zoom handler
    assert "Showing the" not in page  # no cut
    assert _html(tmp_path, _nodes(), _edges()) == page  # seeded layout: the same page twice


def test_html_keeps_the_top_nodes_by_pagerank(tmp_path: Path) -> None:
    n = MAX_HTML_NODES + 100
    ids = [f"n{i}" for i in range(n)]
    rng = np.random.default_rng(1)
    nodes = pd.DataFrame({"id": ids, "pagerank": np.arange(n, 0, -1) / n, "kind": "embassy"})  # n0 is the top
    edges = pd.DataFrame({"source": rng.choice(ids, 3000), "target": rng.choice(ids, 3000), "weight": 1})
    page = _html(tmp_path, nodes, edges, title="big")
    drawn = set(re.findall(r'data-id="(n\d+)"', page))
    assert drawn == {f"n{i}" for i in range(MAX_HTML_NODES)}
    assert "Showing the 2,000 nodes with the highest pagerank of 2,100" in page
    kept = edges[edges["source"].isin(drawn) & edges["target"].isin(drawn)]
    assert page.count("<line ") == len(kept)


def test_html_cut_by_weighted_degree_without_pagerank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_view, "MAX_HTML_NODES", 2)
    nodes = pd.DataFrame({"id": ["a", "b", "c", "d"], "kind": ["embassy", "ministry", "embassy", None]})
    edges = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"], "weight": [10, 8, 1]})
    page = _html(tmp_path, nodes, edges)
    assert sorted(re.findall(r'data-id="(\w)"', page)) == ["a", "b"]  # weighted degrees a 10, b 18, c 9, d 1
    assert "highest weighted degree of 4" in page
    assert "Colour: kind" in page
    assert page.count("<line ") == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_network_and_characters_xml_cannot_hold(tmp_path: Path, fmt: str) -> None:
    empty = write_network(
        pd.DataFrame({"id": []}),
        pd.DataFrame({"source": [], "target": []}),
        directed=True,
        fmt=fmt,
        out=tmp_path / "empty",
        title="",
    )
    assert all(p.exists() for p in empty)
    nodes = pd.DataFrame({"id": ["a", "b"], "label": ["x\x00\x0by\u200b", None], "handle": [None, "h\x1f"]})
    paths = write_network(
        nodes, pd.DataFrame({"source": ["a"], "target": ["b"]}), directed=False, fmt=fmt, out=tmp_path / "ctl", title=""
    )
    if fmt in ("gexf", "graphml"):
        g = nx.read_gexf(paths[0]) if fmt == "gexf" else nx.read_graphml(paths[0])
        assert dict(g.nodes(data="label")) == {"a": "xy\u200b", "b": "h"}
    else:
        assert "\x00" not in paths[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_node_ids_with_characters_xml_cannot_hold_still_give_well_formed_files(tmp_path: Path, fmt: str) -> None:
    # handles from a CSV can carry control characters (ids, not only labels): the file must still parse
    nodes = pd.DataFrame({"id": ["A\x00x", "Ax", "B\x1b[2J", "C"]})
    edges = pd.DataFrame({"source": ["A\x00x", "Ax", "C"], "target": ["B\x1b[2J", "B\x1b[2J", "B\x1b[2J"]})
    paths = write_network(nodes, edges, directed=True, fmt=fmt, out=tmp_path / "ids", title="")
    g = nx.read_gexf(paths[0]) if fmt == "gexf" else nx.read_graphml(paths[0])
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 3  # no two ids merged
    assert {"A\\x00x", "Ax", "B\\x1b[2J", "C"} == set(g.nodes)
