"""The dashboard stays up while new data arrives (``serve --watch``, docs/dashboard.md).

The server holds the store's one read-write DuckDB instance and its collection thread writes through
it (``open_store`` in the same process gets a connection to that same instance); requests read the
last committed state. These tests drive the real write path (``StoreWriter``: a batch of posts in
one transaction, held open on purpose) from another thread while the app answers, and check what a
second *process* meets instead (the store's lock), which is why the design collects inside serve.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from diplotrack.cli import common
from diplotrack.cli.serve import Watcher
from diplotrack.records import Post, Provenance
from diplotrack.serve.app import create_app
from diplotrack.serve.reader import StoreReader
from diplotrack.store.db import open_store
from diplotrack.store.runs import start_run
from diplotrack.store.writer import StoreWriter

NEW_POSTS = 7
MONTH = "2019-06-01"


def _month_posts(body: dict, month: str) -> int:
    """Posts in ``month`` across kinds, from /overview.json (posts_by_month)."""
    return sum(r["posts"] for r in body["rows"] if str(r["month"])[:10] == month)


def _changed_at(reader: StoreReader) -> datetime:
    """When the store last changed, to the microsecond (the pages show it to the second)."""
    return reader.sql("SELECT changed_at FROM store_state WHERE id = 1")["changed_at"].iloc[0].to_pydatetime()


def _write_posts(db: Path, author: tuple[str, str, str], inside: threading.Event, release: threading.Event) -> None:
    """A collection run in miniature: NEW_POSTS posts by ``author`` through the store's writer, the
    transaction held open (``on_commit`` waits) until ``release`` is set."""
    con = open_store(db)  # same process: the server's own DuckDB instance, not a second lock
    try:
        run_id = start_run(con, "collect", "test --watch", [])
        writer = StoreWriter(con, run_id)
        platform, key, handle = author
        for i in range(NEW_POSTS):
            writer.add_post(
                Post(
                    platform=platform,
                    post_id=f"watch-test-{i}",
                    author_id=key,
                    author_handle=handle,
                    created_at=datetime(2019, 6, 10 + i, 12, 0),
                    text=f"quokkamarker post {i} written while the dashboard serves",
                    lang="en",
                    kind="original",
                    provenance=Provenance(source="test"),
                )
            )

        def hold(_con: duckdb.DuckDBPyConnection) -> None:
            inside.set()
            assert release.wait(30), "the test never released the writer"

        writer.flush(on_commit=hold)
    finally:
        con.close()


def test_pages_answer_during_a_write_and_show_it_after_the_commit(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "watched.duckdb"
    shutil.copy(demo_db, db)
    reader = StoreReader(db, writable=True)
    try:
        author = tuple(
            reader.sql("SELECT platform, user_key, handle FROM accounts WHERE lower(handle) = 'mfa_china'").iloc[0]
        )
        with TestClient(create_app(reader), base_url="http://127.0.0.1:8000") as client:
            before = client.get("/overview.json?_table=posts_by_month&_size=1000").json()
            inside, release = threading.Event(), threading.Event()
            errors: list[BaseException] = []

            def target() -> None:
                try:
                    _write_posts(db, author, inside, release)  # type: ignore[arg-type]
                except BaseException as exc:  # noqa: BLE001 - reported by the test below
                    errors.append(exc)
                    inside.set()

            t = threading.Thread(target=target, daemon=True)
            t.start()
            try:
                assert inside.wait(30) and not errors, errors
                gen_during = reader.generation()  # opening the store and starting the run committed
                changed_during = _changed_at(reader)
                refreshed_during = client.get("/overview.json?_table=posts_by_month").json()["refreshed_at"]
                assert refreshed_during == changed_during.isoformat(timespec="seconds")
                # the writer's transaction is open, its posts merged but not committed
                for path in (
                    "/",
                    "/overview.json?_table=posts_by_month&_size=1000",
                    "/overview.csv?_table=posts_by_month",
                    "/overview.json?_table=joins&kind=ministry",
                ):
                    r = client.get(path)
                    assert r.status_code == 200, (path, r.text[:300])
                    assert "in use" not in r.text
                during = client.get("/overview.json?_table=posts_by_month&_size=1000").json()
                assert _month_posts(during, MONTH) == _month_posts(before, MONTH)
                assert reader.generation() == gen_during and during["refreshed_at"] == refreshed_during
            finally:
                release.set()
            t.join(30)
            assert not t.is_alive() and not errors, errors

            after = client.get("/overview.json?_table=posts_by_month&_size=1000").json()
            assert reader.generation() == gen_during + 1
            changed_after = _changed_at(reader)  # when the writing transaction began (DuckDB's now())
            assert changed_after > changed_during
            assert after["refreshed_at"] == changed_after.isoformat(timespec="seconds")
            assert _month_posts(after, MONTH) == _month_posts(before, MONTH) + NEW_POSTS
            # the page's figure against the store itself
            n = reader.sql(
                "SELECT count(*) AS n FROM posts p JOIN accounts a ON a.platform = p.platform "
                "AND a.user_key = p.author_id WHERE date_trunc('month', p.created_at)::DATE = $m::DATE",
                {"m": MONTH},
            )["n"].iloc[0]
            assert _month_posts(after, MONTH) == int(n)
            assert (
                reader.sql("SELECT count(*) AS n FROM posts WHERE text LIKE 'quokkamarker%'")["n"].iloc[0] == NEW_POSTS
            )
    finally:
        reader.close()


def test_a_second_process_meets_the_lock_which_is_why_serve_collects_itself(demo_db: Path, tmp_path: Path) -> None:
    """While serve holds the store read-write, another process cannot open it for writing (DuckDB: one
    writing process): a separate ``diplotrack collect`` would stop with "in use"."""
    db = tmp_path / "held.duckdb"
    shutil.copy(demo_db, db)
    reader = StoreReader(db, writable=True)
    try:
        code = "import sys; from diplotrack.store.db import open_store; open_store(sys.argv[1])"
        res = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=False)
        assert res.returncode != 0
        assert "in use by another diplotrack process" in res.stderr
    finally:
        reader.close()


def test_the_watcher_collects_inside_the_server_while_pages_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve --watch`` as it runs: the real ``Watcher`` collects from a local X API (the collector
    tests' server, real response objects) through the server's own store while requests come in."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "collect"))
    from apiservers import LocalServer, XApi
    from helpers import track

    api = XApi(1, 150, token="watch-test-token")  # 2 pages of 100
    api.delay = 0.02  # a run that lasts long enough for requests to meet it
    db = tmp_path / "watched.duckdb"
    con = open_store(db)
    track(con, tmp_path, ["acct0000"])
    con.close()
    config = tmp_path / "config.toml"
    config.write_text("[http]\ntimeout = 2\nretries = 3\nbackoff_initial = 0.01\nbackoff_max = 0.05\n")
    with LocalServer(api) as srv:
        monkeypatch.setenv("DIPLOTRACK_X_BEARER_TOKEN", "watch-test-token")
        monkeypatch.setenv("DIPLOTRACK_X_API_BASE", srv.url)
        monkeypatch.setenv("DIPLOTRACK_CONFIG", str(config))
        monkeypatch.setattr(common.STATE, "db", str(db))
        reader = StoreReader(db, writable=True)  # what 'serve --watch' opens
        app = create_app(reader)
        watcher = Watcher(timedelta(hours=1))
        app.inner.state.watcher = watcher
        import diplotrack.cli.alerts as cli_alerts

        evaluations: list = []  # the real evaluation after the run, recorded (watch's alerts, inside the server)
        real = cli_alerts.alerts_after_run
        monkeypatch.setattr(cli_alerts, "alerts_after_run", lambda *a, **k: evaluations.append(real(*a, **k)))
        answers: list[tuple[int, bool]] = []  # (status, whether the run was still going when it came)
        try:
            with TestClient(app, base_url="http://127.0.0.1:8000") as client:
                before = client.get("/overview.json?_table=posts_by_month").json()
                assert _month_posts_all(before) == 0
                generation_before = reader.generation()
                watcher.start()
                deadline = time.monotonic() + 60
                while "last run" not in watcher.state and time.monotonic() < deadline:
                    r = client.get("/overview.json?_table=posts_by_month")
                    answers.append((r.status_code, "in progress" in watcher.state))
                    assert "in use" not in r.text
                assert "last run finished" in watcher.state, watcher.state
                assert "collecting every 1h" in client.get("/").text  # the stamp says so
                after = client.get("/overview.json?_table=posts_by_month").json()
                generation_after = reader.generation()
        finally:
            watcher.stop()
            watcher.thread.join(30)
            reader.close()
    assert len(evaluations) == 1 and evaluations[0] is not None and not evaluations[0].problems()
    assert {status for status, _ in answers} == {200}, answers
    assert sum(going for _, going in answers) >= 2, answers  # requests met the run in progress
    own = len(api.timelines["9000000000"])
    assert _month_posts_all(after) == own == 150
    # the run committed (the stamp has whole seconds: a quick run may share the build's second)
    assert generation_after > generation_before and after["refreshed_at"] >= before["refreshed_at"]


def _month_posts_all(body: dict) -> int:
    return sum(r["posts"] for r in body["rows"])
