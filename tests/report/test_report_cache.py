"""The report over the result cache: a second report over an unchanged store runs no analysis and
writes the same files; any write, another selection or option, a damaged entry or a folder that
cannot be written each still give the right report."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ibis.expr.types as ir
import pytest

from diplotrack.analyses.base import Filters
from diplotrack.cache import open_cache
from diplotrack.networks import build as network_build
from diplotrack.records import Post, Provenance
from diplotrack.report import build as build_mod
from diplotrack.report.build import ReportOptions, build_report
from diplotrack.report.model import ReportResult
from diplotrack.store.db import open_store, open_store_read_only
from diplotrack.store.writer import StoreWriter


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> Path:
    """The demo store, enriched (tests/conftest.py), in a folder of its own with no cache beside it."""
    db = tmp_path_factory.mktemp("cache-template") / "demo.duckdb"
    shutil.copyfile(enriched_demo_template, db)
    return db


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DIPLOTRACK_CACHE", raising=False)
    monkeypatch.delenv("DIPLOTRACK_CACHE_DIR", raising=False)
    out = tmp_path / "demo.duckdb"
    shutil.copyfile(template, out)
    return out


def report(db: Path, out: Path, opts: ReportOptions | None = None, **kw):  # type: ignore[no-untyped-def]
    con = open_store_read_only(db)
    try:
        return build_report(con, out, opts, **kw)
    finally:
        con.close()


def files(out: Path) -> dict[str, bytes]:
    """The report's files, with the time it was generated (in report.html) left out."""
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return {k: re.sub(rb"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", b"", v) for k, v in got.items()}


def forbid_analyses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any Ibis query brought into pandas, any network built or the tracked accounts materialized
    fails the test: a report that reads the cache does none of them."""

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("an analysis ran")

    monkeypatch.setattr(ir.Table, "to_pandas", boom)
    monkeypatch.setattr(ir.Table, "execute", boom)
    monkeypatch.setattr(network_build, "build_network", boom)
    monkeypatch.setattr(build_mod, "materialize_accounts", boom)


def test_second_report_reads_the_cache_and_writes_the_same_files(
    first: FirstReport, template: Path, warm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first report (the ``first`` fixture, on a store with no cache) computed everything and
    wrote the cache; a second one over a copy of that store and its cache computes nothing, and one
    with the cache off (on a store with no cache) neither reads nor writes it; all three write the
    same files."""
    cold, networks = first.result, first.networks
    assert cold.cache.hits == 0 and cold.cache.writes > 40 and cold.cache.failures == 0 and networks
    with monkeypatch.context() as m:
        forbid_analyses(m)
        second = report(warm, tmp_path / "warm")
    assert second.cache.misses == 0 and second.cache.hits == cold.cache.writes - len(networks)
    steps = [step for _, step, _ in second.timings]
    assert any(s.endswith("[cached]") for s in steps) and "tracked accounts" not in steps
    db = tmp_path / "no-cache" / "demo.duckdb"  # the store as the first report found it
    db.parent.mkdir()
    shutil.copyfile(template, db)
    uncached = report(db, tmp_path / "plain", cache=False)
    assert not uncached.cache.enabled
    # --no-cache writes none of it: network metrics (kept by their edge set) included; the first
    # report, with the cache on, wrote them
    folder = db.with_name(db.name + ".cache")
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))
    assert any(p.is_file() for p in first.db.with_name(first.db.name + ".cache").glob("content-*/*"))
    a, b, c = files(first.out), files(tmp_path / "warm"), files(tmp_path / "plain")
    assert a.keys() == b.keys() == c.keys() and any(k.startswith("charts/") for k in a)
    for name in a:
        if name != ".diplotrack-report.json":
            assert a[name] == b[name], name
            assert a[name] == c[name] or name.startswith("charts/"), name  # a chart drawn twice may differ


