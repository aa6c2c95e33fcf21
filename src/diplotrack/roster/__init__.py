"""Rosters: which actors (embassies, diplomats, state media) and accounts diplotrack tracks.

The format is documented in docs/roster-format.md. Entry points: :func:`load_roster` and
:func:`validate_file` read and check a YAML or CSV roster; :func:`import_roster` writes a valid
one into the store; :func:`list_accounts` reads the accounts back with their actors.
"""

from __future__ import annotations

from diplotrack.roster.load import bundled_roster_path, load_roster, validate_file
from diplotrack.roster.model import Account, Actor, Roster, RosterProblem, SnapshotRow, Source
from diplotrack.roster.store import RosterImportResult, import_roster, list_accounts

__all__ = [
    "Account",
    "Actor",
    "Roster",
    "RosterImportResult",
    "RosterProblem",
    "SnapshotRow",
    "Source",
    "bundled_roster_path",
    "import_roster",
    "list_accounts",
    "load_roster",
    "validate_file",
]
