"""Column types every Parquet reader takes (Spark, DuckDB, pandas/pyarrow, Polars).

DuckDB writes some of its types in ways Spark refuses or misreads: ``TIMESTAMP_NS`` (nanosecond
timestamps are illegal for Spark), unsigned integers, ``HUGEINT``, and types Parquet has no
portable form of (``UNION``, ``MAP``, ``INTERVAL``, ``TIME``, ``UUID``, ``BIT``, ``ENUM``).
``portable_type`` says what to cast a column to before writing; the store's own tables use none of
the odd ones today except ``HUGEINT`` (the rollups' summed engagement), but a later migration may.
"""

from __future__ import annotations

import duckdb

# exact, lossless replacements (a HUGEINT/UHUGEINT beyond 38 digits makes the export fail, not round)
_REPLACED = {
    "timestamp_ns": "TIMESTAMP",
    "timestamp_ms": "TIMESTAMP",
    "timestamp_s": "TIMESTAMP",
    "hugeint": "DECIMAL(38,0)",
    "uhugeint": "DECIMAL(38,0)",
    "ubigint": "DECIMAL(20,0)",
    "uinteger": "BIGINT",
    "usmallint": "INTEGER",
    "utinyint": "SMALLINT",
}
# no portable Parquet form: written as DuckDB's text of the value
_AS_TEXT = {
    "union",
    "map",
    "interval",
    "time",
    "time_ns",
    "time with time zone",
    "uuid",
    "bit",
    "enum",
    "varint",
    "bignum",
}


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rewrite(t: duckdb.DuckDBPyType) -> tuple[str, bool]:
    """(the type's SQL, whether anything in it had to change)."""
    kind = t.id
    if kind in _REPLACED:
        return _REPLACED[kind], True
    if kind in _AS_TEXT:
        return "VARCHAR", True
    if kind == "struct":
        fields = [(name, _rewrite(child)) for name, child in t.children]
        changed = any(c for _, (_, c) in fields)
        return "STRUCT(" + ", ".join(f"{_quote_name(n)} {sql}" for n, (sql, _) in fields) + ")", changed
    if kind in ("list", "array"):
        sql, changed = _rewrite(t.children[0][1])
        return f"{sql}[]", changed or kind == "array"  # a fixed-size array is written as a list
    return str(t), False


def portable_type(t: duckdb.DuckDBPyType) -> str | None:
    """The type to cast a column of type ``t`` to before writing Parquet, or None to keep it."""
    sql, changed = _rewrite(t)
    return sql if changed else None


def select_list(con: duckdb.DuckDBPyConnection, table: str, alias: str) -> tuple[str, dict[str, str]]:
    """``alias."col", CAST(alias."other" AS T) AS "other", ...`` for every column of ``table`` and
    the casts made ({column: type})."""
    rel = con.table(table)
    items, casts = [], {}
    for name, t in zip(rel.columns, rel.types, strict=True):
        column = f"{alias}.{_quote_name(name)}"
        target = portable_type(t)
        if target is None:
            items.append(column)
        else:
            casts[name] = target
            items.append(f"CAST({column} AS {target}) AS {_quote_name(name)}")
    return ", ".join(items), casts
