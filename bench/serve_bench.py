"""Dashboard benchmark: ``diplotrack serve`` as a separate process on a store (SYNTHETIC unless you
point it at another), and 8 concurrent clients replaying a mix of page and API requests with
varied filters.

Each round starts a fresh server (``diplotrack --db STORE serve --port N``, nothing cached) and
measures:

- **first page after start**: from starting the process to the first complete 200 answer of ``/``
  (Python start-up, imports, opening the store, building the overview; target <= 2 s);
- then ``--clients`` threads (8), each with its own keep-alive HTTP connection, send requests for
  ``--duration`` seconds, drawn at random (skewed: some addresses come back often, most rarely) from a
  pool of addresses made from what the store holds: every page of ``diplotrack.serve.pages.PAGES``
  whose address has no parameter (overview, accounts, posts, hashtags, topics, links, networks,
  coordination, data...; the network pages together as often as one other page) as HTML, as its
  JSON twin (``?_table=`` any of its tables) and now and then as CSV; account pages of real handles
  (``/accounts/{platform}/{handle}``); filters drawn from the store's own kinds, platforms, states,
  host countries, regions, years, languages, topics and tones; searches (``q``: handles on the
  accounts page, English and Chinese words on the posts page); sorts by a column a JSON answer of
  that table showed; and the next page of a JSON answer (``next_url``).

Printed per round and per page: p50, p95, p99 and max latency, requests per second, and separately
the **cold** requests (the first request of an address on this server: nothing of it cached yet)
and the **repeats**; every non-200 answer is an error and is listed. Targets (issue 15): p95 <= 300 ms
on a 1M-post store, <= 1 s on a 10M-post store, first page <= 2 s, on a 2-core machine; the clients
run in this process on the same machine, as in the target.

There is no other implementation to compare with: the rounds (at least three, each on a fresh
server) are the repetitions, and the summary prints the min and median over rounds of p95 and of the
first page (bench/README.md).

The store: ``--posts N`` makes one with ``bench/synthetic.py`` in a temporary folder (SYNTHETIC: real
texts, synthetic roster and activity, see its docstring); ``--db PATH`` uses an existing one, opened
read-only (a store whose handles are all ``acct_<n>`` is labelled SYNTHETIC).

Run:  .venv/bin/python bench/serve_bench.py --db /tmp/stores/s1m.duckdb [--duration 30] [--rounds 3]
      .venv/bin/python bench/serve_bench.py --posts 200000
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MIN_ROUNDS  # noqa: E402

P95_TARGETS = ((1_000_000, 0.3), (10_000_000, 1.0))  # (posts up to, seconds)
FIRST_PAGE_TARGET = 2.0
WORDS_EN = ("China", "cooperation", "Taiwan", "development", "people", "United States", "peace", "Xinjiang")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")  # a traceback's last line
WORDS_ZH = ("中国", "合作", "发展", "外交部", "美国", "和平")


@dataclass
class StoreFacts:
    """What the request mix is made from: read once from the store, read-only, before any server."""

    posts: int
    synthetic: bool
    options: dict[str, list[str]]
    years: list[int]
    accounts: list[tuple[str, str]]  # (platform, handle), the most active first


@dataclass
class Result:
    url: str
    label: str
    status: int | str
    seconds: float
    cold: bool
    body: str = ""


@dataclass
class Shared:
    """What the client threads learn while they run: columns of each JSON table, next pages."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    follow: list[tuple[str, str]] = field(default_factory=list)  # (url, label)
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def store_facts(db: Path) -> StoreFacts:
    from diplotrack.serve.options import filter_options
    from diplotrack.serve.reader import StoreReader

    reader = StoreReader(db)
    try:
        options = filter_options(reader)
        posts = int(reader.sql("SELECT count(*) AS n FROM posts")["n"].iloc[0])
        span = reader.sql("SELECT year(min(day)) AS a, year(max(day)) AS b FROM rollup_posts_day").iloc[0]
        years = list(range(int(span["a"]), int(span["b"]) + 1)) if span.notna().all() else []
        acc = reader.sql(
            """SELECT a.platform, a.handle, coalesce(sum(r.posts), 0) AS n FROM accounts a
               LEFT JOIN rollup_posts_day r ON r.platform = a.platform AND r.author_id = a.user_key
               GROUP BY ALL ORDER BY n DESC, a.handle LIMIT 300"""
        )
        synthetic = bool(
            reader.sql("SELECT bool_and(handle LIKE 'acct\\_%' ESCAPE '\\') AS s FROM accounts")["s"].iloc[0]
        )
    finally:
        reader.close()
    return StoreFacts(posts, synthetic, options, years, list(zip(acc["platform"], acc["handle"], strict=True)))


