"""The ``runs`` table: one row per import or collection, with its counts and outcome."""

from __future__ import annotations

import duckdb

from diplotrack.store.db import transaction, utcnow


def start_run(con: duckdb.DuckDBPyConnection, kind: str, command: str, files: list[str]) -> int:
    """Record a new run as ``running``; any run still ``running`` was killed (the store is
    single-writer, so no other run can be live) and is marked ``interrupted``."""
    with transaction(con):
        con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        con.execute(
            "UPDATE collection_runs SET status = 'interrupted', stop_reason = 'killed (found still running)' "
            "WHERE status = 'running'"
        )
        run_id = con.execute("SELECT nextval('run_ids')").fetchone()[0]
        con.execute(
            "INSERT INTO runs (run_id, kind, command, status, started_at, files) VALUES (?, ?, ?, 'running', ?, ?)",
            [run_id, kind, command, utcnow(), files],
        )
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, formats: list[str], duration_s: float) -> None:
    con.execute(
        "UPDATE runs SET status = ?, finished_at = ?, formats = ?, duration_s = ? WHERE run_id = ?",
        [status, utcnow(), formats, duration_s, run_id],
    )
