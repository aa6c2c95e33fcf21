"""What an evaluation says each rule could judge: a rule that judged nothing gets a line saying so
(its 0 alerts mean "could not judge", not "no change"), one that does not say is shown as unknown, and
the JSON summary holds every count; a scope naming a handle the roster does not hold is a problem with
a did-you-mean, and the evaluation goes on."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alerthelpers import EVENTS_RULE, add_event, use_rules
from rule_data import NOW, snap, track, write

from cli_inprocess import cli
from diplotrack.alerts.config import RuleSetting
from diplotrack.alerts.evaluate import evaluate
from diplotrack.alerts.model import Scope
from diplotrack.alerts.rules.account_status import RULE as ACCOUNT_STATUS
from diplotrack.alerts.rules.follower_change import RULE as FOLLOWER_CHANGE

T0 = datetime(2026, 11, 1, 8, 0)


@pytest.fixture(scope="module")
def db(tmp_path_factory, new_store) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("basis") / "s.duckdb"
    con = new_store(path)
    track(con, "ChinaEmbTest", "1001")
    write(con, [snap("1001", T0 + timedelta(days=i), handle="ChinaEmbTest", followers=100 + i) for i in range(2)])
    add_event(con, "1001", "suspended", T0 + timedelta(days=3))
    con.close()
    return path


def _setting(rule, **scope) -> RuleSetting:  # type: ignore[no-untyped-def]
    return RuleSetting(rule, rule.defaults(), Scope(**scope))


def test_rules_that_judged_nothing_say_so_and_what_they_need(db: Path, tmp_path: Path) -> None:
    from diplotrack.store.db import open_store_read_only

    con = open_store_read_only(db)
    try:
        chosen = [_setting(ACCOUNT_STATUS), _setting(FOLLOWER_CHANGE), _setting(EVENTS_RULE)]
        ev = evaluate(con, chosen, [], NOW, dry_run=True)
    finally:
        con.close()
    assert ev.fired == 2 and not ev.problems()  # account_status's event, and test_events' own
    assert ev.basis_lines() == [
        "follower_change could not judge any of 1 account in scope (needs 7 follower counts at different "
        "times per account, 5 earlier steps before the one that fires; the store has at most 2)",
        "test_events: what it could judge is not reported",
    ]
    bases = ev.as_json()["bases"]
    assert bases["account_status"] == {
        "judged": 1,
        "in_scope": 1,
        "unit": "accounts",
        "from": T0.isoformat(),
        "to": (T0 + timedelta(days=3)).isoformat(),
    }
    assert bases["follower_change"]["judged"] == 0 and bases["follower_change"]["note"].startswith("needs 7")
    assert bases["test_events"] is None


def test_a_basis_that_fails_is_unknown_and_its_rule_still_counts(db: Path) -> None:
    from diplotrack.store.db import open_store_read_only

    def broken(ctx, params):  # type: ignore[no-untyped-def]
        return 1 / 0

    rule = dataclasses.replace(ACCOUNT_STATUS, basis=broken)
    con = open_store_read_only(db)
    try:
        ev = evaluate(con, [_setting(rule)], [], NOW, dry_run=True)
    finally:
        con.close()
    assert ev.fired == 1 and not ev.problems() and ev.bases == {"account_status": None}
    (line,) = ev.basis_lines()
    assert line.startswith("account_status: what it could judge is unknown (internal error (ZeroDivisionError")


def test_a_scope_handle_not_in_the_roster_is_a_problem_naming_the_near_miss(db: Path) -> None:
    from diplotrack.store.db import open_store_read_only

    con = open_store_read_only(db)
    try:
        chosen = [_setting(ACCOUNT_STATUS, handles=("ChinaEmbTets", "chinaembtest")), _setting(FOLLOWER_CHANGE)]
        ev = evaluate(con, chosen, [], NOW, dry_run=True)
    finally:
        con.close()
    assert ev.problems() == [
        "alert scope: 'ChinaEmbTets' is not a roster handle in the store (did you mean ChinaEmbTest?), so "
        "account_status judged nothing about it; fix accounts in the config file's [alerts] section"
    ]
    assert ev.fired == 1 and ev.bases["account_status"] is not None  # the rest of the scope was judged


def test_the_cli_prints_the_lines_and_a_scope_typo_exits_1(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    use_rules(monkeypatch, ACCOUNT_STATUS, FOLLOWER_CHANGE)
    config = tmp_path / "config.toml"
    config.write_text('[alerts]\naccounts = ["nosuchhandle"]\n', encoding="utf-8")
    env: dict[str, str | None] = {"DIPLOTRACK_CONFIG": str(config), "COLUMNS": "200"}
    done = cli("alerts", "--dry-run", db=db, env=env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "alert scope: 'nosuchhandle' is not a roster handle in the store, so every rule judged nothing "
        "about it; fix accounts in the config file's [alerts] section"
    ]
    assert "alerts: 2 rule(s) run, 0 alert(s) found" in done.stdout
    assert "  account_status could not judge: no accounts in scope (needs two observations" in done.stdout
    config.write_text('[alerts]\naccounts = ["@chinaembtest"]\n', encoding="utf-8")
    fine = cli("alerts", "--dry-run", "--json", db=db, env=env)
    assert fine.returncode == 0 and fine.stdout.count("\n") == 1  # the suspension, as a JSON line
    assert "follower_change could not judge any of 1 account in scope" in fine.stderr
    assert "account_status" not in fine.stderr.replace("[account_status]", "")  # it judged its account
