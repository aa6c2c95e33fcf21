"""The result cache (diplotrack/cache.py): keys, round trips, generations, damage and bad folders."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from diplotrack.cache import ResultCache, fingerprint, frame_digest, open_cache
from diplotrack.store.db import transaction

FRAME = pd.DataFrame(
    {
        "handle": ["a", "=b", None],
        "n": pd.array([1, None, 3], dtype="Int64"),
        "share": [0.5, float("nan"), 1.0],
        "day": [dt.date(2020, 1, 1), None, dt.date(2021, 2, 3)],
        "at": pd.to_datetime(["2020-01-01 10:00", None, "2021-01-01 00:00"]),
        "flag": [True, False, True],
    }
)


@pytest.fixture
def store_cache(con, tmp_path, monkeypatch) -> ResultCache:
    monkeypatch.delenv("DIPLOTRACK_CACHE_DIR", raising=False)
    monkeypatch.delenv("DIPLOTRACK_CACHE", raising=False)
    return open_cache(con)


def test_sidecar_folder_beside_the_store(store_cache: ResultCache, tmp_path: Path) -> None:
    assert store_cache.enabled and store_cache.folder == (tmp_path / "s.duckdb.cache").resolve()
    assert store_cache.generation is not None


def test_frame_and_meta_round_trip(store_cache: ResultCache) -> None:
    parts = ("analysis", "x", {"start": None, "kinds": ["embassy"]}, {"n": 5})
    assert store_cache.get(parts) is None
    assert store_cache.put(parts, frame=FRAME, meta={"title": "T", "kept": True})
    e = store_cache.get(parts)
    assert e is not None and e.meta == {"title": "T", "kept": True}
    pd.testing.assert_frame_equal(e.frame, FRAME)
    assert (store_cache.hits, store_cache.misses, store_cache.writes) == (1, 1, 1)


def test_non_default_index_and_empty_frames_round_trip(store_cache: ResultCache) -> None:
    sub = FRAME.iloc[[2, 0]]
    assert store_cache.put("sub", frame=sub)
    pd.testing.assert_frame_equal(store_cache.get("sub").frame, sub)
    assert store_cache.put("empty", frame=pd.DataFrame())
    assert store_cache.get("empty").frame.empty


def test_other_parts_miss(store_cache: ResultCache) -> None:
    store_cache.put(("a", {"n": 5}), meta={"v": 1})
    assert store_cache.get(("a", {"n": 6})) is None
    assert store_cache.get(("b", {"n": 5})) is None
    assert store_cache.get(("a", {"n": 5})).meta == {"v": 1}


def test_key_parts_order_of_mappings_does_not_matter(store_cache: ResultCache) -> None:
    assert store_cache.key({"a": 1, "b": 2}) == store_cache.key({"b": 2, "a": 1})
    assert store_cache.key({"a": dt.date(2020, 1, 1)}) != store_cache.key({"a": "2020-01-01"})


def test_a_write_transaction_changes_the_generation_and_prunes(con, store_cache: ResultCache) -> None:
    store_cache.put("x", meta={"v": 1})
    old = store_cache._dir("store")
    with transaction(con):
        pass
    fresh = open_cache(con)
    assert fresh.generation != store_cache.generation
    assert fresh.get("x") is None
    assert not old.exists()  # pruned when the cache of the new generation opened


def test_content_scope_survives_generations(con, store_cache: ResultCache) -> None:
    key = ("network-metrics", frame_digest(FRAME.drop(columns=["day"])))
    store_cache.put(key, frame=FRAME, meta={"modularity": 0.4}, scope="content")
    with transaction(con):
        pass
    fresh = open_cache(con)
    e = fresh.get(key, scope="content")
    assert e is not None and e.meta == {"modularity": 0.4}


def test_blob_round_trip(store_cache: ResultCache) -> None:
    store_cache.put("png", blob=b"\x89PNG...", meta={"drawn": True}, scope="content")
    assert store_cache.get("png", scope="content").blob == b"\x89PNG..."


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete_data", "garble_json"])
def test_a_damaged_entry_is_a_miss(store_cache: ResultCache, damage: str) -> None:
    store_cache.put("x", frame=FRAME)
    d = store_cache._dir("store")
    name = store_cache.key("x")
    data, head = d / f"{name}.parquet", d / f"{name}.json"
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[:20])
    elif damage == "flip":
        b = bytearray(data.read_bytes())
        b[len(b) // 2] ^= 0xFF
        data.write_bytes(bytes(b))
    elif damage == "delete_data":
        data.unlink()
    else:
        head.write_text("{not json")
    assert store_cache.get("x") is None
    assert store_cache.put("x", frame=FRAME)  # recomputed and written again
    pd.testing.assert_frame_equal(store_cache.get("x").frame, FRAME)


def test_a_frame_parquet_would_change_is_not_cached(store_cache: ResultCache) -> None:
    assert not store_cache.put("ints", frame=pd.DataFrame({0: [1], 1: [2]}))  # column names that are not text
    assert not store_cache.put("lists", frame=pd.DataFrame({"a": [object()]}))
    assert store_cache.get("ints") is None and store_cache.failures == 2


def test_no_temporary_files_are_left(store_cache: ResultCache) -> None:
    for i in range(5):
        store_cache.put(("x", i), frame=FRAME)
    names = [p.name for p in store_cache._dir("store").iterdir()]
    assert len(names) == 10 and not [n for n in names if n.endswith(".tmp")]


def test_concurrent_writers_and_readers_never_see_half_a_file(store_cache: ResultCache) -> None:
    big = pd.DataFrame({"v": range(200_000), "s": ["text"] * 200_000})
    errors: list[BaseException] = []

    def write() -> None:
        for _ in range(5):
            store_cache.put("big", frame=big)

    def read() -> None:
        try:
            for _ in range(50):
                e = store_cache.get("big")
                if e is not None:
                    assert len(e.frame) == 200_000
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and store_cache.failures == 0


def test_turned_off_by_the_environment(con, monkeypatch) -> None:
    monkeypatch.setenv("DIPLOTRACK_CACHE", "0")
    c = open_cache(con)
    assert not c.enabled and "DIPLOTRACK_CACHE=0" in c.note
    assert c.get("x") is None and not c.put("x", meta={})


def test_a_folder_that_cannot_be_made_turns_it_off(con, tmp_path, monkeypatch) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DIPLOTRACK_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    c = open_cache(con)
    assert not c.enabled and "cannot write" in c.note
    assert c.get("x") is None and not c.put("x", meta={})


def test_folder_from_the_environment(con, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DIPLOTRACK_CACHE_DIR", str(tmp_path / "elsewhere"))
    c = open_cache(con)
    assert c.folder == (tmp_path / "elsewhere").resolve()


def test_an_unwritable_folder_turns_it_off(con, tmp_path, monkeypatch) -> None:
    # a path below a regular file cannot be created, even by root (CI runs as root)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DIPLOTRACK_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    c = open_cache(con)
    assert not c.enabled and "cannot write" in c.note
    assert c.get(["anything"]) is None  # reads and writes are no-ops, not errors
    c.put(["anything"], meta={"x": 1})


def test_fingerprint_is_stable_and_follows_the_version(monkeypatch) -> None:
    import diplotrack

    orig = fingerprint()
    assert orig == fingerprint() and len(orig) == 16
    fingerprint.cache_clear()
    monkeypatch.setattr(diplotrack, "__version__", "99.0")
    other = fingerprint()
    monkeypatch.undo()
    fingerprint.cache_clear()  # the next call hashes the files again
    assert other != orig


def test_frame_digest_follows_the_data() -> None:
    a = frame_digest(FRAME.drop(columns=["day"]))
    assert a == frame_digest(FRAME.drop(columns=["day"]).copy())
    changed = FRAME.drop(columns=["day"]).copy()
    changed.loc[0, "share"] = 0.25
    assert a != frame_digest(changed)
    assert frame_digest("x", 1) != frame_digest("x", 2)


def test_run_frame_reads_an_analysis_from_the_cache(tmp_path, monkeypatch, demo_template) -> None:
    import ibis.expr.types as ir

    from diplotrack.analyses.base import Filters, tables_from_duckdb
    from diplotrack.analyses.registry import run_frame
    from diplotrack.store.db import open_store_read_only

    monkeypatch.delenv("DIPLOTRACK_CACHE", raising=False)
    monkeypatch.delenv("DIPLOTRACK_CACHE_DIR", raising=False)
    shutil.copyfile(demo_template, tmp_path / "d.duckdb")
    con = open_store_read_only(tmp_path / "d.duckdb")
    try:
        c, t = open_cache(con), tables_from_duckdb(con)
        df, cov = run_frame("joins_by_period", t, Filters(kinds=("embassy",)), c, period="year")
        other, _ = run_frame("joins_by_period", t, Filters(kinds=("embassy",)), c, period="quarter")
        assert c.hits == 0 and c.writes == 2 and len(other) != len(df)
        monkeypatch.setattr(ir.Table, "to_pandas", lambda *a, **k: pytest.fail("the analysis ran again"))
        df2, cov2 = run_frame("joins_by_period", t, Filters(kinds=("embassy",)), c, period="year")
    finally:
        con.close()
    pd.testing.assert_frame_equal(df, df2)
    assert cov == cov2 and c.hits == 1


def test_a_store_replaced_at_the_same_path_leaves_no_stale_folder(con, store_cache: ResultCache) -> None:
    store_cache.put("x", meta={"v": 1})
    stale = store_cache.folder / "store-another-store-id-g3-0123456789abcdef"
    stale.mkdir()
    open_cache(con)
    assert not stale.exists() and store_cache._dir("store").exists()
