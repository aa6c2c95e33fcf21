"""The offline HTML view of a network: one self-contained page with an interactive drawing (layout
precomputed here, pan and zoom, tooltips, search, legend), the labels of its largest nodes and, for a
directed network, an arrowhead on each edge where it meets its target.

Labels and attributes come from the internet (handles, display names): the page escapes every one of
them (Jinja2 autoescape) and carries a Content-Security-Policy that lets only its own inline script and
style run (by hash) and loads nothing from outside. See docs/network-exports.md.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import igraph as ig
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from diplotrack.networks.tables import as_text, as_value, checked_tables, column_kind, is_list, is_missing, node_labels

#: the HTML view draws at most this many nodes (the top ones by pagerank, else weighted degree)
MAX_HTML_NODES = 2000
#: and at most this many edges among them (the heaviest)
MAX_HTML_EDGES = 20000
#: seed of the HTML layout (the same network gives the same drawing)
LAYOUT_SEED = 20240917
#: the largest this many nodes carry a visible label (every node has a tooltip)
LABELS = 40

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#86bcb6",
)
OTHER_COLOUR = "#bab0ac"
SIZE = 1000.0  # the drawing's side, in SVG units


@dataclass
class _Drawn:
    id: str
    label: str
    search: str
    x: float
    y: float
    r: float
    fill: str
    tip: str


def _numeric(nodes: pd.DataFrame, col: str) -> np.ndarray | None:
    """The column as floats (NaN for missing), or None when absent or all missing."""
    if col not in nodes.columns:
        return None
    v = pd.to_numeric(nodes[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return None if np.isnan(v).all() else v


def _weights(edges: pd.DataFrame) -> np.ndarray:
    if "weight" not in edges.columns:
        return np.ones(len(edges))
    w = pd.to_numeric(edges["weight"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(w) | (w < 0), 1.0, w)


def _layout(n: int, pairs: list[tuple[int, int]], weights: list[float]) -> list[tuple[float, float]]:
    """Fruchterman-Reingold positions (igraph), seeded, scaled into the drawing's square."""
    if n == 0:
        return []
    g = ig.Graph(n=n, edges=pairs, directed=False)
    rng = random.Random(LAYOUT_SEED)
    ig.set_random_number_generator(rng)
    try:
        coords = g.layout_fruchterman_reingold(
            weights=weights if pairs else None, niter=300 if n > 1000 else 500, grid="auto"
        ).coords
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(coords, dtype=float).reshape(n, 2)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = float(max(hi[0] - lo[0], hi[1] - lo[1])) or 1.0
    margin = 30.0
    scaled = (xy - lo) / span * (SIZE - 2 * margin) + margin
    # centre the shorter side
    scaled += (SIZE - 2 * margin - (hi - lo) / span * (SIZE - 2 * margin)) / 2
    return [(round(float(a), 1), round(float(b), 1)) for a, b in scaled]


def _fmt_num(v: float) -> str:
    return f"{int(v):,}" if v == int(v) else f"{v:,.4g}"


def _colouring(nodes: pd.DataFrame) -> tuple[str, list[str]]:
    """What colours the nodes (``community``, ``kind`` or nothing) and each node's category."""
    for col, prefix in (("community", "community "), ("kind", "")):
        if col in nodes.columns and nodes[col].notna().any():
            kinds = column_kind(nodes[col])
            cats = ["unknown" if (x := as_value(v, kinds)) is None else f"{prefix}{as_text(x)}" for v in nodes[col]]
            return col, cats
    return "", ["node"] * len(nodes)


