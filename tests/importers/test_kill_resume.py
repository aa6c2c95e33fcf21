"""Kill an import with SIGKILL mid-way, import again: the store ends exactly right.

The input is synthetic: bench/import_bench.py's ``generate`` repeats the real twarc2 fixture pages,
rewriting every id in each copy, so the expected posts are computed from the generated file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diplotrack.importers.run import import_paths
from diplotrack.store.db import open_store

ROOT = Path(__file__).resolve().parents[2]
SIZE_MB = 56  # about four of the reader's 16 MB chunks: killed after the second


def load_generate():
    spec = importlib.util.spec_from_file_location("import_bench", ROOT / "bench" / "import_bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate


def expected_post_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    with open(path, "rb") as fh:
        for line in fh:
            page = json.loads(line)
            for t in page.get("data", []) + page.get("includes", {}).get("tweets", []):
                ids.add(t["id"])
    return ids


# The child reports progress to a side file; the reader reports a chunk's bytes only after the
# chunk's batch was handed to the writer, which writes it in the background while the next chunk is
# read: once the second chunk is reported, the first one's batches are committed.
CHILD = r"""
import sys
from diplotrack.importers.run import import_paths
from diplotrack.store.db import open_store

src, db, side = sys.argv[1:4]
con = open_store(db)
done = 0

def progress(n):
    global done
    done += n
    with open(side, "w") as fh:
        fh.write(str(done))

import_paths(con, [src], on_progress=progress)
"""


def reported(side: Path) -> int:
    try:
        return int(side.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


@pytest.mark.slow
def test_kill_mid_import_then_resume(tmp_path):
    src = tmp_path / "synthetic-twarc2.jsonl"
    load_generate()(src, SIZE_MB)
    want = expected_post_ids(src)
    db = tmp_path / "s.duckdb"
    side = tmp_path / "progress"
    env = dict(os.environ, DIPLOTRACK_BATCH_POSTS="2000", DIPLOTRACK_WORKERS="0")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(src), str(db), str(side)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while reported(side) <= 20 * 2**20:  # past the second chunk (~17 MB each): the first is committed
            assert proc.poll() is None, f"the import ended before it could be killed: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "no progress within 60 s"
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the import finished before the kill: make the file larger"
    assert reported(side) < src.stat().st_size

    con = open_store(db)
    committed = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert 0 < committed < len(want)
    assert con.execute("SELECT status FROM runs").fetchall() == [("running",)]
    report = import_paths(con, [src])
    assert report.skipped == []
    assert report.posts_new == len(want) - committed
    total, distinct = con.execute("SELECT count(*), count(DISTINCT post_id) FROM posts").fetchone()
    assert total == distinct == len(want)
    assert {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()} == want
    ent_total, ent_distinct = con.execute(
        "SELECT count(*), count(DISTINCT (post_id, type, value)) FROM post_entities"
    ).fetchone()
    assert ent_total == ent_distinct
    runs = con.execute("SELECT run_id, status FROM runs ORDER BY run_id").fetchall()
    assert runs == [(1, "interrupted"), (2, "ok")]
    con.close()
