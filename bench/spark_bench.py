"""Spark benchmark on SYNTHETIC data: the whole report over a Parquet export on Spark (subject) against
the same report by DuckDB on the store the export was written from (reference), alternated round by
round (bench/common.py), each run in a fresh process with the peak RSS of its process tree (the JVM
is a child of the Python process).

- ``spark``: ``diplotrack.engines.spark.report_on_spark`` on the export (``--partition-by
  platform,month``), master ``--master`` (default ``local[2]``): session start, the tables
  registered, every analysis through Ibis's PySpark backend, the network steps in the driver's
  DuckDB over the same Parquet, the charts and files. Its session start is timed apart.
- ``duckdb``: ``build_report(con, out, ReportOptions(), cache=False)`` on the store opened read-only:
  the same report, no result cache (the Spark report has none either).

Both read the rollups when they are current (the export says so in its manifest). Each Spark run
writes Spark's event log (to a temporary folder) and the benchmark sums its task metrics:
executor run time (core-seconds), input bytes and records, shuffle bytes, spill, peak execution
memory, per stage and per SQL query. Divided by the posts, they are the per-partition costs from
which docs/scale.md estimates a cluster; ``--json FILE`` writes them with every figure.

On one 2-core machine Spark is slower than DuckDB: it pays a JVM, a scheduler and a plan per query
(the report runs about seventy), and the machine has no cores to spread the work over. The point
is the costs per million posts, not the ratio. The machine is shared: the load average (1 min) is
printed with each run.

The store is SYNTHETIC: ``bench/synthetic.py``'s ``make_store`` (real texts and their real entities
and enrichment under new ids; a synthetic roster, skewed activity, amplifiers growing with the posts;
its docstring says what is real and what is synthetic).

Run:  .venv/bin/python bench/spark_bench.py [--posts 10000000] [--rounds 3] [--tracked 2000]
          [--master local[2]] [--keep DIR] [--json FILE] [--spark-conf KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, summarize  # noqa: E402

POLL_S = 0.2  # how often the process tree's RSS is sampled
SPARK_CONF = {"spark.driver.memory": "4g"}  # local mode: the executors live in the driver's JVM

# the DuckDB report in a fresh process: argv db, out
_DUCKDB = r"""
import json, sys, time
from pathlib import Path
from diplotrack.report.build import build_report
from diplotrack.report.model import ReportOptions
from diplotrack.store.db import open_store_read_only
db, out = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter()
con = open_store_read_only(db)
r = build_report(con, out, ReportOptions(), cache=False)
con.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "posts_total": r.summary["posts_total"],
                  "timings": [list(t) for t in r.timings]}))
"""

# the Spark report in a fresh process: argv export, out, master, conf (JSON); the session is started
# first to time it apart, and report_on_spark then gets it (getOrCreate) and stops it at the end
_SPARK = r"""
import json, sys, time
from pathlib import Path
from diplotrack.engines.spark import report_on_spark, start_session
from diplotrack.report.model import ReportOptions
export, out, master, conf = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
t0 = time.perf_counter()
start_session(master, conf)
started = time.perf_counter() - t0
r = report_on_spark(export, out, ReportOptions(), master=master, conf=conf)
print(json.dumps({"seconds": time.perf_counter() - t0, "session_start": started,
                  "posts_total": r.summary["posts_total"], "timings": [list(t) for t in r.timings]}))
