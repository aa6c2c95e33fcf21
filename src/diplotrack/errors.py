"""One exception root for diplotrack; every area subclasses it and carries its context.

Whether an error is worth retrying is a property of its type (``transient``), never a
string to parse. Messages are one sentence saying what went wrong and what to do next.
"""

from __future__ import annotations

# Exit codes (docs/cli.md, README): 0 done; 1 done, but something was skipped or failed (see the
# summary; also a store error); 2 usage error (bad option, value, file); 70 internal error (a bug:
# run with --debug and report it); 75 the store is in use by another process (try again later);
# 130 interrupted.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE
EXIT_BUSY = 75  # EX_TEMPFAIL
EXIT_INTERRUPTED = 130


class DiplotrackError(Exception):
    """Root of every error diplotrack raises on purpose."""

    transient: bool = False
    exit_code: int = EXIT_FAILED


class UsageError(DiplotrackError):
    """The user asked for something that cannot be done as asked (bad flag, missing file)."""

    exit_code = EXIT_USAGE


class InvalidValueError(UsageError, ValueError):
    """A function of the library was given a value it does not take (an analysis parameter, a network
    option): the user's usage error, and a ValueError for Python callers that catch that."""


class RosterError(DiplotrackError):
    """A roster file could not be read at all (not: a row with a problem; those are reported)."""

    exit_code = EXIT_USAGE


class DataFileError(DiplotrackError, ValueError):
    """A data file diplotrack reads its rules from (the tone cues, a taxonomy, the state-media list)
    is not valid; the message names the file and what to fix."""

    exit_code = EXIT_USAGE


class StoreError(DiplotrackError):
    """The store could not be opened or written."""


class StoreBusyError(StoreError):
    """Another process holds the store's write lock."""

    transient = True
    exit_code = EXIT_BUSY


class ImportFormatError(DiplotrackError):
    """A file is in no format any importer understands, or not in the one forced."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file
