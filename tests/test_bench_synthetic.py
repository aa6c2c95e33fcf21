"""The benchmarks' synthetic stores (bench/synthetic.py) look like real ones: skewed activity, reposts
mostly of state media and the ministry, Zipf-skewed hashtags and links, several languages, amplifiers
that grow with the posts, the real enricher's output, current rollups, and a report that runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402
from cli_inprocess import cli  # noqa: E402
from diplotrack.store import rollups  # noqa: E402
from diplotrack.store.db import open_store_read_only  # noqa: E402

POSTS = 20_000
POOL = 1500  # a sample of the real texts, so the one-time enrichment of the pool stays short


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("synthetic") / "s.duckdb"
    return db, synthetic.make_store(db, POSTS, pool=POOL)


def one(con, sql: str):  # type: ignore[no-untyped-def]
    return con.execute(sql).fetchone()[0]


def test_store_is_complete_and_rollups_current(store: tuple[Path, dict]) -> None:
    db, made = store
    con = open_store_read_only(db)
    assert made["posts"] == one(con, "SELECT count(*) FROM posts") == POSTS
    assert one(con, "SELECT count(*) FROM post_enrichment") == POSTS
    assert one(con, "SELECT count(DISTINCT kind) FROM actors") == 10
    assert one(con, "SELECT count(DISTINCT platform) FROM posts") == 3
    assert one(con, "SELECT avg((platform = 'x')::INT) FROM posts") > 0.7  # X dominant
    assert one(con, "SELECT count(DISTINCT host_country) FROM actors") >= 60
    # followers grow between a tracked account's first and last snapshot
    grew = one(
        con,
        """SELECT avg((last > first)::INT) FROM (
               SELECT arg_min(followers, observed_at) AS first, arg_max(followers, observed_at) AS last
               FROM profile_snapshots WHERE user_id IN (SELECT user_id FROM accounts) GROUP BY ALL)""",
    )
    assert grew > 0.8
    assert rollups.usable(con)
    assert one(con, "SELECT sum(posts) FROM rollup_posts_day") == POSTS
    # every stored reference to a tracked account's post points to a post of that account, made earlier
    bad = one(
        con,
        """SELECT count(*) FROM posts p JOIN posts o ON o.post_id = p.reposted_post_id
           WHERE o.author_id <> p.reposted_author_id OR o.created_at > p.created_at""",
    )
    assert bad == 0
    con.close()


def test_activity_references_and_entities_are_skewed(store: tuple[Path, dict]) -> None:
    con = open_store_read_only(store[0])
    top10 = one(
        con,
        """WITH a AS (SELECT author_id, count(*) AS c FROM posts SEMI JOIN accounts ON user_id = author_id GROUP BY 1)
           SELECT sum(c) FILTER (WHERE r <= (SELECT count(*) FROM a) / 10) / sum(c)
           FROM (SELECT c, row_number() OVER (ORDER BY c DESC) AS r FROM a)""",
    )
    assert top10 > 0.5  # a tenth of the tracked accounts write most of their posts
    sources = one(
        con,
        """SELECT avg((ac.kind IN ('state_media', 'ministry', 'spokesperson'))::INT)
           FROM posts p JOIN accounts a ON a.user_id = p.reposted_author_id JOIN actors ac USING (actor_id)""",
    )
    assert sources > 0.5  # reposts of tracked accounts are mostly of state media and the ministry
    assert one(con, "SELECT count(*) FROM post_enrichment WHERE list_contains(state_media_via, 'repost')") > 100
    assert one(con, "SELECT count(*) FROM post_enrichment WHERE list_contains(state_media_via, 'link')") > 100
    for etype, top_share in (("hashtag", 0.2), ("url", 0.0)):
        col = "normalized" if etype == "hashtag" else "split_part(normalized, '/', 3)"
        share = one(
            con,
            f"""WITH c AS (SELECT {col} AS v, count(*) AS n FROM post_entities WHERE type = '{etype}' GROUP BY 1)
                SELECT sum(n) FILTER (WHERE r <= greatest(1, (SELECT count(*) FROM c) // 100)) / sum(n)
                FROM (SELECT n, row_number() OVER (ORDER BY n DESC) AS r FROM c)""",
        )
        assert share > top_share, etype
    site1 = one(con, "SELECT avg((normalized LIKE '%fmprc.gov.cn/%')::INT) FROM post_entities WHERE type = 'url'")
    assert 0.1 < site1 < 0.35  # Zipf(1) over 40 sites gives the first about 1/ln(41) = 27%
    mentioned = one(con, "SELECT count(*) FROM post_mentions WHERE actor_id IS NOT NULL")
    assert 0 < mentioned < one(con, "SELECT count(*) FROM post_mentions")  # tracked accounts and others
    langs = con.execute(
        "SELECT lang_detected FROM post_enrichment GROUP BY 1 HAVING count(*) >= 0.005 * ? ", [POSTS]
    ).fetchall()
    assert len(langs) >= 4 and ("en",) in langs and ("zh",) in langs
    con.close()


def test_amplifiers_grow_with_the_posts(store: tuple[Path, dict], tmp_path: Path) -> None:
    small = synthetic.make_store(tmp_path / "small.duckdb", POSTS // 4, pool=POOL)
    ratio = store[1]["amplifiers"] / small["amplifiers"]
    assert store[1]["amplifiers"] > store[1]["tracked_accounts"]
    assert 1.8 < ratio < 3.5  # growing, and slower than the posts (x4); about 4 ** 0.7 = 2.6 once the range fills


def test_enrichment_is_what_the_enricher_writes(store: tuple[Path, dict]) -> None:
    from diplotrack.enrich.run import _TODO, enricher_for

    con = open_store_read_only(store[0])
    con.execute(_TODO.replace("$version", "?"), ["none"])  # every post, as `diplotrack enrich` reads it
    rows = con.execute("SELECT * EXCLUDE (_rn) FROM _enrich_todo USING SAMPLE 400 ROWS (reservoir, 3)").arrow()
    rows = rows.read_all() if hasattr(rows, "read_all") else rows
    got = enricher_for().run({c: rows.column(c).to_pylist() for c in rows.column_names}).to_pylist()
    cols = [c for c in got[0] if c not in ("platform", "post_id")]
    stored = {
        r[0]: dict(zip(cols, r[1:], strict=True))
        for r in con.execute(
            f"SELECT post_id, {', '.join(cols)} FROM post_enrichment SEMI JOIN _enrich_todo USING (post_id)"
        ).fetchall()
    }
    diff = [
        (r["post_id"], c, r[c], stored[r["post_id"]][c]) for r in got for c in cols if r[c] != stored[r["post_id"]][c]
    ]
    assert not diff
    con.close()


def test_report_runs(store: tuple[Path, dict], tmp_path: Path) -> None:
    proc = cli("report", "--out", str(tmp_path / "r"), "--json", db=store[0])  # in-process: tests/cli_inprocess.py
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    con = open_store_read_only(store[0])
    tracked = one(con, "SELECT count(*) FROM posts SEMI JOIN accounts ON user_key = author_id")
    con.close()
    assert summary["posts_total"] == tracked  # the report counts the tracked accounts' posts
