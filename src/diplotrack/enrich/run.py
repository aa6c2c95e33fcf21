"""Enrich the store's posts: language, topics, tone, link domains and state-media references.

Results go to ``post_enrichment`` (one row per post, with the ``enrichment_version`` that made
it); the ``posts_enriched`` view joins them to ``posts``. A run enriches only the posts that have
no row for the current version, so a second run on an enriched store does no work, and a new
version of any part (the language model, the topic taxonomy or a user's extension of it, the tone
cues, the state-media list, the shortener list) makes every post outdated, to be redone.

Link domains read ``link_resolutions`` (``diplotrack resolve-links``): a link counts under the
final domain its redirects led to when known, else its own registered domain; a link on a URL
shortener whose destination is unknown counts under no domain and is listed in
``unresolved_links`` instead (enrich/domains.py ``link_domain``). A post whose enrichment is older
than a resolution of one of its links is outdated too, so resolving links and enriching again
moves its links to their final domains (and its state-media links with them).

Work is done in chunks of posts: each chunk is computed (in worker processes when there is
enough to do, ``DIPLOTRACK_WORKERS``, default 2) and written in one transaction, replacing the
rows of its posts; a run killed midway leaves whole chunks, and the next run does the rest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import duckdb
import pyarrow as pa

from diplotrack.store import rollups
from diplotrack.store.db import transaction, utcnow

CHUNK = 20_000
# outlets counted as state media; the list's public-funded broadcasters (VOA, DW, …) are not
STATE_KINDS = ("state-controlled", "state-affiliated")
PARALLEL_FROM = 50_000  # fewer posts than this: enrich in-process (starting two workers costs ~3 s)
ENV_WORKERS = "DIPLOTRACK_WORKERS"

RESULT_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("lang_detected", pa.string()),
        ("lang_confidence", pa.float64()),
        ("topics", pa.list_(pa.string())),
        ("tone_label", pa.string()),
        ("tone_score", pa.float64()),
        ("tone_cues", pa.list_(pa.string())),
        ("domains", pa.list_(pa.string())),
        ("state_media", pa.list_(pa.string())),
        ("state_media_via", pa.list_(pa.string())),
        ("terms", pa.list_(pa.string())),
        ("unresolved_links", pa.list_(pa.string())),
    ]
)


@dataclass
class EnrichReport:
    version: str
    posts_total: int
    posts_enriched: int
    posts_outdated: int
    seconds: float
    workers: int

    @property
    def posts_per_second(self) -> float:
        return self.posts_enriched / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict:
        return {
            "enrichment_version": self.version,
            "posts_total": self.posts_total,
            "posts_enriched": self.posts_enriched,
            "posts_outdated_replaced": self.posts_outdated,
            "seconds": round(self.seconds, 3),
            "posts_per_second": round(self.posts_per_second, 1),
            "workers": self.workers,
        }


class Enricher:
    """Everything one post needs, loaded once per process."""

    def __init__(self, topics_file: Path | None = None) -> None:
        from diplotrack.enrich.domains import shorteners_version
        from diplotrack.enrich.language import LANG_VERSION
        from diplotrack.enrich.state_media import load_state_media
        from diplotrack.enrich.tone_model import ToneClassifier
        from diplotrack.enrich.topics import load_taxonomy

        self.taxonomy = load_taxonomy(topics_file)
        self.tone = ToneClassifier()
        self.state_media = load_state_media()
        self.version = "|".join(
            [
                LANG_VERSION,
                self.taxonomy.version,
                self.tone.version,
                self.state_media.version,
                "entities-1+terms-1+links-1",
                shorteners_version(),
            ]
        )

    def run(self, rows: dict[str, list]) -> pa.Table:
        from diplotrack.enrich.domains import link_domain
        from diplotrack.enrich.language import detect_language
        from diplotrack.enrich.terms import tokenize

        out: dict[str, list] = {name: [] for name in RESULT_SCHEMA.names}
        sm = self.state_media
        for i, text in enumerate(rows["text"]):
            platform = rows["platform"][i]
            lang, conf = detect_language(text)
            hashtags = rows["hashtags"][i] or []
            tone = self.tone.score(text, lang)
            domains: list[str] = []
            outlets: list[str] = []
            via: list[str] = []
            unresolved: list[str] = []
            finals = rows["finals"][i] or []
            for j, url in enumerate(rows["urls"][i] or []):
                d, short = link_domain(url, finals[j] if j < len(finals) else None)
                if short and url not in unresolved:
                    unresolved.append(url)
                if d is None:
                    continue
                if d not in domains:
                    domains.append(d)
                o = sm.by_domain(d)
                if o is not None and o.kind in STATE_KINDS and o.id not in outlets:
                    outlets.append(o.id)
                    via.append("link")
            for how, handle in (("repost", rows["reposted_handle"][i]), ("quote", rows["quoted_handle"][i])):
                o = sm.by_account(platform, handle) if handle else None
                if o is not None and o.kind in STATE_KINDS and o.id not in outlets:
                    outlets.append(o.id)
                    via.append(how)
            out["platform"].append(platform)
            out["post_id"].append(rows["post_id"][i])
            out["lang_detected"].append(lang)
            out["lang_confidence"].append(conf)
            out["topics"].append(self.taxonomy.match(text, hashtags))
            out["tone_label"].append(tone.label)
            out["tone_score"].append(tone.score)
            out["tone_cues"].append(list(tone.cues))
            out["domains"].append(domains)
            out["state_media"].append(outlets)
            out["state_media_via"].append(via)
            out["terms"].append(tokenize(text, lang) if rows["kind"][i] != "repost" else None)
            out["unresolved_links"].append(unresolved)
        return pa.table(out, schema=RESULT_SCHEMA)


_WORKER: Enricher | None = None


def _init_worker(topics_file: Path | None) -> None:
    global _WORKER
    _WORKER = Enricher(topics_file)


def _work(rows: dict[str, list]) -> pa.Table:
    assert _WORKER is not None
    return _WORKER.run(rows)


@lru_cache(maxsize=4)
def enricher_for(topics_file: Path | None = None) -> Enricher:
    """One Enricher per topics file in a process (loading the models and lists takes about a second)."""
    return Enricher(topics_file)


def current_version(topics_file: Path | None = None) -> str:
    return enricher_for(topics_file).version


# posts enriched before a resolution of one of their links was written (diplotrack resolve-links)
_STALE = """
SELECT DISTINCT pe.platform, pe.post_id
FROM post_entities pe
JOIN link_resolutions lr ON lr.url = pe.normalized
JOIN post_enrichment e ON e.platform = pe.platform AND e.post_id = pe.post_id
WHERE pe.type = 'url' AND lr.resolved_at > e.enriched_at
"""
# posts whose enrichment is of this version and not stale
_FRESH = f"""
SELECT platform, post_id FROM post_enrichment WHERE enrichment_version = $version
EXCEPT
SELECT platform, post_id FROM ({_STALE})
"""


def outdated(con: duckdb.DuckDBPyConnection, version: str) -> int:
    """How many posts have no enrichment of this version, or one older than a resolution of a link."""
    return con.execute(
        f"SELECT count(*) FROM posts p ANTI JOIN ({_FRESH.replace('$version', '?')}) e USING (platform, post_id)",
        [version],
    ).fetchone()[0]


_TODO = f"""
CREATE OR REPLACE TEMP TABLE _enrich_todo AS
WITH todo AS (
    SELECT p.platform, p.post_id, p.text, p.kind, p.reposted_post_id, p.reposted_author_id, p.quoted_post_id,
           p.quoted_author_id
    FROM posts p
    ANTI JOIN ({_FRESH}) e
    USING (platform, post_id)
),
ents AS (
    SELECT pe.platform, pe.post_id,
           list(pe.normalized) FILTER (WHERE pe.type = 'hashtag') AS hashtags,
           list(pe.normalized ORDER BY pe.normalized) FILTER (WHERE pe.type = 'url') AS urls,
           list(lr.final_domain ORDER BY pe.normalized) FILTER (WHERE pe.type = 'url') AS finals
    FROM (SELECT * FROM post_entities SEMI JOIN todo USING (platform, post_id)
          WHERE type IN ('hashtag', 'url')) pe
    LEFT JOIN link_resolutions lr ON lr.url = pe.normalized  -- (a type test here makes it a nested loop)
    GROUP BY ALL
)
SELECT t.platform, t.post_id, t.text, t.kind, e.hashtags, e.urls, e.finals,
       coalesce(r.author_handle, CASE WHEN t.reposted_author_id LIKE 'handle:%'
                                      THEN substr(t.reposted_author_id, 8) END,
                regexp_extract(t.text, '^RT @(\\w+):', 1)) AS reposted_handle,
       coalesce(q.author_handle, CASE WHEN t.quoted_author_id LIKE 'handle:%'
                                      THEN substr(t.quoted_author_id, 8) END) AS quoted_handle,
       row_number() OVER () AS _rn