def _import(con) -> None:  # type: ignore[no-untyped-def]
    from diplotrack.importers.run import import_paths

    import_paths(con, [Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2" / "mentions_tweet.jsonl"])


def _enrich(con) -> None:  # type: ignore[no-untyped-def]
    from diplotrack.enrich.run import enrich_store

    con.execute("DELETE FROM post_enrichment WHERE post_id IN (SELECT post_id FROM post_enrichment LIMIT 5)")
    enrich_store(con)


def _roster(con) -> None:  # type: ignore[no-untyped-def]
    from diplotrack.roster import bundled_roster_path, import_roster, load_roster

    loaded, problems = load_roster(bundled_roster_path())
    assert loaded is not None and not problems
    import_roster(con, loaded)


def _collect(con) -> None:  # type: ignore[no-untyped-def]
    """What a collector's page commits: posts through the store writer."""
    w = StoreWriter(con, 0)
    handle = con.execute("SELECT handle FROM accounts WHERE platform = 'x' LIMIT 1").fetchone()[0]
    w.add_post(
        Post("x", "cache-test-1", f"handle:{handle.lower()}", handle, datetime(2023, 3, 1), "new post", "en",
             "original", Provenance("test"))
    )  # fmt: skip
    w.flush()


@dataclass
class FirstReport:
    """The first report over the demo store (no cache yet): the store and its cache folder, the
    report's folder, its result, and the networks whose metrics it computed."""

    db: Path
    out: Path
    result: ReportResult
    networks: list[str]


@pytest.fixture(scope="module")
def first(template: Path, tmp_path_factory: pytest.TempPathFactory) -> FirstReport:
    """The demo store after one report, with its cache folder: each test that needs a warm cache
    starts from a copy (one first report for the module: each costs seconds)."""
    from diplotrack.networks import metrics

    networks: list[str] = []  # network metrics are written too (by edge set), never read back
    real = metrics.compute_metrics
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DIPLOTRACK_CACHE", raising=False)
        mp.delenv("DIPLOTRACK_CACHE_DIR", raising=False)
        mp.setattr(metrics, "compute_metrics", lambda net, **kw: networks.append(net.kind) or real(net, **kw))
        db = tmp_path_factory.mktemp("reported") / "demo.duckdb"
        shutil.copyfile(template, db)
        result = report(db, db.parent / "first")
    return FirstReport(db, db.parent / "first", result, networks)


@pytest.fixture
def reported(first: FirstReport) -> Path:
    """The store of the first report (its cache beside it): copy it, never write to it."""
    return first.db


@pytest.fixture
def warm(db: Path, reported: Path) -> Path:
    """A copy of the store and cache of a first report (the report is the same for every test)."""
    shutil.copyfile(reported, db)
    shutil.copytree(reported.with_name(reported.name + ".cache"), db.with_name(db.name + ".cache"))
    return db


@pytest.mark.parametrize("write", [_import, _enrich, _roster, _collect])
def test_any_write_invalidates(warm: Path, reported: Path, tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    db = warm
    # the copy is warm: the same copy serves a report from the cache alone in
    # test_second_report_reads_the_cache_and_writes_the_same_files; here, that its entries are there
    assert sum(1 for p in db.with_name(db.name + ".cache").rglob("*") if p.is_file()) > 40
    con = open_store(db)
    try:
        before = con.execute("SELECT store_id, generation FROM store_state").fetchone()
        write(con)
        after = con.execute("SELECT store_id, generation FROM store_state").fetchone()
    finally:
        con.close()
    # the store-scoped cache is keyed by (store id, generation): a write that moves the generation
    # leaves every entry of the first report unreachable (cache.py)
    assert after[0] == before[0] and after[1] > before[1]
    if write is not _import:  # one whole report shows the key at work (each costs seconds)
        return
    again = report(db, tmp_path / "again")  # only charts (keyed by their data) may be reused
    assert not [s for _, s, _ in again.timings if s.endswith("[cached]")]
    # every table computed again (none read from the cache), so they are what an uncached report
    # writes; a write that adds data must show in them
    assert files(tmp_path / "again")["summary.json"] != files(reported.parent / "first")["summary.json"]


def test_a_read_write_open_invalidates(warm: Path, tmp_path: Path) -> None:
    db = warm
    open_store(db).close()
    assert not [s for _, s, _ in report(db, tmp_path / "again").timings if s.endswith("[cached]")]


def test_another_filter_or_option_misses(warm: Path, reported: Path, tmp_path: Path) -> None:
    db = warm
    other_filter = report(db, tmp_path / "f", ReportOptions(filters=Filters(kinds=("embassy",))))
    assert not [s for _, s, _ in other_filter.timings if s.endswith("[cached]")]
    other_option = report(db, tmp_path / "o", ReportOptions(posts_over=5))
    tables = [s for sec, s, _ in other_option.timings if sec != "report"]
    assert tables and not [s for s in tables if s.endswith("[cached]")]
    assert (tmp_path / "o" / "tables" / "threshold_shares.csv").read_bytes() != (
        reported.parent / "first" / "tables" / "threshold_shares.csv"
    ).read_bytes()


def test_a_corrupt_entry_is_recomputed(warm: Path, reported: Path, tmp_path: Path) -> None:
    db = warm
    con = open_store_read_only(db)
    try:
        cache = open_cache(con)
    finally:
        con.close()
    damaged = sorted(cache._dir("store").glob("*.parquet"))[:5]
    for p in damaged:
        p.write_bytes(p.read_bytes()[:-7] + b"garbage")
    again = report(db, tmp_path / "again")
    assert again.cache.misses >= 5 and again.cache.writes >= 5
    a, b = files(reported.parent / "first"), files(tmp_path / "again")
    assert {k: v for k, v in a.items() if k.startswith("tables/")} == {
        k: v for k, v in b.items() if k.startswith("tables/")
    }


def test_an_unwritable_cache_folder_still_gives_the_report(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DIPLOTRACK_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    r = report(db, tmp_path / "out")
    assert not r.cache.enabled and "cannot write" in r.cache.note
    assert (tmp_path / "out" / "report.html").exists() and r.summary["posts_total"] > 0


def test_timings_say_what_the_cache_did(warm: Path, tmp_path: Path, new_store) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from diplotrack.cli.main import app

    runner = CliRunner()
    args = ["report", "-o", str(tmp_path / "r"), "--timings"]
    second = runner.invoke(app, ["--db", str(warm), *args])  # the copy holds a first report's cache
    assert second.exit_code == 0, second.output
    assert "[cached]" in second.output and "0 misses" in second.output
    # what --no-cache turns off is the same whatever the store holds: an empty one reports fastest
    new_store(tmp_path / "empty.duckdb").close()
    off = runner.invoke(app, ["--db", str(tmp_path / "empty.duckdb"), *args, "--no-cache"])
    assert off.exit_code == 0 and "cache off: turned off (--no-cache)" in off.output
