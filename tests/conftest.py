"""Shared fixtures: fixture folders and a fresh temporary store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

from diplotrack.store.db import open_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

# Hypothesis on CI (CI=true): every failing example is saved in tests/.hypothesis-examples (in the
# repository, so a CI job can keep it as an artifact or commit it) and the log prints its
# ``@reproduce_failure(...)`` blob. To replay a failure from CI, either
#   - copy the job's tests/.hypothesis-examples into your checkout (or pull the commit that added it)
#     and run the test with CI=true (or HYPOTHESIS_PROFILE=ci): Hypothesis replays saved examples first;
#   - or paste the printed ``@reproduce_failure("...", b"...")`` decorator above the failing test.
# Settings objects made in test modules inherit from the profile loaded here (conftest loads first).
EXAMPLES_DB = ROOT / "tests" / ".hypothesis-examples"
settings.register_profile("ci", database=DirectoryBasedExampleDatabase(str(EXAMPLES_DB)), print_blob=True)
_profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else None)
if _profile:
    settings.load_profile(_profile)


def _demo_dir() -> Path:
    try:
        from diplotrack.demo import demo_data_dir

        return demo_data_dir()
    except ImportError:  # the demo module not there yet: the bundled files, from the source tree
        return ROOT / "src" / "diplotrack" / "data" / "demo"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def twarc_dir() -> Path:
    return FIXTURES / "x-v2" / "twarc2"


@pytest.fixture(scope="session")
def tweepy_dir() -> Path:
    return FIXTURES / "x-v2" / "tweepy"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return _demo_dir()


@pytest.fixture(scope="session")
def new_store(tmp_path_factory):
    """``new_store(path)``: a fresh, migrated store at ``path`` (a copy of one made once per session:
    creating the schema on disk costs about half a second)."""
    template = tmp_path_factory.mktemp("template") / "template.duckdb"
    open_store(template).close()

    def make(path: Path):
        shutil.copyfile(template, path)
        return open_store(path)

    return make


@pytest.fixture
def con(tmp_path, new_store):
    """A fresh store in a temporary folder, closed after the test."""
    c = new_store(tmp_path / "s.duckdb")
    yield c
    c.close()


@pytest.fixture
def rows():
    """``rows(con, sql, *params)``: the result as a list of dicts."""

    def run(con, sql: str, *params) -> list[dict]:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return run
