"""Writing the report's files so that what people open is safe to open.

``tables/*.csv`` are opened in spreadsheets: a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading apostrophe, so a spreadsheet shows it
as text instead of running it as a formula (numbers are written as they are). ``diplotrack export``
is for data pipelines and writes every value exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = pa.array(FORMULA_START, pa.string())


def spreadsheet_text(value: str) -> str:
    """A text cell as a spreadsheet must show it: an apostrophe before a would-be formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _neutralise(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    starts = pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=_FORMULA_START.cast(column.type))
    if not pc.any(starts).as_py():  # the usual case: nothing to change, no copy made
        return column
    quoted = pc.binary_join_element_wise(pa.scalar("'", column.type), column, pa.scalar("", column.type))
    return pc.if_else(starts, quoted, column)


def _is_text(field: pa.Field) -> bool:
    t = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def write_csv(df: pd.DataFrame, path: Path | BinaryIO) -> None:
    """A result table as CSV with a header row, for spreadsheets (Arrow's writer: several times
    pandas' speed); lists of text are written joined with "; "; text cells that would start a
    formula get a leading apostrophe. ``path`` may be an open binary file (the dashboard's downloads)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, field_ in enumerate(table.schema):
        if pa.types.is_list(field_.type) and pa.types.is_string(field_.type.value_type):
            table = table.set_column(i, field_.name, pc.binary_join(table.column(i), "; "))
    if any(pa.types.is_nested(f.type) for f in table.schema):  # what Arrow's writer cannot write
        out = df.rename(columns=lambda c: spreadsheet_text(str(c)))
        for c in out.columns:
            if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
                out[c] = out[c].map(lambda v: spreadsheet_text(v) if isinstance(v, str) else v)
        out.to_csv(path, index=False)
        return
    for i, field_ in enumerate(table.schema):
        if _is_text(field_):
            table = table.set_column(i, field_.name, _neutralise(table.column(i)))
    table = table.rename_columns([spreadsheet_text(str(n)) for n in table.column_names])
    pacsv.write_csv(table, path, pacsv.WriteOptions(include_header=True))
