"""The Telegram collector against a hostile t.me: pages that lie (another channel's messages or
header, absurd dates, ids and counts), loop, redirect elsewhere, or are too large or deep to parse.
Pure pages first, then whole collections against ``TelegramWeb`` on 127.0.0.1 on a simulated clock."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime

import pytest
from apiservers import LocalServer, Reply, Request
from helpers import FAST_HTTP, Recorder, track
from telegram_server import TelegramWeb

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import Settings
from diplotrack.collect.engine import CollectOptions, Collector
from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.registry import build_source
from diplotrack.collect.telegram import counts, mapping, text

THROTTLE = 2.0
START = datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp()
SEEN = datetime(2026, 12, 1, 9)
HTML = {"Content-Type": "text/html; charset=utf-8"}
URL = "https://t.me/s/rt_chan"


@pytest.fixture(scope="module")
def web() -> TelegramWeb:
    w = TelegramWeb()
    w.add_channel("rt_chan", 5)
    return w


def newest(web: TelegramWeb, name: str = "rt_chan") -> str:
    return web.preview(web.channels[name.lower()], None).decode()


def read(body: str, **bounds: object) -> mapping.TimelinePage:  # type: ignore[name-defined]
    return mapping.map_timeline(body.encode(), URL, "rt_chan", SEEN, mapping.Bounds(**bounds))  # type: ignore[arg-type]


def in_text(body: str, html: str) -> str:
    """``html`` put at the start of the first message's text."""
    i = body.index("js-message_text")
    j = body.index(">", i) + 1
    return body[:j] + html + body[j:]


# -- pure pages --------------------------------------------------------------------------------
def test_a_date_past_year_9999_or_before_year_1_in_utc_skips_its_message_not_the_run(web):
    body = newest(web)
    dates = re.findall(r'datetime="([^"]+)"', body)
    lied = body.replace(dates[0], "9999-12-31T23:00:00-05:00").replace(dates[1], "0001-01-01T00:30:00+05:00")
    p = read(lied.replace(dates[2], "1970-01-01T00:00:00").replace(dates[3], "2026-11-30T09:00:00"))
    assert [x.post_id for x in p.posts] == ["rt_chan/3", "rt_chan/4", "rt_chan/5"]
    assert [x.created_at for x in p.posts[:2]] == [datetime(1970, 1, 1), datetime(2026, 11, 30, 9)]  # no tz: UTC
    assert [s.reason for s in p.skips] == [
        f"message rt_chan/{i} has no date (.tgme_widget_message_date time[datetime]): not collected" for i in (1, 2)
    ]
    assert [s for s, _ in p.seen][:2] == ["rt_chan/1", "rt_chan/2"]  # seen: never judged deleted


def test_ids_and_links_in_digits_int_refuses_are_unreadable_not_a_crash(web):
    body = newest(web)
    assert text.username_of("https://t.me/someone/\u00b2") == ("someone", None)
    assert text.username_of("https://t.me/someone/\u0661\u0662") == ("someone", None)
    for bad in ("\u00b2", "\u0661\u0662", "2147483648", "9" * 40):
        with pytest.raises(MalformedPage, match="have no readable data-post id"):
            read(body.replace('data-post="rt_chan/5"', f'data-post="rt_chan/{bad}"'))
    link = in_text(body, '<a href="https://t.me/other_chan/\u00b2">@other_chan</a> ')
    assert read(link).posts[0].entities[0].value == "other_chan"  # a mention: "²" names no message


def test_counts_that_do_not_parse_are_missing_never_their_leading_digits_nor_past_bigint():
    for views in ("999999999999T", "1.2.3K", "-5", "1,234", "\u0661\u0662", "9" * 30 + "B", "2000B"):
        assert counts.abbreviated(views) is None, views
    assert (counts.abbreviated("1,5K"), counts.abbreviated("1000B")) == (1500, 10**12)
    for extra in ("1.2.3K subscribers", "12abc subscribers", "-5 subscribers", "9" * 30 + " subscribers"):
        assert counts.leading_count(extra) is None, extra
    assert counts.leading_count("11\u00a0286\u00a0994 subscribers") == 11_286_994


def test_a_message_nested_thousands_deep_is_read_without_recursion(web):
    deep = 3000
    p = read(in_text(newest(web), "<b>" * deep + '<a href="https://x.example/">deep</a>' + "</b>" * deep + "<br/>"))
    first = p.posts[0]
    assert first.text.startswith("deep\n") and first.entities[0].value == "https://x.example/"


