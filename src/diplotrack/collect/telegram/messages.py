"""One message block of a channel's web preview (``div.tgme_widget_message``) to a post. Pure.

Ids (the same forms the minet and 4CAT importers write, so imported and collected data of one channel
merge): ``post_id`` is ``<lower-cased username>/<message id>`` (from ``data-post``); the channel's
posts have ``author_id`` ``handle:<lower-cased username>`` (the preview shows no numeric channel id).

- ``created_at``: ``.tgme_widget_message_date time[datetime]`` (a video's duration is a ``<time>``
  too, so the date is read under the date link only), as naive UTC.
- ``text``: the message's own ``.js-message_text`` (not the quoted text of the message it replies
  to), as ``text.render`` reads it (a poll's: its question); None for a message without text.
- ``kind``: a forward (``.tgme_widget_message_forwarded_from``) is a ``repost``:
  ``reposted_author_id`` is the source's ``handle:`` key and ``reposted_post_id`` its message when
  the link names one (``t.me/source/77``); a source hidden by its owner (a name without a link)
  leaves both unset. A reply (``a.tgme_widget_message_reply``) has ``replied_to_post_id`` and
  ``replied_to_author_id``. The text of a forward is the forwarded text, as the channel shows it.
- ``view_count``: ``.tgme_widget_message_views``, abbreviated by the preview (``8.67M``), so
  approximate; ``metrics_observed_at`` is the page's retrieval time.
- ``text_observed_at``: the retrieval time, for a message marked "edited" only (the store then keeps
  a later, different text as an edit; see store/edits.py).
- entities: hashtags, cashtags, mentions and urls of the text's links (``text.link_entities``), the
  link preview's target as a url, and each piece of media as a ``media`` entity whose value is
  ``<kind>/<n>`` and whose normalized value is the kind: ``photo``, ``video``, ``round_video``,
  ``document``, ``audio``, ``voice``, ``sticker``, ``poll``, ``location`` (query
  ``post_entities WHERE type = 'media'``). CDN addresses are signed per request, so they are not kept
  as values (every re-read would add new ones); the raw page keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from selectolax.lexbor import LexborNode

from diplotrack.collect.telegram import counts, text
from diplotrack.collect.telegram.spec import account_key, post_key
from diplotrack.records import EntitySet, Post, Provenance, primary_kind

PLATFORM = "telegram"

# media kinds and the element that shows each (outside a quoted reply and a link preview)
MEDIA = (
    ("photo", ".tgme_widget_message_photo_wrap"),
    ("video", ".tgme_widget_message_video_player"),
    ("round_video", ".tgme_widget_message_roundvideo_player"),
    ("document", ".tgme_widget_message_document_wrap"),
    ("audio", ".tgme_widget_message_audio_player"),
    ("voice", ".tgme_widget_message_voice_player"),
    ("sticker", ".tgme_widget_message_sticker_wrap"),
    ("poll", ".tgme_widget_message_poll"),
    ("location", ".tgme_widget_message_location_wrap"),
)
MAX_MESSAGE_ID = 2**31 - 1  # Telegram's message ids are 32-bit
_QUOTED = ("tgme_widget_message_reply", "tgme_widget_message_link_preview")


class Unreadable(ValueError):
    """A message block whose id is known but whose post cannot be built (the reason says why)."""


def message_id(node: LexborNode) -> tuple[str, int] | None:
    """(channel username as written, message id) of a block's ``data-post``, or None: also for an id
    that is not ASCII digits, or past Telegram's 32-bit message ids (a page that claims one would
    pin the sweep's id bound above every real message)."""
    value = node.attributes.get("data-post") or ""
    name, sep, number = value.partition("/")
    if not sep or not name or not text.is_number(number) or len(number) > 10 or int(number) > MAX_MESSAGE_ID:
        return None
    return name, int(number)


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _inside_quote(node: LexborNode, top: LexborNode) -> bool:
    """Whether ``node`` sits in a quoted reply or a link preview of the message ``top``."""
    p = node.parent
    while p is not None and p.mem_id != top.mem_id:
        if _classes(p) & set(_QUOTED):
            return True
        p = p.parent
    return False


def _own(top: LexborNode, selector: str) -> list[LexborNode]:
    return [n for n in top.css(selector) if not _inside_quote(n, top)]


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo is not None else t
    except (ValueError, OverflowError):  # not a date, or one that UTC pushes past year 1 or 9999
        return None


def edited(top: LexborNode) -> bool:
    """The "edited" mark: a word of the meta line itself (``Pavel Durov, edited 15:40``), not of
    the author's signature or the date inside it."""
    meta = top.css_first(".tgme_widget_message_meta")
    if meta is None:
        return False
    own = " ".join(c.text_content or "" for c in meta.iter(include_text=True) if c.tag == "-text")
    return "edited" in own.replace("\u00a0", " ").lower().split()


def _reference(node: LexborNode | None) -> tuple[str | None, str | None]:
    """(``handle:`` key, post id) a forward's or a reply's link names; (None, None) without a link."""
    if node is None:
        return None, None
    who = text.username_of(node.attributes.get("href") or "")
    if who is None:
        return None, None
    name, number = who
    return account_key(name), post_key(name, number) if number is not None else None


def map_message(
    top: LexborNode, channel: str, observed: datetime, prov: Callable[[str], Provenance], index: int
) -> Post | None:
    """One message block of ``channel``'s preview to its post; None for a service message (the
    channel created, a message pinned: not posts). Raises ``Unreadable`` when the block has an id
    but no usable date."""
    ident = message_id(top)
    if ident is None:
        raise Unreadable("the message block has no data-post id")
    name, number = ident
    if "service_message" in _classes(top):
        return None
    stamp = top.css_first(".tgme_widget_message_date time")
    created = _time(stamp.attributes.get("datetime") if stamp is not None else None)
    if created is None:
        raise Unreadable(f"message {name}/{number} has no date (.tgme_widget_message_date time[datetime])")
    body = next(iter(_own(top, ".js-message_text")), None)
    if body is None:  # a poll's text is its question
        body = next(iter(_own(top, ".tgme_widget_message_poll_question")), None)
    rendered = text.render(body)
    forward = top.css_first(".tgme_widget_message_forwarded_from")
    fwd_author, fwd_post = _reference(top.css_first(".tgme_widget_message_forwarded_from_name"))
    reply_author, reply_post = _reference(top.css_first("a.tgme_widget_message_reply"))
    views_node = top.css_first(".tgme_widget_message_views")
    views = counts.abbreviated(views_node.text()) if views_node is not None else None
    post = Post(
        platform=PLATFORM,
        post_id=post_key(channel, number),
        author_id=account_key(channel),
        author_handle=name,
        created_at=created,
        text=rendered.text() or None,
        lang=None,
        kind=primary_kind(reposted=forward is not None, quoted=False, replied=reply_post is not None),
        provenance=prov(f"/messages/{index}"),
        reposted_post_id=fwd_post,
        reposted_author_id=fwd_author,
        replied_to_post_id=reply_post,
        replied_to_author_id=reply_author,
        view_count=views,
        metrics_observed_at=observed if views is not None else None,
        text_observed_at=observed if edited(top) else None,
    )
    found = EntitySet()
    text.link_entities(rendered.links, found)
    for preview in _own(top, "a.tgme_widget_message_link_preview"):
        href = preview.attributes.get("href") or ""
        if href.lower().startswith(("http://", "https://")):
            found.add("url", href, href)
    for kind, selector in MEDIA:
        for n, _ in enumerate(_own(top, selector), start=1):
            found.add("media", f"{kind}/{n}", kind)
    post.entities = found.items
    return post
