"""Opening the store: one DuckDB file, migrated to the latest schema on open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from diplotrack.errors import StoreBusyError, StoreError, UsageError
from diplotrack.store import rollups
from diplotrack.store.migrations import LATEST_VERSION, MIGRATIONS

DEFAULT_DB = "diplotrack.duckdb"
ENV_DB = "DIPLOTRACK_DB"

PUBLIC_TABLES = (
    "actors",
    "accounts",
    "actor_history",
    "account_history",
    "profile_snapshots",
    "posts",
    "post_entities",
    "api_errors",
    "runs",
    "run_skips",
    "collection_runs",
    "collection_cursors",
    "account_events",
    "engagements",
    "post_enrichment",
    "follow_edges",
    "link_resolutions",
)


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$DIPLOTRACK_DB``, then ``./diplotrack.duckdb``."""
    return Path(db or os.environ.get(ENV_DB) or DEFAULT_DB)


def utcnow() -> datetime:
    """Now, in UTC, as the naive timestamp the store keeps (every store timestamp is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


# A connection for queries a user writes (``diplotrack sql``): DuckDB itself refuses every file and
# URL other than the store (COPY TO, EXPORT DATABASE, read_csv/read_text/glob, ATTACH ...), every
# extension install or load, and, once connected, every change of a setting (SET, PRAGMA, RESET).
SANDBOX_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,
}


def _connect(path: Path, *, read_only: bool, config: dict[str, str | bool] | None = None) -> duckdb.DuckDBPyConnection:
    if path.is_dir():
        raise UsageError(f"the store {path} is a folder; point --db at a file, e.g. {path / DEFAULT_DB}")
    try:
        settings = {k: v for k, v in (config or {}).items() if k != "lock_configuration"}
        con = duckdb.connect(str(path), read_only=read_only, config=settings)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise StoreBusyError(
                f"the store {path} is in use by another diplotrack process; wait for it to finish "
                "or point --db at another file"
            ) from None
        raise StoreError(f"cannot open the store {path}: {msg.splitlines()[0]}") from None
    con.execute("SET enable_progress_bar = false")  # our own progress display owns the terminal
    if config and config.get("lock_configuration"):
        con.execute("SET lock_configuration = true")  # last: nothing can change a setting after this
    return con


def connect_store(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the store file at ``path`` as it is (no migration): StoreBusyError when another process
    holds its lock, StoreError when it is not a store."""
    return _connect(path, read_only=read_only)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema to the latest version; returns how many migrations ran."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
    if current > LATEST_VERSION:
        raise StoreError(
            f"the store has schema version {current}, newer than this diplotrack knows "
            f"({LATEST_VERSION}); upgrade diplotrack"
        )
    ran = 0
    for version, description, sql in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, description, utcnow()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        ran += 1
    return ran


def open_store(db: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store for writing, migrated to the latest schema."""
    path = resolve_db_path(db)
    if path.parent and not path.parent.exists():
        raise UsageError(f"the folder for the store {path} does not exist; create it or choose another --db")
    con = _connect(path, read_only=False)
    migrate(con)
    with transaction(con):  # a session that may write: cached results of earlier ones are stale
        if not rollups.usable(con):
            rollups.rebuild(con)
    return con


def open_store_read_only(db: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open an existing store read-only (queries and exports can never change it)."""
    path = resolve_db_path(db)
    if not path.exists():
        raise UsageError(
            f"there is no store at {path}; run 'diplotrack demo' or 'diplotrack import' first, "
            "or point --db / DIPLOTRACK_DB at one"
        )
    con = _connect(path, read_only=True)
    version = (
        con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
        if _has_table(con, "schema_migrations")
        else 0
    )
    if version < LATEST_VERSION:
        con.close()
        con = open_store(path)  # migrate once, then reopen read-only
        con.close()
        con = _connect(path, read_only=True)
    return con


ENV_MEMORY = "DIPLOTRACK_MEMORY"


@contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB spill a long read (the report) to a private temporary folder (a read-only store
    has none of its own), and cap its memory at ``$DIPLOTRACK_MEMORY`` when set (e.g. ``4GB``;
    default: DuckDB's, 80% of the RAM). The folder goes with the block. A cap too low for a query
    that cannot spill ends the run with DuckDB's out-of-memory error (a 10M-post report needs more
    than 2GB)."""
    import shutil
    import tempfile

    spill = tempfile.mkdtemp(prefix="diplotrack-spill-")
    try:
        con.execute("SET temp_directory = ?", [spill])
        if os.environ.get(ENV_MEMORY):
            try:
                con.execute("SET memory_limit = ?", [os.environ[ENV_MEMORY]])
            except duckdb.Error:
                raise UsageError(
                    f"{ENV_MEMORY}={os.environ[ENV_MEMORY]!r} is not a memory size; set it to e.g. 4GB, or unset it"
                ) from None
        yield
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def open_store_sandboxed(db: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open an existing store read-only for queries a user writes: the store's tables and views can be
    read, nothing else (``SANDBOX_CONFIG``); the configuration is locked."""
    path = resolve_db_path(db)
    open_store_read_only(path).close()  # says what is wrong with a missing or old store, migrates an old one
    return _connect(path, read_only=True, config=SANDBOX_CONFIG)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0]
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit on success, roll back on any error. A committed transaction counts one
    more change of the store (``store_state.generation``: cached results know they are stale)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        rollups.bump(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
