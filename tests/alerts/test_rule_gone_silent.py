"""The gone_silent rule: silence is measured up to the store's last observation of the account (a
snapshot or a complete sweep), never to the wall clock, against the account's own gaps; what is dated
after the evaluation's time neither hides a silence nor makes one up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rule_data import NOW, basis, keys, post, run, snap, track, write

from diplotrack.alerts.rules.gone_silent import RULE

T0 = datetime(2026, 8, 1, 9, 0)
JITTER = [0.0, 0.2, -0.2, 0.1, -0.1]  # days


def _daily(uid: str, n: int, every: float = 1.0) -> tuple[list, datetime]:  # type: ignore[type-arg]
    start = T0 - timedelta(days=(n - 1) * (every - 1))  # each account's last post in August, before NOW
    times = [start + timedelta(days=i * every + JITTER[i % len(JITTER)]) for i in range(n)]
    return [post(f"{uid}{i:04d}", uid, t, f"Daily news {i}") for i, t in enumerate(times)], times[-1]


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("silent") / "s.duckdb")
    records: list = []  # type: ignore[type-arg]
    last: dict[str, datetime] = {}
    for handle, uid, n, every in [
        ("ChinaEmbFR", "1001", 30, 1.0),  # silent 20 days by its latest snapshot
        ("ChinaEmbDE", "1002", 30, 1.0),  # an archive imported once: observed when it last posted
        ("ChinaEmbIT", "1003", 30, 1.0),  # swept 10 days after its last post: under 14 days
        ("ChinaEmbES", "1004", 30, 7.0),  # posts weekly: 18 days is its usual rhythm
        ("ChinaEmbPT", "1005", 30, 1.0),  # silent, but suspended: account_status says so
        ("ChinaEmbGR", "1006", 5, 1.0),  # too few posts
    ]:
        track(con, handle, uid)
        posts, last[uid] = _daily(uid, n, every)
        records += posts
    records += [
        snap("1001", last["1001"] + timedelta(days=20), handle="ChinaEmbFR", followers=100),
        snap("1002", last["1002"] + timedelta(hours=1), handle="ChinaEmbDE", followers=100),
        snap("1004", last["1004"] + timedelta(days=18), handle="ChinaEmbES", followers=100),
        snap("1005", last["1005"] + timedelta(days=30), handle="ChinaEmbPT", status="suspended"),
        snap("1006", last["1006"] + timedelta(days=30), handle="ChinaEmbGR", followers=100),
    ]
    write(con, records)
    con.execute(
        """INSERT INTO collection_cursors (platform, user_id, endpoint, sweep_open, last_complete_at, updated_at)
           VALUES ('x', '1003', 'users/:id/tweets', false, ?, ?)""",
        [last["1003"] + timedelta(days=10), last["1003"] + timedelta(days=10)],
    )
    yield con, last
    con.close()


def test_silence_up_to_the_last_observation(store) -> None:  # type: ignore[no-untyped-def]
    con, last = store
    alerts = run(RULE, con)
    assert [a.handle for a in alerts] == ["ChinaEmbFR"]
    a = alerts[0]
    assert a.key == "x|1001|10010029" and a.user_id == "1001"
    assert a.occurred_at == last["1001"] + timedelta(days=14)  # when the silence crossed min_days
    assert a.evidence["silence_days"] == 20.0 and a.evidence["threshold_days"] == 14.0
    assert a.evidence["observed_by"] == "profile snapshot"
    assert a.evidence["last_post"]["url"] == "https://x.com/i/web/status/10010029"
    assert a.title == "x @ChinaEmbFR silent for 20 days (usually posts within 1.3)"
    assert keys(run(RULE, con)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    con, last = store
    # the sweep 10 days after ChinaEmbIT's last post counts as an observation: it fires under 7 days
    swept = [a for a in run(RULE, con, {"min_days": 7}) if a.handle == "ChinaEmbIT"]
    assert len(swept) == 1 and swept[0].evidence["observed_by"] == "collection sweep"
    # the weekly poster's 18 days are under 3 x its 95th-percentile gap; a factor of 2 makes them unusual
    assert "ChinaEmbES" in [a.handle for a in run(RULE, con, {"factor": 2})]
    assert "ChinaEmbGR" in [a.handle for a in run(RULE, con, {"min_posts": 5})]
    assert run(RULE, con, since=last["1001"] + timedelta(days=15)) == []
    assert run(RULE, con, handles=("ChinaEmbDE", "ChinaEmbPT")) == []
    assert run(RULE, con, kinds=("ambassador",)) == []


def test_posts_and_snapshots_dated_in_the_future_are_left_out(store) -> None:  # type: ignore[no-untyped-def]
    con, last = store
    before = keys(run(RULE, con))
    future = NOW + timedelta(days=365 * 70)
    # a post of the silent account and a snapshot of the archived one, both dated in 2096
    write(con, [post("10019999", "1001", future), snap("1002", future, handle="ChinaEmbDE", followers=100)])
    try:
        assert keys(run(RULE, con)) == before == ["x|1001|10010029"]
    finally:
        con.execute("DELETE FROM posts WHERE post_id = '10019999'")
        con.execute("DELETE FROM profile_snapshots WHERE observed_at = ?", [future])


def test_basis_counts_the_accounts_observed_after_their_last_post(store) -> None:  # type: ignore[no-untyped-def]
    con, last = store
    found = basis(RULE, con)
    # not the suspended ChinaEmbPT, nor ChinaEmbGR with 5 posts
    assert (found.judged, found.in_scope, found.end) == (4, 6, last["1001"] + timedelta(days=20))
    quiet = basis(RULE, con, handles=("ChinaEmbPT", "ChinaEmbGR"))
    assert (quiet.judged, quiet.in_scope) == (0, 2) and quiet.note.endswith("no active account has them")
    unseen = basis(RULE, con, {"min_posts": 5}, handles=("ChinaEmbGR",))
    assert unseen.judged == 1
