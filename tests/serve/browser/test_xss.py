"""Untrusted text in a real browser: a small store whose names, bios, handles, posts, hashtags and
URLs carry XSS payloads (script tags, event handlers, ``javascript:`` links, broken markup) is
served, every page is visited (and the hostile account's page, and the posts search), the links
that carry payload URLs are clicked, and nothing may run.

Every payload sets ``window.__xss``. The pages are loaded with the Content-Security-Policy bypassed,
so a payload that reached the page as markup would run and be caught here: the test checks the
escaping, not only the CSP behind it. The DOM is also checked for any element or attribute a
payload could have made, and the payloads must be shown as text somewhere (else this test would
prove nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml

from diplotrack.records import Entity, Post, ProfileSnapshot, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.serve.pages import PAGES
from diplotrack.serve.reader import StoreReader
from diplotrack.store import rollups
from diplotrack.store.db import open_store
from diplotrack.store.writer import StoreWriter

from .support import TIMEOUT_MS, LiveServer, Watched, watch

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload="window.__xss=1">'
QUOTE = "'><img src=x onerror=window.__xss=1>"
BROKEN = "</td></tr></table></section><b>broken"
JS_URL = "javascript:window.__xss=1"
DATA_URL = "data:text/html,<script>window.__xss=1</script>"
HTTP_URL = 'https://example.com/"><svg onload=window.__xss=1>?q=<script>window.__xss=1</script>'
EVIL_HANDLE = '"><svg onload=window.__xss=1>'
TEXT = f"{SCRIPT} {IMG} {SVG} {QUOTE} {BROKEN} {JS_URL} #{SCRIPT}"

# what a payload could have put in the DOM: any script but the app's own files, any handler
DOM_CHECK = """() => {
  const bad = [];
  for (const s of document.querySelectorAll('script')) if (!s.src) bad.push('inline script: ' + s.textContent);
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes) if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
  for (const a of document.querySelectorAll('[href],[src],[action],[formaction]')) {
    const v = (a.getAttribute('href') || a.getAttribute('src') || a.getAttribute('action')
               || a.getAttribute('formaction') || '').trim().toLowerCase();
    if (v.startsWith('javascript:') || v.startsWith('data:text') || v.startsWith('vbscript:'))
      bad.push(a.tagName + ' -> ' + v);
  }
  if (document.querySelector('svg[onload], img[src="x"], main b')) bad.push('payload markup');
  return bad;
}"""


def _hostile_store(folder: Path) -> Path:
    roster = folder / "roster.yaml"
    actor = {"actor_id": "cn-emb-xx", "name": "Embassy", "kind": "embassy", "state": "CN", "host_country": "FR"}
    actor["host_city"] = "Paris"
    actor["accounts"] = [{"platform": "x", "handle": "HostileEmbassy"}]
    roster.write_text(yaml.safe_dump({"roster": 1, "name": "hostile", "actors": [actor]}))
    db = folder / "hostile.duckdb"
    con = open_store(db)
    loaded, problems = load_roster(roster)
    assert not problems and loaded is not None
    import_roster(con, loaded)
    # values a roster check would refuse, written as another tool could: the dashboard must cope
    con.execute(
        "UPDATE actors SET name = $n, host_city = $c, organisation = $o, person = $p, notes = $t, source = $u, "
        "tags = [$n, $u], languages = ['fr']",
        {"n": f"Embassy {SCRIPT}", "c": f"Paris {BROKEN}", "o": IMG, "p": SVG, "t": QUOTE, "u": JS_URL},
    )
    con.execute("UPDATE accounts SET notes = $t, source = $u", {"t": IMG, "u": JS_URL})
    con.execute(
        "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, notes, updated_at) "
        "VALUES ('x', $h, '999', '999', 'cn-emb-xx', $u, $t, now())",
        {"h": EVIL_HANDLE, "u": DATA_URL, "t": SCRIPT},
    )
    w = StoreWriter(con, 0)
    prov = Provenance("test", file=f"{SCRIPT}.jsonl", line=1, pointer=SVG)
    for user_id, handle in (("handle:hostileembassy", "HostileEmbassy"), ("999", EVIL_HANDLE)):
        for day in (1, 2, 3):
            w.add_profile(
                ProfileSnapshot(
                    "x",
                    user_id,
                    datetime(2022, 1, day),
                    prov,
                    handle=handle if day < 3 else f"{handle}{day}",
                    display_name=f"{SCRIPT} {IMG}",
                    description=f"{TEXT} {HTTP_URL}",
                    created_at=datetime(2015, 1, 1),
                    followers=100 * day,
                    following=1,
                    posts_count=10,
                    status="active" if day < 3 else "suspended",
                    location=BROKEN,
                )
            )
    n = 0
    for author, handle in (("handle:hostileembassy", "HostileEmbassy"), ("999", EVIL_HANDLE), ("777", QUOTE)):
        for day in range(1, 6):
            n += 1
            entities = [
                Entity("hashtag", SCRIPT, SCRIPT.casefold()),
                Entity("hashtag", IMG, IMG.casefold()),
                Entity("mention", EVIL_HANDLE, EVIL_HANDLE.lower()),
                Entity("mention", "HostileEmbassy", "hostileembassy"),
                Entity("url", JS_URL, JS_URL),
                Entity("url", HTTP_URL, HTTP_URL),
                Entity("url", DATA_URL, DATA_URL),
            ]
            w.add_post(
                Post(
                    "x",
                    str(n),
                    author,
                    handle,
                    datetime(2022, 1, day, 10, 0, n),
                    f"{TEXT} {HTTP_URL} number {n}",
                    "en",
                    "repost" if author == "777" else "original",
                    prov,
                    reposted_post_id="1" if author == "777" else None,
                    reposted_author_id="handle:hostileembassy" if author == "777" else None,
                    source_client=IMG,
                    entities=entities,
                )
            )
    w.flush()
    w.close()
    from diplotrack.enrich.run import enrich_store

    enrich_store(con)
    con.execute(  # an alert (the alerts page): its title, account and evidence carry the payloads
        "INSERT INTO alerts VALUES ('xss-alert', 'account_status', 'k', $t, 'x', $h, '999', now(), now(), NULL, "
        "json_object('before', json_object('handle', $s, 'url', $j), 'after', json_object('url', $u), "
        "'posts', json_array(json_object('post_id', '1', 'text', $t))))",
        {"t": TEXT, "h": EVIL_HANDLE, "s": SVG, "j": JS_URL, "u": HTTP_URL},
    )
    rollups.rebuild(con)
    con.close()
    return db


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = _hostile_store(tmp_path_factory.mktemp("hostile"))
    reader = StoreReader(db)
    server = LiveServer(reader)
    yield server
    server.stop()
    reader.close()


@pytest.fixture
def hostile_page(browser: Any, hostile_server: LiveServer) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=hostile_server.url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield watch(context, hostile_server.url)
    finally:
        context.close()


def _nothing_ran(w: Watched, where: str) -> None:
    assert w.page.evaluate("() => window.__xss") is None, f"a payload ran on {where}"
    bad = w.page.evaluate(DOM_CHECK)
    assert not bad, f"{where}: {bad}"


def _addresses() -> list[str]:
    """Every page without a parameter, the two hostile accounts' pages and searches with payloads."""
    paths = {p.path for p in PAGES}
    out = sorted(p for p in paths if "{" not in p)
    if "/accounts/{platform}/{handle}" in paths:
        out += [f"/accounts/x/{quote(h, safe='')}" for h in ("HostileEmbassy", EVIL_HANDLE)]
    for search in ("/posts", "/accounts"):
        if search in paths:
            out += [f"{search}?q={quote(SCRIPT)}", f"{search}?q={quote(SVG)}", f"{search}?q=number"]
    return out


