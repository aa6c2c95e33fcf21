"""Mastodon accounts to records: profile snapshots, and what a lookup says of a tracked account. Pure.

``note`` as plain text; a suspended account (``suspended: true``) has its zeroed counters and
emptied profile recorded as missing. A ``locked`` account (followers approved by hand) still
shows its public posts to anyone: it is active, not protected. ``url`` is the first profile field
the server verified (``verified_at``); Mastodon has no government label, so ``verified_type`` and
``affiliation`` stay unknown.
"""

from __future__ import annotations

from datetime import datetime

from diplotrack.collect.mastodon.identity import qid
from diplotrack.collect.mastodon.mapping import (
    PLATFORM,
    SOURCE,
    as_int,
    as_str,
    as_time,
    handle_of,
    html_to_text,
    parse_html,
)
from diplotrack.collect.source import Found, Target
from diplotrack.records import ProfileSnapshot, Provenance


def map_account(obj: dict, instance: str, observed: datetime, prov: Provenance) -> ProfileSnapshot:
    """One Account to a ProfileSnapshot. Pure; raises ValueError on an account it cannot map."""
    if not isinstance(obj, dict) or not as_str(obj.get("id")):
        raise ValueError("the account has no id")
    suspended = obj.get("suspended") is True
    handle = handle_of(obj, instance)
    note = None if suspended else (html_to_text(obj.get("note")) or None)
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=qid(instance, obj["id"]),
        observed_at=observed,
        provenance=prov,
        handle=handle,
        display_name=None if suspended else as_str(obj.get("display_name")),
        description=note,
        created_at=as_time(obj.get("created_at"), "created_at"),
        # a suspended account's counters read 0 because they are hidden, not because they are 0
        followers=None if suspended else as_int(obj.get("followers_count")),
        following=None if suspended else as_int(obj.get("following_count")),
        posts_count=None if suspended else as_int(obj.get("statuses_count")),
        status="suspended" if suspended else "active",
        source=f"{SOURCE} (retrieved_at)",
        url=None if suspended else verified_link(obj.get("fields")),
    )


def verified_link(fields: object) -> str | None:
    """The link of the first profile field the server verified (``verified_at`` set: the page it
    names links back with ``rel="me"``): its ``href``, else its text when that is a web address."""
    for f in fields if isinstance(fields, list) else ():
        if not isinstance(f, dict) or not as_str(f.get("verified_at")):
            continue
        text, links = parse_html(as_str(f.get("value")))
        for candidate in [link.href for link in links] + [text]:
            if candidate.lower().startswith(("http://", "https://")):
                return candidate
    return None


def found_account(target: Target, obj: dict, instance: str) -> Found:
    """What a 200 lookup says: the account's qualified id and current handle (``acct`` qualified: a
    changed username is a new handle, which the engine records as a rename), active or suspended."""
    return Found(
        target,
        "suspended" if obj.get("suspended") is True else "active",
        user_id=qid(instance, obj["id"]),
        handle=handle_of(obj, instance),
    )
