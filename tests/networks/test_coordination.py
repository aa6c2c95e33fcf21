"""Co-action networks on constructed stores with known answers: the window boundary, the once-per-item
rule, min_count, the clusters, and each action (repost, hashtag, link, post)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from diplotrack.errors import UsageError
from diplotrack.networks.coordination import co_action, normalize_text
from diplotrack.records import Entity, Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - actor_id: emb-a
    name: Embassy A
    kind: embassy
    state: CN
    host_country: FR
    accounts: [{platform: x, handle: EmbA, user_id: "u1"}]
  - actor_id: emb-b
    name: Embassy B
    kind: embassy
    state: CN
    host_country: FR
    accounts: [{platform: x, handle: EmbB}]
"""

T0 = datetime(2021, 3, 1, 12, 0, 0)


def _roster(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)


def _post(
    pid: str,
    author: str,
    at: datetime,
    kind: str = "original",
    *,
    item: str | None = None,
    text: str | None = None,
    entities: list[Entity] | None = None,
    handle: str | None = None,
    source: str = "test",
) -> Post:
    return Post(
        platform="x",
        post_id=pid,
        author_id=author,
        author_handle=handle,
        created_at=at,
        text=text,
        lang=None,
        kind=kind,
        provenance=Provenance(source),
        reposted_post_id=item,
        reposted_author_id="src" if item else None,
        entities=entities or [],
    )


def _write(con: duckdb.DuckDBPyConnection, posts: list[Post]) -> None:
    w = StoreWriter(con, 0)
    for p in posts:
        w.add_post(p)
    w.flush()


