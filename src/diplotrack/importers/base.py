"""What every importer shares: its self-description, the sink it writes into, line reading.

An importer is a small object with a ``name`` (used by ``--format``), a one-line ``title``, a
``sniff`` that says from the first bytes of a file whether it is this format, and a ``read``
that maps the file's objects to records and hands them to the sink. Mapping is pure; the sink
(the store writer) does all writing. Problems with one piece of input become ``Skip`` records
(file:line and reason) and reading goes on.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from diplotrack.provenance import stored_path
from diplotrack.records import ApiError, Post, ProfileSnapshot, Skip

BOM = b"\xef\xbb\xbf"
_INVALID_BYTE = re.compile("[\udc80-\udcff]")  # how surrogateescape decoding marks invalid UTF-8
SNIFF_BYTES = 64 * 1024
QUOTE_CHARS = 80  # how much of a bad value a skip reason repeats
REASON_CHARS = 500  # the longest skip reason kept (a last guard; values are cut by quote_value())
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Sink(Protocol):
    def add_raw(
        self, fmt: str, payload: bytes, *, file: str | None, line: int | None, retrieved_at: datetime | None
    ) -> str: ...
    def add_post(self, post: Post) -> None: ...
    def add_profile(self, snap: ProfileSnapshot) -> None: ...
    def add_api_error(self, err: ApiError) -> None: ...
    def add_skip(self, skip: Skip) -> None: ...
    def maybe_flush(self) -> None: ...


Progress = Callable[[int], None]


class Importer(Protocol):
    name: str
    title: str
    platform: str

    def sniff(self, head: bytes, path: Path) -> bool: ...

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        """Import one file; returns how many input records (lines, rows) were read."""
        ...


def read_head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(SNIFF_BYTES)


def strip_bom(head: bytes) -> bytes:
    return head[3:] if head.startswith(BOM) else head


def file_mtime(path: Path) -> datetime:
    """The file's modification time in UTC: the last-resort observation time, documented as such."""
    return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).replace(tzinfo=None)


def parse_time(value: object) -> datetime | None:
    """Parse an ISO 8601 or ``YYYY-MM-DD HH:MM:SS`` time to naive UTC; ``None`` when empty.

    Raises ``ValueError`` on text that is not a time (the caller turns it into a skip).
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        return _parse_time_text(text)
    except OverflowError:  # a valid date whose UTC time falls outside years 1-9999
        raise ValueError(f"{quote_value(text)} is out of the range of dates (years 1 to 9999 in UTC)") from None


@functools.lru_cache(maxsize=65536)
def _parse_time_text(s: str) -> datetime | None:
    if not s or s.upper() in ("NA", "NAN", "NULL", "NONE"):
        return None
    if s.endswith(" UTC"):
        s = s[:-4]
    if s.endswith("Z") and len(s) > 10:
        return datetime.fromisoformat(s[:-1])  # UTC already: the common case, kept cheap
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def parse_int(value: object) -> int | None:
    """A count as an int; ``None`` when empty; ``ValueError`` when not a whole number that fits the
    store's 64-bit integers (``1e400``, ``inf`` and 20-digit counts are refused here, not at write)."""
    if value is None:
        return None
    if isinstance(value, bool):  # JSON true/false: an int to Python, never a count
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return in_int64(value)
    s = str(value).strip()
    if not s or s.upper() in ("NA", "NAN", "NULL", "NONE"):
        return None
    try:
        return in_int64(int(s))  # exact for integer text, however long
    except ValueError as exc:
        if "out of range" in str(exc):
            raise
    f = float(s)
    if not math.isfinite(f) or f != int(f):
        raise ValueError(f"{quote_value(s)} is not a whole number")
    return in_int64(int(f))


def in_int64(n: int) -> int:
    """``n`` when it fits a 64-bit integer column, else ``ValueError``."""
    if not INT64_MIN <= n <= INT64_MAX:
        raise ValueError(f"{_short(n)} is out of range (a count must fit in 64 bits)")
    return n


