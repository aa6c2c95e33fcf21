"""4CAT's X (Twitter API v2) datasets: the NDJSON of collected tweets and the CSV 4CAT maps them to.

NDJSON (``fourcat-x-ndjson``): one API v2 tweet a line with its ``includes`` spliced in by 4CAT
(``author_user``, ``in_reply_to_user``, full ``referenced_tweets`` with their own ``author_user``,
media objects in place of ``attachments.media_keys``, user objects merged into
``entities.mentions``). Each line is turned back into the API page it came from (``data`` and
``includes``) and mapped by the X v2 mapping (importers/x_v2_map.py), so a tweet imported from 4CAT
is the same record as one from twarc2 or the X collector: numeric ids, kind from
``referenced_tweets``, entities, counts, referenced tweets as posts, and a profile snapshot of every
user carried. 4CAT records no retrieval time in the file: counts and snapshots are dated by
``--observed-at``, else by the line's newest tweet (a lower bound), as for any v2 page without
one. 4CAT's placeholder for a tweet the API did not return (``author_id`` ``UNKNOWN``) is skipped.

CSV (``fourcat-x-csv``): 4CAT's ``map_item`` columns (``id, thread_id, timestamp, unix_timestamp,
link, body, author, author_fullname, author_id, source, language_guess, …counts, is_retweet,
retweeted_user, is_quote_tweet, quoted_user, is_reply, replied_user, hashtags, urls, images, videos,
mentions``). ``timestamp`` is UTC (``unix_timestamp`` is shifted by the 4CAT server's zone, so it is
the fallback only). The CSV names the reposted, quoted and replied-to accounts by handle only and
omits the referenced tweets' ids: those authors are ``handle:<lower handle>`` keys and the
referenced post ids are empty. Counts are dated by ``--observed-at`` when given, else undated.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import Sink
from diplotrack.importers.chunks import ChunkContext
from diplotrack.importers.fourcat_ndjson import NdjsonImporter, first_items
from diplotrack.importers.minet_cells import cell_int, cell_time, epoch_time, opt, split_list, truthy, x_id
from diplotrack.importers.x_v2 import lenient
from diplotrack.importers.x_v2_map import map_page
from diplotrack.provenance import Prov
from diplotrack.records import EntitySet, Post, ProfileSnapshot, Provenance, handle_key, primary_kind

NDJSON = "fourcat-x-ndjson"
CSV = "fourcat-x-csv"
PLATFORM = "x"
CSV_REQUIRED = ("id", "thread_id", "body", "author", "author_id", "is_retweet", "is_quote_tweet", "retweeted_user")
_USER_KEYS = ("id", "username")


def _is_tweet(obj: dict[str, Any]) -> bool:
    return "id" in obj and "author_id" in obj and ("author_user" in obj or "author_username" in obj)


class _Renamed:
    """The sink the v2 mapping writes to: profile snapshots say they came from 4CAT, and pointers
    into the rebuilt page become pointers into the line as 4CAT wrote it."""

    def __init__(self, sink: Sink, pointers: dict[str, str]) -> None:
        self.sink = sink
        self.pointers = pointers

    def _repoint(self, prov: Provenance) -> None:
        if prov.pointer is not None:
            prov.pointer = self.pointers.get(prov.pointer, prov.pointer)

    def add_post(self, post: Post) -> None:
        self._repoint(post.provenance)
        self.sink.add_post(post)

    def add_profile(self, snap: ProfileSnapshot) -> None:
        if snap.source and snap.source.startswith("x-v2 "):
            snap.source = NDJSON + snap.source[4:]
        self._repoint(snap.provenance)
        self.sink.add_profile(snap)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sink, name)


def map_item(tweet: dict[str, Any], prov: Prov, ctx: ChunkContext, sink: Sink) -> None:
    """One 4CAT tweet: rebuilt into its API page and mapped by the X v2 mapping."""
    if str(tweet.get("author_id")) == "UNKNOWN":
        detail = tweet.get("subject") or tweet.get("detail") or "no detail"
        raise ValueError(f"4CAT's placeholder for a tweet the API did not return ({str(detail)[:120]})")
    if x_id(tweet.get("id"), "id") is None:
        raise ValueError("empty id")
    x_id(tweet.get("author_id"), "author_id")  # the X v2 mapping keeps ids as written: check them here
    page, pointers = unsplice(tweet)
    line = lenient(page, ctx.file, prov.line or 0, sink)
    if line is None:
        return
    map_page(line, _Renamed(sink, pointers), prov, retrieved=None, fallback=ctx.observed_at, mtime=ctx.mtime)


def unsplice(tweet: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API v2 page (``data`` and ``includes``) a 4CAT tweet was spliced from, and where each
    object of that page is in the tweet (page pointer to line pointer; users as ``#user:<id>``)."""
    users: dict[str, dict] = {}
    tweets: list[dict] = []
    media: dict[str, dict] = {}
    pointers = {"/data/0": ""}

    def user(obj: Any) -> None:
        if isinstance(obj, dict) and all(obj.get(k) for k in _USER_KEYS) and "error" not in obj:
            users.setdefault(str(obj["id"]), {k: v for k, v in obj.items() if k not in ("start", "end")})

    def strip(t: dict[str, Any], at: str) -> dict[str, Any]:
        t = dict(t)
        user(t.pop("author_user", None))
        user(t.pop("in_reply_to_user", None))
        att = t.get("attachments")
        if isinstance(att, dict) and isinstance(att.get("media_keys"), list):
            keys = []
            for m in att["media_keys"]:
                if isinstance(m, dict) and m.get("media_key"):
                    keys.append(m["media_key"])
                    if "error" not in m:
                        media.setdefault(m["media_key"], m)
                elif isinstance(m, str):
                    keys.append(m)
            t["attachments"] = {**att, "media_keys": keys}
        ent = t.get("entities")
        if isinstance(ent, dict) and isinstance(ent.get("mentions"), list):
            for m in ent["mentions"]:
                user(m)
        refs = t.get("referenced_tweets")
        if isinstance(refs, list):
            plain = []
            for j, r in enumerate(refs):
                if not isinstance(r, dict):
                    continue
                plain.append({"type": r.get("type"), "id": r.get("id")})
                if "text" in r and "error" not in r:
                    here = f"{at}/referenced_tweets/{j}"
                    full = strip({k: v for k, v in r.items() if k != "type"}, here)
                    pointers[f"/includes/tweets/{len(tweets)}"] = here
                    tweets.append(full)
            t["referenced_tweets"] = plain
        return t

    data = strip(tweet, "")
    page: dict[str, Any] = {"data": [data], "includes": {"users": list(users.values()), "tweets": tweets}}
    for i, uid in enumerate(users):
        pointers[f"/includes/users/{i}"] = f"#user:{uid}"
    if media:
        page["includes"]["media"] = list(media.values())
    return page, pointers


