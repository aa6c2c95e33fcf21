"""Rendering the report to one self-contained HTML file and to Markdown.

Every value that reaches the page (handles, names, post texts: untrusted internet content) is
escaped: through Jinja2 with autoescaping on, and the table cells, rendered in Python for speed,
with ``html.escape``; charts are embedded as base64 PNG data URIs, so the HTML works offline and
stands alone.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from diplotrack import __version__
from diplotrack.report.model import Section

MAX_ROWS = 200
WIDE = 8  # a table with more columns than this says that it scrolls sideways (none is ever cut)
LONG = 40  # a cell longer than this wraps in a column of its own width; shorter ones never wrap

_env = Environment(
    loader=PackageLoader("diplotrack.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def cell(value: Any) -> str:
    """A table value as text: missing → '', floats rounded, timestamps without zeros."""
    kind = type(value)
    if kind is str:  # the usual cases first: a report writes some hundred thousand cells
        return value  # type: ignore[no-any-return]
    if kind is int:
        return f"{value:,}"
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return ""
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _rows(df: pd.DataFrame, memo: dict[int, tuple[pd.DataFrame, list[list[str]]]] | None = None) -> list[list[str]]:
    """The first MAX_ROWS rows as text; ``memo`` keeps them for the next writer of the same table
    (the HTML and the Markdown show the same cells)."""
    if memo is not None and id(df) in memo and memo[id(df)][0] is df:
        return memo[id(df)][1]
    rows = [[cell(v) for v in row] for row in df.head(MAX_ROWS).itertuples(index=False, name=None)]
    if memo is not None:
        memo[id(df)] = (df, rows)
    return rows


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figures(summary: dict) -> list[tuple[str, str]]:
    share = summary.get("institutional_share")
    posts_over = summary.get("share_posts_over")
    fol_over = summary.get("share_followers_over")
    th = summary["thresholds"]
    return [
        ("tracked accounts", f"{summary['accounts_total']:,}"),
        ("institutional", "–" if share is None else f"{share:.0%}"),
        ("posts in window", f"{summary['posts_total']:,}"),
        (f"> {th['posts_over']:,} posts", "–" if posts_over is None else f"{posts_over:.0%}"),
        (f"> {th['followers_over']:,} followers", "–" if fol_over is None else f"{fol_over:.0%}"),
    ]


def _targets(sections: list[Section]) -> dict[str, tuple[str, str, str]]:
    """What a question's details may name: a table (by file name) or a chart (``chart:<stem>``),
    as (anchor, title, file) for the report's tables and charts that were written."""
    out: dict[str, tuple[str, str, str]] = {}
    for s in sections:
        for t in s.tables:
            out[t.name] = (t.name, t.title, f"tables/{t.name}.csv")
        for caption, p in s.charts:
            out[f"chart:{p.stem}"] = (f"chart-{p.stem}", caption, f"charts/{p.name}")
    return out


def _questions(s: Section, targets: dict[str, tuple[str, str, str]]) -> list[dict]:
    return [{**q, "links": [targets[d] for d in q.get("details", []) if d in targets]} for q in s.questions]


Rows = dict[int, tuple[pd.DataFrame, list[list[str]]]]  # the cells of each table, for both writers


def _body(rows: list[list[str]]) -> Markup:
    """A table's rows as HTML, every cell escaped (html.escape: as Jinja2's autoescape does, a few
    times faster over the report's tens of thousands of cells); a long cell wraps in a column of its
    own width."""
    out = []
    for row in rows:
        tds = (
            f'<td><div class="long">{escape(v)}</div></td>' if len(v) > LONG else f"<td>{escape(v)}</td>" for v in row
        )
        out.append("<tr>" + "".join(tds) + "</tr>\n")
    return Markup("".join(out))