FROM todo t
LEFT JOIN ents e USING (platform, post_id)
LEFT JOIN (SELECT platform, post_id, author_handle FROM posts) r
       ON r.platform = t.platform AND r.post_id = t.reposted_post_id
LEFT JOIN (SELECT platform, post_id, author_handle FROM posts) q
       ON q.platform = t.platform AND q.post_id = t.quoted_post_id
"""


def enrich_store(
    con: duckdb.DuckDBPyConnection,
    *,
    topics_file: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> EnrichReport:
    """Enrich every post lacking an enrichment of the current version; returns what was done."""
    started = time.perf_counter()
    enricher = enricher_for(topics_file)
    version = enricher.version
    total = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    con.execute(_TODO.replace("$version", "?"), [version])
    todo = con.execute("SELECT count(*) FROM _enrich_todo").fetchone()[0]
    replaced = con.execute(
        "SELECT count(*) FROM post_enrichment SEMI JOIN _enrich_todo USING (platform, post_id)"
    ).fetchone()[0]
    n_workers = int(os.environ.get(ENV_WORKERS, "2")) if workers is None else workers
    use_pool = todo >= PARALLEL_FROM and n_workers > 1
    done = 0
    if on_progress:
        on_progress(0, todo)
    cols = "platform, post_id, text, kind, hashtags, urls, finals, reposted_handle, quoted_handle"
    chunks = (
        con.execute(f"SELECT {cols} FROM _enrich_todo WHERE _rn > ? AND _rn <= ?", [lo, lo + CHUNK]).arrow().read_all()
        for lo in range(0, todo, CHUNK)
    )
    try:
        if use_pool:
            with ProcessPoolExecutor(
                n_workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=(topics_file,)
            ) as pool:
                # at most two chunks in flight per worker, read from the store as the pool drains
                pending = []
                for chunk in chunks:
                    pending.append(pool.submit(_work, _as_rows(chunk)))
                    if len(pending) >= 2 * n_workers:
                        done += _write(con, pending.pop(0).result(), version)
                        if on_progress:
                            on_progress(done, todo)
                for fut in pending:
                    done += _write(con, fut.result(), version)
                    if on_progress:
                        on_progress(done, todo)
        else:
            for chunk in chunks:
                done += _write(con, enricher.run(_as_rows(chunk)), version)
                if on_progress:
                    on_progress(done, todo)
    finally:
        con.execute("DROP TABLE IF EXISTS _enrich_todo")
    return EnrichReport(version, total, done, replaced, time.perf_counter() - started, n_workers if use_pool else 1)


def _as_rows(chunk: pa.Table) -> dict[str, list]:
    return {name: chunk.column(name).to_pylist() for name in chunk.column_names}


def _write(con: duckdb.DuckDBPyConnection, result: pa.Table, version: str) -> int:
    con.register("_enrich_out", result)
    try:
        with transaction(con):
            con.execute(
                "DELETE FROM post_enrichment WHERE (platform, post_id) IN (SELECT platform, post_id FROM _enrich_out)"
            )
            rollups.mark(con, "SELECT platform, post_id FROM _enrich_out")
            con.execute(
                """INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected,
                          lang_confidence, topics, tone_label, tone_score, tone_cues, domains, state_media,
                          state_media_via, terms, enriched_at, unresolved_links)
                   SELECT platform, post_id, ?, lang_detected, lang_confidence, topics, tone_label, tone_score,
                          tone_cues, domains, state_media, state_media_via, terms, ?, unresolved_links
                   FROM _enrich_out""",
                [version, utcnow()],
            )
            rollups.refresh(con)
    finally:
        con.unregister("_enrich_out")
    return result.num_rows
