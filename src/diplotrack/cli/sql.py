"""``diplotrack sql QUERY``: read-only queries for researchers."""

from __future__ import annotations

import re

import duckdb
import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store_sandboxed

_EXPLAIN = re.compile(r"^\s*EXPLAIN(\s+ANALY[SZ]E)?\b", re.IGNORECASE)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def single_query(query: str) -> duckdb.Statement:
    """The one read-only statement ``query`` holds: a SELECT (WITH, FROM-first, VALUES, DESCRIBE, SHOW,
    SUMMARIZE and read-only PRAGMAs parse as one), or an EXPLAIN of one. Anything else, or more than one
    statement, is a UsageError; what the statement may touch is bounded by the sandboxed connection."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise UsageError(f"the query does not parse: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise UsageError(
            f"give exactly one statement to sql (this query holds {len(statements)}); run them one at a time"
        )
    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        inner = duckdb.extract_statements(_EXPLAIN.sub("", statement.query, count=1))
        if len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT:
            return statement
    elif kind == duckdb.StatementType.SELECT:
        return statement
    raise UsageError(
        f"sql only reads the store: {kind.name} statements are refused; use SELECT (or WITH, DESCRIBE, "
        "SHOW, SUMMARIZE, EXPLAIN)"
    )


def _fetch_rows(cur: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The result's rows. DuckDB's own conversion of TIMESTAMP WITH TIME ZONE values needs pytz, which
    diplotrack does not install; through Arrow they come back as aware datetimes (zoneinfo)."""
    if not any(str(d[1]) == "TIMESTAMP WITH TIME ZONE" for d in cur.description or []):
        return cur.fetchall()
    table = cur.to_arrow_table()
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def sql_command(
    query: str = typer.Argument(..., help="SQL to run; the store is opened read-only."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of row objects."),
    limit: int = typer.Option(1000, "--limit", help="At most this many rows in the table view (not with --json)."),
) -> None:
    statement = single_query(query)
    con = open_store_sandboxed(common.STATE.db)
    try:
        try:
            cur = con.execute(statement)
        except duckdb.Error as exc:
            raise UsageError(f"the query failed: {_first_line(exc)}") from None
        if cur.description is None:
            rows, names = [], []
        else:
            names = [d[0] for d in cur.description]
            rows = _fetch_rows(cur)
    finally:
        con.close()
    if as_json:
        common.print_json([dict(zip(names, r, strict=True)) for r in rows])
        return
    common.print_table(names, rows[:limit])  # cleaned, never read as markup, readable at 80 columns
    more = f" (showing {limit})" if len(rows) > limit else ""
    common.console.print(f"{len(rows)} row(s){more}", markup=False)
