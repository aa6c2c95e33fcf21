"""The store's schema: created and migrated on open, documented tables match docs/data-model.md."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from diplotrack.errors import StoreError, UsageError
from diplotrack.store import rollups
from diplotrack.store.db import PUBLIC_TABLES, migrate, open_store, open_store_read_only
from diplotrack.store.migrations import LATEST_VERSION, MIGRATIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def columns(con, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def documented_columns(table: str) -> list[str]:
    """The column names of one table's section in docs/data-model.md (first cell of each row)."""
    text = DOC.read_text(encoding="utf-8")
    section = re.split(r"^## ", text, flags=re.M)
    body = next(s for s in section if s.split("\n", 1)[0].split()[0] == table)
    names: list[str] = []
    for line in body.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        first = line.split("|")[1].strip()
        if first in ("column", "runs column"):
            continue
        names += [n.strip() for n in first.split(",")]
    return names


def test_fresh_store_has_every_table_at_the_latest_version(tmp_path):
    con = open_store(tmp_path / "s.duckdb")
    assert set(PUBLIC_TABLES) <= tables(con)
    assert "raw_payloads" in tables(con)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m[0] for m in MIGRATIONS]
    assert versions[-1] == LATEST_VERSION
    assert migrate(con) == 0  # nothing left to run
    con.close()


def test_reopen_keeps_data_and_runs_no_migration(tmp_path):
    db = tmp_path / "s.duckdb"
    con = open_store(db)
    con.execute("INSERT INTO run_skips VALUES (1, 'f', 2, 'r')")
    con.close()
    con = open_store(db)
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
    assert con.execute("SELECT * FROM run_skips").fetchall() == [(1, "f", 2, "r")]
    con.close()


@pytest.mark.parametrize("table", ["posts", "profile_snapshots", "post_entities", "accounts", "actors"])
def test_documented_columns_match_the_schema(con, table):
    assert set(columns(con, table)) == set(documented_columns(table))


def test_runs_columns_documented(con):
    assert set(documented_columns("runs")) <= set(columns(con, "runs"))


def test_newer_store_is_refused(tmp_path):
    db = tmp_path / "s.duckdb"
    con = open_store(db)
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', now())", [LATEST_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(db)


def test_old_store_is_migrated_on_read_only_open(tmp_path):
    db = tmp_path / "old.duckdb"
    duckdb.connect(str(db)).close()  # an empty file, schema version 0
    con = open_store_read_only(db)
    assert set(PUBLIC_TABLES) <= tables(con)
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO run_skips VALUES (1, 'f', 2, 'r')")
    con.close()


def test_missing_store_or_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        open_store_read_only(tmp_path / "none.duckdb")
    with pytest.raises(UsageError):
        open_store(tmp_path / "no" / "such" / "folder" / "s.duckdb")


def test_a_failing_migration_leaves_no_trace(tmp_path, monkeypatch):
    import diplotrack.store.db as dbmod

    bad = [*MIGRATIONS, (LATEST_VERSION + 1, "broken", "CREATE TABLE half_done (x INT); SELECT * FROM nope;")]
    monkeypatch.setattr(dbmod, "MIGRATIONS", bad)
    monkeypatch.setattr(dbmod, "LATEST_VERSION", LATEST_VERSION + 1)
    with pytest.raises(duckdb.Error):
        open_store(tmp_path / "s.duckdb")
    monkeypatch.undo()
    con = open_store(tmp_path / "s.duckdb")
    assert "half_done" not in tables(con)
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == LATEST_VERSION
    con.close()


def test_migration_6_builds_the_rollups_of_an_older_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A store made before the rollups (schema 5) with posts, entities and enrichment: the first
    read-write open adds the rollup tables and builds them from the base tables, in one go."""
    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    for version, description, sql in MIGRATIONS[:5]:
        old.execute(sql)
        old.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, description])
    old.execute(
        """INSERT INTO posts (platform, post_id, author_id, created_at, kind, reposted_author_id, first_seen_at)
           VALUES ('x', '1', 'a', TIMESTAMP '2022-01-01 10:00', 'original', NULL, now()),
                  ('x', '2', 'a', TIMESTAMP '2022-01-01 11:00', 'repost', 'b', now()),
                  ('x', '3', 'b', NULL, 'original', NULL, now())"""
    )
    old.execute("INSERT INTO post_entities VALUES ('x', '1', 'hashtag', '#China', 'china')")
    old.execute(
        """INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, topics, enriched_at)
           VALUES ('x', '1', 'v', 'en', ['economy'], now())"""
    )
    old.close()
    con = open_store(db)
    try:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == MIGRATIONS[-1][0]
        assert rollups.usable(con)
        assert set(rollups.check(con).values()) == {0}
        assert con.execute("SELECT sum(posts) FROM rollup_posts_day").fetchone()[0] == 3
        assert con.execute("SELECT day, posts FROM rollup_refs_day").fetchall() == [(date(2022, 1, 1), 1)]
        assert con.execute("SELECT topic, posts FROM rollup_topics_day").fetchall() == [("economy", 1)]
        assert con.execute("SELECT normalized FROM rollup_entities_day").fetchall() == [("china",)]
    finally:
        con.close()
