"""The demo store, built once for all the analysis tests (building it takes a few seconds)."""

from __future__ import annotations

import duckdb
import pytest

from diplotrack.analyses.base import tables_from_duckdb
from diplotrack.demo import build_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo store (bundled roster and real timelines) as Ibis tables, read-only."""
    path = tmp_path_factory.mktemp("demo") / "d.duckdb"
    build_demo(path)
    con = duckdb.connect(str(path), read_only=True)
    yield tables_from_duckdb(con)
    con.close()
