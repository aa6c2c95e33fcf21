"""The Mastodon source: mapping of real API bodies (tests/fixtures/mastodon, see SOURCES.md), addresses,
paging, and the client's requests against a mock transport serving those bodies.

The real bodies come from a local development server (``http://localhost:3000``), so the instance
in the ids below is ``localhost:3000`` wherever the test reads them as that server answered them.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from helpers import track

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import MASTODON_TOKEN_ENV, HttpSettings, Secret, Settings
from diplotrack.collect.engine import CollectOptions, Collector
from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.http import SilentReporter
from diplotrack.collect.mastodon import mapping
from diplotrack.collect.mastodon.client import PAGE_SIZE, MastodonSource
from diplotrack.collect.mastodon.errors import found_refused
from diplotrack.collect.mastodon.identity import id_order, parse_address, qualify, split_id
from diplotrack.collect.mastodon.profiles import found_account, map_account
from diplotrack.collect.meter import Meter
from diplotrack.collect.source import Sweep, Target, TimelinePage
from diplotrack.errors import UsageError
from diplotrack.provenance import Prov
from diplotrack.store.raw import raw_id_of

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
INST = "localhost:3000"
RETRIEVED = datetime(2026, 8, 2, 12, 0, 0)


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def load(name: str):  # type: ignore[no-untyped-def]
    return json.loads(body(name))


def target(handle: str = "mastodonpy_test@localhost:3000", user_id: str | None = None) -> Target:
    return Target("mastodon", handle, user_id, "actor-1")


def timeline(name: str, *, limit: int = PAGE_SIZE, since_at: datetime | None = None) -> TimelinePage:
    raw = body(name)
    return mapping.map_timeline(json.loads(raw), INST, "u", raw, RETRIEVED, limit=limit, since_at=since_at)


# -- accounts --------------------------------------------------------------------------------------


def test_account_lookup_maps_ids_counts_and_note() -> None:
    raw = body("real-accounts-lookup.json")
    url = "http://localhost:3000/api/v1/accounts/lookup?acct=mastodonpy_test"
    prov = Prov(mapping.SOURCE, url, None, raw_id_of(raw))("")
    snap = map_account(json.loads(raw), INST, RETRIEVED, prov)
    assert snap.platform == "mastodon"
    assert snap.user_id == "localhost:3000:117020565966271181"
    assert snap.handle == "mastodonpy_test@localhost:3000"
    assert snap.display_name == "John Lennon"
    assert snap.description == "I walk funny"  # <p>I walk funny</p>
    assert snap.created_at == datetime(2026, 8, 1, 0, 0, 0)
    assert snap.created_at.tzinfo is None
    assert (snap.followers, snap.following, snap.posts_count) == (0, 0, 0)
    assert snap.status == "active"  # locked: true is not "protected": public posts stay public
    assert snap.observed_at == RETRIEVED
    assert snap.provenance.source == "mastodon-api"
    assert snap.provenance.raw_id == raw_id_of(raw)
    assert snap.provenance.pointer == ""
    found = found_account(target(), json.loads(raw), INST)
    assert (found.status, found.user_id, found.handle) == (
        "active",
        "localhost:3000:117020565966271181",
        "mastodonpy_test@localhost:3000",
    )


def test_profile_link_is_the_first_verified_field() -> None:
    """url: the first field the server verified (an unverified link before it is passed over);
    Mastodon has no government label, so verified_type and affiliation stay unknown."""
    obj = load("built-account-verified-fields.json")
    prov = Prov(mapping.SOURCE, "u", None, raw_id_of(b""))("")
    snap = map_account(obj, INST, RETRIEVED, prov)
    assert (snap.url, snap.verified_type, snap.affiliation) == ("https://embassy.example.test", None, None)
    # none verified (the real lookup's fields): no link, not an invented one
    real = map_account(load("real-accounts-lookup.json"), INST, RETRIEVED, prov)
    assert (real.url, real.verified_type, real.affiliation) == (None, None, None)
    # a verified field whose value is no link is passed over; a plain-text address is kept
    plain = {"name": "Site", "value": "https://plain.example.test", "verified_at": "2026-07-30T08:14:55Z"}
    odd = {**obj, "fields": [{**plain, "value": "not a link"}, plain, "junk"]}
    assert map_account(odd, INST, RETRIEVED, prov).url == "https://plain.example.test"
    # a suspended account's profile is hidden: its fields say nothing
    assert map_account({**obj, "suspended": True}, INST, RETRIEVED, prov).url is None


def test_account_by_id_empty_profile_is_missing_and_ids_name_the_instance_asked() -> None:
    obj = load("real-accounts-id.json")
    snap = map_account(obj, "mastodon.social", RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b""))(""))
    assert snap.user_id == "mastodon.social:117020457910412882"
    assert snap.handle == "mastodonpy_test@mastodon.social"
    assert snap.display_name is None  # "" in the body
    assert snap.description is None  # note ""


def test_renamed_account_gives_the_new_handle() -> None:
    obj = load("real-accounts-lookup.json")
    found = found_account(target("old_name@localhost:3000"), obj, INST)
    assert found.handle == "mastodonpy_test@localhost:3000"
    assert found.target.handle == "old_name@localhost:3000"


def test_404_lookup_is_not_found() -> None:
    t = target(user_id=None)
    for name in ("real-error-404-lookup.json", "docs-error-404-lookup.json"):
        found = found_refused(t, 404, body(name))
        assert (found.status, found.user_id, found.detail) == ("not_found", None, "HTTP 404: Record not found")


def test_410_lookup_is_suspended_as_the_docs_say() -> None:
    found = found_refused(target(user_id="localhost:3000:1"), 410, b'{"error":"Gone"}')
    assert found.status == "suspended"
    assert found.user_id == "localhost:3000:1"
    assert found.detail is not None and found.detail.startswith("HTTP 410 Gone: Gone")


def test_suspended_account_doc_fixture() -> None:
    obj = load("docs-account-suspended.json")
    snap = map_account(obj, "mastodon.social", RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b""))(""))
    assert snap.status == "suspended"
    assert snap.user_id == "mastodon.social:14"
    assert snap.handle == "stigatle@quitter.no"  # a remote acct stays as given
    assert snap.created_at == datetime(2016, 3, 18, 10, 4, 51, 700000)
    # the zeros of a suspended account are hidden counts, not counts
    assert (snap.followers, snap.following, snap.posts_count) == (None, None, None)
    found = found_account(target("stigatle@quitter.no"), obj, "mastodon.social")
    assert (found.status, found.user_id) == ("suspended", "mastodon.social:14")


def test_account_without_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no id"):
        map_account({"username": "x"}, INST, RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b""))(""))


# -- statuses ---------------------------------------------------------------------------------------


def test_public_timeline_statuses() -> None:
    page = timeline("real-statuses-from-public-timeline.json")
    assert page.items == 8
    assert [p.post_id for p in page.posts] == [
        "localhost:3000:117020593378945190",
        "localhost:3000:117020592137523525",
        "localhost:3000:117020590477318485",
        "localhost:3000:117020588242324937",
        "localhost:3000:117020588169351887",
        "localhost:3000:117020586180926938",
        "localhost:3000:117020582721532745",
        "localhost:3000:117020574694606796",
    ]
    first = page.posts[0]
    assert first.author_id == "localhost:3000:117020566092212359"
    assert first.author_handle == "mastodonpy_test_2@localhost:3000"
    assert first.created_at == datetime(2026, 8, 1, 13, 55, 50, 338000)
    assert first.created_at.tzinfo is None
    assert first.text == "Toot, finally!"
    assert first.lang == "ja"
    assert first.kind == "original"
    assert (first.like_count, first.repost_count, first.reply_count, first.quote_count) == (0, 0, 0, 0)
    assert first.metrics_observed_at == RETRIEVED
    assert first.source_client == "Mastodon.py test suite"
    assert first.provenance.pointer == "/0"
    assert first.provenance.raw_id == raw_id_of(body("real-statuses-from-public-timeline.json"))
    assert page.posts[1].text == "you can't say that on television"  # &#39; unescaped
    assert page.posts[1].author_handle == "admin@localhost:3000"


def test_mention_html_to_text_and_entity() -> None:
    post = timeline("real-statuses-from-public-timeline.json").posts[4]
    assert post.post_id == "localhost:3000:117020588169351887"
    # <p><span class="h-card" ...><a ... class="u-url mention">@<span>mastodonpy_test</span></a></span> beep ...
    assert post.text == "@mastodonpy_test beep beep I'm a jeep"
    assert [(e.type, e.value, e.normalized) for e in post.entities] == [
        ("mention", "mastodonpy_test", "mastodonpy_test@localhost:3000")
    ]  # the mention link is not also a url entity


def test_boost_reply_and_originals() -> None:
    page = timeline("real-statuses-with-boost-and-reply.json")
    assert page.items == 4
    boost, boosted, original, reply, replied = page.posts
    assert boost.post_id == "localhost:3000:109383668200532667"
    assert boost.kind == "repost"
    assert boost.author_id == "localhost:3000:109383664973470793"
    assert boost.author_handle == "mastodonpy_test@localhost:3000"
    assert boost.created_at == datetime(2022, 11, 21, 20, 25, 19, 955000)
    assert boost.text is None
    assert boost.reposted_post_id == "localhost:3000:109383668197656308"
    assert boost.reposted_author_id == "localhost:3000:109383664973470793"
    assert (boost.like_count, boost.metrics_observed_at, boost.source_client) == (None, None, None)
    assert boost.provenance.pointer == "/0"
    # the boosted status itself, by its author
    assert boosted.post_id == "localhost:3000:109383668197656308"
    assert boosted.kind == "original"
    assert boosted.text == "Toot!"
    assert boosted.created_at == datetime(2022, 11, 21, 20, 25, 19, 911000)
    assert boosted.repost_count == 1
    assert boosted.quote_count is None  # no quotes_count on this 4.0-era server
    assert boosted.provenance.pointer == "/0/reblog"
    assert original.post_id == boosted.post_id and original.provenance.pointer == "/1"
    assert reply.post_id == "localhost:3000:109383668190405587"
    assert reply.kind == "reply"
    assert reply.text == "Reply!"
    assert reply.replied_to_post_id == "localhost:3000:109383668187694331"
    assert reply.replied_to_author_id == "localhost:3000:109383664973470793"
    assert replied.post_id == "localhost:3000:109383668187694331" and replied.kind == "original"
    # seen: the account's own items (boost included), not the boosted status a second time
    assert page.seen == [
        ("localhost:3000:109383668200532667", datetime(2022, 11, 21, 20, 25, 19, 955000)),
        ("localhost:3000:109383668197656308", datetime(2022, 11, 21, 20, 25, 19, 911000)),
        ("localhost:3000:109383668190405587", datetime(2022, 11, 21, 20, 25, 19, 800000)),
        ("localhost:3000:109383668187694331", datetime(2022, 11, 21, 20, 25, 19, 759000)),
    ]


def _tagged_status() -> dict:
    """A real status (public timeline #1) given a hashtag, a link and an image the way Mastodon writes them."""
    s = copy.deepcopy(load("real-statuses-from-public-timeline.json")[1])
    s["content"] = (
        '<p>Read <a href="https://example.org/a/long/path" target="_blank" rel="nofollow noopener">'
        '<span class="invisible">https://</span><span class="ellipsis">example.org/a/long</span>'
        '<span class="invisible">/path</span></a> now<br />'
        '<a href="http://localhost:3000/tags/Diplomacy" class="mention hashtag" rel="tag">#<span>Diplomacy</span></a>'
        "</p><p>second &amp; last</p>"
    )
    s["tags"] = [{"name": "Diplomacy", "url": "http://localhost:3000/tags/Diplomacy"}]
    s["media_attachments"] = [{"id": "22", "type": "image", "url": "http://localhost:3000/m/22.png"}]
    return s


def test_tags_links_media_and_paragraphs() -> None:
    posts = mapping.map_status(_tagged_status(), INST, RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b"")), "/0")
    (post,) = posts
    assert post.text == "Read https://example.org/a/long/path now\n#Diplomacy\n\nsecond & last"
    assert [(e.type, e.value, e.normalized) for e in post.entities] == [
        ("hashtag", "Diplomacy", "diplomacy"),
        ("url", "https://example.org/a/long/path", "https://example.org/a/long/path"),
        ("media", "localhost:3000:22", "http://localhost:3000/m/22.png"),
    ]


