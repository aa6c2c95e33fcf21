"""Bluesky AppView responses to records. Pure: parsed JSON in, records out.

This module: identities, posts and timeline pages. Profiles and lookups are ``profiles``, error
bodies ``errors``, engagement ``engagement``.

Identities
- An account's stable id is its DID (``did:plc:…``); handles change and are only its current name.
  A handle of ``handle.invalid`` (the AppView's marker for a handle that no longer verifies) is
  recorded as missing (``None``).
- A post's id is its ``at://`` URI (``at://<did>/app.bsky.feed.post/<rkey>``); the author of any
  referenced post is read from its URI's authority (a DID), else from the hydrated view's author.

Posts (``app.bsky.feed.defs#feedViewPost`` items of ``getAuthorFeed``)
- ``created_at`` is the record's ``createdAt`` (client-set; naive UTC). When it is missing or not a
  time, the view's ``indexedAt`` stands in, so an unreadable client clock does not lose the post.
- kind by ``primary_kind``: ``reply`` when the record has ``reply`` (``replied_to_post_id`` = the
  parent's URI), ``quote`` when its embed is ``app.bsky.embed.record`` or ``recordWithMedia`` whose
  record is a post (an embedded list, feed or starter pack is not a quote). ``conversation_id`` is
  the thread root's URI, or the post's own URI for a thread start.
- metrics (like, repost, reply, quote counts) are dated by the page's retrieval time.
- A repost (``reason`` = ``#reasonRepost``) is two posts: the repost, a ``Post`` of kind ``repost``
  by ``reason.by`` with no text, dated ``reason.indexedAt`` (the view gives no record time); and the
  reposted post, by its own author. The repost's id is ``reason.uri`` (its repost record) when the
  AppView gives it; else ``at://<by did>/app.bsky.feed.repost/derived-<16 hex>``, the hex being a
  BLAKE2b hash of the reposted post's URI: stable across runs (an account holds one repost of a post
  at a time), and never a real record key (those are 13-character TIDs without ``-``).
- Other posts the page carries are real posts and are kept too: the reply's ``parent`` and ``root``
  (``#postView``; ``#notFoundPost`` and ``#blockedPost`` are skipped) and a quoted post
  (``app.bsky.embed.record#viewRecord``). Other authors' profiles are not snapshotted: a feed gives
  no counts. Within a page a post is emitted once (its first appearance).
- Entities come from the record: ``facets`` (``#mention``: type ``mention``, value = the handle as
  written in the text without ``@``, normalized lower-cased, the form the amplification analysis keys
  mentions by (``handle:<normalized>``); ``#link``: type ``url``, value = the link's URI, normalized
  with scheme and host lower-cased; ``#tag``: type ``hashtag``, value = the tag without ``#``,
  normalized case-folded), the record's extra ``tags`` (hashtags not in the text), an external link
  card (``url``) and images/video (``media``: the blob CID, normalized to the full-size image URL or
  the video playlist when the view gives one). Facet offsets count UTF-8 bytes of the text.

Timeline pages
- ``seen`` lists the account's own items: its posts and its reposts, with the time stored for each.
- The feed is ordered by the AppView's sort time, which its views expose as ``indexedAt``
  (``reason.indexedAt`` for a repost, ``post.indexedAt`` for a post; both are the earlier of record
  time and indexing time). Bluesky has no ``since_id``: the page is ``done`` when it has no cursor,
  repeats the cursor it was asked with, or reaches an item whose sort time is at or below the
  sweep's ``since_at`` (a pinned post, shown out of order, does not count).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.source import Target, TimelinePage
from diplotrack.importers.base import parse_time
from diplotrack.provenance import Prov
from diplotrack.records import Entity, EntitySet, Post, Provenance, Skip, primary_kind

PLATFORM = "bluesky"
SOURCE = "bluesky-api"  # provenance.source of collected records
PROFILE_SOURCE = f"{SOURCE} (retrieved_at)"  # profile_snapshots.source: observed_at is the retrieval time
INVALID_HANDLE = "handle.invalid"
POST_COLLECTION = "app.bsky.feed.post"
REPOST_COLLECTION = "app.bsky.feed.repost"

GET_PROFILES = "app.bsky.actor.getProfiles"
GET_PROFILE = "app.bsky.actor.getProfile"
AUTHOR_FEED = "app.bsky.feed.getAuthorFeed"
REPOSTED_BY = "app.bsky.feed.getRepostedBy"
LIKES = "app.bsky.feed.getLikes"
QUOTES = "app.bsky.feed.getQuotes"

# the list each endpoint's output holds its items in
ITEMS_KEY = {
    GET_PROFILES: "profiles",
    AUTHOR_FEED: "feed",
    REPOSTED_BY: "repostedBy",
    LIKES: "likes",
    QUOTES: "posts",
}
ENGAGEMENT_KIND = {REPOSTED_BY: "repost", LIKES: "like", QUOTES: "quote"}

_REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
_REASON_PIN = "app.bsky.feed.defs#reasonPin"
_POST_VIEW = "app.bsky.feed.defs#postView"
_VIEW_RECORD = "app.bsky.embed.record#viewRecord"
_EMBED_RECORD = "app.bsky.embed.record"
_EMBED_RECORD_MEDIA = "app.bsky.embed.recordWithMedia"
_EMBED_IMAGES = "app.bsky.embed.images"
_EMBED_VIDEO = "app.bsky.embed.video"
_EMBED_EXTERNAL = "app.bsky.embed.external"
_FACET_MENTION = "app.bsky.richtext.facet#mention"
_FACET_LINK = "app.bsky.richtext.facet#link"
_FACET_TAG = "app.bsky.richtext.facet#tag"

# atproto identifier syntax (atproto.com/specs/handle, /specs/did)
_HANDLE_RE = re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
_DID_RE = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")


def fmt_of(nsid: str) -> str:
    """The raw payload format of a collected response: ``bluesky:<endpoint NSID>``."""
    return f"{PLATFORM}:{nsid}"


def require(data: Any, nsid: str, url: str, body: bytes) -> dict[str, Any]:
    """The decoded body when it is the endpoint's output object with its item list; else MalformedPage."""
    key = ITEMS_KEY[nsid]
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        got = "an object without a list " + repr(key) if isinstance(data, dict) else f"a JSON {type(data).__name__}"
        raise MalformedPage(f"unexpected {nsid} response: {got} ({len(body)} bytes)", url=url, body=body)
    return data


