# Two entry points (see README): `make demo` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: demo test setup setup-test setup-spark lint bench lock clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("diplotrack needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(TEST_STAMP): $(STAMP) requirements-test.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-test.lock
	touch $@

# the optional Spark engine (docs/scale.md) and its tests: pyspark, pinned with the test tools; needs Java 17/21
$(SPARK_STAMP): $(TEST_STAMP) requirements-spark.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-spark.lock
	touch $@

setup: $(STAMP)

setup-test: $(TEST_STAMP)

setup-spark: $(SPARK_STAMP)

demo: $(STAMP)
	$(BIN)/diplotrack demo

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python -m pytest -n 2 --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/import_bench.py

lock: $(BIN)/python
	$(BIN)/python -m pip install -q uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 --no-header
	$(BIN)/uv pip compile pyproject.toml --extra test -o requirements-test.lock --python-version 3.11 --no-header
	$(BIN)/uv pip compile pyproject.toml --extra test --extra spark -c requirements-test.lock -o requirements-spark.lock --python-version 3.11 --no-header
	$(BIN)/uv pip compile pyproject.toml --extra train -o requirements-train.lock --python-version 3.11 --no-header

clean:
	rm -rf $(VENV) diplotrack.duckdb diplotrack.duckdb.wal
