"""The alerts page over a copy of the demo store holding alerts (one about a tracked account whose
evidence names its posts, one about an account outside the roster), with hostile titles and
evidence: escaped everywhere, linked to the account and the posts, filtered, paged, and an explicit
empty state on a store without alerts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from diplotrack.serve.app import create_app
from diplotrack.serve.pages.alerts import EMPTY, evidence_tables
from diplotrack.serve.reader import StoreReader
from diplotrack.store.db import open_store

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


def _insert(con: Any, alert_id: str, rule: str, title: str, platform: str, handle: str, user_id: str | None,
            occurred: datetime, fired: datetime, evidence: dict) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [alert_id, rule, alert_id, title, platform, handle, user_id, occurred, fired, json.dumps(evidence)],
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("alerts-page") / "alerts.duckdb"
    shutil.copyfile(enriched_demo_template, path)
    con = open_store(path)
    try:
        platform, handle, user_key = con.execute(
            """SELECT a.platform, a.handle, a.user_key FROM accounts a
               WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = a.platform
                             AND p.author_id IN (a.user_key, 'handle:' || lower(a.handle)))
               ORDER BY a.platform = 'x' DESC, a.handle LIMIT 1"""
        ).fetchone()
        posts = [
            r[0]
            for r in con.execute(
                "SELECT post_id FROM posts WHERE platform = ? AND author_id IN (?, ?) ORDER BY post_id LIMIT 2",
                [platform, user_key, f"handle:{handle.lower()}"],
            ).fetchall()
        ]
        deleted = {"posts": [{"post_id": p, "text": SCRIPT, "deleted_at": "2026-12-01T10:00:00"} for p in posts]}
        _insert(con, "a-deleted", "deleted_posts", f"{handle} deleted 2 posts {SCRIPT}", platform, handle.upper(),
                None, datetime(2026, 12, 1, 10), datetime(2026, 12, 1, 12), deleted)  # fmt: skip
        renamed = {"before": {"handle": IMG}, "after": {"handle": "NewEmbassy", "url": "javascript:alert(3)"}}
        _insert(con, "a-renamed", "account_status", f"{IMG} renamed", "bluesky", "newembassy.bsky.social",
                "did:plc:zz", datetime(2026, 11, 20), datetime(2026, 11, 21), renamed)  # fmt: skip
        for i in range(3):
            _insert(con, f"a-jump-{i}", "follower_change", f"followers {i}", "telegram", f"chan{i}", None,
                    datetime(2026, 10, 1 + i), datetime(2026, 10, 5), {"value": i})  # fmt: skip
        con.execute(
            "INSERT INTO alert_deliveries VALUES ('a-deleted', 'webhook', 'failed', 3, NULL, ?, now()), "
            "('a-deleted', 'atom', 'delivered', 1, now(), NULL, now())",
            [f"the webhook at hooks.example answered HTTP 400 {SCRIPT}"],
        )
    finally:
        con.close()
    return {"path": path, "platform": platform, "handle": handle, "posts": posts}


@pytest.fixture(scope="module")
def alerts_client(store: dict[str, Any]) -> Iterator[TestClient]:
    reader = StoreReader(store["path"])
    with TestClient(create_app(reader), base_url="http://127.0.0.1:8000") as c:
        yield c
    reader.close()


def test_alerts_are_listed_newest_first_with_their_evidence_and_links(alerts_client: TestClient, store) -> None:
    body = alerts_client.get("/alerts.json").json()
    assert [r["alert_id"] for r in body["rows"]] == ["a-deleted", "a-renamed", "a-jump-0", "a-jump-1", "a-jump-2"]
    first = body["rows"][0]
    assert first["roster_handle"] == store["handle"] and first["posts"] == store["posts"]
    assert json.loads(first["evidence"])["posts"][0]["text"] == SCRIPT
    assert "webhook: failed (3 tries" in first["deliveries"] and "atom: delivered" in first["deliveries"]
    assert body["rows"][1]["roster_handle"] is None  # not in the roster: no account page

    html = alerts_client.get("/alerts").text
    assert f'href="/accounts/{store["platform"]}/{store["handle"]}"' in html
    for url in first["post_urls"]:
        assert f'href="{url}"' in html
    assert 'href="/alerts?q=rule%3Adeleted_posts"' in html  # the rule, linked to its alerts
    assert 'id="alert-a-deleted"' in html and "<caption>posts</caption>" in html
    assert 'href="/accounts/bluesky/' not in html


def test_hostile_titles_and_evidence_are_escaped(alerts_client: TestClient) -> None:
    html = alerts_client.get("/alerts").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html
    csv = alerts_client.get("/alerts.csv").text
    assert "<img" in csv  # the download carries the text as it is (a spreadsheet does not run it)


def test_rule_platform_window_filters_and_paging(alerts_client: TestClient, store) -> None:
    def ids(query: str) -> list[str]:
        r = alerts_client.get("/alerts.json" + query)
        assert r.status_code == 200, r.text
        return [x["alert_id"] for x in r.json()["rows"]]

    assert ids("?q=rule:account_status") == ["a-renamed"]
    assert ids("?platform=telegram") == ["a-jump-0", "a-jump-1", "a-jump-2"]
    assert ids("?start=2026-10-02&end=2026-11-01") == ["a-jump-1", "a-jump-2"]
    assert ids("?q=renamed") == ["a-renamed"]
    assert ids(f"?state=CN&platform={store['platform']}") == ["a-deleted"]  # about a tracked account
    page1 = alerts_client.get("/alerts.json?_size=2").json()
    page2 = alerts_client.get(page1["next_url"]).json()
    assert page1["total"] == 5 and [r["alert_id"] for r in page2["rows"]] == ["a-jump-0", "a-jump-1"]
    bad = alerts_client.get("/alerts.json?q=rule:" + SCRIPT)
    assert bad.status_code == 400 and "is not one of" in bad.json()["error"]
    assert alerts_client.get("/alerts?q=rule:nope").status_code == 400
    assert alerts_client.get("/alerts.json?rule=x").status_code == 400  # unknown parameters are refused
    rules = alerts_client.get("/alerts.json?_table=rules").json()["rows"]
    assert {r["rule"]: r["alerts"] for r in rules if r["rule"] == "follower_change"} == {"follower_change": 3}


def test_a_store_without_alerts_says_how_to_get_them(client: TestClient, new_store, tmp_path: Path) -> None:
    r = client.get("/alerts")  # the demo store: migrated, no alert fired
    assert r.status_code == 200 and "No alerts recorded yet; run <code>diplotrack alerts</code>" in r.text
    assert client.get("/alerts.json").json()["notes"][0] == EMPTY
    con = new_store(tmp_path / "old.duckdb")
    con.execute("DROP TABLE alert_deliveries; DROP TABLE alerts")  # as before the alerts tables
    con.close()
    reader = StoreReader(tmp_path / "old.duckdb")
    try:
        with TestClient(create_app(reader), base_url="http://127.0.0.1:8000") as c:
            old = c.get("/alerts")
            assert old.status_code == 200 and "No alerts recorded yet" in old.text
            assert c.get("/alerts.json").json()["rows"] == []
    finally:
        reader.close()


def test_evidence_tables_read_every_shape() -> None:
    tables = evidence_tables(
        json.dumps(
            {
                "n": 3,
                "before": {"followers": 10},
                "posts": [{"post_id": "1", "x": [1]}, {"post_id": "2"}],
                "ids": ["a", "b"],
            }
        ),  # fmt: skip
        "x",
    )
    by = {t.title: t for t in tables}
    assert [c.text for c in by["values"].rows[0]] == ["n", "3"]
    assert by["posts"].columns == ["post_id", "x"] and by["posts"].rows[0][1].text == "[1]"
    assert by["posts"].rows[0][0].url == "https://x.com/i/web/status/1"
    assert [r[0].text for r in by["ids"].rows] == ["a", "b"]
    assert evidence_tables("not json")[0].title == "evidence (not JSON)"
