"""Statements from a ministry's podium, in a documented generic CSV form (any ministry, any language).

One row is one item: an answer at a press conference (with the question that prompted it, when
known), or one item of a statement. Columns (header names, any order):

- required: ``date`` (ISO 8601: a day, ``2020-04-29``, or a time, ``2020-04-29T07:00:00Z``; a day
  is stored at 00:00, date only), ``speaker`` (the name as the transcript writes it: ``Hua Chunying``,
  ``华春莹``), ``text`` (what the speaker said: the answer, not the question);
- optional: ``source_url`` (the transcript's page), ``item`` (the item's place in that transcript:
  1, 2, …), ``question``, ``title``, ``ministry``, ``lang`` (the transcript's language, ISO 639-1).

Every statement is a ``Post`` on platform ``mfa``: ``author_handle`` the speaker, ``author_id``
``handle:<lower speaker>`` (the roster's ``mfa`` accounts name the speakers), ``kind`` original,
``conversation_id`` the source URL (every item of one press conference shares it), ``lang`` the
``lang`` column. The post id is ``<source_url>#<item>`` when both are given, else ``derived:`` + a
hash of (source_url, date, speaker, question, text), so importing a file again changes nothing. The
question, title and ministry stay in the raw payload (the whole row, kept once).

See docs/sources/mfa-statements.md.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import orjson

from diplotrack.importers.base import Progress, Sink, csv_header, parse_time, quote_value, read_csv_rows
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.platforms import speaker_name
from diplotrack.records import Post, Provenance, handle_key

NAME = "statements-csv"
PLATFORM = "mfa"
REQUIRED = ("date", "speaker", "text")
OPTIONAL = ("source_url", "item", "question", "title", "ministry", "lang")


def statement_post(
    *,
    post_id: str,
    speaker: str,
    created_at: datetime,
    text: str,
    lang: str | None,
    source_url: str | None,
    prov: Provenance,
) -> Post:
    """One podium statement as the ``Post`` every statement importer makes."""
    name = speaker_name(speaker)
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=handle_key(name),
        author_handle=name,
        created_at=created_at,
        text=text,
        lang=lang,
        kind="original",
        provenance=prov,
        conversation_id=source_url or None,
        entities=entities_from_text(text),
    )


def derived_statement_id(source_url: str, created_at: datetime, speaker: str, question: str, text: str) -> str:
    """A stable id for a statement with no item number: the same row in two exports is one post."""
    parts = (source_url, created_at.isoformat(), speaker_name(speaker).lower(), question, text)
    norm = "\x00".join(p.replace("\r\n", "\n").strip() for p in parts)
    return "derived:" + hashlib.blake2b(norm.encode(), digest_size=12).hexdigest()


# the speakers of the podium statements read from some files whom no roster account on mfa names
_UNTRACKED = """
SELECT p.author_handle, count(*) AS n
FROM posts p
WHERE p.platform = 'mfa' AND list_contains($files, p.provenance.file)
  AND p.author_id NOT IN (SELECT user_key FROM accounts WHERE platform = 'mfa'
                          UNION ALL SELECT 'handle:' || lower(handle) FROM accounts WHERE platform = 'mfa')
GROUP BY ALL ORDER BY n DESC, p.author_handle
"""
NAMED = 5  # untracked speakers named in the note; the rest are counted


def untracked_note(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
    """A sentence for the import's summary when statements read from ``files`` have a speaker no
    roster account on platform ``mfa`` names: they are imported, but no analysis of tracked
    accounts counts them until the roster names the speaker."""
    rows = con.execute(_UNTRACKED, {"files": files}).fetchall()
    if not rows:
        return []
    n = sum(c for _, c in rows)
    names = ", ".join(f"{h} ({c:,})" for h, c in rows[:NAMED])
    more = f" and {len(rows) - NAMED} more" if len(rows) > NAMED else ""
    return [
        f"{n:,} podium statement(s) by {len(rows)} speaker(s) not in the roster were imported untracked: "
        f"{names}{more}; add each as an account on platform mfa (handle: the name as written) to follow them"
    ]


class StatementsCsvImporter:
    name = NAME
    title = "podium statements CSV (date, speaker, text; optional source_url, item, question, title, ministry, lang)"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        return set(REQUIRED) <= set(csv_header(head))

    def notes(self, con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
        return untracked_note(con, files)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        def one(row: dict[str, str], file: str, line: int) -> None:
            post = map_row(row, file=file, line=line)  # checks the row before its raw payload is kept
            post.provenance.raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            sink.add_post(post)

        return read_csv_rows(path, sink, progress, REQUIRED, one)


def map_row(row: dict[str, str], *, file: str, line: int) -> Post:
    """One row to a statement; ``ValueError`` (the row becomes a skip) when it cannot be one."""
    speaker = speaker_name(row["speaker"])
    if not speaker:
        raise ValueError("empty speaker; write the name of the person who spoke")
    text = row["text"].strip()
    if not text:
        raise ValueError("empty text; a statement needs what the speaker said")
    raw_date = row["date"].strip()
    try:
        created_at = parse_time(raw_date)
    except ValueError:
        raise ValueError(f"date {quote_value(raw_date)} is not an ISO date (e.g. 2020-04-29)") from None
    if created_at is None:
        raise ValueError("empty date")
    url = (row.get("source_url") or "").strip()
    item = (row.get("item") or "").strip()
    if url and item:
        post_id = f"{url}#{item}"
    else:
        post_id = derived_statement_id(url, created_at, speaker, (row.get("question") or ""), text)
    lang = (row.get("lang") or "").strip().lower() or None
    return statement_post(
        post_id=post_id,
        speaker=speaker,
        created_at=created_at,
        text=text,
        lang=lang,
        source_url=url or None,
        prov=Provenance(NAME, file, line, None, None),
    )
