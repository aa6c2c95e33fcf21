"""The writer's rollups: the batch path (posts all new to the store, rolled up from the batch's own
rows) and the refresh path (a batch with known posts) together keep exactly what a rebuild gives.

Real twarc2 fixture pages are imported in many small batches (the same tweet is often in several
pages, so batches overlap), then again (every post known), then in another shape (twarc's
flattened form of overlapping tweets), with metrics and kinds that change between observations.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import orjson
import pytest

from diplotrack.importers import chunks
from diplotrack.importers.run import import_paths
from diplotrack.records import Entity, Post, Provenance
from diplotrack.store import rollups
from diplotrack.store.runs import start_run
from diplotrack.store.writer import StoreWriter

_SUMMED = {"posts": "sum", "deleted": "sum", "with_metrics": "sum", "engagement": "sum"}
_SUMMED |= {"first_at": "min", "last_at": "max"}


def rollup_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every rollup table, its rows merged per group (a key may have several rows), sorted."""
    out = {}
    for table in rollups.TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        keys = [c for c in cols if c not in _SUMMED]
        aggs = ", ".join(f"{_SUMMED[c]}({c})" for c in cols if c in _SUMMED)
        rows = con.execute(f"SELECT {', '.join(keys)}, {aggs} FROM {table} GROUP BY ALL").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def assert_matches_rebuild(con: duckdb.DuckDBPyConnection) -> None:
    assert rollups.usable(con)
    kept = rollup_rows(con)
    con.execute("BEGIN TRANSACTION")
    try:
        rollups.rebuild(con)
        rebuilt = rollup_rows(con)
    finally:
        con.execute("ROLLBACK")
    for table in rollups.TABLES:
        assert kept[table] == rebuilt[table], table
    assert kept["rollup_posts_day"] and kept["rollup_entities_day"] and kept["rollup_refs_day"]


@pytest.fixture
def paths_taken(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each path ran: the batch path (add_new answered True) and refresh."""
    taken = {"batch": 0, "refresh": 0}
    add_new, refresh = rollups.add_new, rollups.refresh

    def counted_add_new(*a, **k):  # type: ignore[no-untyped-def]
        done = add_new(*a, **k)
        taken["batch"] += bool(done)
        return done

    def counted_refresh(*a, **k):  # type: ignore[no-untyped-def]
        taken["refresh"] += 1
        return refresh(*a, **k)

    monkeypatch.setattr(rollups, "add_new", counted_add_new)
    monkeypatch.setattr(rollups, "refresh", counted_refresh)
    return taken


def split_pages(src: list[Path], out: Path, per_page: int) -> Path:
    """The fixture pages cut into pages of ``per_page`` tweets, each with the whole page's includes
    (so the included tweets recur in many pages, and in many batches)."""
    with open(out, "wb") as fh:
        for path in src:
            for line in path.read_bytes().splitlines():
                page = orjson.loads(line)
                data = page.get("data") or []
                for i in range(0, len(data), per_page):
                    fh.write(orjson.dumps({**page, "data": data[i : i + per_page]}) + b"\n")
    return out


def test_imports_in_overlapping_batches_then_again_equal_a_rebuild(
    con: duckdb.DuckDBPyConnection,
    twarc_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    paths_taken: dict[str, int],
) -> None:
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 256 * 1024)  # many chunks, so many batches
    src = [twarc_dir / "noflat.jsonl", twarc_dir / "entities_test.jsonl"]
    # 12 pages of 50 tweets (100 + 474 in the files), each page its own batch: each batch costs a
    # merge of its own (the writer's thread, which the reader waits on), so pages of 10 (58 batches
    # per import) took four times as long and proved nothing more; 50 divides the first file, so the
    # second file's first page is a batch of its own and all new (the batch path, twice)
    pages = [split_pages(src, tmp_path / "pages.jsonl", per_page=50)]
    report = import_paths(con, pages, fmt="x-v2", batch_posts=40)
    assert report.posts_new > 700 and report.skipped == []
    # both paths ran: the first batch of each file is all new, later ones meet known included tweets
    assert paths_taken["batch"] >= 2 and paths_taken["refresh"] >= 5
    assert_matches_rebuild(con)

    again = import_paths(con, pages, fmt="x-v2", batch_posts=40)  # every post known: refresh only
    assert again.posts_new == 0
    assert_matches_rebuild(con)

    before = paths_taken["refresh"]
    import_paths(con, [twarc_dir / "flat.jsonl", twarc_dir / "two_tweets.jsonl"], fmt="x-v2", batch_posts=40)
    assert paths_taken["refresh"] > before
    assert_matches_rebuild(con)


def _post(pid: str, author: str, day: int, **kw: object) -> Post:
    base: dict = dict(
        platform="x",
        post_id=pid,
        author_id=author,
        author_handle=f"h{author}",
        created_at=datetime(2022, 1, day, 12),
        text="t",
        lang="en",
        kind="original",
        provenance=Provenance("test", "f", 1, None, "/"),
    )
    base.update(kw)
    return Post(**base)


def test_a_batch_that_observes_a_post_twice_is_rolled_up_once(
    con: duckdb.DuckDBPyConnection, paths_taken: dict[str, int]
) -> None:
    w = StoreWriter(con, start_run(con, "import", "test", []))
    # the same post twice in one batch: a repost the second time, with metrics and another entity
    w.add_post(_post("1", "a", 1, entities=[Entity("hashtag", "China", "china")]))
    w.add_post(
        _post(
            "1",
            "a",
            1,
            kind="repost",
            reposted_post_id="9",
            reposted_author_id="b",
            like_count=3,
            metrics_observed_at=datetime(2022, 1, 5),
            entities=[Entity("hashtag", "CHINA", "china"), Entity("mention", "B", "b")],
        )
    )
    w.add_post(_post("2", None, 2))  # type: ignore[arg-type]  # no author: not rolled up
    w.add_post(_post("3", "a", 2, created_at=None))
    w.flush()
    assert paths_taken == {"batch": 1, "refresh": 0}
    assert_matches_rebuild(con)
    sql = "SELECT kind, posts, with_metrics, engagement FROM rollup_posts_day WHERE day = '2022-01-01'"
    (row,) = con.execute(sql).fetchall()
    assert row == ("repost", 1, 1, 3)
    w.add_post(_post("3", "a", 2, created_at=datetime(2022, 1, 3, 8)))  # a known post gains its time
    w.add_post(_post("4", "a", 3))
    w.flush()
    assert paths_taken == {"batch": 1, "refresh": 1}
    assert_matches_rebuild(con)
