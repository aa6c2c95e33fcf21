"""``diplotrack enrich --engine spark`` (issue 18): the store's enrichment run on Spark over a Parquet
export and written back into it.

One Spark enrichment of the demo export (through the command line, in-process, on the shared local
session) is compared with the enriched store's ``post_enrichment``: every column but ``enriched_at``
(the run's own time) is equal, row for row. A second run does nothing; an export with rows missing and
rows of another version gets exactly those redone. The folder handling (recovery of a killed run) and
the option checks need no Spark.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.cli_inprocess import cli

from diplotrack.engines import spark_enrich
from diplotrack.engines.spark_enrich_output import COLUMNS, recover
from diplotrack.errors import DiplotrackError

COMPARED = [c for c in COLUMNS if c != "enriched_at"]  # enriched_at: the time of the run that made the row


@pytest.fixture(scope="module")
def store_rows(demo_export: tuple[Path, Path]) -> pa.Table:
    """The enriched demo store's post_enrichment (read once; the store is closed again at once)."""
    from diplotrack.store.db import open_store_read_only

    con = open_store_read_only(demo_export[0])
    try:
        return con.execute(f"SELECT {', '.join(COLUMNS)} FROM post_enrichment").arrow().read_all()
    finally:
        con.close()


@pytest.fixture(scope="module")
def spark_run(spark_session, demo_export: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo export enriched anew by ``diplotrack enrich --engine spark --force``, and the
    command's result."""
    data = tmp_path_factory.mktemp("spark-enrich") / "export"
    shutil.copytree(demo_export[1], data)
    result = cli("enrich", "--engine", "spark", "--data", str(data), "--force")
    return data, result


def _differences(data: Path, store_rows: pa.Table) -> tuple[int, int]:
    """(store rows missing from the export's table, export rows not in the store), every column but
    enriched_at compared."""
    con = duckdb.connect()
    try:
        con.register("s", store_rows)
        glob = str(data / "post_enrichment" / "**" / "*.parquet")
        con.read_parquet(glob, hive_partitioning=True).create_view("n")
        cols = ", ".join(COMPARED)
        missing = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM s EXCEPT ALL SELECT {cols} FROM n)")
        n_missing = missing.fetchone()[0]
        extra = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM n EXCEPT ALL SELECT {cols} FROM s)")
        return n_missing, extra.fetchone()[0]
    finally:
        con.close()


def test_the_command_prints_its_summary_and_says_links_are_not_resolved(spark_run) -> None:
    _, result = spark_run
    assert result.returncode == 0, result.stderr
    assert "enriched 11,184 of 11,184 posts on Spark in " in result.stdout
    assert "11,184 replaced older rows; wrote 11,184 rows of post_enrichment" in result.stdout
    assert "links are not resolved on Spark" in result.stderr
    assert "Traceback" not in result.stderr


def test_rows_equal_the_stores_enrichment_but_for_enriched_at(spark_run, store_rows: pa.Table) -> None:
    data, _ = spark_run
    assert store_rows.num_rows == 11_184
    assert _differences(data, store_rows) == (0, 0)
    con = duckdb.connect()
    try:
        glob = str(data / "post_enrichment" / "**" / "*.parquet")
        new_rows = con.read_parquet(glob, hive_partitioning=True).arrow().read_all()
        con.register("n", new_rows)
        con.read_parquet(str(data / "posts" / "**" / "*.parquet"), hive_partitioning=True).create_view("p")
        # each row sits in the folder of its post's platform and month, as the export lays it out
        misplaced = con.execute(
            "SELECT count(*) FROM n JOIN p USING (platform, post_id) "
            "WHERE n.month IS DISTINCT FROM strftime(p.created_at, '%Y-%m')"
        ).fetchone()[0]
        times = con.execute("SELECT count(DISTINCT enriched_at), typeof(any_value(enriched_at)) FROM n").fetchone()
    finally:
        con.close()
    assert misplaced == 0
    assert times == (1, "TIMESTAMP")  # one time for the whole run, a plain (UTC) timestamp like the store's
    assert {f.name: f.type for f in new_rows.schema if f.name in COMPARED} == {
        f.name: f.type for f in store_rows.schema if f.name in COMPARED
    }
    files = [p.name for p in (data / "post_enrichment").rglob("*") if p.is_file()]
    assert files and all(name.startswith("part-") and name.endswith(".parquet") for name in files)
    assert not [p for p in data.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_the_manifest_is_updated(spark_run, demo_export: tuple[Path, Path]) -> None:
    data, _ = spark_run
    before = json.loads((demo_export[1] / "manifest.json").read_text())
    after = json.loads((data / "manifest.json").read_text())
    table = after["tables"]["post_enrichment"]
    assert table["rows"] == 11_184 and table["columns"] == COLUMNS
    assert table["partition_columns"] == ["platform", "month"] and table["path"] == "post_enrichment"
    assert table["written_by"] == "diplotrack enrich --engine spark"
    assert after["rollups_current"] is False  # the rollups were made from the store's enrichment
    for name in ("tables", "rollups_current"):
        before.pop(name), after.pop(name)
    assert after == before


def test_a_second_run_does_nothing(spark_run, tmp_path: Path) -> None:
    data = tmp_path / "export"
    shutil.copytree(spark_run[0], data)
    files = {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()}
    result = cli("enrich", "--engine", "spark", "--data", str(data), "--json")  # on the test run's session
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["posts_enriched"], report["posts_total"], report["rows_written"]) == (0, 11_184, 0)
    assert report["links_resolved"] is False and "not resolved on Spark" in report["note"]
    assert {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()} == files


