"""The topic_shift rule: topics whose share of an account's recent posts rose clearly fire; a smaller
rise, an unclear fall, posts without topics and too few recent posts do not."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from rule_data import keys, run
from shift_data import END, shift_store

from diplotrack.alerts.rules.topic_shift import RULE, two_proportions
from diplotrack.store.db import open_store_read_only


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = shift_store(tmp_path_factory, new_store)
    yield con
    con.close()


def test_topics_rising_against_the_accounts_own_baseline(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    # Taiwan 25% -> 75%, sovereignty 0% -> 25%; economy's fall (52% -> 25%) is not clear at 20 posts
    assert [(a.handle, a.evidence["topic"], a.evidence["direction"]) for a in alerts] == [
        ("ChinaEmbFR", "sovereignty", "rise"),
        ("ChinaEmbFR", "taiwan", "rise"),
    ]
    taiwan = alerts[1]
    assert taiwan.key == "x|1001|taiwan|rise|2026-11-19" and taiwan.occurred_at == END
    assert taiwan.evidence["recent"]["on_topic"] == 15 and taiwan.evidence["recent"]["posts"] == 20
    assert taiwan.evidence["baseline"]["on_topic"] == 15 and taiwan.evidence["baseline"]["share"] == 0.25
    assert all("taiwan" in e["topics"] for e in taiwan.evidence["examples"])
    assert taiwan.title == "x @ChinaEmbFR: topic taiwan up to 75% of 20 recent posts from 25% before"
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    # ChinaEmbDE's covid rose 15 points (under 20); ChinaEmbES has 6 recent posts of 10
    assert ("ChinaEmbDE", "covid") in [
        (a.handle, a.evidence["topic"]) for a in run(RULE, store, {"min_share_change": 0.1})
    ]
    assert "ChinaEmbES" in [a.handle for a in run(RULE, store, {"min_recent": 5})]
    # economy's fall is there at a looser alpha
    loose = run(RULE, store, {"alpha": 0.05}, handles=("ChinaEmbFR",))
    assert ("economy", "fall") in [(a.evidence["topic"], a.evidence["direction"]) for a in loose]
    assert "ChinaEmbIT" not in [a.handle for a in run(RULE, store, {"min_share_change": 0.01, "alpha": 0.5})]
    assert run(RULE, store, kinds=("consulate",)) == []
    assert run(RULE, store, since=END + timedelta(minutes=1)) == []


def test_two_proportions() -> None:
    z, p = two_proportions(15, 20, 15, 60)
    assert z == pytest.approx(4.0) and p == pytest.approx(6.334e-5, rel=0.001)
    assert two_proportions(0, 20, 0, 60)[1] != two_proportions(0, 20, 0, 60)[1]  # NaN: no spread


def test_real_briefings_zhao_lijian_on_covid(enriched_demo_template, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the demo's real MFA press-conference answers, enriched: in the two weeks to mid-April 2020, COVID-19
    # took most of spokesperson Zhao Lijian's answers, against under half in the three months before
    shutil.copyfile(enriched_demo_template, tmp_path / "demo.duckdb")
    con = open_store_read_only(tmp_path / "demo.duckdb")
    try:
        alerts = run(RULE, con, handles=("赵立坚",))
    finally:
        con.close()
    covid = [a for a in alerts if a.evidence["topic"] == "covid19"]
    assert len(covid) == 1 and covid[0].evidence["direction"] == "rise"
    ev = covid[0].evidence
    assert ev["recent"]["share"] > 0.75 and ev["baseline"]["share"] < 0.5 and ev["p_value"] < 1e-6
    assert covid[0].occurred_at.year == 2020 and covid[0].occurred_at.month == 4
