"""The report computed on Spark (``report --engine spark`` over a Parquet export) equals the report
DuckDB computes from the store: every table and summary.json, exactly for counts and text, within a
relative 1e-9 for floating-point figures (sums and divisions may round in another order), and within
one unit of the last decimal for the figures an analysis rounds (``_close_text``). Checked on the
real demo store (the whole store) and on a random synthetic store (bench/synthetic.py, a fresh seed each
run, printed on failure; ``DIPLOTRACK_TEST_SEED`` replays one) with a day-aligned window and a kind filter.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from diplotrack.analyses.base import Filters
from diplotrack.engines.spark import report_on_spark
from diplotrack.export.tables import export_tables
from diplotrack.report.build import build_report
from diplotrack.report.model import ReportOptions
from diplotrack.store.db import open_store_read_only

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import synthetic  # noqa: E402

RELATIVE = 1e-9
VOLATILE = ("generated_at", "timings", "seconds")  # when and how fast, not what


def _decimals(text: str) -> int | None:
    """How many decimals the text of a decimal fraction has (None: not one, e.g. an integer or a word)."""
    try:
        value = float(text)
    except ValueError:
        return None
    whole, dot, frac = text.strip().partition(".")
    if not math.isfinite(value) or not dot or not frac.isdigit() or "e" in text.lower():
        return None
    return len(frac)


def _close_text(a: str, b: str) -> bool:
    """Two printed decimal fractions agree: within RELATIVE, or, where the analysis rounded to a few
    decimals (at most 6), within one unit of the last one: a value on the
    rounding boundary (a mean of 0.21085) rounds either way when its sum was added in another order."""
    da, db = _decimals(a), _decimals(b)
    if da is None or db is None:
        return False
    x, y = float(a), float(b)
    if math.isclose(x, y, rel_tol=RELATIVE, abs_tol=0.0):
        return True
    places = max(da, db)  # the CSV drops trailing zeros: 0.2480 is written 0.248
    return places <= 6 and abs(x - y) <= 10.0**-places * (1 + 1e-6)


def same_value(a: Any, b: Any) -> bool:
    """Equal, except that two floats may differ by RELATIVE (cells of a CSV are compared as text,
    and as floats only when both are decimal fractions)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if (
            isinstance(a, bool)
            or isinstance(b, bool)
            or not isinstance(a, int | float)
            or not isinstance(b, int | float)
        ):
            return a == b
        return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=0.0)
    if isinstance(a, str) and isinstance(b, str) and a != b:
        return _close_text(a, b)
    return bool(a == b)


def report_contents(out: Path) -> dict[str, Any]:
    """Each table's rows (as CSV text cells, header first) and summary.json without its volatile keys."""
    contents: dict[str, Any] = {}
    for path in sorted((out / "tables").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            contents[path.name] = list(csv.reader(fh))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in VOLATILE:
        summary.pop(key, None)
    contents["summary.json"] = summary
    return contents


def assert_same_report(duck: Path, spark: Path, label: str) -> None:
    a, b = report_contents(duck), report_contents(spark)
    assert a.keys() == b.keys(), f"{label}: tables only one engine wrote: {sorted(a.keys() ^ b.keys())}"
    assert len(a) > 2, f"{label}: the report wrote no tables"
    differing = []
    for name in a:
        if not same_value(a[name], b[name]):
            rows = a[name] if isinstance(a[name], list) else []
            differing.append(f"{name} ({len(rows)} rows on DuckDB, {len(b[name]) if rows else ''})")
    assert not differing, f"{label}: Spark's report differs from DuckDB's in {differing}"


def test_same_value_tells_rounding_from_difference() -> None:
    assert same_value([["share"], ["0.3333333333333333"]], [["share"], ["0.33333333333333326"]])
    assert not same_value([["posts"], ["10"]], [["posts"], ["11"]])
    assert same_value([["mean"], ["0.2109"]], [["mean"], ["0.2108"]])  # a mean of 0.21085, summed in another order
    assert not same_value([["mean"], ["0.2109"]], [["mean"], ["0.2107"]])
    assert not same_value([["posts"], ["10"]], [["posts"], ["9"]])
    assert not same_value([["mean"], ["0.21"]], [["mean"], ["0.2108"]])
    assert same_value([["mean"], ["0.2479"]], [["mean"], ["0.248"]])  # 0.2480, its trailing zero dropped
    assert not same_value({"a": 1.0}, {"a": 1.0000001})
    assert not same_value({"a": None}, {"a": 0})  # unknown is not zero


def test_demo_report_on_spark_equals_duckdb(demo_export, spark_session, tmp_path: Path) -> None:
    store, export = demo_export
    con = open_store_read_only(store)
    try:
        build_report(con, tmp_path / "duckdb", ReportOptions(), cache=False)
    finally:
        con.close()
    result = report_on_spark(export, tmp_path / "spark", ReportOptions(), session=spark_session)
    assert result.summary["posts_total"] == 9837  # the demo's posts, all of them read from Parquet
    assert_same_report(tmp_path / "duckdb", tmp_path / "spark", "demo store")


def test_random_synthetic_store_report_on_spark_equals_duckdb(spark_session, tmp_path: Path) -> None:
    seed = int(os.environ.get("DIPLOTRACK_TEST_SEED") or random.randrange(2**31))  # to replay a failure
    store = tmp_path / "synthetic.duckdb"
    synthetic.make_store(store, 3000, seed=seed, tracked=150, pool=300)
    con = open_store_read_only(store)
    try:
        export_tables(con, tmp_path / "export", "parquet", ("platform", "month"))
        days = con.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM posts").fetchone()
        kinds = [r[0] for r in con.execute("SELECT DISTINCT kind FROM actors ORDER BY kind").fetchall()]
        # a day-aligned window over the middle of the posts and half of the roster's kinds
        start = datetime.combine(days[0], datetime.min.time())
        end = datetime.combine(days[1], datetime.min.time())
        start, end = start + (end - start) / 4, start + 3 * (end - start) / 4
        start, end = (datetime(d.year, d.month, d.day) for d in (start, end))
        some = ReportOptions(filters=Filters(start=start, end=end, kinds=tuple(kinds[::2])))
        # one report (each costs about a minute of Spark): the whole demo store is the test above
        for label, opts in (("window and kinds", some),):
            build_report(con, tmp_path / label / "duckdb", opts, cache=False)
            report_on_spark(tmp_path / "export", tmp_path / label / "spark", opts, session=spark_session)
            assert_same_report(tmp_path / label / "duckdb", tmp_path / label / "spark", f"seed {seed}, {label}")
    finally:
        con.close()
