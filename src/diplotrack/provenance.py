"""``Prov``: the provenance of the records mapped from one payload, one JSON pointer at a time; and
``stored_path``: a file's name as the store keeps it (provenance, runs, skips, roster files).

Every mapper (the importers' and the three collectors') is handed one for the payload it maps and
calls it with the pointer of each object: ``prov("/data/3")`` is that object's ``Provenance``.
"""

from __future__ import annotations

import os
from pathlib import Path

from diplotrack.records import Provenance


class Prov:
    __slots__ = ("source", "file", "line", "raw_id", "base")

    def __init__(self, source: str, file: str | None, line: int | None, raw_id: str | None, base: str = "") -> None:
        self.source, self.file, self.line, self.raw_id, self.base = source, file, line, raw_id, base

    def __call__(self, pointer: str) -> Provenance:
        return Provenance(self.source, self.file, self.line, self.raw_id, self.base + pointer)


def stored_path(path: Path | str) -> str:
    """A path as the store keeps it (runs, raw payloads, provenance, skips): valid UTF-8 text. Bytes
    of a file name that are not UTF-8 (Linux allows any) are written as ``\\xff`` escapes, so
    nothing is lost and the same file always gets the same name; a UTF-8 path is unchanged."""
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a str with surrogates that did not come from the file system
        return str(path).encode("utf-8", "backslashreplace").decode("utf-8")
