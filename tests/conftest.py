"""Shared fixtures: fixture folders, a fresh temporary store, and the demo store (plain and
enriched) built once per test run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
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


def _built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A file ``build(path)`` makes, made once per test run: under pytest-xdist the workers share the
    run's temporary folder, the first to need the file builds it while holding a lock and the others
    wait for it (each would otherwise spend the same seconds building its own)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: each worker builds its own
        fcntl = None  # type: ignore[assignment]
    base = factory.getbasetemp()
    if fcntl is not None and os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-of-USER/pytest-N/: this run's, shared by its workers
    folder = base / "built-once"
    folder.mkdir(exist_ok=True)
    path = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = folder / f"building-{name}"
            building.unlink(missing_ok=True)  # what a worker that failed here left
            build(building)
            assert not Path(f"{building}.wal").exists(), "a template store must be closed (checkpointed)"
            os.replace(building, path)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store as ``build_demo`` makes it, built once per run. Never open it for writing or
    hold it open: tests copy it (``shutil.copyfile``) and use the copy."""
    from diplotrack.demo import build_demo

    return _built_once(tmp_path_factory, "demo.duckdb", lambda path: build_demo(path))


@pytest.fixture(scope="session")
def enriched_demo_template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo store enriched (``enrich_store``: languages, topics, tone, links), built once per run;
    copy it as ``demo_template``."""
    from diplotrack.enrich.run import enrich_store

    def build(path: Path) -> None:
        shutil.copyfile(demo_template, path)
        con = open_store(path)
        try:
            enrich_store(con)
        finally:
            con.close()

    return _built_once(tmp_path_factory, "demo-enriched.duckdb", build)


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> tuple[Path, Path]:
    """(the enriched demo store, its Parquet export partitioned by platform and month), made once per
    run: copy the store before opening it; never write into the export."""
    from diplotrack.export.tables import export_tables
    from diplotrack.store.db import open_store_read_only

    def build(path: Path) -> None:
        con = open_store_read_only(enriched_demo_template)
        try:
            export_tables(con, path, "parquet", ("platform", "month"))
        finally:
            con.close()

    return enriched_demo_template, _built_once(tmp_path_factory, "demo-export", build)
