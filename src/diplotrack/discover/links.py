"""The roster actors' other platforms: links from a roster account to a profile on a platform
diplotrack knows (an embassy on X linking its Telegram channel or YouTube channel or Bluesky profile).

Where the links come from: the roster accounts' latest profile ``url`` and bio, and the URLs in
their posts (``post_entities`` of type url, expanded where the source expanded them). A link to a
profile (``t.me/name``, ``youtube.com/@name``, ``youtube.com/channel/UC…``, ``bsky.app/profile/name``,
``x.com/name``, ``https://instance/@user``) is a *profile link*; a link to one of its posts
(``t.me/name/123``, ``x.com/name/status/…``, ``bsky.app/profile/name/post/…``) a *post link*.

The link signal: a profile link in the account's own profile (url or bio) is 0.9 and makes the
linking actor the likely owner when it is the only actor linking there; profile links in posts are
0.5 for one post and grow with the posts (``1 - 0.5^posts``, at most 0.8), owner likewise only when
one actor links there in two posts or more. Post links count as a relation of the actor to the
target in the graph signal (``graph.py``), like a repost across platforms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import duckdb

from diplotrack.discover.graph import Roster

PROFILE_LINK, POST_LINK_BASE, POST_LINK_MAX = 0.9, 0.5, 0.8
_URL = re.compile(r"https?://[^\s<>\"')\]]+|(?:t\.me|youtube\.com|www\.youtube\.com|bsky\.app)/[^\s<>\"')\]]+", re.I)
_X_RESERVED = {"home", "i", "intent", "search", "hashtag", "share", "explore", "settings", "login", "signup"}
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_X_NAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_YT_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_MASTODON_USER = re.compile(r"@([A-Za-z0-9_]{1,30})")


@dataclass(frozen=True, slots=True)
class Link:
    platform: str
    handle: str
    post: bool  # a link to one of its posts, not to the profile


def parse_link(url: str) -> Link | None:
    """The platform account a URL points at, or None."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host.startswith("www.") or host.startswith("m."):
        host = host.split(".", 1)[1]
    seg = [s for s in parts.path.split("/") if s]
    if not seg:
        return None
    if host in ("t.me", "telegram.me"):
        if seg[0] == "s" and len(seg) > 1:
            seg = seg[1:]
        if _TG_NAME.fullmatch(seg[0]) and seg[0].lower() not in ("joinchat", "share", "addstickers"):
            return Link("telegram", seg[0], post=len(seg) > 1 and seg[1].isdigit())
        return None
    if host == "youtube.com":
        if seg[0].startswith("@") and len(seg[0]) > 1:
            return Link("youtube", seg[0][1:], post=False)
        if seg[0] == "channel" and len(seg) > 1 and _YT_ID.fullmatch(seg[1]):
            return Link("youtube", seg[1], post=False)
        return None
    if host == "bsky.app":
        if seg[0] == "profile" and len(seg) > 1:
            return Link("bluesky", seg[1], post=len(seg) > 3 and seg[2] == "post")
        return None
    if host in ("x.com", "twitter.com"):
        if _X_NAME.fullmatch(seg[0]) and seg[0].lower() not in _X_RESERVED:
            return Link("x", seg[0], post=len(seg) > 2 and seg[1] == "status")
        return None
    if (m := _MASTODON_USER.fullmatch(seg[0])) is not None and "." in host:
        return Link("mastodon", f"{m.group(1)}@{host}", post=len(seg) > 1 and seg[1].isdigit())
    return None


@dataclass(slots=True)
class LinkRow:
    actor_id: str
    from_platform: str
    from_handle: str
    where: str  # profile url, bio, post
    url: str
    link: Link
    at: object


def read_links(con: duckdb.DuckDBPyConnection, roster: Roster) -> list[LinkRow]:
    """Every link from a roster account to an account outside the roster (in the roster's own
    handles' case-insensitive sense)."""
    out: list[LinkRow] = []
    profiles = con.execute(
        """SELECT platform, user_id, handle, url, description, observed_at FROM profile_snapshots
           WHERE coalesce(url, description) IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY platform, user_id ORDER BY observed_at DESC) = 1"""
    ).fetchall()
    for platform, user_id, handle, url, bio, at in profiles:
        account = roster.by_id.get((platform, user_id)) or roster.by_handle.get((platform, (handle or "").lower()))
        if account is None:
            continue
        for where, text in (("profile url", url), ("bio", bio)):
            for found in _URL.findall(text or ""):
                _add(out, roster, account.actor_id, platform, account.handle, where, found, at)
    posts = con.execute(
        """SELECT p.platform, p.author_id, p.author_handle, e.normalized, p.created_at
           FROM post_entities e JOIN posts p USING (platform, post_id)
           WHERE e.type = 'url' AND regexp_matches(e.normalized,
                 '(t\\.me|telegram\\.me|youtube\\.com|bsky\\.app|x\\.com|twitter\\.com|/@)', 'i')"""
    ).fetchall()
    for platform, author_id, author_handle, url, at in posts:
        account = roster.by_id.get((platform, author_id or "")) or roster.by_handle.get(
            (platform, (author_handle or "").lower())
        )
        if account is not None:
            _add(out, roster, account.actor_id, platform, account.handle, "post", url, at)
    return out


def _add(
    out: list[LinkRow], roster: Roster, actor_id: str, platform: str, handle: str, where: str, url: str, at: object
) -> None:
    link = parse_link(url.rstrip(".,;:!?"))
    if link is None or roster.holds(link.platform, link.handle, link.handle):
        return
    if link.platform == platform and link.handle.lower() == handle.lower():
        return
    out.append(LinkRow(actor_id, platform, handle, where, url, link, at))
