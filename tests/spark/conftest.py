"""The Spark tests (issue 18): a real local Spark session (``local[2]``) through pyspark and Java.

They need the Spark extra (``pip install 'diplotrack[spark]'``) and a Java runtime (17 or 21). Without
them the tests skip on a developer's machine, saying what to install, and fail in CI (``CI=true``),
where ``.ci/run`` installs both: they must run there, never skip.

One session serves the whole test run of a worker (starting one costs 5–8 s); the demo store's
export is made once per run and shared (``demo_export`` in tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from diplotrack.engines import spark as engine

# the tests' data are tiny: adaptive execution's extra stages cost more than they save there
TEST_CONF = {"spark.sql.adaptive.enabled": "false"}


def _require_spark() -> None:
    problem = engine.missing_requirement()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the Spark tests cannot run: {problem} (.ci/run installs both)")
    pytest.skip(f"the Spark tests need Spark and Java: {problem}")


@pytest.fixture(scope="session")
def spark_session():
    """A local Spark session with two cores, stopped at the end of the run."""
    _require_spark()
    session = engine.start_session(
        "local[2]", {"spark.sql.shuffle.partitions": "4", "spark.driver.memory": "1g", **TEST_CONF}
    )
    yield session
    session.stop()
