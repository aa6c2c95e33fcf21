"""minet's Bluesky post CSVs: the columns of twitwi's Bluesky ``POST_FIELDS`` that ``minet bsky``
commands write (``cid, did, uri, url, timestamp_utc, local_time, user_did, user_handle, text,
original_text, …, collection_time, …``).

Ids are the Bluesky collector's: a post is its ``at://`` URI, an account its DID. The text is
``original_text`` where the export has it (twitwi's ``text`` appends the quoted post and media
links). ``to_post_uri`` makes a reply (``to_user_did`` its author, ``to_root_post_uri`` the
conversation), ``quoted_uri`` a quote. A row with ``repost_by_user_did`` is a post seen through
someone's repost: the post is imported, and so is the repost, as the collector records it (a post
of kind repost by the reposter, id ``at://<did>/app.bsky.feed.repost/derived-<hash>``, dated
``repost_created_at``). List cells are ``|``-separated; mentions are the handles as written.
``user_langs`` holds the post's languages (the first is kept).

Counts are dated by ``collection_time``, converted to UTC as for minet's X CSVs (its offset is the
one between ``local_time`` and ``timestamp_utc``; one earlier than the post is ignored), else by
``--observed-at``, else left undated.
The posts CSV carries no follower counts, so no profile snapshots are made.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diplotrack.collect.bluesky.mapping import derived_repost_uri, normalize_url
from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import Progress, Sink
from diplotrack.importers.minet_cells import (
    bluesky_did,
    bluesky_post_uri,
    cell_int,
    cell_time,
    epoch_time,
    local_offset,
    observation,
    opt,
    split_list,
)
from diplotrack.records import EntitySet, Post, Provenance, primary_kind

NAME = "minet-bluesky"
PLATFORM = "bluesky"
REQUIRED = ("uri", "cid", "user_did", "user_handle", "text", "timestamp_utc")


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> list[Post]:
    """The row's post (and the repost it was seen through). Pure; ValueError on a bad row."""
    did = bluesky_did(row, "user_did")
    uri = bluesky_post_uri(opt(row, "uri"), did, "uri")
    created_at = epoch_time(row.get("timestamp_utc"), "timestamp_utc")
    collected = cell_time(row, "collection_time")
    if collected is not None:
        collected -= local_offset(cell_time(row, "local_time"), created_at)
        if created_at is not None and collected < created_at:
            collected = None  # collected before it was posted: not a time these counts were seen
    observed = observation(collected, option)
    quoted = opt(row, "quoted_uri")
    parent = opt(row, "to_post_uri")
    langs = split_list(row.get("user_langs"))
    post = Post(
        platform=PLATFORM,
        post_id=uri,
        author_id=did,
        author_handle=opt(row, "user_handle"),
        created_at=created_at,
        text=row["original_text"] if "original_text" in row else row.get("text"),
        lang=langs[0] if langs else None,
        kind=primary_kind(reposted=False, quoted=bool(quoted), replied=bool(parent)),
        provenance=prov,
        quoted_post_id=quoted,
        quoted_author_id=opt(row, "quoted_user_did") if quoted else None,
        replied_to_post_id=parent,
        replied_to_author_id=opt(row, "to_user_did") if parent else None,
        conversation_id=opt(row, "to_root_post_uri") or uri,
        like_count=cell_int(row, "like_count"),
        repost_count=cell_int(row, "repost_count"),
        reply_count=cell_int(row, "reply_count"),
        quote_count=cell_int(row, "quote_count"),
    )
    if observed is not None and any(c is not None for c in (post.like_count, post.repost_count, post.reply_count)):
        post.metrics_observed_at = observed
    found = EntitySet()
    for tag in split_list(row.get("hashtags")):
        found.add("hashtag", tag.lstrip("#"), tag.lstrip("#").casefold())
    for handle in split_list(row.get("mentioned_user_handles")):
        found.add("mention", handle, handle.lower())
    for url in split_list(row.get("links")):
        found.add("url", url, normalize_url(url))
    for url in split_list(row.get("media_urls")):
        found.add("media", url, url)
    post.entities = found.items
    posts = [post]
    by = bluesky_did(row, "repost_by_user_did") if opt(row, "repost_by_user_did") is not None else None
    if by is not None:
        posts.append(
            Post(
                platform=PLATFORM,
                post_id=derived_repost_uri(by, uri),
                author_id=by,
                author_handle=opt(row, "repost_by_user_handle"),
                created_at=epoch_time(row.get("repost_timestamp_utc"), "repost_timestamp_utc")
                or cell_time(row, "repost_created_at"),
                text=None,
                lang=None,
                kind="repost",
                provenance=prov,
                reposted_post_id=uri,
                reposted_author_id=did,
            )
        )
    return posts


class MinetBlueskyImporter(CsvRowImporter):
    name = NAME
    title = "minet Bluesky post CSV (twitwi columns: uri, cid, user_did, user_handle, text, …)"
    platform = PLATFORM
    required = REQUIRED
    map_row = staticmethod(map_row)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        """Each row's post, and the repost it was seen through."""

        def keep(posts: list[Post]) -> None:
            for post in posts:
                sink.add_post(post)

        return self.read_rows(path, sink, progress, observed_at, keep)
