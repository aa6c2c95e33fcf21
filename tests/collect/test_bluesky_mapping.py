"""Bluesky: the pure mapping of AppView responses (fixtures in tests/fixtures/bluesky), and the client
against a mock transport (no network)."""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from diplotrack.collect.bluesky import mapping
from diplotrack.collect.bluesky.client import ENGAGEMENT_PAGES, BlueskySource
from diplotrack.collect.bluesky.engagement import map_engagement
from diplotrack.collect.bluesky.errors import api_error, error_body, error_status
from diplotrack.collect.bluesky.profiles import map_profile, map_profiles, match_profiles
from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import BLUESKY_BASE_ENV, HttpSettings, Settings
from diplotrack.collect.errors import AuthError, MalformedPage, RequestFailed
from diplotrack.collect.http import SilentReporter
from diplotrack.collect.meter import Meter
from diplotrack.collect.source import Sweep, Target, TimelinePage
from diplotrack.provenance import Prov
from diplotrack.store.raw import raw_id_of

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
NOW = datetime(2025, 3, 12, 12, 0, 0)
URL = "https://appview.test/xrpc/app.bsky.feed.getAuthorFeed?actor=x"

EMBASSY = "did:plc:okygsjynv32uvhtc2kc3xtoy"
MINISTRY = "did:plc:3f4ruzpsjzeep6bfzk3q57jf"
AMBASSADOR = "did:plc:b5i5vi7v2kzywg6gc3jpcx7u"
ANALYST = "did:plc:iu5yxw3ooo3glbt5ku7jwilo"
READER = "did:plc:vtysi3xrah7hncc2l2cfwbov"

P1_ORIGINAL = f"at://{EMBASSY}/app.bsky.feed.post/3lk6alyq7rs2b"
P1_REPOSTED = f"at://{MINISTRY}/app.bsky.feed.post/3lk3lumy2t22b"
P1_REPOST = f"at://{EMBASSY}/app.bsky.feed.repost/3lk4iyzijnc2b"
P1_REPLY = f"at://{EMBASSY}/app.bsky.feed.post/3ljzj6nfifk2b"
P1_PARENT = f"at://{AMBASSADOR}/app.bsky.feed.post/3ljzgqj45l22b"
P1_ROOT = f"at://{MINISTRY}/app.bsky.feed.post/3ljzc6kjrm22b"
P1_QUOTE = f"at://{EMBASSY}/app.bsky.feed.post/3ljxycwrmkc2b"
P1_QUOTED = f"at://{ANALYST}/app.bsky.feed.post/3ljxteiozu22b"
P1_ZH = f"at://{EMBASSY}/app.bsky.feed.post/3lju2k5c66k2b"


def raw(name: str) -> bytes:
    return (FIX / name).read_bytes()


def load(name: str) -> dict:
    return orjson.loads(raw(name))


def feed(name: str = "docs-getAuthorFeed-page1.json", **kw) -> TimelinePage:  # type: ignore[no-untyped-def]
    return mapping.map_timeline(load(name), EMBASSY, url=URL, raw_id="r1", observed=NOW, **kw)


def by_id(posts: list) -> dict:  # type: ignore[type-arg]
    return {p.post_id: p for p in posts}


# -- profiles ----------------------------------------------------------------------------------
def test_profiles_from_get_profiles() -> None:
    body = raw("docs-getProfiles.json")
    profiles, skips = map_profiles(orjson.loads(body), url="u", raw_id=raw_id_of(body), observed=NOW)
    assert skips == []
    assert [p.user_id for p in profiles] == [EMBASSY, MINISTRY, AMBASSADOR]
    e, m, a = profiles
    assert (e.handle, e.display_name) == ("embassy.diplo.test", "Example Embassy (fixture)")
    assert e.created_at == datetime(2023, 9, 14, 6, 12, 40, 118000)
    assert (e.followers, e.following, e.posts_count) == (1834, 212, 7)
    assert (m.followers, m.following, m.posts_count) == (48210, 35, 1290)
    assert (a.followers, a.following, a.posts_count) == (602, 88, 41)
    assert m.description == "Fictional foreign-ministry account for tests.\nSpokesperson briefings every weekday."
    assert (e.verified, m.verified, a.verified) == (None, True, None)
    # the platform's label: verifiedStatus as given, the valid verifiers' DIDs; no website: no url
    assert (m.verified_type, m.affiliation) == ("valid", "did:plc:is4uxynf2nhj7q3rtbjazpn6")
    assert [(p.verified_type, p.affiliation, p.url) for p in (e, a)] == [(None, None, None)] * 2
    assert m.url is None
    assert {p.status for p in profiles} == {"active"}
    assert e.observed_at == NOW and e.source == "bluesky-api (retrieved_at)"
    assert (m.provenance.source, m.provenance.file, m.provenance.pointer) == ("bluesky-api", "u", "/profiles/1")
    assert m.provenance.raw_id == raw_id_of(body)


