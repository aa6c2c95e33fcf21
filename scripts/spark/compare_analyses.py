"""Run every registered diplotrack analysis on DuckDB (the store) and on a local Spark session (Ibis's
PySpark backend over a Parquet export of the same store), and print one line per analysis run: OK,
differs or fails (with the reason and where it failed), and the time each engine took.

A developer tool for issue 18 (``report --engine spark``, which does not exist yet): it is not part of
the package and no test imports it. It needs, in the environment that runs it::

    pip install pyspark==4.0.5      # NOT a dependency of diplotrack (yet); ibis-framework[pyspark] pins
    java -version                   # Java 17 (Spark 4.0 runs on 17 or 21)

and the store plus an export made from it with the current code::

    diplotrack --db /tmp/x/demo.duckdb demo --no-report
    diplotrack --db /tmp/x/demo.duckdb export --format parquet --out /tmp/x/pq --partition-by platform,month
    python scripts/spark/compare_analyses.py /tmp/x/demo.duckdb /tmp/x/pq [--json out.json]

pyspark is imported only when the Spark session starts, so ``ruff`` and a plain import work without it.

``--net-driver`` runs ``networks/`` (raw DuckDB SQL) on the driver, in an in-memory DuckDB over the
same Parquet files, by replacing ``analyses.network_analyses._con`` for the Spark tables only: a
stopgap to measure, not a design. ``--rollups`` lets the Spark side read the exported rollup tables
(``rows_per_post`` then fails: it runs raw SQL). ``--only NAME`` (repeatable) runs some analyses only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("DIPLOTRACK_CACHE", "0")  # compare computations, not the network cache

import duckdb
import ibis
import numpy as np
import pandas as pd

from diplotrack.analyses import network_analyses
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb
from diplotrack.analyses.registry import ANALYSES, Analysis

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_G = {"start": dt.date(2021, 3, 1), "end": dt.date(2022, 4, 1)}
_COACTION = {"action": "repost", "window_s": 60, "min_count": 2}
# The parameter sets report/sections.py uses (its values are functions of the run there, so they are
# copied here with the demo's dates); an analysis not listed runs with its defaults.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "joins_by_period": [{}, {"period": "year"}, {"period": "quarter"}],
    "joins_by_cohort": [{"cutoffs": [dt.date(2019, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 5, 1)]}],
    "growth_between": [_G],
    "growth_coverage": [_G],
    "biggest_risers": [{**_G, "n": 10}],
    "top_accounts": [{"by": "followers"}, {"by": "posts"}, {"by": "engagement"}],
    "languages": [{}, {"by": "kind"}, {"by": "month"}, {"by": "handle"}],
    "topics": [{}, {"by": "handle", "n": 5}],
    "tone_distribution": [{}, {"by": "kind"}, {"by": "handle"}],
    "top_entities": [{}, {"what": "hashtag", "by": "handle"}, {"what": "mention"}, {"what": "domain"}, {"what": "url"}],
    "amplification_shares": [{}, {"by": "kind"}, {"by": "handle"}, {"by": "month"}],
    "network_nodes": [{"kind": k} for k in ("repost", "mention", "follow")],
    "network_communities": [{"kind": k} for k in ("repost", "mention", "follow")],
    "polyphony": [{"what": "hashtag"}, {"what": "topic"}],
    "podium_reach": [{"what": "topic"}, {"what": "hashtag"}],
    "co_action_clusters": [_COACTION],
    "co_action_pairs": [_COACTION],
}
_SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class Run:
    """The outcome of one analysis run with one parameter set on both engines."""

    name: str
    status: str = ""  # OK, OK (dtypes), differs, fails, duckdb-fails
    rows: int | None = None
    duckdb_s: float | None = None
    spark_s: float | None = None
    reason: str = ""


@dataclass
class Export:
    """The tables of one export: name -> (Parquet path to read, the store's column order)."""

    folder: Path
    paths: dict[str, Path]
    columns: dict[str, list[str]]


def read_export(folder: Path, store: duckdb.DuckDBPyConnection) -> Export:
    """The tables listed in ``folder/manifest.json`` (or, for an export from before manifests, its
    ``<table>.parquet`` files), each with the column order it has in the store."""
    manifest = folder / "manifest.json"
    if manifest.is_file():
        tables = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
        paths = {name: folder / spec["path"] for name, spec in tables.items()}
    else:
        paths = {p.stem: p for p in sorted(folder.glob("*.parquet"))}
    if not paths:
        sys.exit(f"{folder} holds no Parquet export; run `diplotrack export --format parquet --out {folder}`")
    columns = {name: store.table(name).columns for name in paths}
    return Export(folder, paths, columns)


def start_spark(master: str, memory: str) -> tuple[SparkSession, float]:
    """A local Spark session (no UI, a throwaway warehouse) and the seconds it took to start."""
    from pyspark.sql import SparkSession  # lazily: pyspark is not a dependency of diplotrack

    t0 = time.perf_counter()
    session = (
        SparkSession.builder.master(master)
        .appName("diplotrack-compare-analyses")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="diplotrack-spark-wh-"))
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        # partition values stay strings (month=2024-05 is not a date, platform=x not a number)
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session, time.perf_counter() - t0


