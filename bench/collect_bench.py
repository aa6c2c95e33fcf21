"""Collection benchmark: X collection for 200 accounts under a rate limit on a SIMULATED clock, and
(``--platform telegram|youtube|all``) Telegram channels and YouTube channels the same way.

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

Run:  .venv/bin/python bench/collect_bench.py [--platform x|telegram|youtube|all] [--accounts 200] [--limit 900]
      [--window 900] [--posts N] [--throttle 2] [--rounds 3]
Prints:
- requests used against the minimum needed (one lookup per 100 accounts, and ceil(posts/100)
  timeline pages per account, at least one);
- the share of the rate-limit ceiling used while work remained: the requests sent in every
  window but the last, over limit x those windows (target >= 95%);
- the requests of an incremental re-run when nothing is new (target: one timeline request per
  account, plus the lookups);
- 429s received (the collector should foresee every one), simulated and real time.

Telegram (``--platform telegram``): 30 channels of 1 to 200 messages (account i: 1 + (i * 379) % 200)
made of the real t.me preview's message blocks under new ids and dates (tests/collect/telegram_server.py),
read through a local t.me with a simulated 2 s throttle between requests. YouTube (``--platform
youtube``): 50 channels of 1 to 500 videos made of the real Data API objects under new ids
(tests/collect/youtube_server.py), read with two keys; the server counts quota units per key. For
both: requests against the fewest the platform allows (Telegram: a profile page per channel and a
preview page per 20 messages; YouTube: a channels.list per 50 channels, and per channel a
playlistItems and a videos.list call per 50 videos), the quota units spent, and an incremental
re-run's requests (targets: Telegram one preview page per channel; YouTube two, the newest
playlistItems page and the videos.list call that refreshes its videos' statistics).
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
from telegram_server import PAGE_SIZE as TG_PAGE  # noqa: E402
from telegram_server import TelegramWeb  # noqa: E402
from youtube_server import YouTubeApi, channel_id  # noqa: E402

from common import MIN_ROUNDS, run_child  # noqa: E402
from diplotrack.collect.clock import SimulatedClock  # noqa: E402
from diplotrack.collect.config import Settings, load_settings  # noqa: E402
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


def capped(i: int, cap: int) -> int:
    """Account i's posts on a platform whose synthetic accounts hold 1 to ``cap`` posts."""
    return 1 + (i * 379) % cap


def telegram_round(accounts: int, cap: int, throttle: float) -> dict:
    """Telegram: ``accounts`` channels of the real preview's message blocks (new ids and dates) on a
    local t.me, ``throttle`` simulated seconds between requests; a first run and a re-run."""
    clock = SimulatedClock()
    web = TelegramWeb()
    newest = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=3)  # outside the recheck window
    handles = [f"chan{i:04d}" for i in range(accounts)]
    for i, h in enumerate(handles):
        web.add_channel(h, capped(i, cap), newest=newest)
    settings = Settings(http=FAST_HTTP, telegram_throttle=throttle)
    with tempfile.TemporaryDirectory() as tmp, LocalServer(web) as srv:
        settings = Settings(**{**settings.__dict__, "telegram_base": srv.url})
        con = open_store(Path(tmp) / "bench.duckdb")
        track(con, Path(tmp), handles, "telegram")
        sim0 = clock.now()
        first, real1 = _run(con, "telegram", settings, clock)
        sim1 = clock.now() - sim0
        n1 = len(srv.requests)
        previews = sum(1 for r in srv.requests if r.path.startswith("/s/"))
        second, real2 = _run(con, "telegram", settings, clock)
        rerun = srv.requests[n1:]
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        con.close()
    return {
        "seconds": real1,
        "rerun_s": real2,
        "sim_h": sim1 / 3600,
        "posts": posts,
        "requests": n1,
        "timeline": previews,
        "lookups": n1 - previews,
        "rerun_timeline": sum(1 for r in rerun if r.path.startswith("/s/")),
        "rerun_lookups": sum(1 for r in rerun if not r.path.startswith("/s/")),
        "rerun_new": second.platforms[0].posts_new,  # type: ignore[attr-defined]
        "units": 0,
    }


def youtube_round(accounts: int, cap: int, throttle: float) -> dict:
    """YouTube with two Data API keys: ``accounts`` channels (tracked by channel id) of the real
    playlist items and videos (new ids) on a local API; a first run and a re-run; quota units counted
    by the server per key."""
    clock = SimulatedClock()
    api = YouTubeApi(
        accounts,
        [capped(i, cap) for i in range(accounts)],
        keys={"bench-key-1": 10**9, "bench-key-2": 10**9},
        newest=datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=3),  # outside the recheck window
    )
    handles = [channel_id(i) for i in range(accounts)]
    with tempfile.TemporaryDirectory() as tmp, LocalServer(api) as srv:
        env = {
            "DIPLOTRACK_CONFIG": str(Path(tmp) / "none.toml"),
            "DIPLOTRACK_YOUTUBE_API_BASE": srv.url + "/youtube/v3",
            "DIPLOTRACK_YOUTUBE_WEB_BASE": srv.url,
            "DIPLOTRACK_YOUTUBE_API_KEYS": "bench-key-1,bench-key-2",
        }
        (Path(tmp) / "none.toml").write_text("[youtube]\ndaily_quota = 1000000000\n")
        settings = Settings(**{**load_settings(env).__dict__, "http": FAST_HTTP})
        con = open_store(Path(tmp) / "bench.duckdb")
        track(con, Path(tmp), handles, "youtube")
        first, real1 = _run(con, "youtube", settings, clock)
        n1 = len(srv.requests)
        units1 = sum(api.used.values())
        kinds = [r.path.rsplit("/", 1)[-1] for r in srv.requests]
        second, real2 = _run(con, "youtube", settings, clock)
        rerun = [r.path.rsplit("/", 1)[-1] for r in srv.requests[n1:]]
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        con.close()
    return {
        "seconds": real1,
        "rerun_s": real2,
        "sim_h": 0.0,
        "posts": posts,
        "requests": n1,
        "timeline": kinds.count("playlistItems") + kinds.count("videos"),
        "lookups": kinds.count("channels"),
        "rerun_timeline": rerun.count("playlistItems") + rerun.count("videos"),
        "rerun_lookups": rerun.count("channels"),
        "rerun_new": second.platforms[0].posts_new,  # type: ignore[attr-defined]
        "units": units1,
    }


