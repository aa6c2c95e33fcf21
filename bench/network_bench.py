"""Network benchmark on a SYNTHETIC store: ``bench/synthetic.py``'s ``make_store`` (real texts and
their real entities under new ids, a synthetic roster of 2,000 tracked accounts, skewed activity,
reposts mostly of state media and the ministry, amplifiers growing as about N^0.7; its docstring
says what is real and what is synthetic). The rollups are built as an import keeps them.

1. Networks (subject against reference, alternating, at least 3 rounds, ``bench/common.py``): the
   repost and the mention network built from the store, PageRank and Leiden on each.
   - subject: today's pipeline: edges read from the rollups, Leiden bounded (``metrics.leiden``);
   - reference: the same code with the edges from the base tables (``DIPLOTRACK_ROLLUPS=0``) and
     Leiden run to convergence (igraph's ``n_iterations=-1``), so the ratio shows what the two
     changes bought. Both use the vectorised ``to_igraph``. The modularity of both is printed.
   Target (10M posts, 2 cores): <= 30 s.
2. Betweenness of the mention network: the estimator ``compute_metrics`` uses (Brandes–Pich pivots)
   against exact, alternating, where exact can finish (nodes x (nodes + edges) <= ``--exact-limit``); above
   that exact is not run and the bench says so. Where both run, the error: Spearman rank
   correlation, overlap of the top 25, median relative error of the top 25.
3. Co-repost detection (``--reposts``, 0 to skip): 1M reposts of 50,000 posts by 20,000 accounts over
   30 days with 300 planted groups of 5 accounts reposting the same posts within seconds; 60 s
   window. Target <= 60 s. Timed alone (there is no reference), 3 rounds.

Run:  .venv/bin/python bench/network_bench.py [--posts 10000000] [--reposts 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, run_child, summarize  # noqa: E402

TARGET_NETWORKS = 30.0
TARGET_COREPOST = 60.0


def generate(db: Path, n: int) -> dict:
    """The shared SYNTHETIC store of ``n`` posts (bench/synthetic.py)."""
    from synthetic import make_store

    return make_store(db, n)


# One timed run of the networks step: argv = db, "subject" | "reference".
NETWORKS_CHILD = """
from diplotrack.networks.build import build_network
from diplotrack.networks.metrics import leiden, to_igraph, undirected
from diplotrack.store.db import open_store_read_only

db, which = sys.argv[1], sys.argv[2]
con = open_store_read_only(db)
t0 = time.perf_counter()
sizes = {}
for kind in ("repost", "mention"):
    g = to_igraph(build_network(con, kind))
    g.pagerank(weights=g.es["weight"], directed=True)
    _, q, iterations = leiden(undirected(g), min_gain=None) if which == "reference" else leiden(undirected(g))
    sizes[kind] = [g.vcount(), g.ecount(), q, iterations]
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(), "sizes": sizes}))
"""

# One timed betweenness of the mention network: argv = db, "estimate" | "exact".
BETWEENNESS_CHILD = """
from diplotrack.networks.build import build_network
from diplotrack.networks.metrics import betweenness, to_igraph
from diplotrack.store.db import open_store_read_only

db, which = sys.argv[1], sys.argv[2]
g = to_igraph(build_network(open_store_read_only(db), "mention"))
t0 = time.perf_counter()
values, how = betweenness(g, pivots=g.vcount() if which == "exact" else None)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "how": how, "values": values}))
"""

COREPOST_CHILD = """
from diplotrack.networks.coordination import co_action
from diplotrack.store.db import open_store_read_only

con = open_store_read_only(sys.argv[1])
t0 = time.perf_counter()
result = co_action(con, "repost", window_s=60, min_count=2)
seconds = time.perf_counter() - t0
planted = sum(1 for m in result.clusters["members"] if all(str(x).startswith("bot") for x in m))
print(json.dumps({"seconds": seconds, "pairs": len(result.pairs), "clusters": len(result.clusters),
                  "planted": planted}))
"""


def error_figures(estimate: list[float], exact: list[float], top: int = 25) -> dict[str, float]:
    """Spearman rank correlation, overlap of the ``top`` nodes and the median relative error of the
    exact top nodes' estimates."""
    import numpy as np
    from scipy.stats import spearmanr

    est, ex = np.asarray(estimate), np.asarray(exact)
    best = np.argsort(-ex, kind="stable")[:top]
    best_est = np.argsort(-est, kind="stable")[:top]
    rel = np.abs(est[best] - ex[best]) / np.where(ex[best] > 0, ex[best], 1.0)
    return {
        "spearman": float(spearmanr(est, ex).statistic),
        "top_overlap": len(set(best.tolist()) & set(best_est.tolist())) / top,
        "median_rel_error_top": float(np.median(rel)),
        "max_rel_error_top": float(rel.max()),
    }


