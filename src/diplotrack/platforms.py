"""The platforms diplotrack knows, one spec each (``platform_spec``): the one list that the roster,
the importers, the enrichment, the collectors' registry, the config and the CLI help read.

A platform with a collector keeps its spec in its package (``collect/<name>/spec.py``); one the roster
accepts but nothing collects yet is declared here. Adding a platform is one package and one line in
``SPECS`` (docs/adding-a-platform.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from diplotrack.collect.bluesky.spec import SPEC as BLUESKY
from diplotrack.collect.mastodon.spec import SPEC as MASTODON
from diplotrack.collect.telegram.spec import SPEC as TELEGRAM
from diplotrack.collect.x.spec import SPEC as X
from diplotrack.collect.youtube.spec import SPEC as YOUTUBE
from diplotrack.platform_spec import PlatformSpec, Setting


def speaker_name(name: str) -> str:
    """A podium speaker's name in the one form the roster and the statement importers keep: runs of
    spaces (ideographic and no-break spaces too) made one space, none at either end."""
    return " ".join(name.split())


# the ministry's podium: statements imported from transcripts (importers/mfa_statements.py and
# importers/statements_csv.py), never collected
MFA = PlatformSpec(
    name="mfa",
    label="Ministry podium",
    handle_form="the speaker's name as the transcripts write it (e.g. 华春莹 or Hua Chunying)",
    normalize_handle=speaker_name,
    names_as_handles=True,
)

SPECS: tuple[PlatformSpec, ...] = (X, BLUESKY, MASTODON, YOUTUBE, TELEGRAM, MFA)

BY_NAME = {s.name: s for s in SPECS}
# other names people write for a platform (state-media lists, --platform): each read as the platform
ALIASES = {"twitter": "x", "bsky": "bluesky", "fediverse": "mastodon"}
PLATFORMS = tuple(s.name for s in SPECS)  # every platform the roster accepts
COLLECTABLE = tuple(s.name for s in SPECS if s.collectable)  # those a collector reads


def spec_of(name: str | None) -> PlatformSpec | None:
    """The spec of the platform ``name``, or None when diplotrack does not know it."""
    return BY_NAME.get(name or "")


def listed(words: Sequence[str], conjunction: str = "and") -> str:
    """``x, bluesky or mastodon``: words as a sentence lists them."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def labels(names: Sequence[str], conjunction: str = "and") -> str:
    """``X, Bluesky and Mastodon``: the platforms' labels as a sentence reads them."""
    return listed([BY_NAME[n].label if n in BY_NAME else n for n in names], conjunction)


__all__ = [
    "ALIASES",
    "BY_NAME",
    "COLLECTABLE",
    "PLATFORMS",
    "SPECS",
    "PlatformSpec",
    "Setting",
    "labels",
    "listed",
    "spec_of",
]
