"""Networks built from the rollups (``rollup_refs_day``, ``rollup_entities_day``) are the networks
built from the base tables, edge for edge: on the demo store and on a small constructed store with
the edge cases (posts without a time or an author, a tracked account under two keys, a post naming
one account twice, windows on and off midnight, two platforms, account filters)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from diplotrack.analyses.base import Filters
from diplotrack.networks.build import Network, build_network, from_rollups
from diplotrack.networks.options import NETWORK_KINDS
from diplotrack.roster import import_roster, load_roster
from diplotrack.store import rollups
from diplotrack.store.db import open_store_read_only, transaction

D = datetime
ROLLED = ("repost", "quote", "reply", "mention")


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory: pytest.TempPathFactory, demo_template: Path):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("netroll") / "d.duckdb"
    shutil.copyfile(demo_template, path)
    con = open_store_read_only(path)
    yield con
    con.close()


ACTORS = [  # actor_id, kind, handle, user_id, host_country
    ("emb", "embassy", "EmbA", "100", "FR"),
    ("min", "ministry", "MinC", None, "CN"),
    ("media", "state_media", "MediaE", None, None),
]
# post_id, platform, author_id, created_at, kind, reposted, quoted, replied_to, mentions (values)
POSTS = [
    ("p1", "x", "fan", D(2022, 3, 1, 0, 0), "repost", "handle:mediae", None, None, []),  # at midnight: in
    ("p2", "x", "fan", D(2022, 3, 31, 23, 59, 59), "repost", "handle:mediae", None, None, []),
    ("p3", "x", "fan", D(2022, 4, 1, 0, 0), "repost", "100", None, None, []),  # the window's end: out
    ("p4", "x", "100", D(2022, 3, 2, 12), "repost", "handle:minc", None, None, ["@MediaE"]),  # mentions of a repost
    ("p5", "x", "handle:emba", D(2022, 3, 3, 8), "repost", "handle:minc", None, None, []),  # EmbA by its handle
    ("p6", "x", "100", D(2022, 3, 4, 9), "quote", None, "handle:mediae", "handle:mediae", ["@MediaE", "@mediae"]),
    ("p7", "x", "100", None, "reply", None, None, "handle:minc", ["@MinC"]),  # no time
    ("p8", "x", None, D(2022, 3, 5), "repost", "handle:minc", None, None, ["@MinC"]),  # no author
    ("p9", "x", "handle:minc", D(2022, 3, 6, 7), "reply", None, None, "handle:minc", ["@minc"]),  # self
    ("p10", "x", "fan2", D(2022, 2, 28, 23, 59), "original", None, None, None, ["@EmbA", "@someone"]),
    ("p11", "x", "fan2", D(2022, 3, 15, 6), "original", None, None, None, ["@EmbA", "@emba", "@MinC"]),
    ("p12", "mastodon", "m1", D(2022, 3, 7, 1), "repost", "m2", None, None, []),
    ("p13", "mastodon", "m1", D(2022, 3, 8, 1), "original", None, None, None, ["@m2"]),
    ("p14", "x", "fan", D(2022, 3, 1, 17), "repost", "handle:mediae", None, None, []),
    ("p15", "x", "fan2", D(2022, 3, 20, 4), "reply", None, None, "fan", ["@fan"]),
]
FILTERS = {
    "everything": Filters(),
    "march 2022": Filters(start=D(2022, 3, 1), end=D(2022, 4, 1)),
    "from march": Filters(start=D(2022, 3, 1)),
    "until march": Filters(end=D(2022, 3, 1)),
    "mastodon": Filters(platforms=("mastodon",)),
    "ministry": Filters(kinds=("ministry",)),
    "embassies in march": Filters(start=D(2022, 3, 1), end=D(2022, 4, 1), kinds=("embassy",)),
}
NOT_ALIGNED = {
    "from noon": Filters(start=D(2022, 3, 1, 12)),
    "until a second before midnight": Filters(start=D(2022, 3, 1), end=D(2022, 3, 31, 23, 59, 59)),
}


def _roster(tmp: Path):  # type: ignore[no-untyped-def]
    doc = {
        "roster": 1,
        "name": "test",
        "actors": [
            {
                "actor_id": actor_id,
                "name": actor_id,
                "kind": kind,
                "state": "CN",
                "host_country": host,
                "accounts": [{"platform": "x", "handle": handle, **({"user_id": user_id} if user_id else {})}],
            }
            for actor_id, kind, handle, user_id, host in ACTORS
        ],
    }
    path = tmp / "roster.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    roster, problems = load_roster(path)
    assert not problems, problems
    return roster


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, new_store):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("netroll-small")
    con = new_store(tmp / "s.duckdb")
    import_roster(con, _roster(tmp))
    with transaction(con):
        con.executemany(
            "INSERT INTO posts (platform, post_id, author_id, created_at, kind, reposted_author_id, quoted_author_id, "
            "replied_to_author_id, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
            [[p[1], p[0], *p[2:8]] for p in POSTS],
        )
        con.executemany(
            "INSERT INTO post_entities VALUES (?, ?, 'mention', ?, ?)",
            [[p[1], p[0], m, m[1:].lower()] for p in POSTS for m in p[8]],
        )
        rollups.rebuild(con)  # as the importer's writes would have kept them
    yield con
    con.close()


def both_ways(con: duckdb.DuckDBPyConnection, kind: str, f: Filters, monkeypatch: pytest.MonkeyPatch) -> tuple:
    rolled = build_network(con, kind, f)
    with monkeypatch.context() as m:
        m.setenv("DIPLOTRACK_ROLLUPS", "0")
        assert not from_rollups(con, kind, f)
        base = build_network(con, kind, f)
    return rolled, base


def assert_same(a: Network, b: Network) -> None:
    pd.testing.assert_frame_equal(a.edges, b.edges)
    pd.testing.assert_frame_equal(a.nodes, b.nodes)


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize("window", ["everything", "in 2021"])
def test_demo_networks_are_the_same_from_the_rollups(demo_con, kind: str, window: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = Filters() if window == "everything" else Filters(start=D(2021, 1, 1), end=D(2022, 1, 1))
    assert from_rollups(demo_con, kind, f) == (kind in ROLLED)
    rolled, base = both_ways(demo_con, kind, f, monkeypatch)
    assert len(rolled.edges) > 0
    assert_same(rolled, base)


@pytest.mark.parametrize("kind", ROLLED)
@pytest.mark.parametrize("name", list(FILTERS))
def test_small_store_networks_are_the_same_from_the_rollups(small, kind: str, name: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = FILTERS[name]
    assert from_rollups(small, kind, f)
    rolled, base = both_ways(small, kind, f, monkeypatch)
    assert_same(rolled, base)


@pytest.mark.parametrize("name", list(NOT_ALIGNED))
def test_a_window_off_midnight_reads_the_base_tables(small, name: str) -> None:  # type: ignore[no-untyped-def]
    f = NOT_ALIGNED[name]
    assert not any(from_rollups(small, kind, f) for kind in ROLLED)
    edges = build_network(small, "repost", f).edges
    weights = {(s, t): w for s, t, w in edges.itertuples(index=False)}
    if name == "from noon":  # p1 (midnight) is out, p14 (17:00) in
        assert weights[("fan", "x:MediaE")] == 2
    else:  # p2 (23:59:59) is out
        assert weights[("fan", "x:MediaE")] == 2


def test_the_edge_cases_are_counted_as_documented(small) -> None:  # type: ignore[no-untyped-def]
    march = FILTERS["march 2022"]
    reposts = build_network(small, "repost", march).edges
    weights = {(s, t): w for s, t, w in reposts.itertuples(index=False)}
    # p1 at midnight and p2 a second before the end are in, p3 at the end is out; p14 too
    assert weights[("fan", "x:MediaE")] == 3 and ("fan", "x:EmbA") not in weights
    # EmbA's posts under its id and under its handle are one node
    assert weights[("x:EmbA", "x:MinC")] == 2
    # the post without an author (p8) is nowhere
    assert set(reposts["source"]) <= {"fan", "x:EmbA", "m1"}
    mentions = build_network(small, "mention").edges
    mw = {(s, t): w for s, t, w in mentions.itertuples(index=False)}
    # p6 names MediaE twice (@MediaE, @mediae): one post; p4 is a repost: its mention is not counted
    assert mw[("x:EmbA", "x:MediaE")] == 1
    # p11 names EmbA twice: one post, plus p10
    assert mw[("fan2", "x:EmbA")] == 2
    # p7 has no time: in the network without a window, not in a window
    assert mw[("x:EmbA", "x:MinC")] == 1
    assert ("x:EmbA", "x:MinC") not in {
        (s, t) for s, t, _ in build_network(small, "mention", march).edges.itertuples(index=False)
    }
    # self-mentions and self-replies (p9) are left out
    assert not (mentions["source"] == mentions["target"]).any()