def test_verification_and_website_of_a_profile() -> None:
    """Only valid verifications by trusted verifiers name an affiliation; "none" and "invalid" are
    kept as Bluesky says them; a profile's website (newer AppViews) is its url."""
    ministry = load("docs-getProfiles.json")["profiles"][1]
    prov = Prov("bluesky-api", "u", None, None)("/profiles/1")
    second = "did:plc:z72i7hdynmk6r22z27h6tvur"
    v = ministry["verification"]
    v["verifications"] += [
        {**v["verifications"][0], "issuer": second},
        {**v["verifications"][0], "issuer": "did:plc:revokedverifier00000000", "isValid": False},
        {**v["verifications"][0], "issuer": second},  # listed twice: named once
    ]
    ministry["website"] = "https://mfa.example.test/en/"
    snap = map_profile(ministry, NOW, prov)
    assert (snap.verified, snap.verified_type) == (True, "valid")
    assert snap.affiliation == f"did:plc:is4uxynf2nhj7q3rtbjazpn6,{second}"
    assert snap.url == "https://mfa.example.test/en/"
    for status in ("none", "invalid"):
        other = map_profile({**ministry, "verification": {**v, "verifiedStatus": status}, "website": ""}, NOW, prov)
        assert (other.verified, other.verified_type, other.affiliation, other.url) == (False, status, None, None)


def test_lookup_matches_by_did_then_handle() -> None:
    profiles, _ = map_profiles(load("docs-getProfiles.json"), url="u", raw_id=None, observed=NOW)
    renamed = Target("bluesky", "old-name.diplo.test", EMBASSY, "a1")  # known by DID: the handle moved on
    by_handle = Target("bluesky", "@Ministry.diplo.test", "handle:ministry.diplo.test", "a2")
    gone = Target("bluesky", "gone.diplo.test", None, "a3")
    invalid = Target("bluesky", "mfa_china", None, "a4")
    found, missing = match_profiles(profiles, [renamed, by_handle, gone, invalid])
    assert [(f.target.actor_id, f.status, f.user_id, f.handle) for f in found] == [
        ("a1", "active", EMBASSY, "embassy.diplo.test"),
        ("a2", "active", MINISTRY, "ministry.diplo.test"),
    ]
    assert missing == [gone, invalid]
    assert [mapping.actor_of(t) for t in (renamed, by_handle, gone, invalid)] == [
        EMBASSY,
        "Ministry.diplo.test",
        "gone.diplo.test",
        None,
    ]


def test_handle_invalid_is_missing() -> None:
    obj = load("docs-getProfiles.json")["profiles"][0]
    obj["handle"] = "handle.invalid"
    snap = map_profile(obj, NOW, Prov(mapping.SOURCE, "u", None, None)("/profiles/0"))
    assert (snap.user_id, snap.handle) == (EMBASSY, None)


# -- the author feed ---------------------------------------------------------------------------
def test_feed_page1_kinds_ids_and_seen() -> None:
    page = feed()
    assert page.items == 5 and page.skips == []
    assert (page.next_cursor, page.done) == ("2025-03-08T08:00:00.250Z", False)
    assert page.seen == [
        (P1_ORIGINAL, datetime(2025, 3, 12, 9, 15, 2, 411000)),
        (P1_REPOST, datetime(2025, 3, 11, 16, 40, 10, 285000)),
        (P1_REPLY, datetime(2025, 3, 10, 12, 5, 19, 302000)),
        (P1_QUOTE, datetime(2025, 3, 9, 21, 30, 50, 5000)),
        (P1_ZH, datetime(2025, 3, 8, 8, 0, 0, 250000)),
    ]
    posts = by_id(page.posts)
    assert list(posts) == [
        P1_ORIGINAL,
        P1_REPOSTED,
        P1_REPOST,
        P1_REPLY,
        P1_PARENT,
        P1_ROOT,
        P1_QUOTE,
        P1_QUOTED,
        P1_ZH,
    ]
    assert {k: p.kind for k, p in posts.items()} == {
        P1_ORIGINAL: "original",
        P1_REPOSTED: "original",
        P1_REPOST: "repost",
        P1_REPLY: "reply",
        P1_PARENT: "reply",
        P1_ROOT: "original",
        P1_QUOTE: "quote",
        P1_QUOTED: "original",
        P1_ZH: "original",
    }


