"""YouTube Data API v3 responses to records. Pure: decoded JSON in, records out.

- ``channels.list`` (part ``snippet,statistics,contentDetails``): a profile snapshot per channel
  (``subscriberCount`` as followers, unknown when ``hiddenSubscriberCount`` is true, never 0;
  ``videoCount`` as posts; the handle from ``customUrl`` without ``@``) and the uploads playlist.
- ``playlistItems.list`` of the uploads playlist (newest first): only the video ids and their
  publication times; the videos themselves come from the next call.
- ``videos.list`` (part ``snippet,statistics``): each video is a post of kind ``original``, its id the
  video id, its text the title, a blank line and the description, its time ``publishedAt``; views,
  likes and comments (``reply_count``) are counted when shown: a hidden like count or disabled
  comments are None, never 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from diplotrack.collect.source import Found, Target
from diplotrack.collect.youtube.feed import video_text
from diplotrack.collect.youtube.spec import is_channel_id
from diplotrack.importers.base import parse_time
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.provenance import Prov
from diplotrack.records import Post, ProfileSnapshot, Skip

FORMAT = "youtube-v3"  # raw payloads of collected API responses: the JSON body as served
SOURCE = "youtube-api"  # provenance.source of records mapped from the API
PLATFORM = "youtube"
MAX_COUNT = 2**63  # a count the store's BIGINT columns hold; anything larger is a lie, so unknown
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    """The API writes counts as decimal strings (``"10700000"``); anything else is unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < MAX_COUNT else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)  # ASCII only: "²".isdigit() is true and int() refuses it; "١٢٣" is no API count
    return None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def items_of(obj: Any) -> list[Any]:
    """The ``items`` list of a response; ValueError when the response has none."""
    if not isinstance(obj, dict) or not isinstance(obj.get("items", []), list):
        raise ValueError("expected a JSON object with an items list")
    return obj.get("items", [])


@dataclass
class Channel:
    channel_id: str
    handle: str | None
    uploads: str | None
    snapshot: ProfileSnapshot


def map_channel(item: Any, observed: datetime, prov) -> Channel:  # type: ignore[no-untyped-def]
    """One channel resource; ValueError when it has no channel id."""
    cid = _str(_dict(item).get("id"))
    if cid is None or not is_channel_id(cid):
        raise ValueError("the channel has no valid id")
    snippet, stats = _dict(item.get("snippet")), _dict(item.get("statistics"))
    custom = _str(snippet.get("customUrl"))
    handle = custom[1:] if custom and custom.startswith("@") and len(custom) > 1 else None
    try:
        created = parse_time(_str(snippet.get("publishedAt")))
    except ValueError:
        created = None
    hidden = stats.get("hiddenSubscriberCount") is True
    uploads = _str(_dict(_dict(item.get("contentDetails")).get("relatedPlaylists")).get("uploads"))
    country = _str(snippet.get("country"))
    snap = ProfileSnapshot(
        platform=PLATFORM,
        user_id=cid,
        observed_at=observed,
        provenance=prov,
        handle=handle,
        display_name=_str(snippet.get("title")),
        description=_str(snippet.get("description")),
        created_at=created,
        followers=None if hidden else _count(stats.get("subscriberCount")),
        posts_count=_count(stats.get("videoCount")),
        source="collect: lookup",
        location=country,
    )
    return Channel(cid, handle, uploads, snap)


@dataclass
class ChannelsPage:
    channels: list[Channel] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


def map_channels(obj: Any, url: str, observed: datetime, raw_id: str) -> ChannelsPage:
    """A ``channels.list`` response; ValueError when it is not one."""
    page = ChannelsPage()
    prov = Prov(SOURCE, url, None, raw_id)
    for i, item in enumerate(items_of(obj)):
        try:
            page.channels.append(map_channel(item, observed, prov(f"/items/{i}")))
        except ValueError as exc:
            page.skips.append(Skip(url, None, f"channel at /items/{i} not collected: {exc}"))
    return page


def found_channels(targets: list[Target], channels: list[Channel], *, by_id: bool) -> list[Found]:
    """What a lookup says of each target: its channel, or not found (absent from the answer).

    A target the roster names by its channel id gets no handle here: its first handle is not a
    rename. One named by its handle is matched by the handle ``forHandle`` resolved."""
    index = {c.channel_id: c for c in channels}
    out: list[Found] = []
    for t in targets:
        key = channel_key(t)
        c = index.get(key or "") if by_id else (channels[0] if channels else None)
        if c is None:
            out.append(Found(t, "not_found", user_id=t.user_id, detail="YouTube has no such channel"))
        else:
            out.append(Found(t, "active", user_id=c.channel_id, handle=None if is_channel_id(t.handle) else c.handle))
    return out


