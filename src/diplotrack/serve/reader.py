"""The dashboard's one way into the store: a connection opened once, a cursor and Ibis tables per
worker thread, and an in-memory cache of computed tables keyed by the store's generation.

The server opens the store read-only, unless it collects itself (``serve --watch``): then it holds
the one read-write DuckDB instance of the file, its collection thread writes through it in
transactions, and requests read the last committed state through their own cursors (DuckDB's MVCC),
so a page never meets "the store is in use". Requests only ever run the dashboard's own
parameterised SELECTs; the cache lives in memory (no request writes a file).

Every committed write bumps ``store_state.generation`` (store/rollups.py): a cached table of an
older generation is never served, and each thread's Ibis tables (and the temporary tables an
analysis run materialises on them) are rebuilt for the new one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from diplotrack.analyses import registry
from diplotrack.analyses.base import Filters, Tables, rollups_enabled, tables_from_duckdb
from diplotrack.analyses.coverage import Coverage, coverage
from diplotrack.store import rollups
from diplotrack.store.db import open_store, open_store_read_only, resolve_db_path

T = TypeVar("T")
CACHE_ENTRIES = 2048


class StoreReader:
    """The store behind one server. ``writable``: opened read-write, for ``serve --watch``."""

    def __init__(self, db: str | Path | None = None, *, writable: bool = False) -> None:
        self.path = resolve_db_path(db)
        self.writable = writable
        self.con = open_store(self.path) if writable else open_store_read_only(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._building: dict[tuple, threading.Lock] = {}

    # -- connections -------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the store (DuckDB connections are not shared between threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self.con.cursor()
            self._local.cursor = cur
        return cur

    def generation(self) -> int:
        """The store's write generation (0 for a store without rollups)."""
        row = self.cursor().execute("SELECT max(generation) FROM store_state").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def refreshed_at(self) -> str | None:
        """When the store last changed (ISO text, UTC), for the "last refreshed" stamp."""
        row = self.cursor().execute("SELECT max(changed_at) FROM store_state").fetchone()
        return row[0].isoformat(timespec="seconds") if row and row[0] is not None else None

    def tables(self) -> Tables:
        """This thread's Ibis tables for the current generation."""
        gen = self.generation()
        held = getattr(self._local, "tables", None)
        if held is None or held[0] != gen:
            t = tables_from_duckdb(self.cursor())  # it says whether the rollups can answer
            self._local.tables = (gen, t)
            return t
        return held[1]  # type: ignore[no-any-return]

    def rollups_current(self) -> bool:
        """Whether the rollups may answer (current, and not switched off by ``DIPLOTRACK_ROLLUPS=0``):
        the same answer the analyses' tables give (``analyses/base.py``), without building them."""
        return self.memo(("rollups.current",), lambda: rollups_enabled() and rollups.usable(self.cursor()))

    # -- queries -----------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one of the dashboard's own SELECTs (user values only as parameters) into pandas."""
        return self.cursor().execute(query, params if params is not None else []).df()

    def memo(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` once per store generation and ``key``; concurrent requests for the same key
        wait for the first instead of computing it again."""
        full = (self.generation(), *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]
            gate = self._building.setdefault(full, threading.Lock())
        with gate:
            with self._lock:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
            value = build()
            with self._lock:
                self._cache[full] = value
                self._building.pop(full, None)
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
            return value

    def run(self, name: str, f: Filters, **params: Any) -> tuple[pd.DataFrame, Coverage]:
        """A registered analysis (``analyses/registry.py``) for the selection ``f``, cached."""
        key = ("analysis", name, repr(f), tuple(sorted((k, repr(v)) for k, v in params.items())))
        return self.memo(key, lambda: registry.run_frame(name, self.tables(), f, **params))

    def coverage(self, f: Filters, basis: str, *, needs_reposts: bool = False) -> Coverage:
        """The coverage of a table the dashboard computes itself (``analyses/coverage.py``)."""
        key = ("coverage", repr(f), basis, needs_reposts)
        return self.memo(key, lambda: coverage(self.tables(), f, basis, needs_reposts))

    def close(self) -> None:
        self.con.close()
