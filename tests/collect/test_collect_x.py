"""Collecting from X through a real HTTP server on 127.0.0.1 that answers like the X API v2."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from apiservers import LocalServer, Reply, XApi
from helpers import collect, track, x_settings

from diplotrack.collect.errors import AuthError


def _posts(con) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in con.execute("SELECT post_id FROM posts WHERE platform = 'x'").fetchall()}


def _own(api: XApi, *uids: str) -> set[str]:
    """The ids of the posts on these accounts' timelines (all accounts when none is named)."""
    return {t["id"] for uid, tl in api.timelines.items() if not uids or uid in uids for t in tl}


def _timeline_requests(srv: LocalServer) -> list:
    return [r for r in srv.requests if r.path.endswith("/tweets")]


@pytest.fixture
def api():
    return XApi(4, 230)


@pytest.fixture
def server(api):
    with LocalServer(api) as srv:
        yield srv


def test_first_run_collects_every_post_and_profile_then_a_rerun_asks_one_page_per_account(con, tmp_path, api, server):
    track(con, tmp_path, [f"acct{i:04d}" for i in range(4)] + ["nobody_here"])
    link = {"url": "https://t.co/FxGov", "expanded_url": "https://t.me/example_fixture", "start": 0, "end": 18}
    api.users["9000000000"].update(
        verified_type="government",
        affiliation={"description": "Example Ministry (fixture)"},
        url=link["url"],
        entities={"url": {"urls": [link]}},
    )
    report = collect(con, x_settings(server.url))
    own = _own(api)
    assert own <= _posts(con)
    assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
    # 230 posts a timeline at 100 a page: 3 pages per account, plus one lookup by handle
    assert len(_timeline_requests(server)) == 4 * 3
    x = report.platforms[0]
    assert (x.accounts, x.reachable, x.swept, x.status) == (5, 4, 4, "ok")
    assert x.meter.requests == 13
    ids = dict(con.execute("SELECT handle, user_id FROM accounts").fetchall())
    assert ids["acct0002"] == "9000000002" and ids["nobody_here"] is None
    assert con.execute("SELECT event FROM account_events").fetchall() == [("not_found",)]
    run = con.execute("SELECT status, accounts, requests, items, estimated_cost FROM collection_runs").fetchone()
    assert run[:3] == ("ok", 5, 13)
    assert run[3] == x.meter.items and run[4] == pytest.approx(x.meter.cost)
    snaps = con.execute("SELECT count(*) FROM profile_snapshots WHERE user_id LIKE '9000%'").fetchone()[0]
    assert snaps == 4
    # the lookup asks for the platform's labels and the profile link, and they reach the store
    (lookup,) = [r for r in server.requests if r.path == "/2/users/by"]
    assert {"verified_type", "affiliation", "url", "entities"} <= set((lookup.arg("user.fields") or "").split(","))
    sql = "SELECT user_id, verified_type, affiliation, url FROM profile_snapshots WHERE user_id LIKE '9000%'"
    got = {uid: rest for uid, *rest in con.execute(sql).fetchall()}
    assert got["9000000000"] == ["government", "Example Ministry (fixture)", "https://t.me/example_fixture"]
    links = {uid: (((u.get("entities") or {}).get("url") or {}).get("urls") or [{}])[0] for uid, u in api.users.items()}
    for uid in ("9000000001", "9000000002", "9000000003"):
        assert got[uid] == [None, None, links[uid].get("expanded_url")]

    server.requests.clear()
    again = collect(con, x_settings(server.url))
    assert len(_timeline_requests(server)) == 4  # one per account when nothing is new
    assert again.platforms[0].posts_new == 0
    # the second lookup goes by id (stable), the unknown handle still by name
    paths = sorted(r.path for r in server.requests if not r.path.endswith("/tweets"))
    assert paths == ["/2/users", "/2/users/by"]


