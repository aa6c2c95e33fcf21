"""X API v2 objects to records: pages, flattened tweets and users, errors entries (pure mapping).

Decoded lines (x_v2_types) come in; posts, profile snapshots and API errors go to the sink, each
with its provenance (file, line, raw payload, JSON pointer). A tweet or user that cannot be mapped
(no id, a time or count out of range) becomes a skip naming its line and pointer; the rest of its
page is kept. Reading files is importers/x_v2.py. This is the one X v2 mapping: the live X collector
(collect/x/mapping.py) maps its pages with ``map_page`` too, with its own ``Prov`` source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import orjson

from diplotrack.importers.base import Sink, in_int64, parse_time, quote_value, skip
from diplotrack.importers.chunks import ChunkContext
from diplotrack.importers.json_text import DEEP
from diplotrack.importers.x_v2_types import UNSET, Includes, Line, Media, XObject
from diplotrack.provenance import Prov
from diplotrack.records import (
    ApiError,
    Entity,
    EntitySet,
    Post,
    ProfileSnapshot,
    Provenance,
    handle_key,
    primary_kind,
)

PLATFORM = "x"
NAME = "x-v2"


def _map_line(
    obj: Line,
    payload: bytes | None,
    ctx: ChunkContext,
    lineno: int,
    sink: Sink,
    *,
    raw_id: str | None = None,
    pointer: str = "",
) -> bool:
    """Map one decoded line (page or flattened object); False when it is neither."""
    is_page = obj.data is not UNSET or obj.includes is not UNSET or obj.errors is not UNSET
    is_flat = obj.id is not None and (obj.text is not None or obj.author is not None or obj.username is not None)
    if not (is_page or is_flat):
        return False
    retrieved = _time_or_none(obj.twarc.retrieved_at) if obj.twarc is not None else None
    if raw_id is None:
        raw_id = sink.add_raw(NAME, payload or b"", file=ctx.file, line=lineno, retrieved_at=retrieved)
    prov = Prov(NAME, ctx.file, lineno, raw_id, pointer)
    if is_page:
        map_page(obj, sink, prov, retrieved=retrieved, fallback=ctx.observed_at, mtime=ctx.mtime)
    else:
        map_flat(obj, sink, prov, retrieved=retrieved, fallback=ctx.observed_at, mtime=ctx.mtime)
    return True


def _time_or_none(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except (ValueError, TypeError):
        return None


def _observation(
    retrieved: datetime | None, fallback: datetime | None, tweets: list[XObject], mtime: datetime
) -> tuple[datetime, str]:
    if retrieved is not None:
        return retrieved, "retrieved_at"
    if fallback is not None:
        return fallback, "observed-at option"
    newest = max((t.created_at or "" for t in tweets), default="")
    t = _time_or_none(newest) if newest else None
    if t is not None:
        return t, "newest post in page (lower bound)"
    return mtime, "file modification time"


def _sid(v: str | int | None) -> str | None:
    return None if v is None else str(v)


def map_page(
    page: Line,
    sink: Sink,
    prov: Prov,
    *,
    retrieved: datetime | None,
    fallback: datetime | None,
    mtime: datetime,
) -> None:
    includes = page.includes if isinstance(page.includes, Includes) else Includes()
    data = page.data
    items = [data] if isinstance(data, XObject) else (data if isinstance(data, list) else [])
    users = [x for x in items if x.username is not None and x.text is None]
    tweets = [x for x in items if not (x.username is not None and x.text is None)]
    inc_users = includes.users or []
    inc_tweets = includes.tweets or []
    media = {m.media_key: m for m in includes.media or []}
    observed, how = _observation(retrieved, fallback, tweets + inc_tweets, mtime)
    authors = {_sid(u.id): u for u in inc_users + users if u.id is not None}
    tweet_authors = {_sid(t.id): _sid(t.author_id) for t in tweets + inc_tweets if t.id is not None}

    single = isinstance(data, XObject)  # a single-object lookup: data is the object itself

    def at(i: int) -> str:
        return "/data" if single else f"/data/{i}"

    for i, x in enumerate(items):
        if x.username is not None and x.text is None:
            _emit_user(x, sink, observed, how, prov, at(i))
        else:
            _emit_tweet(x, sink, authors, tweet_authors, media, observed, prov, at(i))
    for i, t in enumerate(inc_tweets):
        _emit_tweet(t, sink, authors, tweet_authors, media, observed, prov, f"/includes/tweets/{i}")
    for i, u in enumerate(inc_users):
        _emit_user(u, sink, observed, how, prov, f"/includes/users/{i}")
    for i, e in enumerate(page.errors or []):
        _emit_error(e, sink, observed if retrieved else None, prov(f"/errors/{i}"))


def map_flat(
    obj: Line,
    sink: Sink,
    prov: Prov,
    *,
    retrieved: datetime | None,
    fallback: datetime | None,
    mtime: datetime,
) -> None:
    """twarc2's flattened form: one tweet a line, with author, referenced tweets and users inline."""
    if obj.username is not None and obj.text is None:
        observed, how = _observation(retrieved, fallback, [], mtime)
        _emit_user(obj, sink, observed, how, prov, "")
        return
    refs = obj.referenced_tweets or []
    observed, how = _observation(retrieved, fallback, [obj, *refs], mtime)
    users: dict[str | None, XObject] = {}
    for holder in (obj, *refs):
        for u in (holder.author, holder.in_reply_to_user):
            if u is not None and u.id is not None:
                users[_sid(u.id)] = u
    tweet_authors = {_sid(t.id): _sid(t.author_id) for t in (obj, *refs) if t.id is not None}
    _emit_tweet(obj, sink, users, tweet_authors, {}, observed, prov, "")
    for i, r in enumerate(refs):
        if r.text is not None:
            _emit_tweet(r, sink, users, tweet_authors, {}, observed, prov, f"/referenced_tweets/{i}")
    for uid, u in users.items():
        _emit_user(u, sink, observed, how, prov, f"#user:{uid}")