def test_missing_rows_and_rows_of_another_version_are_redone(
    spark_session, spark_run, store_rows: pa.Table, tmp_path: Path
) -> None:
    data = tmp_path / "export"
    shutil.copytree(spark_run[0], data)
    months = sorted((data / "post_enrichment" / "platform=x").iterdir())
    gone, aged = months[0], months[-1]
    n_gone = sum(pq.read_metadata(f).num_rows for f in gone.glob("*.parquet"))
    shutil.rmtree(gone)
    (part,) = aged.glob("*.parquet")
    old = pq.read_table(part)
    versions = pa.array(["lang-1|an older version"] * old.num_rows)
    pq.write_table(
        old.set_column(old.schema.get_field_index("enrichment_version"), "enrichment_version", versions), part
    )
    report = spark_enrich.enrich_export(data, session=spark_session)
    assert (report.posts_enriched, report.posts_outdated) == (n_gone + old.num_rows, old.num_rows)
    assert report.rows_written == 11_184
    assert _differences(data, store_rows) == (0, 0)


def test_a_folder_that_is_no_export_is_one_sentence(tmp_path: Path) -> None:
    result = cli("enrich", "--engine", "spark", "--data", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "is not a diplotrack export (no manifest.json)" in result.stderr


def test_spark_options_need_the_spark_engine() -> None:
    result = cli("enrich", "--force", "--spark-conf", "a=b")
    assert result.returncode == 2
    assert "--spark-conf, --force only apply with --engine spark" in result.stderr
    assert "give its folder with --data DIR" in cli("enrich", "--engine", "spark").stderr


def test_recover_puts_back_a_table_renamed_aside_and_finishes_a_swap(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("old")
    (tmp_path / ".post_enrichment.old-aaaa").mkdir()  # killed between the two renames
    (tmp_path / ".manifest.json.partial-aaaa").write_text("new")
    (tmp_path / ".post_enrichment.partial-bbbb").mkdir()  # another run's unfinished table
    recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "post_enrichment"]
    assert (tmp_path / "manifest.json").read_text() == "old"

    (tmp_path / ".post_enrichment.old-cccc").mkdir()  # killed after the new table was renamed in
    (tmp_path / ".manifest.json.partial-cccc").write_text("new")
    recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "post_enrichment"]
    assert (tmp_path / "manifest.json").read_text() == "new"


def test_the_batch_function_is_the_stores_and_refuses_another_version(tmp_path: Path) -> None:
    from diplotrack.enrich.run import enricher_for

    batch = pa.RecordBatch.from_pydict(
        {
            "platform": ["x"], "post_id": ["1"], "text": ["We firmly oppose the sanctions #Taiwan"],
            "kind": ["post"], "hashtags": [["taiwan"]], "urls": [["https://t.co/x"]], "finals": [[None]],
            "reposted_handle": [None], "quoted_handle": [None], "month": ["2024-05"],
        }
    )  # fmt: skip
    enricher = enricher_for(None)
    (out,) = spark_enrich.enrich_batches(None, enricher.version)(iter([batch]))
    expected = enricher.run(batch.to_pydict())
    assert out.column("month").to_pylist() == ["2024-05"]
    assert pa.Table.from_batches([out]).drop_columns(["month"]).equals(expected)
    with pytest.raises(RuntimeError) as failed:
        list(spark_enrich.enrich_batches(None, "another version")(iter([batch])))
    error = spark_enrich._spark_error(failed.value)
    assert isinstance(error, DiplotrackError) and "install the same diplotrack on them" in str(error)


def test_a_topics_file_reaches_the_executors_by_its_bytes(tmp_path: Path) -> None:
    from diplotrack.enrich.run import enricher_for

    path = tmp_path / "mine.yaml"
    path.write_text("topics:\n  - id: arctic\n    label: Arctic\n    terms:\n      en: [arctic]\n", encoding="utf-8")
    shipped = spark_enrich.executor_enricher((path.name, path.read_bytes()))
    assert shipped.version == enricher_for(path).version != enricher_for(None).version
    assert os.fspath(path) not in shipped.taxonomy.version
