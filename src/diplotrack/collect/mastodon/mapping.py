"""Mastodon REST API v1 responses to records. Pure: parsed JSON in, records out.

This module: statuses and timeline pages. Ids and addresses are ``identity``, accounts ``profiles``,
error bodies ``errors``.

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
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from diplotrack.collect.mastodon.identity import id_order, qid, qualify
from diplotrack.collect.source import TimelinePage
from diplotrack.importers.base import parse_time, quote_value
from diplotrack.provenance import Prov
from diplotrack.records import Entity, EntitySet, Post, Provenance, Skip, primary_kind
from diplotrack.store.raw import raw_id_of

PLATFORM = "mastodon"
FORMAT = "mastodon-v1"  # raw payloads of collected pages: a Mastodon REST API v1 JSON body
SOURCE = "mastodon-api"  # provenance.source of collected records


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


def as_time(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        t = parse_time(value)
    except ValueError:
        raise ValueError(f"{what} {quote_value(value)} is not a time") from None
    if t is not None and t.tzinfo is not None:  # parse_time promises naive UTC; hold it to that
        raise ValueError(f"{what} {quote_value(value)} did not parse to naive UTC")
    return t


def as_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def handle_of(acc: dict, instance: str) -> str | None:
    acct = as_str(acc.get("acct")) or as_str(acc.get("username"))
    return qualify(acct, instance) if acct else None


# -- statuses ------------------------------------------------------------------------------------


def _account_of(s: dict) -> dict:
    acc = s.get("account")
    if not isinstance(acc, dict) or not as_str(acc.get("id")):
        raise ValueError("its account has no id")
    return acc


def _metrics(post: Post, s: dict, observed: datetime) -> None:
    post.like_count = as_int(s.get("favourites_count"))
    post.repost_count = as_int(s.get("reblogs_count"))
    post.reply_count = as_int(s.get("replies_count"))
    post.quote_count = as_int(s.get("quotes_count"))
    if any(v is not None for v in (post.like_count, post.repost_count, post.reply_count, post.quote_count)):
        post.metrics_observed_at = observed


def _quoted(s: dict) -> tuple[str | None, dict | None]:
    """The quoted status id and, when embedded in full, the quoted status (Mastodon 4.4+)."""
    q = s.get("quote")
    if not isinstance(q, dict):
        return None, None
    qs = q.get("quoted_status")
    if isinstance(qs, dict) and as_str(qs.get("id")):
        return str(qs["id"]), qs
    return as_str(q.get("quoted_status_id")), None


def entities_of(s: dict, links: list[Link], instance: str) -> list[Entity]:
    found = EntitySet()
    add = found.add

    skip_urls: set[str] = set()
    for t in s.get("tags") or ():
        if isinstance(t, dict) and as_str(t.get("name")):
            name = str(t["name"]).lstrip("#")
            add("hashtag", name, name.casefold())
            if t.get("url"):
                skip_urls.add(str(t["url"]))
    for m in s.get("mentions") or ():
        if isinstance(m, dict) and as_str(m.get("acct")):
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
        if isinstance(m, dict) and as_str(m.get("id")):
            norm = as_str(m.get("url")) or as_str(m.get("remote_url")) or as_str(m.get("type"))
            key = qid(instance, m["id"])
            add("media", key, norm or key)
    return found.items


def map_status(
    s: dict, instance: str, observed: datetime, prov: Callable[[str], Provenance], pointer: str
) -> list[Post]:
    """One Status to its posts: itself, then any status it carries (boosted, quoted). Pure.

    Raises ValueError when the status itself cannot be mapped; an embedded status that cannot be
    mapped is left out (it is only context).
    """
    if not isinstance(s, dict) or not as_str(s.get("id")):
        raise ValueError("it has no id")
    acc = _account_of(s)
    created = as_time(s.get("created_at"), "created_at")
    author_id, handle = qid(instance, acc["id"]), handle_of(acc, instance)
    reblog = s.get("reblog")
    if isinstance(reblog, dict):
        try:
            inner = map_status(reblog, instance, observed, prov, pointer + "/reblog")
        except ValueError:
            inner = []
        rid = as_str(reblog.get("id"))
        racc = reblog.get("account")
        racc_id = as_str(racc.get("id")) if isinstance(racc, dict) else None
        post = Post(
            platform=PLATFORM,
            post_id=qid(instance, s["id"]),
            author_id=author_id,
            author_handle=handle,
            created_at=created,
            text=None,
            lang=as_str(s.get("language")),
            kind="repost",
            provenance=prov(pointer),
            reposted_post_id=qid(instance, rid) if rid else None,
            reposted_author_id=qid(instance, racc_id) if racc_id else None,
        )
        return [post, *inner]
    quoted_id, quoted = _quoted(s)
    text, links = parse_html(s.get("content"))
    reply_to = as_str(s.get("in_reply_to_id"))
    reply_acc = as_str(s.get("in_reply_to_account_id"))
    app = s.get("application")
    post = Post(
        platform=PLATFORM,
        post_id=qid(instance, s["id"]),
        author_id=author_id,
        author_handle=handle,
        created_at=created,
        text=text,
        lang=as_str(s.get("language")),
        kind=primary_kind(reposted=False, quoted=quoted_id is not None, replied=reply_to is not None),
        provenance=prov(pointer),
        quoted_post_id=qid(instance, quoted_id) if quoted_id else None,
        replied_to_post_id=qid(instance, reply_to) if reply_to else None,
        replied_to_author_id=qid(instance, reply_acc) if reply_acc else None,
        source_client=as_str(app.get("name")) if isinstance(app, dict) else None,
    )
    _metrics(post, s, observed)
    post.entities = entities_of(s, links, instance)
    out = [post]
    if quoted is not None:
        qacc = quoted.get("account")
        if isinstance(qacc, dict) and as_str(qacc.get("id")):
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
        local = as_str(s.get("id")) if isinstance(s, dict) else None
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