def test_feed_original_post_fields() -> None:
    p = by_id(feed().posts)[P1_ORIGINAL]
    assert (p.platform, p.author_id, p.author_handle) == ("bluesky", EMBASSY, "embassy.diplo.test")
    assert p.created_at == datetime(2025, 3, 12, 9, 15, 2, 411000) and p.created_at.tzinfo is None
    assert p.text == "大使馆 briefing today with @analyst.diplo.test. Details: example.org/briefing/2025… #Diplomacy"
    assert p.lang == "en"  # the first of langs ["en", "zh"]
    assert (p.like_count, p.repost_count, p.reply_count, p.quote_count) == (3, 2, 1, 1)
    assert p.metrics_observed_at == NOW
    assert p.conversation_id == P1_ORIGINAL
    assert (p.provenance.source, p.provenance.file, p.provenance.raw_id, p.provenance.pointer) == (
        "bluesky-api",
        URL,
        "r1",
        "/feed/0/post",
    )


def test_facets_slice_utf8_bytes() -> None:
    p = by_id(feed().posts)[P1_ORIGINAL]
    # the facets count bytes: the three CJK characters before them are 9 bytes, 3 characters
    assert p.text is not None and p.text[30:49] != "@analyst.diplo.test"
    assert [(e.type, e.value, e.normalized) for e in p.entities] == [
        ("mention", "analyst.diplo.test", "analyst.diplo.test"),
        ("url", "https://example.org/briefing/2025-03-10", "https://example.org/briefing/2025-03-10"),
        ("hashtag", "Diplomacy", "diplomacy"),
    ]
    zh = by_id(feed().posts)[P1_ZH]
    assert zh.lang == "zh"
    assert [(e.type, e.value, e.normalized) for e in zh.entities] == [("hashtag", "外交", "外交")]


def test_facet_mention_as_written_and_link_host_lowercased() -> None:
    text = "大使 @Analyst.Diplo.Test see HTTPS://Example.ORG/Path"
    b = text.encode()
    m0 = b.index(b"@")
    l0 = b.index(b"HTTPS")
    record = {
        "text": text,
        "facets": [
            {
                "index": {"byteStart": m0, "byteEnd": m0 + 19},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": ANALYST}],
            },
            {
                "index": {"byteStart": l0, "byteEnd": len(b)},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "HTTPS://Example.ORG/Path"}],
            },
            {
                "index": {"byteStart": 900, "byteEnd": 950},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": READER}],
            },
        ],
        "tags": ["Outline"],
    }
    assert [(e.type, e.value, e.normalized) for e in mapping.entities(record, None)] == [
        ("mention", "Analyst.Diplo.Test", "analyst.diplo.test"),
        ("url", "HTTPS://Example.ORG/Path", "https://example.org/Path"),
        ("mention", READER, READER),  # offsets outside the text: the DID stands in
        ("hashtag", "Outline", "outline"),
    ]


def test_feed_repost_is_two_posts() -> None:
    posts = by_id(feed().posts)
    r = posts[P1_REPOST]
    assert (r.author_id, r.author_handle, r.text, r.lang) == (EMBASSY, "embassy.diplo.test", None, None)
    assert r.created_at == datetime(2025, 3, 11, 16, 40, 10, 285000)  # reason.indexedAt
    assert (r.reposted_post_id, r.reposted_author_id) == (P1_REPOSTED, MINISTRY)
    assert r.provenance.pointer == "/feed/1/reason"
    o = posts[P1_REPOSTED]
    assert (o.author_id, o.author_handle, o.created_at) == (
        MINISTRY,
        "ministry.diplo.test",
        datetime(2025, 3, 11, 7, 58, 44, 20000),
    )
    assert (o.like_count, o.repost_count, o.provenance.pointer) == (30, 12, "/feed/1/post")