def test_quote_post_mastodon_4_4() -> None:
    statuses = load("real-statuses-from-public-timeline.json")
    s = copy.deepcopy(statuses[0])
    s["content"] = (
        '<p>Look<span class="quote-inline"><br/>RE: <a href="http://localhost:3000/@admin/117020592137523525">'
        "http://localhost:3000/@admin/117020592137523525</a></span></p>"
    )
    s["quote"] = {"state": "accepted", "quoted_status": statuses[1]}
    post, quoted = mapping.map_status(s, INST, RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b"")), "/0")
    assert post.kind == "quote"
    assert post.text == "Look"  # the RE: fallback is dropped, and its link is no url entity
    assert post.entities == []
    assert post.quoted_post_id == "localhost:3000:117020592137523525"
    assert post.quoted_author_id == "localhost:3000:117020565693913441"
    assert quoted.post_id == "localhost:3000:117020592137523525"
    assert quoted.provenance.pointer == "/0/quote/quoted_status"
    shallow = copy.deepcopy(statuses[0])
    shallow["quote"] = {"state": "accepted", "quoted_status_id": "55"}
    (only,) = mapping.map_status(shallow, INST, RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b"")), "/0")
    assert (only.kind, only.quoted_post_id, only.quoted_author_id) == ("quote", "localhost:3000:55", None)
    pending = copy.deepcopy(statuses[0])
    pending["quote"] = {"state": "pending", "quoted_status": None}
    (plain,) = mapping.map_status(pending, INST, RETRIEVED, Prov(mapping.SOURCE, "u", None, raw_id_of(b"")), "/0")
    assert (plain.kind, plain.quoted_post_id) == ("original", None)


