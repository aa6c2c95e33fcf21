"""X API v2 archives: twarc2 JSONL, plain API response JSON, twarc's flattened JSONL, and
recorded HTTP exchanges (a JSON array of ``{uri, status, body}``).

A page's ``data`` and ``includes.tweets`` become posts, ``includes.users`` (and users in
``data`` of a users lookup) become profile snapshots dated by the page's retrieval time
(``__twarc.retrieved_at``), and ``errors`` entries are kept in ``api_errors``. Where a page
carries no retrieval time, the observation time falls back, in order, to ``--observed-at``, the
newest post in the page (a lower bound), then the file's modification time; the snapshot's
``source`` column says which was used.

Lines are decoded straight into typed structs (x_v2_types); a line whose shape does not match
is decoded again leniently, object by object, so one malformed tweet costs that tweet, not its
page. Large files are read in chunks by worker processes (importers/chunks.py). Mapping the
decoded objects to records is importers/x_v2_map.py. A bad byte, a nesting bomb or JSON of another
shape costs its own line only, reported as a skip with its line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import orjson

from diplotrack.importers.base import BOM, Progress, Sink, file_mtime, quote_value, skip, stored_path, strip_bom
from diplotrack.importers.chunks import ChunkContext, read_chunked
from diplotrack.importers.json_text import (
    DEEP,
    document_error_line,
    json_reason,
    loads,
    looks_like_jsonl,
    utf8_problem,
)
from diplotrack.importers.x_v2_map import NAME, PLATFORM, _map_line, map_page
from diplotrack.importers.x_v2_types import LINE_DECODER, Includes, Line, Media, Twarc, XObject

__all__ = ["NAME", "XV2Importer", "map_lines", "map_page"]
WHOLE_FILE_LIMIT = 256 * 2**20  # a pretty-printed (not one-page-a-line) file is parsed whole up to this
NOT_V2 = "valid JSON but not an X API v2 page, tweet or user object"


class XV2Importer:
    name = NAME
    title = "X API v2 pages: twarc2 JSONL, API response JSON, twarc flattened JSONL, recorded exchanges"
    platform = PLATFORM

    def sniff(self, head: bytes, path: Path) -> bool:
        text = strip_bom(head).lstrip()
        if text[:1] not in (b"{", b"["):
            return False
        broken = False
        for line in [x for x in text.split(b"\n") if x.strip()][:8]:  # one odd line does not hide the rest
            try:
                if _classify_generic(orjson.loads(line)) is not None:
                    return True
            except orjson.JSONDecodeError:
                broken = True
        # a pretty-printed document, or lines broken or longer than the sample: look for v2 keys
        return broken and any(k in text for k in (b'"data"', b'"includes"', b'"__twarc"', b'"author_id"', b'"body"'))

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 16)
        if strip_bom(first).strip() in (b"{", b"[", b"[{"):
            # the first line opens a pretty-printed document (an API response saved with indent)
            n = _read_whole(path, sink, observed_at=observed_at)
            if n is not None:  # else not one document but JSONL with a stray first line: read by line
                progress(path.stat().st_size)
                return n
        ctx = ChunkContext(str(path), stored_path(path), observed_at=observed_at, mtime=file_mtime(path))
        return read_chunked(path, ctx, map_lines, sink, progress)


# -- reading ---------------------------------------------------------------------------------


def map_lines(lines: list[bytes], first_line: int, ctx: ChunkContext, sink: Sink) -> int:
    """Map JSONL lines (numbered from ``first_line``) into the sink; returns lines read. Whatever a
    line holds costs at most that line: each problem becomes a skip naming it."""
    n = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        n += 1
        try:
            _map_one(line, first_line + i, ctx, sink)
        except RecursionError:
            sink.add_skip(skip(ctx.file, first_line + i, DEEP))
        except (ValueError, TypeError, OverflowError) as exc:  # a bug, not the input's fault: said so
            why = f"not imported (internal error {type(exc).__name__}: {exc}); please report it"
            sink.add_skip(skip(ctx.file, first_line + i, why))
    return n


def _map_one(line: bytes, lineno: int, ctx: ChunkContext, sink: Sink) -> None:
    bad = utf8_problem(line)  # msgspec reads only the fields it maps: check every byte first
    if bad is not None:
        sink.add_skip(skip(ctx.file, lineno, bad[1]))
        return
    try:
        obj = LINE_DECODER.decode(line)
    except msgspec.ValidationError:
        obj = _lenient_line(line, ctx, lineno, sink)
        if obj is None:
            return
    except (msgspec.DecodeError, RecursionError) as exc:
        sink.add_skip(skip(ctx.file, lineno, json_reason(line, exc)))
        return
    if not _map_line(obj, line, ctx, lineno, sink):
        sink.add_skip(skip(ctx.file, lineno, NOT_V2))


def _lenient_line(line: bytes, ctx: ChunkContext, lineno: int, sink: Sink) -> Line | None:
    """Decode a line whose shape did not match, keeping every object that does.

    A line that holds a JSON array (recorded exchanges, a list of flattened tweets written on one
    line) is mapped here as a whole document and None is returned."""
    try:
        obj = loads(line)
    except (orjson.JSONDecodeError, msgspec.DecodeError) as exc:
        sink.add_skip(skip(ctx.file, lineno, json_reason(line, exc)))
        return None
    if isinstance(obj, list):
        _map_document(obj, line, ctx, lineno, sink)
        return None
    if not isinstance(obj, dict):
        sink.add_skip(skip(ctx.file, lineno, NOT_V2))
        return None
    return lenient(obj, ctx.file, lineno, sink)


def lenient(obj: dict, file: str, lineno: int, sink: Sink, where: str = "") -> Line | None:
    """Convert a generic dict to a ``Line`` object by object; report each object that does not fit."""

    def conv(value: Any, typ: type, path: str) -> Any:
        try:
            return msgspec.convert(value, typ, strict=False)
        except msgspec.ValidationError as exc:
            sink.add_skip(skip(file, lineno, f"{where}{path} not imported: {exc}"))
            return None

    def conv_list(value: Any, typ: type, path: str) -> list | None:
        if value is None:
            return None
        if not isinstance(value, list):
            sink.add_skip(skip(file, lineno, f"{where}{path} not imported: expected an array"))
            return None
        items = (conv(v, typ, f"{path}[{i}]") for i, v in enumerate(value))
        return [x for x in items if x is not None]

    def _dumps(value: Any, path: str) -> bytes | None:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            sink.add_skip(skip(file, lineno, f"{path} not imported: {DEEP}"))
            return None

    top = {k: v for k, v in obj.items() if k not in ("data", "includes", "errors", "__twarc")}
    line = conv(top, Line, "$") if top else Line()
    if line is None:
        return None
    if "data" in obj:
        data = obj["data"]
        line.data = conv(data, XObject, "$.data") if isinstance(data, dict) else conv_list(data, XObject, "$.data")
    if "includes" in obj:
        inc = obj["includes"]
        if isinstance(inc, dict):
            line.includes = Includes(
                users=conv_list(inc.get("users"), XObject, "$.includes.users"),
                tweets=conv_list(inc.get("tweets"), XObject, "$.includes.tweets"),
                media=conv_list(inc.get("media"), Media, "$.includes.media"),
            )
        else:
            sink.add_skip(skip(file, lineno, f"{where}$.includes not imported: expected an object"))
            line.includes = None
    if "errors" in obj:
        errs = obj["errors"]
        if isinstance(errs, list):
            encoded = (_dumps(e, f"{where}$.errors[{i}]") for i, e in enumerate(errs))
            line.errors = [msgspec.Raw(b) for b in encoded if b is not None]
        else:
            line.errors = None
            sink.add_skip(skip(file, lineno, f"{where}$.errors not imported: expected an array"))
    tw = obj.get("__twarc")
    line.twarc = conv(tw, Twarc, "$.__twarc") if isinstance(tw, dict) else None
    return line


def _read_whole(path: Path, sink: Sink, *, observed_at: datetime | None) -> int | None:
    """Map a pretty-printed document; None when it is not one but JSONL with a stray first line."""
    file = stored_path(path)
    if path.stat().st_size > WHOLE_FILE_LIMIT:
        why = f"a pretty-printed JSON document over {WHOLE_FILE_LIMIT >> 20} MB: convert it to one page a line (JSONL)"
        sink.add_skip(skip(file, 1, why))
        return 1
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[3:]
    obj = None
    try:
        obj, problem = loads(data), None  # orjson refuses text that is not UTF-8: checked on failure only
    except (orjson.JSONDecodeError, msgspec.DecodeError) as exc:
        bad = utf8_problem(data)
        if bad is not None:
            problem = (data.count(b"\n", 0, bad[0]) + 1, bad[1])
        else:
            problem = (document_error_line(data, exc), json_reason(data, exc))
    if problem is not None:
        if looks_like_jsonl(data):
            return None
        sink.add_skip(skip(file, *problem))
        return 1
    ctx = ChunkContext(str(path), file, observed_at=observed_at, mtime=file_mtime(path))
    try:
        _map_document(obj, data, ctx, 1, sink)
    except RecursionError:
        sink.add_skip(skip(file, 1, DEEP))
    return 1


def _map_document(obj: Any, data: bytes, ctx: ChunkContext, lineno: int, sink: Sink) -> None:
    """Map a whole JSON document (or a one-line JSON array): a page, a flattened object, a list
    of flattened objects, or recorded exchanges."""
    file = ctx.file
    kind = _classify_generic(obj)
    if kind == "exchanges":
        raw_id = sink.add_raw(NAME, data, file=file, line=lineno, retrieved_at=None)
        for i, ex in enumerate(obj):
            body = ex.get("body")
            line = lenient(body, file, lineno, sink, where=f"/{i}/body ") if isinstance(body, dict) else None
            if line is None or not _map_line(line, None, ctx, lineno, sink, raw_id=raw_id, pointer=f"/{i}/body"):
                uri = quote_value(ex.get("uri", "?"))
                sink.add_skip(skip(file, lineno, f"exchange {i} ({uri}) has no X API v2 page body"))
    elif kind == "flat-list":
        raw_id = sink.add_raw(NAME, data, file=file, line=lineno, retrieved_at=None)
        for i, item in enumerate(obj):
            line = lenient(item, file, lineno, sink, where=f"/{i} ")
            if line is not None:
                _map_line(line, None, ctx, lineno, sink, raw_id=raw_id, pointer=f"/{i}")
    elif kind in ("page", "flat-tweet", "flat-user"):
        line = lenient(obj, file, lineno, sink)
        if line is not None:
            _map_line(line, data, ctx, lineno, sink)
    else:
        sink.add_skip(skip(file, lineno, NOT_V2))


def _classify_generic(obj: Any) -> str | None:
    """What kind of v2 object a parsed JSON value is, or None when it is none of them."""
    if isinstance(obj, dict):
        if any(k in obj for k in ("data", "includes", "errors")) and not ("id" in obj and "text" in obj):
            return "page"
        if "id" in obj and ("text" in obj or "author" in obj):
            return "flat-tweet"
        if "id" in obj and "username" in obj:
            return "flat-user"
        return None
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        if all("body" in x for x in obj):
            return "exchanges"
        if all(_classify_generic(x) in ("flat-tweet", "flat-user") for x in obj):
            return "flat-list"
    return None
