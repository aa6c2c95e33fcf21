"""``diplotrack sql QUERY``: read-only queries for researchers."""

from __future__ import annotations

import duckdb
import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store_read_only


def sql_command(
    query: str = typer.Argument(..., help="SQL to run; the store is opened read-only."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of row objects."),
    limit: int = typer.Option(1000, "--limit", help="At most this many rows in the table view (not with --json)."),
) -> None:
    con = open_store_read_only(common.STATE.db)
    try:
        try:
            cur = con.execute(query)
        except duckdb.Error as exc:
            raise UsageError(f"the query failed: {str(exc).strip().splitlines()[0]}") from None
        if cur.description is None:
            rows, names = [], []
        else:
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
    finally:
        con.close()
    if as_json:
        common.print_json([dict(zip(names, r, strict=True)) for r in rows])
        return
    common.print_table(names, rows[:limit])  # cleaned, never read as markup, readable at 80 columns
    more = f" (showing {limit})" if len(rows) > limit else ""
    common.console.print(f"{len(rows)} row(s){more}", markup=False)