# -- small readers -----------------------------------------------------------------------------
def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_time(value: Any) -> datetime | None:
    """A lexicon datetime as naive UTC; ``None`` when missing or not a time."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def handle_of(value: Any) -> str | None:
    h = as_str(value)
    return None if h is None or h == INVALID_HANDLE else h


def did_of_uri(uri: str | None) -> str | None:
    """The DID in an ``at://`` URI's authority (``None`` when the authority is a handle)."""
    if not uri or not uri.startswith("at://"):
        return None
    authority = uri[5:].split("/", 1)[0]
    return authority if authority.startswith("did:") else None


def collection_of_uri(uri: str | None) -> str | None:
    if not uri or not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    return parts[1] if len(parts) > 1 else None


def is_did(value: str | None) -> bool:
    return value is not None and value.startswith("did:")


def actor_of(target: Target) -> str | None:
    """What to ask the AppView for: the DID once known, else the handle; ``None`` when neither is valid."""
    if target.user_id and is_did(target.user_id):
        return target.user_id if _DID_RE.match(target.user_id) else None
    handle = target.handle.strip().lstrip("@")
    return handle if len(handle) <= 253 and _HANDLE_RE.match(handle) else None


def derived_repost_uri(by_did: str, reposted_uri: str) -> str:
    """The repost's id when the view does not give its record URI (see the module docstring)."""
    digest = hashlib.blake2b(reposted_uri.encode("utf-8"), digest_size=8).hexdigest()
    return f"at://{by_did}/{REPOST_COLLECTION}/derived-{digest}"