def channel_key(t: Target) -> str | None:
    """The channel id a target is known by: its stored id, or its roster handle when that is an id."""
    if t.user_id and is_channel_id(t.user_id):
        return t.user_id
    return t.handle if is_channel_id(t.handle) else None


@dataclass
class UploadsPage:
    ids: list[str] = field(default_factory=list)
    reached: bool = False  # an item at or before the sweep's lower bound was met: no older page is needed
    next_token: str | None = None
    items: int = 0
    skips: list[str] = field(default_factory=list)  # why an item was left out (the caller adds the URL)


def map_uploads(obj: Any, since_at: datetime | None) -> UploadsPage:
    """A ``playlistItems.list`` page: the video ids newer than ``since_at`` and the next page's token."""
    page = UploadsPage()
    items = items_of(obj)
    page.items = len(items)
    for i, item in enumerate(items):
        snippet, details = _dict(_dict(item).get("snippet")), _dict(_dict(item).get("contentDetails"))
        video = _str(details.get("videoId")) or _str(_dict(snippet.get("resourceId")).get("videoId"))
        if video is None:
            continue
        if not _VIDEO_ID.fullmatch(video):  # it would also break the cursor that carries the ids
            page.skips.append(f"upload at /items/{i} not collected: {video[:40]!r} is not a video id")
            continue
        if video in page.ids:
            continue
        try:
            when = parse_time(_str(details.get("videoPublishedAt")) or _str(snippet.get("publishedAt")))
        except ValueError:
            when = None
        if since_at is not None and when is not None and when <= since_at:
            page.reached = True
            continue
        page.ids.append(video)
    token = _str(obj.get("nextPageToken"))
    page.next_token = token if token and not page.reached else None
    return page


@dataclass
class VideosPage:
    posts: list[Post] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    seen: list[tuple[str, datetime | None]] = field(default_factory=list)


def map_video(item: Any, handle: str | None, retrieved: datetime, prov) -> Post:  # type: ignore[no-untyped-def]
    vid = _str(_dict(item).get("id"))
    if vid is None:
        raise ValueError("the video has no id")
    snippet, stats = _dict(item.get("snippet")), _dict(item.get("statistics"))
    created = parse_time(_str(snippet.get("publishedAt")))  # ValueError: a skip
    text = video_text(_str(snippet.get("title")), _str(snippet.get("description")))
    views, likes, comments = (_count(stats.get(k)) for k in ("viewCount", "likeCount", "commentCount"))
    lang = _str(snippet.get("defaultAudioLanguage")) or _str(snippet.get("defaultLanguage"))
    return Post(
        platform=PLATFORM,
        post_id=vid,
        author_id=_str(snippet.get("channelId")),
        author_handle=handle,
        created_at=created,
        text=text,
        lang=lang,
        kind="original",
        provenance=prov,
        like_count=likes,
        reply_count=comments,
        view_count=views,
        metrics_observed_at=retrieved if stats else None,
        entities=entities_from_text(text),
    )


def map_videos(
    obj: Any,
    url: str,
    handle: str | None,
    retrieved: datetime,
    raw_id: str,
    *,
    channel: str | None = None,
    asked: list[str] | None = None,
) -> VideosPage:
    """A ``videos.list`` response; ValueError when it is not one.

    ``channel``: the channel whose uploads these are: a video another channel published is not its
    post (a skip), and one that names no channel is its. ``asked``: the ids the call asked for; a
    video the answer adds is not this call's (a skip)."""
    page = VideosPage()
    prov = Prov(SOURCE, url, None, raw_id)
    wanted = set(asked) if asked is not None else None
    done: set[str] = set()
    for i, item in enumerate(items_of(obj)):
        try:
            post = map_video(item, handle, retrieved, prov(f"/items/{i}"))
            if wanted is not None and post.post_id not in wanted:
                raise ValueError(f"video {post.post_id[:40]!r} was not asked for")
            if post.post_id in done:
                raise ValueError(f"video {post.post_id} is listed twice")
            if channel is not None:
                if post.author_id is None:
                    post.author_id = channel
                elif post.author_id != channel:
                    raise ValueError(f"video {post.post_id} is another channel's ({post.author_id[:40]})")
        except ValueError as exc:
            page.skips.append(Skip(url, None, f"video at /items/{i} not collected: {exc}"))
            continue
        done.add(post.post_id)
        page.posts.append(post)
        page.seen.append((post.post_id, post.created_at))
    return page


def video_ids(obj: Any) -> set[str]:
    """The ids a ``videos.list`` response returned (those it did not are gone or private)."""
    return {i for i in (_str(_dict(item).get("id")) for item in items_of(obj)) if i}
