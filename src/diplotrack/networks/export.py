"""Write a network (a node table and an edge table) to files for Gephi and other tools.

``write_network(nodes, edges, directed=..., fmt=..., out=..., title=...)`` writes one of
``FORMATS``:

- ``gexf``: GEXF 1.2 through networkx (Gephi's own format), node and edge attributes typed;
- ``graphml``: GraphML through networkx (Gephi, Cytoscape, yEd, igraph, networkx);
- ``csv``: two Gephi "spreadsheet" tables, ``<base>-nodes.csv`` (``Id``, ``Label``, attributes) and
  ``<base>-edges.csv`` (``Source``, ``Target``, ``Type``, ``Weight``, attributes);
- ``html``: one self-contained page with an interactive drawing (pan and zoom, tooltips, search,
  legend), which works offline (html_view.py).

``nodes`` has a column ``id`` (unique) and any attribute columns; ``edges`` has ``source`` and
``target`` (node ids) and usually ``weight`` and ``relation``. Missing values (None, NaN, NaT) are
left out of the node's or edge's attributes. Every node gets a label: its ``label``, else its
``handle``, else its id (tables.py). See docs/network-exports.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from diplotrack.networks.html_view import render_html
from diplotrack.networks.options import FORMATS as FORMATS
from diplotrack.networks.options import check_format
from diplotrack.networks.tables import (
    EDGE_RESERVED,
    NODE_RESERVED,
    as_text,
    as_value,
    attribute_records,
    checked_tables,
    column_kind,
    is_list,
    is_missing,
    node_labels,
    xml_id,
)

_EXTENSIONS = {"gexf": (".gexf",), "graphml": (".graphml", ".xml"), "html": (".html", ".htm"), "csv": (".csv",)}


def write_network(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, directed: bool, fmt: str, out: Path, title: str
) -> list[Path]:
    """Write the network in ``fmt`` (one of ``FORMATS``) and return the files written.

    ``out`` names the file; when it lacks the format's extension it is a base name and the extension
    is added (``net`` → ``net.gexf``); an existing folder gets ``<folder>/network.<ext>``. ``csv``
    writes ``<base>-nodes.csv`` and ``<base>-edges.csv`` (``net.csv`` and ``net`` both give the base
    ``net``). Parent folders are created. Raises UsageError for an unknown format and ValueError
    for tables that do not fit together (no ``id`` column, duplicate ids, an edge to an unknown node).
    """
    check_format(fmt)
    nodes, edges = checked_tables(nodes, edges)
    base = _base(Path(out), fmt)
    base.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(nodes, edges, directed, base)
    path = base if base.suffix.lower() in _EXTENSIONS[fmt] else base.with_name(base.name + _EXTENSIONS[fmt][0])
    if fmt == "html":
        path.write_text(render_html(nodes, edges, directed=directed, title=title), encoding="utf-8")
    else:
        g = to_networkx(nodes, edges, directed=directed, title=title)
        (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(g, path)
    return [path]


# -- inputs ------------------------------------------------------------------------------------


def _base(out: Path, fmt: str) -> Path:
    if out.is_dir():
        return out / "network"
    if fmt == "csv" and out.suffix.lower() == ".csv":
        return out.with_suffix("")
    return out


def _multi(edges: pd.DataFrame, directed: bool) -> bool:
    """Whether some pair of nodes has several edges (in an undirected graph, a→b and b→a too)."""
    if directed:
        pairs = list(zip(edges["source"], edges["target"], strict=True))
    else:
        pairs = [tuple(sorted(p)) for p in zip(edges["source"], edges["target"], strict=True)]
    return len(set(pairs)) < len(pairs)


# -- GEXF and GraphML --------------------------------------------------------------------------


def to_networkx(nodes: pd.DataFrame, edges: pd.DataFrame, *, directed: bool, title: str = "") -> nx.Graph:
    """The network as a networkx graph: a DiGraph or Graph, or a MultiDiGraph or MultiGraph when a
    pair of nodes has several edges (one per relation). Node attributes are the node table's
    columns (``label`` filled as described in the module docstring), edge attributes the edge
    table's columns other than source and target; missing values are left out."""
    nodes, edges = checked_tables(nodes, edges)
    multi = _multi(edges, directed)
    cls = (nx.MultiDiGraph if multi else nx.DiGraph) if directed else (nx.MultiGraph if multi else nx.Graph)
    g = cls(name=title)
    labels = node_labels(nodes)
    for node_id, label, attrs in zip(nodes["id"], labels, attribute_records(nodes, NODE_RESERVED), strict=True):
        g.add_node(xml_id(node_id), **{**attrs, "label": label})
    for s, t, attrs in zip(edges["source"], edges["target"], attribute_records(edges, EDGE_RESERVED), strict=True):
        g.add_edge(xml_id(s), xml_id(t), **attrs)
    return g


# -- CSV ---------------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    return "" if not is_list(v) and is_missing(v) else as_text(v)


def _same(value: Any, kind: str) -> Any:
    return value


def gephi_rows(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    directed: bool,
    part: str,
    text: Callable[[Any, str], Any] = _same,
) -> Iterator[list[Any]]:
    """The rows, header first, of Gephi's spreadsheet table ``part`` (``nodes`` or ``edges``).
    ``text(value, kind)`` may rewrite each id, label and attribute cell (``kind``: the column's, ``str``
    for ids and labels): the files written here keep every value exact, the dashboard's downloads
    neutralise would-be spreadsheet formulas."""
    if part == "nodes":
        kinds = {c: column_kind(nodes[c]) for c in nodes.columns}
        attrs = [c for c in nodes.columns if c not in ("id", "label")]
        cols = {c: nodes[c].tolist() for c in nodes.columns}
        yield ["Id", "Label", *attrs]
        for i, label in enumerate(node_labels(nodes)):
            values = [text(_cell(as_value(cols[c][i], kinds[c])), kinds[c]) for c in attrs]
            yield [text(cols["id"][i], "str"), text(label, "str"), *values]
        return
    kinds = {c: column_kind(edges[c]) for c in edges.columns}
    attrs = [c for c in edges.columns if c not in ("source", "target", "weight")]
    kind = "Directed" if directed else "Undirected"
    cols = {c: edges[c].tolist() for c in edges.columns}
    yield ["Source", "Target", "Type", "Weight", *attrs]
    for i in range(len(edges)):
        weight = as_value(cols["weight"][i], kinds["weight"]) if "weight" in cols else 1
        values = [text(_cell(as_value(cols[c][i], kinds[c])), kinds[c]) for c in attrs]
        yield [text(cols["source"][i], "str"), text(cols["target"][i], "str"), kind, _cell(weight), *values]


def _write_csv(nodes: pd.DataFrame, edges: pd.DataFrame, directed: bool, base: Path) -> list[Path]:
    paths = []
    for part in ("nodes", "edges"):
        path = base.with_name(f"{base.name}-{part}.csv")
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(gephi_rows(nodes, edges, directed=directed, part=part))
        paths.append(path)
    return paths
