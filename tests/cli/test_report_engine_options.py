"""``report --engine spark``: the options are checked before anything starts, each refusal is one
sentence naming the option (exit 2, no traceback), and a machine without pyspark or Java is told what
to install. The report itself on Spark: tests/spark/test_report_equivalence.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_inprocess import cli
from diplotrack.engines import spark
from diplotrack.errors import UsageError


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--engine", "spark"], "give its folder with --data DIR"),
        (["--data", "somewhere"], "--data only apply with --engine spark"),
        (["--spark-conf", "a=b"], "--spark-conf only apply with --engine spark"),
        (["--engine", "sparkle", "--data", "x"], "--engine 'sparkle' is not supported; use duckdb or spark"),
        (["--engine", "spark", "--data", "x", "--spark-conf", "novalue"], "is not KEY=VALUE"),
        (["--engine", "spark", "--data", "x", "--topics", "t.yaml"], "--topics applies when enriching"),
    ],
)
def test_engine_options_are_checked(tmp_path: Path, args: list[str], says: str) -> None:
    r = cli("report", "--out", str(tmp_path / "r"), *args, db=tmp_path / "none.duckdb")
    assert r.returncode == 2, r.stderr
    assert says in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "r").exists()
    assert not (tmp_path / "none.duckdb").exists()  # the store is not touched


def test_a_folder_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    if spark.missing_requirement():
        pytest.skip("the requirement check comes first here: " + str(spark.missing_requirement()))
    (tmp_path / "notes.txt").write_text("not an export")
    r = cli("report", "--engine", "spark", "--data", str(tmp_path), "--out", str(tmp_path / "r"))
    assert r.returncode == 2
    assert "is not a diplotrack export (no manifest.json)" in r.stderr


def test_a_csv_export_or_a_manifest_pointing_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "csv", "tables": {}}))
    with pytest.raises(UsageError, match="holds a csv export; Spark reads Parquet"):
        spark.read_export(tmp_path)
    outside = {"format": "parquet", "tables": {"posts": {"path": "../../etc", "rows": 1}}}
    (tmp_path / "manifest.json").write_text(json.dumps(outside))
    with pytest.raises(UsageError, match="not in the export"):
        spark.read_export(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(UsageError, match="cannot be read"):
        spark.read_export(tmp_path)


def test_without_java_the_user_is_told_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.delenv("JAVA_HOME", raising=False)
    problem = spark.missing_requirement()
    assert problem is not None
    assert "openjdk-17-jre-headless" in problem or "pip install 'diplotrack[spark]'" in problem
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "parquet", "tables": {}}))
    r = cli("report", "--engine", "spark", "--data", str(tmp_path), "--out", str(tmp_path / "r"))
    assert r.returncode == 2
    assert problem in r.stderr
    assert "Traceback" not in r.stderr


def test_spark_conf_is_parsed() -> None:
    assert spark.parse_conf(["spark.driver.memory=4g", "spark.x=a=b"]) == {
        "spark.driver.memory": "4g",
        "spark.x": "a=b",
    }
