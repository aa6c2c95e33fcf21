"""Bluesky AppView responses to records. Pure: parsed JSON in, records out.

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

Account lookups (``getProfiles``) give ``#profileViewDetailed``: a ``ProfileSnapshot`` with the
public counts (``followersCount``, ``followsCount``, ``postsCount``) and ``verified`` from
``verification.verifiedStatus``. ``getProfiles`` silently leaves out actors it cannot show; an
``XRPC`` error body from ``getProfile`` says why (``error_status``).

Engagement (``getRepostedBy``, ``getLikes``, ``getQuotes``): one ``Engagement`` per entry, dated by
the like's ``createdAt`` or the quote post's ``createdAt``; ``getRepostedBy`` gives no time. Quote
posts are also emitted as posts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.source import Found, Target, TimelinePage
from diplotrack.importers.base import parse_time
from diplotrack.provenance import Prov
from diplotrack.records import ApiError, Engagement, Entity, Post, ProfileSnapshot, Provenance, Skip, primary_kind

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
def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _i(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    """A lexicon datetime as naive UTC; ``None`` when missing or not a time."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def handle_of(value: Any) -> str | None:
    h = _s(value)
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
    start, end = _i(index.get("byteStart")), _i(index.get("byteEnd"))
    if start is None or end is None or start < 0 or end <= start or end > len(text_bytes):
        return None
    return text_bytes[start:end].decode("utf-8", errors="replace")


def _blob_cid(blob: Any) -> str | None:
    b = _d(blob)
    return _s(_d(b.get("ref")).get("$link")) or _s(b.get("cid"))


def entities(record: dict[str, Any], embed_view: dict[str, Any] | None) -> list[Entity]:
    out: list[Entity] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str | None, normalized: str | None) -> None:
        if value and (kind, value) not in seen:
            seen.add((kind, value))
            out.append(Entity(kind, value, normalized or value))

    text = record.get("text") if isinstance(record.get("text"), str) else ""
    text_bytes = text.encode("utf-8")
    for facet in record.get("facets") or ():
        facet = _d(facet)
        written = _slice(text_bytes, _d(facet.get("index")))
        for feature in facet.get("features") or ():
            feature = _d(feature)
            kind = feature.get("$type")
            if kind == _FACET_MENTION:
                did = _s(feature.get("did"))
                handle = written[1:] if written and written[:1] in ("@", "＠") else written
                if handle:
                    add("mention", handle, handle.lower())
                elif did:
                    add("mention", did, did)
            elif kind == _FACET_LINK:
                uri = _s(feature.get("uri"))
                if uri:
                    add("url", uri, normalize_url(uri))
            elif kind == _FACET_TAG:
                tag = _s(feature.get("tag"))
                tag = tag.lstrip("#＃") if tag else None
                if tag:
                    add("hashtag", tag, tag.casefold())
    for tag in record.get("tags") or ():
        tag = _s(tag)
        tag = tag.lstrip("#＃") if tag else None
        if tag:
            add("hashtag", tag, tag.casefold())
    _embed_entities(_d(record.get("embed")), _d(embed_view), add)
    return out


def _embed_entities(embed: dict[str, Any], view: dict[str, Any], add: Callable[[str, Any, Any], None]) -> None:
    if embed.get("$type") == _EMBED_RECORD_MEDIA:
        embed, view = _d(embed.get("media")), _d(view.get("media"))
    kind = embed.get("$type")
    if kind == _EMBED_IMAGES:
        views = view.get("images") if isinstance(view.get("images"), list) else []
        for i, img in enumerate(embed.get("images") or ()):
            shown = _d(views[i]) if i < len(views) else {}
            add("media", _blob_cid(_d(img).get("image")), _s(shown.get("fullsize")) or "image")
    elif kind == _EMBED_VIDEO:
        add("media", _blob_cid(embed.get("video")), _s(view.get("playlist")) or "video")
    elif kind == _EMBED_EXTERNAL:
        uri = _s(_d(embed.get("external")).get("uri"))
        if uri:
            add("url", uri, normalize_url(uri))