def test_repost_without_reason_uri_gets_derived_id() -> None:
    data = load("docs-getAuthorFeed-page1.json")
    del data["feed"][1]["reason"]["uri"]
    page = mapping.map_timeline(data, EMBASSY, url=URL, raw_id=None, observed=NOW)
    digest = hashlib.blake2b(P1_REPOSTED.encode(), digest_size=8).hexdigest()
    expected = f"at://{EMBASSY}/app.bsky.feed.repost/derived-{digest}"
    assert page.seen[1] == (expected, datetime(2025, 3, 11, 16, 40, 10, 285000))
    assert by_id(page.posts)[expected].reposted_post_id == P1_REPOSTED
    assert mapping.derived_repost_uri(EMBASSY, P1_REPLY) != expected


def test_feed_reply_and_its_thread() -> None:
    posts = by_id(feed().posts)
    r = posts[P1_REPLY]
    assert (r.replied_to_post_id, r.replied_to_author_id) == (P1_PARENT, AMBASSADOR)
    assert r.conversation_id == P1_ROOT
    parent = posts[P1_PARENT]
    assert (parent.author_id, parent.author_handle, parent.text) == (
        AMBASSADOR,
        "ambassador.diplo.test",
        "Glad to have joined the meeting.",
    )
    assert (parent.replied_to_post_id, parent.replied_to_author_id, parent.provenance.pointer) == (
        P1_ROOT,
        MINISTRY,
        "/feed/2/reply/parent",
    )
    root = posts[P1_ROOT]
    assert (root.author_id, root.like_count, root.provenance.pointer) == (MINISTRY, 14, "/feed/2/reply/root")


def test_feed_quote_and_quoted_post() -> None:
    posts = by_id(feed().posts)
    q = posts[P1_QUOTE]
    assert (q.quoted_post_id, q.quoted_author_id, q.text) == (P1_QUOTED, ANALYST, "Worth reading.")
    quoted = posts[P1_QUOTED]
    assert (quoted.author_id, quoted.author_handle, quoted.created_at) == (
        ANALYST,
        "analyst.diplo.test",
        datetime(2025, 3, 9, 20, 2, 13, 640000),
    )
    assert (quoted.like_count, quoted.quote_count, quoted.provenance.pointer) == (21, 1, "/feed/3/post/embed/record")


def test_record_with_media_is_a_quote_with_media() -> None:
    view = load("thread_view_post_with_embed_media.json")["thread"]["post"]
    p = mapping.map_post_view(view, Prov(mapping.SOURCE, "u", None, None)("/thread/post"), NOW)
    assert p.kind == "quote"
    assert (p.quoted_post_id, p.quoted_author_id) == (
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kahesw26il2z",
        "did:plc:kvwvcn5iqfooopmyzvb4qzba",
    )
    assert (p.text, p.lang, p.like_count, p.quote_count) == ("", "en", 0, None)
    assert [(e.type, e.value, e.normalized) for e in p.entities] == [
        (
            "media",
            "bafkreic3cp5ky525vsukjvrzxsc2h3jka2gud74l2hgeatw2rhj2qycnmq",
            "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:kvwvcn5iqfooopmyzvb4qzba/"
            "bafkreic3cp5ky525vsukjvrzxsc2h3jka2gud74l2hgeatw2rhj2qycnmq@jpeg",
        )
    ]
    assert mapping.quoted_view(view["embed"])["uri"] == p.quoted_post_id  # type: ignore[index]


def test_feed_page2_last_page_not_found_thread_and_no_langs() -> None:
    page = feed("docs-getAuthorFeed-page2.json")
    assert (page.next_cursor, page.done, page.items) == (None, True, 2)
    reply_uri = f"at://{EMBASSY}/app.bsky.feed.post/3ljfkztms7c2b"
    old_uri = f"at://{EMBASSY}/app.bsky.feed.post/3k7fla5dilk2b"
    posts = by_id(page.posts)
    assert list(posts) == [reply_uri, old_uri]  # the notFoundPost parent and root are not posts
    r = posts[reply_uri]
    assert (r.kind, r.replied_to_post_id, r.replied_to_author_id) == (
        "reply",
        f"at://{AMBASSADOR}/app.bsky.feed.post/3ljckmy2l222b",
        AMBASSADOR,
    )
    old = posts[old_uri]
    assert (old.lang, old.text, old.created_at) == (None, "Hello Bluesky.", datetime(2023, 9, 15, 2, 10, 33, 918000))
    assert page.seen == [(reply_uri, datetime(2025, 3, 2, 13, 45, 10, 777000)), (old_uri, old.created_at)]


