"""The two builders of networks/ cannot drift apart: the Ibis expressions that other engines run
(``build_ibis.build_network_on``, ``coordination_ibis.co_action_on``; Spark, issue 18) give, run on
DuckDB, exactly what the DuckDB SQL (``build.build_network``, ``coordination.co_action``) gives, on the
real demo store and on a random store built to hit the edge cases: a tracked account filed under its
id and its handle, acts at one instant (ties in lag, whose evidence must not depend on a hash), an
account acting twice on one item, several handles of one account, two platforms, posts without time,
an off-midnight window and account filters."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.networks.build import build_network
from diplotrack.networks.build_ibis import build_network_on
from diplotrack.networks.coordination import co_action
from diplotrack.networks.coordination_ibis import co_action_on
from diplotrack.records import Entity, Post, ProfileSnapshot, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.db import open_store_read_only
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: random networks store (built for tests/networks/test_networks_ibis.py)
actors:
  - {actor_id: emb-a, name: Embassy A, kind: embassy, state: CN, host_country: FR,
     accounts: [{platform: x, handle: EmbA, user_id: "u1"}]}
  - {actor_id: emb-b, name: Embassy B, kind: embassy, state: CN, host_country: DE,
     accounts: [{platform: x, handle: EmbB}]}
  - {actor_id: min-c, name: Ministry C, kind: ministry, state: CN, institutional: true,
     accounts: [{platform: x, handle: MinC, user_id: "u3"}]}
"""
T0 = datetime(2021, 3, 1, 23, 50, 0)
# authors: the tracked accounts under both their keys, and others
AUTHORS = ["u1", "handle:emba", "handle:embb", "u3", "a1", "a2", "a3", "a4", "a5"]
TEXTS = [
    "Friendship between our peoples grows stronger every day",
    "RT @MinC: Friendship between our peoples grows stronger every day!",
    "Friendship between our peoples grows stronger every day https://t.co/x @EmbB",
    "The spokesperson answered questions on trade today",
]
TAGS = ["China", "china", "Trade", "Peace", "xinjiang"]


def random_posts(seed: int, n: int = 240) -> tuple[list[Post], list[ProfileSnapshot]]:
    """``n`` posts drawn with ``seed``: times on a coarse grid of seconds around midnight (many acts at one
    instant and exactly a window apart), few items, tags and texts, so that co-action and ties are common."""
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        platform = "mastodon" if rng.random() < 0.15 else "x"
        author = rng.choice(AUTHORS) if platform == "x" else rng.choice(["m1", "m2", "m3"])
        at = T0 + timedelta(seconds=rng.choice(range(0, 1200, 15))) if rng.random() > 0.03 else None
        kind = rng.choice(["repost", "repost", "original", "quote", "reply"])
        tags = rng.sample(TAGS, rng.randint(0, 3)) if kind != "repost" else []
        mentions = rng.sample(["EmbA", "emba", "MinC", "a2", "u3"], rng.randint(0, 2))
        target = rng.choice(AUTHORS)
        posts.append(
            Post(
                platform=platform,
                post_id=f"p{i:04d}",
                author_id=author,
                author_handle=rng.choice([None, f"{author}_h{rng.randint(0, 2)}"]),
                created_at=at,
                text=rng.choice(TEXTS),
                lang=None,
                kind=kind,
                provenance=Provenance("test"),
                reposted_post_id=f"item{rng.randint(0, 5)}" if kind == "repost" else None,
                reposted_author_id=target if kind == "repost" else None,
                quoted_author_id=target if kind == "quote" else None,
                replied_to_author_id=rng.choice(AUTHORS) if kind in ("reply", "quote") else None,
                entities=[Entity("hashtag", f"#{t}", t.lower()) for t in tags]
                + [Entity("mention", f"@{m}", m.lower()) for m in mentions],
            )
        )
    snaps = [
        ProfileSnapshot("x", a, T0 + timedelta(days=d), Provenance("test"), handle=f"{a}_s{d % 2}")
        for a in ("a1", "a2", "u1")
        for d in (0, 1)
    ]
    return posts, snaps


def build_random_store(path: Path, seed: int, new_store) -> Path:  # type: ignore[no-untyped-def]
    """A closed store at ``path``: the roster above and ``random_posts(seed)``, rollups current."""
    con = new_store(path)
    (path.parent / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(path.parent / "roster.yaml")
    assert not problems, problems
    import_roster(con, roster)
    posts, snaps = random_posts(seed)
    w = StoreWriter(con, 0)
    for p in posts:
        w.add_post(p)
    for s in snaps:
        w.add_profile(s)
    w.flush()
    con.close()
    return path


SEED = random.randrange(1_000_000)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, demo_template: Path, new_store):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("netibis")
    shutil.copyfile(demo_template, tmp / "demo.duckdb")
    cons = {
        "demo": open_store_read_only(tmp / "demo.duckdb"),
        "random": open_store_read_only(build_random_store(tmp / "random.duckdb", SEED, new_store)),
    }
    yield cons
    for con in cons.values():
        con.close()


def same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError as exc:
        raise AssertionError(f"{what} (random store seed {SEED}): {exc}") from None


# (store, kind, filters): the demo's networks from the rollups and the base tables, the random store's
# with an off-midnight window (base tables) and account filters (the Spark tests compare the demo's
# follow and hashtag networks with the SQL's too)
NETWORKS = [
    *(("demo", kind, Filters()) for kind in ("repost", "mention", "cohashtag")),
    ("random", "repost", Filters()),
    ("random", "mention", Filters(start=T0 + timedelta(minutes=5), kinds=("embassy",))),
    ("random", "quote", Filters(end=T0 + timedelta(minutes=15), platforms=("x",))),
    ("random", "cohashtag", Filters(states=("CN",), institutional=True)),
]


@pytest.mark.parametrize(("store", "kind", "f"), NETWORKS, ids=[f"{s}-{k}-{i}" for i, (s, k, _) in enumerate(NETWORKS)])
def test_the_ibis_network_builder_gives_the_sql_builders_network(stores, store: str, kind: str, f: Filters) -> None:  # type: ignore[no-untyped-def]
    con: duckdb.DuckDBPyConnection = stores[store]
    sql = build_network(con, kind, f)
    ibis_net = build_network_on(tables_from_duckdb(con), kind, f)
    assert len(sql.edges) > 0
    same(sql.edges, ibis_net.edges, f"{store} {kind} edges")
    same(sql.nodes, ibis_net.nodes, f"{store} {kind} nodes")
    assert ibis_net.directed == sql.directed


@pytest.mark.parametrize(
    ("store", "action", "window_s", "min_count"),
    [("random", "repost", 60, 2), ("random", "hashtag", 15, 3), ("random", "post", 0, 2)],
)
def test_the_ibis_co_action_gives_the_sql_co_action(
    stores, store: str, action: str, window_s: float, min_count: int
) -> None:  # type: ignore[no-untyped-def]
    con: duckdb.DuckDBPyConnection = stores[store]
    sql = co_action(con, action, window_s=window_s, min_count=min_count)
    ibis_result = co_action_on(tables_from_duckdb(con), con, action, window_s=window_s, min_count=min_count)
    assert len(sql.pairs) > 0
    same(sql.pairs, ibis_result.pairs, f"{store} {action} pairs")
    same(sql.clusters, ibis_result.clusters, f"{store} {action} clusters")
