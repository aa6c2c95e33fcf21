"""Reading 4CAT's NDJSON datasets: one collected item a line, kept as 4CAT received it.

4CAT saves the items of an API data source unchanged (``items_to_ndjson``): Telethon message dicts
for Telegram, X API v2 tweets with their ``includes`` spliced in for X, atproto post views for
Bluesky. Each importer (a ``NdjsonImporter``) says what its items look like (``looks_like``) and
maps one item; ``NdjsonImporter`` reads the lines (in chunks, in worker processes for large files:
importers/chunks.py), keeps each line as its raw payload and turns every problem into a skip naming
its line: bytes that are not UTF-8, broken JSON, a line that is not an object, an item of another
shape, or a value the mapping refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import orjson

from diplotrack.importers.base import Progress, Sink, file_mtime, skip, stored_path, strip_bom
from diplotrack.importers.chunks import ChunkContext, read_chunked
from diplotrack.importers.json_text import DEEP, json_reason, loads, utf8_problem
from diplotrack.provenance import Prov

ItemMapper = Callable[[dict[str, Any], Prov, ChunkContext, Sink], None]
SNIFF_LINES = 8


def first_items(head: bytes) -> list[dict[str, Any]]:
    """The JSON objects among the first lines of a file's first bytes (a line cut by the sample,
    or broken, is passed over)."""
    text = strip_bom(head).lstrip()
    if text[:1] != b"{":
        return []
    out = []
    for line in [x for x in text.split(b"\n") if x.strip()][:SNIFF_LINES]:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


class NdjsonImporter:
    """An importer of one 4CAT NDJSON dataset.

    Subclasses give ``name``, ``title``, ``platform``, ``sniff`` (what the first lines must show),
    ``what`` (an item, as skip reasons name it: "a 4CAT X tweet"), ``looks_like`` (whether a JSON
    object is such an item) and ``map_item`` (``map_item(item, prov, ctx, sink)``, which hands the
    item's records to the sink); ``looks_like`` and ``map_item`` are static methods. The importer
    holds no state, so that worker processes can run its ``map_lines``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    platform: ClassVar[str]
    what: ClassVar[str]
    looks_like: ClassVar[Callable[[dict[str, Any]], bool]]
    map_item: ClassVar[ItemMapper]

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        ctx = ChunkContext(str(path), stored_path(path), observed_at=observed_at, mtime=file_mtime(path))
        return read_chunked(path, ctx, self.map_lines, sink, progress)

    def map_lines(self, lines: list[bytes], first_line: int, ctx: ChunkContext, sink: Sink) -> int:
        """Map NDJSON lines (numbered from ``first_line``); returns non-blank lines read."""
        n = 0
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            n += 1
            lineno = first_line + i
            reason = self._one(line, lineno, ctx, sink)
            if reason is not None:
                sink.add_skip(skip(ctx.file, lineno, reason))
        return n

    def _one(self, line: bytes, lineno: int, ctx: ChunkContext, sink: Sink) -> str | None:
        bad = utf8_problem(line)
        if bad is not None:
            return bad[1]
        try:
            obj = loads(line)
        except (orjson.JSONDecodeError, msgspec.DecodeError, RecursionError) as exc:
            return json_reason(line, exc)
        if not isinstance(obj, dict) or not self.looks_like(obj):
            return f"not {self.what}"
        raw_id = sink.add_raw(self.name, line, file=ctx.file, line=lineno, retrieved_at=None)
        try:
            self.map_item(obj, Prov(self.name, ctx.file, lineno, raw_id), ctx, sink)
        except RecursionError:
            return DEEP
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:
            return f"not imported: {exc}"
        return None
