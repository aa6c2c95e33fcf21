"""Mastodon identities: addresses, and ids qualified with the instance that gave them. Pure.

The roster names an account ``user@instance``; ``parse_address`` also reads ``@user@instance``
and a profile URL ``https://instance/@user``. Every id Mastodon gives (account, status, media)
is local to the instance that answered, so it is stored qualified with that instance:
``user_id = "<instance>:<account id>"`` (``mastodon.social:109302436954721982``), ``post_id =
"<instance>:<status id>"``, and another account met in a status (a boosted or quoted author, the
author replied to) is ``"<instance we asked>:<its id there>"``. Caveat: one remote post seen
through two instances has two ids (and its author two user ids); we ask each tracked account's
own instance, so its own posts and its own id are stable, but a boost of a tracked account on
another instance names that account by the booster's instance's id for it, not by its user id.
Handles are qualified the same way: ``acct`` (``alice`` for a local account, ``bob@other.social``
for a remote one) becomes ``alice@<instance>``, the form the roster uses.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def parse_address(text: str) -> tuple[str, str]:
    """``(user, instance)`` of ``user@instance``, ``@user@instance`` or ``https://instance/@user``.

    The instance is lower-cased (domains ignore case); the user part keeps its case. A profile URL
    of a remote account as another instance shows it (``https://a.example/@bob@b.example``) names
    ``bob@b.example``. Raises ValueError on anything else.
    """
    s = text.strip()
    if s.lower().startswith(("https://", "http://")):
        parts = urlsplit(s)
        path = parts.path.strip("/")
        if parts.query or parts.fragment or not path.startswith("@") or "/" in path:
            raise ValueError(f"{text!r} is not a Mastodon profile URL (expected https://instance/@user)")
        user, _, host = path[1:].partition("@")
        instance = host or parts.netloc
    else:
        if s.startswith("@"):
            s = s[1:]
        user, sep, instance = s.partition("@")
        if not sep:
            raise ValueError(f"{text!r} is not a Mastodon address; write it as user@instance")
    if not _USER.fullmatch(user) or not _HOST.fullmatch(instance):
        raise ValueError(f"{text!r} is not a Mastodon address; write it as user@instance")
    return user, instance.lower()


def qualify(acct: str, instance: str) -> str:
    """``acct`` as ``user@instance``: a local account (no ``@``) gains the instance that answered."""
    return acct if "@" in acct else f"{acct}@{instance}"


def qid(instance: str, local: object) -> str:
    """An instance-local id as stored: ``<instance>:<local id>``."""
    return f"{instance}:{local}"


def split_id(stored: str) -> tuple[str | None, str]:
    """``(instance, local id)`` of a stored id; ``(None, id)`` for a bare local id."""
    instance, sep, local = stored.rpartition(":")
    return (instance, local) if sep and instance else (None, stored)


def id_order(local: str) -> tuple[int, str]:
    """Sort key of Mastodon ids: strings of digits of growing length (compare by length, then text)."""
    return len(local), local
