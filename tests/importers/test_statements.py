"""Podium statements: the MFA remarks corpus (a real slice of 6 pages) and the generic statements CSV
(a built English file), split, attributed, idempotent, with every unplaced item a skip."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.importers.base import read_head
from diplotrack.importers.mfa_statements import split_transcript
from diplotrack.importers.registry import detect
from diplotrack.importers.run import import_paths
from diplotrack.roster import bundled_roster_path, import_roster, load_roster
from diplotrack.store.raw import load_raw

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
CORPUS = FIXTURES / "mfa-remarks-6-pages-zh.csv"
ENGLISH = FIXTURES / "built-statements-en.csv"
PAGE = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/{}.shtml"
# items per page, counted by hand on the pages: questions (问：, 追问：, …记者：, 会后有记者问及) and
# the opening's announcements (一、/二、 on 2020-04-15; the invitation of 2016-12-12)
ITEMS = {"t1774733": 23, "t1770018": 2 + 14, "t1767872": 15, "t1654510": 9, "t1423456": 1 + 16}


def _posts(con, where: str = "TRUE", params: list | None = None) -> list[tuple]:
    return con.execute(
        f"""SELECT post_id, author_id, author_handle, created_at, text, lang, kind, conversation_id,
                   provenance.line, provenance.raw_id, provenance.pointer
            FROM posts WHERE {where} ORDER BY post_id""",
        params or [],
    ).fetchall()


def test_formats_are_told_apart_by_their_first_bytes() -> None:
    assert detect(read_head(CORPUS), CORPUS).name == "mfa-statements"
    assert detect(read_head(ENGLISH), ENGLISH).name == "statements-csv"
    embassy = FIXTURES / "built-embassy-posts-x.csv"
    assert detect(read_head(embassy), embassy).name == "rtweet-csv"


def test_corpus_pages_become_one_statement_per_item(con) -> None:
    report = import_paths(con, [CORPUS])
    per_page = dict(
        con.execute(
            "SELECT regexp_extract(conversation_id, '(t\\d+)\\.shtml', 1), count(*) FROM posts GROUP BY 1"
        ).fetchall()
    )
    assert per_page == ITEMS
    assert report.posts_new == sum(ITEMS.values())
    # the page whose title names no date is the only skip, with its line and the reason
    assert [(s.line, "names no date" in s.reason) for s in report.skipped] == [(76, True)]
    assert {r[0] for r in con.execute("SELECT DISTINCT platform FROM posts").fetchall()} == {"mfa"}

    first = _posts(con, "post_id = ?", [PAGE.format("t1774733") + "#0"])[0]
    post_id, author_id, handle, created_at, text, lang, kind, conv, line, raw_id, pointer = first
    assert (author_id, handle, lang, kind) == ("handle:耿爽", "耿爽", "zh", "original")
    assert created_at == datetime(2020, 4, 29) and conv == PAGE.format("t1774733")
    # the answer only: the speaker's label and the reporter's question are not the podium's words
    assert text.startswith("4月28日，金砖国家以视频连线的方式举行应对新冠肺炎疫情特别外长会。")
    assert "新华社记者" not in text and "耿爽：" not in text
    assert text.endswith("推动构建人类命运共同体。")
    # provenance: the file line where the question starts, and the whole row kept once as raw
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].strip().startswith("新华社记者：昨晚，金砖国家举行应对新冠肺炎疫情特别外长会。")
    assert pointer == "/text"
    assert b"t1774733" in load_raw(con, raw_id)
    assert con.execute("SELECT count(*) FROM raw_payloads").fetchone()[0] == len(ITEMS)


def test_corpus_openings_follow_ups_and_speakers(con) -> None:
    import_paths(con, [CORPUS])
    # 2020-04-15: the opening's two numbered announcements are two statements, by Zhao Lijian
    zhao = _posts(con, "conversation_id = ?", [PAGE.format("t1770018")])
    texts = {p[0].rsplit("#", 1)[1]: p[4] for p in zhao}
    assert texts["0"].startswith("一、为帮助沙特阿拉伯应对新冠肺炎疫情") and "二、" not in texts["0"][:5]
    assert texts["1"].startswith("二、为支持非洲国家加强应对新冠肺炎疫情")
    assert {p[2] for p in zhao} == {"赵立坚"}
    # 2020-04-09: a follow-up (追问：) answered without a label is its own statement
    follow = [p for p in _posts(con, "conversation_id = ?", [PAGE.format("t1767872")])]
    answers = [p[4] for p in follow]
    assert "我能告诉你的是，中俄陆路边境口岸客运通道目前已全部临时关闭，目前我没有更多补充。" in answers
    # 2016-12-12: the after-conference question is answered as "耿爽表示，…"
    geng = [p[4] for p in _posts(con, "conversation_id = ?", [PAGE.format("t1423456")])]
    assert any(t.startswith("杨洁篪国务委员日前在出访拉美途径纽约期间") for t in geng)
    assert not any("耿爽表示" in t[:6] for t in geng)


def test_reimport_changes_nothing(con) -> None:
    first = import_paths(con, [CORPUS, ENGLISH])
    before = _posts(con)
    again = import_paths(con, [CORPUS, ENGLISH])
    assert (again.posts_new, again.posts_updated) == (0, 0)
    assert [s.line for s in again.skipped] == [s.line for s in first.skipped]
    assert _posts(con) == before
    assert con.execute("SELECT count(*) FROM raw_payloads").fetchone()[0] == len(ITEMS) + 4


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("\n　　问：第一个问题？\n　　问：第二个问题？\n　　答：回答。\n", 3, "no answer before the next question"),
        ("\n　　答：开场。\n　　问：最后一个问题？\n", 4, "a question with no answer"),
    ],
    ids=["two-questions-one-answer", "last-question-unanswered"],
)
def test_unplaceable_items_are_skips_with_their_line(tmp_path: Path, con, text: str, line: int, reason: str) -> None:
    f = tmp_path / "page.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["link", "text", "title"])
        w.writerow(["https://example.org/t1.shtml", text, "2020年1月2日外交部发言人耿爽主持例行记者会"])
        w.writerow(["", "\n　　答：无链接。\n", "2020年1月3日外交部发言人耿爽主持例行记者会"])
    report = import_paths(con, [f])
    lines = {s.line: s.reason for s in report.skipped}
    assert reason in lines[line] and "https://example.org/t1.shtml" in lines[line]
    assert "empty link" in lines[max(lines)]
    assert report.posts_new == 1  # the answered question (or the opening) of the first page


def test_splitter_speaker_from_answer_labels_when_the_title_names_none() -> None:
    split = split_transcript("问：有何评论？\n华春莹：我们注意到有关报道。\n问：还有吗？\n答：没有。", None, 10)
    assert [(i.line, i.text, i.speaker) for i in split.items] == [
        (10, "我们注意到有关报道。", "华春莹"),
        (12, "没有。", None),
    ]
    assert split.speaker == "华春莹" and split.unplaced == []


def test_generic_csv_rows(con) -> None:
    report = import_paths(con, [ENGLISH])
    assert list(report.formats.values()) == ["statements-csv"]
    assert {s.line: s.reason.split(";")[0] for s in report.skipped} == {
        6: "date '2021-02-30' is not an ISO date (e.g. 2020-04-29)",
        7: "empty speaker",
        8: "empty text",
    }
    rows = {p[0]: p for p in _posts(con)}
    assert len(rows) == 4
    hua = rows["https://example.org/built/2021-03-01-presser#1"]
    assert (hua[1], hua[2], hua[3], hua[5]) == ("handle:hua chunying", "Hua Chunying", datetime(2021, 3, 1), "en")
    assert hua[4].startswith("China never seeks hegemonism.") and "replace the United States" not in hua[4]
    assert hua[7] == "https://example.org/built/2021-03-01-presser"
    # a time in UTC is kept; runs of spaces in a name are one space
    wang = rows["https://example.org/built/2021-03-02-presser#1"]
    assert (wang[2], wang[3]) == ("Wang Wenbin", datetime(2021, 3, 2, 7, 30))
    # no source_url and no item: a derived id; no lang column value: missing
    derived = [p for k, p in rows.items() if k.startswith("derived:")]
    assert len(derived) == 1 and derived[0][5] is None and derived[0][7] is None


def test_the_summary_names_untracked_speakers(con) -> None:
    roster, problems = load_roster(bundled_roster_path())
    assert roster is not None and not problems
    import_roster(con, roster)
    report = import_paths(con, [CORPUS, ENGLISH])
    # the corpus's speakers are the roster's mfa accounts; the English names are not
    assert len(report.notes) == 1, report.notes
    note = report.notes[0]
    assert note.startswith("4 podium statement(s) by 2 speaker(s) not in the roster were imported untracked")
    assert "Hua Chunying (2)" in note and "Wang Wenbin (2)" in note and "耿爽" not in note
    assert report.as_json()["notes"] == report.notes
