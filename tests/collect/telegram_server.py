"""Telegram's web preview (``t.me``) on 127.0.0.1, for collector tests and the collection benchmark.

``TelegramWeb`` is a ``LocalServer`` app that answers the pages the collector reads:

- ``/<name>``: the channel's profile page (the real ``tme_durov_profile.html``, with the channel's
  title, username and exact subscriber count put in), or, for a name without a public channel, the
  page t.me shows then (``built-private.html``);
- ``/s/<name>`` and ``/s/<name>?before=<id>``: the preview, the 20 newest messages below ``before``
  in the real page's markup (``tme_s_durov.html``: its head, header and its 20 real message blocks),
  with the link to older messages when there are some; a name without a channel redirects (302)
  to ``/<name>``, as t.me does.

A channel is synthesised from the real message blocks given new ids and dates (``add_channel``),
like ``apiservers.XApi`` does for X; ``edit`` changes a message's text and marks it edited,
``delete`` removes it, ``hide`` makes the channel private. ``serve`` answers one path with a
fixture file as it is (the built pages). Faults go through ``LocalServer.inject``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from apiservers import Reply, Request
from selectolax.lexbor import LexborHTMLParser

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
REAL_PAGE = FIX / "tme_s_durov.html"
REAL_PROFILE = FIX / "tme_durov_profile.html"
PRIVATE = FIX / "built-private.html"
PAGE_SIZE = 20
HTML = {"Content-Type": "text/html; charset=utf-8"}

_HISTORY = '<section class="tgme_channel_history js-message_history">'


def real_blocks() -> list[tuple[int, str]]:
    """The real page's message blocks (``.tgme_widget_message_wrap``), with their message ids."""
    tree = LexborHTMLParser(REAL_PAGE.read_text(encoding="utf-8"))
    out = []
    for wrap in tree.css(".tgme_widget_message_wrap"):
        post = wrap.css_first(".tgme_widget_message").attributes["data-post"]
        out.append((int(post.split("/")[1]), wrap.html))
    return out


def page_parts() -> tuple[str, str]:
    """The real page's text before its message history's content, and after it."""
    text = REAL_PAGE.read_text(encoding="utf-8")
    head, _, rest = text.partition(_HISTORY)
    _, _, tail = rest.rpartition("</div></div>")
    return head + _HISTORY + "\n      ", tail


@dataclass
class Message:
    block: str  # the real block, renumbered and redated
    edited_text: str | None = None


@dataclass
class Channel:
    name: str
    title: str
    subscribers: int
    messages: dict[int, Message] = field(default_factory=dict)
    hidden: bool = False


