"""Collection benchmark: X collection for 200 accounts under a rate limit on a SIMULATED clock.

A real HTTP server on 127.0.0.1 (tests/collect/apiservers.py) answers like the X API v2 from real
tweet objects (tests/fixtures/x-v2, given new ids) and enforces a rate limit of 900 requests per
15 minutes per endpoint, on a clock shared with the collector: the collector's waits advance the
clock instead of sleeping, so hours of rate-limited collection run in seconds.

Accounts have between 1 and 1,000 posts (account i: 1 + (i * 379) % 1000), so timelines take 1 to
10 pages of 100.

Run:  .venv/bin/python bench/collect_bench.py [--accounts 200] [--limit 900] [--window 900]
Prints:
- requests used against the minimum needed (one lookup per 100 accounts, and ceil(posts/100)
  timeline pages per account, at least one);
- the share of the rate-limit ceiling used while work remained: the requests sent in every
  window but the last, over limit x those windows (target >= 95%);
- the requests of an incremental re-run when nothing is new (target: one timeline request per
  account, plus the lookups);
- 429s received (the collector should foresee every one), simulated and real time.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "collect"))

from apiservers import LocalServer, XApi  # noqa: E402
from helpers import FAST_HTTP, track, x_settings  # noqa: E402

from diplotrack.collect.clock import SimulatedClock  # noqa: E402
from diplotrack.collect.engine import CollectOptions, Collector  # noqa: E402
from diplotrack.collect.http import SilentReporter  # noqa: E402
from diplotrack.collect.registry import build_source  # noqa: E402
from diplotrack.store.db import open_store  # noqa: E402

TARGET_SHARE = 0.95


def posts_of(i: int) -> int:
    return 1 + (i * 379) % 1000


def run_once(con, url: str, clock: SimulatedClock) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    source = build_source("x", x_settings(url, http=FAST_HTTP), clock, SilentReporter())
    t0 = time.perf_counter()
    try:
        report = Collector(con, clock, CollectOptions()).run([source])
    finally:
        source.close()
    return report, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--limit", type=int, default=900, help="requests per window per endpoint")
    ap.add_argument("--window", type=float, default=900.0, help="window in seconds")
    args = ap.parse_args()

    clock = SimulatedClock()
    # posts end three days before the simulated now, outside the 2-day recheck window
    newest = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=3)
    api = XApi(args.accounts, posts_of, clock=clock.now, rate_limit=(args.limit, args.window), newest=newest)
    # the server counts accepted timeline requests per window, by the window they fell in
    windows: dict[int, int] = {}
    app = api

    def counting(req):  # type: ignore[no-untyped-def]
        reply = app(req)
        if req.path.endswith("/tweets") and reply.status == 200:
            start = api.limiter.state.get("tweets", (clock.now(), 0))[0]
            windows[int(start)] = windows.get(int(start), 0) + 1
        return reply

    handles = [f"acct{i:04d}" for i in range(args.accounts)]
    minimum_timeline = sum(max(1, math.ceil(posts_of(i) / 100)) for i in range(args.accounts))
    minimum = math.ceil(args.accounts / 100) + minimum_timeline
    with tempfile.TemporaryDirectory() as tmp, LocalServer(counting) as srv:
        con = open_store(Path(tmp) / "bench.duckdb")
        track(con, Path(tmp), handles)
        sim0 = clock.now()
        first, real1 = run_once(con, srv.url, clock)
        sim1 = clock.now() - sim0
        used = first.platforms[0].meter.requests
        ordered = [windows[k] for k in sorted(windows)]
        full = ordered[:-1]
        share = sum(full) / (args.limit * len(full)) if full else float("nan")
        before = len(srv.requests)
        second, real2 = run_once(con, srv.url, clock)
        rerun = srv.requests[before:]
        rerun_timeline = sum(1 for r in rerun if r.path.endswith("/tweets"))
        rerun_lookups = len(rerun) - rerun_timeline
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        con.close()

    print(f"accounts: {args.accounts}; rate limit {args.limit} requests / {args.window:g} s per endpoint (simulated)")
    print(f"posts collected: {posts:,}; first run {real1:.1f} s real, {sim1 / 3600:.2f} h simulated")
    print(f"requests used: {used:,}; minimum needed: {minimum:,}; ratio {used / minimum:.3f}")
    print(f"timeline requests per window: {ordered}")
    print(
        f"share of the rate-limit ceiling used while work remained: {share:.1%} "
        f"over {len(full)} full window(s); target >= {TARGET_SHARE:.0%}; ratio {share / TARGET_SHARE:.3f}"
    )
    print(f"429s received: {api.limiter.rejected}")
    print(
        f"incremental re-run, nothing new: {rerun_timeline} timeline requests for {args.accounts} accounts "
        f"({rerun_timeline / args.accounts:.2f} per account; target 1.00) + {rerun_lookups} lookups; "
        f"{second.platforms[0].posts_new} new posts; {real2:.1f} s real"
    )


if __name__ == "__main__":
    main()