def generate_reposts(db: Path, n: int) -> float:
    """SYNTHETIC reposts with 300 planted coordinated groups (see the module docstring)."""
    from diplotrack.store.db import open_store

    t0 = time.perf_counter()
    con = open_store(db)
    con.execute(
        f"""INSERT INTO posts (platform, post_id, author_id, created_at, kind, reposted_post_id,
                               reposted_author_id, first_seen_at)
            SELECT 'x', 'r' || g, 'u' || CAST(floor(20000 * random()) AS INT),
                   TIMESTAMP '2021-03-01' + INTERVAL (CAST(random() * 2592000 AS BIGINT)) SECOND,
                   'repost', 'orig' || CAST(floor(50000 * pow(random(), 2)) AS INT), 'u0', now()
            FROM range({n - 300 * 5 * 20}) r(g)"""
    )
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


def bench_networks(db: Path, rounds: int) -> None:
    env_ref = {**os.environ, "DIPLOTRACK_ROLLUPS": "0"}
    runs = alternate(
        {
            "subject": lambda: run_child(NETWORKS_CHILD, str(db), "subject"),
            "reference": lambda: run_child(NETWORKS_CHILD, str(db), "reference", env=env_ref),
        },
        rounds,
    )
    names = {
        "subject": "rollup edges + bounded Leiden",
        "reference": "base-table edges + converged Leiden",
    }
    figures = summarize(runs, "reference", names)
    for label in ("subject", "reference"):
        for kind, (v, e, q, it) in runs[label][0]["sizes"].items():
            its = "to convergence" if it < 0 else f"{it} iterations"
            print(f"{names[label]}: {kind} network {v:,} nodes, {e:,} edges, modularity {q:.4f} ({its})")
    for kind in ("repost", "mention"):
        qs, qr = runs["subject"][0]["sizes"][kind][2], runs["reference"][0]["sizes"][kind][2]
        print(f"{kind}: bounded Leiden modularity {100 * (qs - qr) / qr:+.2f}% of the converged run")
    med = figures["subject"]["median"]
    print(
        f"networks (repost + mention, built, PageRank, Leiden): median {med:.1f} s; target <= {TARGET_NETWORKS:.0f} s"
    )


def bench_betweenness(db: Path, rounds: int, exact_limit: float) -> None:
    from diplotrack.networks.build import build_network
    from diplotrack.store.db import open_store_read_only

    con = open_store_read_only(db)
    net = build_network(con, "mention")
    con.close()
    n, m = len(net.nodes), len(net.edges)
    steps = {"estimate": lambda: run_child(BETWEENNESS_CHILD, str(db), "estimate")}
    work = n * (n + m)
    if work <= exact_limit:
        steps["exact"] = lambda: run_child(BETWEENNESS_CHILD, str(db), "exact")
    else:
        print(f"mention network: {n:,} nodes x ({n:,} + {m:,} edges) = {work:.2g} > {exact_limit:.2g}: exact not run")
    runs = alternate(steps, rounds)
    print("betweenness of the mention network:", runs["estimate"][0]["how"])
    summarize(runs, "exact" if "exact" in runs else "estimate")
    if "exact" in runs:
        errors = error_figures(runs["estimate"][0]["values"], runs["exact"][0]["values"])
        print("estimate against exact:", ", ".join(f"{k} {v:.3f}" for k, v in errors.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--reposts", type=int, default=1_000_000, help="co-repost benchmark size; 0 skips it")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--exact-limit", type=float, default=3e9, help="run exact betweenness up to nodes x (nodes + edges)"
    )
    ap.add_argument("--db", type=Path, help="keep the synthetic store here (reused if it exists)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "net.duckdb"
        if db.exists():
            print(f"SYNTHETIC store reused: {db}", flush=True)
        else:
            made = generate(db, args.posts)
            print(
                f"SYNTHETIC store (bench/synthetic.py): {made['posts']:,} posts, {made['tracked_accounts']:,} tracked "
                f"accounts, {made['amplifiers']:,} amplifiers, built in {made['seconds']:.1f} s",
                flush=True,
            )
        bench_networks(db, args.rounds)
        bench_betweenness(db, args.rounds, args.exact_limit)

    if args.reposts:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "co.duckdb"
            gen = generate_reposts(db, args.reposts)
            print(f"SYNTHETIC reposts: {args.reposts:,} built in {gen:.1f} s", flush=True)
            runs = alternate({"co-repost": lambda: run_child(COREPOST_CHILD, str(db))}, args.rounds)
            summarize(runs, "co-repost")
            last = runs["co-repost"][-1]
            print(
                f"co-repost (60 s window, >= 2 times): {last['pairs']:,} pairs, {last['clusters']:,} clusters "
                f"({last['planted']} made only of planted accounts, of 300 planted groups); "
                f"target <= {TARGET_COREPOST:.0f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
