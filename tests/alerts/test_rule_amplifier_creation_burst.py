"""The amplifier_creation_burst rule: a day on which 8 of the accounts reposting (or liking) an embassy
were created fires; 4 in a day, a burst of accounts that amplify no one, and a roster account do not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rule_data import basis, keys, post, run, snap, track, write

from diplotrack.alerts.rules.amplifier_creation_burst import RULE

T0 = datetime(2019, 6, 2, 10, 0)  # every 15 days from it: never on BURST or SMALL
BURST = datetime(2020, 6, 10)
SMALL = datetime(2020, 9, 1)
OBSERVED = datetime(2026, 11, 1, 12, 0)


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("burst") / "s.duckdb")
    track(con, "ChinaEmbFR", "1001")
    track(con, "ChinaEmbDE", "1002")
    track(con, "ChinaEmbNew", "1003")
    records: list = [post("500", "1001", OBSERVED - timedelta(days=30), "Welcome to the embassy's open day")]  # type: ignore[type-arg]
    created: list[tuple[str, datetime, str]] = []  # (user id, created, how it amplifies)
    created += [(f"20{i:02d}", T0 + timedelta(days=15 * i, hours=i % 7), "repost") for i in range(40)]
    created += [
        (f"30{i:02d}", BURST + timedelta(hours=9, minutes=7 * i), "repost" if i < 6 else "like") for i in range(8)
    ]
    created += [(f"40{i:02d}", SMALL + timedelta(hours=3 + i), "quote") for i in range(4)]
    created += [(f"50{i:02d}", datetime(2020, 3, 3, 8 + i), "none") for i in range(10)]  # amplify no one
    created += [("1003", BURST + timedelta(hours=20), "none")]  # a roster account
    for n, (uid, at, how) in enumerate(created):
        records.append(snap(uid, OBSERVED, handle=f"user{uid}", created_at=at, followers=3))
        pid, when = str(600 + n), OBSERVED - timedelta(days=29, minutes=n)
        if how == "repost":
            records.append(
                post(
                    pid,
                    uid,
                    when,
                    "RT @ChinaEmbFR: Welcome",
                    kind="repost",
                    reposted_post_id="500",
                    reposted_author_id="1001",
                )
            )
        elif how == "quote":
            records.append(post(pid, uid, when, "Great!", kind="quote", quoted_post_id="500", quoted_author_id="1001"))
        elif how == "none":
            records.append(post(pid, uid, when, "Hello world"))
    write(con, records)
    for uid, _, how in created:
        if how == "like":
            con.execute(
                """INSERT INTO engagements (platform, post_id, kind, actor_user_id, actor_handle, observed_at)
                   VALUES ('x', '500', 'like', ?, ?, ?)""",
                [uid, f"user{uid}", OBSERVED],
            )
    yield con
    con.close()


def test_a_creation_burst_among_amplifiers_fires(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert len(alerts) == 1
    a = alerts[0]
    assert a.key == f"x|day|{BURST.isoformat()}" and a.occurred_at == BURST and a.platform == "x"
    ev = a.evidence
    assert ev["count"] == 8 and ev["expected"] == pytest.approx(2 / 30, abs=1e-4) and ev["p_value"] < 1e-10
    assert ev["period_end"] == (BURST + timedelta(days=1)).isoformat()
    ids = [x["user_id"] for x in ev["accounts"]]
    assert ids == [f"30{i:02d}" for i in range(8)]  # the two likers included, the roster account not
    assert ev["accounts"][0]["handle"] == "user3000" and ev["accounts"][0]["amplified"] == 1
    assert a.title == "x: 8 amplifier accounts created in the day of 2020-06-10 (about 0.07 expected)"
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    # the 4 quoting accounts of one day fire from 3 up; the 10 accounts that amplify no one never do
    small = run(RULE, store, {"min_count": 3})
    assert [a.occurred_at for a in small] == [BURST, SMALL]
    assert run(RULE, store, handles=("ChinaEmbDE",)) == []  # no one amplifies it
    assert run(RULE, store, platforms=("bluesky",)) == []
    assert run(RULE, store, since=BURST + timedelta(seconds=1)) == []  # the burst's day began before
    assert len(run(RULE, store, since=BURST)) == 1
    capped = run(RULE, store, {"max_listed": 3})[0].evidence
    assert capped["count"] == 8 and capped["listed"] == 3


def test_basis_counts_the_amplifiers_with_a_creation_time(store) -> None:  # type: ignore[no-untyped-def]
    found = basis(RULE, store)  # 46 reposters, 2 likers, 4 quoters; not those amplifying no one
    assert (found.judged, found.in_scope, found.unit) == (52, 52, "amplifiers") and found.start == T0
    write(
        store, [post("9000", "6001", OBSERVED, "RT", kind="repost", reposted_post_id="500", reposted_author_id="1001")]
    )
    try:
        assert (basis(RULE, store).judged, basis(RULE, store).in_scope) == (52, 53)  # 6001: no snapshot
    finally:
        store.execute("DELETE FROM posts WHERE post_id = '9000'")
    nobody = basis(RULE, store, handles=("ChinaEmbDE",))
    assert (nobody.judged, nobody.in_scope) == (0, 0) and "no repost, quote or engagement" in nobody.note
