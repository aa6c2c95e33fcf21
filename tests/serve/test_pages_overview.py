"""The overview page: its headline figures and tables against independent SQL on the demo store,
the post filters, unknown shown as unknown, and the link from the top accounts to an account page."""

from __future__ import annotations

import re

import pytest

# the posts of tracked accounts, resolved as the roster resolves them (platform id or handle placeholder)
TRACKED = """FROM posts p JOIN accounts a ON a.platform = p.platform
               AND (p.author_id = a.user_key OR p.author_id = 'handle:' || lower(a.handle))
             JOIN actors t ON t.actor_id = a.actor_id
             LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id"""


def figures(client, query: str = "") -> dict:
    body = client.get(f"/overview.json?_table=headline{query}").json()
    return {r["figure"]: r for r in body["rows"]}


def test_headline_counts_posts_and_accounts_of_the_selection(client, con):
    got = figures(client, "&kind=spokesperson")
    posts, reposts, first, last = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE p.kind = 'repost'), min(p.created_at), max(p.created_at) "
        f"{TRACKED} WHERE t.kind = 'spokesperson'"
    ).fetchone()
    assert posts > 0
    assert got["posts"]["value"] == posts
    assert got["repost_share"]["value"] == pytest.approx(reposts / posts, abs=1e-4)
    assert got["first_post"]["at"].startswith(first.isoformat()[:19])
    assert got["last_post"]["at"].startswith(last.isoformat()[:19])
    accounts = con.execute(
        "SELECT count(*) FROM accounts a JOIN actors t USING (actor_id) WHERE t.kind = 'spokesperson'"
    )
    assert got["accounts_selected"]["value"] == accounts.fetchone()[0]
    assert got["kind:spokesperson"]["value"] == got["accounts_selected"]["value"]
    assert "kind:ministry" not in got
    with_posts = con.execute(f"SELECT count(DISTINCT a.handle) {TRACKED} WHERE t.kind = 'spokesperson'").fetchone()[0]
    assert got["accounts_with_posts"]["value"] == with_posts


def test_followers_total_is_the_latest_snapshots_and_says_how_many_accounts(client, con):
    got = figures(client)
    total, n = con.execute(
        """SELECT sum(followers), count(*) FROM (
             SELECT a.handle, first(s.followers ORDER BY s.observed_at DESC) AS followers
             FROM profile_snapshots s JOIN accounts a ON a.platform = s.platform
               AND (s.user_id = a.user_key OR s.user_id = 'handle:' || lower(a.handle))
             GROUP BY a.platform, a.handle) WHERE followers IS NOT NULL"""
    ).fetchone()
    assert got["followers"]["value"] == total  # a latest snapshot without followers (suspended) counts as unknown
    assert got["followers_accounts"]["value"] == n
    assert f"{n:,} of" in got["followers"]["basis"]


def test_the_language_filter_applies_to_posts_and_languages(client, con):
    got = figures(client, "&language=en")
    en = con.execute(f"SELECT count(*) {TRACKED} WHERE e.lang_detected = 'en'").fetchone()[0]
    assert 0 < got["posts"]["value"] == en < figures(client)["posts"]["value"]
    langs = client.get("/overview.json?_table=languages").json()["rows"]
    expected = dict(con.execute(f"SELECT coalesce(e.lang_detected, 'und'), count(*) {TRACKED} GROUP BY 1").fetchall())
    assert {r["language"]: r["posts"] for r in langs} == expected
    assert sum(r["share"] for r in langs) == pytest.approx(1, abs=1e-3)


def test_a_topic_filter_reads_the_posts_and_matches_sql(client, con):
    topic = con.execute("SELECT topic FROM rollup_topics_day GROUP BY 1 ORDER BY sum(posts) DESC LIMIT 1").fetchone()[0]
    body = client.get(f"/overview.json?_table=posts_by_month&topic={topic}").json()
    n = con.execute(f"SELECT count(*) {TRACKED} WHERE list_contains(e.topics, ?)", [topic]).fetchone()[0]
    assert n > 0 and sum(r["posts"] for r in body["rows"]) == n
    topics = client.get(f"/overview.json?_table=topics&topic={topic}").json()["rows"]
    assert topics[0]["topic"] == topic and topics[0]["posts"] == n


def test_tables_counting_accounts_say_the_post_filters_do_not_apply(client):
    from diplotrack.serve.pages.base import POST_FILTER_CAVEAT

    assert POST_FILTER_CAVEAT in client.get("/overview.json?_table=joins&tone=neutral").json()["notes"]
    assert POST_FILTER_CAVEAT not in client.get("/overview.json?_table=joins").json()["notes"]
    hosts = client.get("/overview.json?_table=hosts").json()
    assert hosts["coverage"]["basis"] == "roster" and hosts["rows"]


def test_an_empty_window_shows_unknown_not_zero(client):
    got = figures(client, "&start=2035-01-01")
    assert got["posts"]["value"] == 0
    for name in ("repost_share", "first_post", "last_post"):
        assert got[name]["value"] is None and got[name]["at"] is None
    html = client.get("/?start=2035-01-01").text
    assert "unknown" in html


def test_top_accounts_link_to_their_account_pages(client, con):
    body = client.get("/overview.json?_table=top_accounts").json()
    top = body["rows"][0]
    most = con.execute(f"SELECT a.handle, count(*) {TRACKED} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    assert (top["handle"], top["posts"]) == most
    html = client.get("/").text
    href = re.search(r'href="(/accounts/x/[^"?]+)"', html)
    assert href is not None
    assert client.get(href.group(1)).status_code == 200
    assert f'href="/accounts/x/{top["handle"]}"' in html
    assert 'class="figures"' in html and 'data-figure="posts"' in html


def test_tone_per_month_counts_the_labelled_posts_like_sql(client, con):
    rows = client.get("/overview.json?_table=tone_trend&kind=spokesperson").json()["rows"]
    expected = con.execute(
        f"""SELECT date_trunc('month', p.created_at)::DATE, count(*),
                   avg((e.tone_label = 'confrontational')::INT) {TRACKED}
            WHERE t.kind = 'spokesperson' AND e.tone_label IS NOT NULL GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    assert len(rows) == len(expected) > 1
    for row, (month, n, share) in zip(rows, expected, strict=True):
        assert row["month"].startswith(month.isoformat()) and row["posts"] == n
        assert row["confrontational_share"] == pytest.approx(share, abs=1e-4)