@pytest.mark.parametrize(
    ("since_at", "done"),
    [
        (datetime(2025, 3, 8, 8, 0, 0, 980000), False),  # just below the last item's indexedAt: go on
        (datetime(2025, 3, 8, 8, 0, 0, 981000), True),  # the last item's indexedAt: at the bound
        (datetime(2025, 3, 10, 12, 5, 20, 33000), True),  # the reply's indexedAt
        (datetime(2020, 1, 1), False),
    ],
)
def test_since_at_bound(since_at: datetime, done: bool) -> None:
    page = feed(since_at=since_at)
    assert (page.done, page.next_cursor) == (done, "2025-03-08T08:00:00.250Z")
    assert len(page.seen) == 5  # items at or below the bound are still mapped


def test_since_at_bound_uses_the_repost_time() -> None:
    data = load("docs-getAuthorFeed-page1.json")
    data["feed"] = data["feed"][:2]  # the original and the repost
    # the reposted post is older (indexedAt 07:58:44) than the bound; the repost (16:40:10) is not
    kw = {"url": URL, "raw_id": None, "observed": NOW}
    assert not mapping.map_timeline(data, EMBASSY, since_at=datetime(2025, 3, 11, 8, 0), **kw).done
    assert mapping.map_timeline(data, EMBASSY, since_at=datetime(2025, 3, 11, 16, 40, 10, 285000), **kw).done


def test_a_repeated_cursor_ends_the_sweep() -> None:
    assert feed(sent_cursor="2025-03-08T08:00:00.250Z").done
    assert not feed(sent_cursor="2025-03-12T09:15:02.411Z").done


def test_malformed_feed_items_are_skipped() -> None:
    data = load("docs-getAuthorFeed-page2.json")
    data["feed"].insert(0, {"reason": {}})
    data["feed"][1]["post"].pop("uri")
    page = mapping.map_timeline(data, EMBASSY, url=URL, raw_id=None, observed=NOW)
    assert [s.reason for s in page.skips] == [
        "feed item at /feed/0 not mapped: no post view",
        "post at /feed/1/post not mapped: no uri",
    ]
    assert len(page.posts) == 1 and page.items == 3


def test_require_refuses_other_shapes() -> None:
    with pytest.raises(MalformedPage) as info:
        mapping.require({"cursor": "x"}, mapping.AUTHOR_FEED, URL, b'{"cursor":"x"}')
    # the URL travels beside the message, not in it: a skip names it once
    assert URL not in str(info.value) and info.value.url == URL and info.value.body == b'{"cursor":"x"}'
    with pytest.raises(MalformedPage):
        mapping.require([1], mapping.GET_PROFILES, URL, b"[1]")


# -- engagement --------------------------------------------------------------------------------
def test_engagement_reposted_by() -> None:
    page = map_engagement(
        mapping.REPOSTED_BY, load("docs-getRepostedBy.json"), P1_ORIGINAL, url="u", raw_id="r", observed=NOW
    )
    assert page.items == 2 and page.posts == [] and page.next_cursor is None
    assert [(e.kind, e.post_id, e.actor_user_id, e.actor_handle, e.engaged_at) for e in page.engagements] == [
        ("repost", P1_ORIGINAL, ANALYST, "analyst.diplo.test", None),
        ("repost", P1_ORIGINAL, READER, "reader.diplo.test", None),
    ]
    assert page.engagements[1].provenance.pointer == "/repostedBy/1"
    assert page.engagements[0].observed_at == NOW


def test_engagement_likes() -> None:
    page = map_engagement(mapping.LIKES, load("docs-getLikes.json"), P1_ORIGINAL, url="u", raw_id="r", observed=NOW)
    assert page.items == 3
    assert [(e.kind, e.actor_user_id, e.actor_handle, e.engaged_at) for e in page.engagements] == [
        ("like", READER, "reader.diplo.test", datetime(2025, 3, 12, 10, 2, 31)),
        ("like", ANALYST, "analyst.diplo.test", datetime(2025, 3, 12, 9, 40, 5, 512000)),
        ("like", MINISTRY, "ministry.diplo.test", datetime(2025, 3, 12, 9, 20, 47, 963000)),
    ]