def test_status_without_id_is_a_skip() -> None:
    statuses = load("real-statuses-with-boost-and-reply.json")
    del statuses[2]["id"]
    raw = json.dumps(statuses).encode()
    page = mapping.map_timeline(statuses, INST, "u", raw, RETRIEVED, limit=PAGE_SIZE)
    assert [s.reason for s in page.skips] == ["status at /2 not collected: it has no id"]
    assert len(page.seen) == 3


def test_html_to_text() -> None:
    assert mapping.html_to_text("<p>a</p><p>b<br>c</p>") == "a\n\nb\nc"
    assert mapping.html_to_text("<p>x &lt;3 &quot;y&quot;</p>") == 'x <3 "y"'
    assert mapping.html_to_text("<ul><li>one</li><li>two</li></ul>") == "one\ntwo"
    # the quote fallback, as Mastodon 4.4+ prepends it and as other servers append it, is hidden text
    assert (
        mapping.html_to_text('<p class="quote-inline">RE: <a href="https://a.b/1">https://a.b/1</a></p><p>c</p>') == "c"
    )
    assert mapping.html_to_text('<p>a<span class="quote-inline"><br/><br/>RE: <a href="u">u</a></span> b</p>') == "a b"
    assert mapping.html_to_text("") == ""
    assert mapping.html_to_text(None) == ""


