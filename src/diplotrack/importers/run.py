"""Running an import: files in, one recorded run out, with counts and every skip explained."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from diplotrack.errors import UsageError
from diplotrack.importers.base import Importer, looks_binary, read_head, skip, stored_path
from diplotrack.importers.json_text import is_json
from diplotrack.importers.registry import by_name, detect
from diplotrack.records import Skip
from diplotrack.store.runs import finish_run, start_run
from diplotrack.store.writer import StoreWriter

ENV_BATCH_POSTS = "DIPLOTRACK_BATCH_POSTS"
ENV_IMPORT_MEMORY = "DIPLOTRACK_IMPORT_MEMORY"
IMPORT_CHECKPOINT = "256MB"
NOT_A_FILE = "not a regular file (a device, FIFO or socket)"
NOT_ANY_JSON = (
    "valid JSON but not a page of any format diplotrack imports (an X API v2 page, tweet or user, "
    "or recorded exchanges); check the file, or name its format with --format"
)


@dataclass
class ImportReport:
    run_id: int
    files: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    posts_new: int = 0
    posts_updated: int = 0
    profiles: int = 0
    entities_new: int = 0
    api_errors: int = 0
    records_read: int = 0
    skipped: list[Skip] = field(default_factory=list)
    duration_s: float = 0.0
    bytes_read: int = 0
    notes: list[str] = field(default_factory=list)  # what a format says after reading (statements: untracked speakers)

    @property
    def nothing_read(self) -> bool:
        return self.records_read == 0

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "files": self.files,
            "formats": self.formats,
            "posts_new": self.posts_new,
            "posts_updated": self.posts_updated,
            "profiles": self.profiles,
            "entities_new": self.entities_new,
            "api_errors": self.api_errors,
            "records_read": self.records_read,
            "skipped": [{"file": s.file, "line": s.line, "reason": s.reason} for s in self.skipped],
            "duration_s": round(self.duration_s, 3),
            "bytes": self.bytes_read,
            "notes": self.notes,
        }


def _import_file(
    path: Path,
    forced: Importer | None,
    writer: StoreWriter,
    report: ImportReport,
    progress: Callable[[int], None],
    observed_at: datetime | None,
    on_file: Callable[[Path, int], None] | None,
) -> None:
    st = path.stat()
    size = st.st_size
    if on_file:
        on_file(path, size)
    report.bytes_read += size
    if not stat.S_ISREG(st.st_mode):  # /dev/zero would never end, a FIFO may never open
        writer.add_skip(skip(path, None, NOT_A_FILE))
        return
    if size == 0:
        writer.add_skip(skip(path, None, "empty file"))
        return
    head = read_head(path)
    importer = forced or detect(head, path)
    if importer is None:
        line: int | None = None
        if looks_binary(head):
            reason = "binary data, not a format diplotrack imports"
        elif is_json(head, complete=size <= len(head)):
            line, reason = 1, NOT_ANY_JSON
        else:
            reason = "not a format diplotrack recognises; name one with --format"
        writer.add_skip(skip(path, line, reason))
        progress(size)
        return
    report.formats[stored_path(path)] = importer.name
    report.records_read += importer.read(path, writer, progress, observed_at=observed_at)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders expanded to the files under them (sorted); missing paths are a usage error."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    x
                    for x in p.rglob("*")
                    if x.is_file() and not any(part.startswith(".") for part in x.relative_to(p).parts)
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{stored_path(p)} does not exist; check the path")
    return out


def import_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str | Path],
    *,
    fmt: str | None = None,
    observed_at: datetime | None = None,
    command: str = "import",
    on_file: Callable[[Path, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    batch_posts: int | None = None,
) -> ImportReport:
    """Import files (folders expanded) into the store as one recorded run.

    Batches are merged by a background thread while reading goes on (store/writer.py), so
    ``on_file`` and ``on_progress`` must not use ``con``; ``on_progress`` counts bytes read, whose
    batch may still be being written. ``batch_posts`` caps a batch (``$DIPLOTRACK_BATCH_POSTS``,
    else 200,000; imports write every 25,000 posts at most)."""
    if batch_posts is None:  # $DIPLOTRACK_BATCH_POSTS (tests use small batches), else 200,000
        env = os.environ.get(ENV_BATCH_POSTS, "").strip()
        batch_posts = int(env) if env.isdigit() and int(env) > 0 else 200_000
    files = expand_paths(paths)
    forced: Importer | None = by_name(fmt) if fmt else None
    with import_memory_limit(con):
        return _import_files(con, files, forced, observed_at, command, on_file, on_progress, batch_posts)


@contextmanager
def import_memory_limit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Cap DuckDB's buffer pool while importing (``$DIPLOTRACK_IMPORT_MEMORY``, default 512MB), so a
    large import keeps a flat memory profile whatever the file size, and checkpoint the store every
    ``IMPORT_CHECKPOINT`` of write-ahead log rather than DuckDB's 16 MB: an import commits a batch
    every 25,000 posts, and a checkpoint at most of those commits cost 7-10% more CPU (100-200 MB
    of twarc2 pages). The old settings are restored."""
    settings = ("memory_limit", "checkpoint_threshold")
    old = [con.execute("SELECT current_setting(?)", [name]).fetchone()[0] for name in settings]
    con.execute("SET memory_limit = ?", [os.environ.get(ENV_IMPORT_MEMORY, "512MB")])
    con.execute("SET checkpoint_threshold = ?", [IMPORT_CHECKPOINT])
    try:
        yield
    finally:
        for name, value in zip(settings, old, strict=True):
            con.execute(f"SET {name} = ?", [value])


def _import_files(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    forced: Importer | None,
    observed_at: datetime | None,
    command: str,
    on_file: Callable[[Path, int], None] | None,
    on_progress: Callable[[int], None] | None,
    batch_posts: int,
) -> ImportReport:
    started = time.perf_counter()
    names = [stored_path(f) for f in files]
    run_id = start_run(con, "import", command, names)
    writer = StoreWriter(con, run_id, batch_posts=batch_posts, overlap=True)  # merges overlap reading
    report = ImportReport(run_id=run_id, files=names)
    progress = on_progress or (lambda n: None)
    status = "failed"
    try:
        for path in files:
            try:
                _import_file(path, forced, writer, report, progress, observed_at, on_file)
            except OSError as exc:  # unreadable, vanished, a device: report it and go on
                writer.add_skip(skip(path, None, f"cannot be read: {exc.strerror or exc}"))
        writer.flush()
        status = "ok" if not writer.counts.skipped else "ok_with_skips"
    finally:
        writer.close()  # a batch still being written in the background ends before the run is recorded
        c = writer.counts
        report.posts_new, report.posts_updated = c.posts_new, c.posts_updated
        report.profiles, report.entities_new, report.api_errors = c.profiles_new, c.entities_new, c.api_errors
        report.skipped = list(c.skipped)
        report.duration_s = time.perf_counter() - started
        finish_run(con, run_id, status, sorted(set(report.formats.values())), report.duration_s)
    for name in sorted(set(report.formats.values())):
        notes = getattr(by_name(name), "notes", None)  # an importer may say more once its files are in
        if notes is not None:
            report.notes.extend(notes(con, [f for f, n in report.formats.items() if n == name]))
    return report
