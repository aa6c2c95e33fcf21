"""Collecting from Bluesky and Mastodon through real HTTP servers on 127.0.0.1.

The servers answer with the fixture bodies (tests/fixtures/bluesky: lexicon-shaped documents and
real atproto objects; tests/fixtures/mastodon: real Mastodon 4.x responses), and inject faults:
429 with each platform's own reset header format, 5xx.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apiservers import LocalServer, Reply, Request
from helpers import FAST_HTTP, collect, track

from diplotrack.collect.config import Settings

FIX = Path(__file__).resolve().parents[1] / "fixtures"
EMBASSY = "did:plc:okygsjynv32uvhtc2kc3xtoy"
MINISTRY = "did:plc:3f4ruzpsjzeep6bfzk3q57jf"


def _body(platform: str, name: str) -> bytes:
    return (FIX / platform / name).read_bytes()


def bluesky_app(req: Request) -> Reply:
    nsid = req.path.removeprefix("/xrpc/")
    if nsid == "app.bsky.actor.getProfiles":
        wanted = set(req.query.get("actors", []))
        doc = json.loads(_body("bluesky", "docs-getProfiles.json"))
        doc["profiles"] = [p for p in doc["profiles"] if p["did"] in wanted or p["handle"] in wanted]
        return Reply.json(doc)
    if nsid == "app.bsky.actor.getProfile":
        return Reply(400, _body("bluesky", "docs-error-profile-not-found.json"), {"Content-Type": "application/json"})
    if nsid == "app.bsky.feed.getAuthorFeed":
        if req.arg("actor") != EMBASSY:
            return Reply.json({"feed": []})
        page = "docs-getAuthorFeed-page2.json" if req.arg("cursor") else "docs-getAuthorFeed-page1.json"
        return Reply(200, _body("bluesky", page), {"Content-Type": "application/json"})
    files = {
        "app.bsky.feed.getRepostedBy": "docs-getRepostedBy.json",
        "app.bsky.feed.getLikes": "docs-getLikes.json",
        "app.bsky.feed.getQuotes": "docs-getQuotes.json",
    }
    if nsid in files:
        return Reply(200, _body("bluesky", files[nsid]), {"Content-Type": "application/json"})
    return Reply.json({"error": "MethodNotImplemented", "message": nsid}, 501)


def settings(**kw: object) -> Settings:
    return Settings(http=FAST_HTTP, **kw)  # type: ignore[arg-type]


def test_bluesky_collection_end_to_end_with_a_429_and_a_503(con, tmp_path):
    with LocalServer(bluesky_app) as srv:
        track(con, tmp_path, ["embassy.diplo.test", "ministry.diplo.test", "gone.diplo.test"], platform="bluesky")
        reset = str(int(time.time()) + 2)
        t0 = time.time()
        srv.inject(
            Reply.json(
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                429,
                {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": reset},
            ),
            match=lambda r: r.path.endswith("getAuthorFeed"),
        )
        srv.inject(Reply(503, b"busy"), match=lambda r: r.path.endswith("getAuthorFeed"))
        report = collect(con, settings(bluesky_base=srv.url), platform="bluesky", engagement=1)
        bsky = report.platforms[0]
        assert time.time() - t0 >= 1.0  # it waited for the ratelimit-reset time
        assert (bsky.accounts, bsky.reachable, bsky.swept) == (3, 2, 2)
        assert bsky.meter.waits >= 1 and bsky.meter.errors == 0
        ids = dict(con.execute("SELECT handle, user_id FROM accounts WHERE platform = 'bluesky'").fetchall())
        assert ids["embassy.diplo.test"] == EMBASSY and ids["ministry.diplo.test"] == MINISTRY
        events = {(e["handle"], e["event"]) for e in bsky.events}
        assert events == {("gone.diplo.test", "not_found")}
        kinds = dict(
            con.execute(f"SELECT kind, count(*) FROM posts WHERE author_id = '{EMBASSY}' GROUP BY kind").fetchall()
        )
        assert kinds.get("repost") == 1 and kinds.get("reply", 0) >= 1 and kinds.get("quote", 0) >= 1
        repostedBy = json.loads(_body("bluesky", "docs-getRepostedBy.json"))["repostedBy"]
        likes = json.loads(_body("bluesky", "docs-getLikes.json"))["likes"]
        quotes = json.loads(_body("bluesky", "docs-getQuotes.json"))["posts"]
        # --engagement 1: the newest post of each tracked account (the ministry's is the one the embassy
        # reposted); the server gives every post the same engagement pages
        got = dict(con.execute("SELECT kind, count(*) FROM engagements GROUP BY kind").fetchall())
        assert got == {"repost": 2 * len(repostedBy), "like": 2 * len(likes), "quote": 2 * len(quotes)}
        engaged = {r[0] for r in con.execute("SELECT DISTINCT post_id FROM engagements").fetchall()}
        assert len(engaged) == 2 and all(p.startswith(("at://" + EMBASSY, "at://" + MINISTRY)) for p in engaged)
        assert con.execute("SELECT count(*) FROM collection_cursors WHERE sweep_open").fetchone()[0] == 0

        # the second run re-reads at least the newest page (100 posts) of each account: the embassy has
        # fewer stored, all on the fixture's two small pages, so both are asked again; the ministry's
        # empty feed is one request
        srv.requests.clear()
        again = collect(con, settings(bluesky_base=srv.url), platform="bluesky")
        feeds = [r for r in srv.requests if r.path.endswith("getAuthorFeed")]
        assert sorted(r.arg("cursor") is None for r in feeds) == [False, True, True]
        assert again.platforms[0].posts_new == 0 and again.platforms[0].deleted == 0


def mastodon_app(req: Request) -> Reply:
    if req.path == "/api/v1/accounts/lookup":
        if req.arg("acct") == "mastodonpy_test":
            return Reply(200, _body("mastodon", "real-accounts-lookup.json"), {"Content-Type": "application/json"})
        return Reply(404, _body("mastodon", "real-error-404-lookup.json"), {"Content-Type": "application/json"})
    if req.path == "/api/v1/accounts/117020565966271181":
        return Reply(200, _body("mastodon", "real-accounts-lookup.json"), {"Content-Type": "application/json"})
    if req.path == "/api/v1/accounts/117020565966271181/statuses":
        statuses = json.loads(_body("mastodon", "real-statuses-with-boost-and-reply.json"))
        # the statuses come from 2022 cassettes of the same test account, which had another id then
        for st in statuses:
            for holder in (st, st.get("reblog") or {}):
                if holder.get("account", {}).get("acct") == "mastodonpy_test":
                    holder["account"]["id"] = "117020565966271181"
        since, max_id = req.arg("since_id"), req.arg("max_id")
        if since:
            statuses = [s for s in statuses if int(s["id"]) > int(since)]
        if max_id:
            statuses = [s for s in statuses if int(s["id"]) < int(max_id)]
        return Reply.json(statuses[: int(req.arg("limit") or 20)])
    return Reply.json({"error": "Record not found"}, 404)


def test_mastodon_collection_end_to_end_with_an_iso_reset_429_and_a_500(con, tmp_path):
    with LocalServer(mastodon_app) as srv:
        track(con, tmp_path, ["mastodonpy_test@mastodon.example", "nobody@mastodon.example"], platform="mastodon")
        reset = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        srv.inject(
            Reply.json(
                {"error": "Too many requests"},
                429,
                {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            ),
            match=lambda r: r.path.endswith("/statuses"),
        )
        srv.inject(Reply(500, b"oops"), match=lambda r: r.path.endswith("/statuses"))
        t0 = time.time()
        report = collect(con, settings(mastodon_base=srv.url), platform="mastodon")
        assert time.time() - t0 >= 0.5
        m = report.platforms[0]
        assert (m.accounts, m.reachable, m.swept, m.meter.errors) == (2, 1, 1, 0)
        assert m.meter.waits >= 1
        assert {(e["handle"], e["event"]) for e in m.events} == {("nobody@mastodon.example", "not_found")}
        uid = con.execute("SELECT user_id FROM accounts WHERE handle = 'mastodonpy_test@mastodon.example'").fetchone()[
            0
        ]
        assert uid == "mastodon.example:117020565966271181"  # ids are the roster instance's
        kinds = dict(
            con.execute("SELECT kind, count(*) FROM posts WHERE author_id = ? GROUP BY kind", [uid]).fetchall()
        )
        assert kinds == {"repost": 1, "original": 2, "reply": 1}
        srv.requests.clear()
        collect(con, settings(mastodon_base=srv.url), platform="mastodon")
        statuses = [r for r in srv.requests if r.path.endswith("/statuses")]
        # the account's 4 stored statuses are fewer than a page (40): all but the oldest (the bound)
        # are read again, in one request
        oldest = con.execute(
            "SELECT min(post_id) FROM posts WHERE author_id = ? AND kind <> 'repost'", [uid]
        ).fetchone()[0]
        assert len(statuses) == 1 and statuses[0].arg("since_id") == oldest.split(":")[-1]


def test_bluesky_deletions_are_confirmed_by_uri_before_posts_are_marked(con, tmp_path):
    page1 = json.loads(_body("bluesky", "docs-getAuthorFeed-page1.json"))
    own = [i["post"]["uri"] for i in page1["feed"] if "reason" not in i and i["post"]["author"]["did"] == EMBASSY]
    hidden, deleted = own[1], own[2]  # one the feed no longer shows but exists; one really gone
    state = {"hide": set()}

    def app(req: Request) -> Reply:
        nsid = req.path.removeprefix("/xrpc/")
        if nsid == "app.bsky.feed.getAuthorFeed" and req.arg("actor") == EMBASSY:
            name = "docs-getAuthorFeed-page2.json" if req.arg("cursor") else "docs-getAuthorFeed-page1.json"
            doc = json.loads(_body("bluesky", name))
            doc["feed"] = [i for i in doc["feed"] if i["post"]["uri"] not in state["hide"] or "reason" in i]
            return Reply.json(doc)
        if nsid == "app.bsky.feed.getPosts":
            uris = [u for u in req.query.get("uris", []) if u != deleted]
            return Reply.json({"posts": [{"uri": u} for u in uris]})
        return bluesky_app(req)

    with LocalServer(app) as srv:
        track(con, tmp_path, ["embassy.diplo.test"], platform="bluesky")
        collect(con, settings(bluesky_base=srv.url), platform="bluesky")
        state["hide"] = {hidden, deleted}
        report = collect(con, settings(bluesky_base=srv.url), platform="bluesky", recheck=timedelta(days=3650))
        asked = [r.query.get("uris") for r in srv.requests if r.path.endswith("getPosts")]
    marked = {r[0] for r in con.execute("SELECT post_id FROM posts WHERE deleted_at IS NOT NULL").fetchall()}
    assert marked == {deleted}
    assert report.platforms[0].deleted == 1
    assert asked == [sorted([hidden, deleted])]


def test_a_spent_x_budget_does_not_stop_the_free_platforms(con, tmp_path):
    from apiservers import XApi
    from helpers import x_settings

    api = XApi(2, 300)
    with LocalServer(api) as xs, LocalServer(bluesky_app) as bs:
        track(con, tmp_path, ["acct0000", "acct0001"])
        track(con, tmp_path, ["embassy.diplo.test"], platform="bluesky")
        base = x_settings(xs.url)
        both = Settings(**{**base.__dict__, "bluesky_base": bs.url})
        from diplotrack.collect.clock import Clock
        from diplotrack.collect.engine import CollectOptions, Collector
        from diplotrack.collect.http import SilentReporter
        from diplotrack.collect.registry import build_source

        clock = Clock()
        sources = [build_source(p, both, clock, SilentReporter()) for p in ("x", "bluesky")]
        report = Collector(con, clock, CollectOptions(budget=1.0)).run(sources)
        for s in sources:
            s.close()
    x, bsky = report.platforms
    assert (x.status, bsky.status, report.status) == ("budget", "ok", "budget")
    assert x.meter.cost <= 1.0 and bsky.swept == 1
    rows = dict(con.execute("SELECT platform, status FROM collection_runs").fetchall())
    assert rows == {"x": "budget", "bluesky": "ok"}
