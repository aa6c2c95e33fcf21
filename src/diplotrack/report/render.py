"""Rendering the report to one self-contained HTML file and to Markdown.

Every value that reaches the page (handles, names, post texts: untrusted internet content) goes
through Jinja2 with autoescaping on; charts are embedded as base64 PNG data URIs, so the HTML
works offline and stands alone.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from diplotrack import __version__
from diplotrack.report.model import Section

MAX_ROWS = 200

_env = Environment(
    loader=PackageLoader("diplotrack.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def cell(value: Any) -> str:
    """A table value as text: missing → '', floats rounded, timestamps without zeros."""
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


def _rows(df: pd.DataFrame) -> list[list[str]]:
    return [[cell(v) for v in row] for row in df.head(MAX_ROWS).itertuples(index=False, name=None)]


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


def write_html(path: Path, summary: dict, sections: list[Section]) -> Path:
    template = _env.get_template("report.html.j2")
    html = template.render(
        summary=summary,
        figures=_figures(summary),
        sections=[
            {
                "key": s.key,
                "title": s.title,
                "intro": s.intro,
                "coverage": s.coverage,
                "charts": [(caption, _data_uri(p)) for caption, p in s.charts],
                "tables": [
                    {
                        "name": t.name,
                        "title": t.title,
                        "note": t.note,
                        "empty": t.empty,
                        "columns": [str(c) for c in t.df.columns],
                        "rows": _rows(t.df),
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


# Markdown punctuation that can start a link, an image, emphasis, code or a table cell break;
# backslash-escaped so stored text reads as written and never becomes markup
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]!~|])")
# "x@y": GitHub-style renderers link e-mail addresses (and mailto:, xmpp:) on their own
_MD_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")


def md_cell(text: str) -> str:
    """Escape a value for Markdown (a table cell, a heading, a paragraph): no HTML, no entity, no
    link, image or autolink (``[``, ``]``, ``!`` and the ``@`` of an address escaped, ``<`` written
    as ``&lt;``), no emphasis or code, no pipes, no line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    text = _MD_EMAIL_AT.sub(r"\\@", text)
    return re.sub(r"[\r\n\u2028\u2029]+", " ", text)


def write_markdown(path: Path, summary: dict, sections: list[Section]) -> Path:
    lines = ["# diplotrack report", ""]
    lines += [f"- **{md_cell(k)}**: {md_cell(v)}" for k, v in _figures(summary)]
    w = summary["window"]
    lines += [f"- **window**: {md_cell(str(w['start']))} to {md_cell(str(w['end']))}", ""]
    for s in sections:
        lines += [f"## {md_cell(s.title)}", "", md_cell(s.intro), ""]
        for line in s.coverage:
            lines += [md_cell(line), ""]
        for caption, p in s.charts:
            lines += [f"![{md_cell(caption)}](charts/{p.name})", ""]
        for t in s.tables:
            lines += [f"### {md_cell(t.title)}", ""]
            if t.note:
                lines += [md_cell(t.note), ""]
            if t.df.empty:
                lines += [md_cell(t.empty) if t.empty else "_none_", ""]
                continue
            cols = [md_cell(str(c)) for c in t.df.columns]
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in _rows(t.df)]
            more = f"; the first {MAX_ROWS} shown" if len(t.df) > MAX_ROWS else ""
            lines += ["", f"{len(t.df):,} row(s){more}; full table: `tables/{t.name}.csv`", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
