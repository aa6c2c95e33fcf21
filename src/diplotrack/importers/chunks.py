"""Reading a line-oriented file in chunks, mapped in worker processes when the file is large and
cores are free (``worker_count`` says when).

A chunk is a byte range that ends on a line boundary. Each chunk is mapped into a
``RecordBatch`` (in a worker, or in this process) and handed to the sink in file
order, so batches and line numbers are the same whichever way the file was read. At most
``workers + 1`` chunks are in flight, which bounds memory whatever the file size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from diplotrack.importers.base import BOM, Progress, Sink
from diplotrack.store.batch import RecordBatch, shift_lines

CHUNK_BYTES = 16 * 2**20
PARALLEL_MIN_BYTES = 3 * CHUNK_BYTES
ENV_WORKERS = "DIPLOTRACK_WORKERS"
MAX_WORKERS = 4


@dataclass(frozen=True)
class ChunkContext:
    """What mapping a chunk needs to know about its file: ``path`` to open it, ``file`` its name as
    stored (``base.stored_path``: valid UTF-8 even when the file name is not)."""

    path: str
    file: str
    observed_at: datetime | None
    mtime: datetime


LineMapper = Callable[[list[bytes], int, ChunkContext, Sink], int]


def free_cores() -> float:
    """Cores this process may run on (its affinity) less the runnable load of the last minute."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(0.0, cores - load)


def worker_count(size: int) -> int:
    """Worker processes for a file of ``size`` bytes: ``$DIPLOTRACK_WORKERS`` when set, else 0 (read
    in this process) unless worker processes can pay for themselves.

    Workers cost a start-up each (about half a second of CPU) and a copy of every batch back to this
    process, which still merges every batch into the store; read here, a file's batches are merged
    by a background thread while the next chunk is parsed, so one process already keeps two cores
    busy. Workers therefore only pay where cores are free beyond those two: the count is the free
    cores (``free_cores``: affinity less the 1-minute load average) minus one for this process's
    merging, at most ``MAX_WORKERS`` and one per two chunks of the file, and 0 when that leaves fewer
    than two (one worker only moves the parsing to another process). Measured on a 2-core machine:
    two workers used 30% more CPU than one process for the same 100 MB, and were slower."""
    env = os.environ.get(ENV_WORKERS)
    if env is not None and env.strip().isdigit():
        return int(env)
    if size < PARALLEL_MIN_BYTES:
        return 0
    n = min(MAX_WORKERS, int(free_cores()) - 1, size // (2 * CHUNK_BYTES))
    return n if n >= 2 else 0


def chunk_bounds(path: Path, chunk_bytes: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """Byte ranges of about ``chunk_bytes`` that each end just after a newline (or at the end)."""
    size = path.stat().st_size
    bounds: list[tuple[int, int]] = []
    with open(path, "rb") as fh:
        start = 0
        while start < size:
            end = min(start + chunk_bytes, size)
            if end < size:
                fh.seek(end - 1)
                if fh.read(1) != b"\n":
                    end += len(fh.readline())  # finish the line the cut fell in
            bounds.append((start, end))
            start = end
    return bounds


def _lines_of(path: str, start: int, end: int) -> list[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    if start == 0 and data.startswith(BOM):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if b"\r" in data:  # CRLF files: the same line is the same payload whatever the line ending
        lines = [x[:-1] if x.endswith(b"\r") else x for x in lines]
    return lines


def map_chunk(mapper: LineMapper, ctx: ChunkContext, start: int, end: int) -> tuple[dict[str, pa.Table], int, int, int]:
    """Map one chunk into Arrow tables (line numbers relative to the chunk, from 1).

    Returns (tables, records mapped, lines in the chunk, non-blank lines read); runs in a worker.
    """
    lines = _lines_of(ctx.path, start, end)
    batch = RecordBatch()
    read = mapper(lines, 1, ctx, batch)
    return batch.to_arrow(), batch.records, len(lines), read


def read_chunked(path: Path, ctx: ChunkContext, mapper: LineMapper, sink: Sink, progress: Progress) -> int:
    """Map every line of ``path`` into ``sink``; returns how many non-blank lines were read."""
    bounds = chunk_bounds(path, CHUNK_BYTES)  # read at call time, so tests can make chunks small
    size = path.stat().st_size
    workers = worker_count(size)
    if workers < 1 or size < PARALLEL_MIN_BYTES or not hasattr(sink, "add_tables"):
        read = 0
        line = 1
        for start, end in bounds:
            lines = _lines_of(str(path), start, end)
            read += mapper(lines, line, ctx, sink)
            line += len(lines)
            sink.maybe_flush()
            progress(end - start)
        return read
    return _read_parallel(bounds, ctx, mapper, sink, progress, workers)


def _read_parallel(
    bounds: list[tuple[int, int]],
    ctx: ChunkContext,
    mapper: LineMapper,
    sink: Sink,
    progress: Progress,
    workers: int,
) -> int:
    read = 0
    offset = 0
    pending: deque[tuple[Future, int, int]] = deque()
    todo = deque(bounds)
    spawn = multiprocessing.get_context("spawn")  # never fork a process that holds the store open
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        while todo or pending:
            while todo and len(pending) < workers + 1:
                start, end = todo.popleft()
                pending.append((pool.submit(map_chunk, mapper, ctx, start, end), start, end))
            fut, start, end = pending.popleft()
            tables, records, n_lines, n_read = fut.result()
            sink.add_tables(shift_lines(tables, offset), records)  # type: ignore[attr-defined]
            offset += n_lines
            read += n_read
            progress(end - start)
    return read
