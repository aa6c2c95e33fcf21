"""What people open from a report: CSV cells a spreadsheet cannot run as formulas, Markdown with no
link but http(s) ones, whatever the stored text holds."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
from markdown_it import MarkdownIt

from diplotrack.report.build import Section, Table, write_csv
from diplotrack.report.render import write_markdown


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_report_csv_neutralises_formulas_in_text_cells_only(tmp_path: Path) -> None:
    texts = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "-5", "a=b", ""]
    df = pd.DataFrame(
        {
            "handle": texts,
            "n": list(range(-5, 5)),
            "share": [-0.5 + i / 10 for i in range(10)],
            "tags": [["=evil", "ok"]] * 10,
        }
    )
    write_csv(df, tmp_path / "t.csv")
    rows = _read(tmp_path / "t.csv")
    got = [r["handle"] for r in rows]
    assert got == ["'" + t for t in texts[:6]] + ["plain", "'-5", "a=b", ""]
    assert [r["n"] for r in rows] == [str(i) for i in range(-5, 5)]  # numbers stay numbers
    assert float(rows[0]["share"]) == -0.5
    assert rows[0]["tags"] == "'=evil; ok"


def test_report_csv_neutralises_formulas_in_nested_tables_too(tmp_path: Path) -> None:
    # a column Arrow's CSV writer cannot write (a list of structs) takes the pandas path
    df = pd.DataFrame({"value": ["=1+1", "x"], "evidence": [[{"a": 1}], [{"a": 2}]]})
    write_csv(df, tmp_path / "t.csv")
    assert [r["value"] for r in _read(tmp_path / "t.csv")] == ["'=1+1", "x"]


HOSTILE = [
    "[click](javascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](vbscript:msgbox(1))",
    "[b]( JAVASCRIPT:alert(1) )",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[ref] [ref]: javascript:alert(1)",
    "[link text [nested](javascript:x)](https://ok.example)",
    "write to evil@example.com or mailto:evil@example.com or xmpp:evil@example.com",
    "`code` *em* _u_ ~~s~~ \\ # ! | & <b>",
    "[ok](https://example.org) https://example.org/a_b",
]


def _summary() -> dict:
    return {
        "accounts_total": 1,
        "institutional_share": None,
        "posts_total": 1,
        "share_posts_over": None,
        "share_followers_over": None,
        "thresholds": {"posts_over": 1, "followers_over": 1},
        "window": {"start": "[w](javascript:alert(1))", "end": None},
    }


def _links(md: str) -> tuple[list[str], list[str]]:
    """Every link and image URL a permissive renderer would make, and any raw HTML."""
    parser = MarkdownIt("commonmark").enable("table")
    parser.validateLink = lambda url: True  # as a renderer that does not filter schemes would
    urls: list[str] = []
    html: list[str] = []

    def walk(tokens: list) -> None:  # type: ignore[type-arg]
        for t in tokens:
            if t.type == "link_open":
                urls.append(str(t.attrs["href"]))
            elif t.type == "image":
                urls.append(str(t.attrs["src"]))
            elif t.type in ("html_inline", "html_block"):
                html.append(t.content)
            walk(t.children or [])

    walk(parser.parse(md))
    return urls, html


def test_markdown_has_no_link_but_http_and_its_own_files(tmp_path: Path) -> None:
    df = pd.DataFrame({"handle": HOSTILE, "text": list(reversed(HOSTILE))})
    section = Section("s", "Section", "Intro.", [Table("t", "Title", df, "A note.")])
    chart = tmp_path / "charts" / "c.png"
    section.charts.append(("A chart", chart))
    md = write_markdown(tmp_path / "report.md", _summary(), [section]).read_text()
    urls, html = _links(md)
    assert not html
    assert urls == ["charts/c.png"]  # the report's own chart; no link from the data at all
    # GitHub-style extended autolinks (e-mail, mailto:, xmpp:) need an unescaped "x@y"
    assert not re.search(r"[\w.+-]@[\w-]", md)
    # the stored text is all there, escaped: rendered, it reads as written
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "javascript:alert(1)" in rendered and "evil@example.com" in rendered
    assert "~~s~~" in rendered and "*em*" in rendered and "_u_" in rendered
