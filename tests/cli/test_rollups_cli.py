"""``diplotrack rollups``: shows whether the rollups are current, checks them against the base
tables without changing anything, and rebuilds them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from cli_inprocess import cli


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return cli("rollups", *args, db=db)  # in-process (tests/cli_inprocess.py)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    db = tmp_path_factory.mktemp("rollups") / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    return db


def test_check_finds_the_demo_rollups_identical(demo_db: Path) -> None:
    proc = run(demo_db, "--check", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["usable"] is True and info["version"] == info["current_version"]
    assert set(info["differences"].values()) == {0}
    assert info["posts_rolled_up"] > 10_000 and info["rows"]["rollup_refs_day"] > 0


def test_tampered_rollups_are_found_and_rebuilt(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    db.write_bytes(demo_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM rollup_refs_day WHERE ref = 'repost'")
    con.close()
    proc = run(db, "--check")
    assert proc.returncode == 1
    assert "rollup_refs_day" in proc.stdout and "diplotrack rollups --rebuild" in proc.stdout
    assert "Traceback" not in proc.stderr
    proc = run(db, "--rebuild")
    assert proc.returncode == 0, proc.stderr
    assert "rollups rebuilt" in proc.stdout
    assert run(db, "--check").returncode == 0


def test_a_write_around_the_store_makes_them_stale_until_a_rebuild(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(demo_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO posts (platform, post_id, author_id, kind, first_seen_at) "
        "VALUES ('x', 'z', '1', 'original', now())"
    )
    con.close()
    proc = run(db, "--json")  # read-only: says so, changes nothing
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["usable"] is False
    assert "stale" in run(db).stdout
    assert json.loads(run(db, "--rebuild", "--json").stdout)["usable"] is True
