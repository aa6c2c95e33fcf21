"""The YouTube collector against a hostile local server (youtube_server.py behind apiservers'
LocalServer, on 127.0.0.1): page tokens that loop, answers that add or swap channels and videos,
counts that are not counts, keys echoed back, redirects to another host, XML bombs, the quota day
on the days the clocks change, and what a dry run promises against what the run then spends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apiservers import LocalServer, Reply, Request
from helpers import FAST_HTTP, collect, track
from youtube_server import YouTubeApi, channel_id, video_id

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import Settings, load_settings
from diplotrack.collect.engine import CollectOptions
from diplotrack.collect.plan import plan
from diplotrack.collect.registry import build_source
from diplotrack.collect.youtube import feed, mapping
from diplotrack.collect.youtube.channel_page import channel_id_of
from diplotrack.collect.youtube.quota import next_reset, quota_day
from diplotrack.store.raw import decompress

KEY = "k€y/+&=%#é SECRET-ODD"  # odd characters: URL-encoded, JSON-escaped, it must still never be kept
NOW = datetime(2026, 12, 6, 12)
WINDOW = timedelta(days=60)  # a recheck window that holds every stored video: the re-run reads them all again
FEED = Path(__file__).resolve().parents[1] / "fixtures" / "youtube" / "feed_videos_xml_IFT_2021.xml"
IFT = "UCk195x4zYdMx4LhqEwhcPng"


class Hostile(YouTubeApi):
    """YouTubeApi whose answers a test rewrites: ``hooks[endpoint](req, obj) -> obj``."""

    def __init__(self, *a, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*a, **kw)
        self.hooks: dict = {}

    def _api(self, req: Request, endpoint: str) -> Reply:
        reply = super()._api(req, endpoint)
        hook = self.hooks.get(endpoint)
        if hook is None or reply.status != 200:
            return reply
        out = hook(req, json.loads(reply.body))
        return out if isinstance(out, Reply) else Reply.json(out)


@pytest.fixture(scope="module")
def server():
    with LocalServer(YouTubeApi(0, 0)) as srv:
        yield srv


def _settings(srv: LocalServer, keys: str = KEY) -> Settings:
    env = {
        "DIPLOTRACK_YOUTUBE_API_BASE": srv.url + "/youtube/v3",
        "DIPLOTRACK_YOUTUBE_WEB_BASE": srv.url,
        "DIPLOTRACK_YOUTUBE_API_KEYS": keys,
    }
    return Settings(**{**load_settings(env).__dict__, "http": FAST_HTTP})


def _start(srv: LocalServer, app: YouTubeApi, tmp_path: Path, new_store, handles: list[str]):  # type: ignore[no-untyped-def]
    srv.app, srv.requests[:], srv.faults[:] = app, [], []
    con = new_store(tmp_path / "s.duckdb")
    track(con, tmp_path, handles, platform="youtube")
    return con


def _stored_text(con) -> str:  # type: ignore[no-untyped-def]
    tables = con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()
    parts = [str(r[0]) for (t,) in tables for r in con.execute(f'SELECT "{t}"::VARCHAR FROM "{t}"').fetchall()]
    parts += [
        decompress(b).decode("utf-8", "replace") for (b,) in con.execute("SELECT payload FROM raw_payloads").fetchall()
    ]
    return "\n".join(parts)


def _calls(srv: LocalServer, endpoint: str) -> int:
    return sum(r.path.endswith("/" + endpoint) for r in srv.requests)


def test_an_uploads_list_that_loops_or_lies_ends_the_sweep_instead_of_spending_the_quota(tmp_path, new_store, server):
    app = Hostile(3, 150, keys={KEY: 10_000})
    # channel 0: tokens T50 -> T100 -> T50; channel 1: a fresh token every time, the same page; channel 2:
    # a token that is not one, and an id that is no video id (both once broke the cursor: back to page 1)
    cycle = {None: "T50", "T50": "T100", "T100": "T50"}
    fresh: list[int] = [0]

    def playlist(req: Request, obj: dict) -> dict:
        cid, token = "UC" + (req.arg("playlistId") or "")[2:], req.arg("pageToken")
        if cid == channel_id(0):
            obj["nextPageToken"] = cycle[token]
        elif cid == channel_id(1):
            fresh[0] += 1
            obj["nextPageToken"] = f"F{fresh[0]}"
            if token:  # every later page repeats the first one
                obj["items"] = first_page(req.arg("playlistId"))
        else:
            obj["nextPageToken"] = "a b=="
            obj["items"][0]["contentDetails"]["videoId"] = "x|y,z"
        return obj

    def first_page(playlist: str | None) -> list:
        return json.loads(app._playlist(Request("GET", "", {"playlistId": [playlist or ""]}, {})).body)["items"]

    app.hooks["playlistItems"] = playlist
    con = _start(server, app, tmp_path, new_store, [channel_id(i) for i in range(3)])
    try:
        report = collect(con, _settings(server), platform="youtube")
        yt = report.platforms[0]
        assert (yt.status, yt.swept) == ("ok", 3), yt
        # channel 0: page 1, T50, T100 (then T50 again: not asked); 1: page 1, F1 (page 1 again); 2: page 1
        assert _calls(server, "playlistItems") == 3 + 2 + 1
        reasons = " | ".join(s.reason for s in report.skipped)
        assert "repeats the page token 'T50'" in reasons and "only videos this sweep read already" in reasons
        assert "is not one" in reasons and "'x|y,z' is not a video id" in reasons
        assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM collection_cursors WHERE sweep_open").fetchone()[0] == 0
    finally:
        con.close()


def test_answers_that_add_swap_or_miscount_channels_and_videos_file_nothing_wrongly(tmp_path, new_store, server):
    app = Hostile(2, 3, keys={KEY: 10_000})
    stranger = channel_id(7)

    def channels(req: Request, obj: dict) -> dict:
        extra = json.loads(json.dumps(obj["items"][0]))
        extra["id"] = stranger  # a channel nobody asked for
        for c in obj["items"]:
            c["statistics"].update(hiddenSubscriberCount=True, subscriberCount="5000")
        obj["items"].append(extra)
        return obj

    def videos(req: Request, obj: dict) -> dict:
        items = obj["items"]
        if req.arg("part") == "id":
            return obj
        first = items[0]
        first["snippet"]["channelId"] = stranger  # another channel's video in this channel's uploads
        items[1]["statistics"] = {"viewCount": "²", "likeCount": True, "commentCount": "-5"}
        items[2]["statistics"] = {"viewCount": "99999999999999999999", "likeCount": 1e300, "commentCount": "١٢"}
        del items[2]["snippet"]["channelId"]  # no channel said: the uploads' channel's
        added = json.loads(json.dumps(items[1]))
        added["id"] = video_id(999)  # not asked for
        items.append(added)
        return obj

    app.hooks.update(channels=channels, videos=videos)
    con = _start(server, app, tmp_path, new_store, [channel_id(0), channel_id(1)])
    try:
        report = collect(con, _settings(server), platform="youtube")
        rows = con.execute("SELECT post_id, author_id, view_count, like_count, reply_count FROM posts").fetchall()
        posts = {r[0]: r[1:] for r in rows}
        for cid in (channel_id(0), channel_id(1)):
            vids = [v["id"] for v in app.videos[cid]]
            assert vids[0] not in posts  # the stranger's video is not filed under this channel
            assert posts[vids[1]] == (cid, None, None, None)  # not numbers: unknown, the video kept
            assert posts[vids[2]] == (cid, None, None, None)
        assert video_id(999) not in posts
        users = {r[0] for r in con.execute("SELECT DISTINCT user_id FROM profile_snapshots").fetchall()}
        assert stranger not in users
        followers = con.execute("SELECT DISTINCT followers FROM profile_snapshots").fetchall()
        assert followers == [(None,)]  # hidden: unknown, never 0 nor the number shown beside it
        reasons = " | ".join(s.reason for s in report.skipped)
        assert "another channel's" in reasons and "not asked for" in reasons
    finally:
        con.close()


def test_a_key_echoed_by_the_server_or_a_redirect_to_another_host_reaches_nothing_kept(
    tmp_path, new_store, server, capsys
):
    app = Hostile(2, 3, keys={KEY: 10_000})
    url_form = "k%E2%82%ACy%2F%2B%26%3D%25%23%C3%A9%20SECRET-ODD"
    echo = Reply(404, f"<html>no playlist for key={KEY} ({url_form})</html>".encode(), {"Content-Type": "text/html"})
    forbidden = {"error": {"code": 403, "message": KEY, "errors": [{"reason": "forbidden"}, {"reason": "x" + KEY}]}}
    con = _start(server, app, tmp_path, new_store, [channel_id(0), channel_id(1)])
    server.inject(echo, match=lambda r: r.path.endswith("/playlistItems"))
    server.inject(Reply.json(forbidden, 403), match=lambda r: r.path.endswith("/playlistItems"))
    try:
        report = collect(con, _settings(server), platform="youtube")
        shown = json.dumps([(s.file, s.reason) for s in report.skipped]) + str(report.platforms[0].events)
        stored = _stored_text(con)
        assert "SECRET-ODD" not in stored and "SECRET-ODD" not in shown + capsys.readouterr().out
        assert "[redacted key]" in stored  # the echo is kept, without the key
    finally:
        con.close()
    # without a key: a channel page that ends on another host (localhost is not 127.0.0.1) is not used
    page = Reply(302, b"", {"Location": server.url.replace("127.0.0.1", "localhost") + "/@chan000"})
    (tmp_path / "b").mkdir()
    con = _start(server, YouTubeApi(1, 3), tmp_path / "b", new_store, ["chan000"])
    server.inject(page, match=lambda r: r.path == "/@chan000")
    try:
        report = collect(con, _settings(server, ""), platform="youtube")
        assert any("another host (localhost)" in s.reason for s in report.skipped), report.skipped
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
        assert con.execute("SELECT user_id FROM accounts").fetchall() == [(None,)]
    finally:
        con.close()


def test_retries_are_paid_for_and_the_dry_run_is_what_the_run_then_spends(tmp_path, new_store, server):
    app = YouTubeApi(1, 60, keys={KEY: 10_000})
    con = _start(server, app, tmp_path, new_store, ["chan000"])
    try:
        clock = SimulatedClock(start=datetime(2026, 12, 6, 12, tzinfo=UTC).timestamp())
        server.inject(Reply(503, b"busy"), match=lambda r: r.path.endswith("/videos"), times=2)
        collect(con, _settings(server), platform="youtube", clock=clock)
        sent = sum("/youtube/v3/" in r.path for r in server.requests)
        assert sent == 7  # 1 channels.list, 2 playlistItems, 2 videos.list and 2 retries of one
        units = con.execute("SELECT sum(units) FROM youtube_quota").fetchone()[0]
        assert units == sent  # every call Google saw, retries included
        for cid in app.videos:
            app.add_video(cid, "new", datetime(2026, 11, 2))
        source = build_source("youtube", _settings(server), clock, None)  # type: ignore[arg-type]
        try:
            planned = plan(con, [source], CollectOptions(recheck=WINDOW), clock.utcnow())
        finally:
            source.close()
        promised = sum(p.cost for p in planned)
        server.requests.clear()
        collect(con, _settings(server), platform="youtube", clock=clock, recheck=WINDOW)
        spent = sum("/youtube/v3/" in r.path for r in server.requests)
        assert spent <= promised, (spent, promised, [(p.endpoint, p.cost) for p in planned])
    finally:
        con.close()


def test_feeds_that_are_bombs_floods_or_another_channels_are_refused_or_skipped():
    body = FEED.read_bytes()
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><feed>&b;</feed>'
    external = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed>&x;</feed>'
    for bad in (bomb, external, body + b"<!--" + b"x" * (feed.MAX_BYTES) + b"-->"):
        with pytest.raises(feed.FeedError):
            feed.parse(bad, "u", NOW, "r", None)
    text = body.decode()
    other = "UCzzzzzzzzzzzzzzzzzzzzzz"
    first = text.index("<entry>")
    tail = text[first:].replace(f"<yt:channelId>{IFT}</yt:channelId>", f"<yt:channelId>{other}</yt:channelId>", 1)
    swapped = text[:first] + tail
    swapped = swapped.replace('views="', 'views="99999999999999999999', 1).replace('views="', 'views="+', 2)
    parsed = feed.parse(swapped.encode(), "u", NOW, "r", None)
    assert len(parsed.posts) == 14 and "another channel's" in parsed.skips[0].reason
    assert all(p.author_id == IFT for p in parsed.posts)
    assert parsed.posts[0].view_count is None  # 20+ digits or a sign: not a count


def test_a_channel_page_naming_two_channels_resolves_to_neither():
    two = (
        b'<html><head><link rel="canonical" href="https://www.youtube.com/channel/' + IFT.encode() + b'">'
        b'<meta itemprop="identifier" content="UCzzzzzzzzzzzzzzzzzzzzzz"></head></html>'
    )
    assert channel_id_of(two) is None
    assert channel_id_of(two.replace(b"UCzzzzzzzzzzzzzzzzzzzzzz", IFT.encode())) == IFT


def test_the_quota_resets_at_pacific_midnight_even_on_the_days_the_clocks_change():
    # 2026-03-08: clocks go forward at 02:00 PST; 2026-11-01: back at 02:00 PDT
    assert next_reset(datetime(2026, 3, 8, 9, 0)) == datetime(2026, 3, 9, 7, 0)  # 01:00 PST -> 00:00 PDT
    assert next_reset(datetime(2026, 3, 8, 7, 59)) == datetime(2026, 3, 8, 8, 0)
    assert next_reset(datetime(2026, 11, 1, 8, 30)) == datetime(2026, 11, 2, 8, 0)  # 01:30 PDT -> 00:00 PST
    assert quota_day(datetime(2026, 11, 2, 7, 59)) == datetime(2026, 11, 1).date()
    assert quota_day(datetime(2026, 11, 2, 8, 0)) == datetime(2026, 11, 2).date()
    assert mapping._count("²") is None and mapping._count(2**63) is None and mapping._count("12") == 12