# -- posts -------------------------------------------------------------------------------------
def quoted_of(record: dict[str, Any], embed_view: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """(quoted post URI, its author DID) when the record embeds a post; else (None, None)."""
    embed = _d(record.get("embed"))
    kind = embed.get("$type")
    if kind == _EMBED_RECORD:
        uri = _s(_d(embed.get("record")).get("uri"))
    elif kind == _EMBED_RECORD_MEDIA:
        uri = _s(_d(_d(embed.get("record")).get("record")).get("uri"))
    else:
        return None, None
    if uri is None or collection_of_uri(uri) != POST_COLLECTION:
        return None, None
    shown = quoted_view(embed_view)
    author = did_of_uri(uri)
    if author is None and shown is not None and shown.get("uri") == uri:
        author = _s(_d(shown.get("author")).get("did"))
    return uri, author


def quoted_view(embed_view: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hydrated quoted post (``#viewRecord``) inside a record or recordWithMedia embed view."""
    v = _d(embed_view)
    rec = _d(v.get("record"))
    if rec.get("$type") != _VIEW_RECORD and isinstance(rec.get("record"), dict):
        rec = _d(rec.get("record"))  # recordWithMedia#view: record is an embed.record#view
    if rec.get("$type") == _VIEW_RECORD and _d(rec.get("value")).get("$type", POST_COLLECTION) == POST_COLLECTION:
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
    uri = _s(view.get("uri"))
    if uri is None:
        raise ValueError("no uri")
    record = _d(view.get(record_key))
    author = _d(view.get("author"))
    author_id = _s(author.get("did")) or did_of_uri(uri)
    if record_key == "value":
        embeds = view.get("embeds")
        embed_view = _d(embeds[0]) if isinstance(embeds, list) and embeds else None
    else:
        embed_view = _d(view.get("embed")) or None
    created = _time(record.get("createdAt")) or _time(view.get("indexedAt"))
    reply = _d(record.get("reply"))
    parent_uri = _s(_d(reply.get("parent")).get("uri"))
    root_uri = _s(_d(reply.get("root")).get("uri"))
    quoted_uri, quoted_author = quoted_of(record, embed_view)
    langs = record.get("langs")
    lang = _s(langs[0]) if isinstance(langs, list) and langs else None
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
        like_count=_i(view.get("likeCount")),
        repost_count=_i(view.get("repostCount")),
        reply_count=_i(view.get("replyCount")),
        quote_count=_i(view.get("quoteCount")),
        metrics_observed_at=observed,
        conversation_id=root_uri or uri,
        entities=entities(record, embed_view),
    )


def map_repost(reason: dict[str, Any], reposted: Post, prov: Provenance) -> Post:
    """The repost of ``reposted`` that a ``#reasonRepost`` describes. Raises ValueError."""
    by = _d(reason.get("by"))
    by_did = _s(by.get("did"))
    if by_did is None:
        raise ValueError("repost without reason.by.did")
    return Post(
        platform=PLATFORM,
        post_id=_s(reason.get("uri")) or derived_repost_uri(by_did, reposted.post_id),
        author_id=by_did,
        author_handle=handle_of(by.get("handle")),
        created_at=_time(reason.get("indexedAt")),
        text=None,
        lang=None,
        kind=primary_kind(reposted=True, quoted=False, replied=False),
        provenance=prov,
        reposted_post_id=reposted.post_id,
        reposted_author_id=reposted.author_id,
    )


class _Posts:
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


def _add_quoted(out: _Posts, post_view: dict[str, Any], pointer: str, prov: Prov, observed: datetime) -> None:
    embed = _d(post_view.get("embed"))
    shown = quoted_view(embed)
    if shown is None:
        return
    where = (
        f"{pointer}/embed/record"
        if _d(embed.get("record")).get("$type") == _VIEW_RECORD
        else (f"{pointer}/embed/record/record")
    )
    out.add(lambda: map_post_view(shown, prov(where), observed, record_key="value"), where)


def _is_post_view(v: dict[str, Any]) -> bool:
    t = v.get("$type")
    return (t == _POST_VIEW or t is None) and isinstance(v.get("record"), dict) and bool(_s(v.get("uri")))


# -- author feed -------------------------------------------------------------------------------
def sort_time(item: dict[str, Any]) -> datetime | None:
    """The time the author feed orders an item by (see the module docstring)."""
    reason = _d(item.get("reason"))
    if reason.get("$type") == _REASON_REPOST:
        return _time(reason.get("indexedAt"))
    post = _d(item.get("post"))
    return _time(post.get("indexedAt")) or _time(_d(post.get("record")).get("createdAt"))


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
    out = _Posts(url)
    seen: list[tuple[str, datetime | None]] = []
    reached = False
    feed = data.get("feed") or []
    for i, item in enumerate(feed):
        at = f"/feed/{i}"
        if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
            out.skips.append(Skip(url, None, f"feed item at {at} not mapped: no post view"))
            continue
        view = item["post"]
        reason = _d(item.get("reason"))
        reply = _d(item.get("reply"))
        parent = _d(reply.get("parent"))
        parent_author = _s(_d(parent.get("author")).get("did")) if _is_post_view(parent) else None
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
            ref = _d(reply.get(part))
            if _is_post_view(ref):
                where = f"{at}/reply/{part}"
                out.add(lambda ref=ref, where=where: map_post_view(ref, prov(where), observed), where)
        if since_at is not None and reason.get("$type") != _REASON_PIN:
            t = sort_time(item)
            if t is not None and t <= since_at:
                reached = True
    cursor = _s(data.get("cursor"))
    done = cursor is None or reached or (cursor == sent_cursor and sent_cursor is not None)
    return TimelinePage(posts=out.posts, skips=out.skips, seen=seen, next_cursor=cursor, done=done, items=len(feed))


# -- profiles and lookups ----------------------------------------------------------------------
def map_profile(obj: dict[str, Any], observed: datetime, prov: Provenance) -> ProfileSnapshot:
    """One ``#profileViewDetailed`` (or ``#profileView``) to a ProfileSnapshot. Raises ValueError."""
    did = _s(obj.get("did"))
    if did is None or not is_did(did):
        raise ValueError("no did")
    verification = obj.get("verification")
    verified = None
    if isinstance(verification, dict) and _s(verification.get("verifiedStatus")):
        verified = verification["verifiedStatus"] == "valid"
    description = obj.get("description")
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=did,
        observed_at=observed,
        provenance=prov,
        handle=handle_of(obj.get("handle")),
        display_name=_s(obj.get("displayName")),
        description=description if isinstance(description, str) else None,
        created_at=_time(obj.get("createdAt")),
        followers=_i(obj.get("followersCount")),
        following=_i(obj.get("followsCount")),
        posts_count=_i(obj.get("postsCount")),
        verified=verified,
        status="active",
        source=PROFILE_SOURCE,
    )


def map_profiles(
    data: dict[str, Any], *, url: str, raw_id: str | None, observed: datetime
) -> tuple[list[ProfileSnapshot], list[Skip]]:
    prov = Prov(SOURCE, url, None, raw_id)
    profiles: list[ProfileSnapshot] = []
    skips: list[Skip] = []
    for i, obj in enumerate(data.get("profiles") or []):
        try:
            profiles.append(map_profile(_d(obj), observed, prov(f"/profiles/{i}")))
        except ValueError as exc:
            skips.append(Skip(url, None, f"profile at /profiles/{i} not mapped: {exc}"))
    return profiles, skips


def match_profiles(profiles: list[ProfileSnapshot], targets: list[Target]) -> tuple[list[Found], list[Target]]:
    """Targets the profiles answer (by DID when known, else by handle), and those left out."""
    by_did = {p.user_id: p for p in profiles}
    by_handle = {p.handle.lower(): p for p in profiles if p.handle}
    found: list[Found] = []
    missing: list[Target] = []
    for t in targets:
        actor = actor_of(t)
        if actor is None:
            missing.append(t)
            continue
        p = by_did.get(actor) if is_did(actor) else by_handle.get(actor.lower())
        if p is None:
            missing.append(t)
        else:
            found.append(Found(t, "active", user_id=p.user_id, handle=p.handle))
    return found, missing


def error_body(body: bytes) -> tuple[str | None, str | None]:
    """(``error``, ``message``) of an XRPC error body; (None, None) when the body is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return _s(data.get("error")), _s(data.get("message"))


def error_status(error: str | None, message: str | None, *, lookup: bool = True) -> tuple[str, str] | None:
    """What an XRPC error about an actor says of the account: (status, detail), or None when it says
    nothing about it (an unknown error, or not an error body).

    ``AccountTakedown``: suspended; ``AccountDeactivated``: deleted (its owner deactivated it; it may
    come back); "Profile not found": not_found. For a lookup (``getProfile`` of one actor) any other
    ``InvalidRequest`` also means not found (an actor that is not a valid DID or handle, a handle that
    does not resolve); for a timeline it may be about the request itself (a bad cursor), so it is not.
    """
    said = ": ".join(x for x in (error, message) if x)
    if error == "AccountTakedown":
        return "suspended", f"suspended (taken down) per the AppView ({said})"
    if error == "AccountDeactivated":
        return "deleted", f"deactivated by its owner per the AppView ({said})"
    if (message and "profile not found" in message.lower()) or (lookup and error == "InvalidRequest"):
        return "not_found", f"not found per the AppView ({said})"
    return None


def api_error(
    nsid: str, status: int, body: bytes, *, url: str, raw_id: str | None, resource_type: str, resource_id: str
) -> ApiError:
    """An XRPC error response, kept: ``raw`` names the request, so two actors' equal bodies stay apart."""
    error, message = error_body(body)
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = body.decode("utf-8", errors="replace")[:2000]
    raw = orjson.dumps(
        {"endpoint": nsid, resource_type: resource_id, "status": status, "body": parsed}, option=orjson.OPT_SORT_KEYS
    ).decode()
    return ApiError(
        platform=PLATFORM,
        provenance=Provenance(SOURCE, url, None, raw_id, ""),
        title=error or f"HTTP {status}",
        detail=message,
        resource_type=resource_type,
        resource_id=resource_id,
        raw=raw,
    )


# -- engagement --------------------------------------------------------------------------------
@dataclass
class EngagementPage:
    engagements: list[Engagement] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    next_cursor: str | None = None
    items: int = 0


def map_engagement(
    nsid: str, data: dict[str, Any], post_id: str, *, url: str, raw_id: str | None, observed: datetime
) -> EngagementPage:
    """One ``getRepostedBy``/``getLikes``/``getQuotes`` output about the post ``post_id``."""
    kind = ENGAGEMENT_KIND[nsid]
    key = ITEMS_KEY[nsid]
    prov = Prov(SOURCE, url, None, raw_id)
    out = _Posts(url)
    engagements: list[Engagement] = []
    entries = data.get(key) or []
    for i, entry in enumerate(entries):
        at = f"/{key}/{i}"
        entry = _d(entry)
        if nsid == REPOSTED_BY:
            actor, when, own_post = entry, None, None
        elif nsid == LIKES:
            actor, when, own_post = _d(entry.get("actor")), _time(entry.get("createdAt")), None
        else:
            post = out.add(lambda entry=entry, at=at: map_post_view(entry, prov(at), observed), at)
            if post is None:
                continue
            actor, when, own_post = _d(entry.get("author")), post.created_at, post.post_id
        did = _s(actor.get("did"))
        if did is None:
            out.skips.append(Skip(url, None, f"{kind} at {at} not mapped: no actor did"))
            continue
        engagements.append(
            Engagement(
                platform=PLATFORM,
                post_id=post_id,
                kind=kind,
                actor_user_id=did,
                actor_handle=handle_of(actor.get("handle")),
                engaged_at=when,
                engagement_post_id=own_post,
                observed_at=observed,
                provenance=prov(at),
            )
        )
    return EngagementPage(
        engagements=engagements,
        posts=out.posts,
        skips=out.skips,
        next_cursor=_s(data.get("cursor")),
        items=len(entries),
    )