PAYLOAD_MARKS = ("xss", "%3cscript", "svg", "onerror")
CLICKS_PER_PAGE = 3


def test_payloads_are_shown_as_text_and_never_run(hostile_page: Watched, hostile_server: LiveServer) -> None:
    """On every page: nothing ran, no markup a payload could make, the payloads shown as text, every
    link http(s) or the app's own. Each distinct link carrying a payload is clicked once (a few per
    page): the app's own pages are followed; other hosts' open in a new tab (with noopener), which
    the test's router aborts; nothing runs either way."""
    p = hostile_page.page
    shown_as_text = 0
    clicked: set[str] = set()
    for address in _addresses():
        response = p.goto(address)
        assert response is not None and response.status == 200, f"{address} answered {response and response.status}"
        _nothing_ran(hostile_page, address)
        body = p.locator("body").inner_text()
        shown_as_text += any(x in body for x in (SCRIPT, IMG, EVIL_HANDLE))

        hrefs = p.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            assert href.strip().lower().startswith(("http://", "https://", "/", "?", "#")), (address, href)
        here = urlsplit(address).path
        todo = [
            h
            for h in dict.fromkeys(hrefs)
            if h not in clicked
            and any(m in h.lower() for m in PAYLOAD_MARKS)
            and urlsplit(h).path.split(".")[0] != here  # not this page re-sorted, paged or downloaded
        ]
        todo.sort(key=lambda h: not h.startswith("http"))  # other hosts' links first
        for href in todo[:CLICKS_PER_PAGE]:
            link = p.locator(f"a[href={_css_string(href)}]").first
            if not link.is_visible():
                continue
            external = href.startswith(("http://", "https://"))
            if external:
                assert {"noopener", "noreferrer"} <= set((link.get_attribute("rel") or "").split()), href
                assert link.get_attribute("target") == "_blank", href
                with p.context.expect_page() as opened:
                    link.click()
                opened.value.close()
            else:
                with p.expect_navigation():
                    link.click()
            _nothing_ran(hostile_page, f"{address} after clicking {href}")
            clicked.add(href)
            if not external:
                p.goto(address)
    assert shown_as_text >= 3, "the payloads must reach the pages (as text) for this test to mean anything"
    assert any(h.startswith("http") for h in clicked), "links to other hosts carrying payloads were clicked"
    assert any(h.startswith("/") for h in clicked), "the app's own links carrying payloads were followed"


def _css_string(value: str) -> str:
    """``value`` as a quoted CSS string (for an attribute selector)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'
