"""The rollups (store/rollups.py) are only a faster way to the same answers.

Two checks, on the demo store (real data) and on random stores (Hypothesis) after imports,
re-imports, deletions and re-enrichment:
- the rollups the writes kept up to date hold exactly what a rebuild from the base tables gives;
- every table and figure of the report is the same read from the rollups or from the base tables
  (``DIPLOTRACK_ROLLUPS=0``), with the result cache off, for the whole store and for a day-aligned
  window with account filters.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_roster import write_roster

from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.enrich.run import enrich_store
from diplotrack.records import Entity, Post, Provenance
from diplotrack.report.build import build_report
from diplotrack.report.model import ReportOptions
from diplotrack.roster import import_roster
from diplotrack.store import rollups
from diplotrack.store.db import transaction
from diplotrack.store.writer import StoreWriter


def assert_rollups_match_rebuild(con: duckdb.DuckDBPyConnection) -> None:
    assert rollups.usable(con)
    kept = {table: rollups.merged_rows(con, table) for table in rollups.TABLES}
    con.execute("BEGIN TRANSACTION")
    try:
        rollups.rebuild(con)
        rebuilt = {table: rollups.merged_rows(con, table) for table in rollups.TABLES}
    finally:
        con.execute("ROLLBACK")
    for table in rollups.TABLES:
        assert kept[table] == rebuilt[table], table
    assert set(rollups.check(con).values()) == {0}


def report_files(con: duckdb.DuckDBPyConnection, out: Path, opts: ReportOptions, *, use: bool) -> dict[str, bytes]:
    """The report's tables and summary figures, read from the rollups (``use``) or not."""
    old = {k: os.environ.get(k) for k in ("DIPLOTRACK_ROLLUPS", "DIPLOTRACK_CACHE")}
    os.environ["DIPLOTRACK_ROLLUPS"] = "1" if use else "0"
    os.environ["DIPLOTRACK_CACHE"] = "0"
    try:
        assert tables_from_duckdb(con).rollups is use
        build_report(con, out, opts)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "tables").rglob("*.csv"))}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for volatile in ("generated_at", "timings", "seconds"):
        summary.pop(volatile, None)
    files["summary.json"] = json.dumps(summary, sort_keys=True, default=str).encode()
    return files


