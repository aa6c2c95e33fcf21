"""A channel's Atom feed (``/feeds/videos.xml?channel_id=UC…``) to records. Pure: bytes in, records out.

The feed needs no key and lists the channel's 15 newest videos: id, title, description, publication
time, views (``media:community/media:statistics@views``) and a star rating
(``media:starRating@count``, ``average``). Since YouTube hid dislikes (December 2021) the rating
counts likes only and its average is the maximum: ``count`` is then the like count. A rating whose
average is below the maximum mixes likes and dislikes: the like count is unknown (None). The feed
has no comment count and no subscriber count.

The XML is untrusted: it is parsed with ``defusedxml`` (no entity expansion, no DTD, no external
references). Each record's provenance pointer names the entry: ``/entry/3`` (0-based).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from diplotrack.importers.base import parse_time
from diplotrack.importers.text_entities import entities_from_text
from diplotrack.provenance import Prov
from diplotrack.records import Post, ProfileSnapshot, Skip

FORMAT = "youtube-feed"  # raw payloads of collected feeds: the Atom XML as served
SOURCE = "youtube-feed"  # provenance.source of records mapped from a feed
PLATFORM = "youtube"
FEED_SIZE = 15  # the feed lists the channel's newest 15 videos
MAX_BYTES = 4 * 1024 * 1024  # a real feed is some 40 KB (15 descriptions of at most 5,000 characters: < 1 MB)
MAX_COUNT = 2**63  # what the store's BIGINT counts hold: anything larger is a lie, so unknown

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"
MEDIA = "{http://search.yahoo.com/mrss/}"


class FeedError(ValueError):
    """The bytes are not a YouTube channel feed."""


@dataclass
class Feed:
    channel_id: str
    title: str | None
    published: datetime | None
    posts: list[Post] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    seen: list[tuple[str, datetime | None]] = field(default_factory=list)
    entries: int = 0


def _text(el: Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    v = value.strip()
    if not (v.isascii() and v.isdigit()):  # int() also takes "+5", "1_000" and other scripts' digits
        return None
    n = int(v)
    return n if n < MAX_COUNT else None


def _likes(rating: Element | None) -> int | None:
    """The like count a star rating gives, when it counts likes only (see the module's doc)."""
    if rating is None:
        return None
    count = _int(rating.get("count"))
    try:
        average, top = float(rating.get("average", "")), float(rating.get("max", ""))
    except ValueError:
        return None
    return count if count is not None and average == top else None


def parse(body: bytes, url: str, retrieved: datetime, raw_id: str, handle: str | None) -> Feed:
    """The feed's channel, its videos as posts, and the entries it could not map (skips).
    Raises FeedError when the bytes are not a channel feed at all."""
    if len(body) > MAX_BYTES:
        raise FeedError(f"the feed is {len(body):,} bytes, more than a channel feed's {MAX_BYTES:,} at most")
    try:
        root = DefusedET.fromstring(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise FeedError(f"not a readable Atom feed ({type(exc).__name__}: {str(exc)[:120]})") from None
    if root.tag != f"{ATOM}feed":
        raise FeedError(f"not an Atom feed (the root element is {root.tag[:80]!r})")
    channel = _text(root.find(f"{YT}channelId"))
    if not channel:
        raise FeedError("the feed names no channel (no yt:channelId)")
    try:
        published = parse_time(_text(root.find(f"{ATOM}published")))
    except ValueError:
        published = None
    feed = Feed(channel, _text(root.find(f"{ATOM}title")), published)
    prov = Prov(SOURCE, url, None, raw_id)
    for i, entry in enumerate(root.findall(f"{ATOM}entry")):
        feed.entries += 1
        try:
            post = _entry(entry, channel, handle, retrieved, prov(f"/entry/{i}"))
            if post.author_id != channel:
                raise ValueError(f"the video is another channel's ({(post.author_id or '')[:40]})")
        except ValueError as exc:
            feed.skips.append(Skip(url, None, f"entry {i} not collected: {exc}"))
            continue
        feed.posts.append(post)
        feed.seen.append((post.post_id, post.created_at))
    return feed


def _entry(entry: Element, channel: str, handle: str | None, retrieved: datetime, prov) -> Post:  # type: ignore[no-untyped-def]
    video = _text(entry.find(f"{YT}videoId"))
    if not video:
        raise ValueError("no yt:videoId")
    if not _VIDEO_ID.fullmatch(video):
        raise ValueError(f"{video[:40]!r} is not a video id")
    created = parse_time(_text(entry.find(f"{ATOM}published")))  # ValueError: a skip
    group = entry.find(f"{MEDIA}group")
    title = _text(entry.find(f"{ATOM}title"))
    description = None
    views = likes = None
    if group is not None:
        title = title or _text(group.find(f"{MEDIA}title"))
        description = _text(group.find(f"{MEDIA}description"))
        community = group.find(f"{MEDIA}community")
        if community is not None:
            stats = community.find(f"{MEDIA}statistics")
            views = _int(stats.get("views")) if stats is not None else None
            likes = _likes(community.find(f"{MEDIA}starRating"))
    text = video_text(title, description)
    return Post(
        platform=PLATFORM,
        post_id=video,
        author_id=_text(entry.find(f"{YT}channelId")) or channel,
        author_handle=handle,
        created_at=created,
        text=text,
        lang=None,
        kind="original",
        provenance=prov,
        like_count=likes,
        view_count=views,
        metrics_observed_at=retrieved if views is not None or likes is not None else None,
        entities=entities_from_text(text),
    )


def video_text(title: str | None, description: str | None) -> str | None:
    """A video's text: its title, a blank line, its description."""
    parts = [p for p in (title, description) if p]
    return "\n\n".join(parts) or None


def profile(feed: Feed, url: str, retrieved: datetime, raw_id: str, handle: str | None) -> ProfileSnapshot:
    """The channel as its feed shows it: its title and creation time; no subscriber or video count."""
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=feed.channel_id,
        observed_at=retrieved,
        provenance=Prov(SOURCE, url, None, raw_id)(""),
        handle=handle,
        display_name=feed.title,
        created_at=feed.published,
        source="collect: feed",
    )
