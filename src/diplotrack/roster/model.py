"""The roster model: who is tracked (actors), through which accounts, plus optional snapshots.

Both roster forms (YAML and CSV, see docs/roster-format.md) load into these dataclasses. Line
numbers are kept for messages only and never take part in equality, so the same roster written
in either form compares equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from diplotrack import platforms

FORMAT_VERSION = 1

KINDS = (
    "embassy",
    "consulate",
    "mission",
    "ambassador",
    "consul_general",
    "diplomat",
    "spokesperson",
    "ministry",
    "state_media",
    "state_media_journalist",
    "other",
)
INSTITUTIONAL_KINDS = frozenset({"embassy", "consulate", "mission", "ministry", "state_media"})
HOST_COUNTRY_KINDS = frozenset({"embassy", "consulate", "mission", "ambassador", "consul_general"})
PLATFORMS = platforms.PLATFORMS  # every platform a roster may name: the platforms registry's

ACTOR_FIELDS = (
    "actor_id",
    "name",
    "kind",
    "institutional",
    "state",
    "host_country",
    "host_city",
    "organisation",
    "person",
    "tenure_start",
    "tenure_end",
    "languages",
    "tags",
    "source",
    "notes",
)
REQUIRED_ACTOR_FIELDS = ("actor_id", "name", "kind", "state")
LIST_FIELDS = ("languages", "tags")
ACCOUNT_FIELDS = ("platform", "handle", "user_id", "source", "notes")
REQUIRED_ACCOUNT_FIELDS = ("platform", "handle")


def derived_institutional(kind: str) -> bool:
    """Whether an actor of this kind speaks for an institution (rather than a person)."""
    return kind in INSTITUTIONAL_KINDS


@dataclass(slots=True)
class RosterProblem:
    """One thing wrong with a roster, located at the line that holds the offending value."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass(slots=True)
class Account:
    platform: str
    handle: str
    user_id: str | None = None
    source: str | None = None
    notes: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Actor:
    actor_id: str
    name: str
    kind: str
    institutional: bool
    state: str
    host_country: str | None = None
    host_city: str | None = None
    organisation: str | None = None
    person: str | None = None
    tenure_start: str | None = None
    tenure_end: str | None = None
    languages: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    notes: str | None = None
    accounts: list[Account] = field(default_factory=list)
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Source:
    """An entry of the YAML ``sources:`` mapping, which actors and accounts cite by key."""

    key: str
    title: str | None = None
    url: str | None = None
    note: str | None = None


@dataclass(slots=True)
class SnapshotRow:
    """One row of a profile-snapshot CSV named under ``snapshots:`` (an observed profile state)."""

    platform: str
    handle: str
    observed_at: datetime
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    created_at: datetime | None = None
    status: str = "active"
    source: str | None = None
    notes: str | None = None
    file: str = ""  # the CSV's path as written in the roster (relative to the roster file)
    line: int = 0


@dataclass(slots=True)
class Roster:
    name: str
    description: str | None = None
    actors: list[Actor] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    path: str | None = field(default=None, compare=False)

    def accounts(self) -> Iterator[tuple[Actor, Account]]:
        """Every account with the actor it belongs to, in roster order."""
        for actor in self.actors:
            for account in actor.accounts:
                yield actor, account
