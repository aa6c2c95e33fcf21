"""Enrichment benchmark: language, topics, tone, link domains and state-media references on 1M posts.

The store is SYNTHETIC in volume, real in content: the texts are the real posts bundled with the
demo (four rtweet timelines, English) and real Chinese MFA answers (tests/fixtures/tone), repeated
with new post ids until there are N posts; each post keeps the real hashtags and links of its text
(extracted as the importers do), and one in five is a repost of a state-media or ministry account.

Run:  .venv/bin/python bench/enrich_bench.py [--posts 1000000] [--workers 2]
Prints the posts per second of a full enrichment (target >= 5,000 posts/s on this 2-core machine)
with its ratio to the target, the peak RSS of the process tree, and the seconds a second run takes
when nothing is outdated (it should do no work).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5000.0


def real_texts() -> list[str]:
    texts: list[str] = []
    for f in sorted((ROOT / "src" / "diplotrack" / "data" / "demo").glob("*.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("full_text"):
                    texts.append(row["full_text"])
    with open(ROOT / "tests" / "fixtures" / "tone" / "labels.csv", encoding="utf-8", newline="") as fh:
        texts += [r["text"] for r in csv.DictReader(fh) if r["lang"] == "zh"]
    return texts


def build_store(path: Path, n: int) -> None:
    from diplotrack.importers.text_entities import entities_from_text
    from diplotrack.store.db import open_store

    texts = real_texts()
    ents = [entities_from_text(t) for t in texts]
    con = open_store(path)
    base = pa.table(
        {
            "i": list(range(len(texts))),
            "text": texts,
        }
    )
    e_rows = {"i": [], "type": [], "value": [], "normalized": []}
    for i, es in enumerate(ents):
        for e in es:
            e_rows["i"].append(i)
            e_rows["type"].append(e.type)
            e_rows["value"].append(e.value)
            e_rows["normalized"].append(e.normalized)
    con.register("_texts", base)
    con.register("_ents", pa.table(e_rows))
    k = len(texts)
    con.execute(
        f"""INSERT INTO posts (platform, post_id, author_id, author_handle, created_at, text, lang, kind,
                reposted_author_id, first_seen_at)
            SELECT 'x', 'bench-' || g, 'handle:acct' || (g % 500), 'acct' || (g % 500),
                   TIMESTAMP '2021-01-01' + INTERVAL (g % 86400) MINUTE, t.text, NULL,
                   CASE WHEN g % 5 = 0 THEN 'repost' ELSE 'original' END,
                   CASE WHEN g % 10 = 0 THEN 'handle:cgtnofficial' WHEN g % 5 = 0 THEN 'handle:mfa_china' END,
                   now()
            FROM range({n}) r(g) JOIN _texts t ON t.i = g % {k}"""
    )
    con.execute(
        f"""INSERT INTO post_entities
            SELECT 'x', 'bench-' || g, e.type, e.value, e.normalized
            FROM range({n}) r(g) JOIN _ents e ON e.i = g % {k}"""
    )
    con.close()


class PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                rss = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                rss = 0
            self.peak = max(self.peak, rss)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRss:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from diplotrack.enrich.run import enrich_store
    from diplotrack.store.db import open_store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        build_store(db, args.posts)
        print(f"synthetic store: {args.posts:,} posts built in {time.perf_counter() - t0:.1f} s", flush=True)
        con = open_store(db)
        with PeakRss() as rss:
            report = enrich_store(con, workers=args.workers)
        again = enrich_store(con, workers=args.workers)
        con.close()
    rate = report.posts_per_second
    print(
        f"enrichment (language, topics, tone, domains, state media): {report.posts_enriched:,} posts in "
        f"{report.seconds:.1f} s = {rate:,.0f} posts/s with {report.workers} process(es); "
        f"target >= {TARGET:,.0f} posts/s; ratio {rate / TARGET:.2f}"
    )
    print(f"peak RSS (process tree): {rss.peak / 2**30:.2f} GB")
    print(f"second run: {again.posts_enriched} posts enriched in {again.seconds:.2f} s (nothing outdated)")
    print(f"version: {report.version}")


if __name__ == "__main__":
    sys.exit(main())
