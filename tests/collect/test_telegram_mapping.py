"""Telegram's web preview pages to records: the real t.me/s/durov page and its profile page
(tests/fixtures/telegram, MIT), and pages built in the same markup (``built-*.html``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.telegram import counts, mapping, profiles
from diplotrack.collect.telegram.spec import channel_name, check_username
from diplotrack.roster import checks

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SEEN = datetime(2026, 12, 1, 9, 30)
URL = "https://t.me/s/durov"


def page(name: str, channel: str = "durov", **bounds: object) -> mapping.TimelinePage:  # type: ignore[name-defined]
    return mapping.map_timeline((FIX / name).read_bytes(), URL, channel, SEEN, mapping.Bounds(**bounds))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def real() -> dict:
    p = page("tme_s_durov.html")
    return {"page": p, "posts": {x.post_id: x for x in p.posts}}


def test_the_real_preview_page_gives_its_20_messages_and_the_next_cursor(real):
    p = real["page"]
    assert (p.items, len(p.posts), p.skips, p.done, p.next_cursor) == (20, 20, [], False, "519")
    ids = [x.post_id for x in p.posts]
    assert ids[0] == "durov/519" and ids[-1] == "durov/539" and "durov/530" not in ids  # 530 is a gap there
    assert [s[0] for s in p.seen] == ids
    first = real["posts"]["durov/519"]
    assert (first.author_id, first.author_handle, first.kind) == ("handle:durov", "durov", "original")
    assert first.created_at == datetime(2026, 5, 20, 15, 38, 10)  # the date link's time, not the video's 0:09
    assert first.text.startswith("🤖 Your Telegram inbox can now run itself.\n\nAssign a bot")
    assert first.text.endswith("⚙️ Start building!")
    assert [(e.type, e.value, e.normalized) for e in first.entities] == [
        (
            "url",
            "https://core.telegram.org/bots/features#secretary-bots",
            "https://core.telegram.org/bots/features#secretary-bots",
        ),
        ("media", "video/1", "video"),
    ]
    assert first.provenance.source == "telegram-web" and first.provenance.pointer == "/messages/0"


def test_views_are_approximate_integers_dated_by_retrieval(real):
    posts = real["posts"]
    assert posts["durov/519"].view_count == 8_670_000  # "8.67M"
    assert posts["durov/520"].view_count == 11_400_000  # "11.4M"
    assert posts["durov/539"].view_count == 826_000  # "826K"
    assert all(x.metrics_observed_at == SEEN for x in posts.values())
    assert all(x.like_count is None and x.repost_count is None for x in posts.values())  # not given: missing


def test_the_edited_mark_dates_the_text_of_the_four_edited_messages_only(real):
    marked = sorted(k for k, x in real["posts"].items() if x.text_observed_at is not None)
    assert marked == ["durov/521", "durov/527", "durov/535", "durov/538"]
    assert real["posts"]["durov/521"].text_observed_at == SEEN


def test_mentions_photos_and_media_only_messages(real):
    posts = real["posts"]
    assert [e.value for e in posts["durov/527"].entities if e.type == "mention"] == ["contest"]
    photo = posts["durov/522"]
    assert photo.text is None and [(e.type, e.normalized) for e in photo.entities] == [("media", "photo")]
    media = sorted(e.normalized for x in posts.values() for e in x.entities if e.type == "media")
    assert media.count("video") == 6 and media.count("photo") == 3


def test_bounds_stop_the_sweep_and_leave_older_messages_out():
    by_id = page("tme_s_durov.html", since_id=530)
    assert [x.post_id for x in by_id.posts][0] == "durov/531" and by_id.done and by_id.next_cursor is None
    by_time = page("tme_s_durov.html", since_at=datetime(2026, 7, 1))
    assert all(x.created_at > datetime(2026, 7, 1) for x in by_time.posts) and by_time.done
    stuck = page("tme_s_durov.html", before=519)  # the page did not move below its request: a loop guard
    assert stuck.done


def test_forwards_are_reposts_replies_point_at_their_message_and_polls_documents_are_media():
    p = page("built-forward.html", channel="builtnews")
    posts = {x.post_id: x for x in p.posts}
    assert sorted(posts) == [f"builtnews/{i}" for i in range(101, 107)]  # 107 is a service message: not a post
    fwd = posts["builtnews/101"]
    assert (fwd.kind, fwd.reposted_author_id, fwd.reposted_post_id) == ("repost", "handle:othernews", "othernews/77")
    assert fwd.text == "Talks resume today. #Diplomacy $TON\n\nQuoted line\n\ncode line\n\nRead the report."
    assert [(e.type, e.value, e.normalized) for e in fwd.entities] == [
        ("hashtag", "Diplomacy", "diplomacy"),
        ("cashtag", "TON", "ton"),
        ("url", "https://news.example/talks", "https://news.example/talks"),
    ]
    user = posts["builtnews/102"]
    assert (user.kind, user.reposted_author_id, user.reposted_post_id) == ("repost", "handle:some_user", None)
    hidden = posts["builtnews/103"]
    assert (hidden.kind, hidden.reposted_author_id) == ("repost", None)
    reply = posts["builtnews/104"]
    assert (reply.kind, reply.replied_to_post_id, reply.replied_to_author_id) == (
        "reply",
        "builtnews/101",
        "handle:builtnews",
    )
    assert reply.text == "More on the talks, thanks to @OtherNews."  # not the quoted message's text
    assert [(e.type, e.normalized) for e in reply.entities] == [("mention", "othernews")]  # not the quoted link
    assert posts["builtnews/105"].text == "Will the talks succeed?"
    assert [e.normalized for e in posts["builtnews/105"].entities] == ["poll"]
    assert [e.normalized for e in posts["builtnews/106"].entities] == ["document"]


def test_an_edited_and_a_deleted_re_read():
    edited = {x.post_id: x for x in page("built-edited.html").posts}["durov/539"]
    assert edited.text.startswith("The International Olympiad in AI finished yesterday in Astana. Correction")
    assert (edited.text_observed_at, edited.view_count) == (SEEN, 1_020_000)
    assert "durov/533" not in {x.post_id for x in page("built-deleted.html").posts}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ((FIX / "built-changed-markup.html").read_bytes(), "the message history has content but no message block"),
        ((FIX / "tme_s_durov.html").read_bytes()[:70_000], "cut short"),
        ((FIX / "tme_durov_profile.html").read_bytes(), "not a channel preview"),
        (
            (FIX / "tme_s_durov.html").read_bytes().replace(b'data-post="durov/525"', b'data-post="durov/x"'),
            "1 of 20 message blocks have no readable data-post id",
        ),
    ],
)
def test_a_page_that_cannot_be_read_is_refused_with_its_reason(body, reason):
    with pytest.raises(MalformedPage, match=reason) as info:
        mapping.map_timeline(body, URL, "durov", SEEN, mapping.Bounds())
    assert info.value.url == URL and info.value.body == body


def test_a_message_without_a_date_is_skipped_alone_and_still_counts_as_seen():
    body = (FIX / "tme_s_durov.html").read_bytes().replace(b'datetime="2026-06-01T15:46:12+00:00"', b'datetime="soon"')
    p = mapping.map_timeline(body, URL, "durov", SEEN, mapping.Bounds())
    assert len(p.posts) == 19
    assert [str(s) for s in p.skips] == [
        f"{URL}: message durov/522 has no date (.tgme_widget_message_date time[datetime]): not collected"
    ]
    assert ("durov/522", None) in p.seen


def test_the_profile_page_gives_the_exact_subscriber_count_and_the_header_does_not():
    real = profiles.read_profile(mapping.parse_page((FIX / "tme_durov_profile.html").read_bytes(), URL))
    assert (real.kind, real.username, real.title, real.description) == (
        "channel",
        "durov",
        "Pavel Durov",
        "Founder of Telegram.",
    )
    assert (real.subscribers, real.verified) == (11_286_994, True)  # the preview says 11.3M
    header = profiles.read_header(mapping.parse_page((FIX / "tme_s_durov.html").read_bytes(), URL))
    assert (header.kind, header.username, header.subscribers) == ("channel", "durov", None)
    missing = profiles.read_profile(mapping.parse_page((FIX / "built-private.html").read_bytes(), URL))
    user = profiles.read_profile(mapping.parse_page((FIX / "built-user-profile.html").read_bytes(), URL))
    assert (missing.kind, user.kind, user.extra) == ("missing", "other", "@someuser")


@pytest.mark.parametrize(
    ("text", "n"),
    [("8.67M", 8_670_000), ("826K", 826_000), ("419", 419), ("1.2B", 1_200_000_000), ("", None), ("many", None)],
)
def test_abbreviated_counts(text, n):
    assert counts.abbreviated(text) == n


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("11 286 994 subscribers", 11_286_994),
        ("10\u00a0518 subscribers", 10_518),
        ("1 subscriber", 1),
        ("15 848 members, 3 465 online", 15_848),
        ("11.3M subscribers", 11_300_000),
        ("@someuser", None),
    ],
)
def test_leading_counts(text, n):
    assert counts.leading_count(text) == n


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("@durov", "durov"),
        ("https://t.me/durov", "durov"),
        ("t.me/s/durov", "durov"),
        ("https://telegram.me/MFA_Russia", "MFA_Russia"),
        ("https://t.me/s/durov/519", "durov"),
        (" durov ", "durov"),
        ("some one", "some one"),
    ],
)
def test_the_roster_accepts_a_channel_as_a_name_or_a_link(written, stored):
    assert checks.stored_handle("telegram", written) == channel_name(written) == stored


def test_a_name_that_is_no_username_is_refused_in_one_sentence():
    assert check_username("durov") is None and check_username("MFA_Russia") is None
    for bad in ("abc", "1durov", "du-rov", "x" * 33):
        message = check_username(bad)
        assert message is not None and message.replace("e.g. ", "").count(". ") == 0 and f"'{bad}'" in message
