"""The platforms the collector knows, and how to build their sources from the settings."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import httpx

from diplotrack.collect.clock import Clock
from diplotrack.collect.config import X_TOKEN_ENV, Settings
from diplotrack.collect.http import Reporter
from diplotrack.collect.meter import Meter
from diplotrack.collect.source import Source
from diplotrack.errors import UsageError

PLATFORMS = ("x", "bluesky", "mastodon")


def build_source(
    platform: str, settings: Settings, clock: Clock, reporter: Reporter, transport: httpx.BaseTransport | None = None
) -> Source:
    meter = Meter()
    if platform == "x":
        from diplotrack.collect.x.client import XSource

        return XSource(settings, clock=clock, meter=meter, reporter=reporter, transport=transport)
    if platform == "bluesky":
        from diplotrack.collect.bluesky.client import BlueskySource

        return BlueskySource(settings, clock=clock, meter=meter, reporter=reporter, transport=transport)
    if platform == "mastodon":
        from diplotrack.collect.mastodon.client import MastodonSource

        return MastodonSource(settings, clock=clock, meter=meter, reporter=reporter, transport=transport)
    raise UsageError(f"cannot collect from '{platform}'; collectable platforms: {', '.join(PLATFORMS)}")


def choose_platforms(
    con: duckdb.DuckDBPyConnection, requested: Sequence[str], settings: Settings
) -> tuple[list[str], list[str]]:
    """The platforms to collect, and a note for each one left out and why.

    Named with ``--platform``: those, and a missing credential is an error. Not named: every
    collectable platform the store has tracked accounts on; X without a token is left out, noted.
    """
    for p in requested:
        if p not in PLATFORMS:
            raise UsageError(f"--platform {p!r} is not collectable; use one of {', '.join(PLATFORMS)}")
    have = {r[0] for r in con.execute("SELECT DISTINCT platform FROM accounts").fetchall()}
    notes: list[str] = []
    if requested:
        chosen = list(dict.fromkeys(requested))
        if "x" in chosen and not settings.x_token:
            raise UsageError(
                f"no X bearer token: set {X_TOKEN_ENV} (or [x] bearer_token in the config file), "
                "or leave X out with --platform bluesky / --platform mastodon"
            )
        return chosen, notes
    chosen = [p for p in PLATFORMS if p in have]
    if not chosen:
        raise UsageError(
            "the store tracks no account on X, Bluesky or Mastodon; import a roster first "
            "('diplotrack roster import ROSTER')"
        )
    if "x" in chosen and not settings.x_token:
        chosen.remove("x")
        notes.append(f"X left out: no bearer token (set {X_TOKEN_ENV} to collect from X)")
    if not chosen:
        raise UsageError(f"nothing to collect: the tracked accounts are on X and {X_TOKEN_ENV} is not set")
    return chosen, notes
