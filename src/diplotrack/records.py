"""The normalised records every importer and source yields, whatever the platform.

Mapping functions are pure: raw object in, these records out. A field the source does not
give is ``None`` (missing), never ``0`` or ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

POST_KINDS = ("original", "repost", "reply", "quote")
ENTITY_TYPES = ("hashtag", "mention", "url", "media", "cashtag")
PROFILE_STATUSES = ("active", "suspended", "deleted", "protected", "not_found")


@dataclass(slots=True)
class Provenance:
    """Where a record came from: which importer or source, which file and line (or URL)."""

    source: str
    file: str | None = None
    line: int | None = None
    raw_id: str | None = None
    pointer: str | None = None  # JSON pointer of the object inside its raw payload, e.g. /data/3


@dataclass(slots=True)
class Post:
    platform: str
    post_id: str
    author_id: str | None
    author_handle: str | None
    created_at: datetime | None
    text: str | None
    lang: str | None
    kind: str
    provenance: Provenance
    reposted_post_id: str | None = None
    reposted_author_id: str | None = None
    quoted_post_id: str | None = None
    quoted_author_id: str | None = None
    replied_to_post_id: str | None = None
    replied_to_author_id: str | None = None
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    # views (Telegram, YouTube): platforms that count them; Telegram's preview rounds them ("8.67M")
    view_count: int | None = None
    metrics_observed_at: datetime | None = None
    source_client: str | None = None
    conversation_id: str | None = None
    entities: list[Entity] = field(default_factory=list)
    # sources that see edits (Telegram's "edited" mark): when this text was read. A later reading
    # whose text differs replaces the stored text and the change is kept in post_edits; a post
    # without it (every importer) never changes a stored text (the first text seen is kept)
    text_observed_at: datetime | None = None


@dataclass(slots=True)
class Entity:
    type: str
    value: str
    normalized: str


class EntitySet:
    """A post's entities in the order first seen, each (kind, value) once: what every mapping builds."""

    __slots__ = ("items", "_seen")

    def __init__(self) -> None:
        self.items: list[Entity] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, kind: str, value: str, normalized: str) -> None:
        if (kind, value) not in self._seen:
            self._seen.add((kind, value))
            self.items.append(Entity(kind, value, normalized))


@dataclass(slots=True)
class ProfileSnapshot:
    platform: str
    user_id: str
    observed_at: datetime
    provenance: Provenance
    handle: str | None = None
    display_name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    verified: bool | None = None
    status: str = "active"
    source: str | None = None
    location: str | None = None
    # the platform's own labels, as it words them; None where it says nothing (docs/data-model.md):
    # verified_type (X "government", "business", "blue", "none"; Bluesky's verifiedStatus),
    # affiliation (X affiliation.description, Bluesky the verifiers' DIDs), url (the profile's link)
    verified_type: str | None = None
    affiliation: str | None = None
    url: str | None = None


@dataclass(slots=True)
class ApiError:
    """An ``errors`` entry of an API page (a suspended user, a missing tweet): kept, not dropped."""

    platform: str
    provenance: Provenance
    title: str | None
    detail: str | None
    resource_type: str | None
    resource_id: str | None
    raw: str


@dataclass(slots=True)
class Skip:
    """One piece of input that was not imported, with where it was and why."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


def handle_key(handle: str) -> str:
    """The placeholder user id for an account known only by its handle (documented in the data model)."""
    return "handle:" + handle.lstrip("@").lower()


def primary_kind(*, reposted: bool, quoted: bool, replied: bool) -> str:
    """A post that is several things is named by the first of: repost, quote, reply, original."""
    if reposted:
        return "repost"
    if quoted:
        return "quote"
    if replied:
        return "reply"
    return "original"


ENGAGEMENT_KINDS = ("repost", "like", "quote")


@dataclass(slots=True)
class Engagement:
    """Someone reposted, liked or quoted a tracked account's post (Bluesky's getRepostedBy,
    getLikes, getQuotes): who, when if the platform says, and which post of theirs it was."""

    platform: str
    post_id: str
    kind: str
    actor_user_id: str
    actor_handle: str | None
    engaged_at: datetime | None
    engagement_post_id: str | None
    observed_at: datetime
    provenance: Provenance


@dataclass(slots=True)
class FollowEdge:
    """``follower`` followed ``followed`` when observed (a follow list or a dataset of edges)."""

    platform: str
    follower_id: str
    followed_id: str
    follower_handle: str | None
    followed_handle: str | None
    observed_at: datetime
    source: str
    provenance: Provenance
