"""The routes of the dashboard that are not page tables, registered by app.py (``register``):

- ``/networks/<kind>/view``: the interactive drawing of a network's top nodes (``DRAW_NODES``:
  tracked accounts first, then by PageRank) and the links among them, as networks/html_view.py
  renders it (layout, community colours, tooltips, search, legend, the labels of the largest nodes
  and, for directed networks, arrowheads). Embedded by the network pages in
  an iframe. It carries html_view's own Content-Security-Policy (its inline script and style by
  hash), which the app's guard keeps since the response has one;
- ``/networks/<kind>/download.gexf``, ``.graphml``, ``.csv`` (edges, Gephi's spreadsheet format) and
  ``download-nodes.csv``: the whole network of the page's node and edge tables for the same
  filters, written in memory (networks/export.py's conversions; nothing is written to disk);
- ``/data/roster.csv``: the whole published roster of the data page (its table is paged).

Every route takes the pages' filters (serve/params.py), checked the same way.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from diplotrack.errors import UsageError
from diplotrack.serve.options import filter_options
from diplotrack.serve.params import View, parse_view
from diplotrack.serve.reader import StoreReader

DRAW_NODES = 300  # nodes drawn: enough to read the core of a network, few enough to lay out in ~0.1 s
DRAW_EDGES = 2000  # the heaviest links among them: more is a grey mass, and megabytes of page
LABELS = 40  # of which the largest this many carry a visible label (all have a tooltip)
DOWNLOADS = {
    "download.gexf": "application/gexf+xml",
    "download.graphml": "application/graphml+xml",
    "download.csv": "text/csv; charset=utf-8",
    "download-nodes.csv": "text/csv; charset=utf-8",
}


def _view(request: Request, reader: StoreReader) -> View:
    query: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        query.setdefault(k, []).append(v)
    return parse_view(query, con=reader.cursor(), topics=filter_options(reader)["topic"])


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status, media_type="text/plain; charset=utf-8")


# -- the drawing ----------------------------------------------------------------------------------


def drawn_subset(
    nodes: pd.DataFrame, edges: pd.DataFrame, limit: int = DRAW_NODES, edge_limit: int = DRAW_EDGES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``limit`` nodes drawn (tracked first, then highest PageRank, ties by id) and the heaviest
    ``edge_limit`` edges among them (ties by source and target)."""
    order = nodes.assign(_t=nodes["tracked"].fillna(False).astype(bool)).sort_values(
        ["_t", "pagerank", "id"], ascending=[False, False, True], kind="stable"
    )
    keep = order.head(limit).drop(columns="_t").sort_values("id", kind="stable").reset_index(drop=True)
    ids = set(keep["id"])
    inside = edges["source"].isin(ids) & edges["target"].isin(ids)
    among = edges.loc[inside, ["source", "target", "weight"]]
    among = among.sort_values(["weight", "source", "target"], ascending=[False, True, True], kind="stable")
    return keep, among.head(edge_limit).reset_index(drop=True)


def drawing_html(nodes: pd.DataFrame, edges: pd.DataFrame, *, directed: bool, title: str) -> str:
    """html_view's page for these nodes and edges, with visible labels on the ``LABELS`` largest
    nodes and, for a directed network, arrowheads (html_view draws both)."""
    from diplotrack.networks.html_view import render_html

    return render_html(nodes, edges, directed=directed, title=title, labels=LABELS)


def _view_response(reader: StoreReader, kind: str, view: View) -> Response:
    from diplotrack.networks.html_view import CSP
    from diplotrack.serve.pages.networks import network_memo, network_of, node_table

    f = view.filters

    def build() -> str:
        net = network_of(reader, kind, f)
        nodes, edges = drawn_subset(node_table(reader, kind, f), net.edges)
        shown = f"top {len(nodes):,} of {len(net.nodes):,} accounts" if len(net.nodes) > len(nodes) else "all accounts"
        if len(edges) == DRAW_EDGES:
            shown += f", the {DRAW_EDGES:,} heaviest links among them"
        return drawing_html(nodes, edges, directed=net.directed, title=f"{kind.capitalize()} network ({shown})")

    html = network_memo(reader, kind, f, ("view",), build)
    # html_view's policy (its own script and style by hash), framed only by this dashboard
    return HTMLResponse(html, headers={"content-security-policy": f"{CSP}; frame-ancestors 'self'"})


# -- downloads ------------------------------------------------------------------------------------


