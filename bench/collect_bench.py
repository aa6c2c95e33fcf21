"""Collection benchmark: X collection for 200 accounts under a rate limit on a SIMULATED clock.

A real HTTP server on 127.0.0.1 (tests/collect/apiservers.py) answers like the X API v2 from real
tweet objects (tests/fixtures/x-v2, given new ids) and enforces a rate limit of 900 requests per
15 minutes per endpoint, on a clock shared with the collector: the collector's waits advance the
clock instead of sleeping, so hours of rate-limited collection run in seconds.

Accounts have between 1 and 1,000 posts (account i: 1 + (i * 379) % 1000), so timelines take 1 to
10 pages of 100.

The posts are real tweet objects under new ids; the accounts, their post counts and the server's
clock are synthetic.

Its figures are request counts on the simulated clock: they are deterministic, so each round checks
that they are the same as the first's. Wall time is printed too (min and median over at least three
rounds, each in a fresh process with a fresh store, server and clock, with its peak RSS), but there
is no time reference: nothing else collects under the same simulated rate limit, and the time spent
is the local server's and the store's, not the API's (a real collection's time is the rate limit's).
The reference for the counts is the minimum the API allows (below).

Run:  .venv/bin/python bench/collect_bench.py [--accounts 200] [--limit 900] [--window 900] [--rounds 3]
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
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "collect"))
sys.path.insert(0, str(ROOT / "bench"))

from apiservers import LocalServer, XApi  # noqa: E402
from helpers import FAST_HTTP, track, x_settings  # noqa: E402

from common import MIN_ROUNDS, run_child  # noqa: E402
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


def one_round(accounts: int, limit: int, window: float) -> dict:
    """One collection of ``accounts`` accounts and its incremental re-run, on a fresh store, server
    and simulated clock; returns the counts and the wall seconds of the first run."""
    clock = SimulatedClock()
    # posts end three days before the simulated now, outside the 2-day recheck window
    newest = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=3)
    api = XApi(accounts, posts_of, clock=clock.now, rate_limit=(limit, window), newest=newest)
    # the server counts accepted timeline requests per window, by the window they fell in
    windows: dict[int, int] = {}

    def counting(req):  # type: ignore[no-untyped-def]
        reply = api(req)
        if req.path.endswith("/tweets") and reply.status == 200:
            start = api.limiter.state.get("tweets", (clock.now(), 0))[0]
            windows[int(start)] = windows.get(int(start), 0) + 1
        return reply

    handles = [f"acct{i:04d}" for i in range(accounts)]
    with tempfile.TemporaryDirectory() as tmp, LocalServer(counting) as srv:
        con = open_store(Path(tmp) / "bench.duckdb")
        track(con, Path(tmp), handles)
        sim0 = clock.now()
        first, real1 = run_once(con, srv.url, clock)
        sim1 = clock.now() - sim0
        ordered = [windows[k] for k in sorted(windows)]
        before = len(srv.requests)
        second, real2 = run_once(con, srv.url, clock)
        rerun = srv.requests[before:]
        rerun_timeline = sum(1 for r in rerun if r.path.endswith("/tweets"))
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        con.close()
    return {
        "seconds": real1,
        "rerun_s": real2,
        "sim_h": sim1 / 3600,
        "posts": posts,
        "requests": first.platforms[0].meter.requests,  # type: ignore[attr-defined]
        "windows": ordered,
        "rejected": api.limiter.rejected,
        "rerun_timeline": rerun_timeline,
        "rerun_lookups": len(rerun) - rerun_timeline,
        "rerun_new": second.platforms[0].posts_new,  # type: ignore[attr-defined]
    }


_CHILD = """
sys.path.insert(0, sys.argv[1])
from collect_bench import one_round
out = one_round(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
out["peak_rss_mb"] = peak_mb()
print(json.dumps(out))
"""
COUNTS = ("posts", "requests", "windows", "rejected", "rerun_timeline", "rerun_lookups", "rerun_new", "sim_h")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--limit", type=int, default=900, help="requests per window per endpoint")
    ap.add_argument("--window", type=float, default=900.0, help="window in seconds")
    ap.add_argument("--rounds", type=int, default=MIN_ROUNDS, help="rounds (at least 3)")
    args = ap.parse_args()
    minimum_timeline = sum(max(1, math.ceil(posts_of(i) / 100)) for i in range(args.accounts))
    minimum = math.ceil(args.accounts / 100) + minimum_timeline
    rounds = []
    for n in range(max(args.rounds, MIN_ROUNDS)):
        out = run_child(_CHILD, str(ROOT / "bench"), str(args.accounts), str(args.limit), str(args.window))
        print(f"round {n + 1}: {out['seconds']:.2f} s real, peak RSS {out['peak_rss_mb']:.0f} MB", flush=True)
        if rounds and any(out[k] != rounds[0][k] for k in COUNTS):
            changed = {k: (rounds[0][k], out[k]) for k in COUNTS if out[k] != rounds[0][k]}
            print(f"  counts differ from round 1 (should be deterministic): {json.dumps(changed)}")
        rounds.append(out)
    r = rounds[0]
    full = r["windows"][:-1]
    share = sum(full) / (args.limit * len(full)) if full else float("nan")
    secs = [x["seconds"] for x in rounds]
    print(f"accounts: {args.accounts}; rate limit {args.limit} requests / {args.window:g} s per endpoint (simulated)")
    print(f"posts collected: {r['posts']:,}; {r['sim_h']:.2f} h simulated")
    print(
        f"wall time of the first run over {len(rounds)} rounds: min {min(secs):.2f} s, median "
        f"{statistics.median(secs):.2f} s; peak RSS max {max(x['peak_rss_mb'] for x in rounds):.0f} MB "
        "(no time reference: see the docstring)"
    )
    print(f"requests used: {r['requests']:,}; minimum needed: {minimum:,}; ratio {r['requests'] / minimum:.3f}")
    print(f"timeline requests per window: {r['windows']}")
    print(
        f"share of the rate-limit ceiling used while work remained: {share:.1%} "
        f"over {len(full)} full window(s); target >= {TARGET_SHARE:.0%}; ratio {share / TARGET_SHARE:.3f}"
    )
    print(f"429s received: {r['rejected']}")
    rerun = [x["rerun_s"] for x in rounds]
    print(
        f"incremental re-run, nothing new: {r['rerun_timeline']} timeline requests for {args.accounts} accounts "
        f"({r['rerun_timeline'] / args.accounts:.2f} per account; target 1.00) + {r['rerun_lookups']} lookups; "
        f"{r['rerun_new']} new posts; min {min(rerun):.2f} s, median {statistics.median(rerun):.2f} s real"
    )


if __name__ == "__main__":
    main()
