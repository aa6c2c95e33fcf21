"""The demo store, enriched (a copy of the one built once per run), for the dashboard tests, a connection for
the tests' own SQL, and an app client
(Starlette's TestClient: the real app in-process, requests addressed to 127.0.0.1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from diplotrack.serve.app import create_app
from diplotrack.serve.reader import StoreReader


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> Path:
    """The enriched demo store (do not write to it: tests share it)."""
    path = tmp_path_factory.mktemp("serve-demo") / "demo.duckdb"
    shutil.copyfile(enriched_demo_template, path)
    return path


@pytest.fixture(scope="session")
def con(demo_db: Path):
    """A read-only connection of its own to the demo store, for the tests' independent SQL."""
    c = duckdb.connect(str(demo_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="session")
def reader(demo_db: Path):
    r = StoreReader(demo_db)
    yield r
    r.close()


@pytest.fixture(scope="session")
def client(reader: StoreReader):
    """The dashboard over the demo store, as a browser on the same machine reaches it."""
    with TestClient(create_app(reader, host="127.0.0.1", port=8000), base_url="http://127.0.0.1:8000") as c:
        yield c
