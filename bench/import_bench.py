"""Import benchmark: a large twarc2 JSONL into a fresh store, against DuckDB's own read_json.

What is synthetic: the input repeats the real twarc2 pages bundled as test fixtures
(tests/fixtures/x-v2/twarc2/noflat.jsonl and entities_test.jsonl: recorded X API v2 search pages
with their includes and errors), rewriting every numeric id string in copy k, so each copy holds
distinct posts and users with the same shape, texts, languages, references and entities as the real
pages. About 0.67 posts and 0.65 profile snapshots per KB; 3% of a batch's posts repeat (a tweet
both in ``data`` and in another page's ``includes``).

Subject: ``import_paths(con, [file], fmt="x-v2")`` into a fresh store, then ``CHECKPOINT``: every
page decoded and mapped, posts, profile snapshots, entities, API errors and each page's raw payload
(zstd) written with their provenance, merged on their natural keys (de-duplicated), and the rollups
kept, in batches that each commit. The worker count is the importer's own rule
(importers/chunks.py ``worker_count``: none on a 2-core machine), unless ``$DIPLOTRACK_WORKERS``.

Reference: DuckDB's ``read_json`` (newline-delimited, schema auto-detected) creating one table of
the pages, then ``CHECKPOINT``. It loads each page as one row of nested values: it does not split
posts, users, entities and errors into tables, de-duplicate, keep the raw payloads or merge into
an existing store; it is the fastest way DuckDB itself has to get these bytes into a table.

Both run in fresh processes, alternating, at least 3 rounds each (bench/common.py); peak RSS is of
the process and its children. Prints min and median seconds, MB/s and posts/s from the median, and
the ratio of the medians. Targets (issue 14, on the 2-core machine): >= 50 MB/s, at least 2x the
reference's speed (a time ratio <= 0.5), peak RSS < 2 GB.

Run:  .venv/bin/python bench/import_bench.py [--size-mb 500] [--rounds 3] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, run_child, summarize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [
    ROOT / "tests/fixtures/x-v2/twarc2/noflat.jsonl",
    ROOT / "tests/fixtures/x-v2/twarc2/entities_test.jsonl",
]
_ID = re.compile(rb'"(\d{5,20})"')


def generate(path: Path, size_mb: int) -> tuple[int, int]:
    """Write about ``size_mb`` MB of pages; returns (bytes, pages)."""
    pages = [line for t in TEMPLATES for line in t.read_bytes().splitlines() if line.strip()]
    target = size_mb * 2**20
    written = n = 0
    with open(path, "wb") as out:
        k = 0
        while written < target:
            k += 1
            prefix = b"9%04d" % k
            for page in pages:
                line = _ID.sub(b'"' + prefix + rb'\1"', page) + b"\n"
                out.write(line)
                written += len(line)
                n += 1
                if written >= target:
                    break
    return written, n


# the child snippets (after common.PEAK_RSS_PRELUDE); argv: source file, store
SUBJECT = r"""
from pathlib import Path

def main():
    from diplotrack.importers.run import import_paths
    from diplotrack.store.db import open_store

    src, db = sys.argv[1], sys.argv[2]
    con = open_store(db)
    t0 = time.perf_counter()
    r = import_paths(con, [src], fmt="x-v2")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    out = {"seconds": seconds, "posts": posts, "profiles": r.profiles, "skipped": len(r.skipped)}
    out["peak_rss_mb"] = peak_mb()
    print(json.dumps(out))

if __name__ == "__main__":
    main()
"""

REFERENCE = r"""
import duckdb

src, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
t0 = time.perf_counter()
con.execute(
    "CREATE TABLE pages AS SELECT * FROM read_json(?, format = 'newline_delimited', maximum_object_size = 1000000000)",
    [src],
)
con.execute("CHECKPOINT")
seconds = time.perf_counter() - t0
rows = con.execute("SELECT count(*) FROM pages").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows": rows, "peak_rss_mb": peak_mb()}))
"""


def fresh(db: Path) -> Path:
    """``db`` with no store left from an earlier round."""
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(str(db) + ".tmp", ignore_errors=True)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=500, help="size of the synthetic JSONL (default 500)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of each (at least 3)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file and stores")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="diplotrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "synthetic-twarc2.jsonl"
    t0 = time.perf_counter()
    size, pages = generate(src, args.size_mb)
    mb = size / 2**20
    print(f"generated {mb:.0f} MB, {pages} synthetic pages in {time.perf_counter() - t0:.1f} s: {src}", flush=True)

    runs = alternate(
        {
            "diplotrack": lambda: run_child(SUBJECT, str(src), str(fresh(work / "bench.duckdb"))),
            "read_json": lambda: run_child(REFERENCE, str(src), str(fresh(work / "ref.duckdb"))),
        },
        args.rounds,
    )
    names = {"diplotrack": "diplotrack import", "read_json": "DuckDB read_json (reference)"}
    figures = summarize(runs, "read_json", names)
    ours, ref = figures["diplotrack"], figures["read_json"]
    posts = runs["diplotrack"][-1]["posts"]
    print(
        f"diplotrack: {mb / ours['median']:.1f} MB/s median ({mb / ours['min']:.1f} best), "
        f"{posts / ours['median']:.0f} posts/s, {posts} posts, {runs['diplotrack'][-1]['profiles']} profile "
        f"snapshots, {runs['diplotrack'][-1]['skipped']} skipped; peak RSS {ours['peak_rss_mb']:.0f} MB"
    )
    print(
        f"read_json:  {mb / ref['median']:.1f} MB/s median ({mb / ref['min']:.1f} best), "
        f"{runs['read_json'][-1]['rows']} pages; peak RSS {ref['peak_rss_mb']:.0f} MB"
    )
    print(
        f"targets: >= 50 MB/s: {mb / ours['median']:.1f}; >= 2x read_json: "
        f"{ref['median'] / ours['median']:.2f}x; peak RSS < 2048 MB: {ours['peak_rss_mb']:.0f}"
    )
    if not args.keep and args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
