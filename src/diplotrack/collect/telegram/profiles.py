"""A channel's profile page (``t.me/<name>``) and preview header to profile snapshots and lookup
outcomes. Pure.

The profile page is what a lookup reads: it writes the exact subscriber count
(``.tgme_page_extra``: ``11 286 994 subscribers``), where the preview's header rounds it
(``11.3M``). Its title (``.tgme_page_title``), description (``.tgme_page_description``) and the
verified mark are kept; the username, as the channel writes it, comes from the "Preview channel"
link (``/s/<name>``) or the app link (``tg://resolve?domain=<name>``).

What a profile page can say:

- a channel: a title and ``… subscribers`` (or the "Preview channel" link);
- a user, a bot or a group: a title and something else (``@name``, ``… members``): not a channel,
  which has no web preview;
- a restriction: Telegram's notice ("This channel can't be displayed because it violated
  Telegram's Terms of Service.") in place of the description: the channel exists, but Telegram
  blocks it; the lookup records it as ``suspended`` with the notice (a page built on that wording:
  no real restricted page was found to capture);
- nothing: no title, and the generic title ``Telegram: Contact @<name>``. That is the page of a
  name nobody holds: the channel does not exist, was deleted, renamed, or made private (a private
  channel has no username). Telegram also serves a stripped page like it to a client it throttles,
  so the client confirms with the preview before recording the channel as not found.

Anything else (no title and no generic title) is not read as any of these: the page is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from diplotrack.collect.source import Found, Target
from diplotrack.collect.telegram import counts, text
from diplotrack.collect.telegram.messages import PLATFORM, account_key
from diplotrack.records import ProfileSnapshot, Provenance

CHANNEL, OTHER, MISSING, UNKNOWN = "channel", "other", "missing", "unknown"
RESTRICTED = "restricted"  # Telegram blocks the channel (terms of service, a country's law, …)
# how Telegram's restriction notice begins ("…because it violated Telegram's Terms of Service.")
_RESTRICTION = ("this channel can't be displayed", "this channel can’t be displayed", "this channel is blocked")


@dataclass
class Profile:
    """What a profile page (or a preview's header) says of a name."""

    kind: str  # channel | other | missing | unknown
    username: str | None = None
    title: str | None = None
    description: str | None = None
    subscribers: int | None = None
    verified: bool | None = None
    extra: str | None = None  # the counter line as written ("11 286 994 subscribers", "@name")


def _text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    return text.render(node).text() or None


def _og_title(tree: LexborHTMLParser) -> str | None:
    meta = tree.css_first('meta[property="og:title"]')
    return meta.attributes.get("content") if meta is not None else None


def _username(tree: LexborHTMLParser) -> str | None:
    link = tree.css_first("a.tgme_page_context_link")
    if link is not None:
        who = text.username_of("t.me" + (link.attributes.get("href") or ""))
        if who is not None:
            return who[0]
    for a in tree.css('a[href^="tg://resolve"]'):
        domain = parse_qs(urlsplit(a.attributes.get("href") or "").query).get("domain")
        if domain and text.username_of("t.me/" + domain[0]) is not None:
            return domain[0]
    return None


def read_profile(tree: LexborHTMLParser) -> Profile:
    """What the profile page ``tree`` says of its name."""
    title_node = tree.css_first(".tgme_page_title")
    if title_node is None:
        og = (_og_title(tree) or "").strip()
        return Profile(MISSING if og.startswith("Telegram: Contact @") else UNKNOWN)
    shown = title_node.css_first("span")
    title = _text(shown) if shown is not None else _text(title_node)
    description = _text(tree.css_first(".tgme_page_description"))
    if description and description.strip().lower().startswith(_RESTRICTION):
        return Profile(RESTRICTED, username=_username(tree), title=title, description=description.strip())
    extra = _text(tree.css_first(".tgme_page_extra"))
    preview = tree.css_first("a.tgme_page_context_link")
    is_channel = "subscriber" in (extra or "").lower() or (
        preview is not None and (preview.attributes.get("href") or "").startswith("/s/")
    )
    return Profile(
        CHANNEL if is_channel else OTHER,
        username=_username(tree),
        title=title.replace("✔", "").strip() if title else None,
        description=description,
        subscribers=counts.leading_count(extra) if is_channel else None,
        verified=title_node.css_first(".verified-icon") is not None,
        extra=extra,
    )


def read_header(tree: LexborHTMLParser) -> Profile:
    """What a preview page's channel header says (the subscriber count is rounded there: kept out)."""
    info = tree.css_first(".tgme_channel_info")
    if info is None:
        return Profile(UNKNOWN)
    username = None
    link = info.css_first(".tgme_channel_info_header_username a")
    if link is not None and (who := text.username_of(link.attributes.get("href") or "")) is not None:
        username = who[0]
    title = _text(info.css_first(".tgme_channel_info_header_title"))
    return Profile(
        CHANNEL,
        username=username,
        title=title,
        description=_text(info.css_first(".tgme_channel_info_description")),
        verified=info.css_first(".verified-icon") is not None,
    )


def snapshot(profile: Profile, handle: str, observed: datetime, prov: Provenance) -> ProfileSnapshot:
    """A channel's profile snapshot, keyed ``handle:<lower-cased username>``."""
    name = profile.username or handle
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=account_key(name),
        observed_at=observed,
        provenance=prov,
        handle=name,
        display_name=profile.title,
        description=profile.description,
        followers=profile.subscribers,
        verified=profile.verified,
        status="active",
        source=f"{prov.source} (retrieved_at)",
    )


def found(target: Target, profile: Profile) -> Found:
    """The lookup outcome: an active channel under its ``handle:`` key, or why there is none."""
    name = profile.username or target.handle
    if profile.kind == CHANNEL:
        return Found(target, "active", user_id=account_key(name), handle=name)
    if profile.kind == RESTRICTED:
        notice = (profile.description or "")[:200]
        detail = (
            f"Telegram restricts @{target.handle}: its page says {notice!r}; its messages cannot be read from the "
            "web preview"
        )
        return Found(target, "suspended", user_id=target.user_id or account_key(target.handle), detail=detail)
    if profile.kind == OTHER:
        said = f" (its page says {profile.extra!r})" if profile.extra else ""
        detail = (
            f"@{target.handle} is a Telegram user, bot or group, not a channel{said}: only channels have a web "
            "preview; check the username in the roster"
        )
    else:
        detail = (
            f"no public Telegram channel @{target.handle}: it does not exist, was deleted or renamed, or was made "
            "private (a private channel has no web preview); check the username in the roster"
        )
    return Found(target, "not_found", user_id=target.user_id or account_key(target.handle), detail=detail)
