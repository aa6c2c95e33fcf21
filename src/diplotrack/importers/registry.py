"""The importers diplotrack knows, in the order their formats are tried on a file's first bytes."""

from __future__ import annotations

from pathlib import Path

from diplotrack.errors import ImportFormatError
from diplotrack.importers.base import Importer
from diplotrack.importers.chc_mentions import ChcMentionsImporter
from diplotrack.importers.follow_edges import FollowEdgesImporter
from diplotrack.importers.fourcat_bluesky import FourcatBlueskyCsvImporter, FourcatBlueskyNdjsonImporter
from diplotrack.importers.fourcat_telegram import FourcatTelegramCsvImporter, FourcatTelegramNdjsonImporter
from diplotrack.importers.fourcat_x import FourcatXCsvImporter, FourcatXNdjsonImporter
from diplotrack.importers.io_archive import IoArchiveImporter
from diplotrack.importers.mfa_statements import MfaStatementsImporter
from diplotrack.importers.minet_bluesky import MinetBlueskyImporter
from diplotrack.importers.minet_telegram import MinetTelegramImporter
from diplotrack.importers.minet_x import MinetXImporter
from diplotrack.importers.minet_youtube import MinetYoutubeImporter
from diplotrack.importers.rtweet_csv import RtweetCsvImporter
from diplotrack.importers.statements_csv import StatementsCsvImporter
from diplotrack.importers.x_v2 import XV2Importer

IMPORTERS: tuple[Importer, ...] = (
    # research-tool exports first: each needs its own columns or JSON keys (4CAT's X NDJSON would
    # otherwise pass for twarc's flattened tweets), and none accepts another format's file
    FourcatXNdjsonImporter(),
    FourcatTelegramNdjsonImporter(),
    FourcatBlueskyNdjsonImporter(),
    FourcatXCsvImporter(),
    FourcatTelegramCsvImporter(),
    FourcatBlueskyCsvImporter(),
    MinetXImporter(),
    MinetBlueskyImporter(),
    MinetTelegramImporter(),
    MinetYoutubeImporter(),
    XV2Importer(),
    ChcMentionsImporter(),
    IoArchiveImporter(),
    FollowEdgesImporter(),
    RtweetCsvImporter(),
    MfaStatementsImporter(),
    StatementsCsvImporter(),
)
ALIASES = {
    "twarc2": "x-v2",
    "x": "x-v2",
    "rtweet": "rtweet-csv",
    "tweepy-csv": "rtweet-csv",
    "statements": "statements-csv",
    "4cat-x": "fourcat-x-ndjson",
    "4cat-telegram": "fourcat-telegram-ndjson",
    "4cat-bluesky": "fourcat-bluesky-ndjson",
    "4cat-x-csv": "fourcat-x-csv",
    "4cat-telegram-csv": "fourcat-telegram-csv",
    "4cat-bluesky-csv": "fourcat-bluesky-csv",
    "minet-twitter": "minet-x",
    "minet-bsky": "minet-bluesky",
}


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
