"""The platforms the collector knows (the specs in ``diplotrack.platforms`` that name a source), and
how to build their sources from the settings."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import httpx

from diplotrack.collect.clock import Clock
from diplotrack.collect.config import Settings
from diplotrack.collect.http import Reporter
from diplotrack.collect.meter import Meter
from diplotrack.collect.source import Source
from diplotrack.errors import UsageError
from diplotrack.platform_spec import PlatformSpec, Setting
from diplotrack.platforms import BY_NAME, COLLECTABLE, labels

PLATFORMS = COLLECTABLE


def build_source(
    platform: str, settings: Settings, clock: Clock, reporter: Reporter, transport: httpx.BaseTransport | None = None
) -> Source:
    spec = BY_NAME.get(platform)
    if spec is None or not spec.collectable:
        raise UsageError(f"cannot collect from '{platform}'; collectable platforms: {', '.join(PLATFORMS)}")
    source: Source = spec.source_class()(settings, clock=clock, meter=Meter(), reporter=reporter, transport=transport)
    return source


def missing_secret(spec: PlatformSpec, settings: Settings) -> Setting | None:
    """The credential collection from ``spec``'s platform cannot do without, when ``settings`` lack it."""
    if spec.required_secret is None:
        return None
    needed = spec.setting(spec.required_secret)
    return None if needed.field and getattr(settings, needed.field) else needed


def choose_platforms(
    con: duckdb.DuckDBPyConnection, requested: Sequence[str], settings: Settings
) -> tuple[list[str], list[str]]:
    """The platforms to collect, and a note for each one left out and why.

    Named with ``--platform``: those, and a missing credential is an error. Not named: every
    collectable platform the store has tracked accounts on; one whose credential is missing (X without
    a token) is left out, noted.
    """
    for p in requested:
        if p not in PLATFORMS:
            raise UsageError(f"--platform {p!r} is not collectable; use one of {', '.join(PLATFORMS)}")
    have = {r[0] for r in con.execute("SELECT DISTINCT platform FROM accounts").fetchall()}
    notes: list[str] = []
    if requested:
        chosen = list(dict.fromkeys(requested))
        for p in chosen:
            spec = BY_NAME[p]
            if (needed := missing_secret(spec, settings)) is not None:
                others = " / ".join(f"--platform {o}" for o in PLATFORMS if o != p)
                raise UsageError(
                    f"no {spec.label} {needed.what}: set {needed.env} (or [{p}] {needed.key} in the config file), "
                    f"or leave {spec.label} out with {others}"
                )
        return chosen, notes
    chosen = [p for p in PLATFORMS if p in have]
    if not chosen:
        raise UsageError(
            f"the store tracks no account on {labels(PLATFORMS, 'or')}; import a roster first "
            "('diplotrack roster import ROSTER')"
        )
    left_out: list[tuple[str, Setting]] = []
    for p in list(chosen):
        spec = BY_NAME[p]
        if (needed := missing_secret(spec, settings)) is not None:
            chosen.remove(p)
            left_out.append((p, needed))
            notes.append(f"{spec.label} left out: no {needed.what} (set {needed.env} to collect from {spec.label})")
    if not chosen:
        envs = " and ".join(str(needed.env) for _, needed in left_out)
        verb = "is" if len(left_out) == 1 else "are"
        on = labels([p for p, _ in left_out])
        raise UsageError(f"nothing to collect: the tracked accounts are on {on} and {envs} {verb} not set")
    return chosen, notes
