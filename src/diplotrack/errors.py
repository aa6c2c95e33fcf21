"""One exception root for diplotrack; every area subclasses it and carries its context.

Whether an error is worth retrying is a property of its type (``transient``), never a
string to parse. Messages are one sentence saying what went wrong and what to do next.
"""

from __future__ import annotations


class DiplotrackError(Exception):
    """Root of every error diplotrack raises on purpose."""

    transient: bool = False
    exit_code: int = 1


class UsageError(DiplotrackError):
    """The user asked for something that cannot be done as asked (bad flag, missing file)."""

    exit_code = 2


class RosterError(DiplotrackError):
    """A roster file could not be read at all (not: a row with a problem; those are reported)."""

    exit_code = 2


class StoreError(DiplotrackError):
    """The store could not be opened or written."""


class StoreBusyError(StoreError):
    """Another process holds the store's write lock."""

    transient = True


class ImportFormatError(DiplotrackError):
    """A file is in no format any importer understands, or not in the one forced."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file
