"""The command line, run as a user runs it: ``demo`` in real subprocesses (the first command a user
runs), the other commands in-process through ``main()`` (tests/cli_inprocess.py), on a temporary store."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli_inprocess import cli
from demo_mfa import MFA_ACCOUNTS, MFA_FILE, MFA_HANDLES, MFA_SQL, X_ACCOUNTS, expected_mfa_rows, mfa_posts
from diplotrack.demo import demo_files

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path, check_rc: int | None = 0, env: dict | None = None) -> subprocess.CompletedProcess:
    """``diplotrack --db DB ARGS`` in-process; its exit code checked against ``check_rc``."""
    proc = cli(*args, db=db, env=env)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def run_process(*args: str, db: Path, check_rc: int | None = 0) -> subprocess.CompletedProcess:
    """``python -m diplotrack.cli.main --db DB ARGS`` in a process of its own."""
    proc = subprocess.run(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``diplotrack demo --json --out REPORT`` as a user runs it, once: the store and what it printed."""
    base = tmp_path_factory.mktemp("demo")
    db = base / "demo.duckdb"
    proc = run_process("demo", "--json", "--out", str(base / "report"), db=db)
    return db, proc.stdout


@pytest.fixture(scope="module")
def demo_db(demo_run: tuple[Path, str]) -> Path:
    """The store ``demo`` built (do not write to it: the module's tests share it)."""
    return demo_run[0]


def expected_x_posts() -> int:
    """Distinct posts on X in the bundled CSVs (the rtweet timelines and the CHC mentions), counted
    independently of the importers."""
    n = 0
    for f in demo_files():
        if f.name == MFA_FILE:
            continue  # the podium's statements: platform mfa (expected_demo_posts)
        rows = list(csv.DictReader(f.open(encoding="utf-8")))
        if "follower" in rows[0]:
            continue  # the follow list: edges, not posts
        if "mentioner" in rows[0]:
            n += len({(r["mentioner"].lower(), r["created_at"], r["retweet"], r["text"]) for r in rows})
        else:
            n += len({(r["screen_name"].lower(), r["created_at"], r["full_text"]) for r in rows})
    return n


def expected_demo_posts() -> int:
    """The demo's posts: those on X and the podium's statements (tests/demo_mfa.py)."""
    return expected_x_posts() + mfa_posts()


def test_demo_then_sql_shows_the_bundled_posts(demo_db: Path) -> None:
    out = run("sql", "select count(*) as n from posts", "--json", db=demo_db).stdout
    assert json.loads(out) == [{"n": expected_demo_posts()}]
    out = run("sql", "select platform, count(*) as n from posts group by 1 order by 1", "--json", db=demo_db).stdout
    assert json.loads(out) == [{"platform": "mfa", "n": mfa_posts()}, {"platform": "x", "n": expected_x_posts()}]
    # the podium: per speaker, statements, pages (conversations), first and last day as the titles give them
    assert json.loads(run("sql", MFA_SQL, "--json", db=demo_db).stdout) == expected_mfa_rows()


def test_demo_prints_what_the_store_holds(demo_run: tuple[Path, str]) -> None:
    db, out = demo_run
    summary = json.loads(out)
    report = db.parent / "report"
    assert (report / "report.html").exists()
    # the bundled roster: 85 accounts = 81 on X + 4 on the ministry's podium (mfa)
    assert summary["summary"]["accounts_total"] == X_ACCOUNTS + MFA_ACCOUNTS == 85
    assert summary["report"] == str(report)
    assert summary["accounts"] == 85
    assert summary["posts"] == expected_demo_posts()
    # the three speakers of 2020-01..04 are among the ten busiest authors, with the titles' first and last days
    podium = {
        a["handle"]: (a["posts"], a["first"], a["last"]) for a in summary["top_authors"] if a["platform"] == "mfa"
    }
    assert podium == {r["speaker"]: (r["statements"], r["first"], r["last"]) for r in expected_mfa_rows()}
    assert summary["snapshot_dates"] == ["2021-02-28", "2022-04-30"]
    assert summary["import"]["skipped"] == []


