"""``diplotrack export --format parquet|csv --out DIR``"""

from __future__ import annotations

from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.export.tables import export_tables
from diplotrack.store.db import open_store_read_only


def export_command(
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv"),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write one file per public table into."),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    if fmt not in ("parquet", "csv"):
        raise UsageError(f"--format {fmt!r} is not supported; use parquet or csv")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder to write the tables into")
    con = open_store_read_only(common.STATE.db)
    try:
        written = export_tables(con, out, fmt)
    finally:
        con.close()
    if as_json:
        common.print_json(written)
        return
    total = sum(w["rows"] for w in written)
    common.console.print(f"exported {len(written)} tables ({total} rows) as {fmt} to {out}", markup=False)