def _short(n: int) -> str:
    return str(n) if n.bit_length() <= 100 else f"a number of about {round(n.bit_length() * 0.30103)} digits"


def iter_csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str] | None, str | None, int]]:
    """Yield ``(line, row, problem, offset)`` per CSV record: the physical line it starts on, the
    row (``None`` with a ``problem`` when it cannot be read) and about how far into the file it is.

    Decoding errors and NUL bytes are reported per row (``problem``), never fatal; a UTF-8 BOM is
    accepted.
    """
    with open(path, "rb") as raw:
        # invalid bytes become lone surrogates (found below), so a real U+FFFD in the text is kept
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip() for h in header]
        line = reader.line_num + 1
        while True:
            start = line
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, f"unreadable CSV record: {exc}", raw.tell()
                line = reader.line_num + 1
                continue
            line = reader.line_num + 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if any(_INVALID_BYTE.search(v) for v in values):
                yield start, None, "not valid UTF-8 text (binary data?)", raw.tell()
                continue
            if any("\x00" in v for v in values):  # other control characters are text, kept
                yield start, None, "contains a NUL byte (binary data?); remove it from the row", raw.tell()
                continue
            if len(values) != len(header):
                span = reader.line_num - start + 1
                hint = (
                    f" (the record runs over {span} lines, to line {reader.line_num}: an unbalanced quote?)"
                    if span > 2
                    else ""
                )
                yield start, None, f"has {len(values)} fields where the header has {len(header)}{hint}", raw.tell()
                continue
            yield start, dict(zip(header, values, strict=True)), None, raw.tell()


def csv_header(head: bytes) -> list[str]:
    """The header fields of a CSV from its first bytes (empty list when there is none)."""
    text = strip_bom(head).decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0].strip("\r")
    try:
        return [h.strip() for h in next(csv.reader([first]))]
    except (StopIteration, csv.Error):
        return []


def missing_columns(header: list[str], required: tuple[str, ...]) -> list[str]:
    have = set(header)
    return [c for c in required if c not in have]


def looks_binary(head: bytes) -> bool:
    """True for content that is not text: NUL bytes or invalid UTF-8 in the first bytes."""
    if b"\x00" in head:
        return True
    try:
        strip_bom(head).decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        return exc.start < len(head) - 4
    return False


def quote_value(value: object) -> str:
    """A value from the input as a skip reason repeats it: quoted (``repr``), and cut to its first
    80 characters and "…" when longer, so a 24 KB field does not make a 24 KB reason."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def skip(file: Path | str, line: int | None, reason: str) -> Skip:
    if len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 1] + "…"
    return Skip(file=stored_path(file), line=line, reason=reason)


RowMapper = Callable[[dict[str, str], str, int], None]


def read_csv_rows(path: Path, sink: Sink, progress: Progress, required: tuple[str, ...], map_row: RowMapper) -> int:
    """Drive a CSV importer: check the header, then map each row, turning ``ValueError`` into skips.

    ``map_row(row, file, line)`` hands its records to the sink itself. Returns rows read.
    """
    file = stored_path(path)
    with open(path, "rb") as fh:
        header = csv_header(fh.read(SNIFF_BYTES))
    missing = missing_columns(header, required)
    if missing:
        sink.add_skip(skip(file, 1, f"CSV lacks the required column(s) {', '.join(missing)}"))
        return 0
    n = 0
    last = 0
    for line, row, problem, offset in iter_csv_rows(path):
        progress(offset - last)
        last = offset
        n += 1
        if row is None:
            sink.add_skip(skip(file, line, problem or "unreadable row"))
            continue
        try:
            map_row(row, file, line)
        except (ValueError, OverflowError) as exc:  # a value the store cannot hold costs its row only
            sink.add_skip(skip(file, line, str(exc)))
            continue
        sink.maybe_flush()
    return n
