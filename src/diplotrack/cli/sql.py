"""``diplotrack sql QUERY``: read-only queries for researchers."""

from __future__ import annotations

import re

import duckdb
import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store_sandboxed

# EXPLAIN, EXPLAIN ANALYZE, and their options in parentheses: EXPLAIN (FORMAT json) SELECT …
_EXPLAIN = re.compile(r"^\s*EXPLAIN(\s+ANALY[SZ]E)?\b(\s*\([^()]*\))?", re.IGNORECASE)


_PIVOT = re.compile(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(?:UN)?PIVOT\b", re.IGNORECASE | re.DOTALL)


def single_query(query: str) -> duckdb.Statement:
    """The one read-only statement ``query`` holds: a SELECT (WITH, FROM-first, VALUES, DESCRIBE, SHOW,
    SUMMARIZE and read-only PRAGMAs parse as one), or an EXPLAIN of one. Anything else, or more than one
    statement, is a UsageError; what the statement may touch is bounded by the sandboxed connection."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise UsageError(f"the query does not parse: {common.first_line(exc)}") from None
    if len(statements) == 2 and statements[0].type == duckdb.StatementType.CREATE and _PIVOT.match(query):
        # DuckDB runs PIVOT as a CREATE of an enum type, then the query: refused as what it is
        raise UsageError("sql cannot run PIVOT (DuckDB runs it as two statements); use GROUP BY with FILTER")
    if len(statements) != 1:
        raise UsageError(
            f"give exactly one statement to sql (this query holds {len(statements)}); run them one at a time"
        )
    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        try:
            inner = duckdb.extract_statements(_EXPLAIN.sub("", statement.query, count=1))
        except duckdb.Error as exc:
            raise UsageError(f"the query failed: {common.first_line(exc)}") from None
        if len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT:
            return statement
    elif kind == duckdb.StatementType.SELECT:
        return statement
    raise UsageError(
        f"sql only reads the store: {kind.name} statements are refused; use SELECT (or WITH, DESCRIBE, "
        "SHOW, SUMMARIZE, EXPLAIN)"
    )


def _fetch_rows(result: duckdb.DuckDBPyConnection | duckdb.DuckDBPyRelation) -> list[tuple]:
    """The result's rows. DuckDB's own conversion of TIMESTAMP WITH TIME ZONE values needs pytz, which
    diplotrack does not install; through Arrow they come back as aware datetimes (zoneinfo)."""
    if not any(str(d[1]) == "TIMESTAMP WITH TIME ZONE" for d in result.description or []):
        return result.fetchall()
    table = result.to_arrow_table()
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def _is_temporal(type_name: str) -> bool:
    return type_name == "DATE" or type_name.startswith("TIMESTAMP")


def _run(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> tuple[list[str], list[tuple]]:
    """The column names and rows of ``statement``. A DATE or TIMESTAMP that is infinite comes back as
    the text ``infinity`` or ``-infinity`` (DuckDB would give Python's largest or smallest date, which
    is a real date, or fail); the query runs once, wrapped so that the columns are named by position
    (two columns may share a name) and each infinite value is taken as text."""
    if statement.type != duckdb.StatementType.SELECT:
        cur = con.execute(statement)
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], _fetch_rows(cur)
    rel = con.sql(statement.query)
    names = list(rel.columns)
    temporal = [i for i, t in enumerate(rel.types) if _is_temporal(str(t))]
    if not temporal:
        return names, _fetch_rows(rel)
    cols = [f"c{i}" for i in range(len(names))]
    values = [f"CASE WHEN isfinite(c{i}) THEN c{i} END" if i in temporal else f"c{i}" for i in range(len(names))]
    texts = [f"CASE WHEN isfinite(c{i}) THEN NULL ELSE CAST(c{i} AS VARCHAR) END" for i in temporal]
    view = "diplotrack_sql_result"
    wrapped = rel.query(view, f"SELECT {', '.join(values + texts)} FROM {view} AS {view}({', '.join(cols)})")
    rows = []
    for row in _fetch_rows(wrapped):
        out = list(row[: len(names)])
        for i, text in zip(temporal, row[len(names) :], strict=True):
            if text is not None:
                out[i] = text
        rows.append(tuple(out))
    return names, rows


def sql_command(
    query: str = typer.Argument(..., help="SQL to run; the store is opened read-only."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of row objects."),
    limit: int = typer.Option(
        1000, "--limit", min=0, help="At most this many rows in the table view (not with --json)."
    ),
) -> None:
    statement = single_query(query)
    con = open_store_sandboxed(common.STATE.db)
    try:
        names, rows = _run(con, statement)
    except duckdb.Error as exc:
        raise UsageError(f"the query failed: {common.first_line(exc)}") from None
    except (OverflowError, ValueError) as exc:  # a value Python has no type for (an interval of 2**31 days)
        raise UsageError(
            f"a value the query returned cannot be shown ({common.first_line(exc)}); cast that column to text, "
            "e.g. CAST(x AS VARCHAR)"
        ) from None
    finally:
        con.close()
    if as_json:
        common.print_json([dict(zip(names, r, strict=True)) for r in rows])
        return
    common.print_table(names, rows[:limit])  # cleaned, never read as markup, readable at 80 columns
    more = f" (showing {limit})" if len(rows) > limit else ""
    common.console.print(f"{len(rows)} row(s){more}", markup=False)
