"""The platform's labels on profile snapshots (verified_type, affiliation, url; schema 12): written as
the mapping gives them, NULL where it gives nothing, and never rewritten on an existing snapshot."""

from __future__ import annotations

from datetime import datetime

import duckdb

from diplotrack.records import ProfileSnapshot, Provenance
from diplotrack.store.db import open_store
from diplotrack.store.migrations import MIGRATIONS
from diplotrack.store.runs import start_run
from diplotrack.store.writer import StoreWriter

T0 = datetime(2022, 1, 1, 12, 0, 0)
T1 = datetime(2026, 11, 30, 9, 0, 0)
LABELS = ("government", "Example Ministry (fixture) (https://x.com/ExampleMFAFx)", "https://t.me/example_fixture")
SQL = "SELECT observed_at, verified_type, affiliation, url FROM profile_snapshots ORDER BY observed_at"


def snap(observed: datetime, labels: tuple[str | None, ...] = (None, None, None)) -> ProfileSnapshot:
    vt, aff, url = labels
    prov = Provenance("test", "f.jsonl", 1, None, "/data/0")
    return ProfileSnapshot(
        platform="x", user_id="9", observed_at=observed, provenance=prov, verified_type=vt, affiliation=aff, url=url
    )


def write(con: duckdb.DuckDBPyConnection, *snaps: ProfileSnapshot) -> int:
    w = StoreWriter(con, start_run(con, "import", "test", []))
    for s in snaps:
        w.add_profile(s)
    return w.flush().profiles_new


def test_labels_are_written_and_unknown_stays_null(con):
    hostile = ("none", "x'); DROP TABLE posts; --", "https://e.test/?q=';--")  # bound values: stored as text
    assert write(con, snap(T0), snap(T1, LABELS), snap(datetime(2023, 1, 1), hostile)) == 3
    assert con.execute(SQL).fetchall() == [(T0, None, None, None), (datetime(2023, 1, 1), *hostile), (T1, *LABELS)]
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    # the same key again, now with labels: the snapshot that was there is not rewritten
    assert write(con, snap(T0, LABELS)) == 0
    assert con.execute(SQL).fetchall()[0] == (T0, None, None, None)


def test_a_snapshot_from_before_schema_12_keeps_its_nulls(tmp_path):
    """A store at schema 11 holding a snapshot: opening it adds the columns, NULL for that row, and a
    later labelled observation is a new row beside it."""
    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    for version, description, sql in [m for m in MIGRATIONS if m[0] < 12]:
        old.execute(sql)
        old.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, description])
    old.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, followers, status) "
        "VALUES ('x', '9', ?, 'nine', 10, 'active')",
        [T0],
    )
    old.close()
    con = open_store(db)
    try:
        assert con.execute(SQL).fetchall() == [(T0, None, None, None)]
        assert write(con, snap(T0, LABELS), snap(T1, LABELS)) == 1
        assert con.execute(SQL).fetchall() == [(T0, None, None, None), (T1, *LABELS)]
        assert con.execute("SELECT followers FROM profile_snapshots WHERE observed_at = ?", [T0]).fetchone() == (10,)
    finally:
        con.close()
