"""Import benchmark: a large twarc2 JSONL into a fresh store, against DuckDB's own read_json.

The input is SYNTHETIC: it repeats the real twarc2 pages bundled as test fixtures
(tests/fixtures/x-v2/twarc2/noflat.jsonl and entities_test.jsonl, recorded X API v2 search pages
with includes and errors), rewriting every numeric id string in copy k so each copy holds
distinct posts and users with the same shape, references and entities as the real pages.

Run:  .venv/bin/python bench/import_bench.py [--size-mb 500] [--keep]
Prints MB/s, posts/s, peak RSS of the import (the process and its workers, summed, sampled every
50 ms), and the ratio to the reference: DuckDB's
``read_json`` (newline-delimited, schema auto-detected) loading the same file into a table.
Targets on a 2-core machine: >= 100 MB/s, >= 0.5x the reference, peak RSS < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


_CHILD = r"""
import json, sys, threading, time
import psutil
mode, src, db = sys.argv[1], sys.argv[2], sys.argv[3]
peak = 0
def sample():  # the whole process tree (the importer's worker processes included), every 50 ms
    global peak
    me = psutil.Process()
    while True:
        try:
            procs = [me, *me.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter()
if mode == "diplotrack":
    from diplotrack.store.db import open_store
    from diplotrack.importers.run import import_paths
    con = open_store(db)
    r = import_paths(con, [src], fmt="x-v2")
    con.execute("CHECKPOINT")
    posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    out = {"posts": posts, "posts_new": r.posts_new, "profiles": r.profiles, "skipped": len(r.skipped)}
else:
    import duckdb
    con = duckdb.connect(db)
    con.execute("CREATE TABLE pages AS SELECT * FROM read_json(?, format='newline_delimited', "
                "maximum_object_size=1000000000)", [src])
    con.execute("CHECKPOINT")
    out = {"rows": con.execute("SELECT count(*) FROM pages").fetchone()[0]}
out["seconds"] = time.perf_counter() - t0
out["peak_rss_mb"] = peak / 2**20
print(json.dumps(out))
"""


def run_child(mode: str, src: Path, db: Path) -> dict:
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(str(db) + ".tmp", ignore_errors=True)
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(src), str(db)], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=500, help="size of the synthetic JSONL (default 500)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file and stores")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="diplotrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "synthetic-twarc2.jsonl"
    t0 = time.perf_counter()
    size, pages = generate(src, args.size_mb)
    print(f"generated {size / 2**20:.0f} MB, {pages} synthetic pages in {time.perf_counter() - t0:.1f} s: {src}")
    ref = run_child("duckdb", src, work / "ref.duckdb")
    ours = run_child("diplotrack", src, work / "bench.duckdb")
    mb = size / 2**20
    ours_mbs = mb / ours["seconds"]
    ref_mbs = mb / ref["seconds"]
    print(
        f"reference DuckDB read_json: {ref['seconds']:.1f} s, {ref_mbs:.0f} MB/s, "
        f"peak RSS {ref['peak_rss_mb']:.0f} MB ({ref['rows']} pages)"
    )
    print(
        f"diplotrack import:          {ours['seconds']:.1f} s, {ours_mbs:.0f} MB/s, "
        f"{ours['posts'] / ours['seconds']:.0f} posts/s, peak RSS {ours['peak_rss_mb']:.0f} MB "
        f"({ours['posts']} posts, {ours['profiles']} profile snapshots, {ours['skipped']} skipped)"
    )
    ratio = ours_mbs / ref_mbs
    print(
        f"ratio to reference: {ratio:.2f}x (target >= 0.5x); MB/s {ours_mbs:.0f} (target >= 100); "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB (target < 2048)"
    )
    if not args.keep and args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
