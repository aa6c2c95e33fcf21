"""Bluesky profiles to records: lookups and what they say of each tracked account. Pure.

Account lookups (``getProfiles``) give ``#profileViewDetailed``: a ``ProfileSnapshot`` with the
public counts (``followersCount``, ``followsCount``, ``postsCount``) and ``verified`` from
``verification.verifiedStatus``. ``getProfiles`` silently leaves out actors it cannot show; an
``XRPC`` error body from ``getProfile`` says why (``error_status``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from diplotrack.collect.bluesky.mapping import (
    PLATFORM,
    PROFILE_SOURCE,
    SOURCE,
    actor_of,
    as_dict,
    as_int,
    as_str,
    as_time,
    handle_of,
    is_did,
)
from diplotrack.collect.source import Found, Target
from diplotrack.provenance import Prov
from diplotrack.records import ProfileSnapshot, Provenance, Skip


def map_profile(obj: dict[str, Any], observed: datetime, prov: Provenance) -> ProfileSnapshot:
    """One ``#profileViewDetailed`` (or ``#profileView``) to a ProfileSnapshot. Raises ValueError."""
    did = as_str(obj.get("did"))
    if did is None or not is_did(did):
        raise ValueError("no did")
    verification = obj.get("verification")
    verified = None
    if isinstance(verification, dict) and as_str(verification.get("verifiedStatus")):
        verified = verification["verifiedStatus"] == "valid"
    description = obj.get("description")
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=did,
        observed_at=observed,
        provenance=prov,
        handle=handle_of(obj.get("handle")),
        display_name=as_str(obj.get("displayName")),
        description=description if isinstance(description, str) else None,
        created_at=as_time(obj.get("createdAt")),
        followers=as_int(obj.get("followersCount")),
        following=as_int(obj.get("followsCount")),
        posts_count=as_int(obj.get("postsCount")),
        verified=verified,
        status="active",
        source=PROFILE_SOURCE,
    )


def map_profiles(
    data: dict[str, Any], *, url: str, raw_id: str | None, observed: datetime
) -> tuple[list[ProfileSnapshot], list[Skip]]:
    prov = Prov(SOURCE, url, None, raw_id)
    profiles: list[ProfileSnapshot] = []
    skips: list[Skip] = []
    for i, obj in enumerate(data.get("profiles") or []):
        try:
            profiles.append(map_profile(as_dict(obj), observed, prov(f"/profiles/{i}")))
        except ValueError as exc:
            skips.append(Skip(url, None, f"profile at /profiles/{i} not mapped: {exc}"))
    return profiles, skips


def match_profiles(profiles: list[ProfileSnapshot], targets: list[Target]) -> tuple[list[Found], list[Target]]:
    """Targets the profiles answer (by DID when known, else by handle), and those left out."""
    by_did = {p.user_id: p for p in profiles}
    by_handle = {p.handle.lower(): p for p in profiles if p.handle}
    found: list[Found] = []
    missing: list[Target] = []
    for t in targets:
        actor = actor_of(t)
        if actor is None:
            missing.append(t)
            continue
        p = by_did.get(actor) if is_did(actor) else by_handle.get(actor.lower())
        if p is None:
            missing.append(t)
        else:
            found.append(Found(t, "active", user_id=p.user_id, handle=p.handle))
    return found, missing