"""


def run_measured(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python with ``args``; sample the RSS and CPU time of its process tree
    every ``POLL_S`` from outside; returns the JSON object it printed last, with ``peak_rss_mb``,
    ``cpu_seconds`` (user + system of the tree, as last sampled) and ``load`` (1-min load average
    before the run). Raises SystemExit with its stderr if it fails."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=err, text=True)
        root = psutil.Process(proc.pid)
        peak = 0
        cpu: dict[int, float] = {}
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = []
            rss = 0
            for p in procs:
                try:
                    with p.oneshot():
                        rss += p.memory_info().rss
                        t = p.cpu_times()
                        cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    pass
            peak = max(peak, rss)
            time.sleep(POLL_S)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark step failed ({' '.join(args[:2])}):\n{err.read()[-3000:]}")
        res: dict = json.loads(out.read().strip().splitlines()[-1])
    res.update(peak_rss_mb=peak / 2**20, cpu_seconds=sum(cpu.values()), load=load)
    return res


def prepare(keep: Path, posts: int, tracked: int, seed: int, db: Path | None = None) -> tuple[Path, Path]:
    """The SYNTHETIC store of ``posts`` posts and its Parquet export (platform, month), made in
    ``keep`` unless they are there already; with ``db``, that existing store and its export."""
    from diplotrack.export.tables import export_tables
    from diplotrack.store.db import open_store_read_only
    from synthetic import make_store

    if db is not None:
        if not db.is_file():
            raise SystemExit(f"there is no store at {db}; give a store made by bench/synthetic.py, or leave --db out")
        export = keep / f"export-{db.stem}"
        print(f"existing store (said to be SYNTHETIC: made by bench/synthetic.py): {db}", flush=True)
    else:
        db = keep / f"synthetic-{posts}-t{tracked}-s{seed}.duckdb"
        export = keep / f"export-{posts}-t{tracked}-s{seed}"
    if db.exists():
        print(f"SYNTHETIC store reused: {db}", flush=True)
    else:
        made = make_store(db, posts, seed=seed, tracked=tracked)
        print(
            f"SYNTHETIC store (bench/synthetic.py): {made['posts']:,} posts, {made['tracked_accounts']:,} tracked "
            f"accounts, {made['amplifiers']:,} amplifiers, in {made['seconds']:.0f} s: {db}",
            flush=True,
        )
    if not (export / "manifest.json").exists():
        t0 = time.perf_counter()
        con = open_store_read_only(db)
        try:
            written = export_tables(con, export, "parquet", ("platform", "month"))
        finally:
            con.close()
        files = sum(1 for _ in export.rglob("*.parquet"))
        size = sum(p.stat().st_size for p in export.rglob("*.parquet"))
        rows = sum(w["rows"] for w in written)
        print(
            f"Parquet export (platform, month): {rows:,} rows in {len(written)} tables, {files:,} files, "
            f"{size / 2**20:,.0f} MB, in {time.perf_counter() - t0:.0f} s: {export}",
            flush=True,
        )
    else:
        print(f"Parquet export reused: {export}", flush=True)
    return db, export


def _event_log(folder: Path) -> Iterator[dict]:
    """The events of the Spark event log in ``folder``, one JSON object a line (a single file, or the
    ``events_N_*`` files of a rolling log's folder, in order)."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("appstatus")]
    rolling = sorted((p for p in files if p.name.startswith("events_")), key=lambda p: int(p.name.split("_")[1]))
    if rolling:
        files = rolling
    if not files:
        raise SystemExit(f"no Spark event log in {folder}")
    for path in files:
        with path.open(encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())


def spark_costs(folder: Path, posts: int) -> dict:
    """Sum the task metrics of the event log in ``folder``: per stage and in all, and per million
    posts; the SQL queries with their wall time; the time covered by at least one query."""
    stages: dict[int, dict] = {}
    queries: dict[int, list[int]] = {}
    peak_mem = 0
    for ev in _event_log(folder):
        kind = ev.get("Event", "")
        if kind == "SparkListenerTaskEnd":
            m = ev.get("Task Metrics") or {}
            s = stages.setdefault(
                ev["Stage ID"],
                {
                    "tasks": 0,
                    "run_ms": 0,
                    "cpu_ns": 0,
                    "input_bytes": 0,
                    "input_records": 0,
                    "shuffle_read": 0,
                    "shuffle_write": 0,
                    "spill": 0,
                    "gc_ms": 0,
                },
            )
            inp, rd, wr = (
                m.get("Input Metrics") or {},
                m.get("Shuffle Read Metrics") or {},
                m.get("Shuffle Write Metrics") or {},
            )
            s["tasks"] += 1
            s["run_ms"] += m.get("Executor Run Time", 0)
            s["cpu_ns"] += m.get("Executor CPU Time", 0)
            s["input_bytes"] += inp.get("Bytes Read", 0)
            s["input_records"] += inp.get("Records Read", 0)
            s["shuffle_read"] += rd.get("Remote Bytes Read", 0) + rd.get("Local Bytes Read", 0)
            s["shuffle_write"] += wr.get("Shuffle Bytes Written", 0)
            s["spill"] += m.get("Disk Bytes Spilled", 0)
            s["gc_ms"] += m.get("JVM GC Time", 0)
            peak_mem = max(peak_mem, m.get("Peak Execution Memory", 0))
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            queries.setdefault(ev["executionId"], [ev["time"], ev["time"]])
        elif kind.endswith("SparkListenerSQLExecutionEnd") and ev["executionId"] in queries:
            queries[ev["executionId"]][1] = ev["time"]
    total = {k: sum(s[k] for s in stages.values()) for k in next(iter(stages.values()), {})}
    scan = [s for s in stages.values() if s["input_bytes"]]
    per_m = posts / 1e6
    walls = sorted((e - b) / 1000 for b, e in queries.values())
    covered, last = 0.0, None
    for b, e in sorted(queries.values()):  # the union of the queries' intervals
        if last is None or b > last:
            covered += e - b
            last = e
        elif e > last:
            covered += e - last
            last = e
    task_s = total.get("run_ms", 0) / 1000
    scan_s = sum(s["run_ms"] for s in scan) / 1000
    scan_bytes = sum(s["input_bytes"] for s in scan)
    scan_tasks = sum(s["tasks"] for s in scan)
    return {
        "posts": posts,
        "sql_queries": len(queries),
        "stages": len(stages),
        "tasks": total.get("tasks", 0),
        "task_seconds": task_s,
        "task_cpu_seconds": total.get("cpu_ns", 0) / 1e9,
        "task_gc_seconds": total.get("gc_ms", 0) / 1000,
        "input_bytes": total.get("input_bytes", 0),
        "input_records": total.get("input_records", 0),
        "shuffle_write_bytes": total.get("shuffle_write", 0),
        "shuffle_read_bytes": total.get("shuffle_read", 0),
        "spill_bytes": total.get("spill", 0),
        "peak_execution_memory_max_task": peak_mem,
        "core_seconds_per_million_posts": task_s / per_m,
        "cpu_seconds_per_million_posts": total.get("cpu_ns", 0) / 1e9 / per_m,
        "input_bytes_per_million_posts": total.get("input_bytes", 0) / per_m,
        "shuffle_bytes_per_million_posts": total.get("shuffle_write", 0) / per_m,
        "scan_tasks": scan_tasks,
        "scan_task_seconds": scan_s,
        "scan_seconds_per_gb": scan_s / (scan_bytes / 2**30) if scan_bytes else None,
        "scan_mb_per_task": scan_bytes / 2**20 / scan_tasks if scan_tasks else None,
        "shuffle_task_seconds": task_s - scan_s,
        "query_seconds_covered": covered / 1000,
        "query_wall_median": statistics.median(walls) if walls else None,
        "query_wall_p10": walls[len(walls) // 10] if walls else None,
        "query_wall_max": walls[-1] if walls else None,
        "top_stages": sorted(
            ({"stage": k, **v, "run_s": v["run_ms"] / 1000} for k, v in stages.items()),
            key=lambda s: -s["run_ms"],
        )[:10],
    }


def same_tables(a: Path, b: Path) -> tuple[int, list[str]]:
    """How many of the report's tables (tables/*.csv) are byte-identical in ``a`` and ``b``; the names
    of those that differ or are missing on one side."""
    names = sorted({p.name for p in (a / "tables").glob("*.csv")} | {p.name for p in (b / "tables").glob("*.csv")})

    def digest(p: Path) -> str | None:
        return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None

    differ = [n for n in names if digest(a / "tables" / n) != digest(b / "tables" / n)]
    return len(names) - len(differ), differ


def slowest(timings: list[list], n: int = 8) -> list[tuple[str, float]]:
    steps = [(f"{sec}: {step}", s) for sec, step, s in timings if step != "total" and sec != "report"]
    return sorted(steps, key=lambda x: -x[1])[:n]


def bench(db: Path, export: Path, work: Path, args: argparse.Namespace) -> dict:
    from diplotrack.engines.spark import parse_conf

    conf = {**SPARK_CONF, **parse_conf(args.spark_conf)}
    costs: list[dict] = []
    done: list[tuple[str, dict]] = []

    def keep(label: str, out: dict) -> None:
        """Print the run's slowest steps and, with --json, write every run so far (a run stopped
        half-way keeps its finished rounds)."""
        for step, s in slowest(out["timings"], 5):
            print(f"    {s:8.1f} s  {step}", flush=True)
        done.append((label, {k: v for k, v in out.items() if k != "timings"}))
        if args.json:
            args.json.write_text(json.dumps({"runs_so_far": done, "spark_costs": costs}, indent=2, default=str) + "\n")

    def spark() -> dict:
        evdir = Path(tempfile.mkdtemp(prefix="eventlog-", dir=work))
        run_conf = {
            **conf,
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": evdir.as_uri(),
            "spark.eventLog.compress": "false",
            "spark.eventLog.rolling.enabled": "false",
        }
        out = run_measured(_SPARK, str(export), str(work / "spark"), args.master, json.dumps(run_conf))
        costs.append(spark_costs(evdir, args.posts))
        shutil.rmtree(evdir, ignore_errors=True)
        c = costs[-1]
        print(
            f"  load {out['load']:.2f}; session start {out['session_start']:.1f} s; {c['sql_queries']} queries "
            f"covering {c['query_seconds_covered']:.0f} s, {c['tasks']:,} tasks, {c['task_seconds']:.0f} core-s in "
            f"tasks ({c['task_cpu_seconds']:.0f} s of CPU), {c['input_bytes'] / 2**20:.0f} MB read, "
            f"{c['shuffle_write_bytes'] / 2**20:.0f} MB shuffled; CPU of the tree {out['cpu_seconds']:.0f} s",
            flush=True,
        )
        keep("spark", out)
        return out

    def duckdb() -> dict:
        out = run_measured(_DUCKDB, str(db), str(work / "duckdb"))
        print(f"  load {out['load']:.2f}; CPU of the tree {out['cpu_seconds']:.0f} s", flush=True)
        keep("duckdb", out)
        return out

    runs = alternate({"spark": spark, "duckdb": duckdb}, args.rounds)
    names = {"spark": f"report on Spark {args.master} (subject)", "duckdb": "report on DuckDB (reference)"}
    figs = summarize(runs, "duckdb", names)
    starts = [r["session_start"] for r in runs["spark"]]
    print(f"Spark session start: min {min(starts):.1f} s, median {statistics.median(starts):.1f} s")
    for label in runs:
        cpu = [r["cpu_seconds"] for r in runs[label]]
        print(f"CPU seconds of the {label} process tree: median {statistics.median(cpu):.0f}")
    totals = {r["posts_total"] for rs in runs.values() for r in rs}
    agree = "both engines agree" if len(totals) == 1 else "the engines DIFFER"
    print(f"posts in the report: {', '.join(f'{t:,}' for t in sorted(totals))} ({agree})")
    same, differ = same_tables(work / "spark", work / "duckdb")
    print(
        f"report tables byte-identical (last round): {same} of {same + len(differ)}; differ: {', '.join(differ) or '-'}"
    )
    for label in runs:
        print(f"slowest steps on {label} (last round):")
        for step, s in slowest(runs[label][-1]["timings"]):
            print(f"  {s:8.1f} s  {step}")
    c = min(costs, key=lambda c: c["task_seconds"])
    print(
        f"Spark per million posts (event log, the round with the fewest core-seconds): "
        f"{c['core_seconds_per_million_posts']:.1f} core-s in tasks "
        f"({c['cpu_seconds_per_million_posts']:.1f} s of CPU), "
        f"{c['input_bytes_per_million_posts'] / 2**20:.0f} MB read, "
        f"{c['shuffle_bytes_per_million_posts'] / 2**20:.1f} MB shuffled; "
        f"{c['sql_queries']} queries covering {c['query_seconds_covered']:.0f} s of wall time "
        f"(query median {c['query_wall_median']:.2f} s); scans {c['scan_seconds_per_gb'] or 0:.0f} core-s per GB "
        f"({c['scan_tasks']} scan tasks of {c['scan_mb_per_task'] or 0:.1f} MB); "
        f"largest task peak execution memory {c['peak_execution_memory_max_task'] / 2**20:.0f} MB; "
        f"spilled {c['spill_bytes'] / 2**20:.0f} MB"
    )
    return {"figures": figs, "runs": runs, "spark_costs": costs, "spark_conf": conf}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tracked", type=int, default=2000, help="tracked actors of the synthetic roster")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--keep", type=Path, default=None, help="keep the store and export here (reused if there)")
    ap.add_argument(
        "--db",
        type=Path,
        default=None,
        help="an existing store made by bench/synthetic.py instead of a new one (its export goes in --keep; "
        "--posts must say its size; a store of an older schema is migrated when opened, as any read does)",
    )
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    ap.add_argument(
        "--spark-conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"added to the session's settings (default {SPARK_CONF})",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="diplotrack-spark-bench-"))
    try:
        keep = args.keep or work
        keep.mkdir(parents=True, exist_ok=True)
        db, export = prepare(keep, args.posts, args.tracked, args.seed, args.db)
        t0 = time.perf_counter()
        print(f"== report on Spark {args.master} and on DuckDB, SYNTHETIC data, {args.posts:,} posts ==", flush=True)
        result = bench(db, export, work, args)
        print(f"({time.perf_counter() - t0:.0f} s for the rounds)", flush=True)
        if args.json:
            cpu = os.cpu_count()
            meta = {
                "posts": args.posts,
                "tracked": args.tracked,
                "seed": args.seed,
                "master": args.master,
                "rounds": args.rounds,
                "data": "synthetic (bench/synthetic.py)",
                "cpus": cpu,
                "date": time.strftime("%Y-%m-%d %H:%M"),
            }
            args.json.write_text(json.dumps({**meta, **result}, indent=2, default=str) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
