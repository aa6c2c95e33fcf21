"""``watch`` evaluates the alert rules after every run: an account suspended between two collections
fires the real ``account_status`` rule in the next run, and its alert is delivered once, across a
restart of watch (two ``watch --max-runs 1`` on one store), while a later change still gets through.
Against the collector tests' local X API server (tests/collect/apiservers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from alerthelpers import track, use_rules

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))
from apiservers import LocalServer, XApi  # noqa: E402

from cli_inprocess import cli  # noqa: E402
from diplotrack.alerts.rules.account_status import RULE as ACCOUNT_STATUS  # noqa: E402

CONFIG = """
[http]
timeout = 2
retries = 2
backoff_initial = 0.01
backoff_max = 0.05
[alerts]
jsonl = "alerts.jsonl"
"""


def test_watch_delivers_an_alert_once_across_a_restart(tmp_path: Path, new_store, monkeypatch):  # type: ignore[no-untyped-def]
    use_rules(monkeypatch, ACCOUNT_STATUS)
    db = tmp_path / "s.duckdb"
    con = new_store(db)
    track(con, tmp_path, [("acct0000", "9000000000"), ("acct0001", "9000000001")])
    con.close()
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    api = XApi(2, 5)
    with LocalServer(api) as srv:
        env: dict[str, str | None] = {
            "DIPLOTRACK_X_BEARER_TOKEN": "test-token",
            "DIPLOTRACK_X_API_BASE": srv.url,
            "DIPLOTRACK_CONFIG": str(tmp_path / "config.toml"),
            "COLUMNS": "200",
        }
        api.suspended.add("9000000001")
        run1 = cli("watch", "--max-runs", "1", db=db, env=env)
        assert run1.returncode == 0, run1.stderr
        assert "[account_status] x @acct0001 is suspended" in run1.stdout
        assert "1 new; print: 1 delivered; jsonl: 1 delivered" in run1.stdout

        api.renamed["9000000000"] = "acct0000_new"  # the restarted watch sees one more change
        # and a channel that cannot deliver (its folder is missing): reported, and watch goes on
        (tmp_path / "config.toml").write_text(CONFIG + 'atom = "missing/alerts.xml"\n', encoding="utf-8")
        run2 = cli("watch", "--max-runs", "1", db=db, env=env)
        assert run2.returncode == 0, run2.stderr
        assert "alerts not delivered to atom (tried again next time): cannot write the Atom feed" in run2.stderr
        assert "atom: 0 delivered, 2 failed" in run2.stdout and "watch stopped after 1 run(s)" in run2.stdout
        assert "is suspended" not in run2.stdout  # found again by the rule, but not new
        assert "renamed from @acct0000 to @acct0000_new" in run2.stdout
        assert "2 alert(s) found, 1 new" in run2.stdout

    lines = [orjson.loads(x) for x in (tmp_path / "alerts.jsonl").read_bytes().splitlines()]
    assert [(x["handle"], x["evidence"]["event"]) for x in lines] == [
        ("acct0001", "suspended"),
        ("acct0000", "renamed"),
    ]
    assert len({x["alert_id"] for x in lines}) == 2
    runs = orjson.loads(cli("runs", "--json", db=db, env=env).stdout)
    assert [x["run_id"] for x in lines] == sorted(r["run_id"] for r in runs)  # the run each fired after
