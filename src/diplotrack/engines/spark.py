"""Running the analyses on Apache Spark (docs/scale.md): a Spark session, and the tables of a Parquet
export (``diplotrack export --format parquet``) as Ibis tables on Ibis's PySpark backend.

pyspark is the optional extra ``diplotrack[spark]``; it is imported only when a session starts, so
that everything else runs without it (and without Java). ``check_requirements`` says, in one
sentence, what is missing.

Beside the Spark tables, ``driver_connection`` opens an in-memory DuckDB on the driver with a view of
every exported table over the same Parquet files: the few steps that are not Ibis expressions yet
(``networks/`` SQL other than the edge aggregation, the import-run listing) read it. That part runs on
one machine, whatever the cluster (docs/scale.md says where it stops).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from diplotrack.analyses.base import Tables, rollups_enabled, tables_on
from diplotrack.errors import UsageError
from diplotrack.export.layout import EXPORTED_TABLES

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from diplotrack.report.model import ReportOptions, ReportResult

DEFAULT_MASTER = "local[*]"
LOCAL_SHUFFLE_PARTITIONS = "8"
INSTALL_SPARK = "pip install 'diplotrack[spark]'"
INSTALL_JAVA = "apt-get install openjdk-17-jre-headless"

# what every session gets unless --spark-conf says otherwise
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    # partition values stay strings (month=2024-05 is not a date, platform=x not a number)
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # list an export's partition folders on the driver: above 32 folders Spark starts a job for it
    # (about 1.5 s of the 2 s reading the demo export's tables took)
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "10000",
    "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{Path(__file__).with_name('log4j2.properties')}",
}


def java_found() -> bool:
    """Whether a Java runtime is there: ``$JAVA_HOME/bin/java`` or ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def missing_requirement() -> str | None:
    """One sentence saying what Spark needs that this machine lacks, or None."""
    if find_spec("pyspark") is None:
        return f"Spark is not installed; install the extra with `{INSTALL_SPARK}` and run the command again."
    if not java_found():
        return (
            "Spark needs a Java runtime (17 or 21) and none was found; install one "
            f"(Debian/Ubuntu: `{INSTALL_JAVA}`) or set JAVA_HOME, and run the command again."
        )
    return None


def check_requirements() -> None:
    """Raise ``UsageError`` (one sentence: what to install) when pyspark or Java is missing."""
    problem = missing_requirement()
    if problem:
        raise UsageError(problem)


def parse_conf(items: list[str] | None) -> dict[str, str]:
    """``["spark.executor.memory=4g", …]`` -> a dict; a malformed item is a ``UsageError``."""
    conf: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--spark-conf {item!r} is not KEY=VALUE; give e.g. --spark-conf spark.driver.memory=4g")
        conf[key.strip()] = value
    return conf


def start_session(master: str = DEFAULT_MASTER, conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session for ``master`` (``local[*]``, ``spark://host:7077``, ``sc://host:15002`` for Spark
    Connect …) with ``DEFAULT_CONF`` overridden by ``conf``."""
    check_requirements()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a local session listens on loopback only
    if master.startswith("local"):  # its Python workers run this interpreter (it has diplotrack and pyarrow)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    settings = {**DEFAULT_CONF, "spark.sql.warehouse.dir": tempfile.mkdtemp(prefix="diplotrack-spark-")}
    if master.startswith("local"):
        # one machine: few shuffle partitions (Spark's 200 cost more to schedule than they hold); on a
        # cluster Spark's default stands, and adaptive execution merges the small ones
        settings["spark.sql.shuffle.partitions"] = LOCAL_SHUFFLE_PARTITIONS
    settings.update(conf or {})
    builder = SparkSession.builder.appName("diplotrack")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if not master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def session_for(master: str, conf: dict[str, str] | None) -> tuple[SparkSession, bool]:
    """(the session to run on, whether the caller owns it and must stop it): the active session if the
    process has one (left running; its master and settings stand: ``getOrCreate`` would return it
    anyway), else a new one for ``master`` and ``conf``."""
    check_requirements()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    return start_session(master, conf), True


@dataclass(frozen=True)
class Export:
    """What a Parquet export holds: its manifest, each table's Parquet (a file, or a Hive-partitioned
    folder) and the table's columns in the store's order."""

    folder: Path
    manifest: dict[str, Any]
    paths: dict[str, Path]
    columns: dict[str, list[str]]

    @property
    def rollups_current(self) -> bool:
        """Whether the exported rollups were current when exported (they may answer day-aligned windows)."""
        return bool(self.manifest.get("rollups_current"))


def read_export(folder: Path) -> Export:
    """The export in ``folder`` (its ``manifest.json``); a ``UsageError`` when it is not one."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise UsageError(
            f"{folder} is not a diplotrack export (no manifest.json); write one with "
            f"`diplotrack export --format parquet --out {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        tables = manifest["tables"]
        fmt = manifest.get("format")
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} cannot be read ({type(exc).__name__}); export the store again") from exc
    if fmt != "parquet":
        raise UsageError(f"{folder} holds a {fmt} export; Spark reads Parquet: export with --format parquet")
    paths: dict[str, Path] = {}
    columns: dict[str, list[str]] = {}
    for name, spec in tables.items():
        if name not in EXPORTED_TABLES:  # the view names come from our own list, never from the file
            continue
        p = (folder / spec["path"]).resolve()
        if not p.is_relative_to(folder.resolve()) or not p.exists():
            raise UsageError(f"{path}: the table {name!r} points at {spec['path']!r}, which is not in the export")
        paths[name] = p
        columns[name] = list(spec.get("columns") or [])
    return Export(folder, manifest, paths, columns)


