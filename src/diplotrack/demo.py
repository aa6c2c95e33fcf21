"""The main job on the bundled real data: a fresh store from the bundled roster and timelines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

from diplotrack.errors import StoreBusyError, StoreError, UsageError
from diplotrack.importers.run import ImportReport, import_paths
from diplotrack.roster import bundled_roster_path, import_roster, load_roster
from diplotrack.store.db import connect_store, open_store

DEMO_COMMAND = "demo"


def demo_data_dir() -> Path:
    return Path(str(resources.files("diplotrack") / "data" / "demo"))


FOLLOW_EDGES = "chc-2021-follow-edges.csv"
FOLLOWS_OBSERVED = datetime(2021, 2, 28)


def demo_files() -> list[Path]:
    return sorted(p for p in demo_data_dir().glob("*.csv"))


@dataclass
class DemoResult:
    db: Path
    report: ImportReport
    summary: dict


def _is_demo_store(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every run recorded in the store ``con`` is open on was made by ``demo``."""
    try:
        return (
            con.execute("SELECT count(*) FROM runs WHERE command IS DISTINCT FROM ?", [DEMO_COMMAND]).fetchone()[0] == 0
        )
    except duckdb.Error:
        return False


def _hold(db: Path) -> duckdb.DuckDBPyConnection | None:
    """The existing store at ``db`` opened for writing, so that its lock is ours while it is replaced:
    StoreBusyError when another process holds it; None when there is no store or the file is not one
    (nothing can be writing to it)."""
    if not db.exists():
        return None
    try:
        return connect_store(db, read_only=False)
    except StoreBusyError:
        raise
    except StoreError:
        return None


def build_demo(db: Path, *, force: bool = False, on_file=None, on_progress=None) -> DemoResult:  # type: ignore[no-untyped-def]
    """Build the demo store at ``db`` (replacing an earlier demo store there, atomically). The store
    being replaced is held open for writing until the new one is in place: a store another process is
    writing to is never replaced (StoreBusyError), and none can start writing to it meanwhile."""
    held = _hold(db)
    try:
        if held is not None and not force and not _is_demo_store(held):
            raise UsageError(
                f"{db} holds data that 'demo' did not make; choose another --db or pass --force to replace it"
            )
        if held is None and db.exists() and not force:
            raise UsageError(f"{db} is not a diplotrack store; choose another --db or pass --force to replace it")
        result = _build(db, on_file=on_file, on_progress=on_progress)
    finally:
        if held is not None:
            held.close()
    return result


def _build(db: Path, *, on_file=None, on_progress=None) -> DemoResult:  # type: ignore[no-untyped-def]
    building = db.with_name(db.name + ".building")
    for p in (building, Path(str(building) + ".wal")):
        p.unlink(missing_ok=True)
    roster, problems = load_roster(bundled_roster_path())
    if roster is None or problems:
        raise UsageError("the bundled roster does not validate: " + "; ".join(map(str, problems[:3])))
    con = open_store(building)
    try:
        import_roster(con, roster)
        files = [f for f in demo_files() if f.name != FOLLOW_EDGES]
        report = import_paths(con, files, command=DEMO_COMMAND, on_file=on_file, on_progress=on_progress)
        # the 2021 follow list is a snapshot of the 2021 collection: dated like the 2021 profile
        # snapshots, at the end of that period (SOURCES.md)
        follows = demo_data_dir() / FOLLOW_EDGES
        import_paths(con, [follows], observed_at=FOLLOWS_OBSERVED, command=DEMO_COMMAND)
        summary = summarise(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    Path(str(db) + ".wal").unlink(missing_ok=True)
    os.replace(building, db)
    return DemoResult(db=db, report=report, summary=summary)


def summarise(con: duckdb.DuckDBPyConnection) -> dict:
    """What a store holds, in a few figures (used by ``demo``)."""

    def one(sql: str) -> object:
        return con.execute(sql).fetchone()[0]

    kinds = dict(con.execute("SELECT kind, count(*) FROM actors GROUP BY kind ORDER BY 2 DESC, 1").fetchall())
    authors = con.execute(
        """SELECT platform, author_handle, count(*) AS n, min(created_at)::DATE, max(created_at)::DATE
           FROM posts GROUP BY platform, author_handle ORDER BY n DESC, platform, author_handle LIMIT 10"""
    ).fetchall()
    return {
        "actors": one("SELECT count(*) FROM actors"),
        "accounts": one("SELECT count(*) FROM accounts"),
        "actors_by_kind": kinds,
        "institutional_accounts": one("SELECT count(*) FROM accounts JOIN actors USING (actor_id) WHERE institutional"),
        "profile_snapshots": one("SELECT count(*) FROM profile_snapshots"),
        "follow_edges": one("SELECT count(*) FROM follow_edges"),
        "snapshot_dates": [
            str(d)
            for (d,) in con.execute("SELECT DISTINCT observed_at::DATE FROM profile_snapshots ORDER BY 1").fetchall()
        ],
        "posts": one("SELECT count(*) FROM posts"),
        "posts_by_kind": dict(con.execute("SELECT kind, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC").fetchall()),
        "posts_first": str(one("SELECT min(created_at) FROM posts")),
        "posts_last": str(one("SELECT max(created_at) FROM posts")),
        "top_authors": [
            {"platform": p, "handle": h, "posts": n, "first": str(a), "last": str(b)} for p, h, n, a, b in authors
        ],
        "post_entities": one("SELECT count(*) FROM post_entities"),
    }