class FourcatXNdjsonImporter(NdjsonImporter):
    name = NDJSON
    title = "4CAT X (Twitter API v2) NDJSON dataset (tweets with includes spliced in)"
    platform = PLATFORM
    what = "a 4CAT X tweet"
    looks_like = staticmethod(_is_tweet)
    map_item = staticmethod(map_item)

    def sniff(self, head: bytes, path: Path) -> bool:
        return any(_is_tweet(o) and "text" in o for o in first_items(head))


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> Post:
    """One 4CAT X CSV row to a Post. Pure; ValueError on a bad row."""
    post_id = x_id(row.get("id"), "id")
    if post_id is None:
        raise ValueError("empty id")
    handle = opt(row, "author")
    if opt(row, "author_id") in (None, "UNKNOWN"):
        raise ValueError("no author_id (4CAT's placeholder for a tweet the API did not return?)")
    author_id = x_id(row.get("author_id"), "author_id")
    created_at = cell_time(row, "timestamp") or epoch_time(row.get("unix_timestamp"), "unix_timestamp")
    reposted = truthy(row.get("is_retweet"))
    quoted = truthy(row.get("is_quote_tweet"))
    replied = truthy(row.get("is_reply"))

    def who(col: str, flag: bool) -> str | None:
        h = opt(row, col)
        return handle_key(h) if flag and h else None

    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=handle,
        created_at=created_at,
        text=row.get("body"),
        lang=opt(row, "language_guess"),
        kind=primary_kind(reposted=reposted, quoted=quoted, replied=replied),
        provenance=prov,
        reposted_author_id=who("retweeted_user", reposted),
        quoted_author_id=who("quoted_user", quoted),
        replied_to_author_id=who("replied_user", replied),
        conversation_id=opt(row, "thread_id"),
        source_client=opt(row, "source"),
        like_count=cell_int(row, "like_count"),
        repost_count=cell_int(row, "retweet_count"),
        reply_count=cell_int(row, "reply_count"),
        quote_count=cell_int(row, "quote_count"),
    )
    if option is not None and (post.like_count is not None or post.repost_count is not None):
        post.metrics_observed_at = option
    found = EntitySet()
    for tag in split_list(row.get("hashtags"), ","):
        found.add("hashtag", tag, tag.casefold())
    for name in split_list(row.get("mentions"), ","):
        found.add("mention", name, name.lower())
    for url in split_list(row.get("urls"), ","):
        found.add("url", url, url)
    for col in ("images", "videos"):
        for url in split_list(row.get(col), ","):
            found.add("media", url, url)
    post.entities = found.items
    return post


class FourcatXCsvImporter(CsvRowImporter):
    name = CSV
    title = "4CAT X (Twitter API v2) CSV (id, thread_id, timestamp, body, author, author_id, is_retweet, …)"
    platform = PLATFORM
    required = CSV_REQUIRED
    map_row = staticmethod(map_row)