def test_pages_too_large_too_deep_or_too_many_messages_are_refused_before_parsing(web):
    body = newest(web)
    started = time.perf_counter()
    with pytest.raises(MalformedPage, match="bytes, more than any t.me page") as big:
        read(in_text(body, "x" * (mapping.MAX_PAGE_BYTES + 1)))
    assert len(big.value.body) == mapping.KEPT_BYTES  # the first MiB kept, not the whole flood
    with pytest.raises(MalformedPage, match="tags, more than any t.me page"):
        read(in_text(body, "<div>" * 100_000 + "</div>" * 100_000))  # about 30 s of parsing otherwise
    assert time.perf_counter() - started < 1.0
    block = re.search(r'<div class="tgme_widget_message_wrap.*?(?=<div class="tgme_widget_message_wrap)', body, re.S)
    assert block is not None
    many = "".join(block.group(0).replace('data-post="rt_chan/1"', f'data-post="rt_chan/{i}"') for i in range(1, 102))
    with pytest.raises(MalformedPage, match="shows 10[0-9] message blocks, more than a preview page"):
        read(body.replace(block.group(0), many))


def test_a_page_of_another_channel_is_refused_whole(web):
    body = newest(web)
    with pytest.raises(MalformedPage, match="every message block on the page .5. belongs to another channel"):
        read(body.replace('data-post="rt_chan/', 'data-post="evil_chan/'))
    header = body.replace('href="https://t.me/rt_chan"', 'href="https://t.me/evil_chan"')
    assert header != body
    with pytest.raises(MalformedPage, match="not the preview of @rt_chan: its header names @evil_chan"):
        read(header)
    one = read(body.replace('data-post="rt_chan/5"', 'data-post="\x1b]0;x\x07\nskipped fake: ok' + "e" * 60 + '/5"'))
    assert [x.post_id for x in one.posts] == [f"rt_chan/{i}" for i in range(1, 5)]  # the rest is collected
    # the name quoted, controls escaped, shortened: no fake line in the terminal (was a line break)
    reason = one.skips[0].reason
    assert reason.startswith("message '\\x1b]0;x\\x07\\nskipped fake: okeeee") and "\n" not in reason
    assert reason.endswith("e'…/5 belongs to another channel: not collected")


# -- whole collections -------------------------------------------------------------------------
def collect(con, base: str, clock: SimulatedClock | None = None) -> tuple:  # type: ignore[no-untyped-def]
    clock = clock or SimulatedClock(start=START)
    notes: list[str] = []
    reporter = Recorder()
    reporter.note = notes.append  # type: ignore[method-assign]
    source = build_source(
        "telegram", Settings(http=FAST_HTTP, telegram_base=base, telegram_throttle=THROTTLE), clock, reporter
    )
    try:
        report = Collector(con, clock, CollectOptions()).run([source])
    finally:
        source.close()
    return report, notes


def served_at(srv: LocalServer, clock: SimulatedClock) -> list[float]:
    """Wrap the server's app: the simulated time of every request it receives."""
    times: list[float] = []
    inner = srv.app

    def app(req: Request) -> Reply:
        times.append(clock.now())
        return inner(req)

    srv.app = app
    return times


def test_a_page_of_another_channel_on_a_rerun_marks_nothing_deleted(con, tmp_path):
    web = TelegramWeb()
    web.add_channel("rt_chan", 25)
    clock = SimulatedClock(start=START)
    track(con, tmp_path, ["rt_chan"], "telegram")
    with LocalServer(web) as srv:
        first, _ = collect(con, srv.url, clock)
        assert first.platforms[0].posts_new == 25
        clock.advance(86_400)
        flood = newest(web).replace('data-post="rt_chan/', 'data-post="evil_chan/').encode()
        srv.inject(Reply(200, flood, HTML), match=lambda r: r.path == "/s/rt_chan")
        second, _ = collect(con, srv.url, clock)
    assert second.platforms[0].deleted == 0  # was 19: every message the page hid, judged deleted
    assert con.execute("SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL").fetchone()[0] == 0
    assert "belongs to another channel than @rt_chan" in second.skipped[0].reason
    assert con.execute("SELECT count(*) FROM posts WHERE author_id <> 'handle:rt_chan'").fetchone()[0] == 0