class TelegramWeb:
    """The profile pages and previews of simulated channels, built from the real pages' markup."""

    def __init__(self) -> None:
        self.blocks = real_blocks()
        self.head, self.tail = page_parts()
        self.profile = REAL_PROFILE.read_text(encoding="utf-8")
        self.private = PRIVATE.read_text(encoding="utf-8")
        self.channels: dict[str, Channel] = {}
        self.fixed: dict[str, bytes] = {}  # path -> a fixture page served as it is
        self.delay = 0.0  # seconds before each answer (a kill test needs a run that takes a while)
        self._lock = threading.Lock()

    # -- building channels ---------------------------------------------------------------------
    def add_channel(
        self,
        name: str,
        n_messages: int,
        *,
        newest: datetime = datetime(2026, 11, 30, 12, tzinfo=UTC),
        step: timedelta = timedelta(hours=3),
        subscribers: int = 1_234_567,
        title: str | None = None,
        first_id: int = 1,
    ) -> Channel:
        """A channel of ``n_messages`` messages (ids ``first_id``…), the real blocks in turn, the
        newest at ``newest`` and each ``step`` before the next."""
        ch = Channel(name, title or f"Channel {name}", subscribers)
        last = first_id + n_messages - 1
        for k in range(first_id, last + 1):
            ch.messages[k] = self._message(name, k, newest - (last - k) * step)
        with self._lock:
            self.channels[name.lower()] = ch
        return ch

    def _message(self, name: str, k: int, when: datetime) -> Message:
        """Real block number ``k`` (in turn) as message ``name/k`` posted at ``when``."""
        real_id, block = self.blocks[k % len(self.blocks)]
        block = block.replace(f'data-post="durov/{real_id}"', f'data-post="{name}/{k}"')
        block = block.replace(f"https://t.me/durov/{real_id}", f"https://t.me/{name}/{k}")
        stamp = LexborHTMLParser(block).css_first(".tgme_widget_message_date time").attributes["datetime"]
        return Message(block.replace(f'datetime="{stamp}"', f'datetime="{when:%Y-%m-%dT%H:%M:%S+00:00}"'))

    def extend(self, name: str, n_messages: int, at: datetime) -> list[int]:
        """``n_messages`` new messages of channel ``name``, all posted at ``at``; their ids."""
        ch = self.channels[name.lower()]
        start = max(ch.messages) + 1
        ids = list(range(start, start + n_messages))
        for k in ids:
            ch.messages[k] = self._message(ch.name, k, at)
        return ids

    def edit(self, name: str, message_id: int, new_text: str) -> None:
        self.channels[name.lower()].messages[message_id].edited_text = new_text

    def delete(self, name: str, message_id: int) -> None:
        del self.channels[name.lower()].messages[message_id]

    def hide(self, name: str) -> None:
        self.channels[name.lower()].hidden = True

    def serve(self, path: str, fixture: str) -> None:
        self.fixed[path] = (FIX / fixture).read_bytes()

    # -- pages ---------------------------------------------------------------------------------
    def _block(self, m: Message) -> str:
        if m.edited_text is None:
            return m.block
        tree = LexborHTMLParser(m.block)
        body = tree.css_first(".js-message_text")
        if body is not None:
            body.inner_html = escape(m.edited_text).replace("\n", "<br/>")
        meta = tree.css_first(".tgme_widget_message_meta")
        date = meta.css_first(".tgme_widget_message_date") if meta is not None else None
        own = " ".join(c.text_content or "" for c in meta.iter(include_text=True) if c.tag == "-text") if meta else ""
        if date is not None and "edited" not in own:
            date.insert_before("edited \u00a0")
        return tree.css_first(".tgme_widget_message_wrap").html

    def preview(self, ch: Channel, before: int | None) -> bytes:
        ids = sorted(i for i in ch.messages if before is None or i < before)[-PAGE_SIZE:]
        more = ""
        if ids and ids[0] > min(ch.messages):
            more = (
                '<div class="tgme_widget_message_centered js-messages_more_wrap">'
                f'<a href="/s/{ch.name}?before={ids[0]}" class="tme_messages_more js-messages_more" '
                f'data-before="{ids[0]}"></a></div>'
            )
        head = self.head.replace("Pavel Durov", escape(ch.title)).replace("durov", ch.name)
        blocks = "".join(self._block(ch.messages[i]) for i in ids)
        return (head + more + blocks + self.tail).encode()

    def profile_page(self, ch: Channel) -> bytes:
        count = f"{ch.subscribers:,}".replace(",", " ")
        page = self.profile.replace("Pavel Durov", escape(ch.title)).replace("11 286 994", count)
        return page.replace("durov", ch.name).encode()

    def __call__(self, req: Request) -> Reply:
        if self.delay:
            import time

            time.sleep(self.delay)
        if req.path in self.fixed:
            return Reply(200, self.fixed[req.path], HTML)
        parts = [p for p in req.path.split("/") if p]
        is_preview = len(parts) == 2 and parts[0] == "s"
        name = parts[-1] if parts else ""
        ch = self.channels.get(name.lower())
        if is_preview:
            if ch is None or ch.hidden:
                return Reply(302, b"", {"Location": f"/{name}"})
            before = req.arg("before")
            return Reply(200, self.preview(ch, int(before) if before else None), HTML)
        if len(parts) == 1:
            if ch is None or ch.hidden:
                return Reply(200, self.private.replace("closedchannel", name).encode(), HTML)
            return Reply(200, self.profile_page(ch), HTML)
        return Reply(404, b"<html><body>Not found</body></html>", HTML)
