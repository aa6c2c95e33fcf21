"""X API v2 archives: twarc2 JSONL, plain API response JSON, twarc's flattened JSONL, and
recorded HTTP exchanges (a JSON array of ``{uri, status, body}``).

A page's ``data`` and ``includes.tweets`` become posts, ``includes.users`` (and users in
``data`` of a users lookup) become profile snapshots dated by the page's retrieval time
(``__twarc.retrieved_at``), and ``errors`` entries are kept in ``api_errors``. Where a page
carries no retrieval time, the observation time falls back, in order, to ``--observed-at``, the
newest post in the page (a lower bound), then the file's modification time; the snapshot's
``source`` column says which was used.

Lines are decoded straight into typed structs (x_v2_types); a line whose shape does not match
is decoded again leniently, object by object, so one malformed tweet costs that tweet, not its
page. Large files are read in chunks by worker processes (importers/chunks.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import orjson

from diplotrack.importers.base import BOM, Progress, Sink, file_mtime, parse_time, skip, strip_bom
from diplotrack.importers.chunks import ChunkContext, read_chunked
from diplotrack.importers.x_v2_types import (
    LINE_DECODER,
    UNSET,
    Includes,
    Line,
    Media,
    Twarc,
    XObject,
)
from diplotrack.records import (
    ApiError,
    Entity,
    Post,
    ProfileSnapshot,
    Provenance,
    handle_key,
    primary_kind,
)

PLATFORM = "x"
NAME = "x-v2"
WHOLE_FILE_LIMIT = 256 * 2**20  # a pretty-printed (not one-page-a-line) file is parsed whole up to this
NOT_V2 = "valid JSON but not an X API v2 page, tweet or user object"


class XV2Importer:
    name = NAME
    title = "X API v2 pages: twarc2 JSONL, API response JSON, twarc flattened JSONL, recorded exchanges"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        text = strip_bom(head).lstrip()
        if text[:1] not in (b"{", b"["):
            return False
        first = text.split(b"\n", 1)[0]
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            # a pretty-printed document, or a first line longer than the sample: look for v2 keys
            return any(k in text for k in (b'"data"', b'"includes"', b'"__twarc"', b'"author_id"', b'"body"'))
        return _classify_generic(obj) is not None

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 16)
        if strip_bom(first).strip() in (b"{", b"[", b"[{"):
            # the first line opens a pretty-printed document (an API response saved with indent)
            n = _read_whole(path, sink, observed_at=observed_at)
            progress(path.stat().st_size)
            return n
        ctx = ChunkContext(file=str(path), observed_at=observed_at, mtime=file_mtime(path))
        return read_chunked(path, ctx, map_lines, sink, progress)


# -- reading ---------------------------------------------------------------------------------


def map_lines(lines: list[bytes], first_line: int, ctx: ChunkContext, sink: Sink) -> int:
    """Map JSONL lines (numbered from ``first_line``) into the sink; returns lines read."""
    n = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        n += 1
        lineno = first_line + i
        try:
            obj = LINE_DECODER.decode(line)
        except msgspec.ValidationError:
            obj = _lenient_line(line, ctx, lineno, sink)
            if obj is None:
                continue
        except msgspec.DecodeError as exc:
            sink.add_skip(skip(ctx.file, lineno, _json_reason(line, exc)))
            continue
        if not _map_line(obj, line, ctx, lineno, sink):
            sink.add_skip(skip(ctx.file, lineno, NOT_V2))
    return n


def _lenient_line(line: bytes, ctx: ChunkContext, lineno: int, sink: Sink) -> Line | None:
    """Decode a line whose shape did not match, keeping every object that does.

    A line that holds a JSON array (recorded exchanges, a list of flattened tweets written on one
    line) is mapped here as a whole document and None is returned."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        sink.add_skip(skip(ctx.file, lineno, _json_reason(line, exc)))
        return None
    if isinstance(obj, list):
        _map_document(obj, line, ctx, lineno, sink)
        return None
    if not isinstance(obj, dict):
        sink.add_skip(skip(ctx.file, lineno, NOT_V2))
        return None
    return lenient(obj, ctx.file, lineno, sink)


