"""Network benchmark on SYNTHETIC stores.

1. Networks: a store of N posts (default 10M) by 20,000 accounts, 2,000 of them tracked (a roster
   of embassies, ministries and state media), with a realistic skew (the author of a post is
   account floor(20000 * u^3)); 40% of posts are reposts of a post by account floor(20000 * u^4),
   so a few accounts are reposted most; 50% carry a mention of such an account. Timed end to end:
   the repost and the mention network built from the store (edges aggregated in DuckDB), then
   PageRank and Leiden communities on each (igraph). Target: <= 60 s for both together.
   Betweenness (approximate on graphs this size) is timed apart.
2. Co-repost: 1M reposts of 50,000 posts by 20,000 accounts over 30 days, with 300 planted
   coordinated groups of 5 accounts reposting the same posts within seconds; co-repost detection
   with a 60 s window. Target: <= 60 s.

Run:  .venv/bin/python bench/network_bench.py [--posts 10000000] [--reposts 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGET_NETWORKS = 60.0
TARGET_COREPOST = 60.0
ACCOUNTS = 20_000
TRACKED = 2_000


def generate_posts(db: Path, n: int) -> float:
    from diplotrack.store.db import open_store

    t0 = time.perf_counter()
    con = open_store(db)
    con.execute(
        f"""INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at)
            SELECT 'a' || i, 'Actor ' || i,
                   ['embassy', 'consulate', 'ambassador', 'ministry', 'state_media'][1 + i % 5],
                   i % 5 IN (0, 1, 3, 4), 'CN', ['FR', 'DE', 'US', 'JP', 'BR'][1 + i % 5], now()
            FROM range({TRACKED}) r(i)"""
    )
    con.execute(
        f"""INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, updated_at)
            SELECT 'x', 'acct' || i, 'u' || i, 'u' || i, 'a' || i, now() FROM range({TRACKED}) r(i)"""
    )
    con.execute(
        f"""INSERT INTO posts (platform, post_id, author_id, author_handle, created_at, kind,
                               reposted_post_id, reposted_author_id, first_seen_at)
            SELECT 'x', 'p' || g, 'u' || CAST(floor({ACCOUNTS} * pow(random(), 3)) AS INT), NULL,
                   TIMESTAMP '2021-01-01' + INTERVAL (g % 31536000) SECOND,
                   CASE WHEN r < 0.4 THEN 'repost' ELSE 'original' END,
                   CASE WHEN r < 0.4 THEN 'p' || CAST(floor(g * random()) AS BIGINT) END,
                   CASE WHEN r < 0.4 THEN 'u' || CAST(floor({ACCOUNTS} * pow(random(), 4)) AS INT) END,
                   now()
            FROM (SELECT range AS g, random() AS r FROM range({n}))"""
    )
    con.execute(
        f"""INSERT INTO post_entities
            SELECT 'x', 'p' || g, 'mention', h, h
            FROM (SELECT range AS g, 'acct' || CAST(floor({TRACKED} * pow(random(), 4)) AS INT) AS h, random() AS r
                  FROM range({n})) WHERE r < 0.5"""
    )
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


def generate_reposts(db: Path, n: int) -> float:
    from diplotrack.store.db import open_store

    t0 = time.perf_counter()
    con = open_store(db)
    # background: reposts of 50,000 posts at random times over 30 days
    con.execute(
        f"""INSERT INTO posts (platform, post_id, author_id, created_at, kind, reposted_post_id,
                               reposted_author_id, first_seen_at)
            SELECT 'x', 'r' || g, 'u' || CAST(floor({ACCOUNTS} * random()) AS INT),
                   TIMESTAMP '2021-03-01' + INTERVAL (CAST(random() * 2592000 AS BIGINT)) SECOND,
                   'repost', 'orig' || CAST(floor(50000 * pow(random(), 2)) AS INT), 'u0', now()
            FROM range({n - 300 * 5 * 20}) r(g)"""
    )
    # 300 planted groups of 5 accounts, each reposting 20 posts within 30 s of each other
    con.execute(
        """INSERT INTO posts (platform, post_id, author_id, created_at, kind, reposted_post_id,
                              reposted_author_id, first_seen_at)
           SELECT 'x', 'c' || grp || '-' || item || '-' || m, 'bot' || grp || '-' || m,
                  TIMESTAMP '2021-03-01' + INTERVAL (grp * 7919 % 2592000 + item * 3600) SECOND
                      + INTERVAL (m * 6) SECOND,
                  'repost', 'orig' || (grp * 20 + item) % 50000, 'u0', now()
           FROM range(300) a(grp), range(20) b(item), range(5) c(m)"""
    )
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--reposts", type=int, default=1_000_000)
    args = ap.parse_args()
    from diplotrack.networks.build import build_network
    from diplotrack.networks.metrics import communities, to_igraph
    from diplotrack.store.db import open_store_read_only

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "net.duckdb"
        gen = generate_posts(db, args.posts)
        print(f"synthetic store: {args.posts:,} posts by {ACCOUNTS:,} accounts built in {gen:.1f} s", flush=True)
        con = open_store_read_only(db)
        t0 = time.perf_counter()
        sizes = {}
        for kind in ("repost", "mention"):
            net = build_network(con, kind)
            g = to_igraph(net)
            g.pagerank(weights=g.es["weight"], directed=True)
            comms = communities(g)
            sizes[kind] = (g.vcount(), g.ecount(), max(comms) if comms else 0)
        total = time.perf_counter() - t0
        t1 = time.perf_counter()
        from diplotrack.networks.metrics import compute_metrics

        compute_metrics(net)  # everything the network command computes, betweenness (on the backbone) included
        bt = time.perf_counter() - t1
        con.close()
    for kind, (v, e, c) in sizes.items():
        print(f"{kind} network: {v:,} nodes, {e:,} weighted edges, {c} communities")
    print(
        f"networks (repost + mention: built, PageRank, Leiden): {total:.1f} s; target <= {TARGET_NETWORKS:.0f} s; "
        f"ratio {total / TARGET_NETWORKS:.2f}"
    )
    print(
        f"all metrics of the mention network (degrees, PageRank, backbone betweenness, Leiden): {bt:.1f} s "
        "(not in the target)"
    )

    from diplotrack.networks.coordination import co_action

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "co.duckdb"
        gen = generate_reposts(db, args.reposts)
        print(f"synthetic reposts: {args.reposts:,} built in {gen:.1f} s", flush=True)
        con = open_store_read_only(db)
        t0 = time.perf_counter()
        result = co_action(con, "repost", window_s=60, min_count=2)
        took = time.perf_counter() - t0
        con.close()
    planted = sum(1 for m in result.clusters["members"] if all(str(x).startswith("bot") for x in m))
    print(
        f"co-repost (60 s window, >= 2 times): {len(result.pairs):,} pairs, {len(result.clusters):,} clusters "
        f"({planted} made only of planted accounts, of 300 planted groups) in {took:.1f} s; "
        f"target <= {TARGET_COREPOST:.0f} s; ratio {took / TARGET_COREPOST:.2f}"
    )


if __name__ == "__main__":
    main()
