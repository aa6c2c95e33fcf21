"""A channel's page (``https://www.youtube.com/@name``) to its channel id, without a key. Pure.

The page's markup names the channel id in several places; the first found, in this order, is
taken: ``<link rel="canonical" href=".../channel/UC…">``, ``<meta itemprop="identifier" content="UC…">``
(also ``itemprop="channelId"``), ``<link rel="alternate" type="application/rss+xml"
href=".../feeds/videos.xml?channel_id=UC…">``. The HTML is untrusted: it is parsed with selectolax
(lexbor), and only a value of the channel id's exact form is accepted. A page that names two different ids there
is refused (which one is the handle's, it cannot say).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser

from diplotrack.collect.youtube.spec import is_channel_id


def channel_ids_of(body: bytes) -> list[str]:
    """Every distinct channel id the page names in those places, in that order."""
    tree = LexborHTMLParser(body.decode("utf-8", "replace"))
    found: list[str] = []
    for node in tree.css('link[rel="canonical"]'):
        path = urlsplit(node.attributes.get("href") or "").path.rstrip("/")
        head, _, last = path.rpartition("/")
        if head.endswith("/channel") and is_channel_id(last):
            found.append(last)
    for node in tree.css('meta[itemprop="identifier"], meta[itemprop="channelId"]'):
        value = (node.attributes.get("content") or "").strip()
        if is_channel_id(value):
            found.append(value)
    for node in tree.css('link[rel="alternate"][type="application/rss+xml"]'):
        ids = parse_qs(urlsplit(node.attributes.get("href") or "").query).get("channel_id", [])
        if ids and is_channel_id(ids[0]):
            found.append(ids[0])
    return list(dict.fromkeys(found))


def channel_id_of(body: bytes) -> str | None:
    """The channel id the page names, or None: not a channel page (a consent wall, an error page),
    or a page that names several channels in those places (which one the handle is, it cannot say)."""
    ids = channel_ids_of(body)
    return ids[0] if len(ids) == 1 else None
