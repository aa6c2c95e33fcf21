"""4CAT's Telegram datasets: the NDJSON of collected messages and the CSV 4CAT maps them to.

Ids are the Telegram collector's: a post is ``<channel username lower>/<message id>``, a channel
``handle:<channel username lower>``; a channel known only by its numeric id (a chat without a
username, a forward whose source 4CAT did not resolve) is ``tg-peer:<id>`` (its posts
``tg-peer:<id>/<message id>``), which cannot merge with collected data of that channel.

NDJSON (``fourcat-telegram-ndjson``): one Telethon ``Message`` a line as 4CAT serialises it (``_type``,
``id``, ``date`` as a Unix time, ``message``, ``views``, ``forwards``, ``fwd_from``, ``reply_to``,
``edit_date``, ``media``, ``entities`` with UTF-16 offsets, and 4CAT's ``_chat`` and ``_sender``).
A forward (``fwd_from``) is a repost of the source channel (``_forward._chat.username`` or
``fwd_from.from_id`` as ``tg-peer:<channel_id>``), its ``channel_post`` the reposted message;
``reply_to.reply_to_msg_id`` is the replied-to message of the same chat. Hashtags, mentions and
links come from the message's entities (and its text), a web preview's URL is a link, the media's
kind (photo, video, poll…; a document by its MIME type, as 4CAT's CSV names it) a ``media``
entity. A service message (someone joined) is skipped.

CSV (``fourcat-telegram-csv``): 4CAT's ``map_item`` columns (``id, thread_id, chat, author,
author_username, author_name, body, reply_to, views, timestamp, unix_timestamp, …,
author_forwarded_from_name, author_forwarded_from_username, author_forwarded_from_id, …,
link_attached, attachment_type, …``). ``unix_timestamp`` is used: ``timestamp`` is in the 4CAT
server's local time.

Neither form dates the view counts (4CAT keeps no collection time in the items): ``--observed-at``
dates them when given, else they are undated. Views are exact (the API's), unlike the web preview's.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import Sink
from diplotrack.importers.chunks import ChunkContext
from diplotrack.importers.fourcat_ndjson import NdjsonImporter, first_items
from diplotrack.importers.minet_cells import (
    TG_PEER,
    cell_int,
    epoch_time,
    opt,
    split_list,
    telegram_channel,
    telegram_channel_key,
    telegram_is_peer,
    telegram_mentions,
    telegram_message_id,
    telegram_post_id,
)
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.provenance import Prov
from diplotrack.records import EntitySet, Post, Provenance, primary_kind

NDJSON = "fourcat-telegram-ndjson"
CSV = "fourcat-telegram-csv"
PLATFORM = "telegram"
CSV_REQUIRED = ("thread_id", "chat", "body", "views", "unix_timestamp", "author_forwarded_from_name")
_MESSAGE_ID = re.compile(r"([0-9]{1,19})$")
UNKNOWN_CHAT = "unknown"  # 4CAT's thread_id for a message whose chat it could not tell
_ENTITY_KINDS = {
    "MessageEntityHashtag": "hashtag",
    "MessageEntityMention": "mention",
    "MessageEntityUrl": "url",
    "MessageEntityTextUrl": "url",
}


def _is_message(obj: dict[str, Any]) -> bool:
    return "id" in obj and "date" in obj and ("_chat" in obj or "peer_id" in obj) and "message" in obj


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _str(v: Any) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


def _peer_id(peer: Any) -> str | None:
    p = _dict(peer)
    v = p.get("channel_id", p.get("chat_id", p.get("user_id")))
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else None


def chat_name(msg: dict[str, Any]) -> str:
    """The chat's username, else its numeric id (as 4CAT's ``thread_id``); ValueError when neither."""
    chat = _dict(msg.get("_chat"))
    name = _str(chat.get("username")) or (str(chat["id"]) if isinstance(chat.get("id"), int) else None)
    name = name or _peer_id(msg.get("peer_id"))
    if name is None:
        raise ValueError("the message names no chat (no _chat.username, _chat.id or peer_id)")
    return telegram_channel(name)


def map_item(msg: dict[str, Any], prov: Prov, ctx: ChunkContext, sink: Sink) -> None:
    if msg.get("action") is not None or msg.get("_type") == "MessageService":
        raise ValueError("a service message (a member joined, a title changed…), not a post")
    sink.add_post(map_message(msg, prov(""), ctx.observed_at))


def map_message(msg: dict[str, Any], prov: Provenance, option: datetime | None) -> Post:
    """One Telethon message dict to a Post. Pure; ValueError on a message it cannot map."""
    mid = msg.get("id")
    if not isinstance(mid, int) or isinstance(mid, bool) or mid <= 0:
        raise ValueError(f"id {str(mid)[:40]!r} is not a message id")
    chat = chat_name(msg)
    text = msg.get("message") if isinstance(msg.get("message"), str) else None
    fwd = _dict(msg.get("fwd_from"))
    source = None
    reposted_post = None
    if fwd:
        fchat = _dict(_dict(msg.get("_forward")).get("_chat"))
        fname = _str(fchat.get("username")) or _peer_id(fwd.get("from_id"))
        source = telegram_channel_key(fname) if fname else None
        post_no = fwd.get("channel_post")
        if fname and isinstance(post_no, int) and not isinstance(post_no, bool):
            reposted_post = telegram_post_id(fname, post_no)
    reply_to = _dict(msg.get("reply_to"))
    reply = reply_to.get("reply_to_msg_id", msg.get("reply_to_msg_id"))
    reply_chat = _peer_id(reply_to.get("reply_to_peer_id")) or chat  # a reply to another chat's message
    reply_id = telegram_post_id(reply_chat, reply) if isinstance(reply, int) and not isinstance(reply, bool) else None
    views = msg.get("views")
    post = Post(
        platform=PLATFORM,
        post_id=telegram_post_id(chat, mid),
        author_id=telegram_channel_key(chat),
        author_handle=None if telegram_is_peer(chat) else chat,
        created_at=epoch_time(msg.get("date"), "date"),
        text=text,
        lang=None,
        kind=primary_kind(reposted=bool(fwd), quoted=False, replied=reply_id is not None),
        provenance=prov,
        reposted_post_id=reposted_post,
        reposted_author_id=source,
        replied_to_post_id=reply_id,
        view_count=cell_int({"views": views}, "views") if not isinstance(views, (dict, list)) else None,
    )
    if option is not None and post.view_count is not None:
        post.metrics_observed_at = option
    found = EntitySet()
    _entities(text or "", msg.get("entities"), found)
    for e in entities_from_text(text):
        if e.type in ("hashtag", "url"):
            found.add(e.type, e.value, e.normalized)
    telegram_mentions(text, found)
    media = _dict(msg.get("media"))
    url = _str(_dict(media.get("webpage")).get("url"))
    if url:
        found.add("url", url, url)
    kind = _media_kind(media)
    if kind:
        found.add("media", kind, kind)
    post.entities = found.items
    return post


def _media_kind(media: dict[str, Any]) -> str | None:
    """The media's kind as 4CAT's CSV names it: a document by its MIME type's first part (video…)."""
    kind = _str(media.get("_type"))
    if kind is None or kind in ("MessageMediaEmpty", "MessageMediaWebPage"):
        return None
    if kind == "MessageMediaDocument":
        mime = _str(_dict(media.get("document")).get("mime_type"))
        return mime.split("/")[0].lower() if mime else "document"
    return kind.removeprefix("MessageMedia").lower()


