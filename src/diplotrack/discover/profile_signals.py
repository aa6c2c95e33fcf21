"""What an account's own profile says: its latest snapshot's display name, bio, location and link,
matched against the patterns (``patterns.yaml``), and the platform's government labels
(``verified_type``, ``affiliation``: migration 12).

The profile signal of an account, in [0, 1]:

- a state phrase ("Embassy of the People's Republic of China", "中国驻") in the display name or the
  platform's affiliation: 0.9; in the bio: 0.75;
- a kind term and a state name together in the display name or affiliation: 0.7; in the bio: 0.55;
- a kind term alone (the state unnamed) in the display name: 0.35; in the bio: 0.25.

A state named where the text says where the account is posted ("Ambassador of the United States
**to China**", "Danish Embassy **in China**", "美国**驻华**大使") names the host, not the state the
account speaks for: it is not a state hit. The state is the roster state a name, phrase or
affiliation names elsewhere, else any country named after "Embassy of", "Ambassador of the" …
(``patterns.sending_country``), else unknown. Texts are read up to ``patterns.MAX_TEXT`` characters,
and the evidence keeps at most ``EVIDENCE_TEXT`` of each.

The label signal: X ``verified_type = government``: 0.9; a Bluesky verification (``valid``) by a
roster account (its DID in ``affiliation``): 0.9, by anyone else: 0.3; an affiliation text that
names one of the roster's states with a kind term counts as the display name does (above).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from diplotrack.discover.graph import Roster
from diplotrack.discover.patterns import (
    Hit,
    Patterns,
    host_country,
    in_host_position,
    place_in_location,
    sending_country,
)
from diplotrack.roster.model import HOST_COUNTRY_KINDS

PHRASE_NAME, PHRASE_BIO = 0.9, 0.75
KIND_STATE_NAME, KIND_STATE_BIO = 0.7, 0.55
KIND_NAME, KIND_BIO = 0.35, 0.25
GOVERNMENT_LABEL, ROSTER_VERIFIER, OTHER_VERIFIER = 0.9, 0.9, 0.3
EVIDENCE_TEXT = 500  # characters of a name or bio kept in the evidence
NAME_FIELDS = ("display_name", "affiliation")
TEXT_FIELDS = ("display_name", "affiliation", "description")


@dataclass(slots=True)
class Profile:
    platform: str
    user_id: str
    handle: str | None
    observed_at: datetime | None
    display_name: str | None
    description: str | None
    location: str | None
    url: str | None
    verified_type: str | None
    affiliation: str | None
    status: str | None


@dataclass(slots=True)
class ProfileSignal:
    strength: float = 0.0
    label: float = 0.0
    kind: str | None = None
    state: str | None = None
    host_country: str | None = None
    host_city: str | None = None
    evidence: list[dict[str, object]] = field(default_factory=list)


def latest_profiles(con: duckdb.DuckDBPyConnection, platforms: tuple[str, ...] = ()) -> Iterator[Profile]:
    """Each account's latest snapshot that has any text or label to read."""
    where = f"AND platform IN ({', '.join('?' for _ in platforms)})" if platforms else ""
    cur = con.execute(
        f"""SELECT platform, user_id, handle, observed_at, display_name, description, location, url,
                   verified_type, affiliation, status
            FROM profile_snapshots
            WHERE coalesce(display_name, description, location, url, verified_type, affiliation) IS NOT NULL {where}
            QUALIFY row_number() OVER (PARTITION BY platform, user_id ORDER BY observed_at DESC) = 1""",
        list(platforms),
    )
    while batch := cur.fetchmany(10_000):
        for row in batch:
            yield Profile(*row)


def _kind_of(hits: list[Hit]) -> str | None:
    """The kind the earliest kind term (or phrase with a kind) says; the longest at one place."""
    for h in hits:
        if h.kind is not None:
            return h.kind
    return None


def _field_strength(hits: list[Hit], in_name: bool) -> float:
    if any(h.phrase for h in hits):
        return PHRASE_NAME if in_name else PHRASE_BIO
    has_kind = any(h.kind for h in hits)
    has_state = any(h.state for h in hits)
    if has_kind and has_state:
        return KIND_STATE_NAME if in_name else KIND_STATE_BIO
    if has_kind:
        return KIND_NAME if in_name else KIND_BIO
    return 0.0


def read_profile(p: Profile, patterns: Patterns, roster: Roster, states: tuple[str, ...]) -> ProfileSignal:
    """The profile and label signals of one profile."""
    out = ProfileSignal()
    for name in TEXT_FIELDS:
        text = getattr(p, name)
        hits = [h for h in patterns.match(text, states) if not (h.state and in_host_position(text, h.start))]
        strength = _field_strength(hits, name in NAME_FIELDS)
        if strength <= 0:
            continue
        if strength > out.strength:
            out.strength = strength
        out.kind = out.kind or _kind_of(hits)
        out.state = out.state or next((h.state for h in hits if h.state), None)
        if out.host_country is None and any(h.kind for h in hits):
            found = host_country(text)
            if found is not None:
                out.host_country = found[0]
                out.evidence.append({"signal": "host", "field": name, "country": found[0], "text": found[1]})
        out.evidence.append(
            {
                "signal": "profile",
                "field": name,
                "strength": strength,
                "matched": sorted({h.term for h in hits}),
                "text": text[:EVIDENCE_TEXT],
            }
        )
        if out.state is None and (sender := sending_country(text)) is not None:
            out.state = sender[0]
            out.evidence.append({"signal": "state", "field": name, "country": sender[0], "text": sender[1]})
    if out.strength > 0 and out.host_country is None and p.location:
        place = place_in_location(p.location)
        if place is not None:
            out.host_country, out.host_city = place
            out.evidence.append(
                {"signal": "host", "field": "location", "country": place[0], "text": p.location[:EVIDENCE_TEXT]}
            )
    posted = out.kind is None or out.kind in HOST_COUNTRY_KINDS
    if posted and out.host_country is not None and out.host_country == out.state:  # never posted at home
        out.host_country = out.host_city = None
        out.evidence = [e for e in out.evidence if e["signal"] != "host"]
    _labels(p, roster, out)
    return out


def _labels(p: Profile, roster: Roster, out: ProfileSignal) -> None:
    vt = (p.verified_type or "").lower()
    if vt == "government":
        out.label = GOVERNMENT_LABEL
        out.evidence.append({"signal": "label", "verified_type": p.verified_type, "affiliation": p.affiliation})
    elif vt == "valid" and p.affiliation:  # Bluesky: the verifiers' DIDs
        verifiers = [d.strip() for d in p.affiliation.replace(";", ",").split(",") if d.strip()]
        by_roster = [d for d in verifiers if roster.holds(p.platform, d, None)]
        out.label = ROSTER_VERIFIER if by_roster else OTHER_VERIFIER
        out.evidence.append(
            {"signal": "label", "verified_type": p.verified_type, "verifiers": verifiers, "roster_verifiers": by_roster}
        )
