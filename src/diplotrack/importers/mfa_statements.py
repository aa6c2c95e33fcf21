"""The Chinese MFA spokesperson's remarks as the ministry's site publishes them, in the form of the
public corpus bundled with the demo (coolsteed/chinese-ministry-of-foreign-affairs-spokesperson-s-remarks):
a CSV with the columns ``link, text, title``, one row per page of the site.

The ``title`` carries the date and the spokesperson ("2019年9月2日外交部发言人耿爽主持例行记者会");
the ``text`` holds the conference's opening items, then its questions and answers, one paragraph a
line. Each row is split into items (``split_transcript``), and each item becomes a statement on
platform ``mfa`` (statements_csv.py ``statement_post``):

- an *answer* is the speaker's reply to one question: the paragraphs after a question label
  (``问：``, ``追问：``, ``新华社记者：``, any label ending in 记者, ``会后有记者问及…``) and after the answer label
  (``答：`` or the speaker's name) until the next question. The statement's ``text`` is the answer only
  (what the podium said: topics, tone and terms are the ministry's, not the reporters'); the
  question stays in the raw payload, at the line the provenance gives. A reporter's interjection
  (``记者澄清：``) belongs to the question side.
- the *opening* (the paragraphs before the first question) is one item, or several where its
  paragraphs start a new announcement: a Chinese ordinal (``一、``, ``二、``) or an invitation
  (``应…邀请``). A page with no question at all (a statement, an announcement) is its opening.

The post id is ``<link>#<n>`` (n: the item's place on the page, from 0), so importing the file again
changes nothing; ``created_at`` is the title's date at 00:00 (the corpus gives dates only: date
only, not the conference's hour); ``conversation_id`` is the link; ``lang`` is ``zh``. The raw
payload is the whole row, kept once; each item's provenance gives the file line its question (or
its opening paragraph) starts on and the pointer ``/text``. What cannot be placed is a skip with its
file:line and reason: a page whose title names no date, a page that names no spokesperson, a
question with no answer.

See docs/sources/mfa-statements.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import orjson

from diplotrack.importers.base import Progress, Sink, csv_header, quote_value, read_csv_rows, skip
from diplotrack.importers.statements_csv import PLATFORM, statement_post, untracked_note
from diplotrack.records import Provenance

NAME = "mfa-statements"
COLUMNS = ("link", "text", "title")
LANG = "zh"

_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# the spokesperson as a title or an announcement names them: 外交部发言人耿爽主持…, …发言人赵立坚宣布
_TITLE_SPEAKER = re.compile(r"发言人([\u4e00-\u9fff·]{2,5}?)(?:主持|答|就|宣布|发表|表示|谈)")
_LEAD_SPEAKER = re.compile(r"^([\u4e00-\u9fff·]{2,4})：")  # a title that opens with the name: 耿爽：…
# a paragraph's label: a short run without sentence punctuation before a colon
_LABEL = re.compile(r"^([^：:，。？！,.?!\s]{1,24})[：:]\s*")
_AFTER_CONFERENCE = re.compile(r"^(?:会后|此外)[，,]?\s*(?:有)?记者(?:问|提问)")
_NEW_ANNOUNCEMENT = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|应.{1,60}?邀请)")
# an answer's label: a name, with a colon, or with 表示/指出 and a comma (耿爽表示，…)
_SPEAKS = re.compile(r"^([\u4e00-\u9fff·]{2,4}?)(?:(?:表示|指出)[，,：:]|[：:])\s*")
_NOT_NAMES = frozenset(("我们", "他们", "你们", "记者", "有关", "首先", "最后", "另外", "此外", "同时", "会后"))
_FOLLOW_UPS = frozenset(("追问", "又问", "再问", "记者"))  # 记者：a reporter follows up
_QUESTION_LABELS = frozenset(("问", "有记者问", "记者问", *_FOLLOW_UPS))
_ASKED = ("？", "?", "？）", "?)")  # a question that ends here
_PAD = " \t\r\u3000\xa0"


@dataclass
class Item:
    """One place on a page: an opening item (``question`` empty) or a question and its answer."""

    line: int  # the line of the file the item starts on
    question: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    speaker: str | None = None  # the name the answer's label gives, when it gives one

    @property
    def text(self) -> str:
        return "\n".join(self.answer)


@dataclass
class Split:
    items: list[Item]
    unplaced: list[tuple[int, str]]  # (line, reason)
    speaker: str | None  # the first speaker the text names (an answer's label, an announcement)


def _paragraphs(text: str, first_line: int) -> list[tuple[int, str]]:
    out = []
    for i, para in enumerate(text.split("\n")):
        p = para.strip(_PAD)
        if p:
            out.append((first_line + i, p))
    return out


def _label(para: str) -> tuple[str | None, str]:
    """``(label, rest)`` of a paragraph that opens with one, else ``(None, para)``."""
    m = _LABEL.match(para)
    if not m:
        return None, para
    return m.group(1).lstrip("（("), para[m.end() :]


def _is_question(label: str | None, para: str) -> bool:
    if label is None:
        return bool(_AFTER_CONFERENCE.match(para))
    return label in _QUESTION_LABELS or label.endswith("记者") or "记者问" in label


def _speaks(para: str, speaker: str | None, answering: bool) -> tuple[str, str] | None:
    """``(name, rest)`` when the paragraph opens with a speaker's name as an answer's label: 耿爽：…,
    耿爽表示，…; the title's spokesperson anywhere, any other name only where an answer is due."""
    m = _SPEAKS.match(para)
    if not m:
        return None
    name = m.group(1)
    if name == speaker or (answering and name not in _NOT_NAMES and not name.endswith("方")):
        return name, para[m.end() :]
    return None


