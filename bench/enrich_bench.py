"""Enrichment benchmark: language, topics, tone, terms, link domains and state-media references.

The store is made by bench/synthetic.py (see its docstring for exactly what is synthetic): real texts
(the bundled demo timelines, the CHC mention texts, Chinese MFA answers and the X v2 fixtures, in
several languages) reused under new post ids, with their real hashtags, mentions and links, by a
synthetic roster and a growing set of amplifiers; its enrichment rows are then deleted, so every
post is to be enriched.

Each round runs, in fresh processes and alternating, on a fresh copy of that store:
- subject: ``enrich_store`` (what ``diplotrack enrich`` runs: reads the posts and their hashtags and
  links, detects the language, matches topics, scores tone, extracts terms, finds link domains and
  state-media outlets, writes ``post_enrichment`` and refreshes the rollups, chunk by chunk in
  transactions, in ``--workers`` processes), then a second run that should find nothing to do;
- reference, a FLOOR: one DuckDB SQL statement that reads every post's text from the store and
  writes one derived column back (a language guessed from whether the text has Chinese characters)
  as a ``post_enrichment`` row per post, in one transaction. It does the unavoidable part (read the
  texts, write a row per post) and nothing else: no language model, topics, tone, terms, domains or
  state media, no rollup refresh, no chunking, no Python per post.

Run:  .venv/bin/python bench/enrich_bench.py [--posts 1000000] [--workers 2] [--rounds 3]
Prints min and median seconds and peak RSS (process tree) of each, their ratio, the subject's posts
per second against the target (>= 5,000 posts/s on this 2-core machine) and the no-op re-run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import alternate, run_child, summarize  # noqa: E402
from synthetic import make_store  # noqa: E402

TARGET = 5000.0

_SUBJECT = r"""
from diplotrack.enrich.run import enrich_store
from diplotrack.store.db import open_store
db, workers = sys.argv[1], int(sys.argv[2])
con = open_store(db)
t0 = time.perf_counter()
report = enrich_store(con, workers=workers)
seconds = time.perf_counter() - t0
again = enrich_store(con, workers=workers)
con.close()
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(), "posts": report.posts_enriched,
                  "workers": report.workers, "again_posts": again.posts_enriched, "again_s": again.seconds}))
"""

_FLOOR = r"""
import duckdb
con = duckdb.connect(sys.argv[1])
t0 = time.perf_counter()
con.execute("BEGIN")
con.execute(
    "INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, enriched_at) "
    "SELECT platform, post_id, 'floor', CASE WHEN regexp_matches(text, '[\u4e00-\u9fff]') THEN 'zh' ELSE 'en' END, "
    "now()::TIMESTAMP FROM posts"
)
con.execute("COMMIT")
n = con.execute("SELECT count(*) FROM post_enrichment").fetchone()[0]
seconds = time.perf_counter() - t0
con.close()
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(), "posts": n}))
"""


def fresh_copy(src: Path, dst: Path) -> Path:
    """A copy of the un-enriched store for one run (the copying is not timed)."""
    for p in (dst, Path(str(dst) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def build(path: Path, posts: int) -> dict:
    """The synthetic store without its enrichment rows (rollups rebuilt to match)."""
    from diplotrack.store import rollups
    from diplotrack.store.db import open_store, transaction

    made = make_store(path, posts)
    con = open_store(path)
    with transaction(con):
        con.execute("DELETE FROM post_enrichment")
        rollups.rebuild(con)
    con.execute("CHECKPOINT")
    con.close()
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (at least 3)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="diplotrack-enrich-bench-") as tmp:
        base = Path(tmp) / "base.duckdb"
        t0 = time.perf_counter()
        made = build(base, args.posts)
        print(
            f"synthetic store (bench/synthetic.py): {made['posts']:,} posts, {made['texts']:,} real texts, "
            f"{made['amplifiers']:,} amplifiers; built in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        run = Path(tmp) / "run.duckdb"
        runs = alternate(
            {
                "enrich_store": lambda: run_child(_SUBJECT, str(fresh_copy(base, run)), str(args.workers)),
                "floor (DuckDB SQL)": lambda: run_child(_FLOOR, str(fresh_copy(base, run))),
            },
            args.rounds,
        )
    for label, rs in runs.items():
        if any(r["posts"] != args.posts for r in rs):
            raise SystemExit(f"{label}: {[r['posts'] for r in rs]} posts written, expected {args.posts}")
    summarize(runs, "floor (DuckDB SQL)")
    subject = runs["enrich_store"]
    rate = args.posts / statistics.median(r["seconds"] for r in subject)
    best = args.posts / min(r["seconds"] for r in subject)
    print(
        f"enrich_store: median {rate:,.0f} posts/s (best {best:,.0f}) with {subject[0]['workers']} process(es); "
        f"target >= {TARGET:,.0f} posts/s; ratio {rate / TARGET:.2f}"
    )
    again = [r["again_s"] for r in subject]
    print(
        f"second run (nothing outdated): {max(r['again_posts'] for r in subject)} posts enriched; "
        f"min {min(again):.2f} s, median {statistics.median(again):.2f} s"
    )


if __name__ == "__main__":
    main()
