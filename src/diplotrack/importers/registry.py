"""The importers diplotrack knows, in the order their formats are tried on a file's first bytes."""

from __future__ import annotations

from pathlib import Path

from diplotrack.errors import ImportFormatError
from diplotrack.importers.base import Importer
from diplotrack.importers.chc_mentions import ChcMentionsImporter
from diplotrack.importers.follow_edges import FollowEdgesImporter
from diplotrack.importers.io_archive import IoArchiveImporter
from diplotrack.importers.rtweet_csv import RtweetCsvImporter
from diplotrack.importers.x_v2 import XV2Importer

IMPORTERS: tuple[Importer, ...] = (
    XV2Importer(),
    ChcMentionsImporter(),
    IoArchiveImporter(),
    FollowEdgesImporter(),
    RtweetCsvImporter(),
)
ALIASES = {"twarc2": "x-v2", "x": "x-v2", "rtweet": "rtweet-csv", "tweepy-csv": "rtweet-csv"}


def by_name(name: str) -> Importer:
    name = ALIASES.get(name, name)
    for imp in IMPORTERS:
        if imp.name == name:
            return imp
    known = ", ".join(i.name for i in IMPORTERS)
    raise ImportFormatError(f"unknown format {name!r}; use one of: {known}")


def detect(head: bytes, path: Path) -> Importer | None:
    """The first importer whose ``sniff`` accepts these first bytes, or None."""
    for imp in IMPORTERS:
        if imp.sniff(head, path):
            return imp
    return None
