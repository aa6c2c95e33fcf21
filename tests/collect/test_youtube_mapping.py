"""YouTube's pure parts: roster forms, the Atom feed, the Data API's answers, channel pages, errors
and quota days, on real responses (tests/fixtures/youtube) and documented ones (built-*)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from diplotrack.collect.config import Secret
from diplotrack.collect.source import Target
from diplotrack.collect.youtube import errors, feed, mapping, quota
from diplotrack.collect.youtube.channel_page import channel_id_of
from diplotrack.collect.youtube.client import strip_key
from diplotrack.collect.youtube.spec import check_channel, roster_handle

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
NOW = datetime(2026, 12, 6, 12, 0)
IFT = "UCk195x4zYdMx4LhqEwhcPng"


def _json(name: str) -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("written", "kept", "ok"),
    [
        ("CGTN", "CGTN", True),
        ("@CGTN", "CGTN", True),
        (" https://www.youtube.com/@chinadaily/videos ", "chinadaily", True),
        ("youtube.com/@xinhua", "xinhua", True),
        (f"https://m.youtube.com/channel/{IFT}", IFT, True),
        (IFT, IFT, True),
        ("https://www.youtube.com/c/LegacyName", "https://www.youtube.com/c/LegacyName", False),
        ("https://example.org/@CGTN", "https://example.org/@CGTN", False),
        ("ab", "ab", False),  # handles have 3 to 30 characters
    ],
)
def test_the_roster_keeps_one_form_of_each_channel(written: str, kept: str, ok: bool) -> None:
    assert roster_handle(written) == kept
    assert (check_channel(kept) is None) is ok


def test_the_real_feed_gives_15_videos_with_views_and_likes_and_the_channel() -> None:
    body = (FIX / "feed_videos_xml_IFT_2021.xml").read_bytes()
    parsed = feed.parse(body, "https://www.youtube.com/feeds/videos.xml?channel_id=" + IFT, NOW, "raw1", "iftmadrid")
    assert (parsed.channel_id, parsed.entries, len(parsed.posts), parsed.skips) == (IFT, 15, 15, [])
    first = parsed.posts[0]
    assert first.post_id == "Elewn679CZI" and first.kind == "original" and first.author_id == IFT
    assert first.created_at == datetime(2021, 12, 19, 14, 0, 11)
    assert (first.view_count, first.like_count, first.reply_count) == (33036, 1424, None)
    assert first.text.startswith("El Brillante Futuro de la Física | Una Conversación con Álvaro de Rújula\n\nÁlvaro")
    assert first.provenance.pointer == "/entry/0" and first.metrics_observed_at == NOW
    assert any(e.type == "url" for e in first.entities)
    snap = feed.profile(parsed, "u", NOW, "raw1", None)
    assert (snap.display_name, snap.created_at, snap.followers, snap.posts_count) == (
        "Instituto de Física Teórica IFT",
        datetime(2012, 11, 14, 9, 11, 23),
        None,
        None,
    )


def test_hostile_or_broken_feeds_are_refused_and_bad_entries_skipped() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol2;</title></feed>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>'
    )
    real = (FIX / "feed_videos_xml_IFT_2021.xml").read_bytes()
    for body, said in [
        (bomb, "not a readable"),
        (external, "not a readable"),
        (real[: len(real) // 2], "not a readable"),
        (b"<html><body>consent</body></html>", "not an Atom feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "names no channel"),
    ]:
        with pytest.raises(feed.FeedError, match=said):
            feed.parse(body, "u", NOW, "r", None)
    broken = real.replace(b"<yt:videoId>Imb4G5O4__o</yt:videoId>", b"", 1).replace(
        b"<published>2021-12-19T14:00:11+00:00</published>", b"<published>yesterday</published>", 1
    )
    parsed = feed.parse(broken, "u", NOW, "r", None)
    assert len(parsed.posts) == 13 and [s.reason.split(":")[0] for s in parsed.skips] == [
        "entry 0 not collected",
        "entry 1 not collected",
    ]


def test_channels_list_maps_subscribers_videos_and_uploads_and_a_hidden_count_is_unknown() -> None:
    body = _json("channels_list_google_2ch_statistics_uploads.json")
    body["items"][1]["statistics"]["hiddenSubscriberCount"] = True
    page = mapping.map_channels(body, "u", NOW, "raw")
    google, devs = page.channels
    assert (google.channel_id, google.handle, google.uploads) == (
        "UCK8sQmJBp8GCxrOtXWBpyEA",
        "google",
        "UUK8sQmJBp8GCxrOtXWBpyEA",
    )
    assert (google.snapshot.followers, google.snapshot.posts_count) == (10_700_000, 2678)
    assert google.snapshot.created_at == datetime(2005, 9, 18, 22, 37, 10)
    assert devs.snapshot.followers is None and devs.snapshot.posts_count == 5652  # hidden: unknown, never 0
    older = mapping.map_channels(_json("channels_list_googledevelopers_statistics.json"), "u", NOW, "raw")
    assert older.channels[0].uploads is None and older.channels[0].snapshot.followers == 1_927_873
    by_id = Target("youtube", "UCK8sQmJBp8GCxrOtXWBpyEA", None, "a")
    missing = Target("youtube", "gone_channel", "UCsynth00000000000000009", "b")
    found = mapping.found_channels([by_id, missing], page.channels, by_id=True)
    assert [(f.status, f.user_id, f.handle) for f in found] == [
        ("active", "UCK8sQmJBp8GCxrOtXWBpyEA", None),  # named by its id: its first handle is not a rename
        ("not_found", "UCsynth00000000000000009", None),
    ]
    with pytest.raises(ValueError):
        mapping.map_channels({"items": "nope"}, "u", NOW, "raw")


def test_playlist_pages_give_ids_and_tokens_and_videos_give_counts_hidden_ones_unknown() -> None:
    one = mapping.map_uploads(_json("playlistItems_list_page1.json"), None)
    assert (len(one.ids), one.ids[0], one.next_token, one.reached) == (10, "CvTApw9X8aA", "CAoQAA", False)
    two = mapping.map_uploads(_json("playlistItems_list_page2.json"), None)
    assert (len(two.ids), two.next_token) == (3, None)
    bounded = mapping.map_uploads(_json("playlistItems_list_page1.json"), datetime(2019, 11, 23, 0, 30))
    assert bounded.reached and bounded.next_token is None and len(bounded.ids) == 5  # the later ones only
    page = mapping.map_videos(_json("built-videos_list_statistics.json"), "u", "googledevs", NOW, "raw")
    a, b = page.posts
    assert (a.post_id, a.view_count, a.like_count, a.reply_count, a.lang) == ("D-lhorsDlUQ", 48213, 1024, 87, "en")
    assert (b.view_count, b.like_count, b.reply_count) == (9307, None, None)  # likes hidden, comments off
    assert a.text.startswith("What are Actions on Google (Assistant on Air)\n\nIn the first episode")
    assert a.created_at == datetime(2019, 3, 21, 20, 37, 49) and a.author_handle == "googledevs"
    plain = mapping.map_videos(_json("videos_list_2videos_snippet_player.json"), "u", None, NOW, "raw")
    assert plain.posts[0].view_count is None and plain.posts[0].metrics_observed_at is None


def test_a_channel_page_names_its_channel_id_or_nothing() -> None:
    page = (FIX / "built-channel-page.html").read_bytes()
    assert channel_id_of(page) == IFT
    only_meta = b'<html><head><meta itemprop="identifier" content="' + IFT.encode() + b'"></head></html>'
    assert channel_id_of(only_meta) == IFT
    for junk in (
        b"",
        b"<html>consent.youtube.com</html>",
        b'<link rel="canonical" href="/channel/UC-short">',
        b"\xff\xfe<<",
    ):
        assert channel_id_of(junk) is None


def _response(status: int, name: str) -> httpx.Response:
    url = "https://www.googleapis.com/youtube/v3/videos?id=x&key=AIzaSECRETKEY"
    return httpx.Response(status, content=(FIX / name).read_bytes(), request=httpx.Request("GET", url))


def test_errors_say_what_happens_next_and_never_carry_the_key() -> None:
    assert isinstance(errors.auth_error(_response(403, "built-quota_exceeded.json")), errors.KeySpent)
    refused = errors.auth_error(_response(403, "built-key_invalid.json"))
    assert isinstance(refused, errors.KeyRefused) and "DIPLOTRACK_YOUTUBE_API_KEYS" in str(refused)
    found, message = errors.reasons((FIX / "built-key_invalid.json").read_bytes())
    assert errors.key_refused(found, message) and "API_KEY_INVALID" in found
    assert not errors.key_refused(*errors.reasons(b'{"error": {"errors": [{"reason": "badRequest"}], "message": "x"}}'))
    assert errors.reasons(b"not json") == ([], "")
    shown = strip_key("https://www.googleapis.com/youtube/v3/videos?id=x&key=AIzaSECRETKEY&part=id")
    assert shown == "https://www.googleapis.com/youtube/v3/videos?id=x&part=id"


def test_the_quota_day_turns_at_midnight_pacific_and_keys_take_turns(con) -> None:
    assert quota.quota_day(datetime(2026, 12, 6, 7, 59)) == datetime(2026, 12, 5).date()  # 23:59 PST
    assert quota.quota_day(datetime(2026, 12, 6, 8, 0)) == datetime(2026, 12, 6).date()
    assert quota.next_reset(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 2, 7, 0)  # PDT: UTC-7
    keys = (Secret("AIza-one"), Secret("AIza-two"))
    q = quota.Quota(keys, daily=3)
    q.attach(con, NOW)
    assert [q.pick(1, NOW, "x") for _ in range(1)] == [0]
    q.charge(0, 3, NOW)
    assert q.pick(1, NOW, "x") == 1
    q.exhaust(1, NOW)
    with pytest.raises(
        errors.QuotaSpent, match=r"stopped before the next page: .*0 of 6 units left on 2 keys.*midnight Pacific"
    ):
        q.pick(1, NOW, "the next page")
    rows = con.execute("SELECT key_hash, units FROM youtube_quota ORDER BY key_hash").fetchall()
    assert sorted(u for _, u in rows) == [3, 3] and all(len(h) == 12 and "AIza" not in h for h, _ in rows)
    again = quota.Quota(keys, daily=3)  # a second run the same day starts where this one stopped
    again.attach(con, NOW)
    assert again.left(NOW) == 0
    assert again.left(datetime(2026, 12, 7, 9, 0)) == 6  # the next quota day
