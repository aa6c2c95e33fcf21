"""Collecting Telegram channels from their web preview, served on 127.0.0.1 by ``TelegramWeb``
(the real t.me pages' markup, tests/fixtures/telegram), on a simulated clock: the throttle and
the 429 waits jump the clock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from apiservers import LocalServer, Reply
from helpers import FAST_HTTP, collect, track
from telegram_server import FIX, TelegramWeb

from diplotrack.analyses.amplification import amplified_accounts
from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import HttpSettings, Settings

THROTTLE = 2.0
START = datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp()  # the channels' newest message: 2026-11-30 12:00


HTTP = HttpSettings(
    timeout=0.25, retries=4, backoff_initial=FAST_HTTP.backoff_initial, backoff_max=FAST_HTTP.backoff_max
)
TRACKED = ["mfa_test", "embassy_test", "OtherNews", "builtnews", "closedchannel", "someuser", "blockedchan"]


def settings(base: str) -> Settings:
    return Settings(http=HTTP, telegram_base=base, telegram_throttle=THROTTLE)


def one(con, sql: str, params: list | None = None):  # type: ignore[no-untyped-def]
    return con.execute(sql, params or []).fetchone()


@pytest.fixture(scope="module")
def run(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    """Three runs over one store: the first with faults, an incremental one after new, edited and
    deleted messages, and one that meets changed markup after a deletion and a channel gone private."""
    tmp = tmp_path_factory.mktemp("telegram")
    con = new_store(tmp / "s.duckdb")
    web = TelegramWeb()
    web.add_channel("mfa_test", 25, subscribers=11_286_994, title="MFA Test")
    web.add_channel("Embassy_Test", 25, subscribers=2_048)
    web.add_channel("OtherNews", 3)
    web.add_channel("builtnews", 0)  # its profile page; its preview is the built page
    web.serve("/s/builtnews", "built-forward.html")
    web.serve("/someuser", "built-user-profile.html")
    web.serve("/blockedchan", "built-restricted-profile.html")
    clock = SimulatedClock(start=START)
    out: dict = {"con": con, "web": web, "clock": clock}
    with LocalServer(web) as srv:
        out["srv"] = srv
        track(con, tmp, TRACKED, "telegram")
        first_preview = lambda r: r.path == "/s/mfa_test" and "before" not in r.query  # noqa: E731
        srv.inject(Reply(429, b"slow down", {"Retry-After": "30"}), match=first_preview)
        srv.inject(Reply(503, b"busy"), match=first_preview)
        older = lambda r: r.path == "/s/mfa_test" and r.arg("before") == "6"  # noqa: E731
        srv.inject(Reply(200, b"", delay=0.3), match=older)  # longer than the client's timeout
        srv.inject(Reply(200, web.preview(web.channels["mfa_test"], 6), truncate=True), match=older)
        full = web.preview(web.channels["embassy_test"], 6)
        whole_but_cut = full[: len(full) // 2]
        srv.inject(Reply(200, whole_but_cut), match=lambda r: r.path == "/s/embassy_test" and r.arg("before") == "6")
        out["first"] = collect(con, settings(srv.url), platform="telegram", clock=clock)
        out["first_requests"] = list(srv.requests)
        out["first_posts"] = dict(
            con.execute("SELECT author_id, count(*) FROM posts WHERE platform = 'telegram' GROUP BY 1").fetchall()
        )
        out["first_open"] = one(con, "SELECT count(*) FROM collection_cursors WHERE sweep_open")[0]
        two = ["mfa_test", "embassy_test"]

        srv.requests.clear()
        clock.advance(86_400)
        at = datetime.fromtimestamp(clock.now() - 3600, UTC)
        out["new_ids"] = web.extend("mfa_test", 3, at)
        web.edit("mfa_test", 24, "Statement, corrected: the talks resume on Monday.")
        web.delete("mfa_test", 23)
        out["second"] = collect(con, settings(srv.url), platform="telegram", clock=clock, accounts=two)
        out["second_requests"] = list(srv.requests)
        out["second_deleted"] = [
            r[0] for r in con.execute("SELECT post_id FROM posts WHERE deleted_at IS NOT NULL ORDER BY 1").fetchall()
        ]

        clock.advance(3600)
        srv.inject(
            Reply(200, (FIX / "built-changed-markup.html").read_bytes()), match=lambda r: r.path == "/s/mfa_test"
        )
        web.delete("mfa_test", 22)
        web.hide("embassy_test")
        out["third"] = collect(con, settings(srv.url), platform="telegram", clock=clock, accounts=two)
    yield out
    con.close()


def test_the_first_run_collects_posts_and_exact_subscriber_counts_through_every_fault(run):
    con, tg = run["con"], run["first"].platforms[0]
    assert (tg.accounts, tg.reachable) == (7, 4)  # closedchannel, someuser and blockedchan are not
    # mfa_test whole (2 pages, through a 429, a 503, a timeout and a body cut short mid-transfer);
    # embassy_test's second page arrived whole but cut short: skipped, its first page kept
    posts = run["first_posts"]
    assert posts == {"handle:mfa_test": 25, "handle:embassy_test": 20, "handle:othernews": 3, "handle:builtnews": 6}
    snap = one(con, "SELECT followers, display_name, handle FROM profile_snapshots WHERE user_id = 'handle:mfa_test'")
    assert snap == (11_286_994, "MFA Test", "mfa_test")  # the profile page's count; the preview says 11.3M
    assert one(con, "SELECT user_id FROM accounts WHERE handle = 'embassy_test'") == ("handle:embassy_test",)
    skips = [s for s in run["first"].skipped]
    assert len(skips) == 1 and skips[0].file.endswith("/s/embassy_test?before=6")
    assert "the page was cut short (" in skips[0].reason and "bytes, no closing </html>)" in skips[0].reason
    assert "kept as raw payload" in skips[0].reason
    assert run["first_open"] == 1  # embassy_test's sweep, open at its failed page


def test_missing_private_and_user_names_are_status_events_saying_why(run):
    events = {e["handle"]: e for e in run["first"].platforms[0].events}
    assert set(events) == {"closedchannel", "someuser", "blockedchan"}
    assert events["closedchannel"]["event"] == "not_found"
    # a channel Telegram restricts: suspended, with Telegram's notice; its preview is not asked
    assert events["blockedchan"]["event"] == "suspended"
    assert events["blockedchan"]["detail"].startswith(
        "Telegram restricts @blockedchan: its page says \"This channel can't be displayed because it violated"
    )
    assert [r.path for r in run["first_requests"] if "blockedchan" in r.path] == ["/blockedchan"]
    stored = one(run["con"], "SELECT event, detail FROM account_events WHERE user_id = 'handle:blockedchan'")
    assert stored == ("suspended", events["blockedchan"]["detail"])  # the notice is kept, not only printed
    assert events["closedchannel"]["detail"].startswith("no public Telegram channel @closedchannel: it does not exist")
    assert "is a Telegram user, bot or group, not a channel (its page says '@someuser')" in events["someuser"]["detail"]
    # the missing name was confirmed by its preview (which redirects to the profile page), not judged
    # from one profile page
    asked = [r.path for r in run["first_requests"] if "closedchannel" in r.path]
    assert asked == ["/closedchannel", "/s/closedchannel", "/closedchannel"]
    third = {e["handle"]: e["event"] for e in run["third"].platforms[0].events}
    assert third == {"embassy_test": "not_found"}  # it went private


def test_requests_are_throttled_and_a_429_waits_for_its_retry_after_on_the_clock(run):
    tg = run["first"].platforms[0]
    waits = [w for w in run["first"].waits if w[2] == "rate limit"]
    assert waits == [("Telegram", 30.0, "rate limit")]
    assert tg.meter.waits >= 1 and tg.meter.errors == 1  # the whole-but-cut page
    # every request after the first waited out the throttle (retries and the 429 wait spend it too)
    sent = len(run["first_requests"])
    assert run["clock"].slept >= 30 + THROTTLE * (sent - 1) * 0.5
    assert sent < 30


def test_a_second_run_is_incremental_and_records_the_edit_and_the_deletion(run):
    con, tg = run["con"], run["second"].platforms[0]
    reqs = run["second_requests"]
    # the newest page, and the next one down to the bound: the oldest of the newest 20 stored posts
    assert [r.arg("before") for r in previews_of(reqs, "mfa_test")] == [None, "8"]
    assert [r.arg("before") for r in previews_of(reqs, "embassy_test")] == ["6"]  # the open sweep resumes
    assert tg.posts_new == 3 + 5 and tg.deleted == 1
    assert one(con, "SELECT count(*) - count(DISTINCT post_id) FROM posts")[0] == 0
    edit = one(con, "SELECT old_text, new_text, run_id FROM post_edits WHERE post_id = 'mfa_test/24'")
    assert edit[1] == "Statement, corrected: the talks resume on Monday." and edit[0] != edit[1]
    assert edit[2] == run["second"].run_id
    assert one(con, "SELECT text FROM posts WHERE post_id = 'mfa_test/24'")[0] == edit[1]
    assert run["second_deleted"] == ["mfa_test/23"]
    assert one(con, "SELECT count(*) FROM collection_cursors WHERE sweep_open")[0] == 0


def test_changed_markup_is_skipped_with_its_reason_and_judges_no_deletion(run):
    con, third = run["con"], run["third"]
    reasons = [s.reason for s in third.skipped]
    assert any("changed markup: the message history has content but no message block" in r for r in reasons)
    # mfa_test/22 was deleted, but the page that would show it could not be read: nothing judged
    assert third.platforms[0].deleted == 0
    assert one(con, "SELECT deleted_at FROM posts WHERE post_id = 'mfa_test/22'") == (None,)
    assert one(con, "SELECT count(*) FROM post_edits")[0] == 1  # re-reading an edit records it once


def test_collected_forwards_meet_the_roster_in_the_amplification_analysis(run):
    """The channels' keys (``handle:<lower username>``) are the roster's: a forward from a tracked
    channel is amplification of that tracked account, a mention of one too."""
    t = tables_from_duckdb(run["con"])
    amp = amplified_accounts(t, Filters(platforms=("telegram",))).to_pandas()
    rows = {
        (r.handle, r.relation, r.target_key): (r.target_handle, bool(r.target_tracked), int(r.count))
        for r in amp.itertuples()
    }
    assert rows[("builtnews", "repost", "handle:othernews")] == ("OtherNews", True, 1)
    assert rows[("builtnews", "mention", "handle:othernews")] == ("OtherNews", True, 1)
    assert rows[("builtnews", "repost", "handle:some_user")][1] is False  # a user: not in the roster


def previews_of(requests: list, name: str) -> list:
    return [r for r in requests if r.path == f"/s/{name}"]