def spark_tables(session: SparkSession, export: Export, rollups: bool) -> Tables:
    """Register every exported table as a Spark temporary view (the store's columns in the store's
    order: the ``month`` partition column the export adds is dropped) and wrap them as ``Tables``."""
    for name, path in export.paths.items():
        # a folder is read with partition discovery: platform=x/month=y/ become columns again
        session.read.parquet(str(path)).select(*export.columns[name]).createOrReplaceTempView(name)
    con = ibis.pyspark.connect(session)
    have = set(con.list_tables())
    return Tables(
        backend=con,
        actors=con.table("actors"),
        accounts=con.table("accounts"),
        profile_snapshots=con.table("profile_snapshots"),
        posts=con.table("posts"),
        post_entities=con.table("post_entities"),
        post_enrichment=con.table("post_enrichment") if "post_enrichment" in have else None,
        follow_edges=con.table("follow_edges") if "follow_edges" in have else None,
        rollups=rollups,
    )


def networks_on_driver(export: Export) -> None:
    """Make ``networks/`` read an in-memory DuckDB over the exported Parquet when given Spark tables."""
    driver = duckdb.connect()
    for name, path in export.paths.items():
        source = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        relation = driver.read_parquet(source, hive_partitioning=path.is_dir())
        relation.select(*(duckdb.ColumnExpression(c) for c in export.columns[name])).create_view(name)
    store_con = network_analyses._con

    def con(t: Tables) -> duckdb.DuckDBPyConnection:
        return driver if getattr(t.backend, "name", "") == "pyspark" else store_con(t)

    network_analyses._con = con  # type: ignore[assignment]


def to_frame(result: Any) -> pd.DataFrame:
    return result if isinstance(result, pd.DataFrame) else result.to_pandas()


def norm_value(v: Any) -> Any:
    """One cell in a form both engines agree on: NULL/NaN/NaT -> None, numpy scalars -> Python,
    decimals -> float, timestamps -> naive UTC datetimes, arrays/lists/dicts -> tuples."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return (v.tz_convert("UTC").tz_localize(None) if v.tzinfo else v).to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, np.ndarray):
        return tuple(norm_value(e) for e in v.tolist())
    if isinstance(v, list | tuple):
        return tuple(norm_value(e) for e in v)
    if isinstance(v, dict):
        return tuple(sorted((k, norm_value(e)) for k, e in v.items()))
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def _sort_key(row: tuple) -> tuple:
    return tuple((x is None, repr(round(x, 6) if isinstance(x, float) else x)) for x in row)


def rows_of(frame: pd.DataFrame) -> list[tuple]:
    rows = [tuple(norm_value(v) for v in r) for r in frame.itertuples(index=False, name=None)]
    return sorted(rows, key=_sort_key)


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def compare(d: pd.DataFrame, s: pd.DataFrame) -> tuple[str, str]:
    """``(status, reason)`` for DuckDB's frame ``d`` against Spark's ``s`` (row order ignored)."""
    if set(d.columns) != set(s.columns):
        only_d, only_s = sorted(set(d.columns) - set(s.columns)), sorted(set(s.columns) - set(d.columns))
        return "differs", f"columns: duckdb-only {only_d}, spark-only {only_s}"
    s = s[list(d.columns)]
    if len(d) != len(s):
        return "differs", f"{len(d)} rows (duckdb) vs {len(s)} (spark)"
    pairs = zip(rows_of(d), rows_of(s), strict=True)
    bad = [(a, b) for a, b in pairs if not close(a, b)]
    if bad:
        a, b = bad[0]
        cells = {c: (x, y) for c, x, y in zip(d.columns, a, b, strict=True) if not close(x, y)}
        example = ", ".join(f"{c}: {x!r:.40} vs {y!r:.40}" for c, (x, y) in cells.items())
        return "differs", f"{len(bad)}/{len(d)} rows differ; e.g. {example}"
    dtypes = [f"{c} {d[c].dtype}/{s[c].dtype}" for c in d.columns if str(d[c].dtype) != str(s[c].dtype)]
    return ("OK (dtypes)", "; ".join(dtypes)) if dtypes else ("OK", "")


def where(exc: BaseException) -> str:
    """``file:line`` of the last diplotrack frames of ``exc``'s traceback, innermost first."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(_SRC))]
    spots = [f"{Path(f.filename).relative_to(_SRC)}:{f.lineno}" for f in reversed(ours[-2:])]
    return " <- ".join(spots) if spots else f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"


