"""``Prov``: the provenance of the records mapped from one payload, one JSON pointer at a time.

Every mapper (the importers' and the three collectors') is handed one for the payload it maps and
calls it with the pointer of each object: ``prov("/data/3")`` is that object's ``Provenance``.
"""

from __future__ import annotations

from diplotrack.records import Provenance


class Prov:
    __slots__ = ("source", "file", "line", "raw_id", "base")

    def __init__(self, source: str, file: str | None, line: int | None, raw_id: str | None, base: str = "") -> None:
        self.source, self.file, self.line, self.raw_id, self.base = source, file, line, raw_id, base

    def __call__(self, pointer: str) -> Provenance:
        return Provenance(self.source, self.file, self.line, self.raw_id, self.base + pointer)
