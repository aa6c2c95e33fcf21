"""Deleted posts on quiet accounts: every sweep re-reads at least the newest page of every account,
and a post that vanished from a page that was re-read is marked deleted, whatever its age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apiservers import LocalServer, XApi
from helpers import collect, track, x_settings

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import Settings, load_settings
from diplotrack.errors import UsageError

NEWEST = datetime(2026, 11, 1, tzinfo=UTC)  # XApi's newest simulated post
UID = "9000000000"


def _deleted(con) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in con.execute("SELECT post_id FROM posts WHERE deleted_at IS NOT NULL").fetchall()}


def test_a_quiet_account_still_gets_its_newest_page_checked_for_deletions(con, tmp_path):
    # the account has not posted for three days: nothing is younger than the 2-day recheck window
    clock = SimulatedClock(start=(NEWEST + timedelta(days=3)).timestamp())
    api = XApi(2, 230)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000", "acct0001"])
        collect(con, x_settings(srv.url), clock=clock)
        timeline = api.timelines[UID]
        recent, edge, old = timeline[5]["id"], timeline[98]["id"], timeline[150]["id"]
        for post in (recent, edge, old):
            api.delete_post(UID, post)
        clock.advance(86400)
        srv.requests.clear()
        report = collect(con, x_settings(srv.url), clock=clock)
        asked = [r for r in srv.requests if r.path.endswith("/tweets")]
    # still one request per account: the newest page, re-read
    assert len(asked) == 2
    # posts 5 and 98 were on the re-read page (the newest 100 stored, the 100th being its bound):
    # gone, whatever their age (four days and more); post 150 was not re-read: not judged
    assert _deleted(con) == {recent, edge}
    assert report.platforms[0].deleted == 2
    assert asked[0].arg("since_id") == timeline[99]["id"]  # the 100th newest stored post bounds the page


def test_an_account_with_fewer_posts_than_a_page_is_reread_whole(con, tmp_path):
    clock = SimulatedClock(start=(NEWEST + timedelta(days=30)).timestamp())
    api = XApi(1, 12)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000"])
        collect(con, x_settings(srv.url), clock=clock)
        gone = api.timelines[UID][10]["id"]  # the second oldest: only the oldest bounds the page
        api.delete_post(UID, gone)
        clock.advance(86400)
        srv.requests.clear()
        collect(con, x_settings(srv.url), clock=clock)
        asked = [r for r in srv.requests if r.path.endswith("/tweets")]
    assert len(asked) == 1
    assert _deleted(con) == {gone}


def test_the_number_of_posts_reread_on_x_is_a_setting_that_bounds_the_cost(con, tmp_path):
    # X charges per post returned: [x] reread_posts lowers what the deletion check re-reads
    clock = SimulatedClock(start=(NEWEST + timedelta(days=3)).timestamp())
    api = XApi(1, 230)
    settings = Settings(**{**x_settings("").__dict__, "x_reread_posts": 10})
    with LocalServer(api) as srv:
        settings = Settings(**{**settings.__dict__, "x_base": srv.url})
        track(con, tmp_path, ["acct0000"])
        collect(con, settings, clock=clock)
        timeline = api.timelines[UID]
        inside, outside = timeline[3]["id"], timeline[20]["id"]
        api.delete_post(UID, inside)
        api.delete_post(UID, outside)
        clock.advance(86400)
        srv.requests.clear()
        collect(con, settings, clock=clock)
        asked = [r for r in srv.requests if r.path.endswith("/tweets")]
    assert asked[0].arg("since_id") == timeline[9]["id"]  # the 10th newest stored post bounds the page
    assert _deleted(con) == {inside}


@pytest.mark.parametrize("value", ["-1", "3201", "2.5", "'many'"])
def test_a_bad_reread_setting_is_refused_with_its_range(tmp_path, value):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[x]\nreread_posts = {value}\n")
    with pytest.raises(UsageError, match="reread_posts"):
        load_settings({"DIPLOTRACK_CONFIG": str(cfg)})


def test_the_reread_setting_is_read_from_the_config_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[x]\nreread_posts = 0\n")
    assert load_settings({"DIPLOTRACK_CONFIG": str(cfg)}).x_reread_posts == 0
    assert load_settings({}).x_reread_posts == 100
