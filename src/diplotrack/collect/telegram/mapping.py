"""A channel's web preview page (``t.me/s/<name>[?before=<id>]``) to records. Pure: bytes in, records out.

This module reads whole pages: whether a page is a channel's preview at all, its messages (each one
by ``messages.map_message``), and where the sweep goes next. The profile page is ``profiles``, one
message ``messages``, its text ``text``.

Paging: a page shows about 20 messages, oldest first, the newest at the bottom; the link to older
ones (``a.tme_messages_more[data-before]``) is absent on the page that reaches the channel's first
message. ``next_cursor`` is the smallest message id of the page (the next request's ``before``);
the sweep is ``done`` when the page has no older link or no message, when it reaches the sweep's
lower bound (a message id at or below ``since_id``'s, or created at or before ``since_at``: those
are left out), or when the page would not move the sweep further back (a loop guard).

What is refused (``MalformedPage``: the URL and the reason are reported, the raw bytes kept, the
sweep's cursor stays and the page is asked again next run; nothing is judged deleted from it):
a page without its closing ``</html>`` (cut short), a page with no channel header (not a
preview: a throttled or changed page), and a page whose message blocks cannot be read as messages
(markup drift: ``.tgme_widget_message_wrap`` blocks without ``data-post``, or a history with content
and no message block). A message whose id is readable but whose date is not is skipped alone, with
its URL and reason, and still counts as seen (it is not judged deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.source import TimelinePage
from diplotrack.collect.telegram.messages import PLATFORM, Unreadable, map_message, message_id, post_key
from diplotrack.provenance import Prov
from diplotrack.records import Skip
from diplotrack.store.raw import raw_id_of

__all__ = ["FORMAT", "PLATFORM", "SOURCE", "Bounds", "map_timeline", "parse_page"]

FORMAT = "telegram-web"  # raw payloads of collected pages: a t.me HTML page
SOURCE = "telegram-web"  # provenance.source of collected records


@dataclass(frozen=True)
class Bounds:
    """The sweep's lower bound (exclusive) and the page it asked for (``before``)."""

    since_id: int | None = None
    since_at: datetime | None = None
    before: int | None = None


def parse_page(body: bytes, url: str) -> LexborHTMLParser:
    """The parsed page; ``MalformedPage`` when it was cut short."""
    if b"</html>" not in body[-512:].lower():  # t.me ends a page with </html> and a timing comment
        raise MalformedPage(f"the page was cut short ({len(body)} bytes, no closing </html>)", url=url, body=body)
    return LexborHTMLParser(body.decode("utf-8", errors="replace"))


def is_preview(tree: LexborHTMLParser) -> bool:
    """Whether the page is a channel's web preview (it has the channel header)."""
    return tree.css_first(".tgme_channel_info") is not None


def _check_blocks(tree: LexborHTMLParser, url: str, body: bytes) -> list:
    messages = [m for m in tree.css(".tgme_widget_message[data-post]") if message_id(m) is not None]
    wraps = tree.css(".tgme_widget_message_wrap")
    if len(wraps) > len(messages):
        raise MalformedPage(
            f"changed markup: {len(wraps) - len(messages)} of {len(wraps)} message blocks have no readable "
            "data-post id",
            url=url,
            body=body,
        )
    if not messages:
        history = tree.css_first(".tgme_channel_history")
        if history is None:
            raise MalformedPage(
                "changed markup: the page has no message history (.tgme_channel_history)", url=url, body=body
            )
        if any(c.tag not in ("-text", "-comment") for c in history.iter(include_text=False)):
            raise MalformedPage(
                "changed markup: the message history has content but no message block (.tgme_widget_message)",
                url=url,
                body=body,
            )
    return messages


def _older(tree: LexborHTMLParser) -> int | None:
    more = tree.css_first(".tme_messages_more[data-before]")
    value = more.attributes.get("data-before") if more is not None else None
    return int(value) if value and value.isdigit() else None


def map_timeline(body: bytes, url: str, channel: str, retrieved: datetime, bounds: Bounds) -> TimelinePage:
    """One preview page of ``channel`` to its posts, skips, seen ids and next cursor.

    Raises ``MalformedPage`` for a page that is cut short, not a preview, or not readable as one."""
    tree = parse_page(body, url)
    if not is_preview(tree):
        raise MalformedPage(
            "not a channel preview: the page has no channel header (.tgme_channel_info)", url=url, body=body
        )
    blocks = _check_blocks(tree, url, body)
    prov = Prov(SOURCE, url, None, raw_id_of(body))
    page = TimelinePage(items=len(blocks))
    ids: list[int] = []
    reached = False
    for i, block in enumerate(blocks):
        ident = message_id(block)
        if ident is None:  # pragma: no cover - _check_blocks kept only readable ids
            continue
        if ident[0].lower() != channel.lower():
            page.skips.append(
                Skip(url, None, f"message {ident[0]}/{ident[1]} belongs to another channel: not collected")
            )
            continue
        number = ident[1]
        ids.append(number)
        if bounds.since_id is not None and number <= bounds.since_id:
            reached = True
            continue
        try:
            post = map_message(block, channel, retrieved, prov, i)
        except Unreadable as exc:
            page.skips.append(Skip(url, None, f"{exc}: not collected"))
            page.seen.append((post_key(channel, number), None))
            continue
        if post is None:  # a service message
            continue
        if bounds.since_at is not None and post.created_at is not None and post.created_at <= bounds.since_at:
            reached = True
            continue
        page.posts.append(post)
        page.seen.append((post.post_id, post.created_at))
    lowest = min(ids) if ids else None
    stuck = lowest is None or (bounds.before is not None and lowest >= bounds.before)
    page.done = reached or stuck or _older(tree) is None
    page.next_cursor = None if page.done else str(lowest)
    return page