def _s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def reposts(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    _roster(con, tmp_path)
    h = 3600.0
    _write(
        con,
        [
            # u1 (EmbA) and u2: P1 exactly 60 s apart (inside), P2 30 s apart -> 2 events
            _post("a1", "u1", _s(0), "repost", item="P1"),
            _post("b1", "u2", _s(60), "repost", item="P1", handle="two"),
            _post("a2", "u1", _s(h), "repost", item="P2"),
            _post("b2", "u2", _s(h + 30), "repost", item="P2", handle="two"),
            # u1 and u3: R1 60.001 s apart (outside), R2 10 s apart -> 1 event only
            _post("a3", "u1", _s(5 * h), "repost", item="R1"),
            _post("c1", "u3", _s(5 * h + 60.001), "repost", item="R1"),
            _post("a4", "u1", _s(6 * h), "repost", item="R2"),
            _post("c2", "u3", _s(6 * h + 10), "repost", item="R2"),
            # u2 reposts P3 twice, u4 once: lags 50 and 10 -> one event (10 s); P4 together -> lag 0
            _post("b3", "u2", _s(2 * h), "repost", item="P3", handle="two"),
            _post("b4", "u2", _s(2 * h + 40), "repost", item="P3", handle="two"),
            _post("d3", "u4", _s(2 * h + 50), "repost", item="P3"),
            _post("b5", "u2", _s(3 * h), "repost", item="P4", handle="two"),
            _post("d5", "u4", _s(3 * h), "repost", item="P4"),
            # a separate pair: u5 and u6, three items, lags 1, 2, 3
            *(_post(f"e{i}", "u5", _s(10 * h + i * h), "repost", item=f"Q{i}") for i in (1, 2, 3)),
            *(_post(f"f{i}", "u6", _s(10 * h + i * h + i), "repost", item=f"Q{i}") for i in (1, 2, 3)),
            # EmbA under its handle placeholder 1 s after itself under its id: not a pair with itself
            _post("g1", "u1", _s(20 * h), "repost", item="S1"),
            _post("g2", "handle:emba", _s(20 * h + 1), "repost", item="S1"),
            _post("g3", "u1", _s(21 * h), "repost", item="S2"),
            _post("g4", "handle:emba", _s(21 * h + 1), "repost", item="S2"),
            # EmbB (known by handle only) and EmbA: two tracked accounts, lags 15 and 25
            _post("k1", "u1", _s(30 * h), "repost", item="T1"),
            _post("k2", "handle:embb", _s(30 * h + 15), "repost", item="T1"),
            _post("k3", "u1", _s(31 * h), "repost", item="T2"),
            _post("k4", "handle:embb", _s(31 * h + 25), "repost", item="T2"),
        ],
    )
    return con


def _pairs(res) -> dict[tuple[str, str], dict]:  # type: ignore[no-untyped-def]
    return {(r["account_a"], r["account_b"]): r for r in res.pairs.to_dict("records")}


def test_corepost_pairs_window_edges_and_once_per_item(reposts) -> None:  # type: ignore[no-untyped-def]
    res = co_action(reposts, "repost")
    assert (res.action, res.window_s, res.min_count) == ("repost", 60.0, 2)
    pairs = _pairs(res)
    # no (u1, u3): R1's 60.001 s is outside, so one event only; no pair of EmbA with itself
    assert set(pairs) == {("u1", "u2"), ("u2", "u4"), ("u5", "u6"), ("handle:embb", "u1")}
    p = pairs[("u1", "u2")]
    assert p["events"] == 2 and p["median_lag_s"] == 45.0 and p["max_lag_s"] == 60.0  # 60 s exactly: inside
    assert (p["handle_a"], p["handle_b"], p["tracked_a"], p["tracked_b"]) == ("EmbA", "two", True, False)
    assert [e["item"] for e in p["evidence"]] == ["P2", "P1"]  # closest first
    assert p["evidence"][1] == {"item": "P1", "post_a": "a1", "post_b": "b1", "lag_s": 60.0}
    # u2/u4: P3 counts once, at the closest pair of times (b4 at +40, d3 at +50)
    p = pairs[("u2", "u4")]
    assert p["events"] == 2 and p["max_lag_s"] == 10.0 and p["median_lag_s"] == 5.0
    assert {e["item"]: (e["post_a"], e["post_b"], e["lag_s"]) for e in p["evidence"]} == {
        "P3": ("b4", "d3", 10.0),
        "P4": ("b5", "d5", 0.0),
    }
    assert pairs[("u5", "u6")]["events"] == 3 and pairs[("u5", "u6")]["handle_a"] == "u5"  # no handle known
    p = pairs[("handle:embb", "u1")]
    assert (p["handle_a"], p["handle_b"], p["tracked_a"], p["tracked_b"]) == ("EmbB", "EmbA", True, True)
    assert p["evidence"][0]["post_a"] == "k2"  # post_a is account_a's post
    assert res.pairs["events"].tolist() == [3, 2, 2, 2]  # ranked by events, then median lag
    assert res.pairs["account_a"].tolist()[1] == "u2"  # median 5 s before 20 s and 45 s


def test_corepost_window_and_min_count(reposts) -> None:  # type: ignore[no-untyped-def]
    one = _pairs(co_action(reposts, "repost", min_count=1))
    assert one[("u1", "u3")]["events"] == 1 and one[("u1", "u3")]["max_lag_s"] == 10.0
    assert len(one) == 5
    wide = _pairs(co_action(reposts, "repost", window_s=60.001))
    assert wide[("u1", "u3")]["events"] == 2 and wide[("u1", "u3")]["max_lag_s"] == pytest.approx(60.001)
    assert set(_pairs(co_action(reposts, "repost", min_count=3))) == {("u5", "u6")}
    narrow = _pairs(co_action(reposts, "repost", window_s=5))
    assert set(narrow) == {("u5", "u6")}  # u2/u4 keep P4 (0 s) only; EmbA/EmbB 15 s and 25 s
    assert set(_pairs(co_action(reposts, "repost", window_s=0, min_count=1))) == {("u2", "u4")}


def test_corepost_clusters(reposts) -> None:  # type: ignore[no-untyped-def]
    c = co_action(reposts, "repost").clusters.to_dict("records")
    assert len(c) == 2
    first, second = c
    assert first["cluster"] == 1 and first["accounts"] == 4 and first["platform"] == "x"
    assert first["members"] == ["EmbA", "EmbB", "two", "u4"]
    assert first["member_ids"] == ["u1", "handle:embb", "u2", "u4"]
    assert (first["pairs"], first["events"], first["tracked_members"]) == (3, 6, 2)
    assert first["density"] == 0.5  # 3 of 6 possible pairs
    assert first["median_lag_s"] == 20.0  # lags 60, 30, 10, 0, 15, 25
    assert second == {
        "cluster": 2,
        "platform": "x",
        "accounts": 2,
        "members": ["u5", "u6"],
        "member_ids": ["u5", "u6"],
        "pairs": 1,
        "events": 3,
        "median_lag_s": 2.0,
        "tracked_members": 0,
        "density": 1.0,
    }


def test_filters_tracked_window_platform(reposts) -> None:  # type: ignore[no-untyped-def]
    assert set(_pairs(co_action(reposts, "repost", authors="tracked"))) == {("handle:embb", "u1")}
    late = _pairs(co_action(reposts, "repost", start=_s(2 * 3600)))
    assert set(late) == {("u2", "u4"), ("u5", "u6"), ("handle:embb", "u1")}
    assert co_action(reposts, "repost", platforms=("bluesky",)).pairs.empty
    res = co_action(reposts, "repost", end=_s(0))
    assert res.pairs.empty and res.clusters.empty and list(res.clusters.columns)[0] == "cluster"


def test_day_precision_sources_are_left_out(con) -> None:  # type: ignore[no-untyped-def]
    day = datetime(2021, 3, 1)
    _write(
        con,
        [_post(f"{a}{i}", a, day, "repost", item=f"P{i}", source="chc-mentions") for a in ("x", "y") for i in (1, 2)],
    )
    assert co_action(con, "repost").pairs.empty
    assert len(co_action(con, "repost", exclude_sources=()).pairs) == 1


def _tags(*names: str) -> list[Entity]:
    return [Entity("hashtag", n, n.lower()) for n in names]


def test_cohashtag(con) -> None:  # type: ignore[no-untyped-def]
    _write(
        con,
        [
            _post("a1", "A", _s(0), entities=_tags("Xinjiang")),
            _post("b1", "B", _s(20), "reply", entities=_tags("XINJIANG")),
            _post("a2", "A", _s(3600), entities=_tags("HongKong", "Xinjiang")),
            _post("b2", "B", _s(3600 + 5), "quote", entities=_tags("hongkong")),
            # reposts carry the reposted post's hashtags: not an act of their own
            _post("c1", "C", _s(1), "repost", item="P", entities=_tags("Xinjiang")),
            _post("c2", "C", _s(3601), "repost", item="Q", entities=_tags("HongKong")),
        ],
    )
    pairs = _pairs(co_action(con, "hashtag"))
    assert set(pairs) == {("A", "B")}
    p = pairs[("A", "B")]
    # xinjiang: a1/b1 20 s, a2/b1 far; hongkong: a2/b2 5 s; xinjiang counts once (closest: 20 s)
    assert p["events"] == 2 and p["max_lag_s"] == 20.0
    assert {e["item"]: e["lag_s"] for e in p["evidence"]} == {"xinjiang": 20.0, "hongkong": 5.0}


def test_colink(con) -> None:  # type: ignore[no-untyped-def]
    def url(u: str) -> list[Entity]:
        return [Entity("url", "https://t.co/" + u[-1], u)]

    _write(
        con,
        [
            _post("a1", "A", _s(0), entities=url("https://news.example/1")),
            _post("b1", "B", _s(59), entities=url("https://news.example/1")),
            _post("a2", "A", _s(100), entities=url("https://news.example/2")),
            _post("b2", "B", _s(160), entities=url("https://news.example/2")),
            _post("c2", "C", _s(161), entities=url("https://news.example/2")),
        ],
    )
    res = co_action(con, "link")
    assert set(_pairs(res)) == {("A", "B")}
    assert _pairs(res)[("A", "B")]["max_lag_s"] == 60.0
    assert set(_pairs(co_action(con, "link", min_count=1))) == {("A", "B"), ("B", "C")}  # A/C: 61 s


def test_normalize_text() -> None:
    assert normalize_text("RT @Foo_1: Hello, World!  This is THE text… https://t.co/abc @bar &amp;") == (
        "helloworldthisisthetext"
    )
    assert normalize_text("#Xinjiang 新疆是个好地方！") == "xinjiang新疆是个好地方"
    assert normalize_text(None) is None


def test_copost(con) -> None:  # type: ignore[no-untyped-def]
    text = "Hello world, this is the text we all post"
    _write(
        con,
        [
            _post("a1", "A", _s(0), text=text),
            _post("b1", "B", _s(30), text="RT @someone: hello WORLD this is the text we all post!! https://t.co/x"),
            _post("a2", "A", _s(1000), text="Another identical message here"),
            _post("b2", "B", _s(1001), "reply", text="@bob another identical message, here."),
            # under 20 normalized characters: never an item
            _post("a3", "A", _s(2000), text="Thank you so much!"),
            _post("b3", "B", _s(2000), text="thank you so much"),
            # a native repost's text is the reposted post's: not an act
            _post("c1", "C", _s(1), "repost", item="P", text="RT @A: " + text),
        ],
    )
    pairs = _pairs(co_action(con, "post"))
    assert set(pairs) == {("A", "B")}
    assert pairs[("A", "B")]["events"] == 2
    assert {e["item"] for e in pairs[("A", "B")]["evidence"]} == {
        "helloworldthisisthetextweallpost",
        "anotheridenticalmessagehere",
    }


def test_bad_arguments(con) -> None:  # type: ignore[no-untyped-def]
    # a user's mistake: the project's usage error (issue 13), no longer a bare ValueError
    with pytest.raises(UsageError):
        co_action(con, "like")
    with pytest.raises(UsageError):
        co_action(con, "repost", authors="some")  # type: ignore[arg-type]
