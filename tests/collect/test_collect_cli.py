"""``diplotrack collect``, ``watch`` and ``runs`` as a user runs them, against a real local server: in
real processes where the process is the point (a kill, a signal, a traceback the interpreter prints
with --debug), the other calls in-process through ``main()`` (tests/cli_inprocess.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apiservers import LocalServer, XApi
from helpers import track

from cli_inprocess import cli
from diplotrack.store.db import open_store

TOKEN = "sk-SECRET-9f8e7d6c5b4a"


def _env(tmp_path: Path, base: str, token: str = TOKEN) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("[http]\ntimeout = 2\nretries = 3\nbackoff_initial = 0.01\nbackoff_max = 0.05\n")
    return {
        **os.environ,
        "DIPLOTRACK_X_BEARER_TOKEN": token,
        "DIPLOTRACK_X_API_BASE": base,
        "DIPLOTRACK_CONFIG": str(config),
    }


def _cli(db: Path, *args: str, env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), *args]


def run(db: Path, *args: str, env: dict[str, str], rc: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(_cli(db, *args, env=env), capture_output=True, text=True, env=env, check=False)
    if rc is not None:
        assert proc.returncode == rc, proc.stderr + proc.stdout
    return proc


def run_here(db: Path, *args: str, env: dict[str, str | None], rc: int | None = 0) -> subprocess.CompletedProcess:
    """``run`` in this process."""
    proc = cli(*args, db=db, env=env)
    if rc is not None:
        assert proc.returncode == rc, proc.stderr + proc.stdout
    return proc


def _store(tmp_path: Path, new_store, handles: list[str]) -> Path:  # type: ignore[no-untyped-def]
    db = tmp_path / "s.duckdb"
    con = new_store(db)
    track(con, tmp_path, handles)
    con.close()
    return db


def _timeline_requests(srv: LocalServer) -> list:
    return [r for r in srv.requests if r.path.endswith("/tweets")]


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_ends_with_no_missing_and_no_duplicate_posts(tmp_path, new_store):
    api = XApi(3, 1000, token=TOKEN)  # 10 pages an account
    api.delay = 0.05
    with LocalServer(api) as srv:
        db = _store(tmp_path, new_store, ["acct0000", "acct0001", "acct0002"])
        env = _env(tmp_path, srv.url)
        proc = subprocess.Popen(
            _cli(db, "collect", "--json", env=env), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.time() + 60
        while len(_timeline_requests(srv)) < 14 and time.time() < deadline:  # inside the second account
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_after = len(_timeline_requests(srv))
        assert 14 <= killed_after < 30, "the collector finished before it could be killed"
        srv.requests.clear()
        api.delay = 0.0
        out = json.loads(run_here(db, "collect", "--json", env=env).stdout)  # the rerun: in-process
        resumed = _timeline_requests(srv)
    # the finished account costs one request; the interrupted one resumed from its committed cursor
    first = [r for r in resumed if r.path == "/2/users/9000000000/tweets"]
    second = [r for r in resumed if r.path == "/2/users/9000000001/tweets"]
    assert len(first) == 1 and first[0].arg("pagination_token") is None
    assert second[0].arg("pagination_token") is not None
    assert len(second) < 10
    assert len(resumed) < 30
    con = open_store(db)
    try:
        posts = {r[0] for r in con.execute("SELECT post_id FROM posts WHERE author_id LIKE '9000%'").fetchall()}
        own = {t["id"] for tl in api.timelines.values() for t in tl}
        assert own <= posts  # nothing missing
        assert con.execute("SELECT count(*) - count(DISTINCT (platform, post_id)) FROM posts").fetchone()[0] == 0
        statuses = con.execute("SELECT status FROM runs ORDER BY run_id").fetchall()
        assert statuses == [("interrupted",), ("ok",)]
        platform_rows = con.execute("SELECT status FROM collection_runs ORDER BY run_id").fetchall()
        assert platform_rows == [("interrupted",), ("ok",)]
        assert con.execute("SELECT count(*) FROM collection_cursors WHERE sweep_open").fetchone()[0] == 0
    finally:
        con.close()
    assert out["status"] == "ok"


def test_the_token_never_reaches_output_store_report_or_errors(tmp_path, new_store):
    api = XApi(2, 120, token=TOKEN)
    with LocalServer(api) as srv:
        db = _store(tmp_path, new_store, ["acct0000", "acct0001"])
        env = _env(tmp_path, srv.url)
        outputs = [run(db, "--debug", "collect", env=env)]
        outputs.append(run_here(db, "collect", "--dry-run", "--json", env=env))
        bad = run(db, "--debug", "collect", env=_env(tmp_path, srv.url, token=TOKEN + "-revoked"), rc=2)
        outputs.append(bad)
        assert "DIPLOTRACK_X_BEARER_TOKEN" in bad.stderr and "401" in bad.stderr
        outputs.append(run_here(db, "runs", "--json", env=env))
        outputs.append(run_here(db, "report", "--out", str(tmp_path / "report"), env=env))
        outputs.append(run_here(db, "export", "--out", str(tmp_path / "export"), "--format", "csv", env=env))
    for p in outputs:
        assert TOKEN not in p.stdout and TOKEN not in p.stderr
    files = [db, *(tmp_path / "report").rglob("*"), *(tmp_path / "export").rglob("*")]
    wal = db.with_name(db.name + ".wal")
    files += [wal] if wal.exists() else []
    checked = 0
    for f in files:
        if f.is_file():
            data = f.read_bytes()
            assert TOKEN.encode() not in data, f
            checked += 1
    assert checked > 10
    # DuckDB compresses its columns, so a byte search of the file is not enough: search every text
    # value of every table with SQL, and every raw payload decompressed
    con = open_store(db)
    try:
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] >= 240
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            where = " OR ".join(f'"{c}"::VARCHAR LIKE ?' for c in cols)
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE {where}', [f"%{TOKEN}%"] * len(cols)).fetchone()
            assert hits[0] == 0, table
        from diplotrack.store.raw import decompress

        payloads = con.execute("SELECT payload FROM raw_payloads").fetchall()
        assert len(payloads) > 3
        assert all(TOKEN.encode() not in decompress(p[0]) for p in payloads)
    finally:
        con.close()


def test_sigterm_mid_run_commits_the_page_in_hand_and_stops(tmp_path, new_store):
    api = XApi(2, 1000, token=TOKEN)
    api.delay = 0.1
    with LocalServer(api) as srv:
        db = _store(tmp_path, new_store, ["acct0000", "acct0001"])
        env = _env(tmp_path, srv.url)
        proc = subprocess.Popen(
            _cli(db, "collect", env=env), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.time() + 60
        while len(_timeline_requests(srv)) < 3 and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        asked = len(_timeline_requests(srv))
    assert proc.returncode == 130, err
    assert "stopped" in out
    con = open_store(db)
    try:
        assert con.execute("SELECT status FROM runs").fetchall() == [("stopped",)]
        assert con.execute("SELECT status FROM collection_runs").fetchall() == [("stopped",)]
        cursor = con.execute("SELECT sweep_open, sweep_pages FROM collection_cursors").fetchone()
        # every page asked for was committed with its cursor (the one in hand included)
        assert cursor == (True, asked)
        assert con.execute("SELECT count(*) FROM posts WHERE author_id = '9000000000'").fetchone()[0] == 100 * asked
    finally:
        con.close()


def test_dry_run_sends_nothing_and_prints_the_plan(tmp_path, new_store):
    api = XApi(2, 120)
    with LocalServer(api) as srv:
        db = _store(tmp_path, new_store, ["acct0000", "acct0001"])
        env = _env(tmp_path, srv.url, token="test-token")
        plan = json.loads(run_here(db, "collect", "--dry-run", "--json", "--budget", "1", env=env).stdout)
        text = run_here(db, "collect", "--dry-run", env=env).stdout
        assert srv.requests == []
    assert plan["requests"] == 1 + 2 * 32  # a lookup, then up to 3,200 posts (32 pages) an unknown account
    assert plan["exceeds_budget"] is True and plan["cost_at_most"] > 1
    # never collected: no posting rate to go by, so the expected cost of their timelines is unknown
    assert plan["expected_unknown_accounts"] == 2
    assert plan["expected_cost"] == pytest.approx(0.02)  # the lookup: two user reads
    assert "nothing was sent" in text and "acct0001" in text
    assert "at most $" in text and "unknown for 2 accounts" in text


def test_watch_runs_repeatedly_and_stops_cleanly_on_sigterm(tmp_path, new_store):
    api = XApi(2, 50)
    with LocalServer(api) as srv:
        db = _store(tmp_path, new_store, ["acct0000", "acct0001"])
        env = _env(tmp_path, srv.url, token="test-token")
        # --no-alerts: this test is about runs and signals (alerts in watch: tests/alerts/test_watch_alerts.py)
        done = run_here(db, "watch", "--every", "1s", "--max-runs", "2", "--no-alerts", env=env)
        assert "watch stopped after 2 run(s)" in done.stdout
        proc = subprocess.Popen(
            _cli(db, "watch", "--every", "1h", "--no-alerts", env=env),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if len(srv.requests) >= 3 * 3:  # three runs' lookups and timelines: the third run is done
                break
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "watch stopped after 1 run(s)" in out
    runs = json.loads(run_here(db, "runs", "--json", env=env).stdout)
    assert [r["status"] for r in runs] == ["ok", "ok", "ok"]
    assert {r["platform"] for r in runs} == {"x"}
    table = run_here(db, "runs", env={**env, "COLUMNS": "200"}).stdout
    assert "collect" in table and "x" in table


def test_collect_without_a_token_says_which_setting_to_set(tmp_path, new_store):
    db = _store(tmp_path, new_store, ["acct0000"])
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("DIPLOTRACK_")}
    env["DIPLOTRACK_CONFIG"] = str(tmp_path / "none.toml")
    (tmp_path / "none.toml").write_text("")
    proc = run_here(db, "collect", env=env, rc=2)
    assert "DIPLOTRACK_X_BEARER_TOKEN" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_here(db, "collect", "--platform", "x", env=env, rc=2)
    assert "no X bearer token" in proc.stderr