def failure(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {(lines[0] if lines else '')[:160]} [{where(exc)}]"


def runs(only: list[str]) -> list[tuple[Analysis, dict[str, Any]]]:
    chosen = [a for a in ANALYSES if not only or a.name in only]
    return [(a, params) for a in chosen for params in VARIANTS.get(a.name, [{}])]


def label(a: Analysis, params: dict[str, Any]) -> str:
    return a.name + (f"({','.join(f'{k}={v}' for k, v in params.items())})" if params else "")


def run_one(a: Analysis, params: dict[str, Any], td: Tables, ts: Tables, f: Filters) -> Run:
    run = Run(label(a, params))
    t0 = time.perf_counter()
    try:
        d = to_frame(a.function(td, f, **params))
    except Exception as exc:  # noqa: BLE001 - a tool that reports every failure and goes on
        run.status, run.reason = "duckdb-fails", failure(exc)
        return run
    run.duckdb_s, run.rows = time.perf_counter() - t0, len(d)
    t0 = time.perf_counter()
    try:
        s = to_frame(a.function(ts, f, **params))
    except Exception as exc:  # noqa: BLE001
        run.spark_s, run.status, run.reason = time.perf_counter() - t0, "fails", failure(exc)
        return run
    run.spark_s = time.perf_counter() - t0
    run.status, run.reason = compare(d, s)
    return run


def _secs(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def print_table(results: list[Run]) -> None:
    width = max(len(r.name) for r in results)
    print(f"{'analysis':<{width}}  {'status':<12} {'rows':>5} {'duckdb_s':>8} {'spark_s':>8}  reason")
    for r in results:
        rows = "" if r.rows is None else r.rows
        print(f"{r.name:<{width}}  {r.status:<12} {rows:>5} {_secs(r.duckdb_s):>8} {_secs(r.spark_s):>8}  {r.reason}")


def print_summary(results: list[Run], start_s: float, register_s: float, n_tables: int) -> dict[str, Any]:
    counts = Counter(r.status for r in results)
    both = [r for r in results if r.status.startswith("OK")]
    summary = {
        "runs": len(results),
        "status": dict(counts),
        "spark_start_s": round(start_s, 2),
        "spark_register_s": round(register_s, 2),
        "tables": n_tables,
        "ok_runs_duckdb_s": round(sum(r.duckdb_s or 0 for r in both), 2),
        "ok_runs_spark_s": round(sum(r.spark_s or 0 for r in both), 2),
    }
    print("\nsummary: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" of {len(results)} runs")
    print(f"spark session start {start_s:.1f} s; {n_tables} tables registered in {register_s:.1f} s")
    d, s = summary["ok_runs_duckdb_s"], summary["ok_runs_spark_s"]
    ratio = f" ({s / d:.0f}x)" if d else ""
    print(f"runs that agree: duckdb {d:.1f} s, spark {s:.1f} s{ratio}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="the store (opened read-only)")
    parser.add_argument("export", type=Path, help="a `diplotrack export --format parquet` folder of that store")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", action="append", default=[], help="run this analysis only (repeatable)")
    parser.add_argument("--rollups", action="store_true", help="let the Spark side read the rollups")
    parser.add_argument("--net-driver", action="store_true", help="networks/ on the driver (DuckDB over Parquet)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="2g")
    args = parser.parse_args(argv)

    store = duckdb.connect(str(args.db), read_only=True)
    export = read_export(args.export, store)
    session, start_s = start_spark(args.master, args.driver_memory)
    try:
        t0 = time.perf_counter()
        ts = spark_tables(session, export, args.rollups)
        register_s = time.perf_counter() - t0
        if args.net_driver:
            networks_on_driver(export)
        td = tables_from_duckdb(store)
        print(f"duckdb rollups={td.rollups}, spark rollups={ts.rollups}, networks on driver={args.net_driver}")
        f = Filters()
        results = [run_one(a, params, td, ts, f) for a, params in runs(args.only)]
    finally:
        session.stop()
    print_table(results)
    summary = print_summary(results, start_s, register_s, len(export.paths))
    if args.json:
        payload = {"summary": summary, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