def test_new_and_deleted_posts_are_noticed_in_the_recheck_window(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000", "acct0001"])
    collect(con, x_settings(server.url))
    uid = "9000000000"
    gone = api.timelines[uid][3]["id"]
    # the oldest post: once gone, nothing older is shown, so no sweep can tell it from the end of
    # the timeline (X shows the newest 3,200): it is not judged
    old = api.timelines[uid][-1]["id"]
    api.delete_post(uid, gone)
    api.delete_post(uid, old)
    newest_time = api.timelines[uid][0]["created_at"]
    from diplotrack.importers.base import parse_time

    fresh = api.add_post(uid, "a new post", parse_time(newest_time) + timedelta(hours=1))
    # a recheck window reaching back past every simulated post re-reads the whole timeline
    report = collect(con, x_settings(server.url), recheck=timedelta(days=3650))
    deleted = dict(con.execute("SELECT post_id, deleted_at FROM posts WHERE deleted_at IS NOT NULL").fetchall())
    assert gone in deleted and fresh in _posts(con)
    assert old not in deleted
    assert report.platforms[0].deleted == 1
    # the other account's posts are all still there: none marked
    assert not con.execute(
        "SELECT count(*) FROM posts WHERE author_id = '9000000001' AND deleted_at IS NOT NULL"
    ).fetchone()[0]
    # with the default 2-day window the newest page (100 posts) is re-read, however old: a post
    # deleted from it is noticed; one older than the page is not judged
    on_page, past_page = api.timelines[uid][10]["id"], api.timelines[uid][150]["id"]
    bound = api.timelines[uid][99]["id"]
    api.delete_post(uid, on_page)
    api.delete_post(uid, past_page)
    server.requests.clear()
    collect(con, x_settings(server.url))
    now_deleted = {r[0] for r in con.execute("SELECT post_id FROM posts WHERE deleted_at IS NOT NULL").fetchall()}
    assert now_deleted == set(deleted) | {on_page}
    asked = _timeline_requests(server)
    assert len(asked) == 2 and asked[0].arg("since_id") == bound  # one page an account


def test_status_changes_suspension_and_rename_follow_the_stable_id(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000", "acct0001", "acct0002"])
    collect(con, x_settings(server.url))
    api.suspended.add("9000000001")
    api.renamed["9000000002"] = "acct_renamed"
    report = collect(con, x_settings(server.url))
    events = {(e["handle"], e["event"]) for e in report.platforms[0].events}
    assert events == {("acct0001", "suspended"), ("acct0002", "renamed")}
    rows = con.execute("SELECT user_id, event, old_value, new_value FROM account_events ORDER BY user_id").fetchall()
    assert rows == [
        ("9000000001", "suspended", "active", "suspended"),
        ("9000000002", "renamed", "acct0002", "acct_renamed"),
    ]
    status = con.execute(
        "SELECT status FROM profile_snapshots WHERE user_id = '9000000001' ORDER BY observed_at DESC LIMIT 1"
    ).fetchone()[0]
    assert status == "suspended"
    # the renamed account is still collected under its id; the suspended one is not swept
    assert report.platforms[0].swept == 2
    api.suspended.clear()
    back = collect(con, x_settings(server.url))
    assert {(e["handle"], e["event"]) for e in back.platforms[0].events} == {("acct0001", "reinstated")}


def test_rate_limit_429_with_reset_header_is_waited_out_and_shown(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    reset = str(int(time.time()) + 2)
    server.inject(
        Reply.json({"title": "Too Many Requests"}, 429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}),
        match=lambda r: r.path.endswith("/tweets"),
    )
    t0 = time.time()
    report = collect(con, x_settings(server.url))
    assert time.time() - t0 >= 0.9  # it waited for the reset (at least the rest of this second)
    assert report.platforms[0].meter.waits >= 1
    assert any(reason == "rate limit" for _, _, reason in report.waits)
    assert _own(api, "9000000000") <= _posts(con)


def test_a_spent_bucket_is_waited_for_before_asking(con, tmp_path):
    from diplotrack.collect.clock import SimulatedClock

    clock = SimulatedClock()
    api = XApi(3, 250, clock=clock.now, rate_limit=(4, 900))
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000", "acct0001", "acct0002"])
        report = collect(con, x_settings(srv.url), clock=clock)
    assert api.limiter.rejected == 0  # never a 429: the collector waited when remaining hit 0
    assert report.platforms[0].meter.waits == 2  # 9 timeline pages at 4 per 15 minutes
    assert clock.slept == pytest.approx(2 * 900, abs=5)
    assert _own(api) <= _posts(con)


@pytest.mark.parametrize(
    "fault",
    [
        Reply.json({"title": "Internal"}, 500),
        Reply(503, b"Service Unavailable"),
        Reply(200, b'{"data": []}', delay=1.0),  # slower than the 0.5 s timeout
        Reply(200, b'{"data": [{"id": "1", "text": "cut"}, {"id": "2", "text": "short"}]}', truncate=True),
    ],
    ids=["500", "503", "timeout", "truncated-transfer"],
)
def test_transient_faults_are_retried(con, tmp_path, api, server, fault):
    track(con, tmp_path, ["acct0000"])
    server.inject(fault, match=lambda r: r.path.endswith("/tweets"), times=2)
    report = collect(con, x_settings(server.url))
    assert report.platforms[0].meter.errors == 0
    assert report.platforms[0].swept == 1
    assert _own(api, "9000000000") <= _posts(con)
    assert report.platforms[0].meter.requests == 1 + 3 + 2  # lookup, 3 pages, 2 retried attempts


def test_retries_give_up_after_the_limit_and_the_next_run_resumes(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    server.inject(Reply(502, b"bad gateway"), match=lambda r: r.arg("pagination_token") == "tok100", times=4)
    first = collect(con, x_settings(server.url))
    assert first.platforms[0].meter.errors == 1 and first.platforms[0].status == "partial"
    reasons = con.execute("SELECT file, reason FROM run_skips").fetchall()
    assert len(reasons) == 1 and "pagination_token=tok100" in reasons[0][0] and "502" in reasons[0][1]
    assert con.execute("SELECT sweep_open, sweep_cursor FROM collection_cursors").fetchone() == (True, "tok100")
    second = collect(con, x_settings(server.url))
    assert second.platforms[0].swept == 1
    assert {t["id"] for t in api.timelines["9000000000"]} <= _posts(con)


def test_a_malformed_page_is_recorded_with_its_url_and_raw_bytes_then_collected_next_time(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    bad = b'{"data": [{"id": "15", "text": "half'
    server.inject(
        Reply(200, bad, {"Content-Type": "application/json"}), match=lambda r: r.path.endswith("/tweets"), times=1
    )
    report = collect(con, x_settings(server.url))
    skip = con.execute("SELECT file, reason FROM run_skips").fetchone()
    assert "/2/users/9000000000/tweets" in skip[0] and "truncated JSON" in skip[1]
    raw_id = skip[1].rsplit(" ", 1)[-1]
    from diplotrack.store.raw import load_raw

    assert load_raw(con, raw_id) == bad
    assert report.platforms[0].meter.errors == 1
    collect(con, x_settings(server.url))
    assert {t["id"] for t in api.timelines["9000000000"]} <= _posts(con)


def test_401_is_a_clear_error_naming_the_setting_not_the_token(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    report = collect(con, x_settings(server.url, token="sk-wrong-token-123"))
    x = report.platforms[0]
    assert x.status == "failed"
    assert "DIPLOTRACK_X_BEARER_TOKEN" in x.error and "401" in x.error
    assert "sk-wrong-token-123" not in x.error
    assert con.execute("SELECT status, stop_reason FROM collection_runs").fetchone()[0] == "failed"


def test_auth_error_type_is_not_transient():
    assert AuthError("x").transient is False


def test_budget_stops_before_it_could_be_exceeded_and_the_next_run_goes_on(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000", "acct0001"])
    report = collect(con, x_settings(server.url), budget=5.0)
    assert report.status == "budget"
    spent = report.platforms[0].meter.cost
    assert 0 < spent <= 5.0
    row = con.execute("SELECT status, estimated_cost, budget FROM collection_runs").fetchone()
    assert row[0] == "budget" and row[1] == pytest.approx(spent) and row[2] == 5.0
    # small pages near the end of the budget: max_results shrinks instead of overspending
    sizes = [int(r.arg("max_results")) for r in _timeline_requests(server)]
    assert sizes[0] == 100 and min(sizes) < 100
    for _ in range(20):
        if collect(con, x_settings(server.url), budget=5.0).status == "ok":
            break
    assert _own(api, "9000000000", "9000000001") <= _posts(con)
    assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0


def test_max_pages_leaves_the_sweep_open_and_the_next_run_resumes_from_its_cursor(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    collect(con, x_settings(server.url), max_pages=1)
    assert con.execute("SELECT sweep_open, sweep_cursor, sweep_pages FROM collection_cursors").fetchone() == (
        True,
        "tok100",
        1,
    )
    server.requests.clear()
    collect(con, x_settings(server.url))
    tokens = [r.arg("pagination_token") for r in _timeline_requests(server)]
    assert tokens == ["tok100", "tok200"]
    assert {t["id"] for t in api.timelines["9000000000"]} <= _posts(con)
    assert con.execute("SELECT sweep_open FROM collection_cursors").fetchone()[0] is False


def test_a_post_marked_deleted_that_shows_up_again_loses_the_mark(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    collect(con, x_settings(server.url))
    uid = "9000000000"
    post = api.timelines[uid][5]
    api.delete_post(uid, post["id"])
    collect(con, x_settings(server.url), recheck=timedelta(days=3650))
    marked = "SELECT deleted_at IS NOT NULL FROM posts WHERE post_id = ?"
    assert con.execute(marked, [post["id"]]).fetchone()[0] is True
    api.timelines[uid].insert(5, post)  # it was hidden, not deleted (or the platform restored it)
    collect(con, x_settings(server.url), recheck=timedelta(days=3650))
    assert con.execute(marked, [post["id"]]).fetchone()[0] is False


def test_a_page_failing_three_runs_in_a_row_gives_its_sweep_up(con, tmp_path, api, server):
    track(con, tmp_path, ["acct0000"])
    bad = Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})
    is_bad = lambda r: r.arg("pagination_token") == "tok100"  # noqa: E731
    server.inject(bad, match=is_bad, times=100)
    states = []
    for _ in range(3):
        collect(con, x_settings(server.url))
        states.append(con.execute("SELECT sweep_open, sweep_failures FROM collection_cursors").fetchone())
    assert states == [(True, 1), (True, 2), (False, 0)]  # the third failure gives the sweep up
    reasons = [r[0] for r in con.execute("SELECT reason FROM run_skips ORDER BY run_id").fetchall()]
    assert "the sweep is given up" in reasons[-1]
    # the account is not stuck: new posts are collected by the next sweep, from the high-water mark
    server.faults.clear()
    from diplotrack.importers.base import parse_time

    newest = parse_time(api.timelines["9000000000"][0]["created_at"])
    fresh = api.add_post("9000000000", "news", newest + timedelta(hours=1))
    collect(con, x_settings(server.url))
    assert fresh in _posts(con)
    assert not con.execute("SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL").fetchone()[0]
