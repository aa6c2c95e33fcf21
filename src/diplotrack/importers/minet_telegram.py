"""minet's Telegram channel-message CSVs (``minet telegram channel-messages``: ``link_to_message,
could_be_displayed, user, user_link, user_img, text, nb_hashtags, hashtags, is_reply_img,
is_reply_user, is_reply_text, stickers, nb_photos, photos, nb_videos, videos, videos_times,
nb_links, links, link_img, link_site, link_title, link_description, views, datetime, edited``).

minet reads the public web preview (``t.me/s/<channel>``) like diplotrack's Telegram collector, and
the ids are the collector's: the post ``<channel username lower>/<message id>`` from
``link_to_message``, the author ``handle:<channel username lower>`` (the preview exposes no numeric
channel id). ``views`` is the preview's rounded count ("8.67M" became 8670000): approximate, stored
in ``view_count``. minet does not keep forwards (a forwarded message is imported as the channel's
own) nor the id of the message replied to (a reply, from ``is_reply_user``/``is_reply_text``, has
no referenced post). minet does not date the counts: ``--observed-at`` dates them when given, else
they are undated. Hashtags (%-decoded) and links come from their ``|``-separated columns, mentions from the text,
photos and videos are ``media`` entities (their URLs).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote

from diplotrack.collect.telegram.counts import abbreviated, is_abbreviated
from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import in_int64
from diplotrack.importers.minet_cells import (
    cell_int,
    cell_time,
    opt,
    split_list,
    telegram_channel_key,
    telegram_link,
    telegram_mentions,
    telegram_post_id,
)
from diplotrack.records import EntitySet, Post, Provenance

NAME = "minet-telegram"
PLATFORM = "telegram"
REQUIRED = ("link_to_message", "user", "text", "views", "datetime", "is_reply_user")


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> Post:
    """One message to a Post. Pure; ValueError on a bad row."""
    channel, message_id = telegram_link(opt(row, "link_to_message"))
    text = row.get("text")
    replied = bool(opt(row, "is_reply_user") or opt(row, "is_reply_text"))
    post = Post(
        platform=PLATFORM,
        post_id=telegram_post_id(channel, message_id),
        author_id=telegram_channel_key(channel),
        author_handle=channel,
        created_at=cell_time(row, "datetime"),
        text=text,
        lang=None,
        kind="reply" if replied else "original",
        provenance=prov,
        view_count=_views(row),
    )
    if option is not None and post.view_count is not None:
        post.metrics_observed_at = option
    found = EntitySet()
    for tag in split_list(row.get("hashtags")):
        tag = unquote(tag).lstrip("#")  # minet keeps the tag as its search link wrote it (%-encoded)
        if tag:
            found.add("hashtag", tag, tag.casefold())
    telegram_mentions(text, found)
    for url in split_list(row.get("links")):
        found.add("url", url, url)
    for col in ("photos", "videos"):
        for url in split_list(row.get(col)):
            if url.startswith(("http://", "https://")):  # minet writes "media is too big" for some videos
                found.add("media", url, url)
    post.entities = found.items
    return post


def _views(row: dict[str, str]) -> int | None:
    """``views`` as minet writes it (a number), or as the preview shows it (``8.67M``, older minet)."""
    text = opt(row, "views")
    if is_abbreviated(text):
        return in_int64(abbreviated(text) or 0)
    return cell_int(row, "views")


class MinetTelegramImporter(CsvRowImporter):
    name = NAME
    title = "minet Telegram channel-messages CSV (link_to_message, user, text, views, datetime, …)"
    platform = PLATFORM
    required = REQUIRED
    map_row = staticmethod(map_row)
