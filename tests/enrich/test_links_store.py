"""Resolving a store's shortened links and what it changes: cached answers (dead links included),
resumable and idempotent runs, ``--limit``, ``--retry-failed``, rate-limited hosts left for later,
and link domains, state-media links and their coverage after enriching again: shorteners never
rank, a resolved t.co link counts under its final domain, rollups stay consistent.

Links are on real shortener hosts (http://t.co/..., http://bit.ly/...); the local server of
test_links.py answers them as an HTTP proxy, so nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from test_links import LinkServer

from diplotrack.analyses import content
from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.analyses.registry import run
from diplotrack.collect.clock import SimulatedClock
from diplotrack.enrich.domains import is_shortener, link_domain
from diplotrack.enrich.links import LinkSettings, resolve_store
from diplotrack.enrich.run import current_version, enrich_store, outdated
from diplotrack.records import Entity, Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store import rollups
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - actor_id: emb-fr
    name: Embassy in France
    kind: embassy
    state: CN
    host_country: FR
    accounts: [{platform: x, handle: AmbassadeChine, user_id: "1"}]
"""

LINKS = {  # post -> the URLs it links (as post_entities.normalized holds them)
    "p1": ["http://t.co/abc"],
    "p2": ["http://t.co/abc", "https://www.bbc.co.uk/news/x"],
    "p3": ["http://bit.ly/gt"],
    "p4": ["http://t.co/dead"],
    "p5": ["http://t.co/loop"],
    "p6": ["http://t.co/priv"],
    "p7": ["http://t.co/boom"],
    "p8": ["http://xhne.ws/1"],
    "p9": ["http://ow.ly/far"],
}