# -- addresses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cgtn@mastodon.social", ("cgtn", "mastodon.social")),
        ("@cgtn@mastodon.social", ("cgtn", "mastodon.social")),
        ("https://mastodon.social/@cgtn", ("cgtn", "mastodon.social")),
        ("https://Mastodon.Social/@CGTN/", ("CGTN", "mastodon.social")),
        ("https://mastodon.social/@bob@other.example", ("bob", "other.example")),
        ("mastodonpy_test@localhost:3000", ("mastodonpy_test", "localhost:3000")),
    ],
)
def test_parse_address(text: str, expected: tuple[str, str]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text", ["cgtn", "@cgtn", "cgtn@", "a@b@c", "https://mastodon.social/users/cgtn", "https://x.y/@a/123", "a b@c.d"]
)
def test_parse_address_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="Mastodon"):
        parse_address(text)


def test_ids() -> None:
    assert split_id("mastodon.social:109302436954721982") == ("mastodon.social", "109302436954721982")
    assert split_id("localhost:3000:117020565966271181") == ("localhost:3000", "117020565966271181")
    assert split_id("42") == (None, "42")
    assert qualify("bob@other.example", INST) == "bob@other.example"
    assert qualify("alice", INST) == "alice@localhost:3000"
    assert sorted(["100", "99", "1000"], key=id_order) == ["99", "100", "1000"]


