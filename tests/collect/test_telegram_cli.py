"""``diplotrack collect --platform telegram`` as a user runs it, against ``TelegramWeb`` on 127.0.0.1
(``DIPLOTRACK_TELEGRAM_BASE``): a run killed with SIGKILL mid-channel, then the command again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from apiservers import LocalServer
from helpers import track
from telegram_server import TelegramWeb
from typer.testing import CliRunner

from diplotrack.cli.main import app
from diplotrack.store.db import open_store

MESSAGES = 100  # 5 preview pages


def test_sigkill_mid_channel_then_the_command_again_loses_nothing_and_duplicates_nothing(tmp_path, new_store):
    web = TelegramWeb()
    web.add_channel("killtest", MESSAGES)
    web.delay = 0.1
    db = tmp_path / "s.duckdb"
    con = new_store(db)
    track(con, tmp_path, ["killtest"], "telegram")
    con.close()
    config = tmp_path / "config.toml"
    config.write_text("[telegram]\nthrottle = 0\n[http]\ntimeout = 2\nretries = 2\nbackoff_initial = 0.01\n")
    with LocalServer(web) as srv:
        env = {**os.environ, "DIPLOTRACK_TELEGRAM_BASE": srv.url, "DIPLOTRACK_CONFIG": str(config)}
        cmd = [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), "collect", "--platform", "telegram"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while sum(r.path == "/s/killtest" for r in srv.requests) < 2 and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_after = sum(r.path == "/s/killtest" for r in srv.requests)
        assert 2 <= killed_after < 5, "the collector finished before it could be killed"
        srv.requests.clear()
        web.delay = 0.0
        result = CliRunner().invoke(
            app, ["--db", str(db), "collect", "--platform", "telegram", "--json"], env=env, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        resumed = [r.arg("before") for r in srv.requests if r.path == "/s/killtest"]
    out = json.loads(result.output)
    assert out["status"] == "ok" and out["platforms"][0]["platform"] == "telegram"
    # the sweep resumed below its last committed page: not from the newest page again
    assert resumed[0] is not None and len(resumed) <= 5 - 1
    con = open_store(db)
    try:
        posts = {r[0] for r in con.execute("SELECT post_id FROM posts WHERE platform = 'telegram'").fetchall()}
        assert posts == {f"killtest/{i}" for i in range(1, MESSAGES + 1)}  # nothing missing
        assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
        assert con.execute("SELECT status FROM runs ORDER BY run_id").fetchall() == [("interrupted",), ("ok",)]
        assert con.execute("SELECT count(*) FROM collection_cursors WHERE sweep_open").fetchone()[0] == 0
        followers = con.execute("SELECT followers FROM profile_snapshots WHERE user_id = 'handle:killtest'").fetchall()
        assert (1_234_567,) in followers
    finally:
        con.close()
