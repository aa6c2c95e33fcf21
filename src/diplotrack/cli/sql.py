"""``diplotrack sql QUERY``: read-only queries for researchers."""

from __future__ import annotations

import duckdb
import typer
from rich.table import Table
from rich.text import Text

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
    table = Table(show_lines=False)
    for n in names:
        table.add_column(Text(n))
    for r in rows[:limit]:  # Text(): stored content is shown as it is, never read as Rich markup
        table.add_row(*(Text("" if v is None else str(v)) for v in r))
    common.console.print(table)
    more = f" (showing {limit})" if len(rows) > limit else ""
    common.console.print(f"{len(rows)} row(s){more}", markup=False)