class Web:
    """What the hosts answer (requests arrive through the proxy, by host and path)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.fixed = False  # t.co/boom answers 500 until then
        self.far = True  # ow.ly answers 429 with a reset 10 days ahead until then

    def __call__(self, method: str, host: str, path: str, headers: dict[str, str]) -> tuple[int, dict, float]:
        def to(code: int, location: str) -> tuple[int, dict, float]:
            return code, {"Location": location}, 0.0

        if (host, path) == ("t.co", "/boom"):
            return to(301, "http://www.bbc.co.uk/news/1") if self.fixed else (500, {}, 0.0)
        if host == "ow.ly" and self.far:
            return 429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(self.clock.now()) + 864000)}, 0
        routes = {
            ("t.co", "/abc"): to(301, "http://english.news.cn/2022/x.htm"),
            ("bit.ly", "/gt"): to(302, "http://www.globaltimes.cn/page/1.html"),
            ("t.co", "/loop"): to(302, "/loop2"),
            ("t.co", "/loop2"): to(301, "http://t.co/loop"),
            ("t.co", "/priv"): to(302, "http://169.254.169.254/latest/meta-data"),
            ("xhne.ws", "/1"): to(307, "http://t.co/abc"),
            ("ow.ly", "/far"): to(302, "http://www.globaltimes.cn/page/2.html"),
        }
        if (host, path) in routes:
            return routes[(host, path)]
        if host in ("english.news.cn", "www.globaltimes.cn", "www.bbc.co.uk"):
            return 200, {}, 0.0
        return 404, {}, 0.0


@pytest.fixture
def web() -> Iterator[tuple[LinkServer, Web, SimulatedClock]]:
    clock = SimulatedClock()
    app = Web(clock)
    server = LinkServer(app)
    yield server, app, clock
    server.close()


@pytest.fixture
def store(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)
    w = StoreWriter(con, 0)
    for i, (pid, urls) in enumerate(LINKS.items()):
        w.add_post(
            Post(
                platform="x",
                post_id=pid,
                author_id="1",
                author_handle="AmbassadeChine",
                created_at=datetime(2022, 3, 1 + i),
                text="Read more " + " ".join(urls),
                lang="en",
                kind="original",
                provenance=Provenance("test"),
                entities=[Entity("url", u, u) for u in urls],
            )
        )
    w.flush()
    return con


def _settings(server: LinkServer) -> LinkSettings:
    return LinkSettings(timeout=0.5, max_hops=5, delay=0.0, concurrency=3, proxy=server.base)


def _enriched(con) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    rows = con.execute("SELECT post_id, domains, state_media, unresolved_links FROM post_enrichment").fetchall()
    return {r[0]: (sorted(r[1]), r[2], r[3]) for r in rows}


def _domains(con) -> dict[str, int]:  # type: ignore[no-untyped-def]
    top = content.top_entities(tables_from_duckdb(con), Filters(), "domain", n=50).to_pandas()
    return dict(zip(top["value"], top["posts"], strict=True))


def test_shortener_list_and_the_domain_a_link_counts_under() -> None:
    assert is_shortener("https://t.co/x") and is_shortener("http://www.bit.ly/y") and is_shortener("xhne.ws")
    assert is_shortener("https://on.ft.com/3abc") and not is_shortener("https://www.ft.com/content/1")
    assert not is_shortener("https://news.cn/x") and not is_shortener("not a url") and not is_shortener(None)
    assert link_domain("https://t.co/x") == (None, True)  # unresolved: in no domain
    assert link_domain("https://t.co/x", "news.cn") == ("news.cn", False)
    assert link_domain("https://t.co/x", "bit.ly") == (None, True)  # resolved to another shortener: still unknown
    assert link_domain("https://english.news.cn/a") == ("news.cn", False)
    assert link_domain("http://192.0.2.1/a") == (None, False)


def test_resolving_moves_links_to_their_final_domains(store, web) -> None:  # type: ignore[no-untyped-def]
    server, app, clock = web
    enrich_store(store, workers=1)
    assert _domains(store) == {"bbc.co.uk": 1}  # before: no t.co, only the one link that is not shortened
    t = tables_from_duckdb(store)
    assert content.unresolved_links(t, Filters()) == (9, 9)
    assert "9 link(s) in 9 post(s)" in (content.links_caveat(t, Filters()) or "")

    # a first run, --limit 2: the most linked first (t.co/abc, in two posts), then in URL order
    first = resolve_store(store, _settings(server), limit=2, run_id=7, clock=clock)
    assert (first.candidates, first.todo, first.resolved, first.by_status, first.left) == (8, 2, 2, {"ok": 2}, 6)
    rows = store.execute("SELECT url, final_url, final_domain, status, http_status, hops, run_id FROM link_resolutions")
    assert sorted(rows.fetchall()) == [
        ("http://bit.ly/gt", "http://www.globaltimes.cn/page/1.html", "globaltimes.cn", "ok", 200, 1, 7),
        ("http://t.co/abc", "http://english.news.cn/2022/x.htm", "news.cn", "ok", 200, 1, 7),
    ]
    # the posts linking them are outdated now, and only they are enriched again
    assert outdated(store, current_version()) == 3
    assert enrich_store(store, workers=1).posts_enriched == 3
    got = _enriched(store)
    assert got["p1"] == (["news.cn"], ["xinhua"], [])
    assert got["p2"] == (["bbc.co.uk", "news.cn"], ["xinhua"], [])
    assert got["p3"] == (["globaltimes.cn"], ["global_times"], [])
    assert got["p4"] == ([], [], ["http://t.co/dead"])

    # the rest; ow.ly is rate limited ten days ahead: left for a later run, not cached
    second = resolve_store(store, _settings(server), run_id=8, clock=clock)
    assert second.todo == 6 and second.deferred == 1 and second.left == 1 and clock.slept == 0
    assert second.by_status == {"dead": 1, "loop": 1, "invalid": 1, "error": 1, "ok": 1}
    assert any("ow.ly is rate limited until" in n for n in second.notes)
    status = dict(store.execute("SELECT url, status || ' ' || coalesce(error, '') FROM link_resolutions").fetchall())
    assert status["http://t.co/dead"] == "dead HTTP 404"
    assert status["http://t.co/loop"].startswith("loop redirect loop back to http://t.co/loop")
    assert status["http://t.co/priv"] == "invalid HTTP 302 to a local or private address"
    assert status["http://t.co/boom"] == "error HTTP 500"
    assert "http://ow.ly/far" not in status
    assert not any("169.254" in s.host for s in server.seen)  # never requested

    # nothing new: no request; then the failed one again, and the deferred one once its host answers
    asked = len(server.seen)
    again = resolve_store(store, LinkSettings(proxy=server.base, delay=0.0), clock=clock)
    assert again.deferred == 1 and len(server.seen) == asked + 1  # only ow.ly, still rate limited
    app.fixed, app.far = True, False
    retry = resolve_store(store, _settings(server), retry_failed=True, clock=clock)
    assert (retry.todo, retry.by_status, retry.left) == (2, {"ok": 2}, 0)
    enrich_store(store, workers=1)

    # the rankings: final domains, t.co never; the unknown ones (dead, loop, private) counted aside
    assert _domains(store) == {"news.cn": 3, "bbc.co.uk": 2, "globaltimes.cn": 2}
    t = tables_from_duckdb(store)
    assert content.unresolved_links(t, Filters()) == (3, 3)
    cov = run("top_entities", t, Filters(), what="domain").coverage
    assert any(c.startswith("3 link(s) in 3 post(s) are on URL shorteners") for c in cov.caveats)
    amp = content.amplification_shares(t, Filters(), by="handle").to_pandas()
    assert amp["state_media_posts"].tolist() == [5]  # p1, p2, p8 (Xinhua), p3, p9 (Global Times)
    assert set(rollups.check(store).values()) == {0}

    # --refresh asks every link again: the same answers replace the cached ones
    before = store.execute("SELECT url, final_url, status, hops FROM link_resolutions ORDER BY url").fetchall()
    refreshed = resolve_store(store, _settings(server), refresh=True, clock=clock)
    assert (refreshed.todo, refreshed.resolved, refreshed.cached_before) == (8, 8, 0)
    assert store.execute("SELECT url, final_url, status, hops FROM link_resolutions ORDER BY url").fetchall() == before


def test_a_run_that_cannot_connect_stops_early_instead_of_caching_errors(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    from diplotrack.enrich import links

    monkeypatch.setattr(links, "UNREACHABLE", 3)
    with socket.socket() as s:  # a port nothing listens on: every connection is refused
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings = LinkSettings(timeout=0.5, delay=0.0, concurrency=1, proxy=f"http://127.0.0.1:{closed}")
    r = resolve_store(store, settings, clock=SimulatedClock())
    assert r.gave_up and not r.stopped and 3 <= r.resolved < 8 and r.left == 8 - r.resolved
    assert r.by_status == {"error": r.resolved}
    assert any("could not connect (is this machine offline?)" in n for n in r.notes)
