"""The ``new_account`` alert rule: one alert per discovered account at or above ``min_score``, with
the candidate's evidence, quiet below it; the same candidate gives the same alert id on every run."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from tests.discover.store_data import fill

from diplotrack.alerts.model import Context, Scope
from diplotrack.alerts.registry import rule_named
from diplotrack.errors import InvalidValueError

NOW = datetime(2026, 12, 6, 12, 0)


@pytest.fixture(scope="module")
def con(tmp_path_factory, new_store):
    path = tmp_path_factory.mktemp("rule") / "rule.duckdb"
    c = new_store(path)
    fill(c)
    c.close()
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


def test_fires_once_per_candidate_with_its_evidence(con):
    rule = rule_named("new_account")
    assert rule is not None and rule.defaults() == {"min_score": 0.6, "max_alerts": 50}
    alerts = rule.evaluate(Context(con, NOW), {})
    by_handle = {a.handle: a for a in alerts}
    kenya = by_handle["ChinaEmbKenya"]
    assert kenya.key == "x:200" and kenya.platform == "x" and kenya.user_id == "200"
    assert sorted(kenya.evidence["roster_actors"]) == ["cn-cg-jp-nagoya", "cn-emb-ca", "cn-emb-es"]
    assert kenya.evidence["score"] >= 0.6 and "ChinaEmbKenya" in kenya.title
    assert by_handle["PRCEmbassyKenya"].evidence["kind"] == "embassy"
    assert len({a.alert_id for a in alerts}) == len(alerts)
    again = rule.evaluate(Context(con, NOW), {})
    assert [a.alert_id for a in again] == [a.alert_id for a in alerts]


def test_quiet_below_the_threshold_and_outside_the_scope(con):
    rule = rule_named("new_account")
    weak = {a.handle for a in rule.evaluate(Context(con, NOW), {"min_score": 0.6})}
    assert "LoudFan" not in weak and "CookingFan" not in weak  # one actor's mentions; nothing diplomatic
    assert rule.evaluate(Context(con, NOW), {"min_score": 1.0}) == []
    only_tg = rule.evaluate(Context(con, NOW, Scope(platforms=("telegram",))), {})
    assert [a.handle for a in only_tg] == ["ChinaEmbEsp_TG"]
    by_handles = rule.evaluate(Context(con, NOW, Scope(handles=("ChinaEmbOttawa",))), {"min_score": 0.3})
    assert {a.handle for a in by_handles} == {"ChinaEmbKenya", "ChinaEmbCanada"}
    assert rule.evaluate(Context(con, NOW, Scope(since=datetime(2026, 11, 2))), {}) == []
    with pytest.raises(InvalidValueError, match="min_score"):
        rule.evaluate(Context(con, NOW), {"min_score": 3})