def _run(con, platform: str, settings: Settings, clock: SimulatedClock) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    source = build_source(platform, settings, clock, SilentReporter())
    t0 = time.perf_counter()
    try:
        report = Collector(con, clock, CollectOptions()).run([source])
    finally:
        source.close()
    return report, time.perf_counter() - t0


ROUNDS = {"telegram": telegram_round, "youtube": youtube_round}
DEFAULTS = {"telegram": (30, 200), "youtube": (50, 500)}  # accounts, most posts of an account


def minimum(platform: str, accounts: int, cap: int) -> tuple[int, int]:
    """The fewest (lookup, timeline) requests the platform allows for a first collection: Telegram one
    profile page per channel and a preview page per 20 messages; YouTube one channels.list per 50
    channels, and per channel a playlistItems and a videos.list call per 50 videos."""
    if platform == "telegram":
        return accounts, sum(math.ceil(capped(i, cap) / TG_PAGE) for i in range(accounts))
    return math.ceil(accounts / 50), sum(2 * math.ceil(capped(i, cap) / 50) for i in range(accounts))


_PCHILD = """
sys.path.insert(0, sys.argv[1])
from collect_bench import ROUNDS
out = ROUNDS[sys.argv[2]](int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
out["peak_rss_mb"] = peak_mb()
print(json.dumps(out))
"""
PCOUNTS = ("posts", "requests", "timeline", "lookups", "rerun_timeline", "rerun_lookups", "rerun_new", "units")


def platform_main(platform: str, accounts: int | None, cap: int | None, throttle: float, rounds_wanted: int) -> None:
    accounts = accounts or DEFAULTS[platform][0]
    cap = cap or DEFAULTS[platform][1]
    rounds: list[dict] = []
    for n in range(max(rounds_wanted, MIN_ROUNDS)):
        out = run_child(_PCHILD, str(ROOT / "bench"), platform, str(accounts), str(cap), str(throttle))
        print(
            f"{platform} round {n + 1}: {out['seconds']:.2f} s real, peak RSS {out['peak_rss_mb']:.0f} MB", flush=True
        )
        if rounds and any(out[k] != rounds[0][k] for k in PCOUNTS):
            changed = {k: (rounds[0][k], out[k]) for k in PCOUNTS if out[k] != rounds[0][k]}
            print(f"  counts differ from round 1 (should be deterministic): {json.dumps(changed)}")
        rounds.append(out)
    r = rounds[0]
    low_lookups, low_timeline = minimum(platform, accounts, cap)
    low = low_lookups + low_timeline
    secs = [x["seconds"] for x in rounds]
    print(f"{platform}: {accounts} synthetic accounts of 1 to {cap} posts (real markup/objects, new ids and dates)")
    sim = f"; {r['sim_h']:.2f} h simulated at {throttle:g} s between requests" if platform == "telegram" else ""
    print(f"posts collected: {r['posts']:,}{sim}")
    print(
        f"wall time of the first run over {len(rounds)} rounds: min {min(secs):.2f} s, median "
        f"{statistics.median(secs):.2f} s; peak RSS max {max(x['peak_rss_mb'] for x in rounds):.0f} MB"
    )
    print(
        f"requests used: {r['requests']:,} ({r['lookups']:,} lookups, {r['timeline']:,} timeline); minimum needed: "
        f"{low:,} ({low_lookups:,} + {low_timeline:,}); ratio {r['requests'] / low:.3f}"
    )
    if platform == "youtube":
        print(f"quota units spent (server's count): {r['units']:,}; at 10,000 units a key a day")
    rerun = [x["rerun_s"] for x in rounds]
    print(
        f"incremental re-run, nothing new: {r['rerun_timeline']} timeline requests for {accounts} accounts "
        f"({r['rerun_timeline'] / accounts:.2f} per account) + {r['rerun_lookups']} lookups; "
        f"{r['rerun_new']} new posts; min {min(rerun):.2f} s, median {statistics.median(rerun):.2f} s real"
    )


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
    ap.add_argument("--platform", choices=("x", "telegram", "youtube", "all"), default="x")
    ap.add_argument("--posts", type=int, default=None, help="telegram/youtube: the most posts of an account")
    ap.add_argument("--throttle", type=float, default=2.0, help="telegram: seconds between requests (simulated)")
    args = ap.parse_args()
    for platform in ("telegram", "youtube"):
        if args.platform in (platform, "all"):
            accounts = args.accounts if "--accounts" in sys.argv else None
            platform_main(platform, accounts, args.posts, args.throttle, args.rounds)
    if args.platform not in ("x", "all"):
        return
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
