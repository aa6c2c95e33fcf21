"""The accounts table (sort, search, keyset pages, facets) and an account's page (its figures
against independent SQL on the demo store, a 404 for an account the roster does not hold)."""

from __future__ import annotations

import pytest

OWN = """FROM posts p JOIN accounts a ON a.platform = p.platform
           AND (p.author_id = a.user_key OR p.author_id = 'handle:' || lower(a.handle))"""


@pytest.fixture(scope="module")
def busiest(con) -> tuple[str, str, int]:
    """The platform, handle and post count of the account with most posts."""
    return con.execute(
        f"SELECT a.platform, a.handle, count(*) {OWN} GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT 1"
    ).fetchone()


def test_pages_of_the_sorted_table_follow_each_other_without_duplicates(client, con):
    n = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
    seen, url = [], "/accounts.json?_sort_desc=posts&_size=7"
    while url:
        body = client.get(url).json()
        assert body["total"] == n
        seen += [(r["platform"], r["handle"], r["posts"]) for r in body["rows"]]
        url = body["next_url"]
    assert len(seen) == n == len({(p, h) for p, h, _ in seen})
    known = [c for *_, c in seen if c is not None]
    assert [c for *_, c in seen][: len(known)] == sorted(known, reverse=True)  # unknown (null) last
    expected = dict(con.execute(f"SELECT a.handle, count(*) {OWN} GROUP BY 1").fetchall())
    assert {h: c for _, h, c in seen if c} == expected
    # an account the store holds no post of has an unknown count, not 0
    assert {h for _, h, c in seen if c is None} == {h for _, h, _ in seen} - set(expected)


def test_sorting_by_a_column_and_refusing_an_unknown_one(client):
    rows = client.get("/accounts.json?_sort=handle&_size=1000").json()["rows"]
    assert [r["handle"] for r in rows] == sorted(r["handle"] for r in rows)
    assert client.get("/accounts.json?_sort=nonsense").status_code == 400


def test_search_matches_handle_name_and_host_country_ignoring_case(client, con):
    q = "us"
    expected = {
        h
        for (h,) in con.execute(
            "SELECT a.handle FROM accounts a JOIN actors t USING (actor_id) WHERE contains(lower(a.handle), $q) "
            "OR contains(lower(t.name), $q) OR contains(lower(t.host_country), $q)",
            {"q": q},
        ).fetchall()
    }
    body = client.get(f"/accounts.json?q={q.upper()}&_size=1000").json()
    assert expected and {r["handle"] for r in body["rows"]} == expected
    assert body["total"] == len(expected)


def test_facets_count_the_selection_and_add_their_filter(client, con):
    body = client.get("/accounts.json").json()
    kinds = {f["value"]: f for f in body["facets"]["kind"]}
    expected = dict(
        con.execute("SELECT t.kind, count(*) FROM accounts JOIN actors t USING (actor_id) GROUP BY 1").fetchall()
    )
    assert {k: f["count"] for k, f in kinds.items()} == expected
    narrowed = client.get(kinds["embassy"]["url"].replace("/accounts", "/accounts.json", 1)).json()
    assert narrowed["total"] == expected["embassy"]
    assert {r["kind"] for r in narrowed["rows"]} == {"embassy"}


def test_an_unknown_account_is_a_404(client):
    assert client.get("/accounts/x/no_such_account_here.json").status_code == 404
    assert client.get("/accounts/x/no_such_account_here").status_code == 404
    assert client.get("/accounts/nowhere/MFA_China.json?_table=activity").status_code == 404


def test_an_account_page_counts_its_posts_like_sql(client, con, busiest):
    platform, handle, n = busiest
    base = f"/accounts/{platform}/{handle}.json"
    activity = client.get(f"{base}?_table=activity").json()
    assert sum(r["posts"] for r in activity["rows"]) == n
    assert activity["coverage"]["accounts"] == 1
    # the handle is matched case-insensitively
    upper = client.get(f"/accounts/{platform}/{handle.upper()}.json?_table=activity").json()
    assert upper["rows"] == activity["rows"]
    langs = client.get(f"{base}?_table=languages").json()["rows"]
    expected = dict(
        con.execute(
            f"SELECT coalesce(e.lang_detected, 'und'), count(*) {OWN} LEFT JOIN post_enrichment e "
            "ON e.platform = p.platform AND e.post_id = p.post_id WHERE a.handle = ? GROUP BY 1",
            [handle],
        ).fetchall()
    )
    assert {r["language"]: r["posts"] for r in langs} == expected
    tags = client.get(f"{base}?_table=hashtags").json()["rows"]
    top = con.execute(
        f"SELECT e.normalized, count(DISTINCT p.post_id) {OWN} JOIN post_entities e ON e.platform = p.platform "
        "AND e.post_id = p.post_id WHERE a.handle = ? AND e.type = 'hashtag' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
        [handle],
    ).fetchone()
    assert (tags[0]["hashtag"], tags[0]["posts"]) == top