def normalize_url(uri: str) -> str:
    """Scheme and host lower-cased; the rest as given."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo}@{host.lower()}"
    else:
        netloc = netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


# -- entities ----------------------------------------------------------------------------------
def _slice(text_bytes: bytes, index: dict[str, Any]) -> str | None:
    start, end = as_int(index.get("byteStart")), as_int(index.get("byteEnd"))
    if start is None or end is None or start < 0 or end <= start or end > len(text_bytes):
        return None
    return text_bytes[start:end].decode("utf-8", errors="replace")


def _blob_cid(blob: Any) -> str | None:
    b = as_dict(blob)
    return as_str(as_dict(b.get("ref")).get("$link")) or as_str(b.get("cid"))


def entities(record: dict[str, Any], embed_view: dict[str, Any] | None) -> list[Entity]:
    found = EntitySet()

    def add(kind: str, value: str | None, normalized: str | None) -> None:
        if value:  # a facet or embed may lack its value: nothing to record
            found.add(kind, value, normalized or value)

    text = record.get("text") if isinstance(record.get("text"), str) else ""
    text_bytes = text.encode("utf-8")
    for facet in record.get("facets") or ():
        facet = as_dict(facet)
        written = _slice(text_bytes, as_dict(facet.get("index")))
        for feature in facet.get("features") or ():
            feature = as_dict(feature)
            kind = feature.get("$type")
            if kind == _FACET_MENTION:
                did = as_str(feature.get("did"))
                handle = written[1:] if written and written[:1] in ("@", "＠") else written
                if handle:
                    add("mention", handle, handle.lower())
                elif did:
                    add("mention", did, did)
            elif kind == _FACET_LINK:
                uri = as_str(feature.get("uri"))
                if uri:
                    add("url", uri, normalize_url(uri))
            elif kind == _FACET_TAG:
                tag = as_str(feature.get("tag"))
                tag = tag.lstrip("#＃") if tag else None
                if tag:
                    add("hashtag", tag, tag.casefold())
    for tag in record.get("tags") or ():
        tag = as_str(tag)
        tag = tag.lstrip("#＃") if tag else None
        if tag:
            add("hashtag", tag, tag.casefold())
    _embed_entities(as_dict(record.get("embed")), as_dict(embed_view), add)
    return found.items


def _embed_entities(embed: dict[str, Any], view: dict[str, Any], add: Callable[[str, Any, Any], None]) -> None:
    if embed.get("$type") == _EMBED_RECORD_MEDIA:
        embed, view = as_dict(embed.get("media")), as_dict(view.get("media"))
    kind = embed.get("$type")
    if kind == _EMBED_IMAGES:
        views = view.get("images") if isinstance(view.get("images"), list) else []
        for i, img in enumerate(embed.get("images") or ()):
            shown = as_dict(views[i]) if i < len(views) else {}
            add("media", _blob_cid(as_dict(img).get("image")), as_str(shown.get("fullsize")) or "image")
    elif kind == _EMBED_VIDEO:
        add("media", _blob_cid(embed.get("video")), as_str(view.get("playlist")) or "video")
    elif kind == _EMBED_EXTERNAL:
        uri = as_str(as_dict(embed.get("external")).get("uri"))
        if uri:
            add("url", uri, normalize_url(uri))


# -- posts -------------------------------------------------------------------------------------
def quoted_of(record: dict[str, Any], embed_view: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """(quoted post URI, its author DID) when the record embeds a post; else (None, None)."""
    embed = as_dict(record.get("embed"))
    kind = embed.get("$type")
    if kind == _EMBED_RECORD:
        uri = as_str(as_dict(embed.get("record")).get("uri"))
    elif kind == _EMBED_RECORD_MEDIA:
        uri = as_str(as_dict(as_dict(embed.get("record")).get("record")).get("uri"))
    else:
        return None, None
    if uri is None or collection_of_uri(uri) != POST_COLLECTION:
        return None, None
    shown = quoted_view(embed_view)
    author = did_of_uri(uri)
    if author is None and shown is not None and shown.get("uri") == uri:
        author = as_str(as_dict(shown.get("author")).get("did"))
    return uri, author


def quoted_view(embed_view: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hydrated quoted post (``#viewRecord``) inside a record or recordWithMedia embed view."""
    v = as_dict(embed_view)
    rec = as_dict(v.get("record"))
    if rec.get("$type") != _VIEW_RECORD and isinstance(rec.get("record"), dict):
        rec = as_dict(rec.get("record"))  # recordWithMedia#view: record is an embed.record#view
    if rec.get("$type") == _VIEW_RECORD and as_dict(rec.get("value")).get("$type", POST_COLLECTION) == POST_COLLECTION:
        return rec
    return None