def _filters(rng: random.Random, facts: StoreFacts) -> dict[str, str]:
    """0 to 3 filters drawn from the store's own values."""
    o = facts.options
    choices = {
        "kind": lambda: rng.choice(o["kind"]),
        "platform": lambda: rng.choice(o["platform"]),
        "state": lambda: rng.choice(o["state"]),
        "host_country": lambda: ",".join(rng.sample(o["host_country"], min(len(o["host_country"]), rng.randint(1, 3)))),
        "region": lambda: rng.choice(o["region"]),
        "language": lambda: rng.choice(o["language"][:8]),
        "topic": lambda: rng.choice(o["topic"]),
        "tone": lambda: rng.choice(o["tone"]),
        "institutional": lambda: rng.choice(("true", "false")),
        "year": lambda: str(rng.choice(facts.years)),
    }
    usable = [k for k in choices if k in ("institutional", "year") or o.get(k)]
    if not facts.years:
        usable.remove("year")
    out: dict[str, str] = {}
    for name in rng.sample(usable, rng.choice((0, 0, 1, 1, 1, 2, 2, 3))):
        if {name, *out} >= {"region", "host_country"}:
            continue  # a region and countries outside it have no country in common: a 400, not a mix
        value = choices[name]()
        if name == "year":
            out.update(start=f"{value}-01-01", end=f"{value}-12-31")
        else:
            out[name] = value
    return out


def url_pool(facts: StoreFacts, size: int, seed: int) -> list[tuple[str, str]]:
    """``size`` (address, label) pairs over every page, drawn with ``seed``; label: page and format."""
    from diplotrack.serve.app import csv_path, json_path
    from diplotrack.serve.pages import PAGES

    rng = random.Random(seed)
    # pages without path parameters, by family: the five network pages and their index are one
    # family, so that the mix is not half networks
    families: dict[str, list] = defaultdict(list)
    for p in PAGES:
        if "{" not in p.path:
            families["networks" if p.path.startswith("/networks") else p.name].append(p)
    names = sorted(families)
    account_page = next((p for p in PAGES if p.path.count("{") == 2 and "{handle}" in p.path), None)
    pool: list[tuple[str, str]] = []
    while len(pool) < size:
        if account_page is not None and facts.accounts and rng.random() < 0.15:
            k = min(len(facts.accounts) - 1, int(len(facts.accounts) * rng.random() ** 2))
            platform, handle = facts.accounts[k]
            path = account_page.path.replace("{platform}", quote(platform, safe="")).replace(
                "{handle}", quote(handle, safe="")
            )
            fmt = rng.choice(("html", "json"))
            if fmt == "json":
                path += ".json"
            pool.append((path, f"{account_page.name} {fmt}"))
            continue
        page = rng.choice(families[rng.choice(names)])
        params = _filters(rng, facts)
        if page.name == "accounts" and rng.random() < 0.3 and facts.accounts:
            params["q"] = rng.choice(facts.accounts)[1][: rng.randint(3, 6)]
        if page.name == "posts" and rng.random() < 0.5:
            params["q"] = rng.choice(WORDS_ZH if rng.random() < 0.4 else WORDS_EN)
        r = rng.random()
        fmt = "html" if r < 0.45 else ("json" if r < 0.93 else "csv")
        if fmt == "html":
            path = page.path
        else:
            path = json_path(page) if fmt == "json" else csv_path(page)
            if len(page.tables) > 1:
                params["_table"] = rng.choice(page.tables).name
            if rng.random() < 0.2:
                params["_size"] = str(rng.choice((20, 50, 500)))
        pool.append((path + ("?" + urlencode(params) if params else ""), f"{page.name} {fmt}"))
    return pool


