"""Synthetic stores that look like real ones, for the report and network benchmarks (issue 14).

Call ``make_store(path, posts, seed=...)``: it creates a store with ``open_store`` (the real schema),
bulk-loads every public table a report reads with DuckDB SQL (no per-post Python), builds the rollups
with ``rollups.rebuild`` in a transaction, and returns what it made (counts and seconds).

What is REAL:
- the texts: a pool of real posts (the bundled demo timelines of MFA_China, SpokespersonCHN,
  globaltimesnews and zlj517, the CHC mention texts, the Chinese MFA answers and the X v2 fixtures
  in tests/fixtures, English, Chinese, Spanish and more), each reused many times under new post ids;
- the entities of a text (hashtags, cashtags, mentions, links), extracted as the CSV importers do,
  so hashtags and mentions keep their real skew;
- the enrichment: the pool is enriched ONCE by the real enricher (``enricher_for().run``) in the three
  forms a text takes here (as it is, after a ``@handle`` and after ``RT @handle:``), link domains and
  state-media outlets are looked up with the real ``registered_domain`` and state-media list, and each
  post gets the enrichment of its text, its link and the account it reposts or quotes, as
  ``diplotrack enrich`` would write it (a test re-enriches a sample of posts and compares);
- the X handles of the Chinese state-media outlets (XHNews, CGTNOfficial, globaltimesnews, ...) for
  tracked state-media accounts, so reposting them marks a post as state media, as in life.

What is SYNTHETIC:
- the roster: ``tracked`` actors (default 2,000) of every kind across 62 host countries, each with an
  X account, one in five also on Bluesky and one in twelve on Mastodon; handles ``acct_<i>`` and ids
  are invented; profile snapshots every 91 days with follower counts that grow;
- who posts: a tracked account is picked with a strong skew (account floor(A * u^4): a tenth of the
  accounts write over half of their posts); 65% of posts are by that account (55% originals, 30%
  reposts, 8% replies, 7% quotes) and 35% by an amplifier engaging with it (70% reposts, 15% replies,
  10% quotes, 5% originals);
- amplifiers: untracked accounts ``amp_<j>`` whose number grows with the posts (Heaps-like: post n
  draws j below 5 * (n + 1)^0.7 with a skew to the older ones): 934 at 5,000 posts, 3,072 at 20,000,
  80,592 at 1M (faster than N^0.7 while the draws do not yet fill the range, about N^0.7 above ~1M),
  so the networks grow with the store as they do in life;
- references: 70% of a tracked account's reposts and quotes are of state media, the ministry and
  spokespersons, 20% of other tracked accounts, 10% of amplifiers; a reference to a tracked account
  points to one of its real originals in the store from about the same time, and comes 1.5 hours
  (mean, exponential) after it with the original's text and link; replies start with ``@target``;
  20% of originals and quotes start with a mention (60% a tracked account, 40% an amplifier);
- link targets: a post whose text has a link gets one site for its links, drawn with a Zipf(1) skew
  from a list of real sites (the ministry's, the state media's, news sites, YouTube); paths invented;
- times: 2019-01-01 to 2022-12-31, post n at n/N of the way; engagement counts skewed; 0.5% deleted.

Run alone:  .venv/bin/python bench/synthetic.py PATH --posts 1000000
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "diplotrack-bench"
START, DAYS = "2019-01-01", 1461
KINDS = {  # roster kind: share of actors
    "embassy": 0.30,
    "consulate": 0.20,
    "mission": 0.04,
    "ambassador": 0.12,
    "consul_general": 0.08,
    "diplomat": 0.12,
    "spokesperson": 0.03,
    "ministry": 0.02,
    "state_media": 0.06,
    "state_media_journalist": 0.03,
}
SOURCES = ("state_media", "ministry", "spokesperson")  # the accounts most reposted
HOSTED = ("embassy", "consulate", "mission", "ambassador", "consul_general")
INSTITUTIONAL = ("embassy", "consulate", "mission", "ministry", "state_media")
COUNTRIES = str.split(
    "FR DE IT ES GB US CA JP KR AU NZ IN PK BD LK NP TH VN MY SG ID PH BR AR CL PE MX CO VE CU ZA NG KE ET EG "
    "MA DZ TN TR IR IQ SA AE QA IL RU UA PL CZ HU RO BG GR PT NL BE SE NO DK FI CH AT"
)
STATE_MEDIA_X = str.split(
    "globaltimesnews XHNews CGTNOfficial ChinaDaily PDChina cgtnamerica cgtnafrica XinWen_Ch PDChinese "
    "Echinanews CNS1952 QiushiJournal"
)
SITES = str.split(  # most linked first: a post's site is SITES[floor((len+1)^u) - 1], a Zipf(1) skew
    "fmprc.gov.cn globaltimes.cn news.cn youtube.com cgtn.com chinadaily.com.cn mfa.gov.cn xinhuanet.com "
    "reuters.com people.com.cn gov.cn bbc.com nytimes.com ecns.cn theguardian.com huanqiu.com cctv.com "
    "scmp.com china.org.cn washingtonpost.com aljazeera.com bloomberg.com rt.com qstheory.cn sputnikglobe.com "
    "apnews.com chinanews.com.cn tass.com ft.com un.org france24.com dw.com lemonde.fr elpais.com cri.cn "
    "wikipedia.org instagram.com facebook.com who.int economist.com"
)
_RT = re.compile(r"^RT @\w+:\s*")


def text_pool(limit: int | None = None) -> list[str]:
    """The real texts, de-duplicated, without any ``RT @x:`` prefix (added here where a post is a repost)."""
    texts: list[str] = []
    demo = ROOT / "src" / "diplotrack" / "data" / "demo"
    sources = [(f, "full_text") for f in sorted(demo.glob("*.csv")) if "follow" not in f.name]
    sources += [(ROOT / "tests" / "fixtures" / "tone" / "labels.csv", "text")]
    for path, col in sources:
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [r.get(col) or r.get("text") or "" for r in csv.DictReader(fh)]
    for path in sorted((ROOT / "tests" / "fixtures" / "x-v2" / "twarc2").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                page = json.loads(line)
            except ValueError:
                continue
            data = page.get("data") if isinstance(page, dict) else None
            tweets = (data if isinstance(data, list) else [page]) + (page.get("includes") or {}).get("tweets", [])
            texts += [t["text"] for t in tweets if isinstance(t, dict) and isinstance(t.get("text"), str)]
    seen: dict[str, None] = {}
    for t in texts:
        t = _RT.sub("", t).strip()
        if t:
            seen.setdefault(t, None)
    pool = list(seen)
    if limit is not None and limit < len(pool):
        pool = random.Random(7).sample(pool, limit)
    return pool


def enrich_pool(texts: list[str]) -> pa.Table:
    """The real enrichment of every text in its three forms (tid, variant, and the enricher's columns),
    cached under ~/.cache/diplotrack-bench by enrichment version and texts."""
    from diplotrack.enrich.run import enricher_for
    from diplotrack.importers.text_entities import entities_from_text

    enricher = enricher_for()
    key = hashlib.sha1((enricher.version + "\0" + "\0".join(texts)).encode()).hexdigest()[:16]
    cached = CACHE / f"pool-{key}.parquet"
    if cached.exists():
        return pq.read_table(cached)
    tags = [[e.normalized for e in entities_from_text(t) if e.type == "hashtag"] for t in texts]
    parts = []
    for variant, form, kind in (("plain", "{}", "original"), ("mention", "@acct_0 {}", "original"),
                                ("rt", "RT @acct_0: {}", "repost")):  # fmt: skip
        n = len(texts)
        rows = {"platform": ["x"] * n, "post_id": [str(i) for i in range(n)], "kind": [kind] * n,
                "text": [form.format(t) for t in texts], "hashtags": tags, "urls": [[]] * n, "finals": [[]] * n,
                "reposted_handle": [None] * n, "quoted_handle": [None] * n}  # fmt: skip
        out = enricher.run(rows)
        out = out.append_column("variant", pa.array([variant] * n)).append_column("tid", pa.array(range(n)))
        parts.append(out.drop_columns(
            ["platform", "post_id", "domains", "unresolved_links", "state_media", "state_media_via"]
        ))
    table = pa.concat_tables(parts).append_column("version", pa.array([enricher.version] * (3 * len(texts))))
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, cached)
    except OSError:  # a read-only home: compute it again next time
        pass
    return table


def _roster(tracked: int, seed: int) -> pa.Table:
    """The tracked accounts in blocks by platform (X first) and in each block by activity: sources (state
    media, ministry) among the most active, those with real state-media handles first."""
    from diplotrack.enrich.run import STATE_KINDS
    from diplotrack.enrich.state_media import load_state_media

    sm = load_state_media()
    rng = random.Random(seed)
    kinds = list(KINDS)
    rows = []
    media = iter(STATE_MEDIA_X)
    for i in range(tracked):
        kind = kinds[i] if i < len(kinds) else rng.choices(kinds, weights=list(KINDS.values()))[0]
        host = COUNTRIES[i % len(COUNTRIES)] if kind in HOSTED else None
        rank = rng.random() * (0.3 if kind in SOURCES else 1.0)
        for platform, share in (("x", 1.0), ("bluesky", 0.2), ("mastodon", 1 / 12)):
            if platform != "x" and rng.random() >= share and i >= len(kinds):
                continue
            handle = next(media, None) if platform == "x" and kind == "state_media" else None
            outlet = sm.by_account(platform, handle) if handle else None
            rows.append(
                {
                    "actor": i,
                    "kind": kind,
                    "host": host,
                    "platform": platform,
                    "handle": handle or f"acct_{i}",
                    "rank": (("x", "bluesky", "mastodon").index(platform), rank - (handle is not None)),
                    "outlet": outlet.id if outlet is not None and outlet.kind in STATE_KINDS else None,
                    "p_other": rng.choice((0.02, 0.05, 0.1, 0.2, 0.4)),
                    "followers": int(10 ** rng.uniform(2, 5.5 if kind in SOURCES else 4.5)),
                    "growth": rng.uniform(0.0, 0.12),
                }
            )
    rows.sort(key=lambda r: r["rank"])
    for idx, r in enumerate(rows):
        r["idx"] = idx
        r["user_id"] = str(1_000_000_000_000 + idx)
        r["src"] = r["kind"] in SOURCES
    return pa.Table.from_pylist(rows)


def _sites() -> pa.Table:
    from diplotrack.enrich.domains import registered_domain
    from diplotrack.enrich.run import STATE_KINDS
    from diplotrack.enrich.state_media import load_state_media

    sm = load_state_media()
    rows = []
    for i, site in enumerate(SITES):
        reg = registered_domain(f"https://www.{site}/")
        o = sm.by_domain(reg)
        rows.append({"d": i + 1, "site": site, "reg": reg, "outlet": o.id if o and o.kind in STATE_KINDS else None})
    return pa.Table.from_pylist(rows)


def make_store(path: str | Path, posts: int, *, seed: int = 42, tracked: int = 2000, pool: int | None = None) -> dict:
    """Create the synthetic store of ``posts`` posts at ``path`` (a new file); returns what it made:
    posts, actors, tracked_accounts, amplifiers (distinct authors or targets that are not tracked),
    texts (the pool size), entities, seconds. ``pool`` caps the text pool (tests use a small one)."""
    from diplotrack.importers.text_entities import entities_from_text
    from diplotrack.store import rollups
    from diplotrack.store.db import open_store, transaction

    t0 = time.perf_counter()
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; make_store writes a new store")
    texts = text_pool(pool)
    enr = enrich_pool(texts)
    con = open_store(path)
    ents = [(i, e.type, e.value, e.normalized) for i, t in enumerate(texts) for e in entities_from_text(t)]
    con.register("_pool_ents", pa.table(list(zip(*ents, strict=True)), names=["tid", "type", "value", "normalized"]))
    con.register("_pool_enr", enr)
    con.register("_roster", _roster(tracked, seed))
    con.register("_sites", _sites())
    con.register("_texts", pa.table({"tid": range(len(texts)), "text": texts}))
    steps: dict[str, float] = {}

    def q(sql: str):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = con.execute(sql)
        label = " ".join(sql.split()[:4])
        steps[label] = steps.get(label, 0.0) + time.perf_counter() - t
        return out

    q(f"CREATE TEMP MACRO u(n, s) AS hash(n, s, {int(seed)}) / 18446744073709551616.0")
    q("CREATE TEMP MACRO zipf(n, s, k) AS CAST(floor(pow(k + 1, u(n, s))) AS BIGINT)")  # 1..k, P(r) ~ 1/r
    q("CREATE TEMP TABLE syn_acc AS SELECT * FROM _roster")
    q("CREATE TEMP TABLE syn_sites AS SELECT * FROM _sites")
    q("""CREATE TEMP TABLE syn_text AS
         SELECT t.tid, t.text, t.tid IN (SELECT tid FROM _pool_ents WHERE type = 'url') AS has_url,
                coalesce(e.lang_detected, 'und') NOT IN ('en', 'und') AS other,
                row_number() OVER (PARTITION BY other ORDER BY t.tid) - 1 AS k
         FROM _texts t JOIN _pool_enr e ON e.tid = t.tid AND e.variant = 'plain'""")
    groups = dict(q("SELECT other, count(*) FROM syn_text GROUP BY ALL").fetchall())
    if len(groups) < 2:
        raise ValueError("the text pool needs English and other texts; use a larger pool")
    # each platform's accounts are a block of idx; its sources (state media, ministry) are numbered apart
    q("""CREATE TEMP TABLE syn_plat AS
         SELECT platform, min(idx) AS start, count(*) AS cnt, count(*) FILTER (WHERE src) AS nsrc
         FROM syn_acc GROUP BY ALL""")
    q("""CREATE TEMP TABLE syn_src AS
         SELECT platform, row_number() OVER (PARTITION BY platform ORDER BY idx) AS pos, idx FROM syn_acc WHERE src""")
    a = con.execute("SELECT count(*) FROM syn_acc").fetchone()[0]
    # one row per post: its tracked subject s, author, kind, target and mention choices, text
    q(f"""CREATE TEMP TABLE syn_gen AS
        WITH base AS (
            SELECT n, CAST(floor({a} * pow(u(n, 1), 4)) AS BIGINT) AS s, u(n, 2) < 0.35 AS by_amp, u(n, 3) AS uk,
                   u(n, 5) AS ut, CAST(floor(5 * pow(n + 1, 0.7) * pow(u(n, 4), 2)) AS BIGINT) AS amp_j,
                   CAST(floor(5 * pow(n + 1, 0.7) * pow(u(n, 6), 2)) AS BIGINT) AS ext_j
            FROM range({int(posts)}) r(n)),
        k AS (
            SELECT b.*, sa.platform, sa.p_other, l.nsrc,
                   CASE WHEN by_amp THEN (CASE WHEN uk < 0.05 THEN 'original' WHEN uk < 0.75 THEN 'repost'
                                               WHEN uk < 0.90 THEN 'reply' ELSE 'quote' END)
                        ELSE (CASE WHEN uk < 0.55 THEN 'original' WHEN uk < 0.85 THEN 'repost'
                                   WHEN uk < 0.93 THEN 'reply' ELSE 'quote' END) END AS kind,
                   zipf(n, 7, greatest(l.nsrc, 1)) AS src_pos, l.start + zipf(n, 7, l.cnt) - 1 AS pick_any,
                   l.start + zipf(n, 8, l.cnt) - 1 AS pick_mention
            FROM base b JOIN syn_acc sa ON sa.idx = b.s JOIN syn_plat l ON l.platform = sa.platform),
        k2 AS (SELECT k.*, coalesce(sp.idx, k.pick_any) AS pick_src FROM k
               LEFT JOIN syn_src sp ON sp.platform = k.platform AND sp.pos = k.src_pos)
        SELECT n, s, by_amp, platform, kind, amp_j, ext_j,
               CASE WHEN kind = 'original' THEN NULL
                    WHEN by_amp THEN (CASE WHEN ut < 0.6 THEN s ELSE pick_src END)
                    WHEN kind = 'reply' THEN (CASE WHEN ut < 0.5 THEN pick_any END)
                    WHEN ut < 0.7 THEN pick_src WHEN ut < 0.9 THEN pick_any END AS tgt,
               kind IN ('original', 'quote') AND u(n, 9) < 0.2 AS mentions,
               CASE WHEN u(n, 10) < 0.6 THEN pick_mention END AS m_tracked,
               CAST(floor(5 * pow(n + 1, 0.7) * pow(u(n, 11), 2)) AS BIGINT) AS m_amp,
               u(n, 12) < (CASE WHEN by_amp THEN 0.2 ELSE p_other END) AS other,
               TIMESTAMP '{START}' + to_seconds(CAST(floor((n + u(n, 13)) * {DAYS * 86400} / {int(posts)}) AS BIGINT))
                   AS t_base
        FROM k2""")
    # every original of a tracked account, numbered in time, for references to point to
    q("""CREATE TEMP TABLE syn_orig AS
         SELECT s AS acc, n AS orig_n, row_number() OVER (PARTITION BY s ORDER BY n) AS k, t_base AS t_orig,
                other AS o_other
         FROM syn_gen WHERE kind = 'original' AND NOT by_amp""")
    q("CREATE TEMP TABLE syn_cnt AS SELECT acc, count(*) AS cnt FROM syn_orig GROUP BY acc")
    q(f"""CREATE TEMP TABLE syn_post AS
        WITH ref AS (
            SELECT g.*, c.cnt,
                   greatest(1, least(c.cnt, CAST(round(c.cnt * g.n / {int(posts)}) AS BIGINT)
                                             - CAST(floor(-ln(1 - u(g.n, 14)) * 3) AS BIGINT))) AS want
            FROM syn_gen g LEFT JOIN syn_cnt c ON c.acc = g.tgt),
        res AS (
            SELECT r.*, o.orig_n, o.t_orig, o.o_other FROM ref r LEFT JOIN syn_orig o ON o.acc = r.tgt AND o.k = r.want)
        SELECT r.*, coalesce(r.orig_n, r.n) AS owner, coalesce(r.o_other, r.other) AS grp,
               CAST(floor((CASE WHEN coalesce(r.o_other, r.other) THEN {groups[True]} ELSE {groups[False]} END)
                          * u(coalesce(r.orig_n, r.n), 16)) AS BIGINT) AS tk,
               CASE WHEN r.orig_n IS NOT NULL
                    THEN r.t_orig + to_seconds(CAST(least(604800, -ln(1 - u(r.n, 15)) * 5400) AS BIGINT))
                    ELSE r.t_base END AS created_at,
               CASE WHEN r.kind = 'repost' THEN 'rt' WHEN r.kind = 'reply' OR r.mentions THEN 'mention'
                    ELSE 'plain' END AS variant
        FROM res r""")
    # the text: a repost of a stored post carries its text; else one drawn from the post's language group
    q("""CREATE TEMP VIEW syn_full AS
        SELECT p.*, t.tid, t.text AS pool_text, t.has_url,
               (CASE WHEN p.by_amp THEN 'amp_' || p.amp_j ELSE au.handle END) AS author_handle,
               (CASE WHEN p.by_amp THEN (2000000000000000 + p.amp_j)::VARCHAR ELSE au.user_id END) AS author_id,
               coalesce(ta.handle, 'amp_' || p.ext_j) AS tgt_handle,
               coalesce(ta.user_id, (2000000000000000 + p.ext_j)::VARCHAR) AS tgt_id, ta.outlet AS tgt_outlet,
               coalesce(ma.handle, 'amp_' || p.m_amp) AS m_handle,
               CASE WHEN p.kind = 'repost' OR p.kind = 'reply' THEN coalesce(ta.handle, 'amp_' || p.ext_j)
                    WHEN p.mentions THEN coalesce(ma.handle, 'amp_' || p.m_amp) END AS prefix_handle
        FROM syn_post p
        JOIN syn_acc au ON au.idx = p.s
        LEFT JOIN syn_acc ta ON ta.idx = p.tgt
        LEFT JOIN syn_acc ma ON ma.idx = p.m_tracked
        JOIN syn_text t ON t.other = p.grp AND t.k = p.tk""")

    q("CREATE TEMP TABLE syn_enr AS SELECT * FROM _pool_enr")
    _insert(q, len(SITES))
    t = time.perf_counter()
    with transaction(con):
        rollups.rebuild(con)
    q("CHECKPOINT")
    steps["rollups.rebuild + CHECKPOINT"] = time.perf_counter() - t
    made = {
        "posts": q("SELECT count(*) FROM posts").fetchone()[0],
        "actors": q("SELECT count(*) FROM actors").fetchone()[0],
        "tracked_accounts": a,
        "amplifiers": q(
            """SELECT count(DISTINCT (platform, id)) FROM (
                   SELECT platform, author_id AS id FROM posts UNION ALL
                   SELECT platform, unnest([reposted_author_id, quoted_author_id, replied_to_author_id]) FROM posts)
               WHERE id IS NOT NULL AND id NOT IN (SELECT user_id FROM accounts)"""
        ).fetchone()[0],
        "entities": q("SELECT count(*) FROM post_entities").fetchone()[0],
        "texts": len(texts),
    }
    con.close()
    made["seconds"] = time.perf_counter() - t0
    made["steps"] = {k: round(v, 2) for k, v in steps.items()}
    return made


_PROVENANCE = """struct_pack(source := 'synthetic', file := NULL::VARCHAR, line := NULL::BIGINT,
                              raw_id := NULL::VARCHAR, pointer := NULL::VARCHAR, run_id := NULL::BIGINT)"""


def _insert(q, sites: int) -> None:  # type: ignore[no-untyped-def]
    """Fill the public tables from the temporary generation tables (named columns throughout)."""
    inst = ", ".join(f"'{k}'" for k in INSTITUTIONAL)
    q(f"""INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, languages, tags, source,
                              updated_at)
          SELECT 'syn-' || actor, 'Synthetic ' || replace(kind, '_', ' ') || ' ' || actor, kind, kind IN ({inst}),
                 'CN', host, ['en', 'zh'], ['synthetic'], 'synthetic', TIMESTAMP '2023-01-01'
          FROM syn_acc WHERE platform = 'x'""")
    q("""INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, updated_at)
         SELECT platform, handle, user_id, user_id, 'syn-' || actor, 'synthetic', TIMESTAMP '2023-01-01'
         FROM syn_acc""")
    cols = "platform, user_id, observed_at, handle, display_name, created_at, followers, following, posts_count, "
    cols += "verified, status, source, provenance"
    q(f"""INSERT INTO profile_snapshots ({cols})
          SELECT platform, user_id, TIMESTAMP '{START}' + to_days(CAST(91 * s AS INTEGER)), handle,
                 'Synthetic ' || handle,
                 TIMESTAMP '2010-01-01' + to_days(CAST(hash(idx) % 3000 AS INTEGER)),
                 CAST(followers * pow(1 + growth, s) AS BIGINT), CAST(50 + hash(idx, 1) % 900 AS BIGINT),
                 CAST(200 * (s + 1) + hash(idx, 2) % 500 AS BIGINT), false, 'active', 'synthetic', {_PROVENANCE}
          FROM syn_acc, range(17) r(s)""")
    q(f"""CREATE TEMP TABLE syn_rows AS
         SELECT f.*, (100000000000000000 + f.n)::VARCHAR AS post_id,
                CASE WHEN f.orig_n IS NOT NULL THEN (100000000000000000 + f.orig_n)::VARCHAR
                     WHEN f.kind <> 'original' THEN (500000000000000000 + (hash(f.tgt_id) % 1000000000000) * 16
                                                      + f.n % 16)::VARCHAR END AS ref_id,
                CASE f.variant WHEN 'rt' THEN 'RT @' || f.prefix_handle || ': ' || f.pool_text
                               WHEN 'mention' THEN '@' || f.prefix_handle || ' ' || f.pool_text
                               ELSE f.pool_text END AS text,
                s.site, s.reg, s.outlet AS link_outlet
         FROM syn_full f JOIN syn_sites s ON s.d = zipf(f.owner, 19, {sites})""")
    q(f"""INSERT INTO profile_snapshots ({cols})
          SELECT platform, author_id, min(created_at), any_value(author_handle), NULL, TIMESTAMP '2015-01-01',
                 CAST(floor(pow(10, 4.5 * pow(u(hash(author_id), 20), 2))) AS BIGINT), 100, 1000, false, 'active',
                 'synthetic', {_PROVENANCE}
          FROM syn_rows WHERE by_amp GROUP BY platform, author_id""")
    like = "CAST(floor(pow(10, CASE WHEN by_amp THEN 1.5 ELSE 3.5 END * pow(u(n, 21), 2))) - 1 AS BIGINT)"
    q(f"""INSERT INTO posts (platform, post_id, author_id, author_handle, created_at, text, lang, kind,
                             reposted_post_id, reposted_author_id, quoted_post_id, quoted_author_id,
                             replied_to_post_id, replied_to_author_id, like_count, repost_count, reply_count,
                             quote_count, metrics_observed_at, deleted_at, provenance, first_seen_at)
          SELECT platform, post_id, author_id, author_handle, created_at, text, e.lang_detected, kind,
                 CASE WHEN kind = 'repost' THEN ref_id END, CASE WHEN kind = 'repost' THEN tgt_id END,
                 CASE WHEN kind = 'quote' THEN ref_id END, CASE WHEN kind = 'quote' THEN tgt_id END,
                 CASE WHEN kind = 'reply' THEN ref_id END, CASE WHEN kind = 'reply' THEN tgt_id END,
                 CASE WHEN kind = 'repost' THEN 0 ELSE {like} END,
                 CASE WHEN kind = 'repost' THEN 0 ELSE {like} // 4 END,
                 CASE WHEN kind = 'repost' THEN 0 ELSE {like} // 20 END,
                 CASE WHEN kind = 'repost' THEN 0 ELSE {like} // 40 END, created_at + INTERVAL 2 DAY,
                 CASE WHEN u(n, 17) < 0.005 THEN created_at + INTERVAL 30 DAY END, {_PROVENANCE},
                 created_at + INTERVAL 1 DAY
          FROM syn_rows r JOIN syn_enr e ON e.tid = r.tid AND e.variant = r.variant""")
    q("""INSERT INTO post_entities (platform, post_id, type, value, normalized)
         SELECT r.platform, r.post_id, e.type, e.value,
                CASE WHEN e.type = 'url'
                     THEN 'https://www.' || r.site || '/' || (hash(r.owner, e.value) % 1000000)::VARCHAR
                     ELSE e.normalized END
         FROM syn_rows r JOIN _pool_ents e ON e.tid = r.tid
         UNION ALL
         SELECT platform, post_id, 'mention', prefix_handle, lower(prefix_handle) FROM syn_rows
         WHERE prefix_handle IS NOT NULL""")
    # state media as the enricher finds it: by the link's site, then the account reposted, then the one quoted
    lo = "CASE WHEN has_url THEN link_outlet END"
    ro = "CASE WHEN kind = 'repost' THEN tgt_outlet END"
    qo = "CASE WHEN kind = 'quote' AND orig_n IS NOT NULL THEN tgt_outlet END"
    q(f"""INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, lang_confidence, topics,
                                       tone_label, tone_score, tone_cues, domains, state_media, state_media_via,
                                       terms, enriched_at, unresolved_links)
          SELECT platform, post_id, version, lang_detected, lang_confidence, topics, tone_label, tone_score, tone_cues,
                 CASE WHEN has_url AND reg IS NOT NULL THEN [reg] ELSE [] END,
                 list_filter([lo, CASE WHEN ro IS DISTINCT FROM lo THEN ro END,
                              CASE WHEN qo IS DISTINCT FROM lo THEN qo END], x -> x IS NOT NULL),
                 list_filter([CASE WHEN lo IS NOT NULL THEN 'link' END,
                              CASE WHEN ro IS NOT NULL AND ro IS DISTINCT FROM lo THEN 'repost' END,
                              CASE WHEN qo IS NOT NULL AND qo IS DISTINCT FROM lo THEN 'quote' END],
                             x -> x IS NOT NULL),
                 terms, TIMESTAMP '2023-01-02', []::VARCHAR[]
          FROM (SELECT *, {lo} AS lo, {ro} AS ro, {qo} AS qo FROM syn_rows) r
          JOIN syn_enr e ON e.tid = r.tid AND e.variant = r.variant""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--tracked", type=int, default=2000)
    args = ap.parse_args()
    print(json.dumps(make_store(args.path, args.posts, seed=args.seed, tracked=args.tracked)))


if __name__ == "__main__":
    main()