def lenient(obj: dict, file: str, lineno: int, sink: Sink, where: str = "") -> Line | None:
    """Convert a generic dict to a ``Line`` object by object; report each object that does not fit."""

    def conv(value: Any, typ: type, path: str) -> Any:
        try:
            return msgspec.convert(value, typ, strict=False)
        except msgspec.ValidationError as exc:
            sink.add_skip(skip(file, lineno, f"{where}{path} not imported: {exc}"))
            return None

    def conv_list(value: Any, typ: type, path: str) -> list | None:
        if value is None:
            return None
        if not isinstance(value, list):
            sink.add_skip(skip(file, lineno, f"{where}{path} not imported: expected an array"))
            return None
        items = (conv(v, typ, f"{path}[{i}]") for i, v in enumerate(value))
        return [x for x in items if x is not None]

    top = {k: v for k, v in obj.items() if k not in ("data", "includes", "errors", "__twarc")}
    line = conv(top, Line, "$") if top else Line()
    if line is None:
        return None
    if "data" in obj:
        data = obj["data"]
        line.data = conv(data, XObject, "$.data") if isinstance(data, dict) else conv_list(data, XObject, "$.data")
    if "includes" in obj:
        inc = obj["includes"]
        if isinstance(inc, dict):
            line.includes = Includes(
                users=conv_list(inc.get("users"), XObject, "$.includes.users"),
                tweets=conv_list(inc.get("tweets"), XObject, "$.includes.tweets"),
                media=conv_list(inc.get("media"), Media, "$.includes.media"),
            )
        else:
            sink.add_skip(skip(file, lineno, f"{where}$.includes not imported: expected an object"))
            line.includes = None
    if "errors" in obj:
        errs = obj["errors"]
        if isinstance(errs, list):
            line.errors = [msgspec.Raw(orjson.dumps(e)) for e in errs]
        else:
            line.errors = None
            sink.add_skip(skip(file, lineno, f"{where}$.errors not imported: expected an array"))
    tw = obj.get("__twarc")
    line.twarc = conv(tw, Twarc, "$.__twarc") if isinstance(tw, dict) else None
    return line


def _read_whole(path: Path, sink: Sink, *, observed_at: datetime | None) -> int:
    file = str(path)
    if path.stat().st_size > WHOLE_FILE_LIMIT:
        sink.add_skip(
            skip(
                file,
                1,
                f"a pretty-printed JSON document over {WHOLE_FILE_LIMIT >> 20} MB: "
                "convert it to one page a line (JSONL)",
            )
        )
        return 1
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[3:]
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        sink.add_skip(skip(file, data.count(b"\n", 0, exc.pos or 0) + 1, _json_reason(data, exc)))
        return 1
    ctx = ChunkContext(file=file, observed_at=observed_at, mtime=file_mtime(path))
    _map_document(obj, data, ctx, 1, sink)
    return 1


def _map_document(obj: Any, data: bytes, ctx: ChunkContext, lineno: int, sink: Sink) -> None:
    """Map a whole JSON document (or a one-line JSON array): a page, a flattened object, a list
    of flattened objects, or recorded exchanges."""
    file = ctx.file
    kind = _classify_generic(obj)
    if kind == "exchanges":
        raw_id = sink.add_raw(NAME, data, file=file, line=lineno, retrieved_at=None)
        for i, ex in enumerate(obj):
            body = ex.get("body")
            line = lenient(body, file, lineno, sink, where=f"/{i}/body ") if isinstance(body, dict) else None
            if line is None or not _map_line(line, None, ctx, lineno, sink, raw_id=raw_id, pointer=f"/{i}/body"):
                sink.add_skip(skip(file, lineno, f"exchange {i} ({ex.get('uri', '?')}) has no X API v2 page body"))
    elif kind == "flat-list":
        raw_id = sink.add_raw(NAME, data, file=file, line=lineno, retrieved_at=None)
        for i, item in enumerate(obj):
            line = lenient(item, file, lineno, sink, where=f"/{i} ")
            if line is not None:
                _map_line(line, None, ctx, lineno, sink, raw_id=raw_id, pointer=f"/{i}")
    elif kind in ("page", "flat-tweet", "flat-user"):
        line = lenient(obj, file, lineno, sink)
        if line is not None:
            _map_line(line, data, ctx, lineno, sink)
    else:
        sink.add_skip(skip(file, lineno, NOT_V2))


