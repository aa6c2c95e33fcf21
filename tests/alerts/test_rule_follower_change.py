"""The follower_change rule: a jump and a drop far outside an account's own daily changes fire; a change
under the minimum, a change within a volatile account's usual swings, a jump with too little history, and
the zeroed count of a suspended account stay quiet."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rule_data import basis, keys, run, snap, track, write

from diplotrack.alerts.rules.account_status import RULE as ACCOUNT_STATUS
from diplotrack.alerts.rules.follower_change import RULE

T0 = datetime(2026, 10, 1, 7, 15)
STEADY = [18, 22, 25, 15, 20, 19, 23, 21, 17, 24]  # a steady embassy's daily gains


def _series(user_id: str, handle: str, start: int, steps: list[int]) -> list:  # type: ignore[type-arg]
    counts = [start]
    for s in steps:
        counts.append(counts[-1] + s)
    return [snap(user_id, T0 + timedelta(days=i, minutes=i), handle=handle, followers=c) for i, c in enumerate(counts)]


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("followers") / "s.duckdb")
    accounts = [("ChinaEmbFR", "1001"), ("ChinaEmbDE", "1002"), ("ChinaEmbIT", "1003"), ("ChinaEmbES", "1004")]
    for handle, uid in [*accounts, ("ChinaEmbNL", "1005")]:
        track(con, handle, uid)
    # an archive that records a suspended account's hidden count as 0, then the account back
    nl = _series("1005", "ChinaEmbNL", 40_000, [*STEADY, *STEADY])
    at = nl[-1].observed_at
    nl += [
        snap("1005", at + timedelta(days=1), handle="ChinaEmbNL", followers=0, status="suspended"),
        snap("1005", at + timedelta(days=2), handle="ChinaEmbNL", followers=40_430),
    ]
    records = [
        *_series("1001", "ChinaEmbFR", 50_000, [*STEADY, *STEADY[:5], 3000, 20, -2500, 21]),  # jump, then drop
        *_series("1002", "ChinaEmbDE", 50_000, [*STEADY[:2], 3000, *STEADY]),  # a jump after 2 steps
        *_series("1003", "ChinaEmbIT", 20_000, [*STEADY, *STEADY, 450]),  # huge z, under min_change
        *_series("1004", "ChinaEmbES", 90_000, [0, 1200] * 8 + [1500]),  # a volatile account's usual swing
        *nl,
    ]
    write(con, records)
    yield con
    con.close()


def test_jump_and_drop_against_the_accounts_own_history(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert [(a.handle, a.evidence["change"]) for a in alerts] == [("ChinaEmbFR", 3000), ("ChinaEmbFR", -2500)]
    jump, drop = alerts
    at = T0 + timedelta(days=16, minutes=16)
    assert jump.key == f"x|1001|{at.isoformat()}" and jump.occurred_at == at
    assert jump.title == "x @ChinaEmbFR followers jumped by 3,000 (50,304 to 53,304) in 1.0 days"
    assert jump.evidence["before"]["followers"] == 50_304 and jump.evidence["after"]["followers"] == 53_304
    baseline = jump.evidence["baseline"]
    # the steps are a day and a minute long: a gain of 20 is 19.986 a day
    assert baseline["n"] == 15 and baseline["median_per_day"] == pytest.approx(20 / (1 + 1 / 1440), abs=0.001)
    assert jump.evidence["z"] > 100
    assert "dropped by 2,500" in drop.title
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    # ChinaEmbIT's +450 fires once the minimum change is under it: only the minimum kept it quiet
    assert [a.handle for a in run(RULE, store, {"min_change": 400})] == ["ChinaEmbFR", "ChinaEmbFR", "ChinaEmbIT"]
    # ChinaEmbDE's jump fires only when two earlier steps are history enough
    assert "ChinaEmbDE" in [a.handle for a in run(RULE, store, {"min_history": 2})]
    assert [a.evidence["change"] for a in run(RULE, store, since=T0 + timedelta(days=17))] == [-2500]
    assert run(RULE, store, handles=("ChinaEmbES",)) == []
    assert run(RULE, store, platforms=("bluesky",)) == []


def test_a_suspension_is_not_a_follower_drop_nor_its_reinstatement_a_jump(store) -> None:  # type: ignore[no-untyped-def]
    # account_status alerts on both changes; the count it showed while suspended is not the account's
    assert [a.evidence["event"] for a in run(ACCOUNT_STATUS, store, handles=("ChinaEmbNL",))] == [
        "suspended",
        "reinstated",
    ]
    assert run(RULE, store, handles=("ChinaEmbNL",)) == []
    assert run(RULE, store, {"min_change": 1, "min_relative": 0.0001, "z": 3}, handles=("ChinaEmbNL",)) == []


def test_basis_counts_the_accounts_with_enough_follower_history(store) -> None:  # type: ignore[no-untyped-def]
    found = basis(RULE, store)
    assert (found.judged, found.in_scope) == (5, 5)
    assert found.start == T0 and found.end is not None and found.end > T0
    assert basis(RULE, store, {"min_history": 15}).judged == 4  # ChinaEmbDE has 14 counts, 16 would do
    # ChinaEmbNL has 23 snapshots: the suspended one's zeroed count is not a count
    short = basis(RULE, store, {"min_history": 30})
    assert short.judged == 0 and short.note.endswith("the store has at most 22")
    assert "needs 32 follower counts" in short.note
    assert basis(RULE, store, platforms=("bluesky",)).in_scope == 0
