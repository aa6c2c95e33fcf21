"""The Posts page: text search (any script, case-insensitive, every character literal), exact
hashtag/domain/URL look-ups, keyset paging, facets, each checked against SQL of its own on the demo
store (tracked posts joined to the roster's accounts here, not through the page's code)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from urllib.parse import quote

import pytest

from diplotrack.serve.pages.posts import parse_search, text_pattern, window_start

TRACKED = """posts p JOIN accounts a ON a.platform = p.platform
             AND (p.author_id = a.user_key OR p.author_id = 'handle:' || lower(a.handle))"""


def _ids(con, where: str, params: list | None = None) -> set[str]:
    rows = con.execute(f"SELECT p.post_id FROM {TRACKED} WHERE {where}", params or []).fetchall()
    return {r[0] for r in rows}


def _all_pages(client, url: str) -> list[dict]:
    rows, nxt = [], url
    for _ in range(200):
        body = client.get(nxt).json()
        rows += body["rows"]
        if not body["next_url"]:
            return rows
        nxt = body["next_url"].replace("/posts?", "/posts.json?")
    raise AssertionError("paging did not end")


def test_a_search_finds_the_posts_containing_the_text_in_any_case(client, con):
    want = _ids(con, "strpos(lower(p.text), 'xinjiang') > 0")
    assert want  # the demo store has them
    body = client.get("/posts.json?q=XinJiang&_size=1000").json()
    assert body["total"] == len(want)
    assert {r["post_id"] for r in body["rows"]} == want
    assert client.get("/posts.json?q=xinjiang").json()["total"] == len(want)


def test_a_two_character_chinese_word_finds_its_posts(client, con):
    want = _ids(con, "strpos(p.text, '拜年') > 0")
    assert len(want) >= 1
    body = client.get("/posts.json?q=" + quote("拜年")).json()
    assert {r["post_id"] for r in body["rows"]} == want and body["total"] == len(want)
    assert "拜年" in body["rows"][0]["text"]


def test_percent_underscore_and_punctuation_match_literally(client, con):
    want = _ids(con, "strpos(p.text, '1%') > 0")
    assert 0 < len(want) < len(_ids(con, "p.text LIKE '%1%'"))  # as a LIKE pattern it would find more
    assert client.get("/posts.json?q=1%25&_size=1000").json()["total"] == len(want)
    found = con.execute(
        f"SELECT regexp_extract(p.text, '[a-z]_[a-z]', 0) FROM {TRACKED} "
        "WHERE regexp_matches(p.text, '[a-z]_[a-z]') LIMIT 1"
    ).fetchone()
    assert found is not None
    lit = found[0]
    want = _ids(con, "strpos(lower(p.text), lower(?)) > 0", [lit])
    assert len(want) < len(_ids(con, "lower(p.text) LIKE lower(?)", [f"%{lit}%"]))
    assert client.get(f"/posts.json?q={quote(lit)}&_size=1000").json()["total"] == len(want)
    punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    r = client.get("/posts.json?q=" + quote(punct))
    assert r.status_code == 200 and r.json()["total"] == 0
    assert text_pattern("a.b") == r"a\.b" and text_pattern("中国") == "中国"


def test_keyset_paging_returns_every_match_exactly_once_in_order(client, con):
    want = _ids(con, "strpos(lower(p.text), 'xinjiang') > 0")
    rows = _all_pages(client, "/posts.json?q=xinjiang&_size=17")
    ids = [r["post_id"] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == want
    keys = [(r["created_at"], r["platform"], r["post_id"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (-datetime.fromisoformat(k[0]).timestamp(), k[1], k[2]))


def test_paging_without_a_search_crosses_posts_with_the_same_time(client, con):
    # a window holding posts that share a created_at, paged in small pages
    t = con.execute(f"SELECT p.created_at FROM {TRACKED} GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1").fetchone()[
        0
    ]
    start, end = t.date().isoformat(), (t.date().toordinal() + 1)
    end_s = datetime.fromordinal(end).date().isoformat()
    want = _ids(con, "p.created_at >= ? AND p.created_at < ?", [start, end_s])
    rows = _all_pages(client, f"/posts.json?start={start}&end={end_s}&_size=2")
    ids = [r["post_id"] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == want


def _facet(body: dict, name: str) -> dict:
    return {f["value"]: f["count"] for f in body["facets"][name]}


@pytest.fixture
def every_match(monkeypatch):
    """Facets that count every match (the demo's common words would otherwise be sampled)."""
    from diplotrack.serve.pages import posts_search

    monkeypatch.setattr(posts_search, "FACET_SAMPLE", 10**9)


def test_facets_count_what_sql_counts(client, con, every_match):
    for url, where in (("/posts.json", "true"), ("/posts.json?q=china", "strpos(lower(p.text), 'china') > 0")):
        body = client.get(url).json()
        sql = f"""SELECT act.kind, p.kind, e.lang_detected, e.tone_label, strftime(p.created_at, '%Y-%m'), a.handle
                  FROM {TRACKED} JOIN actors act ON act.actor_id = a.actor_id
                  LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id WHERE {where}"""
        rows = con.execute(sql).fetchall()
        assert body["total"] == len(rows)
        for i, name in enumerate(("kind", "post_kind", "language", "tone", "month")):
            assert _facet(body, name) == dict(Counter(r[i] for r in rows)), name
        accounts = Counter(r[5] for r in rows)
        assert _facet(body, "account") == dict(accounts.most_common(10))
        topics = con.execute(
            f"""SELECT t, count(*) FROM (SELECT unnest(e.topics) AS t FROM {TRACKED}
                JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id WHERE {where}) GROUP BY t"""
        ).fetchall()
        assert _facet(body, "topic") == dict(sorted(topics, key=lambda x: (-x[1], x[0]))[:30])


def test_a_facet_link_adds_its_filter_and_keeps_the_search(client, con, every_match):
    body = client.get("/posts.json?q=china").json()
    lang = next(f for f in body["facets"]["language"] if f["value"] == "en")
    assert lang["url"] == "/posts?q=china&language=en"
    filtered = client.get(lang["url"].replace("/posts?", "/posts.json?")).json()
    assert filtered["total"] == lang["count"]
    account = body["facets"]["account"][0]
    assert account["url"].startswith("/accounts/x/")
    month = body["facets"]["month"][0]
    assert client.get(month["url"].replace("/posts?", "/posts.json?")).json()["total"] == month["count"]


def test_the_topic_filter_and_a_language_filter_select_posts(client, con):
    sql = f"""SELECT count(*) FROM {TRACKED} JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
              WHERE list_contains(e.topics, 'covid19') AND e.lang_detected = 'en'"""
    body = client.get("/posts.json?topic=covid19&language=en&_size=5").json()
    assert body["total"] == con.execute(sql).fetchone()[0] > 0
    assert all("covid19" in r["topics"] and r["language"] == "en" for r in body["rows"])


def test_hashtag_domain_and_url_lookups_are_exact(client, con):
    tag = con.execute(
        "SELECT normalized FROM post_entities WHERE type = 'hashtag' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    want = _ids(
        con, "p.post_id IN (SELECT post_id FROM post_entities WHERE type = 'hashtag' AND normalized = ?)", [tag]
    )
    body = client.get(f"/posts.json?q=hashtag:%23{quote(tag.upper())}&_size=1000").json()
    assert {r["post_id"] for r in body["rows"]} == want
    want = _ids(
        con, "p.post_id IN (SELECT post_id FROM post_enrichment WHERE list_contains(domains, 'globaltimes.cn'))"
    )
    assert client.get("/posts.json?q=domain:globaltimes.cn").json()["total"] == len(want) > 0
    url = con.execute(
        f"SELECT x.normalized FROM {TRACKED} JOIN post_entities x ON x.platform = p.platform "
        "AND x.post_id = p.post_id WHERE x.type = 'url' LIMIT 1"
    ).fetchone()[0]
    want = _ids(con, "p.post_id IN (SELECT post_id FROM post_entities WHERE type = 'url' AND normalized = ?)", [url])
    assert client.get("/posts.json?q=url:" + quote(url, safe="")).json()["total"] == len(want) > 0
    assert parse_search("hashtag:") == parse_search("hashtag:")  # no value: a text search for the word itself
    assert parse_search("hashtag:").mode == "text" and parse_search("Domain:News.CN.").value == "news.cn"


def test_each_post_carries_its_provenance_and_account(client, con):
    row = client.get("/posts.json?_size=1").json()["rows"][0]
    prov = con.execute("SELECT p.provenance FROM posts p WHERE p.post_id = ?", [row["post_id"]]).fetchone()[0]
    assert (row["source"], row["source_file"], row["source_line"], row["run_id"]) == (
        prov["source"],
        prov["file"],
        prov["line"],
        prov["run_id"],
    )
    assert row["handle"] and row["account_kind"]


def test_the_html_page_shows_post_cards_facets_and_downloads(client):
    html = client.get("/posts?q=china&_size=3").text
    assert html.count('class="post"') == 3 and 'class="facets"' in html
    assert 'href="/posts.csv?q=china' in html and 'name="q" value="china"' in html
    assert 'rel="next"' in html
    text = client.get("/posts.csv?q=china&_size=3").text
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["created_at", "platform", "post_id"] and len(rows) == 3


def test_a_search_with_no_match_and_a_forged_cursor(client):
    body = client.get("/posts.json?q=zzqqxxnotthere").json()
    assert body["total"] == 0 and body["rows"] == [] and body["next"] is None
    assert client.get("/posts.json?_next=bm90LWEtY3Vyc29y").status_code == 400


def test_window_start_holds_the_page_below_the_cursor():
    months = {"2022-03": 5, "2022-02": 3, "2022-01": 10, None: 4}
    assert window_start(months, None, 4) == datetime(2022, 3, 1)
    assert window_start(months, None, 6) == datetime(2022, 2, 1)
    assert window_start(months, datetime(2022, 3, 9), 4) == datetime(2022, 1, 1)  # March is partly shown
    assert window_start(months, None, 30) is None


def test_a_repost_shows_the_post_it_points_to_when_the_store_holds_it(reader, con):
    import pandas as pd

    from diplotrack.serve.pages.base import Context
    from diplotrack.serve.pages.posts import _with_targets, post_url
    from diplotrack.serve.params import View

    held = con.execute(
        f"SELECT p.platform, p.post_id, p.author_id, p.author_handle, p.text, a.handle FROM {TRACKED} LIMIT 1"
    ).fetchone()
    rows = pd.DataFrame(
        {
            "platform": [held[0], held[0]],
            "post_id": ["r1", "r2"],
            "target_post_id": [held[1], "not-in-the-store"],
            "target_author_id": [held[2], held[2]],
        }
    )
    out = _with_targets(Context(reader, View()), rows)
    assert out.loc[0, "target_text"] == held[4] and out.loc[0, "target_handle"] == held[3]
    assert out.loc[1, "target_text"] is None and out.loc[1, "target_handle"] == held[5]  # the roster's handle
    assert post_url("x", "123") == "https://x.com/i/web/status/123"
    assert (
        post_url("bluesky", "at://did:plc:abc/app.bsky.feed.post/3k") == "https://bsky.app/profile/did:plc:abc/post/3k"
    )
    assert post_url("x", "javascript:alert(1)") is None


def test_a_common_word_is_counted_in_its_newest_months_and_paged_to_the_oldest(client, con, monkeypatch):
    from diplotrack.serve.pages import posts_search

    monkeypatch.setattr(posts_search, "FACET_SAMPLE", 40)
    word = "people"  # searched by no other test: its facets are not in the reader's memory yet
    want = _ids(con, "strpos(lower(p.text), ?) > 0", [word])
    assert len(want) > 200
    body = client.get(f"/posts.json?q={word}&_size=30").json()
    assert body["total"] is None and any("since" in n for n in body["notes"])
    counted = sum(f["count"] for f in body["facets"]["post_kind"])
    since = min(f["value"] for f in body["facets"]["month"]) + "-01"
    assert 40 <= counted == len(_ids(con, "strpos(lower(p.text), ?) > 0 AND p.created_at >= ?", [word, since]))
    assert counted < len(want)
    rows = _all_pages(client, f"/posts.json?q={word}&_size=30")
    ids = [r["post_id"] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == want


def test_hostile_text_handles_and_links_are_escaped_in_the_cards(reader):
    import pandas as pd

    from diplotrack.serve import render
    from diplotrack.serve.app import csv_path, json_path
    from diplotrack.serve.options import filter_options
    from diplotrack.serve.pages.base import Panel
    from diplotrack.serve.pages.posts import PAGES, _empty_rows
    from diplotrack.serve.params import View

    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    row = {c: None for c in _empty_rows().columns}
    row.update(
        created_at=datetime(2022, 1, 1),
        platform="x",
        post_id="1",
        handle=evil,
        kind="quote",
        text=evil,
        url="javascript:alert(3)",
        source_pointer="javascript:alert(4)",
        target_post_id="2",
        target_text=evil,
        target_handle=evil,
        tone="neutral",
        tone_cues=[evil],
    )
    panel = Panel(pd.DataFrame([row]), facets={"language": [{"value": evil, "count": 1, "url": None}]})
    page = PAGES[0]
    html = (
        render.environment()
        .get_template("posts.html.j2")
        .render(
            panels=[(page.tables[0], panel)],
            ctx=None,
            page=page,
            pages=[page],
            view=View(q=evil),
            path="/posts",
            options=filter_options(reader),
            refreshed_at=None,
            json_path=json_path,
            csv_path=csv_path,
            watching=None,
        )
    )
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