def _classify_generic(obj: Any) -> str | None:
    """What kind of v2 object a parsed JSON value is, or None when it is none of them."""
    if isinstance(obj, dict):
        if any(k in obj for k in ("data", "includes", "errors")) and not ("id" in obj and "text" in obj):
            return "page"
        if "id" in obj and ("text" in obj or "author" in obj):
            return "flat-tweet"
        if "id" in obj and "username" in obj:
            return "flat-user"
        return None
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        if all("body" in x for x in obj):
            return "exchanges"
        if all(_classify_generic(x) in ("flat-tweet", "flat-user") for x in obj):
            return "flat-list"
    return None


def _json_reason(line: bytes, exc: Exception) -> str:
    if b"\x00" in line[:4096]:
        return "binary data, not JSON"
    try:
        line[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text (binary data?)"
    msg = str(exc).split(" - ")[0].split(":")[0].strip() or "invalid JSON"
    stripped = len(line.rstrip())
    pos = getattr(exc, "pos", None)
    if pos is None:
        # msgspec does not expose the position: truncated when the text has unbalanced braces
        text = line.rstrip()
        if text[:1] in (b"{", b"[") and text[-1:] not in (b"}", b"]"):
            return f"truncated JSON ({msg})"
        return f"invalid JSON ({msg})"
    if pos >= stripped - 1:
        return f"truncated JSON ({msg} at byte {pos})"
    return f"invalid JSON ({msg} at byte {pos})"


# -- mapping (pure: objects in, records out) --------------------------------------------------


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
    prov = _ProvMaker(ctx.file, lineno, raw_id, pointer)
    if is_page:
        map_page(obj, sink, prov, retrieved=retrieved, fallback=ctx.observed_at, mtime=ctx.mtime)
    else:
        map_flat(obj, sink, prov, retrieved=retrieved, fallback=ctx.observed_at, mtime=ctx.mtime)
    return True


class _ProvMaker:
    __slots__ = ("file", "line", "raw_id", "base")

    def __init__(self, file: str, line: int, raw_id: str, base: str) -> None:
        self.file, self.line, self.raw_id, self.base = file, line, raw_id, base

    def __call__(self, pointer: str) -> Provenance:
        return Provenance(NAME, self.file, self.line, self.raw_id, self.base + pointer)


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
    prov: _ProvMaker,
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
    prov: _ProvMaker,
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
    prov: _ProvMaker,
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
            raise ValueError(f"created_at {t.created_at!r} is not a time") from None
    reply_user = _sid(t.in_reply_to_user_id)
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=author.username if author is not None else None,
        created_at=created_at,
        text=t.text,
        lang=t.lang,
        kind=primary_kind(reposted=bool(reposted), quoted=bool(quoted), replied=bool(replied or reply_user)),
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
        post.like_count = m.like_count
        post.repost_count = m.retweet_count
        post.reply_count = m.reply_count
        post.quote_count = m.quote_count
        post.metrics_observed_at = observed
    post.entities = _entities(t, media)
    return post


def _entities(t: XObject, media: dict[str | None, Media]) -> list[Entity]:
    out: list[Entity] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, normalized: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append(Entity(kind, value, normalized))

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
    return out


def _emit_user(u: XObject, sink: Sink, observed: datetime, how: str, prov: _ProvMaker, pointer: str) -> None:
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
            raise ValueError(f"created_at {u.created_at!r} is not a time") from None
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
        followers=pm.followers_count if pm else None,
        following=pm.following_count if pm else None,
        posts_count=pm.tweet_count if pm else None,
        verified=u.verified,
        status="protected" if u.protected is True else "active",
        source=f"{NAME} ({how})",
    )


def _emit_error(raw: msgspec.Raw, sink: Sink, observed: datetime | None, prov: Provenance) -> None:
    try:
        e = orjson.loads(bytes(raw))
    except orjson.JSONDecodeError:
        return
    if not isinstance(e, dict):
        e = {"value": e}
    text = orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode()

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
