"""X API v2 archives: twarc2 JSONL, plain API response JSON, twarc's flattened JSONL, and
recorded HTTP exchanges (a JSON array of ``{uri, status, body}``).

A page's ``data`` and ``includes.tweets`` become posts, ``includes.users`` (and users in
``data`` of a users lookup) become profile snapshots dated by the page's retrieval time
(``__twarc.retrieved_at``), and ``errors`` entries are kept in ``api_errors``. Where a page
carries no retrieval time, the observation time falls back, in order, to ``--observed-at``, the
newest post in the page (a lower bound), then the file's modification time; the snapshot's
``source`` column says which was used.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from diplotrack.importers.base import BOM, Progress, Sink, file_mtime, parse_time, skip, strip_bom
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
WHOLE_FILE_LIMIT = 256 * 2**20  # a file that is not JSONL is parsed whole only up to this size

_REF_FIELD = {"retweeted": "reposted", "quoted": "quoted", "replied_to": "replied_to"}


class XV2Importer:
    name = NAME
    title = "X API v2 pages: twarc2 JSONL, API response JSON, twarc flattened JSONL, recorded exchanges"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        text = strip_bom(head).lstrip()
        if not text[:1] in (b"{", b"["):
            return False
        first = text.split(b"\n", 1)[0]
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            # a pretty-printed document or a first line cut by the sample: look for v2 keys
            return any(k in text for k in (b'"data"', b'"includes"', b'"__twarc"', b'"author_id"', b'"body"'))
        return _classify(obj) is not None

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        return read_file(path, sink, progress, observed_at=observed_at)


def _classify(obj: Any) -> str | None:
    """What kind of v2 object a parsed JSON value is, or None when it is none of them."""
    if isinstance(obj, dict):
        if "__twarc" in obj and "id" in obj and ("text" in obj or "author" in obj):
            return "flat-tweet"
        if any(k in obj for k in ("data", "includes", "errors")) and not ("id" in obj and "text" in obj):
            return "page"
        if "id" in obj and "text" in obj:
            return "flat-tweet"
        if "id" in obj and "username" in obj:
            return "flat-user"
        return None
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        if all("body" in x for x in obj):
            return "exchanges"
        if all(_classify(x) in ("flat-tweet", "flat-user") for x in obj):
            return "flat-list"
    return None


def iter_json_lines(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """Yield ``(line_number, line_bytes, bytes_consumed)`` for non-blank lines; BOM and the line
    terminator stripped, so a raw payload is the line's own bytes wherever the line sits in a file."""
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            size = len(line)
            if n == 1 and line.startswith(BOM):
                line = line[3:]
            if line.strip():
                yield n, line.rstrip(b"\r\n"), size
            else:
                yield n, b"", size