def _entities(text: str, entities: Any, found: EntitySet) -> None:
    """Telegram's own entities; offsets and lengths count UTF-16 code units."""
    if not isinstance(entities, list):
        return
    units = text.encode("utf-16-le")
    for e in entities:
        e = _dict(e)
        kind = _ENTITY_KINDS.get(str(e.get("_type")))
        off, length = e.get("offset"), e.get("length")
        if kind is None:
            continue
        if kind == "url" and _str(e.get("url")):
            found.add("url", e["url"].strip(), e["url"].strip())
            continue
        if not (isinstance(off, int) and isinstance(length, int) and off >= 0 and 0 < length <= 4096):
            continue
        written = units[2 * off : 2 * (off + length)].decode("utf-16-le", errors="replace").strip()
        if kind == "hashtag" and written[:1] == "#" and written[1:]:
            found.add("hashtag", written[1:], written[1:].casefold())
        elif kind == "mention" and written[:1] == "@" and written[1:]:
            found.add("mention", written[1:], written[1:].lower())
        elif kind == "url" and written:
            found.add("url", written, written)


class FourcatTelegramNdjsonImporter(NdjsonImporter):
    name = NDJSON
    title = "4CAT Telegram NDJSON dataset (Telethon messages)"
    platform = PLATFORM
    what = "a 4CAT Telegram message"
    looks_like = staticmethod(_is_message)
    map_item = staticmethod(map_item)

    def sniff(self, head: bytes, path: Path) -> bool:
        return any(_is_message(o) and o.get("_type") in ("Message", None) for o in first_items(head))


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> Post:
    """One 4CAT Telegram CSV row to a Post. Pure; ValueError on a bad row."""
    chat = (opt(row, "chat") or opt(row, "thread_id") or "").lstrip("@")
    if not chat:
        raise ValueError("empty chat")
    if chat == UNKNOWN_CHAT:
        raise ValueError("4CAT could not tell which chat this message is from (chat 'unknown')")
    chat = telegram_channel(chat)
    m = _MESSAGE_ID.search(opt(row, "id") or "")
    if m is None:
        raise ValueError(f"id {opt(row, 'id')!r} does not end with a message number")
    source_name = opt(row, "author_forwarded_from_username")
    source_id = opt(row, "author_forwarded_from_id")
    forwarded = bool(source_name or source_id or opt(row, "author_forwarded_from_name"))
    if source_name:
        source = telegram_channel_key(source_name)
    else:
        source = f"{TG_PEER}{telegram_channel(source_id)}" if source_id and source_id.lstrip("-").isdigit() else None
    reply = opt(row, "reply_to")
    if reply is not None:
        reply = telegram_message_id(reply, "reply_to")
    text = row.get("body")
    post = Post(
        platform=PLATFORM,
        post_id=telegram_post_id(chat, m.group(1)),
        author_id=telegram_channel_key(chat),
        author_handle=None if telegram_is_peer(chat) else chat,
        created_at=epoch_time(row.get("unix_timestamp"), "unix_timestamp"),
        text=text,
        lang=None,
        kind=primary_kind(reposted=forwarded, quoted=False, replied=reply is not None),
        provenance=prov,
        reposted_author_id=source,
        replied_to_post_id=telegram_post_id(chat, reply) if reply else None,
        view_count=cell_int(row, "views"),
    )
    if option is not None and post.view_count is not None:
        post.metrics_observed_at = option
    found = EntitySet()
    for e in entities_from_text(text):
        if e.type in ("hashtag", "url"):
            found.add(e.type, e.value, e.normalized)
    telegram_mentions(text, found)
    for name in split_list(row.get("entities_mentioned"), ","):
        found.add("mention", name, name.lower())
    link = opt(row, "link_attached")
    if link:
        found.add("url", link, link)
    kind = opt(row, "attachment_type")
    if kind and kind != "url":
        found.add("media", kind.lower(), kind.lower())
    post.entities = found.items
    return post


class FourcatTelegramCsvImporter(CsvRowImporter):
    name = CSV
    title = "4CAT Telegram CSV (id, thread_id, chat, author, body, views, unix_timestamp, forwards, …)"
    platform = PLATFORM
    required = CSV_REQUIRED
    map_row = staticmethod(map_row)