def free_port() -> int:
    """A port nothing listens on now (``serve --port 0`` would do, but its Host check then expects
    port 0 and answers 400: the server is given the port it will print)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen[str], str, float, float]:
    """A fresh ``diplotrack serve`` on a free port: the process, its base URL, the seconds from
    starting it to its "dashboard on" line (listening) and to the first complete 200 answer of ``/``."""
    port = free_port()
    exe = [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), "serve", "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(exe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        assert proc.stdout is not None
        line = ""
        while "dashboard on http://" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise SystemExit(f"diplotrack serve did not start (exit {proc.returncode})")
        listening = time.perf_counter() - t0
        base = line.split("dashboard on ", 1)[1].split(" ", 1)[0].rstrip("/")
        log: list[str] = []  # what the server says after start (an unexpected error's traceback)
        threading.Thread(target=lambda: log.extend(proc.stdout), daemon=True).start()  # type: ignore[arg-type]
        proc.log = log  # type: ignore[attr-defined]
        r = httpx.get(base + "/", timeout=60)
        first = time.perf_counter() - t0
        if r.status_code != 200:
            raise SystemExit(f"the first page answered {r.status_code}: {r.text[:300]}")
    except BaseException:
        stop_server(proc)
        raise
    return proc, base, listening, first


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _client(base: str, pool: list[tuple[str, str]], seed: int, until: float, shared: Shared, out: list[Result]) -> None:
    rng = random.Random(seed)
    # a few addresses often, most rarely (Zipf-like over the pool's order, which is random)
    cum = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(pool))))
    with httpx.Client(base_url=base, timeout=60) as http:
        while time.perf_counter() < until:
            with shared.lock:
                nxt = shared.follow.pop() if shared.follow and rng.random() < 0.1 else None
            url, label = nxt if nxt else rng.choices(pool, cum_weights=cum)[0]
            if nxt is None and ".json" in url and rng.random() < 0.2:
                key = url.split("?")[0] + _table_of(url)
                with shared.lock:
                    cols = shared.columns.get(key)
                if cols:  # a sort by a column this table has shown
                    url += ("&" if "?" in url else "?") + urlencode(
                        {rng.choice(("_sort", "_sort_desc")): rng.choice(cols)}
                    )
            with shared.lock:
                cold = url not in shared.seen
                shared.seen.add(url)
            t0 = time.perf_counter()
            try:
                r = http.get(url)
                status: int | str = r.status_code
                body = r.text[:300] if r.status_code != 200 else ""
            except httpx.HTTPError as exc:
                status, body, r = type(exc).__name__, str(exc)[:300], None
            dt = time.perf_counter() - t0
            out.append(Result(url, label, status, dt, cold, body))
            key = url.split("?")[0] + _table_of(url)
            if r is not None and r.status_code == 200 and url.split("?")[0].endswith(".json"):
                with shared.lock:
                    known = key in shared.columns
                if known and rng.random() < 0.7:
                    continue  # parse only what teaches something: the client shares the server's 2 cores
                try:
                    data = r.json()
                except ValueError:
                    continue
                with shared.lock:
                    shared.columns.setdefault(key, data.get("columns") or [])
                    if data.get("next_url") and len(shared.follow) < 200:
                        shared.follow.append((data["next_url"], label.removesuffix(" next") + " next"))


def _table_of(url: str) -> str:
    return url.split("_table=", 1)[1].split("&", 1)[0] if "_table=" in url else ""


def pct(xs: list[float]) -> tuple[float, float, float, float]:
    a = np.asarray(xs)
    return tuple(float(v) for v in np.percentile(a, [50, 95, 99, 100]))  # type: ignore[return-value]


def _line(name: str, rs: list[Result], seconds: float | None = None) -> str:
    if not rs:
        return f"  {name:34} n=0"
    p50, p95, p99, mx = pct([r.seconds for r in rs])
    errs = sum(1 for r in rs if r.status != 200)
    rate = f" {len(rs) / seconds:6.1f} req/s" if seconds else ""
    return (
        f"  {name:34} n={len(rs):5d} errors={errs:3d} p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
        f"p99 {p99 * 1000:6.0f} ms  max {mx * 1000:6.0f} ms{rate}"
    )


def run_round(db: Path, facts: StoreFacts, args: argparse.Namespace, n: int) -> dict:
    pool = url_pool(facts, args.pool, args.seed)
    proc, base, listening, first = start_server(db)
    try:
        shared, out = Shared(), []
        results: list[list[Result]] = [[] for _ in range(args.clients)]
        t0 = time.perf_counter()
        until = t0 + args.duration
        threads = [
            threading.Thread(
                target=_client, args=(base, pool, args.seed * 1000 + n * 100 + i, until, shared, results[i])
            )
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        out = [r for rs in results for r in rs]
    finally:
        stop_server(proc)
    print(
        f"round {n + 1}: first page after start {first:.2f} s (listening after {listening:.2f} s); "
        f"{len(out)} requests in {wall:.1f} s",
        flush=True,
    )
    print(_line("all", out, wall))
    print(_line("cold (first request of an address)", [r for r in out if r.cold]))
    print(_line("repeats", [r for r in out if not r.cold]))
    by_label: dict[str, list[Result]] = defaultdict(list)
    for r in out:
        by_label[r.label.removesuffix(" next") + (" (next page)" if r.label.endswith(" next") else "")].append(r)
    for label in sorted(by_label):
        print(_line(label, by_label[label]))
    print("  slowest:")
    for r in sorted(out, key=lambda r: -r.seconds)[: args.slowest]:
        print(f"    {r.seconds * 1000:7.0f} ms {'cold' if r.cold else 'repeat'} {r.url}")
    errors = [r for r in out if r.status != 200]
    raised = Counter(ln.strip()[:200] for ln in getattr(proc, "log", []) if _EXCEPTION.match(ln))
    if raised:  # the server's own words: the exception line of each traceback it logged
        print(f"  the server logged {sum(raised.values())} exception(s):")
        for text, k in raised.most_common(10):
            print(f"    {k} x {text}")
    for r in errors[:20]:
        print(f"  ERROR {r.status} {r.url}: {r.body.strip()[:200]}")
    if len(errors) > 20:
        print(f"  ... and {len(errors) - 20} more errors")
    p50, p95, p99, _ = pct([r.seconds for r in out]) if out else (float("nan"),) * 4
    cold = [r.seconds for r in out if r.cold]
    warm = [r.seconds for r in out if not r.cold]
    return {
        "first_page_s": first,
        "listening_s": listening,
        "requests": len(out),
        "rps": len(out) / wall,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "cold_p95": pct(cold)[1] if cold else None,
        "repeat_p95": pct(warm)[1] if warm else None,
        "errors": [(r.status, r.url) for r in errors],
        "pages": {label: _figures(rs) for label, rs in sorted(by_label.items())},
        "slowest": [(round(r.seconds, 3), r.url) for r in sorted(out, key=lambda r: -r.seconds)[:20]],
    }


def _figures(rs: list[Result]) -> dict:
    p50, p95, p99, mx = pct([r.seconds for r in rs])
    return {"n": len(rs), "errors": sum(r.status != 200 for r in rs), "p50": p50, "p95": p95, "p99": p99, "max": mx}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, help="an existing store (opened read-only)")
    ap.add_argument("--posts", type=int, help="make a SYNTHETIC store of this many posts (bench/synthetic.py)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of requests per round")
    ap.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    ap.add_argument("--pool", type=int, default=300, help="distinct addresses in the mix")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--slowest", type=int, default=5, help="print this many slowest requests per round")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = ap.parse_args()
    if (args.db is None) == (args.posts is None):
        ap.error("give --db PATH or --posts N")
    tmp = None
    if args.posts:
        from synthetic import make_store

        tmp = tempfile.TemporaryDirectory(prefix="serve-bench-")
        db = Path(tmp.name) / "synthetic.duckdb"
        made = make_store(db, args.posts)
        print(f"SYNTHETIC store (bench/synthetic.py): {made['posts']:,} posts in {made['seconds']:.0f} s", flush=True)
    else:
        db = args.db
    facts = store_facts(db)
    label = "SYNTHETIC store (bench/synthetic.py)" if facts.synthetic else "store"
    print(
        f"{label} {db}: {facts.posts:,} posts, {len(facts.accounts)} accounts sampled; {args.clients} clients, "
        f"{args.duration:.0f} s per round, {max(args.rounds, MIN_ROUNDS)} rounds on a fresh server each",
        flush=True,
    )
    rounds = [run_round(db, facts, args, n) for n in range(max(args.rounds, MIN_ROUNDS))]
    target = next((t for limit, t in P95_TARGETS if facts.posts <= limit * 1.05), None)
    print("summary over rounds (min / median):")
    for key, name in (("first_page_s", "first page after start"), ("p50", "p50"), ("p95", "p95"), ("p99", "p99")):
        xs = [r[key] for r in rounds]
        print(f"  {name:24} {min(xs) * 1000:7.0f} ms / {statistics.median(xs) * 1000:7.0f} ms")
    for key, name in (("cold_p95", "p95 cold"), ("repeat_p95", "p95 repeats")):
        xs = [r[key] for r in rounds if r[key] is not None]
        if xs:
            print(f"  {name:24} {min(xs) * 1000:7.0f} ms / {statistics.median(xs) * 1000:7.0f} ms")
    rps = [r["rps"] for r in rounds]
    print(f"  {'requests per second':24} {min(rps):7.1f} / {statistics.median(rps):7.1f}")
    print(f"  {'errors':24} {sum(len(r['errors']) for r in rounds)}")
    med_p95 = statistics.median(r["p95"] for r in rounds)
    med_first = statistics.median(r["first_page_s"] for r in rounds)
    if target is not None:
        verdict = "met" if med_p95 <= target else "NOT met"
        print(
            f"target p95 <= {target * 1000:.0f} ms at {facts.posts:,} posts: {verdict} "
            f"(median p95 {med_p95 * 1000:.0f} ms)"
        )
    verdict = "met" if med_first <= FIRST_PAGE_TARGET else "NOT met"
    print(f"target first page <= {FIRST_PAGE_TARGET:.0f} s: {verdict} (median {med_first:.2f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"store": str(db), "posts": facts.posts, "synthetic": facts.synthetic, "rounds": rounds},
                indent=1,
                default=str,
            )
        )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
