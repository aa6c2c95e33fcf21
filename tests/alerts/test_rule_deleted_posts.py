"""The deleted_posts rule: the posts the collector marked deleted, one alert per account and reading."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rule_data import basis, keys, post, run, track, write

from diplotrack.alerts.rules.deleted_posts import RULE

T0 = datetime(2026, 11, 1, 9, 0)
READ1 = datetime(2026, 11, 30, 3, 0, 12)
READ2 = datetime(2026, 12, 1, 3, 0, 40)


def _mark(con, ids: list[str], at: datetime) -> None:  # type: ignore[no-untyped-def]
    # as collect/cursors.py marks the posts a sweep confirmed gone
    con.execute(
        "UPDATE posts SET deleted_at = ? WHERE platform = ? AND deleted_at IS NULL AND list_contains(?, post_id)",
        [at, "x", ids],
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("deleted") / "s.duckdb")
    track(con, "ChinaEmbFR", "1001")
    track(con, "MFA_China", "1005", kind="ministry")
    posts = [
        post(str(1_700_000 + i), "1001", T0 + timedelta(hours=6 * i), f"Post number {i} of the embassy")
        for i in range(10)
    ]
    posts.append(post("1800000", "1005", T0, "Spokesperson's remarks"))
    posts.append(post("1900000", "77", T0, "not a tracked account"))
    write(con, posts)
    _mark(con, ["1700002", "1700003", "1700007", "1900000"], READ1)
    _mark(con, ["1700009"], READ2)
    yield con
    con.close()


def test_one_alert_per_account_and_reading(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert [(a.user_id, a.occurred_at, a.evidence["count"]) for a in alerts] == [("1001", READ1, 3), ("1001", READ2, 1)]
    first = alerts[0]
    assert first.title == "x @ChinaEmbFR: 3 posts deleted"
    assert first.key == f"x|1001|{READ1.isoformat()}"
    assert [p["post_id"] for p in first.evidence["posts"]] == ["1700002", "1700003", "1700007"]
    p0 = first.evidence["posts"][0]
    assert p0["url"] == "https://x.com/i/web/status/1700002"
    assert p0["text"] == "Post number 2 of the embassy" and p0["created_at"] == (T0 + timedelta(hours=12)).isoformat()
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_scope_and_caps(store) -> None:  # type: ignore[no-untyped-def]
    assert [a.occurred_at for a in run(RULE, store, {"min_posts": 2})] == [READ1]  # the second reading has one
    assert [a.occurred_at for a in run(RULE, store, since=READ1 + timedelta(seconds=1))] == [READ2]
    assert run(RULE, store, kinds=("ministry",)) == []  # its post was not deleted
    assert run(RULE, store, platforms=("telegram",)) == []
    capped = run(RULE, store, {"max_listed": 2})[0]
    assert capped.evidence["count"] == 3 and len(capped.evidence["posts"]) == 2 == capped.evidence["listed"]


def test_basis_counts_the_accounts_the_collector_re_read(store) -> None:  # type: ignore[no-untyped-def]
    found = basis(RULE, store)
    assert (found.judged, found.in_scope, found.end) == (1, 2, READ2)  # the ministry: no re-read, no mark
    ministry = basis(RULE, store, kinds=("ministry",))
    assert (ministry.judged, ministry.in_scope) == (0, 1) and "a completed sweep" in ministry.note
    store.execute(
        """INSERT INTO collection_cursors (platform, user_id, endpoint, sweep_open, last_complete_at, updated_at)
           VALUES ('x', '1005', 'users/:id/tweets', false, ?, ?)""",
        [READ2, READ2],
    )
    try:
        assert basis(RULE, store, kinds=("ministry",)).judged == 1
    finally:
        store.execute("DELETE FROM collection_cursors WHERE user_id = '1005'")