def write_html(path: Path, summary: dict, sections: list[Section], memo: Rows | None = None) -> Path:
    template = _env.get_template("report.html.j2")
    targets = _targets(sections)
    html = template.render(
        summary=summary,
        figures=_figures(summary),
        wide=WIDE,
        sections=[
            {
                "key": s.key,
                "title": s.title,
                "intro": s.intro,
                "coverage": s.coverage,
                "questions": _questions(s, targets),
                "charts": [(caption, _data_uri(p), p.stem, s.chart_notes.get(p.name, "")) for caption, p in s.charts],
                "tables": [
                    {
                        "name": t.name,
                        "title": t.title,
                        "note": t.note,
                        "empty": t.empty,
                        "columns": [str(c) for c in t.df.columns],
                        "rows": bool(len(t.df)),
                        "body": _body(_rows(t.df, memo)),
                        "total": len(t.df),
                        "max_rows": MAX_ROWS,
                    }
                    for t in s.tables
                ],
            }
            for s in sections
        ],
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )
    path.write_text(html, encoding="utf-8")
    return path


# Markdown punctuation that can start a link, an image, emphasis, code or a table cell break is
# backslash-escaped (so stored text reads as written and never becomes markup), and &, <, > are
# written as entities: one translation table does both
_MD_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in "\\`*_[]!~|"}})
# "x@y": GitHub-style renderers link e-mail addresses (and mailto:, xmpp:) on their own
_MD_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")
_MD_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# any character md_cell changes: text without one is written as it is (most cells)
_MD_CHANGED = re.compile(r"[&<>\\`*_\[\]!~|@\r\n\u2028\u2029]")


def md_cell(text: str) -> str:
    """Escape a value for Markdown (a table cell, a heading, a paragraph): no HTML, no entity, no
    link, image or autolink (``[``, ``]``, ``!`` and the ``@`` of an address escaped, ``<`` written
    as ``&lt;``), no emphasis or code, no pipes, no line breaks."""
    if not _MD_CHANGED.search(text):
        return text
    text = text.translate(_MD_TABLE)  # entities and backslashes in one pass
    if "@" in text:
        text = _MD_EMAIL_AT.sub(r"\\@", text)
    return _MD_BREAKS.sub(" ", text) if _MD_BREAKS.search(text) else text


def write_markdown(path: Path, summary: dict, sections: list[Section], memo: Rows | None = None) -> Path:
    targets = _targets(sections)
    lines = ["# diplotrack report", ""]
    lines += [f"- **{md_cell(k)}**: {md_cell(v)}" for k, v in _figures(summary)]
    w = summary["window"]
    lines += [f"- **window**: {md_cell(str(w['start']))} to {md_cell(str(w['end']))}", ""]
    for s in sections:
        lines += [f"## {md_cell(s.title)}", "", md_cell(s.intro), ""]
        for q in _questions(s, targets):
            lines += [f"### {md_cell(q['question'])}", "", md_cell(q["answer"]), ""]
            lines += [f"_Coverage_: {md_cell(q['coverage'])}", ""]
            if q["links"]:
                where = "; ".join(f"{title} ({file})" for _, title, file in q["links"])
                lines += [f"_Details_: {md_cell(where)}", ""]
        for line in s.coverage:
            lines += [md_cell(line), ""]
        for caption, p in s.charts:
            lines += [f"![{md_cell(caption)}](charts/{p.name})", ""]
            if s.chart_notes.get(p.name):
                lines += [md_cell(s.chart_notes[p.name]), ""]
        for t in s.tables:
            lines += [f"### {md_cell(t.title)}", ""]
            if t.note:
                lines += [md_cell(t.note), ""]
            if t.df.empty:
                lines += [md_cell(t.empty) if t.empty else "_none_", ""]
                continue
            cols = [md_cell(str(c)) for c in t.df.columns]
            if len(cols) > WIDE:
                lines += [f"{len(cols)} columns, all shown: the table may scroll sideways.", ""]
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in _rows(t.df, memo)]
            more = f"; the first {MAX_ROWS} shown" if len(t.df) > MAX_ROWS else ""
            lines += ["", f"{len(t.df):,} row(s){more}; full table: `tables/{t.name}.csv`", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