def test_engagement_quotes_are_posts_too() -> None:
    page = map_engagement(mapping.QUOTES, load("docs-getQuotes.json"), P1_ORIGINAL, url="u", raw_id="r", observed=NOW)
    quote_uri = f"at://{ANALYST}/app.bsky.feed.post/3lk6j6evrak2b"
    [e] = page.engagements
    assert (e.kind, e.post_id, e.actor_user_id, e.actor_handle, e.engaged_at, e.engagement_post_id) == (
        "quote",
        P1_ORIGINAL,
        ANALYST,
        "analyst.diplo.test",
        datetime(2025, 3, 12, 11, 48, 29, 90000),
        quote_uri,
    )
    [p] = page.posts
    assert (p.post_id, p.kind, p.quoted_post_id, p.quoted_author_id, p.text) == (
        quote_uri,
        "quote",
        P1_ORIGINAL,
        EMBASSY,
        "Useful summary from the embassy.",
    )


# -- XRPC errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status", "word"),
    [
        ("docs-error-account-takedown.json", "suspended", "suspended"),
        ("docs-error-account-deactivated.json", "deleted", "deactivated"),
        ("docs-error-profile-not-found.json", "not_found", "Profile not found"),
    ],
)
def test_error_bodies_to_statuses(name: str, status: str, word: str) -> None:
    error, message = error_body(raw(name))
    for lookup in (True, False):
        said = error_status(error, message, lookup=lookup)
        assert said is not None and said[0] == status and word in said[1]


def test_errors_that_say_nothing_about_the_account() -> None:
    assert error_status(*error_body(raw("docs-error-rate-limit-exceeded.json"))) is None
    assert error_body(b"<html>") == (None, None)
    # a bad actor string is "not found" for a lookup; for a timeline an InvalidRequest may be about the cursor
    assert error_status("InvalidRequest", "Error: actor must be a valid did or a handle")[0] == "not_found"  # type: ignore[index]
    assert error_status("InvalidRequest", "Malformed cursor", lookup=False) is None


def test_api_error_raw_names_the_actor() -> None:
    body = raw("docs-error-account-takedown.json")
    a = api_error(mapping.GET_PROFILE, 400, body, url="u1", raw_id="r", resource_type="actor", resource_id="a.test")
    b = api_error(mapping.GET_PROFILE, 400, body, url="u2", raw_id="r", resource_type="actor", resource_id="b.test")
    assert (a.platform, a.title, a.detail, a.resource_type, a.resource_id) == (
        "bluesky",
        "AccountTakedown",
        "Account has been suspended",
        "actor",
        "a.test",
    )
    assert a.raw != b.raw and orjson.loads(a.raw)["body"] == {
        "error": "AccountTakedown",
        "message": "Account has been suspended",
    }


# -- the client, on a mock transport -----------------------------------------------------------
BASE = "https://appview.test"


def source(handler) -> BlueskySource:  # type: ignore[no-untyped-def]
    settings = Settings(bluesky_base=BASE, http=HttpSettings(retries=1, backoff_initial=0, backoff_max=0))
    return BlueskySource(
        settings,
        clock=SimulatedClock(),
        meter=Meter(),
        reporter=SilentReporter(),
        transport=httpx.MockTransport(handler),
    )


