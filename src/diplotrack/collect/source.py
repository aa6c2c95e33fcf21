"""What every platform source gives the engine: the same few types whatever the platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from diplotrack.collect.meter import Meter
from diplotrack.records import ApiError, Engagement, Post, ProfileSnapshot, Skip


@dataclass(frozen=True)
class Target:
    """A tracked account, as the store knows it before this run."""

    platform: str
    handle: str
    user_id: str | None
    actor_id: str


@dataclass
class Found:
    """The lookup outcome for one target: its stable id and current handle, or why it is gone."""

    target: Target
    status: str  # active | protected | suspended | not_found | deleted
    user_id: str | None = None
    handle: str | None = None
    detail: str | None = None


@dataclass
class Sweep:
    """One pass over an account's timeline, newest first, down to a lower bound.

    ``since_id``/``since_at`` bound it below (exclusive); ``cursor`` is the next page's token while
    the sweep is open. ``high_*`` and ``low_at`` track what the sweep has seen so far.
    """

    since_id: str | None = None
    since_at: datetime | None = None
    cursor: str | None = None
    started_at: datetime | None = None
    high_id: str | None = None
    high_at: datetime | None = None
    low_at: datetime | None = None
    pages: int = 0
    resumed: bool = False
    page_size: int | None = None  # set by the engine before each request when the budget is short


@dataclass
class Page:
    """One response, its raw bytes, and the records mapped from it."""

    url: str
    body: bytes
    fmt: str
    retrieved_at: datetime
    posts: list[Post] = field(default_factory=list)
    profiles: list[ProfileSnapshot] = field(default_factory=list)
    errors: list[ApiError] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    # timeline pages only: the ids of the account's own timeline items, and where the sweep goes next
    seen: list[tuple[str, datetime | None]] = field(default_factory=list)
    next_cursor: str | None = None
    done: bool = True
    items: int = 0
    cost: float = 0.0


@dataclass
class TimelinePage:
    """A platform mapping's reading of one timeline page: the posts, what could not be mapped, the
    account's own items (``seen``), and where the sweep goes next. The client makes it a ``Page``."""

    posts: list[Post] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    seen: list[tuple[str, datetime | None]] = field(default_factory=list)
    next_cursor: str | None = None
    done: bool = True
    items: int = 0

    def page(self, url: str, body: bytes, fmt: str, retrieved_at: datetime, cost: float = 0.0) -> Page:
        """The engine's ``Page`` of this response."""
        return Page(
            url=url,
            body=body,
            fmt=fmt,
            retrieved_at=retrieved_at,
            posts=self.posts,
            skips=self.skips,
            seen=self.seen,
            next_cursor=self.next_cursor,
            done=self.done,
            items=self.items,
            cost=cost,
        )


@dataclass(frozen=True)
class PlannedRequest:
    endpoint: str
    account: str | None
    requests: int
    items: int
    cost: float  # at most: the upper bound the budget check uses
    note: str = ""
    expected: float | None = None  # the expected cost from recent posting rates; None: unknown
    basis: str = ""  # what ``expected`` rests on
    unit: str = "USD"  # what ``cost`` and ``expected`` count: the currency, or "units" (YouTube's quota)


class Source(Protocol):
    platform: str
    label: str  # "X", "Bluesky", "Mastodon"
    timeline_endpoint: str
    page_posts: int  # posts in a full timeline page: every sweep re-reads at least the newest page
    meter: Meter  # what the source's requests spent; the engine adds items and cost

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        """Profiles of the targets, a page at a time; each page's ``found`` says what became of each."""
        ...

    def lookup_cost_bound(self, n: int) -> float: ...

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        """The next page of the sweep; ``done`` when the sweep reached its lower bound or the end."""
        ...

    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        """The most the next timeline page may cost, and a page size that fits ``budget_left`` (None: default)."""
        ...

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        """Opt-in: who reposted, liked and quoted these posts (platforms that expose it)."""
        ...

    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest: ...

    def close(self) -> None: ...


def failed_page(exc: Exception, *, platform: str, fmt: str, retrieved_at: datetime, what: str) -> Page:
    """A lookup request that failed for good, as a page holding only the skip (and the bytes of a
    malformed body): lookups are generators, and one that raised would end every later lookup."""
    url = getattr(exc, "url", "")
    body = getattr(exc, "body", None)
    return Page(
        url=url,
        body=body or b"",
        fmt=f"{platform}-malformed" if body is not None else fmt,
        retrieved_at=retrieved_at,
        skips=[Skip(url, None, f"{what} failed: {exc}")],
    )
