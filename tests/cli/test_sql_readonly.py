"""``diplotrack sql`` reads the store's tables and views and nothing else, checked through the real
command line (``main()`` in this process: the sandbox is the connection's, not the process's; one
test runs the installed command in a process of its own): no file written or read outside the
store, no URL fetched, no setting changed, no extension installed or loaded, no second statement;
the store still opens afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cli_inprocess import cli

SECRET = "TOP-SECRET-MARKER-4242"


def sql(db: Path, query: str, *extra: str) -> subprocess.CompletedProcess:
    return cli("sql", query, *extra, db=db)


def sql_process(db: Path, query: str, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), "sql", query, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def store(tmp_path: Path, new_store) -> Path:
    """A migrated store with one actor, and a file with a secret next to it."""
    db = tmp_path / "s.duckdb"
    con = new_store(db)
    con.execute(
        "INSERT INTO actors (actor_id, name, kind, institutional, state, updated_at) "
        "VALUES ('a1', 'Embassy', 'embassy', true, 'CN', now())"
    )
    con.close()
    (tmp_path / "secret.csv").write_text(f"token\n{SECRET}\n")
    return db


def assert_refused(proc: subprocess.CompletedProcess, db: Path) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    still = sql(db, "select count(*) as n from actors", "--json")
    assert still.returncode == 0, still.stderr
    assert json.loads(still.stdout) == [{"n": 1}]


@pytest.mark.parametrize(
    "query",
    [
        "COPY (SELECT * FROM actors) TO '{out}'",
        "COPY actors TO '{out}' (FORMAT parquet)",
        "COPY actors TO '{db}'",
        "EXPORT DATABASE '{outdir}'",
    ],
)
def test_sql_writes_no_file(store: Path, query: str) -> None:
    out, outdir = store.parent / "out.csv", store.parent / "exported"
    before = store.read_bytes()
    proc = sql(store, query.format(out=out, outdir=outdir, db=store))
    assert_refused(proc, store)
    assert not out.exists() and not outdir.exists()
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM read_csv_auto('{secret}')",
        "SELECT * FROM '{secret}'",
        "SELECT content FROM read_text('{secret}')",
        "SELECT content FROM read_blob('{secret}')",
        "SELECT * FROM read_json('{secret}')",
        "SELECT * FROM sniff_csv('{secret}')",
        "SELECT * FROM glob('{folder}/*')",
        "SELECT * FROM read_parquet('{folder}/*.parquet')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')",
    ],
)
def test_sql_reads_no_file_outside_the_store(store: Path, query: str) -> None:
    proc = sql(store, query.format(secret=store.parent / "secret.csv", folder=store.parent))
    assert_refused(proc, store)
    assert "root:" not in proc.stdout and "secret.csv" not in proc.stdout


def test_sql_fetches_no_url(store: Path) -> None:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"a\n{SECRET}\n".encode())

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/data.csv"
        for query in (f"SELECT * FROM read_csv('{url}')", f"SELECT * FROM read_text('{url}')"):
            assert_refused(sql(store, query), store)
    finally:
        srv.shutdown()
    assert hits == []


@pytest.mark.parametrize(
    "query",
    [
        "ATTACH '{other}' AS other",
        "ATTACH ':memory:' AS m",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET threads = 1",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "RESET threads",
        "PRAGMA threads = 1",
        "PRAGMA enable_profiling",
        "SET profiling_output = '{other}'",
        "CALL pragma_version()",
        "CHECKPOINT",
        "CREATE TEMP TABLE t AS SELECT 1",
        "DELETE FROM actors",
        "DROP TABLE actors",
        "USE memory",
    ],
)
def test_sql_changes_no_setting_and_runs_no_other_statement(store: Path, query: str) -> None:
    other = store.parent / "other.duckdb"
    proc = sql(store, query.format(other=other))
    assert_refused(proc, store)
    assert not other.exists()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1; COPY (SELECT 1) TO '{out}'",
        "SELECT 1; SELECT 2",
        "SELECT 1; SET threads = 1",
    ],
)
def test_sql_runs_one_statement_only(store: Path, query: str) -> None:
    out = store.parent / "out.csv"
    proc = sql(store, query.format(out=out))
    assert_refused(proc, store)
    assert "one statement" in proc.stderr
    assert not out.exists()


def test_sql_with_no_statement_is_a_usage_error(store: Path) -> None:
    proc = sql(store, "  -- nothing\n")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("SELECT name FROM actors", [{"name": "Embassy"}]),
        ("select name from actors;", [{"name": "Embassy"}]),
        ("WITH x AS (SELECT name FROM actors) SELECT * FROM x", [{"name": "Embassy"}]),
        ("FROM actors SELECT kind", [{"kind": "embassy"}]),
        ("SELECT count(*) AS n FROM posts_enriched", [{"n": 0}]),
        ("SELECT count(*) AS n FROM (SHOW TABLES) WHERE name = 'actors'", [{"n": 1}]),
    ],
)
def test_sql_still_reads_tables_and_views(store: Path, query: str, expect: list) -> None:
    proc = sql(store, query, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expect


@pytest.mark.parametrize(
    "query", ["DESCRIBE actors", "SUMMARIZE actors", "SHOW TABLES", "EXPLAIN SELECT * FROM actors"]
)
def test_sql_describes_and_explains(store: Path, query: str) -> None:
    proc = sql(store, query, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)


def test_sql_runs_from_the_store_folder_with_a_relative_db(store: Path) -> None:
    proc = sql_process(Path(store.name), "SELECT count(*) AS n FROM actors", "--json", cwd=store.parent)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"n": 1}]
    proc = sql_process(Path(store.name), "SELECT * FROM read_csv('secret.csv')", cwd=store.parent)
    assert_refused(proc, store)


def test_sql_shows_time_zone_aware_values(store: Path) -> None:
    from datetime import UTC, datetime

    proc = sql(store, "SELECT TIMESTAMPTZ '2020-01-01 10:00:00+02' AS t, 1 AS n, now() IS NOT NULL AS ok", "--json")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert datetime.fromisoformat(row["t"]) == datetime(2020, 1, 1, 8, tzinfo=UTC)
    assert (row["n"], row["ok"]) == (1, True)
    table = sql(store, "SELECT TIMESTAMPTZ '2020-01-01 10:00:00+02' AS t")
    assert table.returncode == 0 and "2020-01-01" in table.stdout, table.stderr


def test_pivot_is_refused_as_what_it_is() -> None:
    from diplotrack.cli.sql import single_query
    from diplotrack.errors import UsageError

    with pytest.raises(UsageError, match="sql cannot run PIVOT"):
        single_query("-- counts\nPIVOT posts ON kind USING count(*)")
    with pytest.raises(UsageError, match="exactly one statement"):
        single_query("select 1; create table x(a int)")
