"""Telegram as diplotrack knows it: the spec the registries, the CLI, the config and the roster read.

A roster may write a channel as ``name``, ``@name`` or a link to it (``https://t.me/name``,
``t.me/s/name``, ``https://telegram.me/name``, a link to one of its posts); the store keeps
``name`` as written there (case is kept for display; ids and keys lower-case it).
"""

from __future__ import annotations

import re

from diplotrack.platform_spec import PlatformSpec, Setting
from diplotrack.records import handle_key

BASE_ENV = "DIPLOTRACK_TELEGRAM_BASE"  # tests and proxies
DEFAULT_BASE = "https://t.me"
DEFAULT_THROTTLE = 2.0  # seconds between two requests: the web preview is a public page, read politely

# a channel link: t.me or telegram.me, optionally /s/ (the web preview), optionally a post number
_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?([^/?#\s]+)(?:/\d+)?/?(?:[?#]\S*)?", re.I)
# Telegram usernames: 5-32 characters, letters, digits and underscores, starting with a letter
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


def channel_name(value: str) -> str:
    """A Telegram channel as the roster may give it, in the one form the store keeps: its username.
    Anything that is not a link or ``@name`` is returned as it is, for ``check_username`` to report."""
    v = value.strip()
    if (m := _LINK.fullmatch(v)) is not None:
        return m.group(1)
    if v.startswith("@") and v.count("@") == 1:
        return v[1:]
    return v


def account_key(username: str) -> str:
    """A channel's key in the store (its user id, its posts' author id): ``handle:<lower username>``,
    since the web preview gives no numeric id. The collector and the archive importers (minet, 4CAT)
    both file under it, so a channel's collected and imported posts merge."""
    return handle_key(username)


def post_key(username: str, message_id: int | str) -> str:
    """A message's post id in the store: ``<lower username>/<message id>``."""
    return f"{username.lower()}/{message_id}"


def check_username(handle: str) -> str | None:
    if _USERNAME.fullmatch(handle):
        return None
    if handle.startswith("+") or handle.lower() == "joinchat" or "/joinchat/" in handle.lower():
        return (
            f"'{handle}' is a private invite link: a private channel has no web preview to read; write a "
            "public channel's username (e.g. durov)"
        )
    return (
        f"'{handle}' is not a Telegram channel username; write it as 5 to 32 letters, digits or underscores "
        "starting with a letter (e.g. durov, or the link https://t.me/durov)"
    )


def post_url(post_id: str) -> str | None:
    """``<channel>/<message id>`` (the stored form) as its t.me address."""
    name, _, message = post_id.partition("/")
    return f"https://t.me/{name}/{message}" if _USERNAME.fullmatch(name) and message.isdigit() else None


SPEC = PlatformSpec(
    name="telegram",
    label="Telegram",
    handle_form="the channel username (name, @name or https://t.me/name)",
    normalize_handle=channel_name,
    check_handle=check_username,
    source="diplotrack.collect.telegram.client:TelegramSource",
    settings=(
        Setting("base", "web preview base URL", env=BASE_ENV, field="telegram_base"),
        Setting("throttle", "seconds between two requests", field="telegram_throttle"),
    ),
    cost="free: public channels' web preview, no login",
    post_url=post_url,
)
