"""Reading 4CAT's NDJSON datasets: one collected item a line, kept as 4CAT received it.

4CAT saves the items of an API data source unchanged (``items_to_ndjson``): Telethon message dicts
for Telegram, X API v2 tweets with their ``includes`` spliced in for X, atproto post views for
Bluesky. Each importer says what its items look like (``looks_like``) and maps one item; this
module reads the lines (in chunks, in worker processes for large files: importers/chunks.py),
keeps each line as its raw payload and turns every problem into a skip naming its line: bytes
that are not UTF-8, broken JSON, a line that is not an object, an item of another shape, or a value
the mapping refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

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


def map_items(
    lines: list[bytes],
    first_line: int,
    ctx: ChunkContext,
    sink: Sink,
    *,
    name: str,
    looks_like: Callable[[dict[str, Any]], bool],
    map_item: ItemMapper,
    what: str,
) -> int:
    """Map NDJSON lines (numbered from ``first_line``); returns non-blank lines read."""
    n = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        n += 1
        lineno = first_line + i
        reason = _one(line, lineno, ctx, sink, name, looks_like, map_item, what)
        if reason is not None:
            sink.add_skip(skip(ctx.file, lineno, reason))
    return n


def _one(
    line: bytes,
    lineno: int,
    ctx: ChunkContext,
    sink: Sink,
    name: str,
    looks_like: Callable[[dict[str, Any]], bool],
    map_item: ItemMapper,
    what: str,
) -> str | None:
    bad = utf8_problem(line)
    if bad is not None:
        return bad[1]
    try:
        obj = loads(line)
    except (orjson.JSONDecodeError, msgspec.DecodeError, RecursionError) as exc:
        return json_reason(line, exc)
    if not isinstance(obj, dict) or not looks_like(obj):
        return f"not {what}"
    raw_id = sink.add_raw(name, line, file=ctx.file, line=lineno, retrieved_at=None)
    try:
        map_item(obj, Prov(name, ctx.file, lineno, raw_id), ctx, sink)
    except RecursionError:
        return DEEP
    except (ValueError, TypeError, OverflowError, AttributeError) as exc:
        return f"not imported: {exc}"
    return None


def read_ndjson(path: Path, sink: Sink, progress: Progress, observed_at: datetime | None, mapper: Callable) -> int:
    """Read a 4CAT NDJSON file with ``mapper`` (a module-level ``LineMapper``, so that worker
    processes can run it)."""
    ctx = ChunkContext(str(path), stored_path(path), observed_at=observed_at, mtime=file_mtime(path))
    return read_chunked(path, ctx, mapper, sink, progress)
