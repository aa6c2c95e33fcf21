"""``diplotrack export`` is for data pipelines: values come out exactly as stored, with no
spreadsheet apostrophe (that is the report's tables/*.csv only)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from diplotrack.export.tables import export_tables
from diplotrack.records import Post, Provenance
from diplotrack.store.db import open_store
from diplotrack.store.writer import StoreWriter

TEXT = '=HYPERLINK("http://x") +1 -2 @a'


def test_export_keeps_formula_like_text_exact(tmp_path: Path) -> None:
    con = open_store(tmp_path / "s.duckdb")
    try:
        w = StoreWriter(con, 0)
        w.add_post(Post("x", "1", "9", "=cmd", datetime(2022, 1, 1), TEXT, "en", "original", Provenance("t")))
        w.flush()
        export_tables(con, tmp_path / "csv", "csv")
        export_tables(con, tmp_path / "pq", "parquet")
    finally:
        con.close()
    with open(tmp_path / "csv" / "posts.csv", newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert (row["text"], row["author_handle"]) == (TEXT, "=cmd")
    table = pq.read_table(tmp_path / "pq" / "posts.parquet").to_pylist()[0]
    assert (table["text"], table["author_handle"]) == (TEXT, "=cmd")