def map_post_view(
    view: dict[str, Any],
    prov: Provenance,
    observed: datetime,
    *,
    record_key: str = "record",
    parent_author: str | None = None,
) -> Post:
    """One ``#postView`` (or ``#viewRecord`` with ``record_key="value"``) to a Post. Raises ValueError."""
    uri = as_str(view.get("uri"))
    if uri is None:
        raise ValueError("no uri")
    record = as_dict(view.get(record_key))
    author = as_dict(view.get("author"))
    author_id = as_str(author.get("did")) or did_of_uri(uri)
    if record_key == "value":
        embeds = view.get("embeds")
        embed_view = as_dict(embeds[0]) if isinstance(embeds, list) and embeds else None
    else:
        embed_view = as_dict(view.get("embed")) or None
    created = as_time(record.get("createdAt")) or as_time(view.get("indexedAt"))
    reply = as_dict(record.get("reply"))
    parent_uri = as_str(as_dict(reply.get("parent")).get("uri"))
    root_uri = as_str(as_dict(reply.get("root")).get("uri"))
    quoted_uri, quoted_author = quoted_of(record, embed_view)
    langs = record.get("langs")
    lang = as_str(langs[0]) if isinstance(langs, list) and langs else None
    text = record.get("text")
    return Post(
        platform=PLATFORM,
        post_id=uri,
        author_id=author_id,
        author_handle=handle_of(author.get("handle")),
        created_at=created,
        text=text if isinstance(text, str) else None,
        lang=lang,
        kind=primary_kind(reposted=False, quoted=quoted_uri is not None, replied=parent_uri is not None),
        provenance=prov,
        quoted_post_id=quoted_uri,
        quoted_author_id=quoted_author,
        replied_to_post_id=parent_uri,
        replied_to_author_id=(did_of_uri(parent_uri) or parent_author) if parent_uri else None,
        like_count=as_int(view.get("likeCount")),
        repost_count=as_int(view.get("repostCount")),
        reply_count=as_int(view.get("replyCount")),
        quote_count=as_int(view.get("quoteCount")),
        metrics_observed_at=observed,
        conversation_id=root_uri or uri,
        entities=entities(record, embed_view),
    )


def map_repost(reason: dict[str, Any], reposted: Post, prov: Provenance) -> Post:
    """The repost of ``reposted`` that a ``#reasonRepost`` describes. Raises ValueError."""
    by = as_dict(reason.get("by"))
    by_did = as_str(by.get("did"))
    if by_did is None:
        raise ValueError("repost without reason.by.did")
    return Post(
        platform=PLATFORM,
        post_id=as_str(reason.get("uri")) or derived_repost_uri(by_did, reposted.post_id),
        author_id=by_did,
        author_handle=handle_of(by.get("handle")),
        created_at=as_time(reason.get("indexedAt")),
        text=None,
        lang=None,
        kind=primary_kind(reposted=True, quoted=False, replied=False),
        provenance=prov,
        reposted_post_id=reposted.post_id,
        reposted_author_id=reposted.author_id,
    )