def render_html(nodes: pd.DataFrame, edges: pd.DataFrame, *, directed: bool, title: str, labels: int = LABELS) -> str:
    """The self-contained interactive page (see the module docstring and docs/network-exports.md);
    ``labels``: how many of the largest nodes carry a visible label."""
    nodes, edges = checked_tables(nodes, edges)
    total_nodes, total_edges = len(nodes), len(edges)
    deg = _degrees(edges)
    pagerank = _numeric(nodes, "pagerank")
    weighted = np.array([deg.weighted(i) for i in nodes["id"].tolist()], dtype=float)
    size_by, size_values = ("pagerank", pagerank) if pagerank is not None else ("weighted degree", weighted)
    notes = []
    keep = np.arange(total_nodes)
    if total_nodes > MAX_HTML_NODES:
        score = np.nan_to_num(size_values, nan=-1.0)
        # highest score first, ties by id (a stable, repeatable choice)
        ids = nodes["id"].tolist()
        order = sorted(range(total_nodes), key=lambda i: (-score[i], ids[i]))
        keep = np.array(sorted(order[:MAX_HTML_NODES]))
        notes.append(
            f"Showing the {MAX_HTML_NODES:,} nodes with the highest {size_by} of {total_nodes:,}, "
            "and the edges among them."
        )
    nodes = nodes.iloc[keep].reset_index(drop=True)
    size_values = size_values[keep]
    index = {node_id: i for i, node_id in enumerate(nodes["id"])}
    inside = edges["source"].isin(set(index)) & edges["target"].isin(set(index))
    edges = edges[inside].reset_index(drop=True)
    w = _weights(edges)
    if len(edges) > MAX_HTML_EDGES:
        top = np.argsort(-w, kind="stable")[:MAX_HTML_EDGES]
        top.sort()
        notes.append(f"Showing the {MAX_HTML_EDGES:,} heaviest of the {len(edges):,} edges among the nodes drawn.")
        edges = edges.iloc[top].reset_index(drop=True)
        w = w[top]
    pairs = [(index[s], index[t]) for s, t in zip(edges["source"].tolist(), edges["target"].tolist(), strict=True)]
    pos = _layout(len(nodes), pairs, [math.log1p(x) + 0.1 for x in w])

    colour_by, cats = _colouring(nodes)
    counts = Counter(cats)
    ranked = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c != "unknown"]
    colour = {c: PALETTE[i] for i, c in enumerate(ranked[: len(PALETTE)])}
    legend = [{"name": c, "colour": colour[c], "count": counts[c]} for c in ranked[: len(PALETTE)]]
    rest = {c: n for c, n in counts.items() if c not in colour}
    if rest:
        name = "node" if not colour_by else "unknown" if set(rest) == {"unknown"} else "other"
        legend.append({"name": name, "colour": OTHER_COLOUR, "count": sum(rest.values())})

    vmax = float(np.nanmax(size_values)) if len(size_values) and not np.isnan(size_values).all() else 0.0
    names = node_labels(nodes)
    cols = {c: nodes[c].tolist() for c in nodes.columns}
    kinds = {c: column_kind(nodes[c]) for c in nodes.columns}
    drawn = []
    for i, node_id in enumerate(cols["id"]):
        v = size_values[i]
        rel = math.sqrt(v / vmax) if vmax > 0 and not math.isnan(v) and v > 0 else 0.0
        drawn.append(
            _Drawn(
                id=node_id,
                label=names[i],
                search=_search_text(names[i], *(cols[c][i] for c in ("handle", "name") if c in cols)),
                x=pos[i][0],
                y=pos[i][1],
                r=round(2.5 + 12.0 * rel, 2),
                fill=colour.get(cats[i], OTHER_COLOUR),
                tip=_tooltip(cols, kinds, i, names[i], directed, deg),
            )
        )
    radius = [d.r for d in drawn]
    # the largest first (ties by id), labelled; big nodes drawn last, on top
    labelled = sorted(drawn, key=lambda d: (-d.r, d.id))[: max(labels, 0)]
    drawn.sort(key=lambda d: d.r)
    wmax = float(w.max()) if len(w) else 1.0
    lines = Markup(
        "".join(
            _line(pos[a], pos[b], radius[b], x, wmax, directed) for (a, b), x in zip(pairs, w.tolist(), strict=True)
        )
    )
    summary = (
        f"{total_nodes:,} nodes, {total_edges:,} edges ({'directed' if directed else 'undirected'}). "
        f"Circle area: {size_by}; colour: {colour_by or 'none'}; edge opacity: weight."
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        title=title,
        summary=summary,
        notes=notes,
        nodes=drawn,
        labelled=labelled,
        directed=directed,
        lines=lines,
        legend=legend,
        colour_by=colour_by or "nodes",
        size=int(SIZE),
        csp=Markup(CSP),
        style=Markup(STYLE),
        script=Markup(SCRIPT),
    )


def _line(
    a: tuple[float, float], b: tuple[float, float], r_b: float, weight: float, wmax: float, directed: bool
) -> str:
    """One edge (numbers only: written directly, a few times faster than a template loop on 20,000
    edges); a directed one ends at the rim of its target's circle, with an arrowhead."""
    opacity = round(0.08 + 0.6 * (math.log1p(weight) / math.log1p(wmax) if wmax > 0 else 1.0), 3)
    (x1, y1), (x2, y2) = a, b
    arrow = ""
    if directed:
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        if length > r_b + 3.0:
            x2, y2 = round(x2 - dx / length * (r_b + 1.0), 1), round(y2 - dy / length * (r_b + 1.0), 1)
        arrow = 'marker-end="url(#arrow)" '
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {arrow}stroke-opacity="{opacity}"/>\n'


