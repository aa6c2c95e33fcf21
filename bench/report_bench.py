"""Report benchmark: the whole report over large SYNTHETIC stores.

The stores are generated in DuckDB and clearly synthetic: 2,000 accounts (actors of every roster
kind across 60 host countries) with 4 profile snapshots each, and N posts with a realistic skew:
the author of a post is account floor(2000 * u^4) for uniform u, so a few accounts post most
(the top 1% of accounts write 32% of the posts, the top 10% write 56%), as on real platforms.
70% of posts are originals, 18% reposts, 8% replies, 4% quotes; reposts point mostly to a hundred
tracked accounts, else to untracked ones; 60% of posts mention a tracked account.

Run:  .venv/bin/python bench/report_bench.py [--posts 1000000 10000000] [--keep]
Prints, per store size, the seconds the whole report took (`build_report`: every analysis, tables,
charts, HTML, Markdown, summary.json), its ratio to the target (1M posts <= 10 s, 10M <= 60 s) and
the peak RSS of the process (target <= 4 GB).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {1_000_000: 10.0, 10_000_000: 60.0}
ACCOUNTS = 2000
KINDS = [
    ("embassy", 0.30),
    ("consulate", 0.20),
    ("mission", 0.04),
    ("ambassador", 0.12),
    ("consul_general", 0.08),
    ("diplomat", 0.12),
    ("spokesperson", 0.03),
    ("ministry", 0.02),
    ("state_media", 0.06),
    ("state_media_journalist", 0.03),
]
COUNTRIES = [
    "FR",
    "DE",
    "IT",
    "ES",
    "GB",
    "US",
    "CA",
    "JP",
    "KR",
    "AU",
    "NZ",
    "IN",
    "PK",
    "BD",
    "LK",
    "NP",
    "TH",
    "VN",
    "MY",
    "SG",
    "ID",
    "PH",
    "BR",
    "AR",
    "CL",
    "PE",
    "MX",
    "CO",
    "VE",
    "CU",
    "ZA",
    "NG",
    "KE",
    "ET",
    "EG",
    "MA",
    "DZ",
    "TN",
    "TR",
    "IR",
    "IQ",
    "SA",
    "AE",
    "QA",
    "IL",
    "RU",
    "UA",
    "PL",
    "CZ",
    "HU",
    "RO",
    "BG",
    "GR",
    "PT",
    "NL",
    "BE",
    "SE",
    "NO",
    "DK",
    "FI",
    "CH",
    "AT",
]


def generate(db: Path, n_posts: int) -> float:
    """Create the synthetic store at ``db``; returns seconds taken."""
    from diplotrack.store.db import open_store

    t0 = time.perf_counter()
    con = open_store(db)
    kinds_case = (
        "CASE "
        + " ".join(
            f"WHEN k < {sum(w for _, w in KINDS[: i + 1]):.4f} THEN '{name}'" for i, (name, _) in enumerate(KINDS)
        )
        + " ELSE 'other' END"
    )
    countries = "[" + ", ".join(f"'{c}'" for c in COUNTRIES) + "]"
    con.execute("SELECT setseed(0.42)")
    con.execute(
        f"""CREATE TEMP TABLE gen_acc AS
            SELECT i, 'acct' || i AS handle, 'id' || (1000000 + i) AS user_id, {kinds_case} AS kind,
                   {countries}[1 + (i % {len(COUNTRIES)})] AS host
            FROM (SELECT range AS i, random() AS k FROM range({ACCOUNTS}))"""
    )
    con.execute(
        """INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, host_city, organisation,
                              person, tenure_start, tenure_end, languages, tags, source, notes, updated_at)
           SELECT 'a' || i, 'Synthetic actor ' || i, kind,
               kind IN ('embassy','consulate','mission','ministry','state_media'), 'CN',
               CASE WHEN kind IN ('ministry','spokesperson','state_media','state_media_journalist') THEN 'CN'
                    ELSE host END, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'synthetic', NULL, now()::TIMESTAMP
           FROM gen_acc"""
    )
    con.execute(
        """INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, notes, updated_at)
           SELECT 'x', handle, user_id, user_id, 'a' || i, 'synthetic', NULL, now()::TIMESTAMP
           FROM gen_acc"""
    )
    con.execute(
        """INSERT INTO profile_snapshots
           SELECT 'x', a.user_id, TIMESTAMP '2020-01-01' + INTERVAL (s * 365) DAY, a.handle, NULL, NULL, NULL,
                  TIMESTAMP '2009-01-01' + INTERVAL (CAST(hash(a.i) % 5400 AS BIGINT)) DAY,
                  CAST(100 * pow(1.7, 1 + (hash(a.i) % 12)) * (1 + 0.2 * s) AS BIGINT),
                  CAST(50 + hash(a.i * 7) % 900 AS BIGINT), CAST(20 * (hash(a.i) % 400) * (1 + s) AS BIGINT),
                  false, CASE WHEN s = 3 AND a.i % 97 = 0 THEN 'suspended' ELSE 'active' END, 'synthetic',
                  NULL
           FROM gen_acc a, range(4) r(s)"""
    )
    con.execute(
        f"""INSERT INTO posts
            SELECT 'x', 'p' || n, 'id' || (1000000 + author), 'acct' || author,
                   TIMESTAMP '2019-01-01' + INTERVAL (CAST(r2 * 1460 * 86400 AS BIGINT)) SECOND,
                   'synthetic post ' || n, 'en', kind,
                   CASE WHEN kind = 'repost' THEN 'p' || (n // 3) END,
                   CASE WHEN kind = 'repost' THEN (CASE WHEN r3 < 0.7 THEN 'id' || (1000000 + CAST(r3 * 100 AS INT))
                                                        ELSE 'untracked' || CAST(r3 * 5000 AS INT) END) END,
                   CASE WHEN kind = 'quote' THEN 'p' || (n // 5) END,
                   CASE WHEN kind = 'quote' THEN 'id' || (1000000 + CAST(r3 * 2000 AS INT)) END,
                   CASE WHEN kind = 'reply' THEN 'p' || (n // 7) END,
                   CASE WHEN kind = 'reply' THEN 'id' || (1000000 + CAST(r3 * 2000 AS INT)) END,
                   NULL, CAST(r3 * 50 AS BIGINT), CAST(r2 * 20 AS BIGINT), CAST(r1 * 5 AS BIGINT), 0,
                   TIMESTAMP '2023-06-01', 'synthetic', NULL,
                   struct_pack(source := 'synthetic', file := NULL::VARCHAR, line := NULL::BIGINT,
                               raw_id := NULL::VARCHAR, pointer := NULL::VARCHAR, run_id := NULL::BIGINT),
                   now()::TIMESTAMP
            FROM (SELECT *, CASE WHEN r1 < 0.70 THEN 'original' WHEN r1 < 0.88 THEN 'repost'
                                 WHEN r1 < 0.96 THEN 'reply' ELSE 'quote' END AS kind
                  FROM (SELECT range AS n, CAST(floor({ACCOUNTS} * pow(random(), 4)) AS INT) AS author,
                               random() AS r1, random() AS r2, random() AS r3
                        FROM range({n_posts})))"""
    )
    con.execute(
        f"""INSERT INTO post_entities
            SELECT 'x', 'p' || n, 'mention', 'acct' || m, 'acct' || m
            FROM (SELECT range AS n, CAST(floor({ACCOUNTS} * pow(random(), 2)) AS INT) AS m, random() AS r
                  FROM range({n_posts})) WHERE r < 0.6"""
    )
    # enrichment rows as `diplotrack enrich` writes them (synthetic values): a language (85% en, the
    # rest spread over nine), 0-2 topics, a tone label and score, a link domain for a third of the
    # posts (one in ten a state-media one), and 12 terms from a 20,000-word vocabulary with a Zipf-like
    # skew; reposts have no terms
    con.execute(
        """INSERT INTO post_enrichment
            SELECT 'x', 'p' || n, 'synthetic', lang, 0.9,
                   CASE WHEN r2 < 0.4 THEN [] WHEN r2 < 0.8 THEN ['topic' || CAST(r3 * 25 AS INT)]
                        ELSE ['topic' || CAST(r3 * 25 AS INT), 'topic' || CAST(r1 * 25 AS INT)] END,
                   CASE WHEN r3 < 0.2 THEN 'confrontational' WHEN r3 < 0.35 THEN 'conciliatory' ELSE 'neutral' END,
                   CASE WHEN r3 < 0.2 THEN 0.6 WHEN r3 < 0.35 THEN -0.5 ELSE 0.0 END,
                   CASE WHEN r3 < 0.35 THEN ['cue' || CAST(r1 * 50 AS INT)] ELSE [] END,
                   CASE WHEN r1 < 0.33 THEN ['site' || CAST(r2 * 300 AS INT) || '.com'] ELSE [] END,
                   CASE WHEN r1 < 0.033 THEN ['cgtn'] ELSE [] END,
                   CASE WHEN r1 < 0.033 THEN ['link'] ELSE [] END,
                   CASE WHEN kind = 'repost' THEN NULL
                        ELSE list_transform(range(12), i -> 'w' || CAST(floor(20000 * pow(random(), 3)) AS INT)) END,
                   now()::TIMESTAMP
            FROM (SELECT p.post_id, p.kind, CAST(substr(p.post_id, 2) AS BIGINT) AS n, random() AS r1,
                         random() AS r2, random() AS r3,
                         CASE WHEN random() < 0.85 THEN 'en'
                              ELSE ['fr', 'es', 'de', 'ar', 'ru', 'zh', 'ja', 'pt', 'und']
                                   [1 + CAST(random() * 8 AS INT)]
                         END AS lang
                  FROM posts p)"""
    )
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


_CHILD = r"""
import json, sys, threading, time
from pathlib import Path
import psutil
db, out = sys.argv[1], Path(sys.argv[2])
peak = 0
def sample():
    global peak
    me = psutil.Process()
    while True:
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [me, *me.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
from diplotrack.report.build import build_report
from diplotrack.store.db import open_store_read_only
t0 = time.perf_counter()
con = open_store_read_only(db)
r = build_report(con, out)
con.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": peak / 2**20,
                  "posts_total": r.summary["posts_total"], "accounts": r.summary["accounts_total"]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated stores")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="diplotrack-report-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for n in args.posts:
        db = work / f"synthetic-{n}.duckdb"
        if not db.exists():
            secs = generate(db, n)
            print(f"generated a synthetic store of {n:,} posts, {ACCOUNTS} accounts in {secs:.1f} s: {db}")
        res = subprocess.run(
            [sys.executable, "-c", _CHILD, str(db), str(work / f"report-{n}")],
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            raise SystemExit(f"report on {n:,} posts failed:\n{res.stderr[-3000:]}")
        r = json.loads(res.stdout.strip().splitlines()[-1])
        target = TARGETS.get(n)
        ratio = f", {r['seconds'] / target:.2f}x the {target:.0f} s target" if target else ""
        print(
            f"report on {n:,} posts: {r['seconds']:.1f} s{ratio}; peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(target <= 4096 MB); {r['posts_total']:,} posts by {r['accounts']} accounts in the window"
        )
    if not args.keep and args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
