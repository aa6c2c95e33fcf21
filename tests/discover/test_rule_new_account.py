"""The ``new_account`` alert rule: one alert per discovered account at or above ``min_score``, with
the candidate's evidence, quiet below it; the same account gives the same alert id on every run, when
its id becomes known and after a rename; ``max_alerts`` caps the new alerts only."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest
from tests.discover.store_data import _entity, _post, _snapshot, fill

from diplotrack.alerts import state
from diplotrack.alerts.model import Context, Scope
from diplotrack.alerts.registry import rule_named
from diplotrack.discover.earlier_alerts import earlier_alerts
from diplotrack.discover.score import Candidate, discover
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


def test_basis_is_the_accounts_outside_the_roster_discovery_could_score(con, tmp_path, new_store):
    rule = rule_named("new_account")
    assert rule is not None and rule.basis is not None
    scored = rule.basis(Context(con, NOW), {})
    assert scored.judged == scored.in_scope == len(discover(con, min_score=0.0)) > 0
    on_telegram = rule.basis(Context(con, NOW, Scope(platforms=("telegram",))), {})
    assert 0 < on_telegram.judged < scored.judged
    empty = new_store(tmp_path / "empty.duckdb")
    try:
        nothing = rule.basis(Context(empty, NOW), {})
    finally:
        empty.close()
    assert (nothing.judged, nothing.in_scope) == (0, 0) and "outside the roster" in nothing.note


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


@pytest.fixture(scope="module")
def base(tmp_path_factory, new_store):
    path = tmp_path_factory.mktemp("rule_state") / "base.duckdb"
    c = new_store(path)
    fill(c)
    c.close()
    return path


def _writable(base, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copyfile(base, path)
    return duckdb.connect(str(path))


def _fire(con, params, now=NOW):
    """Evaluate the rule and record what it found, as ``alerts``/``watch`` do; the new alerts."""
    return state.record(con, rule_named("new_account").evaluate(Context(con, now), params), now)


def test_one_alert_per_account_when_its_id_becomes_known_and_after_a_rename(base, tmp_path):
    con = _writable(base, tmp_path)
    try:
        for post, author, handle in (("l1", "100", "ChinaEmbEsp"), ("l2", "101", "ChinaEmbOttawa")):
            _post(con, post, author, handle)
            _entity(con, post, "mention", "ChinaEmbLima")  # first seen by its handle only
        _post(con, "l3", "102", "ChnConsulateNgo")
        _entity(con, "l3", "mention", "ChinaEmbLima")
        params = {"min_score": 0.3}
        first = [a for a in _fire(con, params) if a.handle == "ChinaEmbLima"]
        assert [a.key for a in first] == ["x:handle:chinaemblima"]
        _snapshot(con, "x", "777", "ChinaEmbLima")  # collected: now the id is known (key x:777)
        assert _fire(con, params) == []
        con.execute(  # renamed later: the mentions name the old handle, the id the new one
            "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, status, source) "
            "VALUES ('x', '777', ?, 'ChinaEmbPeru', 'active', 'test')",
            [datetime(2026, 11, 20)],
        )
        found = rule_named("new_account").evaluate(Context(con, NOW), params)
        peru = [a for a in found if a.handle == "ChinaEmbPeru"]
        assert [a.key for a in peru] == ["x:handle:chinaemblima"]  # the earlier key, so the same alert id
        assert state.record(con, found, NOW) == []
        stored = con.execute("SELECT count(*) FROM alerts WHERE rule = 'new_account' AND key LIKE '%lima%'")
        assert stored.fetchone()[0] == 1
    finally:
        con.close()


def test_a_handle_taken_by_another_account_is_another_account_and_no_alerts_table_is_no_alert(base, tmp_path):
    con = _writable(base, tmp_path)
    try:
        assert _fire(con, {}) and _fire(con, {}) == []
        earlier = earlier_alerts(con)
        kenya = Candidate("x", "chinaembkenya", user_id="200")
        assert earlier.key_of(kenya) == "x:200"
        assert earlier.key_of(Candidate("x", "CHINAEMBKENYA")) == "x:200"  # no id yet: the handle, any case
        assert earlier.key_of(Candidate("x", "ChinaEmbKenya", user_id="888")) is None  # another id
        con.execute("DROP TABLE alert_deliveries")
        con.execute("DROP TABLE alerts")  # a store older than migration 13
        assert earlier_alerts(con).by_id == {} and rule_named("new_account").evaluate(Context(con, NOW), {})
    finally:
        con.close()


def test_max_alerts_caps_the_new_alerts_only(base, tmp_path):
    con = _writable(base, tmp_path)
    try:
        params = {"min_score": 0.3, "max_alerts": 2}
        ranked = [c.key for c in discover(con, min_score=0.3)]
        assert len(ranked) >= 6
        rounds = [[a.key for a in _fire(con, params)] for _ in range(3)]
        assert rounds == [ranked[0:2], ranked[2:4], ranked[4:6]]
        found = rule_named("new_account").evaluate(Context(con, NOW), params)
        assert len(found) == 8  # the six alerted before come back (not new) beside two new ones
    finally:
        con.close()