def split_transcript(text: str, speaker: str | None = None, first_line: int = 1) -> Split:
    """The items of one page's ``text`` (``speaker``: the spokesperson the title names, if any;
    ``first_line``: the file line the text starts on). Pure: the same text always gives the same items."""
    opening: list[tuple[int, str]] = []
    qa: list[Item] = []
    unplaced: list[tuple[int, str]] = []
    named: str | None = None
    cur: Item | None = None
    follow_up = False  # the current question is a follow-up (追问), whose answer often has no label
    for line, para in _paragraphs(text, first_line):
        if cur is not None and para.startswith(("（", "(")) and para.endswith(("）", ")")):
            cur.question.append(para)  # a note in brackets, e.g. a reporter's aside: not the podium's words
            continue
        label, rest = _label(para)
        answering = cur is not None and not cur.answer
        if _is_question(label, para):
            if cur is not None and answering:
                if label in _FOLLOW_UPS:  # a follow-up before any answer: one question
                    cur.question.append(para)
                    continue
                unplaced.append((cur.line, "a question with no answer before the next question"))
            cur = Item(line, question=[para])
            qa.append(cur)
            follow_up = label in _FOLLOW_UPS
            continue
        if label == "答":
            _add(opening, cur, line, rest)
            continue
        if (spoken := _speaks(para, speaker or named, answering)) is not None:
            name, rest = spoken
            named = named or name
            if cur is not None and answering:
                cur.speaker = name
            _add(opening, cur, line, rest)
            continue
        if label is not None and label.endswith(("宣布", "表示")) and (m := _TITLE_SPEAKER.search(label)):
            named = named or m.group(1)  # 外交部发言人赵立坚宣布：
            _add(opening, cur, line, rest)
            continue
        if cur is None:
            opening.append((line, para))
        elif cur.answer or (label is None and (follow_up or cur.question[-1].endswith(_ASKED))):
            # the answer goes on, or answers without a label a follow-up or a question that has ended
            cur.answer.append(para)
        else:  # the question goes on, or a reporter interjects (记者澄清：)
            cur.question.append(para)
    if cur is not None and not cur.answer:
        unplaced.append((cur.line, "a question with no answer"))
    items = _opening_items(opening) + [i for i in qa if i.answer]
    return Split(items, unplaced, named)


def _add(opening: list[tuple[int, str]], cur: Item | None, line: int, text: str) -> None:
    """A labelled paragraph's text (label removed) to the opening or to the current answer."""
    if not text:
        return
    if cur is None:
        opening.append((line, text))
    else:
        cur.answer.append(text)


def _opening_items(paras: list[tuple[int, str]]) -> list[Item]:
    items: list[Item] = []
    for line, para in paras:
        if not items or _NEW_ANNOUNCEMENT.match(para):
            items.append(Item(line))
        items[-1].answer.append(para)
    return items


def title_date(title: str) -> datetime | None:
    m = _DATE.search(unicodedata.normalize("NFKC", title))
    if not m:
        return None
    return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # ValueError: 2月30日


def title_speaker(title: str) -> str | None:
    t = unicodedata.normalize("NFKC", title)
    m = _TITLE_SPEAKER.search(t) or _LEAD_SPEAKER.match(t)
    return m.group(1) if m else None


class MfaStatementsImporter:
    name = NAME
    title = "Chinese MFA spokesperson's remarks (link, text, title: one page of the ministry's site a row)"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        return sorted(csv_header(head)) == sorted(COLUMNS)

    def notes(self, con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
        """What the import's summary says about these files: the statements whose speaker is untracked."""
        return untracked_note(con, files)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        def one(row: dict[str, str], file: str, line: int) -> None:
            map_page(row, file=file, line=line, sink=sink)

        return read_csv_rows(path, sink, progress, COLUMNS, one)


def map_page(row: dict[str, str], *, file: str, line: int, sink: Sink) -> int:
    """One page to its statements, handed to ``sink`` with a skip for each item it cannot place;
    ``ValueError`` (the whole row a skip) for a page that cannot be dated or attributed. Returns
    the statements made."""
    link = row["link"].strip()
    title = " ".join(row["title"].split())
    if not link:
        raise ValueError("empty link; every page needs its address (the statements' ids derive from it)")
    try:
        day = title_date(title)
    except ValueError:
        raise ValueError(f"the title {quote_value(title)} names an impossible date") from None
    if day is None:
        raise ValueError(f"the title {quote_value(title)} names no date (年月日); the page cannot be placed in time")
    speaker = title_speaker(title)
    split = split_transcript(row["text"], speaker, line)
    speaker = speaker or split.speaker
    if speaker is None:
        raise ValueError(f"neither the title {quote_value(title)} nor the text names the spokesperson")
    for at, reason in split.unplaced:
        sink.add_skip(skip(file, at, f"{reason} ({link})"))
    if not split.items:
        if not split.unplaced:
            sink.add_skip(skip(file, line, f"no statement found in the text ({link})"))
        return 0
    raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
    for n, item in enumerate(split.items):
        sink.add_post(
            statement_post(
                post_id=f"{link}#{n}",
                speaker=item.speaker or speaker,
                created_at=day,
                text=item.text,
                lang=LANG,
                source_url=link,
                prov=Provenance(NAME, file, item.line, raw_id, "/text"),
            )
        )
    return len(split.items)
