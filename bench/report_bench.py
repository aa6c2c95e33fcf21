"""Report benchmark on a SYNTHETIC store: the whole report (every analysis, tables, charts, HTML,
Markdown, summary.json) three ways, alternated round by round (bench/common.py):

- ``cold``: the subject, the report reading the rollups, with an empty result cache (a fresh
  ``DIPLOTRACK_CACHE_DIR`` each round): what a first report costs;
- ``warm``: the same report again right after it, nothing new in the store: it reads the result
  cache ``cold`` just filled (target <= 2 s at 1M posts);
- ``base``: the reference, the report as it ran before rollups and cache: ``DIPLOTRACK_ROLLUPS=0``
  and ``DIPLOTRACK_CACHE=0``, every analysis reading the base tables. It computes the same report
  (the rollup equivalence tests check the files are the same); it does not reuse anything;
- ``warm CLI``: ``diplotrack report`` as a user runs it the second time, wall-clock time of the
  whole process (Python start-up, imports, the enrichment check, opening the store, the report).

Each run is a fresh process (``run_child``) with its peak RSS (targets: 1M posts <= 10 s, 10M <= 60 s,
peak RSS <= 4 GB, the second report <= 2 s at 1M). Printed: each round, then min, median and the
ratio of medians to the reference of each.

The store is SYNTHETIC: ``bench/synthetic.py``'s ``make_store`` (real texts and their real
entities and enrichment under new ids; a synthetic roster of 2,000 tracked accounts over 62
countries, skewed activity, reposts mostly of state media and the ministry, amplifiers growing with
the posts; its docstring says what is real and what is synthetic).

Run:  .venv/bin/python bench/report_bench.py [--posts 1000000 10000000] [--rounds 3] [--db-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, run_child, summarize  # noqa: E402

TARGETS = {1_000_000: 10.0, 10_000_000: 60.0}
WARM_TARGET = 2.0  # seconds, at 1M posts
RSS_TARGET_MB = 4096

# the report in a fresh process: argv db, out; prints seconds, peak RSS, what the cache did
_REPORT = r"""
from pathlib import Path
from diplotrack.report.build import build_report
from diplotrack.store.db import open_store_read_only
db, out = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter()
con = open_store_read_only(db)
r = build_report(con, out)
con.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": peak_mb(),
                  "posts_total": r.summary["posts_total"], "cache": r.cache.note if r.cache else ""}))
"""

# `diplotrack report` as a user runs it, timed from outside (the whole process)
_CLI = r"""
import subprocess
db, out = sys.argv[1], sys.argv[2]
exe = str(Path(sys.executable).with_name("diplotrack"))
t0 = time.perf_counter()
res = subprocess.run([exe, "--db", db, "report", "-o", out, "--timings"], capture_output=True, text=True)
seconds = time.perf_counter() - t0
if res.returncode != 0:
    raise SystemExit(res.stderr[-3000:])
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(), "cache": res.stderr.strip().splitlines()[-1]}))
"""
_CLI = "from pathlib import Path\n" + _CLI


def make(db: Path, n: int) -> None:
    """The shared SYNTHETIC store of ``n`` posts (bench/synthetic.py)."""
    from synthetic import make_store

    made = make_store(db, n)
    print(
        f"SYNTHETIC store (bench/synthetic.py): {made['posts']:,} posts, {made['tracked_accounts']:,} tracked "
        f"accounts, {made['amplifiers']:,} amplifiers, in {made['seconds']:.0f} s: {db}",
        flush=True,
    )


def bench(db: Path, n: int, work: Path, rounds: int) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("DIPLOTRACK_CACHE", "DIPLOTRACK_ROLLUPS")}
    state: dict[str, Path] = {}

    def cold() -> dict:
        state["cache"] = Path(tempfile.mkdtemp(prefix="cache-", dir=work))  # an empty cache each round
        return run_child(_REPORT, str(db), str(work / "cold"), env={**env, "DIPLOTRACK_CACHE_DIR": str(state["cache"])})

    def warm() -> dict:
        return run_child(_REPORT, str(db), str(work / "warm"), env={**env, "DIPLOTRACK_CACHE_DIR": str(state["cache"])})

    def warm_cli() -> dict:
        out = run_child(_CLI, str(db), str(work / "cli"), env={**env, "DIPLOTRACK_CACHE_DIR": str(state["cache"])})
        shutil.rmtree(state["cache"], ignore_errors=True)
        return out

    def base() -> dict:
        return run_child(
            _REPORT, str(db), str(work / "base"), env={**env, "DIPLOTRACK_ROLLUPS": "0", "DIPLOTRACK_CACHE": "0"}
        )

    runs = alternate({"cold": cold, "warm": warm, "warm CLI": warm_cli, "base": base}, rounds)
    print(f"cache of the last warm run: {runs['warm'][-1]['cache']}")
    names = {
        "cold": "report, rollups, empty cache (subject)",
        "warm": "second report, nothing new (cache)",
        "warm CLI": "second `diplotrack report`, whole process",
        "base": "report, base tables, no cache (reference)",
    }
    figs = summarize(runs, "base", names)
    target = TARGETS.get(n)
    if target:
        print(f"targets at {n:,} posts: report <= {target:.0f} s (cold median {figs['cold']['median']:.1f} s)", end="")
        if n == 1_000_000:
            print(f"; second report <= {WARM_TARGET:.0f} s (warm median {figs['warm']['median']:.2f} s)", end="")
        print(f"; peak RSS <= {RSS_TARGET_MB} MB (max {max(f.get('peak_rss_mb', 0) for f in figs.values()):.0f} MB)")
    return figs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db-dir", type=Path, default=None, help="keep the synthetic stores here (reused if there)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="diplotrack-report-bench-"))
    try:
        for n in args.posts:
            folder = args.db_dir or work
            folder.mkdir(parents=True, exist_ok=True)
            db = folder / f"synthetic-{n}.duckdb"
            if not db.exists():
                make(db, n)
            t0 = time.perf_counter()
            print(f"== report on the SYNTHETIC store of {n:,} posts ==", flush=True)
            bench(db, n, work, args.rounds)
            print(f"({time.perf_counter() - t0:.0f} s for the rounds)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