# -- paging -----------------------------------------------------------------------------------------


def test_short_page_is_done_without_cursor() -> None:
    page = timeline("real-statuses-with-boost-and-reply.json")
    assert page.done is True
    assert page.next_cursor is None


def test_full_page_gives_the_smallest_id_as_cursor() -> None:
    page = timeline("real-statuses-with-boost-and-reply.json", limit=4)
    assert page.done is False
    assert page.next_cursor == "109383668187694331"
    page = timeline("real-statuses-from-public-timeline.json", limit=8)
    assert (page.done, page.next_cursor) == (False, "117020574694606796")


def test_since_at_bound_stops_the_sweep() -> None:
    since = datetime(2022, 11, 21, 20, 25, 19, 800000)  # the reply's created_at: excluded, and older
    page = timeline("real-statuses-with-boost-and-reply.json", limit=4, since_at=since)
    assert page.done is True
    assert page.next_cursor is None
    assert [pid for pid, _ in page.seen] == ["localhost:3000:109383668200532667", "localhost:3000:109383668197656308"]
    assert [p.post_id for p in page.posts] == [
        "localhost:3000:109383668200532667",
        "localhost:3000:109383668197656308",
        "localhost:3000:109383668197656308",
    ]
    assert page.items == 4


def test_empty_page_is_done() -> None:
    page = mapping.map_timeline([], INST, "u", b"[]", RETRIEVED, limit=PAGE_SIZE)
    assert (page.done, page.next_cursor, page.items, page.seen) == (True, None, 0, [])


# -- the client against a mock transport --------------------------------------------------------------


