"""The CHC influencer-mentions CSV (centre-for-humanities-computing/china-twiplomacy-2020-2022).

Columns ``created_at, mentionee, mentioner, retweet, category, category_mentionee, text``: one row
per (post, tracked account it engages with). ``retweet`` says how the mentioner engaged:
``retweeted`` (a repost of the mentionee's post; ``text`` is the reposted text), ``replied_to``,
``quoted`` or ``original`` (a post that mentions the mentionee). ``created_at`` is a day, so
``created_at`` is stored at 00:00 UTC of that day (day precision). There are no post or user ids:
the post id is derived from (mentioner, day, engagement, text), and a post that engages several
tracked accounts, listed once per mentionee, becomes one post with a mention of each.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import orjson

from diplotrack.importers.base import Progress, Sink, csv_header, parse_time, quote_value, read_csv_rows
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.records import Entity, Post, Provenance, handle_key

NAME = "chc-mentions"
PLATFORM = "x"
REQUIRED = ("created_at", "mentionee", "mentioner", "retweet", "text")
KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote", "original": "original"}


class ChcMentionsImporter:
    name = NAME
    title = "CHC influencer-mentions CSV (mentioner engages a tracked mentionee)"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        header = set(csv_header(head))
        return set(REQUIRED) <= header

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        def one(row: dict[str, str], file: str, line: int) -> None:
            raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            sink.add_post(map_row(row, Provenance(NAME, file, line, raw_id, None)))

        return read_csv_rows(path, sink, progress, REQUIRED, one)


def map_row(row: dict[str, str], prov: Provenance) -> Post:
    mentioner = row["mentioner"].strip().lstrip("@")
    mentionee = row["mentionee"].strip().lstrip("@")
    if not mentioner or not mentionee:
        raise ValueError("empty mentioner or mentionee")
    engagement = row["retweet"].strip()
    kind = KINDS.get(engagement)
    if kind is None:
        raise ValueError(f"retweet {quote_value(engagement)} is not one of {', '.join(KINDS)}")
    day = row["created_at"].strip()
    try:
        created_at = parse_time(day)
    except ValueError:
        raise ValueError(f"created_at {quote_value(day)} is not a date") from None
    if created_at is None:
        raise ValueError("empty created_at")
    text = row["text"]
    norm = text.replace("\r\n", "\n")  # the same post whatever the file's line endings
    digest = hashlib.blake2b(
        f"{mentioner.lower()}\x00{created_at.date().isoformat()}\x00{engagement}\x00{norm}".encode(), digest_size=12
    ).hexdigest()
    target = handle_key(mentionee)
    post = Post(
        platform=PLATFORM,
        post_id="derived:" + digest,
        author_id=handle_key(mentioner),
        author_handle=mentioner,
        created_at=created_at,
        text=text,
        lang=None,
        kind=kind,
        provenance=prov,
        reposted_author_id=target if kind == "repost" else None,
        quoted_author_id=target if kind == "quote" else None,
        replied_to_author_id=target if kind == "reply" else None,
    )
    ents = entities_from_text(text)
    if not any(e.type == "mention" and e.normalized == mentionee.lower() for e in ents):
        ents.append(Entity("mention", mentionee, mentionee.lower()))
    post.entities = ents
    return post
