"""X (Twitter) information-operations archives: the published users file and tweets file.

Columns as published by X's Transparency Center (2018-2021): users file ``userid,
user_display_name, user_screen_name, user_reported_location, user_profile_description,
follower_count, following_count, account_creation_date, account_language``; tweets file adds
``tweetid, tweet_time, tweet_text, tweet_language, tweet_client_name, is_retweet, retweet_userid,
retweet_tweetid, in_reply_to_userid, in_reply_to_tweetid, quoted_tweet_tweetid, like_count,
retweet_count, reply_count, quote_count, hashtags, urls, user_mentions``. User ids (and screen
names) of accounts with fewer than 5,000 followers are hashed in these archives; a hash is kept as
the id as it is (stable within a release).

A users file carries no observation time: its snapshots are dated by ``--observed-at`` (give the
release date) or else the file's modification time. A tweets file's per-row user columns become
snapshots dated by ``--observed-at`` or else that user's newest tweet in the file (a lower bound).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson

from diplotrack.importers.base import (
    Progress,
    Sink,
    csv_header,
    file_mtime,
    parse_int,
    parse_time,
    quote_value,
    read_csv_rows,
    skip,
)
from diplotrack.records import EntitySet, Post, ProfileSnapshot, Provenance, primary_kind

NAME = "io-archive"
PLATFORM = "x"
USER_COLUMNS = ("userid", "user_screen_name", "follower_count", "following_count", "account_creation_date")
TWEET_COLUMNS = ("tweetid", "userid", "tweet_time", "tweet_text")


def parse_list(value: str | None) -> list[str]:
    """The archives' list cells: ``[a, b]`` or ``['a', 'b']``; empty for ``[]``/blank."""
    s = (value or "").strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    items = [x.strip().strip("'\"").strip() for x in s.split(",")]
    return [x for x in items if x]


def _opt(row: dict[str, str], col: str) -> str | None:
    v = (row.get(col) or "").strip()
    return v or None


def _time(row: dict[str, str], col: str) -> datetime | None:
    raw = _opt(row, col)
    try:
        return parse_time(raw)
    except ValueError:
        raise ValueError(f"{col} {quote_value(raw)} is not a date") from None


def _int(row: dict[str, str], col: str) -> int | None:
    try:
        return parse_int(row.get(col))
    except ValueError as exc:
        raise ValueError(f"{col} cannot be stored: {exc}") from None


def _truthy(v: str | None) -> bool:
    return (v or "").strip().upper() in ("TRUE", "T", "1", "YES")


class IoArchiveImporter:
    name = NAME
    title = "X information-operations archives: users file and tweets file (Transparency Center columns)"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        header = set(csv_header(head))
        return set(USER_COLUMNS) <= header or set(TWEET_COLUMNS) <= header

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        with open(path, "rb") as fh:
            header = set(csv_header(fh.read(65536)))
        if "tweetid" in header:
            return self._read_tweets(path, sink, progress, observed_at)
        when = observed_at or file_mtime(path)
        how = "observed-at option" if observed_at else "file modification time"

        def one(row: dict[str, str], file: str, line: int) -> None:
            raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            sink.add_profile(map_user(row, when, how, Provenance(NAME, file, line, raw_id, None)))

        return read_csv_rows(path, sink, progress, USER_COLUMNS, one)

    def _read_tweets(self, path: Path, sink: Sink, progress: Progress, observed_at: datetime | None) -> int:
        users: dict[str, tuple[dict[str, str], datetime, Provenance]] = {}

        def one(row: dict[str, str], file: str, line: int) -> None:
            raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            prov = Provenance(NAME, file, line, raw_id, None)
            post = map_tweet(row, prov)
            if observed_at is not None and post.like_count is not None:
                post.metrics_observed_at = observed_at  # the release date dates the counts
            sink.add_post(post)
            if "user_screen_name" in row and "follower_count" in row and post.author_id:
                seen = users.get(post.author_id)
                if post.created_at and (seen is None or post.created_at > seen[1]):
                    users[post.author_id] = (row, post.created_at, prov)

        n = read_csv_rows(path, sink, progress, TWEET_COLUMNS, one)
        for row, newest, prov in users.values():
            when = observed_at or newest
            how = "observed-at option" if observed_at else "user's newest tweet in file (lower bound)"
            try:
                sink.add_profile(map_user(row, when, how, prov))
            except ValueError as exc:
                who = quote_value(row.get("userid"))
                sink.add_skip(skip(prov.file or str(path), prov.line, f"user {who} not imported: {exc}"))
        return n


def map_user(row: dict[str, str], observed: datetime, how: str, prov: Provenance) -> ProfileSnapshot:
    uid = _opt(row, "userid")
    if uid is None:
        raise ValueError("empty userid")
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=uid,
        observed_at=observed,
        provenance=prov,
        handle=_opt(row, "user_screen_name"),
        display_name=_opt(row, "user_display_name"),
        description=_opt(row, "user_profile_description"),
        location=_opt(row, "user_reported_location"),
        created_at=_time(row, "account_creation_date"),
        followers=_int(row, "follower_count"),
        following=_int(row, "following_count"),
        status="active",
        source=f"{NAME} ({how})",
    )


def map_tweet(row: dict[str, str], prov: Provenance) -> Post:
    post_id = _opt(row, "tweetid")
    if post_id is None:
        raise ValueError("empty tweetid")
    created_at = _time(row, "tweet_time")
    reposted = _truthy(row.get("is_retweet"))
    quoted = _opt(row, "quoted_tweet_tweetid")
    reply_post = _opt(row, "in_reply_to_tweetid")
    reply_user = _opt(row, "in_reply_to_userid")
    text = row.get("tweet_text")
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=_opt(row, "userid"),
        author_handle=_opt(row, "user_screen_name"),
        created_at=created_at,
        text=text,
        lang=_opt(row, "tweet_language"),
        kind=primary_kind(reposted=reposted, quoted=bool(quoted), replied=bool(reply_post or reply_user)),
        provenance=prov,
        reposted_post_id=_opt(row, "retweet_tweetid") if reposted else None,
        reposted_author_id=_opt(row, "retweet_userid") if reposted else None,
        quoted_post_id=quoted,
        replied_to_post_id=reply_post,
        replied_to_author_id=reply_user,
        source_client=_opt(row, "tweet_client_name"),
        like_count=_int(row, "like_count"),
        repost_count=_int(row, "retweet_count"),
        reply_count=_int(row, "reply_count"),
        quote_count=_int(row, "quote_count"),
    )
    found = EntitySet()
    for tag in parse_list(row.get("hashtags")):
        found.add("hashtag", tag, tag.casefold())
    for url in parse_list(row.get("urls")):
        found.add("url", url, url)
    for uid in parse_list(row.get("user_mentions")):
        found.add("mention", uid, uid)  # user ids (hashed ones are case-sensitive), not handles
    post.entities = found.items
    return post