def test_demo_rebuild_is_fresh_and_refuses_foreign_stores(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    shutil.copyfile(demo_db, db)  # a store demo built (and enriched, and reported on)
    run_process("demo", "--no-report", db=db)  # replaces its own earlier store
    n = json.loads(run("sql", "select count(*) as n from posts", "--json", db=db).stdout)[0]["n"]
    assert n == expected_demo_posts()
    # replaced, not added to: the earlier store's enrichment is gone with it
    assert json.loads(run("sql", "select count(*) as n from post_enrichment", "--json", db=db).stdout)[0]["n"] == 0
    other = tmp_path / "mine.duckdb"
    run("import", str(ROOT / "tests/fixtures/x-v2/twarc2/two_tweets.jsonl"), db=other)
    proc = run_process("demo", "--no-report", db=other, check_rc=2)
    assert "--force" in proc.stderr and "Traceback" not in proc.stderr


def test_roster_list_json_has_all_85_accounts(demo_db: Path) -> None:
    rows = json.loads(run("roster", "list", "--json", db=demo_db).stdout)
    assert len(rows) == 85  # 81 on X + 4 on the ministry's podium (mfa)
    x = [r for r in rows if r["platform"] == "x"]
    assert len(x) == X_ACCOUNTS and len({r["handle"].lower() for r in x}) == X_ACCOUNTS
    assert sorted(r["handle"] for r in rows if r["platform"] == "mfa") == sorted(MFA_HANDLES)
    for r in rows:
        assert r["kind"] and isinstance(r["institutional"], bool)
        if r["kind"] in ("embassy", "consulate", "mission", "ambassador", "consul_general"):
            assert r["host_country"], r
    by = {r["handle"]: r for r in rows}
    assert (by["AmbassadeChine"]["kind"], by["AmbassadeChine"]["host_country"]) == ("embassy", "FR")
    assert by["AmbassadeChine"]["institutional"] is True
    assert by["SpokespersonCHN"]["institutional"] is False


def test_export_parquet_and_csv_read_back_with_pandas(demo_db: Path, tmp_path: Path) -> None:
    run("export", "--format", "parquet", "--out", str(tmp_path / "pq"), db=demo_db)
    run("export", "--format", "csv", "--out", str(tmp_path / "csv"), db=demo_db)
    posts_pq = pd.read_parquet(tmp_path / "pq" / "posts.parquet")
    posts_csv = pd.read_csv(tmp_path / "csv" / "posts.csv")
    assert len(posts_pq) == len(posts_csv) == expected_demo_posts()
    assert posts_pq["platform"].value_counts().to_dict() == {"x": expected_x_posts(), "mfa": mfa_posts()}
    assert set(posts_pq["post_id"]) == set(posts_csv["post_id"].astype(str))
    assert len(pd.read_parquet(tmp_path / "pq" / "accounts.parquet")) == 85  # 81 on X + 4 on mfa


def test_sql_is_read_only_and_errors_are_one_line(demo_db: Path) -> None:
    proc = run("sql", "delete from posts", db=demo_db, check_rc=2)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    proc = run("sql", "select * from no_such_table", db=demo_db, check_rc=2)
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    n = json.loads(run("sql", "select count(*) as n from posts", "--json", db=demo_db).stdout)[0]["n"]
    assert n == expected_demo_posts()


def test_debug_shows_the_traceback(demo_db: Path) -> None:
    # main() lets the error go with --debug: the interpreter prints it, so a process of its own
    proc = run_process("--debug", "sql", "select * from nope", db=demo_db, check_rc=None)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_missing_store_is_a_clear_usage_error(tmp_path: Path) -> None:
    proc = run("sql", "select 1", db=tmp_path / "none.duckdb", check_rc=2)
    assert "diplotrack demo" in proc.stderr and "Traceback" not in proc.stderr


def test_db_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    proc = cli(
        "import", str(ROOT / "tests/fixtures/x-v2/twarc2/two_tweets.jsonl"), "--json", env={"DIPLOTRACK_DB": str(db)}
    )
    assert proc.returncode == 0, proc.stderr
    assert db.exists() and json.loads(proc.stdout)["posts_new"] > 0


def test_every_command_is_documented() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text() + (ROOT / "README.md").read_text()
    from typer.main import get_command

    from diplotrack.cli.main import app

    root = get_command(app)
    names = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    assert names
    for n in names:
        assert f"diplotrack {n}" in docs, f"'diplotrack {n}' is not documented in README.md or docs/cli.md"
