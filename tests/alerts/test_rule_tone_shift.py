"""The tone_shift rule: an account turning confrontational against its own baseline fires; a smaller
shift, posts without a tone score, too few recent posts and reposts do not; a post dated in the future
or a NaN score cannot hide a shift."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from rule_data import NOW, basis, enrich, keys, post, run, track, write
from shift_data import END, RECENT_START, shift_store

from diplotrack.alerts.rules.tone_shift import RULE, welch
from diplotrack.alerts.rules.topic_shift import RULE as TOPIC_SHIFT


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = shift_store(tmp_path_factory, new_store)
    yield con
    con.close()


def test_a_clear_shift_fires_against_the_accounts_own_baseline(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert [a.handle for a in alerts] == ["ChinaEmbFR"]
    a = alerts[0]
    assert a.occurred_at == END and a.user_id == "1001"
    assert a.key == "x|1001|confrontational|2026-11-19"  # the 14-day period (from 1970-01-01) END falls in
    ev = a.evidence
    assert ev["recent"] == {"from": RECENT_START.isoformat(), "to": END.isoformat(), "posts": 20}
    assert ev["baseline"]["posts"] == 60  # the repost is in neither window
    assert ev["recent_mean"] == 0.47 and ev["baseline_mean"] == 0.0 and ev["p_value"] < 1e-10
    assert ev["examples"][0]["tone_score"] == 0.6 and ev["examples"][0]["url"].startswith("https://x.com/")
    assert a.title == "x @ChinaEmbFR more confrontational lately: mean tone +0.47 over 20 posts vs +0.00 before"
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    # ChinaEmbDE's 0.12 is clear but under min_difference; ChinaEmbES has 6 recent posts of 10
    assert [a.handle for a in run(RULE, store, {"min_difference": 0.1})] == ["ChinaEmbDE", "ChinaEmbFR"]
    assert [a.handle for a in run(RULE, store, {"min_recent": 5})] == ["ChinaEmbES", "ChinaEmbFR"]
    # ChinaEmbIT's recent posts have no score: its windows end at its last scored post, where nothing moved
    assert "ChinaEmbIT" not in [a.handle for a in run(RULE, store, {"min_difference": 0.01, "alpha": 0.5})]
    assert run(RULE, store, handles=("ChinaEmbDE",)) == []
    assert run(RULE, store, since=END.replace(hour=19)) == []


def test_welch_as_scipy_gives_it() -> None:
    # scipy.stats.ttest_ind(a, b, equal_var=False) gives t = 4.780407, p = 0.000763708 (df 9.913)
    t, p = welch(np.array([0.5, 0.4, 0.6, 0.3, 0.55, 0.2]), np.array([0.0, 0.1, -0.1, 0.0, 0.05, -0.05, 0.3]))
    assert t == pytest.approx(4.780407, abs=1e-6) and p == pytest.approx(0.000763708, rel=1e-5)
    assert welch(np.zeros(3), np.zeros(4))[1] != welch(np.zeros(3), np.zeros(4))[1]  # NaN: no spread


def test_a_post_dated_in_the_future_or_a_nan_score_does_not_hide_a_shift(store) -> None:  # type: ignore[no-untyped-def]
    tone, topics = keys(run(RULE, store)), keys(run(TOPIC_SHIFT, store))
    assert tone and topics
    # a post of ChinaEmbFR dated in 2096 (its windows would end there, holding no other post) and one
    # in its recent window whose score is NaN (its mean would be NaN)
    write(
        store,
        [post("1001777", "1001", NOW + timedelta(days=365 * 70)), post("1001778", "1001", END - timedelta(hours=1))],
    )
    enrich(store, [("1001777", 0.9, ["military"]), ("1001778", float("nan"), ["taiwan"])])
    try:
        assert keys(run(RULE, store)) == tone and keys(run(TOPIC_SHIFT, store)) == topics
        assert run(RULE, store)[0].evidence["recent"]["posts"] == 20  # the NaN score is no score
    finally:
        store.execute("DELETE FROM post_enrichment WHERE post_id IN ('1001777', '1001778')")
        store.execute("DELETE FROM posts WHERE post_id IN ('1001777', '1001778')")


def test_basis_counts_the_accounts_with_full_windows(store, new_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # ChinaEmbES has 6 recent posts; ChinaEmbIT's unscored recent posts move its windows back (12 and 48)
    for rule in (RULE, TOPIC_SHIFT):
        found = basis(rule, store)
        assert (found.judged, found.in_scope, found.end) == (3, 4, END), rule.name
        assert basis(rule, store, {"min_recent": 13}).judged == 2
        assert basis(rule, store, {"min_baseline": 61}).note.endswith("the most any account has is 20 and 60")
    bare = new_store(tmp_path / "bare.duckdb")
    track(bare, "ChinaEmbFR", "1001")
    write(bare, [post("1", "1001", END)])  # a post, not enriched
    none = basis(RULE, bare)
    assert (none.judged, none.in_scope) == (0, 1) and "diplotrack enrich" in none.note
