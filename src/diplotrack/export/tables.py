"""Exporting the public tables to Parquet or CSV, one file per table (readable by pandas and Spark)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from diplotrack.store.db import PUBLIC_TABLES


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_tables(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> list[dict]:
    """Write ``<out>/<table>.<fmt>`` for each public table; returns ``[{table, path, rows}]``.

    CSV has a header row; list and struct columns are written as DuckDB's text form of them.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in PUBLIC_TABLES:
        target = out / f"{table}.{fmt}"
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
        # table names come from our own constant; the path is quoted as a SQL string literal
        con.execute(f"COPY (SELECT * FROM {table}) TO {_quote_path(target)} ({options})")
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        written.append({"table": table, "path": str(target), "rows": rows})
    return written