def _source(path: Path) -> str:
    return str(path / "**" / "*.parquet") if path.is_dir() else str(path)


def spark_tables(session: SparkSession, export: Export) -> Tables:
    """Every exported table as a Spark temporary view (the store's columns in the store's order: the
    ``month`` partition column an export adds is left out) wrapped as ``Tables`` on Ibis's PySpark backend."""
    import ibis

    for name, path in export.paths.items():
        # a folder is read with partition discovery: platform=x/month=y/ become columns again
        df = session.read.parquet(str(path))
        cols = export.columns[name] or [c for c in df.columns if c != "month"]
        df.select(*cols).createOrReplaceTempView(name)
    return tables_on(ibis.pyspark.connect(session), rollups=rollups_enabled() and export.rollups_current)


def driver_connection(export: Export) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB on the driver with one view per exported table over its Parquet files (the
    store's columns in the store's order), for the steps that are not Ibis expressions yet."""
    con = duckdb.connect()
    for name, path in export.paths.items():
        relation = con.read_parquet(_source(path), hive_partitioning=path.is_dir())
        cols = export.columns[name] or [c for c in relation.columns if c != "month"]
        relation.select(*(duckdb.ColumnExpression(c) for c in cols)).create_view(name)
    return con


def unenriched_posts(export: Export) -> int:
    """How many more posts than enrichment rows the export's manifest counts (0 when all are enriched)."""
    rows = {name: int(spec.get("rows") or 0) for name, spec in export.manifest["tables"].items()}
    return max(rows.get("posts", 0) - rows.get("post_enrichment", 0), 0)


def report_on_spark(
    data: Path,
    out: Path,
    opts: ReportOptions,
    *,
    master: str = DEFAULT_MASTER,
    conf: dict[str, str] | None = None,
    notify: Callable[[str], None] | None = None,
    session: SparkSession | None = None,
) -> ReportResult:
    """``diplotrack report --engine spark``: the report of the export in ``data``, computed on Spark
    (the analyses through Ibis's PySpark backend), written into ``out`` like the DuckDB one. The result
    cache is the store's (beside its file) and is not used. ``notify`` is told what the export lacks (its
    enrichment). ``session``: run on this one (left running); else on the process's active session
    (left running) or a new one for ``master`` and ``conf`` (stopped at the end)."""
    from diplotrack.analyses.network_analyses import DRIVER_CON
    from diplotrack.report.build import build_report

    check_requirements()
    export = read_export(data)
    unenriched = unenriched_posts(export)
    if unenriched and notify is not None:
        notify(
            f"the export holds no enrichment for {unenriched:,} posts: languages, topics and tone leave them out "
            f"(coverage says so); run `diplotrack enrich --engine spark --data {data}` to add it"
        )
    session, own = (session, False) if session is not None else session_for(master, conf)
    driver = driver_connection(export)
    try:
        t = spark_tables(session, export)
        t.extra[DRIVER_CON] = driver
        return build_report(driver, out, opts, cache=False, tables=t)
    finally:
        driver.close()
        if own:
            session.stop()
