"""A channel's web preview page (``t.me/s/<name>[?before=<id>]``) to records. Pure: bytes in, records out.

This module reads whole pages: whether a page is a channel's preview at all, its messages (each one
by ``messages.map_message``), and where the sweep goes next. The profile page is ``profiles``, one
message ``messages``, its text ``text``.

Paging: a page shows about 20 messages, oldest first, the newest at the bottom; the link to older
ones (``a.tme_messages_more[data-before]``) is absent on the page that reaches the channel's first
message. ``next_cursor`` is the smallest message id of the page (the next request's ``before``);
the sweep is ``done`` when the page has no older link or no message, when it reaches the sweep's
lower bound (a message id at or below ``since_id``'s, or created at or before ``since_at``: those
are left out), or when it reaches message 1.

What is refused (``MalformedPage``: the URL and the reason are reported, the raw bytes kept, the
sweep's cursor stays and the page is asked again next run; nothing is judged deleted from it):
a page without its closing ``</html>`` (cut short); a page larger than ``MAX_PAGE_BYTES`` or with
more than ``MAX_TAGS`` tags (a preview page is about 140 kB and 3,000 tags: a page far past that is
not one, and the HTML parser's time grows with the square of the nesting depth); a page with no
channel header, or whose header names another channel (not this channel's preview: a throttled
or changed page, a redirect to another channel); a page whose message blocks cannot be read as
messages (markup drift: ``.tgme_widget_message_wrap`` blocks without a readable ``data-post``, a
history with content and no message block, more than ``MAX_MESSAGES`` blocks, or only blocks of
other channels: a message block of another channel is skipped with its reason, but a page of
nothing else is not this channel's).

A page asked for ``before=N`` that shows no message below N ends the sweep (a loop guard: the
server does not page back), with a note saying so (URL and reason) when the page still links to
older messages.

A message whose id is readable but whose date is not is skipped alone, with
its URL and reason, and still counts as seen (it is not judged deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.source import TimelinePage
from diplotrack.collect.telegram import profiles
from diplotrack.collect.telegram.messages import PLATFORM, Unreadable, map_message, message_id, post_key
from diplotrack.collect.telegram.spec import check_username
from diplotrack.collect.telegram.text import is_number
from diplotrack.provenance import Prov
from diplotrack.records import Skip
from diplotrack.store.raw import raw_id_of

__all__ = ["FORMAT", "PLATFORM", "SOURCE", "Bounds", "map_timeline", "parse_page"]

FORMAT = "telegram-web"  # raw payloads of collected pages: a t.me HTML page
SOURCE = "telegram-web"  # provenance.source of collected records
MAX_PAGE_BYTES = 8 * 2**20  # about 60 times a real preview page
MAX_TAGS = 60_000  # "<" characters: 20 times a real page's, and a few seconds of parsing at worst
MAX_MESSAGES = 100  # message blocks on a page: t.me shows about 20
KEPT_BYTES = 2**20  # of a page refused for its size, the first MiB is kept as its raw payload


@dataclass(frozen=True)
class Bounds:
    """The sweep's lower bound (exclusive) and the page it asked for (``before``)."""

    since_id: int | None = None
    since_at: datetime | None = None
    before: int | None = None


def parse_page(body: bytes, url: str) -> LexborHTMLParser:
    """The parsed page; ``MalformedPage`` when it was cut short, or is too large or deep to be a t.me page."""
    if len(body) > MAX_PAGE_BYTES:
        raise MalformedPage(
            f"the page is {len(body)} bytes, more than any t.me page ({MAX_PAGE_BYTES} at most): not read "
            f"(its first {KEPT_BYTES} bytes are kept)",
            url=url,
            body=body[:KEPT_BYTES],
        )
    if (tags := body.count(b"<")) > MAX_TAGS:  # a count of bytes, before any parsing: not a reading of markup
        raise MalformedPage(
            f"the page has {tags} tags, more than any t.me page ({MAX_TAGS} at most): not read", url=url, body=body
        )
    if b"</html>" not in body[-512:].lower():  # t.me ends a page with </html> and a timing comment
        raise MalformedPage(f"the page was cut short ({len(body)} bytes, no closing </html>)", url=url, body=body)
    return LexborHTMLParser(body.decode("utf-8", errors="replace"))


def is_preview(tree: LexborHTMLParser) -> bool:
    """Whether the page is a channel's web preview (it has the channel header)."""
    return tree.css_first(".tgme_channel_info") is not None


def _check_blocks(tree: LexborHTMLParser, url: str, body: bytes) -> list:
    messages = [m for m in tree.css(".tgme_widget_message[data-post]") if message_id(m) is not None]
    wraps = tree.css(".tgme_widget_message_wrap")
    if max(len(wraps), len(messages)) > MAX_MESSAGES:
        raise MalformedPage(
            f"the page shows {max(len(wraps), len(messages))} message blocks, more than a preview page "
            f"({MAX_MESSAGES} at most; t.me shows about 20): not read",
            url=url,
            body=body,
        )
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
    return int(value) if value and is_number(value) else None


def _shown(name: str) -> str:
    """A channel name a page gave, for a skip's reason: a username as it is; anything else (the page
    may give line breaks, escape sequences, a megabyte) quoted with its controls escaped, shortened."""
    if check_username(name) is None:
        return name
    return repr(name[:40]) + ("…" if len(name) > 40 else "")


def map_timeline(
    body: bytes, url: str, channel: str, retrieved: datetime, bounds: Bounds, notes: list[str] | None = None
) -> TimelinePage:
    """One preview page of ``channel`` to its posts, skips, seen ids and next cursor; ``notes`` gets
    what the user should hear of that is no skip (a server that does not page back).

    Raises ``MalformedPage`` for a page that is cut short, not a preview, or not readable as one."""
    tree = parse_page(body, url)
    if not is_preview(tree):
        raise MalformedPage(
            "not a channel preview: the page has no channel header (.tgme_channel_info)", url=url, body=body
        )
    blocks = _check_blocks(tree, url, body)
    header = profiles.read_header(tree).username
    if header is not None and header.lower() != channel.lower():
        raise MalformedPage(
            f"not the preview of @{channel}: its header names @{header} (a redirect to another channel, or a "
            "wrong page): nothing is read from it",
            url=url,
            body=body,
        )
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
                Skip(url, None, f"message {_shown(ident[0])}/{ident[1]} belongs to another channel: not collected")
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
    if blocks and not ids:
        raise MalformedPage(
            f"every message block on the page ({len(blocks)}) belongs to another channel than @{channel}: not this "
            "channel's preview, nothing is read from it",
            url=url,
            body=body,
        )
    lowest = min(ids) if ids else None
    older = _older(tree) is not None
    stuck = lowest is not None and bounds.before is not None and lowest >= bounds.before
    if older and stuck and not reached and notes is not None:
        notes.append(
            f"{url}: asked for messages before {bounds.before}, the page shows none (its oldest is {lowest}) yet "
            "links to older ones: the server does not page back; the sweep ends here, older messages are not read"
        )
    page.done = reached or stuck or lowest is None or lowest <= 1 or not older
    page.next_cursor = None if page.done else str(lowest)
    return page
