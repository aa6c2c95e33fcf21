"""Exporting the public tables and the rollups to Parquet or CSV (readable by Spark, DuckDB,
pandas and Polars), with a ``manifest.json``.

Without partitioning, one file per table: ``<out>/<table>.parquet`` (or ``.csv``). With
``partition_by`` (Parquet only), one folder per table, Hive-partitioned as ``layout`` says:
``<out>/posts/platform=x/month=2024-05/part-0.parquet``; a table written unpartitioned, or an empty
one, is ``<out>/<table>/part-0.parquet``. The export is built beside ``out`` and swapped in whole
(``folder``). Every path reaches DuckDB as a bound parameter, never as SQL text.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from diplotrack.errors import UsageError
from diplotrack.export import folder
from diplotrack.export.layout import EXPORTED_TABLES, TablePlan, plan_table
from diplotrack.export.manifest import write_manifest
from diplotrack.export.portable_types import select_list

_PARQUET = "FORMAT parquet, COMPRESSION zstd"
_CSV = "FORMAT csv, HEADER true"


def _plan(con: duckdb.DuckDBPyConnection, table: str, fmt: str, partition_by: tuple[str, ...]) -> TablePlan:
    if fmt == "csv":  # text: DuckDB's own text form of every value, no cast needed
        return TablePlan(table, f"SELECT * FROM {table}", (), None, {})
    select, casts = select_list(con, table, "t")
    return plan_table(table, con.table(table).columns, select, casts, partition_by)


def _write(con: duckdb.DuckDBPyConnection, plan: TablePlan, root: Path, fmt: str, partitioned: bool) -> dict:
    # table names come from our own constant; every path is a bound parameter
    if not partitioned:
        target = root / f"{plan.table}.{fmt}"
        rows = con.execute(f"COPY ({plan.query}) TO ? ({_PARQUET if fmt == 'parquet' else _CSV})", [str(target)])
        rows = rows.fetchone()[0]
    else:
        target = root / plan.table
        count = con.execute(f"SELECT count(*) FROM {plan.table}").fetchone()[0]
        if plan.partition_columns and count:
            columns = ", ".join(plan.partition_columns)
            options = f"{_PARQUET}, PARTITION_BY ({columns}), FILENAME_PATTERN 'part-{{i}}'"
            rows = con.execute(f"COPY ({plan.query}) TO ? ({options})", [str(target)]).fetchone()[0]
        else:  # unpartitioned, or empty (one file with no rows keeps the columns readable)
            target.mkdir()
            rows = con.execute(f"COPY ({plan.query}) TO ? ({_PARQUET})", [str(target / "part-0.parquet")])
            rows = rows.fetchone()[0]
        if rows != count:
            raise RuntimeError(f"{plan.table}: wrote {rows} rows of {count}")  # a bug of ours, not the user's
    return {
        "table": plan.table,
        "path": str(target),
        "rows": rows,
        "partition_columns": list(plan.partition_columns),
        "month_from": plan.month_from,
        "casts": plan.casts,
    }


def export_tables(
    con: duckdb.DuckDBPyConnection, out: Path, fmt: str, partition_by: tuple[str, ...] = ()
) -> list[dict]:
    """Write every public table and rollup under ``out`` with a ``manifest.json``; returns
    ``[{table, path, rows, partition_columns, month_from, casts}]`` (paths as they are once done).

    CSV has a header row; list and struct columns are written as DuckDB's text form of them.
    ``out`` is replaced whole if it holds an earlier export, refused if it holds anything else.
    """
    if fmt not in ("parquet", "csv"):
        raise UsageError(f"--format {fmt!r} is not supported; use parquet or csv")
    if partition_by and fmt != "parquet":
        raise UsageError("--partition-by works with --format parquet only; drop it or use parquet")
    out = Path(os.path.abspath(out))
    staging = folder.stage(out)
    try:
        written = [
            _write(con, _plan(con, t, fmt, partition_by), staging, fmt, bool(partition_by)) for t in EXPORTED_TABLES
        ]
        write_manifest(con, staging, fmt, partition_by, written)
        folder.publish(staging, out)
    except BaseException:
        folder.discard(staging)
        raise
    for w in written:
        w["path"] = str(out / Path(w["path"]).relative_to(staging))
    return written
