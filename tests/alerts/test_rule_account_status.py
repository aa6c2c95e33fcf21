"""The account_status rule: renames and status changes between an account's imported snapshots, and the
collector's account events (one alert when the collector wrote both the event and its snapshot)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
from rule_data import basis, keys, run, snap, track, write

from diplotrack.alerts.rules.account_status import RULE
from diplotrack.errors import InvalidValueError
from diplotrack.store.db import open_store_read_only

T0 = datetime(2026, 9, 1, 8, 0)
SUSPENDED_AT = datetime(2026, 11, 20, 6, 30)
BACK_AT = datetime(2026, 11, 27, 6, 30)


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("status") / "s.duckdb")
    track(con, "ChinaEmbFR", "1001")
    track(con, "ChinaConsulLyon", "1002", kind="consulate")
    track(con, "ChinaEmbDE", "1003")
    records = [
        # an import's snapshots of the embassy: a rename, then a suspension
        snap("1001", T0, handle="ChinaEmbFR", followers=5000),
        snap("1001", T0 + timedelta(days=10), handle="chinaembfr", followers=5010),  # case only: no rename
        snap("1001", T0 + timedelta(days=20), handle="ChinaAmbassadeFR", followers=5020),
        snap("1001", T0 + timedelta(days=30), handle="ChinaAmbassadeFR", status="suspended"),
        # the collector: an active lookup, then a lookup finding it suspended (snapshot and event at once)
        snap("1002", T0, handle="ChinaConsulLyon", followers=800, snapshot_source="collect: lookup"),
        snap("1002", SUSPENDED_AT, handle="ChinaConsulLyon", status="suspended", snapshot_source="collect: lookup"),
        snap("1002", BACK_AT, handle="ChinaConsulLyon", followers=790, snapshot_source="collect: lookup"),
        # a quiet account, and an account outside the roster that is suspended
        snap("1003", T0, handle="ChinaEmbDE", followers=100),
        snap("1003", T0 + timedelta(days=5), handle="ChinaEmbDE", followers=110),
        snap("9999", T0 + timedelta(days=5), handle="someone", status="suspended"),
    ]
    write(con, records)
    for at, event, old, new, detail in [
        (SUSPENDED_AT, "suspended", "active", "suspended", "User has been suspended: [1002]."),
        (BACK_AT, "reinstated", "suspended", "active", None),
    ]:
        con.execute(
            """INSERT INTO account_events (platform, user_id, observed_at, event, old_value, new_value, run_id, detail)
               VALUES ('x', '1002', ?, ?, ?, ?, 7, ?)""",
            [at, event, old, new, detail],
        )
    yield con
    con.close()


def test_renames_suspensions_and_reinstatements_fire_once_each(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    got = [(a.handle, a.evidence["event"], a.evidence["from"]) for a in alerts]
    assert got == [
        ("ChinaEmbFR", "renamed", "profile_snapshots"),
        ("ChinaEmbFR", "suspended", "profile_snapshots"),
        ("ChinaConsulLyon", "suspended", "account_events"),  # the event and its snapshot: one alert
        ("ChinaConsulLyon", "reinstated", "account_events"),
    ]
    renamed = alerts[0]
    assert renamed.title == "x @ChinaEmbFR renamed from @chinaembfr to @ChinaAmbassadeFR"
    assert renamed.key == f"x|1001|renamed|{(T0 + timedelta(days=20)).isoformat()}"
    assert renamed.evidence["before"]["handle"] == "chinaembfr"
    assert renamed.evidence["after"]["observed_at"] == (T0 + timedelta(days=20)).isoformat()
    suspended = alerts[2]
    assert suspended.user_id == "1002" and suspended.occurred_at == SUSPENDED_AT
    assert suspended.evidence["event_row"]["detail"] == "User has been suspended: [1002]."
    assert suspended.evidence["before"]["status"] == "active"
    assert suspended.evidence["after"]["status"] == "suspended"
    assert alerts[3].title == "x @ChinaConsulLyon is back (was suspended)"


def test_same_keys_on_a_second_evaluation(store) -> None:  # type: ignore[no-untyped-def]
    assert keys(run(RULE, store)) == keys(run(RULE, store))


def test_scope_and_parameters(store) -> None:  # type: ignore[no-untyped-def]
    assert {a.handle for a in run(RULE, store, handles=("chinaconsullyon",))} == {"ChinaConsulLyon"}
    assert {a.handle for a in run(RULE, store, kinds=("consulate",))} == {"ChinaConsulLyon"}
    assert run(RULE, store, platforms=("bluesky",)) == []
    # since: the changes before it are not alerted
    assert [a.evidence["event"] for a in run(RULE, store, since=SUSPENDED_AT + timedelta(days=1))] == ["reinstated"]
    assert [a.evidence["event"] for a in run(RULE, store, {"events": ["renamed"]})] == ["renamed"]
    with pytest.raises(InvalidValueError, match="cannot alert on suspend;"):
        run(RULE, store, {"events": ["suspend"]})
    with pytest.raises(InvalidValueError, match="unknown alert rule parameter statuses"):
        run(RULE, store, {"statuses": ["suspended"]})


def test_quiet_without_a_change(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert not [a for a in alerts if a.handle == "ChinaEmbDE" or a.user_id == "9999"]


def test_a_suspension_the_bundled_roster_snapshots_record(demo_template, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the demo's roster snapshots come from the CHC china-twitter READMEs: GeneralkonsulDu was active in
    # February 2021 and suspended by April 2022; the rule reads it on a read-only connection
    shutil.copyfile(demo_template, tmp_path / "demo.duckdb")
    con = open_store_read_only(tmp_path / "demo.duckdb")
    try:
        alerts = [a for a in run(RULE, con) if a.handle == "GeneralkonsulDu"]
    finally:
        con.close()
    assert [(a.evidence["event"], a.occurred_at) for a in alerts] == [("suspended", datetime(2022, 4, 30))]
    ev = alerts[0].evidence
    assert ev["before"]["status"] == "active" and ev["before"]["observed_at"] == "2021-02-28T00:00:00"
    assert ev["after"]["source"].startswith("centre-for-humanities-computing/china-twiplomacy-2020-2022")


def test_basis_counts_the_accounts_observed_twice(store, new_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    found = basis(RULE, store)
    assert (found.judged, found.in_scope) == (3, 3) and found.start == T0  # the untracked 9999 is not in scope
    once = new_store(tmp_path / "once.duckdb")
    track(once, "ChinaEmbFR", "1001")
    track(once, "ChinaEmbDE", "1003")
    write(once, [snap("1001", T0, handle="ChinaEmbFR", followers=5000)])
    lone = basis(RULE, once)
    assert (lone.judged, lone.in_scope) == (0, 2) and lone.note.endswith("the store has at most 1 snapshot per account")
    once.execute(
        "INSERT INTO account_events (platform, user_id, observed_at, event) VALUES ('x', '1003', ?, 'suspended')",
        [SUSPENDED_AT],
    )
    assert basis(RULE, once).judged == 1  # a collector lookup saw the change
