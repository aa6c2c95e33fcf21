"""4CAT's Bluesky datasets: the NDJSON of collected posts and the CSV 4CAT maps them to.

Ids are the Bluesky collector's: a post is its ``at://`` URI, an account its DID.

NDJSON (``fourcat-bluesky-ndjson``): one ``app.bsky.feed.defs#postView`` a line as the atproto
SDK dumps it (snake_case keys: ``uri, cid, author, record, embed, like_count, indexed_at…``,
``py_type`` for ``$type``), with 4CAT's ``4CAT_metadata`` (``collected_at``, a Unix time). The keys
are turned back into the lexicon's (``likeCount``, ``$type``…; a line already in the lexicon's form
is read as it is) and the post is mapped by the Bluesky collector's mapping
(collect/bluesky/mapping.py ``map_post_view``): kind, reply and quote references, facets (mentions
as written, links, tags), embeds. Counts are dated by ``collected_at``, else ``--observed-at``,
else the file's modification time (the collector's mapping always dates them; the source is said
in no column, so prefer giving ``--observed-at`` for files without ``4CAT_metadata``).

CSV (``fourcat-bluesky-csv``): 4CAT's ``map_item`` columns (``collected_at, query, rank, id,
thread_id, created_at, author, author_id, body, link, tags, like_count, quote_count, reply_count,
repost_count, quoted_post, quoted_user, replied_to_post, replied_to_user, mentions, links, images,
…, languages, author_display_name, …, timestamp``). The CSV gives the replied-to and quoted posts as
bsky.app links with a handle: the reply's parent is kept as an ``at://`` URI only when the link names
the author by DID, else the reply has no referenced post (its author is ``handle:<handle>``).
``collected_at`` (written in the 4CAT server's zone without an offset, taken as UTC: 4CAT's Docker
images run in UTC) dates the counts, else ``--observed-at``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from diplotrack.collect.bluesky.mapping import map_post_view, normalize_url
from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import Sink
from diplotrack.importers.chunks import ChunkContext
from diplotrack.importers.fourcat_ndjson import NdjsonImporter, first_items
from diplotrack.importers.minet_cells import (
    bluesky_did,
    bluesky_post_uri,
    cell_int,
    cell_time,
    epoch_time,
    observation,
    opt,
    split_list,
)
from diplotrack.provenance import Prov
from diplotrack.records import EntitySet, Post, Provenance, handle_key, primary_kind

NDJSON = "fourcat-bluesky-ndjson"
CSV = "fourcat-bluesky-csv"
PLATFORM = "bluesky"
CSV_REQUIRED = ("id", "thread_id", "created_at", "author", "author_id", "body", "replied_to_post", "quoted_post")
_LINK = re.compile(r"^https://bsky\.app/profile/([^/]+)/post/([A-Za-z0-9._:~-]+)$")
_CAMEL = re.compile(r"_([a-z0-9])")


def _is_post_view(obj: dict[str, Any]) -> bool:
    return (
        isinstance(obj.get("uri"), str) and isinstance(obj.get("author"), dict) and isinstance(obj.get("record"), dict)
    )


def lexicon_keys(value: Any, parent: str = "") -> Any:
    """The atproto SDK's snake_case dump in the lexicon's camelCase (``py_type`` is ``$type``, a
    blob's ``ref.link`` is ``ref.$link``); keys already in camelCase are kept."""
    if isinstance(value, list):
        return [lexicon_keys(v, parent) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k == "py_type":
            key = "$type"
        elif k == "link" and parent == "ref":
            key = "$link"
        else:
            key = _CAMEL.sub(lambda m: m.group(1).upper(), k) if "_" in k.strip("_") else k
        out[key] = lexicon_keys(v, k)
    return out


def map_item(item: dict[str, Any], prov: Prov, ctx: ChunkContext, sink: Sink) -> None:
    did = item["author"].get("did")
    bluesky_post_uri(item["uri"], did if isinstance(did, str) else None, "uri")
    meta = item.get("4CAT_metadata")
    collected = epoch_time(meta.get("collected_at"), "4CAT_metadata.collected_at") if isinstance(meta, dict) else None
    observed = observation(collected, ctx.observed_at) or ctx.mtime
    view = lexicon_keys({k: v for k, v in item.items() if k != "4CAT_metadata"})
    sink.add_post(map_post_view(view, prov(""), observed))


class FourcatBlueskyNdjsonImporter(NdjsonImporter):
    name = NDJSON
    title = "4CAT Bluesky NDJSON dataset (atproto post views with 4CAT_metadata)"
    platform = PLATFORM
    what = "a 4CAT Bluesky post"
    looks_like = staticmethod(_is_post_view)
    map_item = staticmethod(map_item)

    def sniff(self, head: bytes, path: Path) -> bool:
        return any(_is_post_view(o) and "cid" in o for o in first_items(head))


def _linked(link: str | None) -> tuple[str | None, str | None]:
    """(post URI, author key) from a bsky.app post link: the URI only when the link names a DID."""
    m = _LINK.match(link or "")
    if m is None:
        return None, None
    who, rkey = m.group(1), m.group(2)
    if who.startswith("did:"):
        return f"at://{who}/app.bsky.feed.post/{rkey}", who
    return None, handle_key(who)


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> Post:
    """One 4CAT Bluesky CSV row to a Post. Pure; ValueError on a bad row."""
    did = bluesky_did(row, "author_id")
    uri = bluesky_post_uri(opt(row, "id"), did, "id")
    created_at = cell_time(row, "created_at") or epoch_time(row.get("timestamp"), "timestamp")
    parent, parent_author = _linked(opt(row, "replied_to_post"))
    replied = bool(opt(row, "replied_to_post"))
    if replied and parent_author is None and (u := opt(row, "replied_to_user")):
        parent_author = u if u.startswith("did:") else handle_key(u)
    quoted, quoted_author = _linked(opt(row, "quoted_post"))
    is_quote = bool(opt(row, "quoted_post"))  # also "DELETED", "REMOVED BY AUTHOR": still a quote
    if quoted_author is None and is_quote and (u := opt(row, "quoted_user")):
        quoted_author = handle_key(u)
    langs = split_list(row.get("languages"), ",")
    thread = opt(row, "thread_id")
    post = Post(
        platform=PLATFORM,
        post_id=uri,
        author_id=did,
        author_handle=opt(row, "author"),
        created_at=created_at,
        text=row.get("body"),
        lang=langs[0] if langs and langs[0] != "N/A" else None,
        kind=primary_kind(reposted=False, quoted=is_quote, replied=replied),
        provenance=prov,
        quoted_post_id=quoted,
        quoted_author_id=quoted_author if is_quote else None,
        replied_to_post_id=parent,
        replied_to_author_id=parent_author if replied else None,
        conversation_id=thread if thread and thread.startswith("at://") else uri,
        like_count=cell_int(row, "like_count"),
        repost_count=cell_int(row, "repost_count"),
        reply_count=cell_int(row, "reply_count"),
        quote_count=cell_int(row, "quote_count"),
    )
    observed = observation(cell_time(row, "collected_at"), option)
    if observed is not None and any(c is not None for c in (post.like_count, post.repost_count, post.reply_count)):
        post.metrics_observed_at = observed
    found = EntitySet()
    for tag in split_list(row.get("tags"), ","):
        found.add("hashtag", tag.lstrip("#"), tag.lstrip("#").casefold())
    for who in split_list(row.get("mentions"), ","):
        found.add("mention", who, who.lower())
    for url in split_list(row.get("links"), ","):
        found.add("url", url, normalize_url(url))
    for url in split_list(row.get("images"), ","):
        found.add("media", url, url)
    post.entities = found.items
    return post


class FourcatBlueskyCsvImporter(CsvRowImporter):
    name = CSV
    title = "4CAT Bluesky CSV (collected_at, id, created_at, author, author_id, body, counts, …)"
    platform = PLATFORM
    required = CSV_REQUIRED
    map_row = staticmethod(map_row)
