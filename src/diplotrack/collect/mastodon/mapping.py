"""Mastodon REST API v1 responses to records. Pure: parsed JSON in, records out.

Identity
    The roster names an account ``user@instance``; ``parse_address`` also reads ``@user@instance``
    and a profile URL ``https://instance/@user``. Every id Mastodon gives (account, status, media)
    is local to the instance that answered, so it is stored qualified with that instance:
    ``user_id = "<instance>:<account id>"`` (``mastodon.social:109302436954721982``), ``post_id =
    "<instance>:<status id>"``, and another account met in a status (a boosted or quoted author, the
    author replied to) is ``"<instance we asked>:<its id there>"``. Caveat: one remote post seen
    through two instances has two ids (and its author two user ids); we ask each tracked account's
    own instance, so its own posts and its own id are stable, but a boost of a tracked account on
    another instance names that account by the booster's instance's id for it, not by its user id.
    Handles are qualified the same way: ``acct`` (``alice`` for a local account, ``bob@other.social``
    for a remote one) becomes ``alice@<instance>``, the form the roster uses.

Statuses
    An own status is an original, a reply (``in_reply_to_id``: replied_to ids qualified) or a quote
    (Mastodon 4.4+: a ``quote`` object whose ``quoted_status`` is a status, or a shallow quote with
    ``quoted_status_id``; absent on older servers). A boost (``reblog`` not null) is two records: a
    ``repost`` post by the account, dated by the boost and identified by the boost's own status id,
    with no text (a boost has none) and no metrics (a boost's own counters are always zero), and the
    boosted status itself, by its author. A quoted status embedded in full is also kept as a post.
    ``text`` is the content HTML as plain text (``html_to_text``): paragraphs become a blank line,
    ``<br>`` a newline, a link its text (Mastodon's ``invisible`` spans included, so a shortened URL
    reads whole), entities unescaped, and the ``quote-inline`` "RE: <link>" fallback dropped.
    Metrics: favourites → likes, reblogs → reposts, replies → replies, ``quotes_count`` → quotes
    (Mastodon 4.4+, else missing), observed at retrieval. ``source_client`` is ``application.name``.

Entities (as docs/data-model.md defines them: value as written, without ``#``/``@``)
    hashtag: ``tags[].name``, normalized case-folded; mention: ``mentions[].acct``, normalized to the
    lower-cased qualified handle (``alice@instance``), so it meets the roster's ``handle:`` keys;
    url: the ``href`` of each content link that is not a mention or hashtag link; media: the
    attachment's qualified id, normalized to its URL (else its type).

Profiles
    ``note`` as plain text; a suspended account (``suspended: true``) has its zeroed counters and
    emptied profile recorded as missing. A ``locked`` account (followers approved by hand) still
    shows its public posts to anyone: it is active, not protected.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import orjson

from diplotrack.collect.source import Found, Target, TimelinePage
from diplotrack.importers.base import parse_time
from diplotrack.provenance import Prov
from diplotrack.records import ApiError, Entity, Post, ProfileSnapshot, Provenance, Skip, primary_kind
from diplotrack.store.raw import raw_id_of

PLATFORM = "mastodon"
FORMAT = "mastodon-v1"  # raw payloads of collected pages: a Mastodon REST API v1 JSON body
SOURCE = "mastodon-api"  # provenance.source of collected records

# -- identity ------------------------------------------------------------------------------------

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def parse_address(text: str) -> tuple[str, str]:
    """``(user, instance)`` of ``user@instance``, ``@user@instance`` or ``https://instance/@user``.

    The instance is lower-cased (domains ignore case); the user part keeps its case. A profile URL
    of a remote account as another instance shows it (``https://a.example/@bob@b.example``) names
    ``bob@b.example``. Raises ValueError on anything else.
    """
    s = text.strip()
    if s.lower().startswith(("https://", "http://")):
        parts = urlsplit(s)
        path = parts.path.strip("/")
        if parts.query or parts.fragment or not path.startswith("@") or "/" in path:
            raise ValueError(f"{text!r} is not a Mastodon profile URL (expected https://instance/@user)")
        user, _, host = path[1:].partition("@")
        instance = host or parts.netloc
    else:
        if s.startswith("@"):
            s = s[1:]
        user, sep, instance = s.partition("@")
        if not sep:
            raise ValueError(f"{text!r} is not a Mastodon address; write it as user@instance")
    if not _USER.fullmatch(user) or not _HOST.fullmatch(instance):
        raise ValueError(f"{text!r} is not a Mastodon address; write it as user@instance")
    return user, instance.lower()


def qualify(acct: str, instance: str) -> str:
    """``acct`` as ``user@instance``: a local account (no ``@``) gains the instance that answered."""
    return acct if "@" in acct else f"{acct}@{instance}"


def qid(instance: str, local: object) -> str:
    """An instance-local id as stored: ``<instance>:<local id>``."""
    return f"{instance}:{local}"


def split_id(stored: str) -> tuple[str | None, str]:
    """``(instance, local id)`` of a stored id; ``(None, id)`` for a bare local id."""
    instance, sep, local = stored.rpartition(":")
    return (instance, local) if sep and instance else (None, stored)


def id_order(local: str) -> tuple[int, str]:
    """Sort key of Mastodon ids: strings of digits of growing length (compare by length, then text)."""
    return len(local), local


# -- HTML ----------------------------------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "source"})


@dataclass
class Link:
    href: str
    classes: frozenset[str]
    rel: frozenset[str]
    text: str


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pending = 0  # newlines owed before the next text
        self.links: list[Link] = []
        self._link: tuple[str, frozenset[str], frozenset[str], int] | None = None
        self._skip: list[str] = []  # open tags of a skipped subtree (the quote-inline fallback)

    def _trailing_newlines(self) -> int:
        n = 0
        for part in reversed(self.out):
            stripped = part.rstrip("\n")
            n += len(part) - len(stripped)
            if stripped:
                break
        return n

    def _emit(self, text: str) -> None:
        if self.pending and self.out:
            self.out.append("\n" * max(0, self.pending - self._trailing_newlines()))
        self.pending = 0
        self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = frozenset(a.get("class", "").split())
        if self._skip:
            if tag not in _VOID:
                self._skip.append(tag)
            return
        if "quote-inline" in classes and tag not in _VOID:
            self._skip.append(tag)
            return
        if tag == "br":
            self._emit("\n")
        elif tag in _BLOCKS:
            self.pending = max(self.pending, 2)
        elif tag == "li":
            self.pending = max(self.pending, 1)
        elif tag == "a":
            self._link = (a.get("href", ""), classes, frozenset(a.get("rel", "").split()), len(self.out))

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag in self._skip:
                root = self._skip[0]
                while self._skip and self._skip.pop() != tag:
                    pass
                if not self._skip and root in _BLOCKS:
                    self.pending = max(self.pending, 2)
            return
        if tag in _BLOCKS:
            self.pending = max(self.pending, 2)
        elif tag == "li":
            self.pending = max(self.pending, 1)
        elif tag == "a" and self._link is not None:
            href, classes, rel, start = self._link
            self.links.append(Link(href, classes, rel, "".join(self.out[start:]).strip()))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._skip or not data:
            return
        if not data.strip() and "\n" in data:
            return  # layout whitespace between tags
        self._emit(data)

    def text(self) -> str:
        return "".join(self.out).strip()


def parse_html(html: str | None) -> tuple[str, list[Link]]:
    """Plain text of Mastodon's HTML and the links in it (stdlib parser; entities unescaped)."""
    if not html:
        return "", []
    p = _Text()
    p.feed(html)
    p.close()
    return p.text(), p.links


def html_to_text(html: str | None) -> str:
    return parse_html(html)[0]


# -- time ----------------------------------------------------------------------------------------


def _time(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        t = parse_time(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a time") from None
    if t is not None and t.tzinfo is not None:  # parse_time promises naive UTC; hold it to that
        raise ValueError(f"{what} {value!r} did not parse to naive UTC")
    return t


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- accounts ------------------------------------------------------------------------------------


def _handle(acc: dict, instance: str) -> str | None:
    acct = _str(acc.get("acct")) or _str(acc.get("username"))
    return qualify(acct, instance) if acct else None


def map_account(obj: dict, instance: str, observed: datetime, prov: Provenance) -> ProfileSnapshot:
    """One Account to a ProfileSnapshot. Pure; raises ValueError on an account it cannot map."""
    if not isinstance(obj, dict) or not _str(obj.get("id")):
        raise ValueError("the account has no id")
    suspended = obj.get("suspended") is True
    handle = _handle(obj, instance)
    note = None if suspended else (html_to_text(obj.get("note")) or None)
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=qid(instance, obj["id"]),
        observed_at=observed,
        provenance=prov,
        handle=handle,
        display_name=None if suspended else _str(obj.get("display_name")),
        description=note,
        created_at=_time(obj.get("created_at"), "created_at"),
        # a suspended account's counters read 0 because they are hidden, not because they are 0
        followers=None if suspended else _int(obj.get("followers_count")),
        following=None if suspended else _int(obj.get("following_count")),
        posts_count=None if suspended else _int(obj.get("statuses_count")),
        status="suspended" if suspended else "active",
        source=f"{SOURCE} (retrieved_at)",
    )


def found_account(target: Target, obj: dict, instance: str) -> Found:
    """What a 200 lookup says: the account's qualified id and current handle (``acct`` qualified: a
    changed username is a new handle, which the engine records as a rename), active or suspended."""
    return Found(
        target,
        "suspended" if obj.get("suspended") is True else "active",
        user_id=qid(instance, obj["id"]),
        handle=_handle(obj, instance),
    )


def error_text(body: bytes) -> str | None:
    """The ``error`` of an Error body (``{"error": "Record not found"}``), else None."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(obj, dict) and obj.get("error"):
        return str(obj["error"])[:500]
    return None


# 410 Gone: "Account is suspended (since 2.4.0 and until 3.3.0)" (docs.joinmastodon.org/methods/accounts);
# since 3.3.0 a suspended account is a 200 with suspended: true, and Mastodon has no separate "deleted"
GONE_STATUS = "suspended"


def found_refused(target: Target, status_code: int, body: bytes) -> Found:
    """What a 404 (no such account) or 410 (gone: suspended, on Mastodon 2.4 to 3.2) lookup says."""
    said = error_text(body)
    if status_code == 410:
        detail = f"HTTP 410 Gone{': ' + said if said else ''} (Mastodon 2.4 to 3.2 answer this for a suspended account)"
        return Found(target, GONE_STATUS, user_id=target.user_id, detail=detail)
    return Found(target, "not_found", user_id=target.user_id, detail=f"HTTP {status_code}: {said or 'not found'}")


def api_error(status_code: int, body: bytes, url: str, user_id: str) -> ApiError:
    """A 404/410 on an account's statuses, kept (the raw text names the URL, so errors stay distinct)."""
    said = error_text(body)
    raw = orjson.dumps({"status": status_code, "url": url, "error": said}, option=orjson.OPT_SORT_KEYS).decode()
    return ApiError(
        platform=PLATFORM,
        provenance=Prov(SOURCE, url, None, raw_id_of(body))(""),
        title=f"HTTP {status_code}",
        detail=said,
        resource_type="account",
        resource_id=user_id,
        raw=raw,
    )


# -- statuses ------------------------------------------------------------------------------------


def _account_of(s: dict) -> dict:
    acc = s.get("account")
    if not isinstance(acc, dict) or not _str(acc.get("id")):
        raise ValueError("its account has no id")
    return acc


def _metrics(post: Post, s: dict, observed: datetime) -> None:
    post.like_count = _int(s.get("favourites_count"))
    post.repost_count = _int(s.get("reblogs_count"))
    post.reply_count = _int(s.get("replies_count"))
    post.quote_count = _int(s.get("quotes_count"))
    if any(v is not None for v in (post.like_count, post.repost_count, post.reply_count, post.quote_count)):
        post.metrics_observed_at = observed


def _quoted(s: dict) -> tuple[str | None, dict | None]:
    """The quoted status id and, when embedded in full, the quoted status (Mastodon 4.4+)."""
    q = s.get("quote")
    if not isinstance(q, dict):
        return None, None
    qs = q.get("quoted_status")
    if isinstance(qs, dict) and _str(qs.get("id")):
        return str(qs["id"]), qs
    return _str(q.get("quoted_status_id")), None


def entities_of(s: dict, links: list[Link], instance: str) -> list[Entity]:
    out: list[Entity] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, normalized: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append(Entity(kind, value, normalized))

    skip_urls: set[str] = set()
    for t in s.get("tags") or ():
        if isinstance(t, dict) and _str(t.get("name")):
            name = str(t["name"]).lstrip("#")
            add("hashtag", name, name.casefold())
            if t.get("url"):
                skip_urls.add(str(t["url"]))
    for m in s.get("mentions") or ():
        if isinstance(m, dict) and _str(m.get("acct")):
            acct = str(m["acct"])
            add("mention", acct, qualify(acct, instance).lower())
            if m.get("url"):
                skip_urls.add(str(m["url"]))
    for link in links:
        if not link.href or link.href in skip_urls:
            continue
        if "mention" in link.classes or "hashtag" in link.classes or "tag" in link.rel:
            continue
        if not link.href.lower().startswith(("http://", "https://")):
            continue
        add("url", link.href, link.href)
    for m in s.get("media_attachments") or ():
        if isinstance(m, dict) and _str(m.get("id")):
            norm = _str(m.get("url")) or _str(m.get("remote_url")) or _str(m.get("type"))
            key = qid(instance, m["id"])
            add("media", key, norm or key)
    return out


def map_status(
    s: dict, instance: str, observed: datetime, prov: Callable[[str], Provenance], pointer: str
) -> list[Post]:
    """One Status to its posts: itself, then any status it carries (boosted, quoted). Pure.

    Raises ValueError when the status itself cannot be mapped; an embedded status that cannot be
    mapped is left out (it is only context).
    """
    if not isinstance(s, dict) or not _str(s.get("id")):
        raise ValueError("it has no id")
    acc = _account_of(s)
    created = _time(s.get("created_at"), "created_at")
    author_id, handle = qid(instance, acc["id"]), _handle(acc, instance)
    reblog = s.get("reblog")
    if isinstance(reblog, dict):
        try:
            inner = map_status(reblog, instance, observed, prov, pointer + "/reblog")
        except ValueError:
            inner = []
        rid = _str(reblog.get("id"))
        racc = reblog.get("account")
        racc_id = _str(racc.get("id")) if isinstance(racc, dict) else None
        post = Post(
            platform=PLATFORM,
            post_id=qid(instance, s["id"]),
            author_id=author_id,
            author_handle=handle,
            created_at=created,
            text=None,
            lang=_str(s.get("language")),
            kind="repost",
            provenance=prov(pointer),
            reposted_post_id=qid(instance, rid) if rid else None,
            reposted_author_id=qid(instance, racc_id) if racc_id else None,
        )
        return [post, *inner]
    quoted_id, quoted = _quoted(s)
    text, links = parse_html(s.get("content"))
    reply_to = _str(s.get("in_reply_to_id"))
    reply_acc = _str(s.get("in_reply_to_account_id"))
    app = s.get("application")
    post = Post(
        platform=PLATFORM,
        post_id=qid(instance, s["id"]),
        author_id=author_id,
        author_handle=handle,
        created_at=created,
        text=text,
        lang=_str(s.get("language")),
        kind=primary_kind(reposted=False, quoted=quoted_id is not None, replied=reply_to is not None),
        provenance=prov(pointer),
        quoted_post_id=qid(instance, quoted_id) if quoted_id else None,
        replied_to_post_id=qid(instance, reply_to) if reply_to else None,
        replied_to_author_id=qid(instance, reply_acc) if reply_acc else None,
        source_client=_str(app.get("name")) if isinstance(app, dict) else None,
    )
    _metrics(post, s, observed)
    post.entities = entities_of(s, links, instance)
    out = [post]
    if quoted is not None:
        qacc = quoted.get("account")
        if isinstance(qacc, dict) and _str(qacc.get("id")):
            post.quoted_author_id = qid(instance, qacc["id"])
        with contextlib.suppress(ValueError):  # an embedded status is context: left out when unmappable
            out.extend(map_status(quoted, instance, observed, prov, pointer + "/quote/quoted_status"))
    return out


def map_timeline(
    statuses: list,
    instance: str,
    url: str,
    body: bytes,
    retrieved: datetime,
    *,
    limit: int,
    since_at: datetime | None = None,
) -> TimelinePage:
    """One page of ``GET /api/v1/accounts/:id/statuses`` (newest first), and where the sweep goes next.

    ``next_cursor`` is the smallest local id of the page (the next request's ``max_id``); the sweep
    is ``done`` when the page is shorter than ``limit`` (no extra request for an empty page), or,
    with ``since_at``, when it reaches a status created at or before it (that status and older
    ones are left out, as ``since_id``/``start_time`` leave them out elsewhere).
    """
    prov = Prov(SOURCE, url, None, raw_id_of(body))
    page = TimelinePage(items=len(statuses))
    reached = False
    ids: list[str] = []
    for i, s in enumerate(statuses):
        local = _str(s.get("id")) if isinstance(s, dict) else None
        if local is not None:
            ids.append(local)
        try:
            posts = map_status(s, instance, retrieved, prov, f"/{i}")
        except ValueError as exc:
            page.skips.append(Skip(url, None, f"status at /{i} not collected: {exc}"))
            continue
        own = posts[0]
        if since_at is not None and own.created_at is not None and own.created_at <= since_at:
            reached = True
            continue
        page.posts.extend(posts)
        page.seen.append((own.post_id, own.created_at))
    page.done = reached or len(statuses) < limit or not ids
    page.next_cursor = None if page.done else min(ids, key=id_order)
    return page