def _emit_tweet(
    t: XObject,
    sink: Sink,
    authors: dict,
    tweet_authors: dict,
    media: dict,
    observed: datetime,
    prov: Prov,
    pointer: str,
) -> None:
    p = prov(pointer)
    try:
        post = map_tweet(t, authors, tweet_authors, media, observed, p)
    except ValueError as exc:
        sink.add_skip(skip(p.file or "", p.line, f"tweet at {p.pointer or '/'} not imported: {exc}"))
        return
    sink.add_post(post)


def map_tweet(
    t: XObject, authors: dict, tweet_authors: dict, media: dict, observed: datetime, prov: Provenance
) -> Post:
    """One v2 tweet to a Post. Pure; raises ValueError on a tweet it cannot map."""
    if t.id is None or not str(t.id).strip():
        raise ValueError("it has no id")
    post_id = str(t.id)
    author_id = _sid(t.author_id)
    author = authors.get(author_id) if author_id else None
    if author is None:
        author = t.author
        if author_id is None and author is not None:
            author_id = _sid(author.id)
    reposted = quoted = replied = None
    for r in t.referenced_tweets or []:
        if r.id is None:
            continue
        if r.type == "retweeted" and reposted is None:
            reposted = str(r.id)
        elif r.type == "quoted" and quoted is None:
            quoted = str(r.id)
        elif r.type == "replied_to" and replied is None:
            replied = str(r.id)
    created_at = None
    if t.created_at is not None:
        try:
            created_at = parse_time(t.created_at)
        except ValueError:
            raise ValueError(f"created_at {quote_value(t.created_at)} is not a time") from None
    reply_user = _sid(t.in_reply_to_user_id)
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=author.username if author is not None else None,
        created_at=created_at,
        text=t.text,
        lang=t.lang,
        kind=primary_kind(reposted=bool(reposted), quoted=bool(quoted), replied=bool(replied)),  # not the @user
        provenance=prov,
        reposted_post_id=reposted,
        reposted_author_id=tweet_authors.get(reposted) if reposted else None,
        quoted_post_id=quoted,
        quoted_author_id=tweet_authors.get(quoted) if quoted else None,
        replied_to_post_id=replied,
        replied_to_author_id=reply_user
        if reply_user is not None
        else (tweet_authors.get(replied) if replied else None),
        conversation_id=_sid(t.conversation_id),
        source_client=t.source,
    )
    m = t.public_metrics
    if m is not None:
        post.like_count = _count(m.like_count, "like_count")
        post.repost_count = _count(m.retweet_count, "retweet_count")
        post.reply_count = _count(m.reply_count, "reply_count")
        post.quote_count = _count(m.quote_count, "quote_count")
        post.metrics_observed_at = observed
    post.entities = _entities(t, media)
    return post


def _entities(t: XObject, media: dict[str | None, Media]) -> list[Entity]:
    found = EntitySet()
    add = found.add

    e = t.entities
    if e is not None:
        for h in e.hashtags or ():
            if h.tag:
                add("hashtag", h.tag, h.tag.casefold())
        for h in e.cashtags or ():
            if h.tag:
                add("cashtag", h.tag, h.tag.casefold())
        for m in e.mentions or ():
            if m.username:
                add("mention", m.username, m.username.lower())
        for u in e.urls or ():
            if u.url and not u.media_key:  # a media link is recorded as media below
                add("url", u.url, u.unwound_url or u.expanded_url or u.url)
    if t.attachments is not None:
        for key in t.attachments.media_keys or ():
            md = media.get(key)
            norm = (md.url or md.preview_image_url or md.type) if md is not None else None
            add("media", key, norm or key)
    return found.items