def assert_same_report(con: duckdb.DuckDBPyConnection, tmp: Path, opts: ReportOptions) -> None:
    with_rollups = report_files(con, tmp / "with", opts, use=True)
    without = report_files(con, tmp / "without", opts, use=False)
    assert with_rollups.keys() == without.keys()
    for name in with_rollups:
        assert with_rollups[name] == without[name], name
    shutil.rmtree(tmp / "with")
    shutil.rmtree(tmp / "without")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo store as build_demo made it: its rollups kept by the import (tests/conftest.py)."""
    path = tmp_path_factory.mktemp("rollup-demo") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    return path


def test_demo_rollups_kept_by_import_and_enrich_equal_a_rebuild(demo_store: Path) -> None:
    con = duckdb.connect(str(demo_store))
    try:
        assert con.execute("SELECT sum(posts) FROM rollup_posts_day").fetchone()[0] > 1000
        assert_rollups_match_rebuild(con)
    finally:
        con.close()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(start=datetime(2022, 3, 1), end=datetime(2022, 11, 1), kinds=("ministry", "spokesperson", "embassy")),
    ],
    ids=["whole-store", "window-and-kinds"],
)
def test_demo_report_is_the_same_from_rollups_and_base_tables(demo_store: Path, tmp_path: Path, filters) -> None:
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        in_window = con.execute(
            "SELECT count(*) FROM posts WHERE created_at >= coalesce(?, '-infinity'::TIMESTAMP) "
            "AND created_at < coalesce(?, 'infinity'::TIMESTAMP)",
            [filters.start, filters.end],
        ).fetchone()[0]
        assert in_window > 1000  # a selection that holds posts, or the comparison proves nothing
        assert_same_report(con, tmp_path, ReportOptions(filters=filters))
    finally:
        con.close()


# -- random stores -------------------------------------------------------------------------------

ACTORS = [
    ("emb", "embassy", "EmbA", "100", "FR"),
    ("min", "ministry", "MinB", "200", None),
    ("med", "state_media", "MediaC", None, None),  # handle-only: its posts are filed under handle:mediac
    ("amb", "ambassador", "AmbD", "400", "DE"),
]
AUTHORS = ["100", "200", "handle:mediac", "400", "900", "901", None]
TEXTS = [
    "China and France: #friendship and win-win cooperation https://news.cgtn.com/a @MinB",
    "Nous rejetons fermement ces accusations infondées. #Xinjiang @EmbA",
    "我们坚决反对任何干涉中国内政的行为 #台湾",
    "The so-called report is full of lies and smears against China @MediaC #HongKong",
    "Welcome to the Spring Festival reception at the embassy! #CNY",
    None,
]
BASE = datetime(2021, 3, 1)


@st.composite
def post_batches(draw: st.DrawFn) -> list[list[dict]]:
    """Batches of posts with ids from a small pool, so later batches re-import and change posts."""
    post = st.fixed_dictionaries(
        {
            "post_id": st.integers(0, 40).map(lambda i: f"p{i}"),
            "author": st.sampled_from(AUTHORS),
            "day": st.one_of(st.none(), st.integers(0, 9)),
            "second": st.integers(0, 86_399),
            "kind": st.sampled_from(["original", "repost", "reply", "quote"]),
            "target": st.sampled_from(AUTHORS),
            "text": st.sampled_from(TEXTS),
            "likes": st.one_of(st.none(), st.integers(0, 50)),
            "tags": st.lists(st.sampled_from(["china", "China", "xinjiang", "cny"]), max_size=2),
            "mentions": st.lists(st.sampled_from(["minb", "emba", "someone"]), max_size=2),
        }
    )
    return draw(st.lists(st.lists(post, min_size=1, max_size=25), min_size=1, max_size=4))


def to_post(d: dict, batch: int) -> Post:
    created = None if d["day"] is None else BASE + timedelta(days=d["day"], seconds=d["second"])
    target = d["target"] if d["kind"] != "original" else None
    entities = [Entity("hashtag", f"#{t}", t.lower()) for t in d["tags"]]
    entities += [Entity("mention", f"@{m}", m) for m in d["mentions"]]
    return Post(
        platform="x",
        post_id=d["post_id"],
        author_id=d["author"],
        author_handle=None,
        created_at=created,
        text=d["text"],
        lang=None if d["text"] is None else "und",
        kind=d["kind"],
        provenance=Provenance("test", f"batch{batch}.jsonl", 1),
        reposted_post_id="r" if d["kind"] == "repost" else None,
        reposted_author_id=target if d["kind"] == "repost" else None,
        quoted_author_id=target if d["kind"] == "quote" else None,
        replied_to_author_id=target if d["kind"] == "reply" else None,
        like_count=d["likes"],
        metrics_observed_at=BASE + timedelta(days=20 + batch) if d["likes"] is not None else None,
        entities=entities,
    )


def fill(con: duckdb.DuckDBPyConnection, batches: list[list[dict]], deletions: list[int], check) -> None:  # type: ignore[no-untyped-def]
    """Import the batches (each a run of the writer), enrich after the first, mark some posts deleted
    and restore one, re-enrich with a changed text; ``check(con)`` after every step."""
    for n, batch in enumerate(batches):
        con.execute("INSERT INTO runs (run_id, kind, status, started_at) VALUES (?, 'import', 'ok', now())", [n + 1])
        w = StoreWriter(con, n + 1, batch_posts=7)  # several flushes per batch
        for d in batch:
            w.add_post(to_post(d, n))
            w.maybe_flush()
        w.flush()
        check(con)
        if n == 0:
            enrich_store(con, workers=1)
            check(con)
    ids = [f"p{i}" for i in deletions]
    with transaction(con):  # as collect/cursors.py marks posts the platform confirmed gone
        rollups.mark_ids(con, "x", ids)
        con.execute("UPDATE posts SET deleted_at = ? WHERE platform = 'x' AND list_contains(?, post_id)", [BASE, ids])
        rollups.refresh(con)
    check(con)
    if ids:
        with transaction(con):  # one of them shows up again
            rollups.mark_ids(con, "x", ids[:1])
            con.execute("UPDATE posts SET deleted_at = NULL WHERE platform = 'x' AND post_id = ?", [ids[0]])
            rollups.refresh(con)
        check(con)
    # re-enrichment: enrichment rows dropped (as when the enricher's version changes) and rewritten
    with transaction(con):
        rollups.mark(con, "SELECT platform, post_id FROM post_enrichment")
        con.execute("DELETE FROM post_enrichment WHERE post_id IN ('p1', 'p2', 'p3', 'p4')")
        rollups.refresh(con)
    check(con)
    enrich_store(con, workers=1)
    check(con)


def random_store(tmp: Path, new_store) -> duckdb.DuckDBPyConnection:  # type: ignore[no-untyped-def]
    con = new_store(tmp / "s.duckdb")
    import_roster(con, write_roster(tmp, ACTORS))
    return con


# each example checks after every write of its store; 6 a run (each run draws others), for the 5-minute budget
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=post_batches(), deletions=st.lists(st.integers(0, 40), max_size=5, unique=True))
def test_random_stores_rollups_equal_a_rebuild_after_every_write(
    tmp_path_factory: pytest.TempPathFactory, new_store, batches, deletions
) -> None:
    con = random_store(tmp_path_factory.mktemp("rand"), new_store)
    try:
        fill(con, batches, deletions, assert_rollups_match_rebuild)
    finally:
        con.close()


# one random store a run (each run draws another): two reports each, and the suite has a 5-minute budget
@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=post_batches(), deletions=st.lists(st.integers(0, 40), max_size=5, unique=True))
def test_random_stores_report_is_the_same_from_rollups_and_base_tables(
    tmp_path_factory: pytest.TempPathFactory, new_store, batches, deletions
) -> None:
    tmp = tmp_path_factory.mktemp("rand-report")
    con = random_store(tmp, new_store)
    try:
        fill(con, batches, deletions, lambda c: None)
        # the whole store: a window and kinds are the demo test's second case (window-and-kinds)
        assert_same_report(con, tmp, ReportOptions(filters=Filters(), growth_from=date(2021, 1, 1)))
    finally:
        con.close()