def test_redirects_off_host_are_not_followed_loops_are_cut_and_another_channels_profile_is_refused(con, tmp_path):
    web = TelegramWeb()
    for name in ("rt_chan", "rt_loop", "rt_named", "evil_chan"):
        web.add_channel(name, 3)
    evil_web = TelegramWeb()
    evil_web.add_channel("rt_chan", 3, first_id=1000)
    clock = SimulatedClock(start=START)
    track(con, tmp_path, ["rt_chan", "rt_loop", "rt_named"], "telegram")
    with LocalServer(web) as srv, LocalServer(evil_web) as evil:
        times = served_at(srv, clock)
        evils = web.profile_page(web.channels["evil_chan"])
        srv.inject(Reply(200, evils, HTML), match=lambda r: r.path == "/rt_named")
        srv.inject(Reply(302, b"", {"Location": evil.url + "/s/rt_chan"}), match=lambda r: r.path == "/s/rt_chan")
        loop = Reply(302, b"", {"Location": "/s/rt_loop?again=1"})
        srv.inject(loop, match=lambda r: r.path == "/s/rt_loop", times=50)
        report, _ = collect(con, srv.url, clock)
        looped = sum(r.path == "/s/rt_loop" for r in srv.requests)
    assert evil.requests == []  # was followed: evil's 3 messages stored as rt_chan's
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    reasons = sorted(s.reason for s in report.skipped)
    assert reasons[0].startswith("Telegram redirected to another host (127.0.0.1): not followed")
    assert reasons[1] == "Telegram: TooManyRedirects"
    # rt_named's profile page is evil_chan's: was a "renamed" event to handle:evil_chan, and its posts
    assert reasons[2].startswith("lookup failed: the page asked for @rt_named is @evil_chan's")
    assert report.platforms[0].events == []
    assert con.execute("SELECT count(*) FROM accounts WHERE user_id = 'handle:evil_chan'").fetchone()[0] == 0
    assert looped == 4  # the request and 3 hops (was 21)
    assert all(b - a >= THROTTLE for a, b in zip(times, times[1:], strict=False))  # every hop throttled


def test_every_request_is_throttled_retries_included_and_a_mirror_under_a_path_works(con, tmp_path):
    web = TelegramWeb()
    web.add_channel("rt_chan", 25)
    clock = SimulatedClock(start=START)
    track(con, tmp_path, ["rt_chan", "rt_gone"], "telegram")

    busy = [2]  # the first preview answers 503 twice (in the app: faults bypass served_at)

    def under_mirror(req: Request) -> Reply:
        if req.path == "/mirror/s/rt_chan" and busy[0]:
            busy[0] -= 1
            return Reply(503, b"busy")
        if not req.path.startswith("/mirror/"):
            return Reply(404, b"not here", HTML)
        reply = web(dataclasses.replace(req, path=req.path.removeprefix("/mirror")))
        if "Location" in reply.headers:
            reply = dataclasses.replace(reply, headers={"Location": "/mirror" + reply.headers["Location"]})
        return reply

    with LocalServer(under_mirror) as srv:
        times = served_at(srv, clock)
        # rt_gone's profile page, then (the preview redirects there) the same page a moment later, changed
        gone = web(Request("GET", "/rt_gone", {}, {})).body
        srv.inject(
            Reply(200, gone.replace(b"</html>", b"</html><!-- a -->"), HTML), match=lambda r: "rt_gone" in r.path
        )
        report, _ = collect(con, srv.url + "/mirror", clock)
    assert report.skipped == [] and report.platforms[0].posts_new == 25  # was: every preview "redirects"
    assert len(times) == 7  # 2 lookups (1 a fault), rt_gone's confirming preview and its redirect, 2 503s, 2 pages
    assert all(b - a >= THROTTLE for a, b in zip(times, times[1:], strict=False))  # 503 retries too
    # the preview that confirmed rt_gone missing is kept, as every page read (it was not)
    kept = [r[0] for r in con.execute("SELECT file FROM raw_payloads WHERE file LIKE '%rt_gone'").fetchall()]
    assert len(kept) == 2
    events = {e["handle"]: e["event"] for e in report.platforms[0].events}
    assert events == {"rt_gone": "not_found"}


def test_an_absurd_view_count_is_missing_and_a_server_that_does_not_page_back_is_noted(con, tmp_path):
    web = TelegramWeb()
    ch = web.add_channel("rt_chan", 25)
    ch.messages[25].block = re.sub(
        r'(<span class="tgme_widget_message_views">)[^<]*', r"\g<1>99999999999999999999B", ch.messages[25].block
    )
    track(con, tmp_path, ["rt_chan"], "telegram")
    with LocalServer(web) as srv:
        newest_page = web.preview(ch, None)
        srv.inject(Reply(200, newest_page, HTML), match=lambda r: r.arg("before") is not None)
        report, notes = collect(con, srv.url)
    assert report.status == "ok"  # was an OverflowError that ended the run
    assert con.execute("SELECT view_count FROM posts WHERE post_id = 'rt_chan/25'").fetchone() == (None,)
    assert len(notes) == 1 and "asked for messages before 6, the page shows none (its oldest is 6)" in notes[0]
    assert notes[0].startswith("Telegram: ") and "/s/rt_chan?before=6" in notes[0]
