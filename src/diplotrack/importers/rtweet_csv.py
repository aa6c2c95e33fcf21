"""rtweet / tweepy CSV timelines (one post a row).

The minimal export has ``created_at, full_text, retweet_count, favorite_count, screen_name`` and
no post ids: the post id is then derived from the content, ``derived:`` + a hash of
(lower-cased screen name, created_at, text), so the same post imported twice is one row and two
exports of one timeline merge. Where the export has ids (``status_id``/``id``, ``user_id``) and
reply/retweet columns, they are used. The metric columns carry no observation time in these
exports, so ``metrics_observed_at`` stays empty (unknown); a later, dated observation replaces them.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import orjson

from diplotrack.importers.base import (
    Progress,
    Sink,
    csv_header,
    missing_columns,
    parse_int,
    parse_time,
    quote_value,
    read_csv_rows,
)
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.records import Post, Provenance, handle_key, primary_kind

NAME = "rtweet-csv"
PLATFORM = "x"
REQUIRED = ("created_at", "screen_name")
TEXT_COLUMNS = ("full_text", "text")
ID_COLUMNS = ("status_id", "id_str", "id", "tweet_id")
_PREPENDED = re.compile(r"x\d+")


def derived_post_id(handle: str, created_at: datetime, text: str) -> str:
    """A stable id for a post known only by its content: the same post in two exports (another
    line ending, another time format) gets the same id."""
    norm = text.replace("\r\n", "\n")
    digest = hashlib.blake2b(f"{handle.lower()}\x00{created_at.isoformat()}\x00{norm}".encode(), digest_size=12)
    return "derived:" + digest.hexdigest()


def _id(row: dict[str, str], col: str) -> str | None:
    """An id cell; rtweet's ``write_as_csv`` prefixes ids with ``x`` (to keep spreadsheets from
    rounding them): ``x1234`` is the id ``1234``."""
    v = (row.get(col) or "").strip()
    if not v or v.upper() in ("NA", "NULL", "NONE"):
        return None
    return v[1:] if _PREPENDED.fullmatch(v) else v


def _truthy(v: str | None) -> bool:
    return (v or "").strip().upper() in ("TRUE", "T", "1", "YES")


class RtweetCsvImporter:
    name = NAME
    title = "rtweet / tweepy CSV timelines (created_at, full_text, screen_name, counts)"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        header = csv_header(head)
        return not missing_columns(header, REQUIRED) and any(c in header for c in TEXT_COLUMNS)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        with open(path, "rb") as fh:
            header = csv_header(fh.read(65536))
        text_col = next((c for c in TEXT_COLUMNS if c in header), "full_text")
        id_col = next((c for c in ID_COLUMNS if c in header), None)

        def one(row: dict[str, str], file: str, line: int) -> None:
            sink.add_post(map_row(row, text_col, id_col, file=file, line=line, sink=sink, observed_at=observed_at))

        return read_csv_rows(path, sink, progress, (*REQUIRED, text_col), one)


def map_row(
    row: dict[str, str],
    text_col: str,
    id_col: str | None,
    *,
    file: str,
    line: int,
    sink: Sink,
    observed_at: datetime | None = None,
) -> Post:
    """One CSV row to a Post; ``observed_at`` (``--observed-at``) dates its counts."""
    handle = row["screen_name"].strip().lstrip("@")
    if not handle:
        raise ValueError("empty screen_name")
    created_raw = row["created_at"].strip()
    try:
        created_at = parse_time(created_raw)
    except ValueError:
        raise ValueError(f"created_at {quote_value(created_raw)} is not a date and time") from None
    if created_at is None:
        raise ValueError("empty created_at")
    text = row[text_col]
    post_id = (_id(row, id_col) if id_col else None) or derived_post_id(handle, created_at, text)
    raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
    author_id = _id(row, "user_id") or handle_key(handle)
    is_rt = _truthy(row.get("is_retweet")) or text.startswith("RT @")
    reply_to = _id(row, "reply_to_status_id")
    reply_user = _id(row, "reply_to_user_id")
    quoted = _id(row, "quoted_status_id")
    quoted_user = _id(row, "quoted_user_id")
    rt_id = _id(row, "retweet_status_id")
    rt_user = _id(row, "retweet_user_id")
    if is_rt and rt_user is None and text.startswith("RT @"):
        rt_user = handle_key(text[4:].split(":", 1)[0])
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=handle,
        created_at=created_at,
        text=text,
        lang=(row.get("lang") or "").strip() or None,
        kind=primary_kind(reposted=is_rt, quoted=bool(quoted), replied=bool(reply_to or reply_user)),
        provenance=Provenance(NAME, file, line, raw_id, None),
        reposted_post_id=rt_id,
        reposted_author_id=rt_user if is_rt else None,
        quoted_post_id=quoted,
        quoted_author_id=quoted_user,
        replied_to_post_id=reply_to,
        replied_to_author_id=reply_user,
        source_client=(row.get("source") or "").strip() or None,
    )
    try:
        post.repost_count = parse_int(row.get("retweet_count"))
        post.like_count = parse_int(row.get("favorite_count"))
    except ValueError as exc:
        raise ValueError(f"a count cannot be stored: {exc}") from None
    if observed_at is not None and (post.repost_count is not None or post.like_count is not None):
        post.metrics_observed_at = observed_at
    post.entities = entities_from_text(text)
    return post
