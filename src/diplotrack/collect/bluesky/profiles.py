"""Bluesky profiles to records: lookups and what they say of each tracked account. Pure.

Account lookups (``getProfiles``) give ``#profileViewDetailed``: a ``ProfileSnapshot`` with the
public counts (``followersCount``, ``followsCount``, ``postsCount``), ``verified`` and
``verified_type`` from ``verification.verifiedStatus`` (``valid``, ``invalid``, ``none`` as given),
the verifiers' DIDs as ``affiliation`` when it is valid, and the profile's ``website`` (newer
AppViews) as ``url``. ``getProfiles`` silently leaves out actors it cannot show; an ``XRPC`` error
body from ``getProfile`` says why (``error_status``).
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
    status = as_str(verification.get("verifiedStatus")) if isinstance(verification, dict) else None
    verified = None if status is None else status == "valid"
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
        verified_type=status,
        affiliation=verifiers(verification) if status == "valid" else None,
        url=as_str(obj.get("website")),
    )


def verifiers(verification: dict[str, Any]) -> str | None:
    """The DIDs of the trusted verifiers whose verification of the account is valid, comma-separated
    in the order given (``verifications[].issuer`` where ``isValid`` is true)."""
    out: list[str] = []
    for v in verification.get("verifications") or []:
        issuer = as_str(v.get("issuer")) if isinstance(v, dict) else None
        if issuer and is_did(issuer) and v.get("isValid") is True and issuer not in out:
            out.append(issuer)
    return ",".join(out) or None


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
