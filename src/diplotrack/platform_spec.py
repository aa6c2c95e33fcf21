"""What a platform is to diplotrack, as data: one ``PlatformSpec`` per platform.

Dependency-light on purpose (standard library only): the roster, the importers and the enrichment
read the specs, and none of them may load the collectors' HTTP code. A spec names its collector's
source class by a dotted path, imported only when a source is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One collection setting: ``[<platform>] <key>`` in the config file, or the environment variable ``env``."""

    key: str
    what: str  # a noun phrase: "bearer token"
    env: str | None = None
    secret: bool = False  # held in a ``Secret``: printed as ``***``, never logged
    field: str | None = None  # the attribute of ``collect.config.Settings`` that holds its value


@dataclass(frozen=True)
class PlatformSpec:
    name: str  # as the roster, the store and ``--platform`` write it
    label: str  # as people read it: "X", "Bluesky"
    # how the roster writes a handle, for messages and docs
    handle_form: str = "the handle without @"
    # the handle as written in a roster, in the one form the store keeps (None: kept as written)
    normalize_handle: Callable[[str], str] | None = None
    # a message when a handle (already normalized, without @ or spaces) is not of this platform's form
    check_handle: Callable[[str], str | None] | None = None
    # handles are names as people write them, spaces included (the podium's speakers): the roster
    # then refuses only a leading @ and line breaks, tabs or control characters
    names_as_handles: bool = False
    # ``module:Class`` of the collector's source; None: the roster accepts the platform, nothing collects it
    source: str | None = None
    settings: tuple[Setting, ...] = field(default_factory=tuple)
    # the secret collection cannot do without (None: public reads need no credential)
    required_secret: str | None = None
    cost: str = "free"  # the cost model, in words: what a request costs and where the prices are set
    cost_unit: str = "USD"  # what a run spends: money, or "quota units" (YouTube's Data API)
    # a post's address on the platform from its stored post_id (None: the id does not say it)
    post_url: Callable[[str], str | None] | None = None

    @property
    def collectable(self) -> bool:
        return self.source is not None

    def setting(self, key: str) -> Setting:
        for s in self.settings:
            if s.key == key:
                return s
        raise KeyError(f"{self.name} has no setting {key!r}")

    def source_class(self) -> Any:
        """The collector's source class, imported now (never at the spec's import)."""
        if self.source is None:
            raise LookupError(f"no collector for {self.name}")
        module, _, name = self.source.partition(":")
        return getattr(importlib.import_module(module), name)