def _text(value: Any, kind: str = "str") -> Any:
    """A text cell as a spreadsheet must show it (report/write.py): handles and names come from the
    internet, and one that starts like a formula (``=``, ``+``, ``-``, ``@``) gets an apostrophe."""
    from diplotrack.report.write import spreadsheet_text

    return spreadsheet_text(value) if kind == "str" and isinstance(value, str) else value


def gephi_csv(nodes: pd.DataFrame, edges: pd.DataFrame, *, directed: bool, part: str) -> bytes:
    """networks/export.py's Gephi spreadsheet tables (``part`` nodes or edges), in memory; text cells
    that would start a formula get a leading apostrophe, as in every CSV the dashboard sends."""
    from diplotrack.networks.export import gephi_rows
    from diplotrack.networks.tables import checked_tables

    nodes, edges = checked_tables(nodes, edges)
    buf = io.StringIO()
    csv.writer(buf).writerows(gephi_rows(nodes, edges, directed=directed, part=part, text=_text))
    return buf.getvalue().encode("utf-8")


def _download(reader: StoreReader, kind: str, what: str, view: View) -> Response:
    import networkx as nx

    from diplotrack.networks.export import to_networkx
    from diplotrack.serve.pages.networks import edge_table, network_of, node_table

    f = view.filters
    directed = network_of(reader, kind, f).directed
    nodes = node_table(reader, kind, f)
    edges = edge_table(reader, kind, f)[["source", "target", "weight"]]
    if what.endswith(".csv"):
        body = gephi_csv(
            nodes, edges, directed=directed, part="nodes" if what.startswith("download-nodes") else "edges"
        )
    else:
        g = to_networkx(nodes, edges, directed=directed, title=f"{kind} network")
        lines = nx.generate_gexf(g) if what.endswith(".gexf") else nx.generate_graphml(g)
        body = "\n".join(lines).encode("utf-8")
    name = f"{kind}-network{'-nodes' if what.startswith('download-nodes') else ''}.{what.rsplit('.', 1)[1]}"
    return Response(body, media_type=DOWNLOADS[what], headers={"content-disposition": f'attachment; filename="{name}"'})


# -- warming up -----------------------------------------------------------------------------------


def warm_drawings(reader: StoreReader) -> None:
    """Draw the unfiltered view of every network once (serve/warm.py calls it after the pages)."""
    import logging

    from diplotrack.serve.pages import networks

    view = parse_view({}, con=reader.cursor())
    for kind in networks.KINDS:
        try:
            _view_response(reader, kind, view)
        except Exception:  # a warm-up must not stop the server; the request will say what failed
            logging.getLogger("diplotrack.serve").exception("warming the %s drawing failed", kind)


# -- registration ---------------------------------------------------------------------------------


def register(app: Any, reader: StoreReader) -> None:
    """Add the network drawing and download routes and the full roster download to ``app``."""
    from diplotrack.serve.pages.networks import KINDS

    def guarded(run: Any, kind: str | None, request: Request) -> Response:
        if kind is not None and kind not in KINDS:
            return _error(404, f"there is no {kind!r} network; networks: {', '.join(KINDS)}")
        try:
            return run(_view(request, reader))  # type: ignore[no-any-return]
        except UsageError as exc:
            return _error(400, str(exc))

    def view_route(kind: str, request: Request) -> Response:
        return guarded(lambda v: _view_response(reader, kind, v), kind, request)

    app.add_api_route("/networks/{kind}/view", view_route, methods=["GET"], include_in_schema=False)

    def download_route(what: str) -> Any:
        def download(kind: str, request: Request) -> Response:
            return guarded(lambda v: _download(reader, kind, what, v), kind, request)

        return download

    for what in DOWNLOADS:
        app.add_api_route(
            f"/networks/{{kind}}/{what}",
            download_route(what),
            methods=["GET"],
            summary=f"A network as {what.split('.', 1)[1]}",
            description="The whole network of a network page's node and edge tables, for the same filters.",
            tags=["networks"],
        )

    def roster(request: Request) -> Response:
        from diplotrack.serve import render
        from diplotrack.serve.pages.data import roster_table

        def run(v: View) -> Response:
            body = render.csv_bytes(roster_table(reader, v))
            headers = {"content-disposition": 'attachment; filename="roster.csv"'}
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

        return guarded(run, None, request)

    app.add_api_route(
        "/data/roster.csv",
        roster,
        methods=["GET"],
        summary="The whole published roster (CSV)",
        description="Every tracked account with its actor, for the account filters; the data page's roster unpaged.",
        tags=["data"],
    )