def _search_text(label: str, *others: Any) -> str:
    """What the search box matches: the label, handle and name, lower-cased."""
    words = [label.lower()]
    for v in others:
        if v is not None and not is_list(v) and not is_missing(v) and as_text(v).lower() not in words:
            words.append(as_text(v).lower())
    return " ".join(words)


@dataclass
class _Degrees:
    """Edge counts and weight sums per node, from the whole edge table (before any cut)."""

    links_out: Counter
    links_in: Counter
    weight_out: Counter
    weight_in: Counter

    def weighted(self, node_id: str) -> float:
        return float(self.weight_out.get(node_id, 0.0) + self.weight_in.get(node_id, 0.0))


def _degrees(edges: pd.DataFrame) -> _Degrees:
    sources, targets = edges["source"].tolist(), edges["target"].tolist()
    d = _Degrees(Counter(sources), Counter(targets), Counter(), Counter())
    for s, t, w in zip(sources, targets, _weights(edges).tolist(), strict=True):
        d.weight_out[s] += w
        d.weight_in[t] += w
    return d


def _tooltip(
    cols: dict[str, list[Any]], kinds: dict[str, str], i: int, label: str, directed: bool, deg: _Degrees
) -> str:
    """A node's hover text: label, handle and name; kind and places; community; degrees counted on
    the edge table (edges and their weights); pagerank and betweenness when the table has them."""

    def get(col: str) -> Any:
        if col not in cols:
            return None
        v = cols[col][i]
        return None if not is_list(v) and is_missing(v) else v

    node_id = cols["id"][i]
    first = label
    handle, name = get("handle"), get("name")
    if handle is not None and as_text(handle) != label:
        first += f" (@{as_text(handle)})"
    if name is not None and as_text(name) not in (label, as_text(handle) if handle is not None else None):
        first += f" — {as_text(name)}"
    lines = [first]
    facts = [as_text(get(c)) for c in ("kind", "node_type", "state", "host_country", "platform") if get(c) is not None]
    if facts:
        lines.append(" · ".join(facts))
    if get("community") is not None:
        lines.append(f"community {as_text(as_value(get('community'), kinds['community']))}")
    n_in, n_out = deg.links_in.get(node_id, 0), deg.links_out.get(node_id, 0)
    w_in, w_out = deg.weight_in.get(node_id, 0.0), deg.weight_out.get(node_id, 0.0)
    if directed:
        lines.append(f"in-degree {n_in:,} · out-degree {n_out:,}")
        lines.append(f"weighted in {_fmt_num(w_in)} · out {_fmt_num(w_out)}")
    else:
        lines.append(f"degree {n_in + n_out:,} · weighted {_fmt_num(w_in + w_out)}")
    for col in ("pagerank", "betweenness"):
        v = get(col)
        if v is not None:
            lines.append(f"{col} {float(v):.4g}")
    return "\n".join(lines)


STYLE = """
html,body{margin:0;height:100%;font:14px/1.4 system-ui,sans-serif;color:#222;background:#fff}
body{display:flex;flex-direction:column}
header{padding:8px 14px;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 2px}
header p{margin:2px 0;color:#555}
header p.note{color:#a04000}
#main{flex:1;display:flex;min-height:0}
#view{flex:1;height:100%;cursor:grab;touch-action:none;background:#fcfcfc}
#view.grabbing{cursor:grabbing}
aside{width:240px;padding:10px 14px;border-left:1px solid #ddd;overflow:auto}
aside input{width:100%;box-sizing:border-box;padding:4px}
aside ul{list-style:none;padding:0;margin:6px 0}
aside li{margin:2px 0}
aside h2{font-size:14px;margin:12px 0 4px}
#status{color:#555;min-height:1.4em}
line{stroke:#7a7a7a;stroke-width:1px;vector-effect:non-scaling-stroke}
circle.n{stroke:#fff;stroke-width:.6px;vector-effect:non-scaling-stroke}
.searching circle.n{opacity:.2}
.searching circle.n.hit{opacity:1;stroke:#000;stroke-width:2.5px}
.searching line{opacity:.15}
button{margin-top:6px}
"""

