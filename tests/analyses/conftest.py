"""The demo store for all the analysis tests (a copy of the one built once per run: tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from diplotrack.analyses.base import tables_from_duckdb


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path):
    """The demo store (bundled roster and real timelines) as Ibis tables, read-only."""
    path = tmp_path_factory.mktemp("demo") / "d.duckdb"
    shutil.copyfile(demo_template, path)
    con = duckdb.connect(str(path), read_only=True)
    yield tables_from_duckdb(con)
    con.close()
