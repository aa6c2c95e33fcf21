"""The data page against independent SQL on the demo store: runs, sources, freshness, gaps, and the
published roster and its full download."""

from __future__ import annotations

import csv
import io

import pandas as pd


def test_the_roster_download_holds_every_tracked_account_with_its_actor(client, con):
    r = client.get("/data/roster.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    want = _df(con, "SELECT a.platform, a.handle, r.kind FROM accounts a JOIN actors r USING (actor_id)")
    assert len(rows) == len(want) > 0
    assert {(x["platform"], x["handle"], x["kind"]) for x in rows} == set(want.itertuples(index=False, name=None))
    embassies = list(csv.DictReader(io.StringIO(client.get("/data/roster.csv?kind=embassy").text)))
    assert len(embassies) == int((want["kind"] == "embassy").sum()) > 0
    assert client.get("/data/roster.csv?kind=embasy").status_code == 400


def test_the_roster_table_is_paged_sortable_and_searchable(client, con):
    first = client.get("/data.json?_table=roster&_size=30&_sort_desc=handle").json()
    total = int(_df(con, "SELECT count(*) AS n FROM accounts")["n"][0])
    assert first["total"] == total and len(first["rows"]) == 30 and first["next"]
    handles = [r["handle"] for r in first["rows"]]
    assert handles == sorted(handles, reverse=True)
    hit = client.get("/data.json?_table=roster&q=spokesperson").json()["rows"]
    assert hit and all("spokesperson" in (r["handle"] + (r["name"] or "")).lower() for r in hit)
    html = client.get("/data").text
    assert "does not make an account state-linked" in html and "Methods" in html


def test_runs_sources_and_freshness_match_the_store(client, con):
    runs = client.get("/data.json?_table=runs").json()["rows"]
    want = _df(con, "SELECT run_id, status, posts_new FROM runs ORDER BY run_id DESC")
    assert [(r["run_id"], r["status"], r["posts_new"]) for r in runs] == list(want.itertuples(index=False, name=None))

    sources = client.get("/data.json?_table=sources").json()["rows"]
    posts = _df(con, "SELECT provenance.source AS source, count(*) AS n FROM posts GROUP BY 1")
    got = {r["source"]: r["rows"] for r in sources if r["stored_in"] == "posts"}
    assert got == dict(posts.itertuples(index=False, name=None))

    fresh = {r["platform"]: r for r in client.get("/data.json?_table=freshness").json()["rows"]}
    latest = _df(con, "SELECT platform, max(created_at) AS t, count(*) AS n FROM posts GROUP BY 1")
    for platform, t, n in latest.itertuples(index=False, name=None):
        assert fresh[platform]["posts"] == n
        assert pd.Timestamp(fresh[platform]["latest_post"]) == pd.Timestamp(t)
    assert all(r["last_collected"] is None for r in fresh.values())  # imported, never collected: unknown


def test_gaps_are_the_months_without_a_tracked_post(client, con):
    months = _df(
        con,
        """SELECT DISTINCT date_trunc('month', p.created_at) AS m FROM posts p
           JOIN accounts a ON a.platform = p.platform
                AND p.author_id IN (a.user_key, 'handle:' || lower(a.handle))
           WHERE p.created_at IS NOT NULL""",
    )
    have = set(pd.to_datetime(months["m"]).dt.to_period("M"))
    want = [str(m) for m in pd.period_range(min(have), max(have), freq="M") if m not in have]
    got = client.get("/data.json?_table=gaps").json()
    assert [r["month"] for r in got["rows"]] == want
    assert got["coverage"] is not None


def _df(con, query: str) -> pd.DataFrame:
    return con.execute(query).df()
