"""``diplotrack export --partition-by platform,month``: Hive-partitioned Parquet with a manifest, read
back by DuckDB and pyarrow/pandas exactly as stored; microsecond timestamps (Spark refuses
nanoseconds); a path with a quote and a space; a re-export replaces, never mixes."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from cli_inprocess import cli
from diplotrack.errors import UsageError
from diplotrack.export.layout import EXPORTED_TABLES, parse_partition_by
from diplotrack.export.tables import export_tables
from diplotrack.records import Post, Provenance
from diplotrack.store.db import connect_store
from diplotrack.store.migrations import LATEST_VERSION
from diplotrack.store.writer import StoreWriter

POST_COLUMNS = "platform, post_id, author_id, created_at, text, like_count, provenance"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> tuple[Path, Path]:
    """(the demo store, its partitioned export under a folder with a quote and a space)."""
    base = tmp_path_factory.mktemp("partitioned")
    db = base / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    out = base / "it's an" / "export dir"
    proc = cli("export", "--out", str(out), "--partition-by", "platform,month", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "partitioned by platform,month" in proc.stdout
    return db, out


def _store(db: Path) -> duckdb.DuckDBPyConnection:
    return connect_store(db, read_only=True)


def _read(con: duckdb.DuckDBPyConnection, folder: Path, columns: str = "*") -> duckdb.DuckDBPyRelation:
    return con.sql(
        f"SELECT {columns} FROM read_parquet($p, hive_partitioning = true)", params={"p": f"{folder}/**/*.parquet"}
    )


def test_manifest_counts_every_table_as_the_store_has_it(exported: tuple[Path, Path]) -> None:
    db, out = exported
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["manifest_version"] == 1 and manifest["schema_version"] == LATEST_VERSION
    assert manifest["format"] == "parquet" and manifest["partition_by"] == ["platform", "month"]
    assert datetime.strptime(manifest["exported_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert manifest["diplotrack_version"]
    assert list(manifest["tables"]) == list(EXPORTED_TABLES)
    con = _store(db)
    try:
        for table, info in manifest["tables"].items():
            assert info["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
            assert _read(con, out / info["path"], "count(*)").fetchone()[0] == info["rows"], table
    finally:
        con.close()
    tables = manifest["tables"]
    assert tables["posts"]["partition_columns"] == ["platform", "month"] and tables["posts"]["rows"] > 10_000
    assert tables["post_entities"]["month_from"] == "posts.created_at"
    assert tables["actors"]["partition_columns"] == [] and (out / "actors" / "part-0.parquet").is_file()
    assert tables["rollup_posts_day"]["casts"] == {"engagement": "DECIMAL(38,0)"}
    assert not list(out.parent.glob(".*partial*"))  # the staging folder was renamed in


def test_duckdb_reads_back_the_posts_exactly(exported: tuple[Path, Path]) -> None:
    db, out = exported
    con = _store(db)
    try:
        stored = con.sql(f"SELECT {POST_COLUMNS}, strftime(created_at, '%Y-%m') AS month FROM posts ORDER BY ALL")
        stored = stored.fetchall()
        back = _read(con, out / "posts", f"{POST_COLUMNS}, month").order("ALL").fetchall()
        assert back == stored
        entities = "SELECT platform, post_id, type, normalized FROM {} ORDER BY ALL"
        assert _read(con, out / "post_entities", "platform, post_id, type, normalized").order("ALL").fetchall() == (
            con.sql(entities.format("post_entities")).fetchall()
        )
    finally:
        con.close()
    months = {p.name for p in (out / "posts" / "platform=x").iterdir()}
    assert months and all(m.startswith("month=20") for m in months)


def test_pyarrow_and_pandas_read_the_partitions(exported: tuple[Path, Path]) -> None:
    db, out = exported
    dataset = ds.dataset(out / "posts", format="parquet", partitioning="hive")
    assert dataset.schema.field("month").type == pa.string()
    frame = dataset.to_table(columns=["platform", "post_id", "month", "like_count"]).to_pandas()
    con = _store(db)
    try:
        by_platform = dict(con.execute("SELECT platform, count(*) FROM posts GROUP BY 1").fetchall())
        likes = con.execute("SELECT sum(like_count) FROM posts").fetchone()[0]
    finally:
        con.close()
    assert frame["platform"].value_counts().to_dict() == by_platform
    assert frame["like_count"].sum() == likes and frame["post_id"].is_unique


def test_every_timestamp_is_written_in_microseconds(exported: tuple[Path, Path]) -> None:
    _, out = exported
    files = list(out.rglob("*.parquet"))
    assert len(files) > len(EXPORTED_TABLES)
    seen = set()
    for f in files:
        for field in pq.read_schema(f):
            if pa.types.is_timestamp(field.type):
                assert field.type.unit == "us" and field.type.tz is None, (f, field)
                seen.add(field.name)
            assert not pa.types.is_unsigned_integer(field.type), (f, field)
    assert {"created_at", "observed_at", "first_at"} <= seen
    physical = pq.ParquetFile(next((out / "posts").rglob("*.parquet"))).schema.column(3)
    assert (physical.name, physical.physical_type) == ("created_at", "INT64")
    assert "timeUnit=microseconds" in str(physical.logical_type)


def test_a_post_without_a_time_goes_to_the_null_month(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = StoreWriter(con, 0)
    w.add_post(Post("x", "1", "9", "a", datetime(2022, 1, 31, 23, 59), "dated", "en", "original", Provenance("t")))
    w.add_post(Post("x", "2", "9", "a", None, "undated", "en", "original", Provenance("t")))
    w.flush()
    out = tmp_path / "o'ut"
    export_tables(con, out, "parquet", ("platform", "month"))
    months = sorted(p.name for p in (out / "posts" / "platform=x").iterdir())
    assert months == ["month=2022-01", "month=__HIVE_DEFAULT_PARTITION__"]
    back = _read(con, out / "posts", "post_id, month").order("post_id").fetchall()
    assert back == [("1", "2022-01"), ("2", None)]
    table = ds.dataset(out / "posts", format="parquet", partitioning="hive").to_table().sort_by("post_id")
    assert table.column("month").to_pylist() == ["2022-01", None]
    # a re-export replaces the whole folder: no month partitions of the first one stay behind
    export_tables(con, out, "parquet", ("platform",))
    assert sorted(p.name for p in (out / "posts").iterdir()) == ["platform=x"]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["partition_by"] == ["platform"]
    # the plain export (one file per table) into the same folder replaces it too, manifest and all
    export_tables(con, out, "parquet")
    assert (out / "posts.parquet").is_file() and not (out / "posts").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["tables"]["posts"]["path"] == "posts.parquet"


def test_a_folder_holding_other_files_is_refused_untouched(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me\n")
    with pytest.raises(UsageError, match="not a diplotrack export"):
        export_tables(con, out, "parquet", ("platform", "month"))
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]  # no staging folder left


def test_bad_partition_options_are_one_sentence(tmp_path: Path) -> None:
    assert parse_partition_by("platform, month") == ("platform", "month") and parse_partition_by("") == ()
    for bad in ("day", "platform,platform", "platform,"):
        with pytest.raises(UsageError, match="give platform, month or platform,month"):
            parse_partition_by(bad)
    proc = cli(
        "export",
        "--format",
        "csv",
        "--partition-by",
        "platform",
        "--out",
        str(tmp_path / "o"),
        db=tmp_path / "none.duckdb",
    )
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "--format parquet" in proc.stderr and not (tmp_path / "o").exists()