def read_file(path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
    file = str(path)
    mtime = file_mtime(path)
    read = 0
    for n, line, size in iter_json_lines(path):
        progress(size)
        if not line:
            continue
        if read == 0 and line.strip() in (b"{", b"[", b"[{"):
            # the first line opens a pretty-printed document (an API response saved with indent)
            return _read_whole(path, sink, observed_at=observed_at, mtime=mtime)
        read += 1
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            sink.add_skip(skip(file, n, _json_reason(line, exc)))
            continue
        kind = _classify(obj)
        if kind is None:
            sink.add_skip(skip(file, n, "valid JSON but not an X API v2 page, tweet or user object"))
            continue
        _map_object(obj, kind, line, sink, file=file, line=n, fallback=observed_at, mtime=mtime)
        sink.maybe_flush()
    return read


def _read_whole(path: Path, sink: Sink, *, observed_at: datetime | None, mtime: datetime) -> int:
    file = str(path)
    if path.stat().st_size > WHOLE_FILE_LIMIT:
        sink.add_skip(skip(file, 1, f"a pretty-printed JSON document over {WHOLE_FILE_LIMIT >> 20} MB: "
                                    "convert it to one page a line (JSONL)"))
        return 1
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[3:]
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        sink.add_skip(skip(file, _line_of(data, exc.pos), _json_reason(data, exc)))
        return 1
    kind = _classify(obj)
    if kind is None:
        sink.add_skip(skip(file, 1, "valid JSON but not an X API v2 page, tweet or user object"))
        return 1
    _map_object(obj, kind, data, sink, file=file, line=1, fallback=observed_at, mtime=mtime)
    return 1


def _line_of(data: bytes, pos: int | None) -> int:
    return data.count(b"\n", 0, pos or 0) + 1


def _json_reason(line: bytes, exc: orjson.JSONDecodeError) -> str:
    if b"\x00" in line[:4096]:
        return "binary data, not JSON"
    try:
        line[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text (binary data?)"
    msg = str(exc).split(":", 1)[0]
    if exc.pos is not None and exc.pos >= len(line.rstrip()) - 1:
        return f"truncated JSON ({msg} at byte {exc.pos})"
    return f"invalid JSON ({msg} at byte {exc.pos})"


# -- mapping (pure: objects in, records out) --------------------------------------------------


def _map_object(
    obj: Any,
    kind: str,
    payload: bytes,
    sink: Sink,
    *,
    file: str,
    line: int,
    fallback: datetime | None,
    mtime: datetime,
) -> None:
    twarc = obj.get("__twarc") if isinstance(obj, dict) else None
    retrieved = _time_or_none(twarc.get("retrieved_at")) if isinstance(twarc, dict) else None
    raw_id = sink.add_raw(NAME, payload, file=file, line=line, retrieved_at=retrieved)
    if kind == "page":
        map_page(obj, sink, file=file, line=line, raw_id=raw_id, retrieved=retrieved, fallback=fallback,
                 mtime=mtime, pointer="")
    elif kind == "exchanges":
        for i, ex in enumerate(obj):
            body = ex.get("body")
            if not isinstance(body, dict) or _classify(body) != "page":
                sink.add_skip(skip(file, line, f"exchange {i} ({ex.get('uri', '?')}) has no X API v2 page body"))
                continue
            map_page(body, sink, file=file, line=line, raw_id=raw_id, retrieved=retrieved,
                     fallback=fallback, mtime=mtime, pointer=f"/{i}/body")
    elif kind == "flat-list":
        for i, item in enumerate(obj):
            _map_flat(item, sink, file=file, line=line, raw_id=raw_id, retrieved=retrieved,
                      fallback=fallback, mtime=mtime, pointer=f"/{i}")
    else:
        _map_flat(obj, sink, file=file, line=line, raw_id=raw_id, retrieved=retrieved,
                  fallback=fallback, mtime=mtime, pointer="")


def _time_or_none(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except (ValueError, TypeError):
        return None


def _observation(
    retrieved: datetime | None, fallback: datetime | None, tweets: list[dict], mtime: datetime
) -> tuple[datetime, str]:
    if retrieved is not None:
        return retrieved, "retrieved_at"
    if fallback is not None:
        return fallback, "observed-at option"
    newest = max((t.get("created_at") or "" for t in tweets if isinstance(t, dict)), default="")
    t = _time_or_none(newest) if newest else None
    if t is not None:
        return t, "newest post in page (lower bound)"
    return mtime, "file modification time"


def map_page(
    page: dict,
    sink: Sink,
    *,
    file: str,
    line: int,
    raw_id: str,
    retrieved: datetime | None,
    fallback: datetime | None,
    mtime: datetime,
    pointer: str,
) -> None:
    includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
    data = page.get("data")
    items = [data] if isinstance(data, dict) else (data if isinstance(data, list) else [])
    # pointers index the raw lists (a single-object ``data`` is /data itself), not the filtered ones
    data_ptr = (lambda i: f"{pointer}/data") if isinstance(data, dict) else (lambda i: f"{pointer}/data/{i}")
    tweet_ix = [i for i, x in enumerate(items) if isinstance(x, dict) and "username" not in x]
    user_ix = [i for i, x in enumerate(items) if isinstance(x, dict) and "username" in x]
    tweets = [items[i] for i in tweet_ix]
    users = [items[i] for i in user_ix]
    inc_user_list = includes.get("users") if isinstance(includes.get("users"), list) else []
    inc_tweet_list = includes.get("tweets") if isinstance(includes.get("tweets"), list) else []
    inc_user_ix = [i for i, u in enumerate(inc_user_list) if isinstance(u, dict)]
    inc_tweet_ix = [i for i, t in enumerate(inc_tweet_list) if isinstance(t, dict)]
    inc_users = [inc_user_list[i] for i in inc_user_ix]
    inc_tweets = [inc_tweet_list[i] for i in inc_tweet_ix]
    media = {m.get("media_key"): m for m in includes.get("media") or [] if isinstance(m, dict)}
    observed, how = _observation(retrieved, fallback, tweets + inc_tweets, mtime)

    authors = {u.get("id"): u for u in inc_users + users if u.get("id")}
    tweet_authors = {t.get("id"): t.get("author_id") for t in tweets + inc_tweets if t.get("id")}

    def prov(ptr: str) -> Provenance:
        return Provenance(NAME, file, line, raw_id, ptr)

    for i, t in zip(tweet_ix, tweets, strict=True):
        _emit_tweet(t, sink, authors, tweet_authors, media, observed, prov(data_ptr(i)), file, line)
    for i, t in zip(inc_tweet_ix, inc_tweets, strict=True):
        _emit_tweet(t, sink, authors, tweet_authors, media, observed,
                    prov(f"{pointer}/includes/tweets/{i}"), file, line)
    for i, u in zip(user_ix, users, strict=True):
        _emit_user(u, sink, observed, how, prov(data_ptr(i)), file, line)
    for i, u in zip(inc_user_ix, inc_users, strict=True):
        _emit_user(u, sink, observed, how, prov(f"{pointer}/includes/users/{i}"), file, line)
    for i, e in enumerate(page.get("errors") or []):
        if isinstance(e, dict):
            _emit_error(e, sink, observed if retrieved else None, prov(f"{pointer}/errors/{i}"))


def _map_flat(
    obj: dict,
    sink: Sink,
    *,
    file: str,
    line: int,
    raw_id: str,
    retrieved: datetime | None,
    fallback: datetime | None,
    mtime: datetime,
    pointer: str,
) -> None:
    """twarc2's flattened form: one tweet a line, with author, referenced tweets and users inline."""

    def prov(ptr: str) -> Provenance:
        return Provenance(NAME, file, line, raw_id, ptr)

    if "username" in obj and "text" not in obj:
        observed, how = _observation(retrieved, fallback, [], mtime)
        _emit_user(obj, sink, observed, how, prov(pointer), file, line)
        return
    refs = [r for r in obj.get("referenced_tweets") or [] if isinstance(r, dict)]
    observed, how = _observation(retrieved, fallback, [obj, *refs], mtime)
    users: dict[str, dict] = {}
    for holder in [obj, *refs]:
        a = holder.get("author")
        if isinstance(a, dict) and a.get("id"):
            users[a["id"]] = a
        r = holder.get("in_reply_to_user")
        if isinstance(r, dict) and r.get("id"):
            users[r["id"]] = r
        for m in (holder.get("entities") or {}).get("mentions") or []:
            if isinstance(m, dict) and m.get("id") and "public_metrics" in m:
                users[m["id"]] = m
    tweet_authors = {t.get("id"): t.get("author_id") for t in [obj, *refs] if t.get("id")}
    _emit_tweet(obj, sink, users, tweet_authors, {}, observed, prov(pointer), file, line)
    for i, r in enumerate(refs):
        if "text" in r:
            _emit_tweet(r, sink, users, tweet_authors, {}, observed,
                        prov(f"{pointer}/referenced_tweets/{i}"), file, line)
    for uid, u in users.items():
        _emit_user(u, sink, observed, how, prov(f"{pointer}#user:{uid}"), file, line)


def _emit_tweet(
    t: dict,
    sink: Sink,
    authors: dict,
    tweet_authors: dict,
    media: dict,
    observed: datetime,
    prov: Provenance,
    file: str,
    line: int,
) -> None:
    try:
        post = map_tweet(t, authors, tweet_authors, media, observed, prov)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        sink.add_skip(skip(file, line, f"tweet at {prov.pointer or '/'} not imported: {exc}"))
        return
    sink.add_post(post)


def map_tweet(
    t: dict, authors: dict, tweet_authors: dict, media: dict, observed: datetime, prov: Provenance
) -> Post:
    """One v2 tweet object to a Post. Pure; raises ValueError on an object it cannot map."""
    post_id = t.get("id")
    if not isinstance(post_id, str | int) or not str(post_id).strip():
        raise ValueError("it has no id")
    post_id = str(post_id)
    author_id = t.get("author_id")
    author_id = str(author_id) if author_id is not None else None
    author = authors.get(author_id) if author_id else None
    if author is None and isinstance(t.get("author"), dict):
        author = t["author"]
    refs: dict[str, str] = {}
    for r in t.get("referenced_tweets") or []:
        if isinstance(r, dict) and r.get("type") in _REF_FIELD and r.get("id") is not None:
            refs.setdefault(r["type"], str(r["id"]))
    created = t.get("created_at")
    created_at = parse_time(created) if created is not None else None
    if created is not None and created_at is None:
        raise ValueError(f"created_at {created!r} is not a time")
    metrics = t.get("public_metrics") if isinstance(t.get("public_metrics"), dict) else None
    reposted = refs.get("retweeted")
    quoted = refs.get("quoted")
    replied = refs.get("replied_to")
    reply_user = t.get("in_reply_to_user_id")
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=author.get("username") if isinstance(author, dict) else None,
        created_at=created_at,
        text=t.get("text"),
        lang=t.get("lang"),
        kind=primary_kind(reposted=bool(reposted), quoted=bool(quoted), replied=bool(replied or reply_user)),
        provenance=prov,
        reposted_post_id=reposted,
        reposted_author_id=_str(tweet_authors.get(reposted)) if reposted else None,
        quoted_post_id=quoted,
        quoted_author_id=_str(tweet_authors.get(quoted)) if quoted else None,
        replied_to_post_id=replied,
        replied_to_author_id=_str(reply_user) if reply_user is not None else (
            _str(tweet_authors.get(replied)) if replied else None),
        conversation_id=_str(t.get("conversation_id")),
        source_client=t.get("source"),
    )
    if metrics is not None:
        post.like_count = _count(metrics.get("like_count"))
        post.repost_count = _count(metrics.get("retweet_count"))
        post.reply_count = _count(metrics.get("reply_count"))
        post.quote_count = _count(metrics.get("quote_count"))
        post.metrics_observed_at = observed
    post.entities = _entities(t, media)
    return post


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _entities(t: dict, media: dict) -> list[Entity]:
    ents = t.get("entities") if isinstance(t.get("entities"), dict) else {}
    out: list[Entity] = []
    for h in ents.get("hashtags") or []:
        if isinstance(h, dict) and h.get("tag"):
            out.append(Entity("hashtag", h["tag"], h["tag"].casefold()))
    for h in ents.get("cashtags") or []:
        if isinstance(h, dict) and h.get("tag"):
            out.append(Entity("cashtag", h["tag"], h["tag"].casefold()))
    for m in ents.get("mentions") or []:
        if isinstance(m, dict) and m.get("username"):
            out.append(Entity("mention", m["username"], m["username"].lower()))
    for u in ents.get("urls") or []:
        if isinstance(u, dict) and u.get("url"):
            expanded = u.get("unwound_url") or u.get("expanded_url") or u["url"]
            if u.get("media_key"):
                continue  # a media link: recorded as media below
            out.append(Entity("url", u["url"], expanded))
    attachments = t.get("attachments") if isinstance(t.get("attachments"), dict) else {}
    for key in attachments.get("media_keys") or []:
        m = media.get(key) or {}
        out.append(Entity("media", str(key), m.get("url") or m.get("preview_image_url") or m.get("type") or str(key)))
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in out:
        if (e.type, e.value) not in seen:
            seen.add((e.type, e.value))
            unique.append(e)
    return unique


def _emit_user(
    u: dict, sink: Sink, observed: datetime, how: str, prov: Provenance, file: str, line: int
) -> None:
    try:
        snap = map_user(u, observed, how, prov)
    except (ValueError, TypeError) as exc:
        sink.add_skip(skip(file, line, f"user at {prov.pointer or '/'} not imported: {exc}"))
        return
    sink.add_profile(snap)


def map_user(u: dict, observed: datetime, how: str, prov: Provenance) -> ProfileSnapshot:
    uid = u.get("id")
    if uid is None or not str(uid).strip():
        raise ValueError("it has no id")
    pm = u.get("public_metrics") if isinstance(u.get("public_metrics"), dict) else {}
    created = u.get("created_at")
    created_at = parse_time(created) if created else None
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=str(uid),
        observed_at=observed,
        provenance=prov,
        handle=u.get("username"),
        display_name=u.get("name"),
        description=u.get("description"),
        location=u.get("location"),
        created_at=created_at,
        followers=_count(pm.get("followers_count")),
        following=_count(pm.get("following_count")),
        posts_count=_count(pm.get("tweet_count")),
        verified=u.get("verified") if isinstance(u.get("verified"), bool) else None,
        status="protected" if u.get("protected") is True else "active",
        source=f"{NAME} ({how})",
    )


def _emit_error(e: dict, sink: Sink, observed: datetime | None, prov: Provenance) -> None:
    raw = orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode()
    sink.add_api_error(
        ApiError(
            platform=PLATFORM,
            provenance=prov,
            title=_str(e.get("title")),
            detail=_str(e.get("detail")),
            resource_type=_str(e.get("resource_type")),
            resource_id=_str(e.get("resource_id") or e.get("value")),
            raw=raw,
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
