"""minet's YouTube video CSVs: ``minet youtube videos`` (``video_id, title, published_at,
description, channel_id, channel_title, default_language, view_count, like_count, comment_count,
duration, …, tags``) and ``minet youtube channel-videos`` (the same without the counts).

Ids are the YouTube collector's: a video is a post keyed by its video id, written by its channel
(``UC…`` channel id). The text is ``title + "\\n\\n" + description``, kind ``original``; the views,
likes and comments go to ``view_count``, ``like_count`` and ``reply_count`` (an empty cell is
unknown: YouTube hides likes and comments on some videos). minet does not date these counts, so
they are dated by ``--observed-at`` when given, else left undated. ``default_language`` is the
platform language. Hashtags, mentions and links are read from the text. minet's ``youtube search``
output swaps ``title`` and ``channel_title`` (a minet bug): import search results knowing that.
"""

from __future__ import annotations

import re
from datetime import datetime

from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import quote_value
from diplotrack.importers.minet_cells import cell_int, cell_time, opt
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.records import Post, Provenance

NAME = "minet-youtube"
PLATFORM = "youtube"
REQUIRED = ("video_id", "channel_id", "published_at", "title", "description")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")  # the channel's id, as the YouTube collector keys it
_VIDEO_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> Post:
    """One video to a Post. Pure; ValueError on a bad row."""
    video_id = opt(row, "video_id")
    if video_id is None or len(video_id) > 64 or not set(video_id) <= _VIDEO_ID_CHARS:
        raise ValueError(f"video_id {quote_value(video_id or '')} is not a YouTube video id")
    channel_id = opt(row, "channel_id")
    if channel_id is None or _CHANNEL_ID.fullmatch(channel_id) is None:
        raise ValueError(f"channel_id {quote_value(channel_id or '')} is not a YouTube channel id (UC…)")
    title = row.get("title") or ""
    description = row.get("description") or ""
    text = f"{title}\n\n{description}" if description else title
    post = Post(
        platform=PLATFORM,
        post_id=video_id,
        author_id=channel_id,
        author_handle=None,  # channel_title is a display name, not the channel's @handle
        created_at=cell_time(row, "published_at"),
        text=text,
        lang=opt(row, "default_language"),
        kind="original",
        provenance=prov,
        view_count=cell_int(row, "view_count"),
        like_count=cell_int(row, "like_count"),
        reply_count=cell_int(row, "comment_count"),
    )
    if option is not None and any(c is not None for c in (post.view_count, post.like_count, post.reply_count)):
        post.metrics_observed_at = option
    post.entities = entities_from_text(text)
    return post


class MinetYoutubeImporter(CsvRowImporter):
    name = NAME
    title = "minet YouTube video CSV (video_id, channel_id, published_at, title, description, counts)"
    platform = PLATFORM
    required = REQUIRED
    map_row = staticmethod(map_row)