SCRIPT = """
(function () {
  "use strict";
  var svg = document.getElementById("view"), vp = document.getElementById("vp");
  var side = +svg.getAttribute("data-size"), k = 1, x = 0, y = 0, drag = null;
  function apply() { vp.setAttribute("transform", "translate(" + x + "," + y + ") scale(" + k + ")"); }
  function box() { return svg.getBoundingClientRect(); }
  function fit() {
    var r = box();
    k = Math.min(r.width, r.height) / side || 1;
    x = (r.width - side * k) / 2; y = (r.height - side * k) / 2; apply();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = box(), px = e.clientX - r.left, py = e.clientY - r.top;
    var f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    f = Math.min(Math.max(f, 0.02 / k), 200 / k);
    x = px - (px - x) * f; y = py - (py - y) * f; k *= f; apply();
  }, { passive: false });
  svg.addEventListener("pointerdown", function (e) {
    drag = [e.clientX - x, e.clientY - y]; svg.setPointerCapture(e.pointerId); svg.classList.add("grabbing");
  });
  svg.addEventListener("pointermove", function (e) {
    if (drag) { x = e.clientX - drag[0]; y = e.clientY - drag[1]; apply(); }
  });
  function release() { drag = null; svg.classList.remove("grabbing"); }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  window.addEventListener("resize", fit);
  document.getElementById("fit").addEventListener("click", fit);
  var nodes = Array.prototype.slice.call(document.querySelectorAll("circle.n"));
  var input = document.getElementById("q"), status = document.getElementById("status");
  function matches() {
    var q = input.value.trim().toLowerCase(), hits = [];
    nodes.forEach(function (n) {
      var hit = q !== "" && (n.getAttribute("data-search") || "").indexOf(q) >= 0;
      n.classList.toggle("hit", hit);
      if (hit) { hits.push(n); }
    });
    svg.classList.toggle("searching", hits.length > 0);
    status.textContent = q === "" ? "" : hits.length ? hits.length + (hits.length === 1 ? " match" : " matches")
      : "no match";
    return { q: q, hits: hits };
  }
  function focus() {
    var m = matches();
    if (!m.hits.length) { return; }
    var best = m.hits.filter(function (n) { return n.getAttribute("data-search").split(" ").indexOf(m.q) >= 0; });
    var n = (best.length ? best : m.hits)[0], r = box();
    k = Math.max(k, 3 * Math.min(r.width, r.height) / side);
    x = r.width / 2 - (+n.getAttribute("cx")) * k; y = r.height / 2 - (+n.getAttribute("cy")) * k; apply();
  }
  input.addEventListener("input", matches);
  input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); focus(); } });
  document.getElementById("go").addEventListener("click", focus);
  fit();
})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


#: only this page's own script and style (by hash) may run; nothing is loaded from anywhere
CSP = (
    f"default-src 'none'; script-src {_sha256(SCRIPT)}; style-src {_sha256(STYLE)}; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p>{{ summary }}</p>
{% for note in notes %}<p class="note">{{ note }}</p>
{% endfor %}</header>
<div id="main">
<svg id="view" data-size="{{ size }}" role="img" aria-label="{{ title }}">
{% if directed %}<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" \
markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#7a7a7a"/></marker></defs>
{% endif %}<g id="vp">
<g class="edges">
{{ lines }}</g>
<g class="nodes">
{% for n in nodes %}<circle class="n" cx="{{ n.x }}" cy="{{ n.y }}" r="{{ n.r }}" fill="{{ n.fill }}" \
data-id="{{ n.id }}" data-search="{{ n.search }}"><title>{{ n.tip }}</title></circle>
{% endfor %}</g>
<g class="labels">
{% for n in labelled %}<text x="{{ (n.x + n.r + 2)|round(1) }}" y="{{ (n.y + 4)|round(1) }}" font-size="12" \
fill="#1a202c" stroke="#fff" stroke-width="3" paint-order="stroke" pointer-events="none">{{ n.label }}</text>
{% endfor %}</g>
</g>
</svg>
<aside>
<label for="q"><b>Find a node</b></label>
<input id="q" type="search" placeholder="label or handle" autocomplete="off">
<button id="go" type="button">Go</button>
<div id="status"></div>
<h2>Colour: {{ colour_by }}</h2>
<ul>
{% for item in legend %}<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" \
fill="{{ item.colour }}"/></svg> {{ item.name }} ({{ item.count }})</li>
{% endfor %}</ul>
<h2>How to</h2>
<p>Wheel: zoom. Drag: pan. Hover a circle: its details. Type in the box to highlight, Enter to go to it.</p>
<button id="fit" type="button">Fit to window</button>
</aside>
</div>
<script>{{ script }}</script>
</body>
</html>
"""
