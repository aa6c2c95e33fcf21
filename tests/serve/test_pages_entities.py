"""The Hashtags, Topics and Links pages: rankings, accounts per item and timelines equal SQL of
their own on the demo store (from the rollups and, with a post filter, from the posts), state media
marked, and each ranking row leads to the posts it counts."""

from __future__ import annotations

from urllib.parse import quote

from diplotrack.serve.pages.entities import MAX_ITEMS

TRACKED = """posts p JOIN accounts a ON a.platform = p.platform
             AND (p.author_id = a.user_key OR p.author_id = 'handle:' || lower(a.handle))"""
ENRICHED = f"{TRACKED} LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id"


def _ranking(con, items_sql: str, where: str = "true") -> dict[str, tuple[int, int]]:
    """item -> (posts, accounts) from ``items_sql`` (rows of post_id, handle, item)."""
    rows = con.execute(
        f"""SELECT item, count(DISTINCT post_id), count(DISTINCT handle) FROM ({items_sql}) WHERE {where}
            GROUP BY item"""
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _hashtags_sql(extra: str = "true") -> str:
    return f"""SELECT p.post_id, a.handle, x.normalized AS item FROM {ENRICHED}
               JOIN post_entities x ON x.platform = p.platform AND x.post_id = p.post_id
               WHERE x.type = 'hashtag' AND {extra}"""


def _check(body: dict, column: str, want: dict[str, tuple[int, int]], cap: int | None = None) -> None:
    assert body["total"] == (min(len(want), cap) if cap else len(want))
    assert body["rows"], "the ranking is empty"
    for r in body["rows"]:
        assert (r["posts"], r["accounts"]) == want[r[column]], r[column]
    posts = [r["posts"] for r in body["rows"]]
    assert posts == sorted(posts, reverse=True)
    assert body["rows"][0]["posts"] == max(p for p, _ in want.values())


def test_hashtag_ranking_and_accounts_equal_sql_with_and_without_a_post_filter(client, con):
    _check(client.get("/hashtags.json?_size=50").json(), "hashtag", _ranking(con, _hashtags_sql()))
    want = _ranking(con, _hashtags_sql("e.lang_detected = 'en'"))
    body = client.get("/hashtags.json?language=en&_size=50").json()
    _check(body, "hashtag", want)
    assert body["coverage"] is not None


def test_the_spelling_shown_is_the_most_used(client, con):
    row = client.get("/hashtags.json?_size=1").json()["rows"][0]
    spellings = con.execute(
        "SELECT value, count(*) FROM post_entities WHERE type = 'hashtag' AND normalized = ? "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        [row["hashtag"]],
    ).fetchall()
    assert row["spelling"] == spellings[0][0]


def test_a_hashtag_row_leads_to_the_posts_it_counts(client):
    body = client.get("/hashtags.json?_size=1").json()
    row = body["rows"][0]
    posts = client.get(f"/posts.json?q=hashtag:{quote(row['hashtag'])}").json()
    assert posts["total"] == row["posts"]
    html = client.get("/hashtags").text
    assert f'href="/posts?q=hashtag%3A{quote(row["hashtag"])}"' in html and "<svg" in html


def test_topic_ranking_and_timeline_equal_sql(client, con):
    items = f"SELECT p.post_id, a.handle, unnest(e.topics) AS item FROM {ENRICHED}"
    want = _ranking(con, items)
    body = client.get("/topics.json").json()
    _check(body, "topic", want)
    total = con.execute(f"SELECT count(*) FROM {TRACKED}").fetchone()[0]
    assert body["rows"][0]["percent"] == round(100 * body["rows"][0]["posts"] / total, 2)
    timeline = client.get("/topics.json?_table=timeline").json()["rows"]
    lead = [r["topic"] for r in body["rows"][:8]]
    assert sorted({r["topic"] for r in timeline}) == sorted(lead)
    months = con.execute(
        f"""SELECT strftime(date_trunc('month', p.created_at), '%Y-%m-%d'), count(*) FROM {ENRICHED}
            WHERE list_contains(e.topics, ?) GROUP BY 1""",
        [lead[0]],
    ).fetchall()
    got = {r["month"]: r["posts"] for r in timeline if r["topic"] == lead[0]}
    assert {m: n for m, n in got.items() if n} == dict(months)
    assert len(got) == len({r["month"] for r in timeline})  # every month, 0 where none
    # with a tone filter the topics are counted from the posts
    want = _ranking(con, items + " WHERE e.tone_label = 'confrontational'")
    _check(client.get("/topics.json?tone=confrontational").json(), "topic", want)


def test_link_domains_equal_sql_and_state_media_are_marked(client, con):
    items = f"SELECT p.post_id, a.handle, unnest(list_distinct(e.domains)) AS item FROM {ENRICHED}"
    want = _ranking(con, items)
    body = client.get("/links.json").json()
    _check(body, "domain", want)
    marked = {r["domain"]: r for r in body["rows"]}
    assert marked["globaltimes.cn"]["state_media"] is True and marked["globaltimes.cn"]["outlet_state"] == "CN"
    assert "Global Times" in marked["globaltimes.cn"]["outlet"]
    # the demo's t.co links are not resolved (offline): the shortener never ranks, the notes count them
    assert "t.co" not in marked
    unresolved = con.execute(
        f"SELECT sum(len(e.unresolved_links)), count(*) FILTER (WHERE len(e.unresolved_links) > 0) FROM {ENRICHED}"
    ).fetchone()
    assert unresolved[0] > 7000
    assert any(f"{unresolved[0]:,} link(s) in {unresolved[1]:,} post(s)" in n for n in body["notes"])
    assert any("diplotrack resolve-links" in n for n in body["notes"])
    html = client.get("/links").text
    assert 'href="/posts?q=domain%3Aglobaltimes.cn"' in html


def test_linked_urls_equal_sql_and_only_http_links_out(client, con):
    items = f"""SELECT p.post_id, a.handle, x.normalized AS item FROM {TRACKED}
                JOIN post_entities x ON x.platform = p.platform AND x.post_id = p.post_id WHERE x.type = 'url'"""
    want = _ranking(con, items)
    body = client.get("/links.json?_table=urls&_size=30").json()
    _check(body, "url", want, cap=MAX_ITEMS)
    assert body["notes"] and f"{MAX_ITEMS:,}" in body["notes"][0]
    row = body["rows"][0]
    assert client.get("/posts.json?q=url:" + quote(row["url"], safe="")).json()["total"] == row["posts"]


def test_q_keeps_the_items_containing_it(client):
    rows = client.get("/hashtags.json?q=CHIN&_size=1000").json()["rows"]
    assert rows and all("chin" in r["hashtag"] for r in rows)


def test_sorting_a_ranking_and_a_timeline_header(client):
    body = client.get("/hashtags.json?_sort=hashtag&_size=5").json()
    assert [r["hashtag"] for r in body["rows"]] == sorted(r["hashtag"] for r in body["rows"])
    by_accounts = client.get("/hashtags.json?_sort_desc=accounts&_size=5").json()["rows"]
    assert by_accounts[0]["accounts"] == max(
        r["accounts"] for r in client.get("/hashtags.json?_size=1000").json()["rows"]
    )
    timeline = client.get("/hashtags.json?_table=timeline&_sort_desc=posts").json()["rows"]
    assert [r["posts"] for r in timeline] == sorted((r["posts"] for r in timeline), reverse=True)
    assert client.get("/hashtags?_table=timeline&_sort=month").status_code == 200  # a timeline header in the page
    assert client.get("/hashtags.json?_sort=colour").status_code == 400