def test_client_lookup_asks_left_out_actors_alone() -> None:
    errors = {
        "gone.diplo.test": "docs-error-account-takedown.json",
        "quit.diplo.test": "docs-error-account-deactivated.json",
        "nobody.diplo.test": "docs-error-profile-not-found.json",
        "mfa_china": None,
    }
    asked: list[tuple[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        q = parse_qs(urlsplit(str(request.url)).query)
        path = request.url.path
        asked.append((path, q.get("actors") or q.get("actor") or []))
        if path == "/xrpc/app.bsky.actor.getProfiles":
            return httpx.Response(200, content=raw("docs-getProfiles.json"))
        actor = q["actor"][0]
        name = errors[actor]
        body = (
            raw(name)
            if name
            else b'{"error":"InvalidRequest","message":"Error: actor must be a valid did or a handle"}'
        )
        return httpx.Response(400, content=body)

    targets = [
        Target("bluesky", "embassy-old.diplo.test", EMBASSY, "a1"),
        Target("bluesky", "gone.diplo.test", None, "a2"),
        Target("bluesky", "ministry.diplo.test", "handle:ministry.diplo.test", "a3"),
        Target("bluesky", "quit.diplo.test", None, "a4"),
        Target("bluesky", "nobody.diplo.test", None, "a5"),
        Target("bluesky", "mfa_china", None, "a6"),
    ]
    src = source(handler)
    [page] = list(src.lookup(targets))
    assert asked[0] == (
        "/xrpc/app.bsky.actor.getProfiles",
        [EMBASSY, "gone.diplo.test", "ministry.diplo.test", "quit.diplo.test", "nobody.diplo.test"],
    )
    assert [a for _, [a] in asked[1:]] == ["gone.diplo.test", "quit.diplo.test", "nobody.diplo.test", "mfa_china"]
    assert [(f.target.actor_id, f.status, f.user_id, f.handle) for f in page.found] == [
        ("a1", "active", EMBASSY, "embassy.diplo.test"),
        ("a2", "suspended", None, None),
        ("a3", "active", MINISTRY, "ministry.diplo.test"),
        ("a4", "deleted", None, None),
        ("a5", "not_found", None, None),
        ("a6", "not_found", None, None),
    ]
    assert "deactivated" in (page.found[3].detail or "")
    assert [(e.title, e.resource_id) for e in page.errors] == [
        ("AccountTakedown", "gone.diplo.test"),
        ("AccountDeactivated", "quit.diplo.test"),
        ("InvalidRequest", "nobody.diplo.test"),
        ("InvalidRequest", "mfa_china"),
    ]
    assert page.url.startswith(f"{BASE}/xrpc/app.bsky.actor.getProfiles?actors=")
    assert (page.items, page.cost, page.fmt, len(page.profiles)) == (3, 0.0, "bluesky:app.bsky.actor.getProfiles", 3)
    assert src.meter.by_endpoint == {"app.bsky.actor.getProfiles": 1, "app.bsky.actor.getProfile": 4}
    assert src.lookup_cost_bound(100) == 0.0


def test_client_lookup_chunks_of_25() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getProfiles"):
            sizes.append(len(parse_qs(urlsplit(str(request.url)).query)["actors"]))
            return httpx.Response(200, content=b'{"profiles":[]}')
        return httpx.Response(400, content=raw("docs-error-profile-not-found.json"))

    targets = [Target("bluesky", f"a{i}.diplo.test", None, str(i)) for i in range(30)]
    pages = list(source(handler).lookup(targets))
    assert sizes == [25, 5] and [len(p.found) for p in pages] == [25, 5]
    assert {f.status for p in pages for f in p.found} == {"not_found"}


def test_client_timeline_pages() -> None:
    seen_params: list[dict] = []  # type: ignore[type-arg]

    def handler(request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        seen_params.append(q)
        name = "docs-getAuthorFeed-page2.json" if "cursor" in q else "docs-getAuthorFeed-page1.json"
        return httpx.Response(200, content=raw(name))

    src = source(handler)
    target = Target("bluesky", "embassy.diplo.test", EMBASSY, "a1")
    first = src.timeline_page(target, EMBASSY, Sweep())
    assert seen_params[0] == {"actor": EMBASSY, "limit": "100", "filter": "posts_with_replies"}
    assert (first.done, first.next_cursor, first.items, first.cost, len(first.seen)) == (
        False,
        "2025-03-08T08:00:00.250Z",
        5,
        0.0,
        5,
    )
    assert first.fmt == "bluesky:app.bsky.feed.getAuthorFeed"
    assert first.posts[0].provenance.raw_id == raw_id_of(raw("docs-getAuthorFeed-page1.json"))
    assert first.posts[0].provenance.file == first.url
    second = src.timeline_page(target, EMBASSY, Sweep(cursor=first.next_cursor))
    assert seen_params[1]["cursor"] == "2025-03-08T08:00:00.250Z"
    assert (second.done, second.next_cursor, len(second.seen)) == (True, None, 2)
    assert src.meter.by_endpoint == {"app.bsky.feed.getAuthorFeed": 2}
    assert src.timeline_cost_bound(1.0) == (0.0, None)


def test_client_timeline_account_gone() -> None:
    src = source(lambda r: httpx.Response(400, content=raw("docs-error-account-takedown.json")))
    page = src.timeline_page(Target("bluesky", "embassy.diplo.test", EMBASSY, "a1"), EMBASSY, Sweep(cursor="c"))
    assert (page.done, page.seen, page.posts, page.next_cursor) == (True, [], [], None)
    assert [(e.title, e.resource_id) for e in page.errors] == [("AccountTakedown", EMBASSY)]
    assert [(f.status, f.user_id) for f in page.found] == [("suspended", EMBASSY)]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"<html>not json</html>", MalformedPage),
        (200, b'{"cursor": "x"}', MalformedPage),
        (400, b'{"error":"InvalidRequest","message":"Malformed cursor"}', RequestFailed),
        (404, b'{"error":"XRPCNotSupported","message":"XRPCNotSupported"}', RequestFailed),
    ],
)
def test_client_timeline_failures(status: int, body: bytes, error: type) -> None:
    src = source(lambda r: httpx.Response(status, content=body))
    with pytest.raises(error) as info:
        src.timeline_page(Target("bluesky", "e.diplo.test", EMBASSY, "a1"), EMBASSY, Sweep())
    assert info.value.url.startswith(f"{BASE}/xrpc/app.bsky.feed.getAuthorFeed?actor=")