def _emit_user(u: XObject, sink: Sink, observed: datetime, how: str, prov: Prov, pointer: str) -> None:
    p = prov(pointer)
    try:
        snap = map_user(u, observed, how, p)
    except ValueError as exc:
        sink.add_skip(skip(p.file or "", p.line, f"user at {p.pointer or '/'} not imported: {exc}"))
        return
    sink.add_profile(snap)


def map_user(u: XObject, observed: datetime, how: str, prov: Provenance) -> ProfileSnapshot:
    """One v2 user to a ProfileSnapshot observed at ``observed``. Pure."""
    if u.id is None or not str(u.id).strip():
        raise ValueError("it has no id")
    pm = u.public_metrics
    created_at = None
    if u.created_at:
        try:
            created_at = parse_time(u.created_at)
        except ValueError:
            raise ValueError(f"created_at {quote_value(u.created_at)} is not a time") from None
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=str(u.id),
        observed_at=observed,
        provenance=prov,
        handle=u.username,
        display_name=u.name,
        description=u.description,
        location=u.location,
        created_at=created_at,
        followers=_count(pm.followers_count, "followers_count") if pm else None,
        following=_count(pm.following_count, "following_count") if pm else None,
        posts_count=_count(pm.tweet_count, "tweet_count") if pm else None,
        verified=u.verified,
        status="protected" if u.protected is True else "active",
        source=f"{NAME} ({how})",
        verified_type=u.verified_type,
        affiliation=_affiliation(u),
        url=_profile_url(u),
    )


def _affiliation(u: XObject) -> str | None:
    """``affiliation.description``, followed by its ``url`` in parentheses when X gives one."""
    a = u.affiliation
    if a is None:
        return None
    parts = [p for p in (a.description, a.url) if p]
    if len(parts) == 2:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else None


def _profile_url(u: XObject) -> str | None:
    """The profile link, expanded (``entities.url``) where X expands it; X's ``""`` means none."""
    listed = u.entities.url if u.entities is not None else None
    for e in (listed.urls if listed is not None else None) or ():
        if not u.url or e.url == u.url:
            return e.expanded_url or e.url or u.url or None
    return u.url or None


def _count(value: int | float | None, name: str) -> int | None:
    """A count as stored; ``ValueError`` (costing its tweet or user) when not a whole number in range:
    a float is kept only when whole (``5.0``), ``1e400`` (decoded as infinity) and ``2.5`` are not."""
    if value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():  # inf and nan are not integers either
            raise ValueError(f"{name} is not a whole number in range: {value!r}")
        value = int(value)
    try:
        return in_int64(value)
    except ValueError as exc:  # "N is out of range (a count must fit in 64 bits)"
        raise ValueError(f"{name} is not a whole number in range: {exc}") from None


def _emit_error(raw: msgspec.Raw, sink: Sink, observed: datetime | None, prov: Provenance) -> None:
    try:
        e = orjson.loads(bytes(raw))
        if not isinstance(e, dict):
            e = {"value": e}
        text = orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # deeper than orjson reads or writes
        sink.add_skip(skip(prov.file or "", prov.line, f"errors entry at {prov.pointer} not imported: {DEEP}"))
        return

    def s(v: Any) -> str | None:
        return None if v is None else str(v)

    sink.add_api_error(
        ApiError(
            platform=PLATFORM,
            provenance=prov,
            title=s(e.get("title")),
            detail=s(e.get("detail")),
            resource_type=s(e.get("resource_type")),
            resource_id=s(e.get("resource_id") or e.get("value")),
            raw=text,
        )
    )
    # "User has been suspended: [name]" on a page with a known retrieval time is an observation
    detail = str(e.get("detail") or "")
    if observed is not None and e.get("resource_type") == "user" and "suspended" in detail.lower():
        rid = str(e.get("resource_id") or e.get("value") or "")
        if rid:
            by_name = str(e.get("parameter", "")).endswith("username")
            sink.add_profile(
                ProfileSnapshot(
                    platform=PLATFORM,
                    user_id=handle_key(rid) if by_name else rid,
                    observed_at=observed,
                    provenance=prov,
                    handle=rid if by_name else None,
                    status="suspended",
                    source=f"{NAME} (errors entry)",
                )
            )