class PagePosts:
    """Posts of one response, each once (its first appearance), and the skips."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.by_id: dict[str, Post] = {}
        self.skips: list[Skip] = []

    def add(self, make: Callable[[], Post], pointer: str) -> Post | None:
        try:
            post = make()
        except ValueError as exc:
            self.skips.append(Skip(self.url, None, f"post at {pointer} not mapped: {exc}"))
            return None
        return self.by_id.setdefault(post.post_id, post)

    @property
    def posts(self) -> list[Post]:
        return list(self.by_id.values())


def _add_quoted(out: PagePosts, post_view: dict[str, Any], pointer: str, prov: Prov, observed: datetime) -> None:
    embed = as_dict(post_view.get("embed"))
    shown = quoted_view(embed)
    if shown is None:
        return
    where = (
        f"{pointer}/embed/record"
        if as_dict(embed.get("record")).get("$type") == _VIEW_RECORD
        else (f"{pointer}/embed/record/record")
    )
    out.add(lambda: map_post_view(shown, prov(where), observed, record_key="value"), where)


def _is_post_view(v: dict[str, Any]) -> bool:
    t = v.get("$type")
    return (t == _POST_VIEW or t is None) and isinstance(v.get("record"), dict) and bool(as_str(v.get("uri")))


# -- author feed -------------------------------------------------------------------------------
def sort_time(item: dict[str, Any]) -> datetime | None:
    """The time the author feed orders an item by (see the module docstring)."""
    reason = as_dict(item.get("reason"))
    if reason.get("$type") == _REASON_REPOST:
        return as_time(reason.get("indexedAt"))
    post = as_dict(item.get("post"))
    return as_time(post.get("indexedAt")) or as_time(as_dict(post.get("record")).get("createdAt"))


def map_timeline(
    data: dict[str, Any],
    account: str,
    *,
    url: str,
    raw_id: str | None,
    observed: datetime,
    since_at: datetime | None = None,
    sent_cursor: str | None = None,
) -> TimelinePage:
    """One ``getAuthorFeed`` output (``data``) of the account with DID ``account``."""
    prov = Prov(SOURCE, url, None, raw_id)
    out = PagePosts(url)
    seen: list[tuple[str, datetime | None]] = []
    reached = False
    feed = data.get("feed") or []
    for i, item in enumerate(feed):
        at = f"/feed/{i}"
        if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
            out.skips.append(Skip(url, None, f"feed item at {at} not mapped: no post view"))
            continue
        view = item["post"]
        reason = as_dict(item.get("reason"))
        reply = as_dict(item.get("reply"))
        parent = as_dict(reply.get("parent"))
        parent_author = as_str(as_dict(parent.get("author")).get("did")) if _is_post_view(parent) else None
        where = f"{at}/post"
        post = out.add(
            lambda view=view, pa=parent_author, w=where: map_post_view(view, prov(w), observed, parent_author=pa), where
        )
        is_repost = reason.get("$type") == _REASON_REPOST
        if post is not None:
            if is_repost:
                repost = out.add(lambda r=reason, p=post, at=at: map_repost(r, p, prov(f"{at}/reason")), f"{at}/reason")
                if repost is not None and repost.author_id == account:
                    seen.append((repost.post_id, repost.created_at))
            elif post.author_id == account:
                seen.append((post.post_id, post.created_at))
        _add_quoted(out, view, f"{at}/post", prov, observed)
        for part in ("parent", "root"):
            ref = as_dict(reply.get(part))
            if _is_post_view(ref):
                where = f"{at}/reply/{part}"
                out.add(lambda ref=ref, where=where: map_post_view(ref, prov(where), observed), where)
        if since_at is not None and reason.get("$type") != _REASON_PIN:
            t = sort_time(item)
            if t is not None and t <= since_at:
                reached = True
    cursor = as_str(data.get("cursor"))
    done = cursor is None or reached or (cursor == sent_cursor and sent_cursor is not None)
    return TimelinePage(posts=out.posts, skips=out.skips, seen=seen, next_cursor=cursor, done=done, items=len(feed))
