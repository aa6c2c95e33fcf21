"""A message's text as plain text, and the entities its links carry. Pure, on parsed nodes (selectolax).

The preview renders a message's text as HTML: ``<br/>`` for a line break, ``<b>``/``<i>``/``<u>``/
``<s>``/``<code>``/``<pre>``/``<blockquote>`` and spoilers for formatting, custom emoji as
``<tg-emoji><i class="emoji"><b>🤖</b></i></tg-emoji>``, and every hashtag, cashtag, mention and link
as an ``<a>``. The text keeps what a reader sees: the characters (emoji included), line breaks,
a blank line around block quotes and code blocks, and no formatting. The links become entities:

- ``<a href="?q=%23tag">#tag</a>``: a hashtag (``tag``; normalized case-folded); ``?q=%24TON``: a
  cashtag;
- ``<a href="https://t.me/name">@name</a>``: a mention (``name``; normalized lower-cased, the form
  of the store's ``handle:`` keys);
- any other ``http(s)`` link: a url, by its ``href`` (a link whose text differs from its target
  is still its target).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborNode

from diplotrack.collect.telegram.spec import check_username
from diplotrack.records import EntitySet

_BLOCKS = frozenset({"div", "p", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4"})
_SKIPPED = frozenset({"script", "style", "template"})
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me", "www.telegram.me"})


@dataclass
class Rendered:
    """A message text's characters and the links inside it (``href``, text) in order."""

    parts: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    def text(self) -> str:
        lines = "".join(self.parts).replace("\r\n", "\n").split("\n")
        out = "\n".join(line.rstrip() for line in lines).strip()
        while "\n\n\n" in out:
            out = out.replace("\n\n\n", "\n\n")
        return out


def _walk(node: LexborNode, out: Rendered) -> None:
    """Depth first, with a stack of its own: a message nested thousands of elements deep (a hostile
    page) is read like any other, not a RecursionError."""
    # each entry: a node to read, or a closing step (text to append after a block, or a link to record)
    stack: list[LexborNode | tuple[str, str | int]] = [node]
    first = True
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            what, value = item
            if what == "close":
                out.parts.append(str(value))
            else:  # "link": the link's text runs from where it started to here
                href, _, start = str(value).rpartition(" ")
                out.links.append((href, "".join(out.parts[int(start) :]).strip()))
            continue
        if not first:
            tag = item.tag
            if tag == "-text":
                out.parts.append(item.text_content or "")
                continue
            if tag == "br":
                out.parts.append("\n")
                continue
            if tag in _SKIPPED or tag is None or tag.startswith("-"):
                continue
            if tag in _BLOCKS:
                gap = "\n\n" if tag in ("blockquote", "pre") else "\n"
                out.parts.append(gap)
                stack.append(("close", gap))
            elif tag == "a":
                stack.append(("link", f"{item.attributes.get('href') or ''} {len(out.parts)}"))
        first = False
        stack.extend(reversed(list(item.iter(include_text=True))))


def render(node: LexborNode | None) -> Rendered:
    """The text a reader sees in ``node`` (a ``.tgme_widget_message_text``) and its links."""
    out = Rendered()
    if node is not None:
        _walk(node, out)
    return out


def username_of(url: str) -> tuple[str, int | None] | None:
    """``https://t.me/name`` → (``name``, None); ``https://t.me/name/42`` → (``name``, 42);
    ``t.me/s/name/42`` too. None for a link elsewhere, or to no public username (``t.me/c/…``,
    ``t.me/+invite``, ``t.me/joinchat/…``)."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in TELEGRAM_HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    if path and path[0] == "s":
        path = path[1:]
    if not path or check_username(path[0]) is not None:
        return None
    post = int(path[1]) if len(path) > 1 and is_number(path[1]) else None
    return path[0], post


def is_number(value: str) -> bool:
    """Whether ``value`` is a message id as t.me writes one: ASCII digits only (``str.isdigit`` also
    takes ``²`` and digits of other scripts, which ``int`` refuses or reads as another number)."""
    return value.isascii() and value.isdigit()


def link_entities(links: list[tuple[str, str]], found: EntitySet) -> None:
    """The hashtags, cashtags, mentions and urls of a message's links, added to ``found``."""
    for href, label in links:
        if href.startswith("?q="):
            term = unquote(href[3:]).strip()
            if term.startswith("#") and len(term) > 1:
                found.add("hashtag", term[1:], term[1:].casefold())
            elif term.startswith("$") and len(term) > 1:
                found.add("cashtag", term[1:], term[1:].casefold())
            continue
        if label.startswith("@"):
            who = username_of(href)
            if who is not None and who[1] is None:
                found.add("mention", who[0], who[0].lower())
                continue
        if href.lower().startswith(("http://", "https://")):
            found.add("url", href, href)
