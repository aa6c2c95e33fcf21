"""``diplotrack alerts`` as a user runs it (in-process, tests/cli_inprocess.py): evaluate, print,
record once and deliver to the configured files; --dry-run, --json, --list, --rules; and its errors,
one sentence each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest
from alerthelpers import BROKEN_RULE, EVENTS_RULE, add_event, use_rules

from cli_inprocess import cli


@pytest.fixture
def db(tmp_path: Path, new_store, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    use_rules(monkeypatch, EVENTS_RULE, BROKEN_RULE)
    path = tmp_path / "s.duckdb"
    con = new_store(path)
    add_event(con, "1155380386421313536", "suspended", datetime(2026, 12, 5, 9, 30), handle="ChinaEmbTest")
    con.close()
    return path


def _stat(path: Path) -> tuple[int, int]:
    return path.stat().st_size, path.stat().st_mtime_ns


def _config(tmp_path: Path, text: str) -> dict[str, str | None]:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return {"DIPLOTRACK_CONFIG": str(config), "COLUMNS": "200"}


FILES = '[alerts]\nenabled = ["test_events"]\njsonl = "alerts.jsonl"\natom = "alerts.xml"\n'


def test_alerts_fire_once_and_reach_the_terminal_and_the_configured_files(db: Path, tmp_path: Path):
    env = _config(tmp_path, FILES)
    untouched = _stat(db)
    dry = cli("alerts", "--dry-run", db=db, env=env)
    assert _stat(db) == untouched  # a dry run opens the store read-only: not a byte written
    assert dry.returncode == 0, dry.stderr
    assert "[test_events] x ChinaEmbTest is suspended" in dry.stdout and "dry run" in dry.stdout
    assert "no alerts recorded yet" in cli("alerts", "--list", db=db, env=env).stdout
    assert not (tmp_path / "alerts.jsonl").exists()

    first = cli("alerts", db=db, env=env)
    assert first.returncode == 0, first.stderr
    assert "2026-12-05 09:30 [test_events] x ChinaEmbTest is suspended (x, @ChinaEmbTest)" in first.stdout
    assert "alerts: 1 rule(s) run, 1 alert(s) found, 1 new; print: 1 delivered; jsonl: 1 delivered; atom: 1" in (
        first.stdout
    )
    again = cli("alerts", db=db, env=env)
    assert "is suspended" not in again.stdout and "1 alert(s) found, 0 new" in again.stdout
    assert len((tmp_path / "alerts.jsonl").read_bytes().splitlines()) == 1
    assert (tmp_path / "alerts.xml").read_bytes().count(b"<entry>") == 1
    files = [_stat(db), _stat(tmp_path / "alerts.jsonl"), _stat(tmp_path / "alerts.xml")]
    assert "dry run" in cli("alerts", "--dry-run", db=db, env=env).stdout
    assert [_stat(db), _stat(tmp_path / "alerts.jsonl"), _stat(tmp_path / "alerts.xml")] == files

    from diplotrack.store.db import open_store

    con = open_store(db)
    add_event(con, "1155380386421313537", "suspended", datetime(2026, 12, 6, 8), handle="ChinaConsulTest")
    con.close()
    as_json = cli("alerts", "--json", db=db, env=env)
    (line,) = as_json.stdout.splitlines()  # stdout: the new alert only; the summary is on stderr
    assert orjson.loads(line)["handle"] == "ChinaConsulTest" and "1 new" in as_json.stderr
    listed = cli("alerts", "--list", "--json", db=db, env=env).stdout.splitlines()  # a table may wrap names
    assert [orjson.loads(x)["handle"] for x in listed] == ["ChinaConsulTest", "ChinaEmbTest"]  # newest first
    assert "suspended" in cli("alerts", "--list", db=db, env=env).stdout
    newest = cli("alerts", "--list", "--json", "--limit", "1", db=db, env=env).stdout.splitlines()
    assert [orjson.loads(x)["handle"] for x in newest] == ["ChinaConsulTest"]
    assert len((tmp_path / "alerts.jsonl").read_bytes().splitlines()) == 2


def test_rules_are_listed_with_their_parameters_and_defaults(db: Path, tmp_path: Path):
    env = _config(tmp_path, "")
    table = cli("alerts", "--rules", db=db, env=env)
    assert table.returncode == 0 and "test_events" in table.stdout and "window_days = 7" in table.stdout
    rules = orjson.loads(cli("alerts", "--list-rules", "--json", db=db, env=env).stdout)
    assert [r["name"] for r in rules] == ["test_events", "test_broken"]
    assert rules[0]["params"][0] == {"name": "events", "default": ["suspended"], "help": "which events"}


def test_a_failing_rule_is_reported_and_the_others_still_deliver(db: Path, tmp_path: Path):
    done = cli("alerts", db=db, env=_config(tmp_path, ""))
    assert done.returncode == 1
    assert "alert rule test_broken failed: the test rule cannot run; fix its parameters" in done.stderr
    assert "is suspended" in done.stdout and "1 rule(s) failed" in done.stdout


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        (("--rule", "test_evnts"), "", "'test_evnts' is not a rule (did you mean test_events?)"),
        (("--since", "soon"), "", "--since 'soon' is not a date"),
        ((), "[alerts.rules.test_events]\nwindow_days = 'a week'\n", "window_days must be a whole number"),
        ((), "[alerts]\njsonl = 'alerts.jsonl'\n[alerts]\n", "is not valid TOML"),
    ],
)
def test_mistakes_end_in_one_line_and_exit_2(tmp_path: Path, monkeypatch, args, config, expected):  # type: ignore[no-untyped-def]
    use_rules(monkeypatch, EVENTS_RULE, BROKEN_RULE)
    db = tmp_path / "never-opened.duckdb"  # each mistake is found before the store is opened
    done = cli("alerts", *args, db=db, env=_config(tmp_path, config))
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not db.exists()


def test_alerts_of_a_rule_no_longer_registered_are_still_listed(db: Path, tmp_path: Path, monkeypatch):
    env = _config(tmp_path, '[alerts]\nenabled = ["test_events"]\n')
    assert cli("alerts", db=db, env=env).returncode == 0
    use_rules(monkeypatch, BROKEN_RULE)  # a later version without the rule that fired
    listed = cli("alerts", "--list", db=db, env=_config(tmp_path, ""))
    assert listed.returncode == 0 and "suspended" in listed.stdout  # a table: a narrow terminal wraps names
    (shown,) = cli("alerts", "--list", "--json", db=db, env=_config(tmp_path, "")).stdout.splitlines()
    assert orjson.loads(shown)["rule"] == "test_events" and "is suspended" in orjson.loads(shown)["title"]
    (line,) = cli("alerts", "--list", "--json", "--rule", "test_events", db=db, env=env).stdout.splitlines()
    assert orjson.loads(line)["rule"] == "test_events"


def test_a_store_from_before_the_alerts_tables_is_listed_without_error(tmp_path: Path, new_store):  # type: ignore[no-untyped-def]
    path = tmp_path / "old.duckdb"
    con = new_store(path)
    con.execute("DROP TABLE alert_deliveries; DROP TABLE alerts; DELETE FROM schema_migrations WHERE version >= 13")
    con.close()
    listed = cli("alerts", "--list", db=path, env=_config(tmp_path, ""))
    assert listed.returncode == 0 and "no alerts recorded yet" in listed.stdout, listed.stderr


def test_a_store_another_process_holds_is_one_sentence_for_every_form(db: Path, tmp_path: Path):
    import subprocess
    import sys

    holder = subprocess.Popen(  # as a watch run holds it: a write connection in another process
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        for args in (("alerts",), ("alerts", "--dry-run"), ("alerts", "--list")):
            done = cli(*args, db=db, env=_config(tmp_path, ""))
            assert done.returncode == 75, (args, done.stderr)
            assert done.stderr.strip().splitlines() == [
                f"error: the store {db} is in use by another diplotrack process; wait for it to finish "
                "or point --db at another file"
            ]
    finally:
        holder.communicate("")
