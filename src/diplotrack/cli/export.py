"""``diplotrack export --format parquet|csv --out DIR [--partition-by platform,month]``"""

from __future__ import annotations

from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.export.layout import parse_partition_by
from diplotrack.export.tables import export_tables
from diplotrack.store.db import open_store_read_only


def export_command(
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv"),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder to write the tables and manifest.json into (new, empty, or an earlier export)."
    ),
    partition_by: str = typer.Option(
        None,
        "--partition-by",
        help="Hive-partition Parquet by platform, month or platform,month (one folder per table).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    columns = parse_partition_by(partition_by)
    if fmt not in ("parquet", "csv"):
        raise UsageError(f"--format {fmt!r} is not supported; use parquet or csv")
    if columns and fmt != "parquet":
        raise UsageError("--partition-by works with --format parquet only; drop it or use parquet")
    con = open_store_read_only(common.STATE.db)
    try:
        written = export_tables(con, out, fmt, columns)
    finally:
        con.close()
    if as_json:
        common.print_json(written)
        return
    total = sum(w["rows"] for w in written)
    layout = f", partitioned by {','.join(columns)}" if columns else ""
    common.console.print(f"exported {len(written)} tables ({total} rows) as {fmt}{layout} to {out}", markup=False)
