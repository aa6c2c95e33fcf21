"""A sink that collects mapped records in lists (the importers' Sink interface, for one page)."""

from __future__ import annotations

from datetime import datetime

from diplotrack.records import ApiError, Post, ProfileSnapshot, Skip
from diplotrack.store.raw import raw_id_of


class ListSink:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.profiles: list[ProfileSnapshot] = []
        self.errors: list[ApiError] = []
        self.skips: list[Skip] = []

    def add_raw(
        self, fmt: str, payload: bytes, *, file: str | None, line: int | None, retrieved_at: datetime | None
    ) -> str:
        return raw_id_of(payload)

    def add_post(self, post: Post) -> None:
        self.posts.append(post)

    def add_profile(self, snap: ProfileSnapshot) -> None:
        self.profiles.append(snap)

    def add_api_error(self, err: ApiError) -> None:
        self.errors.append(err)

    def add_skip(self, skip: Skip) -> None:
        self.skips.append(skip)

    def maybe_flush(self) -> None:
        pass
