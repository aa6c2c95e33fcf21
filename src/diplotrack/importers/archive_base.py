"""The shape every CSV export of a research tool (minet's and 4CAT's CSVs) is imported in.

A format is its required columns: ``sniff`` accepts a file whose header has them all, and
``read_csv_rows`` skips a file without them whole. Each row is kept as its raw payload (the row as
a JSON object) and mapped by the format's pure ``map_row``, whose ``ValueError`` skips that row.
4CAT's NDJSON datasets have their own shape (importers/fourcat_ndjson.py ``NdjsonImporter``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson

from diplotrack.importers.base import Progress, Sink, csv_header, missing_columns, read_csv_rows
from diplotrack.records import Provenance

RowMapper = Callable[[dict[str, str], Provenance, datetime | None], Any]


class CsvRowImporter:
    """An importer of one CSV export format.

    Subclasses give ``name``, ``title``, ``platform``, ``required`` (the columns that make the
    format) and ``map_row`` (``map_row(row, provenance, observed_at option)``, a static method).
    ``read`` hands the Post each row maps to to the sink; a format whose rows map to something else
    overrides ``read`` and keeps what they map to with ``read_rows``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    platform: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    map_row: ClassVar[RowMapper]

    def sniff(self, head: bytes, path: Path) -> bool:
        return not missing_columns(csv_header(head), self.required)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        return self.read_rows(path, sink, progress, observed_at, sink.add_post)

    def read_rows(
        self, path: Path, sink: Sink, progress: Progress, observed_at: datetime | None, keep: Callable[[Any], None]
    ) -> int:
        """Read the file's rows: each kept raw, mapped, and what it maps to handed to ``keep``.
        Returns rows read."""

        def one(row: dict[str, str], file: str, line: int) -> None:
            raw_id = sink.add_raw(self.name, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            keep(self.map_row(row, Provenance(self.name, file, line, raw_id, None), observed_at))

        return read_csv_rows(path, sink, progress, self.required, one)