class Server:
    """Answers each path with a fixture body and status; records the requests."""

    def __init__(self, routes: dict[str, tuple[int, bytes]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, content = self.routes.get(request.url.path, (404, b'{"error":"Record not found"}'))
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-ratelimit-limit": "300",
            "x-ratelimit-remaining": "299",
            "x-ratelimit-reset": "2026-08-01T13:50:00.104512Z",
        }
        return httpx.Response(status, content=content, headers=headers)


def source(server: Server, token: Secret | None = None) -> tuple[MastodonSource, Meter]:
    tokens = {"localhost:3000": token} if token else {}
    settings = Settings(mastodon_base="http://mock.test/", mastodon_tokens=tokens, http=HttpSettings(retries=1))
    meter = Meter()
    src = MastodonSource(
        settings, clock=SimulatedClock(), meter=meter, reporter=SilentReporter(), transport=httpx.MockTransport(server)
    )
    return src, meter


def test_lookup_by_handle_and_by_id() -> None:
    server = Server(
        {
            "/api/v1/accounts/lookup": (200, body("real-accounts-lookup.json")),
            "/api/v1/accounts/117020457910412882": (200, body("real-accounts-id.json")),
        }
    )
    src, meter = source(server)
    by_name = target("mastodonpy_test@localhost:3000")
    by_id = target("mastodonpy_test@localhost:3000", user_id="localhost:3000:117020457910412882")
    pages = list(src.lookup([by_name, by_id]))
    assert [str(r.url) for r in server.requests] == [
        "http://mock.test/api/v1/accounts/lookup?acct=mastodonpy_test",
        "http://mock.test/api/v1/accounts/117020457910412882",
    ]
    assert [(p.found[0].status, p.found[0].user_id) for p in pages] == [
        ("active", "localhost:3000:117020565966271181"),
        ("active", "localhost:3000:117020457910412882"),
    ]
    assert [p.items for p in pages] == [1, 1]
    assert pages[0].profiles[0].provenance.file == "http://mock.test/api/v1/accounts/lookup?acct=mastodonpy_test"
    assert pages[0].fmt == "mastodon-v1"
    assert src.lookup_cost_bound(5) == 0.0
    assert meter.by_endpoint == {"localhost:3000 accounts": 2}
    server.routes["/api/v1/accounts/lookup"] = (404, body("real-error-404-lookup.json"))
    (page,) = list(src.lookup([target("nobody@localhost:3000")]))
    assert (page.found[0].status, page.found[0].detail, page.profiles, page.items) == (
        "not_found",
        "HTTP 404: Record not found",
        [],
        0,
    )


def test_a_failed_lookup_is_a_skip_and_the_next_instance_is_still_asked() -> None:
    server = Server({"/api/v1/accounts/lookup": (422, b'{"error":"x"}')})
    src, meter = source(server)
    pages = src.lookup([target("a@down.example"), target("b@up.example", user_id="up.example:7")])
    first = next(pages)
    assert first.found == [] and first.profiles == []
    # the skip names the URL (its file) once; the reason says what went wrong
    assert [(k.file, k.reason) for k in first.skips] == [
        ("http://mock.test/api/v1/accounts/lookup?acct=a", "lookup failed: Mastodon answered HTTP 422")
    ]
    assert meter.errors == 1
    server.routes["/api/v1/accounts/7"] = (200, body("real-accounts-id.json"))
    second = next(pages)
    assert (second.found[0].status, second.found[0].user_id) == ("active", "up.example:117020457910412882")
    server.routes["/api/v1/accounts/lookup"] = (200, b"<html>not the API</html>")
    (third,) = list(src.lookup([target("c@html.example")]))
    assert third.fmt == "mastodon-malformed" and third.body == b"<html>not the API</html>"
    assert third.skips[0].file == "http://mock.test/api/v1/accounts/lookup?acct=c"
    assert third.skips[0].reason.startswith("lookup failed: invalid JSON (24 bytes")
    assert meter.by_endpoint == {"down.example accounts": 1, "up.example accounts": 1, "html.example accounts": 1}


def test_auth_error_names_the_setting_and_instance_never_the_token() -> None:
    server = Server({"/api/v1/accounts/lookup": (401, body("docs-error-401.json"))})
    src, _ = source(server, token=Secret("s3cr3t"))
    # the refusing instance costs its own accounts only: a skip, then it is not asked again this run
    first, second = list(src.lookup([target(), target("other@localhost:3000")]))
    assert first.found == [] and second.found == []
    assert len(server.requests) == 1
    assert server.requests[0].headers["authorization"] == "Bearer s3cr3t"  # its own instance's token
    assert second.skips[0].reason.startswith("lookup failed: not asked: the Mastodon instance")
    message = first.skips[0].reason
    assert MASTODON_TOKEN_ENV in message
    assert "mock.test" in message
    assert "This API requires an authenticated user" in message
    assert "s3cr3t" not in message and "Bearer" not in message


def test_a_token_goes_only_to_the_instance_that_issued_it() -> None:
    server = Server({"/api/v1/accounts/lookup": (200, body("real-accounts-lookup.json"))})
    src, _ = source(server, token=Secret("s3cr3t"))  # a token for localhost:3000
    list(src.lookup([target("mastodonpy_test@elsewhere.example")]))
    assert "authorization" not in server.requests[0].headers


def test_tokens_from_the_environment_are_per_instance() -> None:
    from diplotrack.collect.config import load_settings

    s = load_settings({MASTODON_TOKEN_ENV: "a.social=tok1, B.Social=tok2", "DIPLOTRACK_CONFIG": ""})
    assert {k: v.reveal() for k, v in s.mastodon_tokens.items()} == {"a.social": "tok1", "b.social": "tok2"}
    with pytest.raises(UsageError) as info:
        load_settings({MASTODON_TOKEN_ENV: "just-a-token-value"})
    assert "just-a-token-value" not in str(info.value) and "instance=token" in str(info.value)


def test_timeline_requests_and_paging() -> None:
    path = "/api/v1/accounts/109383664973470793/statuses"
    server = Server({path: (200, body("real-statuses-with-boost-and-reply.json"))})
    src, meter = source(server)
    uid = "localhost:3000:109383664973470793"
    sweep = Sweep(
        since_id="localhost:3000:109383668100000000", since_at=datetime(2022, 11, 1), cursor="109383668300000000"
    )
    page = src.timeline_page(target(), uid, sweep)
    assert dict(server.requests[0].url.params) == {
        "limit": "40",
        "since_id": "109383668100000000",
        "max_id": "109383668300000000",
    }
    assert (page.done, page.next_cursor, page.items, page.cost, len(page.seen), len(page.posts)) == (
        True,
        None,
        4,
        0.0,
        4,
        5,
    )
    assert meter.by_endpoint == {"localhost:3000 accounts/statuses": 1}
    # a first sweep bounded by --since only: no since_id, the time bound applies
    src.timeline_page(target(), uid, Sweep(since_at=datetime(2022, 11, 21, 20, 25, 19, 800000)))
    assert dict(server.requests[1].url.params) == {"limit": "40"}
    assert src.timeline_cost_bound(1.0) == (0.0, None)


def test_timeline_gone_account_and_malformed_body() -> None:
    path = "/api/v1/accounts/5/statuses"
    server = Server({path: (410, b'{"error":"Gone"}')})
    src, _ = source(server)
    page = src.timeline_page(target(), "localhost:3000:5", Sweep())
    assert (page.done, page.seen, page.posts) == (True, [], [])
    (err,) = page.errors
    assert (err.platform, err.title, err.detail, err.resource_id) == (
        "mastodon",
        "HTTP 410",
        "Gone",
        "localhost:3000:5",
    )
    server.routes[path] = (200, body("real-accounts-id.json"))
    with pytest.raises(MalformedPage, match="JSON list"):
        src.timeline_page(target(), "localhost:3000:5", Sweep())
    server.routes[path] = (200, b'[{"id": "1"')
    with pytest.raises(MalformedPage, match="truncated JSON"):
        src.timeline_page(target(), "localhost:3000:5", Sweep())


def test_plan_and_engagement() -> None:
    src, _ = source(Server({}))
    first = src.plan(target(), "localhost:3000:1", Sweep(), 95)
    assert (first.endpoint, first.requests, first.items, first.cost) == ("mastodon: account statuses", 3, 95, 0.0)
    unknown = src.plan(target(), None, Sweep(), None)
    assert (unknown.requests, unknown.items) == (1, 40)
    later = src.plan(target(), "localhost:3000:1", Sweep(since_id="localhost:3000:9"), 95)
    assert (later.requests, later.items) == (1, 40)
    assert list(src.engagement_pages(["localhost:3000:1"])) == []


# -- through the engine -------------------------------------------------------------------------------


def test_engine_run_records_ids_posts_and_cursor(con, tmp_path) -> None:  # type: ignore[no-untyped-def]
    track(con, tmp_path, ["mastodonpy_test@mastodon.example", "nobody@mastodon.example"], platform="mastodon")
    account = load("real-accounts-lookup.json")
    account["id"] = "109383664973470793"  # the author of the boost-and-reply statuses
    server = Server(
        {
            "/api/v1/accounts/lookup": (200, json.dumps(account).encode()),
            "/api/v1/accounts/109383664973470793/statuses": (200, body("real-statuses-with-boost-and-reply.json")),
        }
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("acct") == "nobody":
            return httpx.Response(404, content=body("real-error-404-lookup.json"))
        return server(request)

    settings = Settings(mastodon_base="http://mock.test", http=HttpSettings(retries=1))
    clock = SimulatedClock()
    src = MastodonSource(
        settings, clock=clock, meter=Meter(), reporter=SilentReporter(), transport=httpx.MockTransport(answer)
    )
    report = Collector(con, clock, CollectOptions()).run([src])
    m = report.platforms[0]
    assert (m.status, m.accounts, m.reachable, m.swept, m.posts_new) == ("ok", 2, 1, 1, 4)
    assert dict(con.execute("SELECT handle, user_id FROM accounts").fetchall()) == {
        "mastodonpy_test@mastodon.example": "mastodon.example:109383664973470793",
        "nobody@mastodon.example": None,
    }
    assert con.execute("SELECT event, user_id FROM account_events").fetchall() == [
        ("not_found", "handle:nobody@mastodon.example")
    ]
    assert sorted(con.execute("SELECT post_id, kind FROM posts").fetchall()) == [
        ("mastodon.example:109383668187694331", "original"),
        ("mastodon.example:109383668190405587", "reply"),
        ("mastodon.example:109383668197656308", "original"),
        ("mastodon.example:109383668200532667", "repost"),
    ]
    high = con.execute("SELECT high_id, sweep_open FROM collection_cursors").fetchone()
    assert high == ("mastodon.example:109383668200532667", False)
