"""The coordination_cluster rule: three accounts reposting an embassy's posts within seconds of each other,
again and again, fire once; fewer shared items, a pair, and a cluster an earlier alert covers do not."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from rule_data import NOW, basis, keys, post, run, track, write

from diplotrack.alerts.rules.coordination_cluster import RULE, jaccard

T0 = datetime(2026, 11, 10, 8, 0)


def _reposts(uids: list[str], items: list[str], start: int, minutes: int) -> list:  # type: ignore[type-arg]
    """Each of ``uids`` reposts each item, 7 s apart, ``minutes`` past the hour (groups stay apart)."""
    out = []
    for n, item in enumerate(items):
        at = T0 + timedelta(hours=n + 1, minutes=minutes)
        for j, uid in enumerate(uids):
            out.append(
                post(
                    str(start + 10 * n + j),
                    uid,
                    at + timedelta(seconds=7 * j),
                    "RT @ChinaEmbFR: ...",
                    kind="repost",
                    reposted_post_id=item,
                    reposted_author_id="1001",
                )
            )
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path_factory.mktemp("coord") / "s.duckdb")
    track(con, "ChinaEmbFR", "1001")
    track(con, "ChinaEmbDE", "1002")
    items = [str(500 + i) for i in range(5)]
    records = [post(item, "1001", T0 + timedelta(minutes=i), f"Embassy statement {i}") for i, item in enumerate(items)]
    records += _reposts(["7001", "7002", "7003"], items[:4], 10_000, 0)  # 4 shared items within 14 s
    records += _reposts(["8001", "8002", "8003"], items[:2], 20_000, 10)  # only 2 shared items
    records += _reposts(["9001", "9002"], items, 30_000, 20)  # a pair
    write(con, records)
    yield con
    con.close()


def test_a_new_cluster_fires_with_its_pairs(store) -> None:  # type: ignore[no-untyped-def]
    alerts = run(RULE, store)
    assert len(alerts) == 1
    a = alerts[0]
    ev = a.evidence
    assert ev["member_ids"] == ["7001", "7002", "7003"] and ev["events"] == 12 and ev["pairs_total"] == 3
    assert a.key.startswith("x|repost|") and a.platform == "x"
    assert a.occurred_at == T0 + timedelta(hours=4, seconds=14)  # the cluster's last act
    pair = ev["pairs"][0]
    assert pair["events"] == 4 and {e["item"] for e in pair["evidence"]} == {"500", "501", "502", "503"}
    assert a.title == "x: new cluster of 3 accounts acting together (repost, 12 co-actions)"
    json.dumps(ev)  # JSON-ready
    assert keys(run(RULE, store)) == keys(alerts)


def test_near_misses_and_scope(store) -> None:  # type: ignore[no-untyped-def]
    assert {tuple(a.evidence["member_ids"]) for a in run(RULE, store, {"min_count": 2})} == {
        ("7001", "7002", "7003"),
        ("8001", "8002", "8003"),
    }
    assert [a.evidence["member_ids"] for a in run(RULE, store, {"min_accounts": 2})][-1] == ["9001", "9002"]
    assert len(run(RULE, store, handles=("ChinaEmbFR",))) == 1  # it reposts the embassy
    assert run(RULE, store, handles=("ChinaEmbDE",)) == []
    assert run(RULE, store, since=T0 + timedelta(hours=3)) == []  # 2 shared items since
    assert run(RULE, store, platforms=("bluesky",)) == []


def test_a_cluster_an_earlier_alert_covers_is_not_new(store) -> None:  # type: ignore[no-untyped-def]
    evidence = json.dumps({"member_ids": ["7001", "7002", "7003", "7004"]})  # Jaccard 0.75
    store.execute(
        """INSERT INTO alerts (alert_id, rule, key, title, platform, fired_at, evidence)
           VALUES ('earlier', 'coordination_cluster', 'k', 't', 'x', ?, ?)""",
        [NOW, evidence],
    )
    try:
        assert run(RULE, store) == []
        assert len(run(RULE, store, {"jaccard": 0.8})) == 1
    finally:
        store.execute("DELETE FROM alerts WHERE alert_id = 'earlier'")
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)


def test_basis_counts_the_accounts_acting_often_enough(store) -> None:  # type: ignore[no-untyped-def]
    found = basis(RULE, store)  # the 8000s reposted 2 items each: under min_count
    assert (found.judged, found.in_scope, found.end) == (5, 8, T0 + timedelta(hours=5, minutes=20, seconds=7))
    assert basis(RULE, store, {"min_count": 5}).judged == 2
    hashtags = basis(RULE, store, {"action": "hashtag"})
    assert (hashtags.judged, hashtags.in_scope) == (0, 0) and hashtags.note.endswith("no account does so")