def test_an_account_page_answers_every_table_and_lists_what_is_not_known(client, con, busiest):
    platform, handle, _ = busiest
    html = client.get(f"/accounts/{platform}/{handle}")
    assert html.status_code == 200
    for table in ("profile", "history", "events", "tone_examples", "amplifies", "amplified_by", "deleted", "unknown"):
        assert f'id="{table}"' in html.text
    [profile] = client.get(f"/accounts/{platform}/{handle}.json").json()["rows"]
    snaps = con.execute(
        "SELECT count(*), first(s.followers ORDER BY s.observed_at DESC) FROM profile_snapshots s JOIN accounts a "
        "ON a.platform = s.platform AND (s.user_id = a.user_key OR s.user_id = 'handle:' || lower(a.handle)) "
        "WHERE a.handle = ?",
        [handle],
    ).fetchone()
    assert profile["handle"] == handle and profile["snapshots"] == snaps[0] and profile["followers"] == snaps[1]
    gaps = {r["gap"] for r in client.get(f"/accounts/{platform}/{handle}.json?_table=unknown").json()["rows"]}
    assert "platform id" in gaps  # the demo roster gives handles only
    empty = client.get(f"/accounts/{platform}/{handle}.json?_table=unknown&start=2035-01-01").json()["rows"]
    assert any(r["gap"] == "posts" and "No post in the window" in r["detail"] for r in empty)
    silent = con.execute(
        f"SELECT a.handle FROM accounts a WHERE a.handle NOT IN (SELECT a.handle {OWN}) ORDER BY 1 LIMIT 1"
    ).fetchone()[0]
    gaps = client.get(f"/accounts/x/{silent}.json?_table=unknown").json()["rows"]
    assert any(r["gap"] == "posts" and "holds no post" in r["detail"] for r in gaps)
    assert client.get(f"/accounts/x/{silent}.json?_table=activity").json()["coverage"]["accounts"] == 0
    examples = client.get(f"/accounts/{platform}/{handle}.json?_table=tone_examples").json()["rows"]
    assert all((r["tone_score"] > 0) == (r["side"] == "confrontational") for r in examples)


def test_the_accounts_page_has_a_search_box_and_facet_links(client):
    html = client.get("/accounts?kind=embassy&q=%3Cb%3Eus").text
    assert 'type="search" name="q" value="&lt;b&gt;us"' in html and "<b>us" not in html
    assert '<input type="hidden" name="kind" value="embassy">' in html
    html = client.get("/accounts?q=us").text
    assert 'href="/accounts?q=us&amp;kind=embassy"' in html


def test_status_events_come_from_the_snapshots_within_the_window(client):
    url = "/accounts/x/GeneralkonsulDu.json?_table=events"
    events = client.get(url).json()["rows"]
    assert [(e["event"], e["old_value"], e["new_value"]) for e in events] == [("status", "active", "suspended")]
    assert events[0]["observed_at"].startswith("2022-04-30")
    assert client.get(url + "&end=2022-01-01").json()["rows"] == []
    [profile] = client.get("/accounts/x/GeneralkonsulDu.json").json()["rows"]
    assert profile["status"] == "suspended" and profile["followers"] is None  # unknown, not 0


def test_an_account_page_lists_its_actors_accounts(client, con):
    shared = "(SELECT actor_id FROM accounts GROUP BY 1 HAVING count(*) > 1)"
    platform, handle, actor = con.execute(
        f"SELECT platform, handle, actor_id FROM accounts ORDER BY actor_id IN {shared} DESC, handle LIMIT 1"
    ).fetchone()
    rows = client.get(f"/accounts/{platform}/{handle}.json?_table=actor").json()["rows"]
    expected = con.execute("SELECT handle FROM accounts WHERE actor_id = ? ORDER BY platform, handle", [actor])
    assert [r["handle"] for r in rows] == [h for (h,) in expected.fetchall()]
    assert [r["handle"] for r in rows if r["this_page"]] == [handle]