def test_client_auth_error_names_the_base_setting() -> None:
    src = source(lambda r: httpx.Response(401, content=b'{"error":"AuthMissing","message":"Authentication Required"}'))
    with pytest.raises(AuthError) as info:
        src.timeline_page(Target("bluesky", "e.diplo.test", EMBASSY, "a1"), EMBASSY, Sweep())
    message = str(info.value)
    assert BLUESKY_BASE_ENV in message and BASE in message and "HTTP 401" in message
    assert "User-Agent" not in message


def test_client_engagement_pages_follow_cursors_up_to_the_cap() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[1]
        calls.append(nsid)
        name = {
            "app.bsky.feed.getRepostedBy": "docs-getRepostedBy.json",
            "app.bsky.feed.getLikes": "docs-getLikes.json",
        }
        if nsid == "app.bsky.feed.getLikes":  # a cursor every time: stops at the cap
            data = load(name[nsid])
            data["cursor"] = f"c{len(calls)}"
            return httpx.Response(200, content=orjson.dumps(data))
        return httpx.Response(200, content=raw(name.get(nsid, "docs-getQuotes.json")))

    src = source(handler)
    pages = list(src.engagement_pages([P1_ORIGINAL]))
    assert calls == ["app.bsky.feed.getRepostedBy"] + ["app.bsky.feed.getLikes"] * ENGAGEMENT_PAGES + [
        "app.bsky.feed.getQuotes"
    ]
    assert [p.items for p in pages] == [2, 3, 3, 3, 1]
    assert [len(p.engagements) for p in pages] == [2, 3, 3, 3, 1]
    assert len(pages[-1].posts) == 1 and pages[-1].fmt == "bluesky:app.bsky.feed.getQuotes"
    assert {p.cost for p in pages} == {0.0}


def test_plan() -> None:
    src = source(lambda r: httpx.Response(500))
    t = Target("bluesky", "embassy.diplo.test", EMBASSY, "a1")
    first = src.plan(t, EMBASSY, Sweep(), 1290)
    assert (first.endpoint, first.account, first.requests, first.items, first.cost) == (
        "bluesky: author feed",
        "embassy.diplo.test",
        13,
        1290,
        0.0,
    )
    later = src.plan(t, EMBASSY, Sweep(since_at=datetime(2025, 3, 1)), 1290)
    assert (later.requests, later.items) == (1, 100)
    unknown = src.plan(t, None, Sweep(), None)
    assert (unknown.requests, unknown.items) == (1, 100)


def test_feed_mapping_does_not_mutate_its_input() -> None:
    data = load("docs-getAuthorFeed-page1.json")
    before = copy.deepcopy(data)
    mapping.map_timeline(data, EMBASSY, url=URL, raw_id=None, observed=NOW)
    assert data == before
