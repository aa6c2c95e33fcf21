"""Collecting from YouTube through the real CLI and engine, against a local YouTube on 127.0.0.1
(youtube_server.py): the feed without a key, the Data API with two keys, quota, faults, a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apiservers import LocalServer, Reply
from helpers import FAST_HTTP, collect, track
from typer.testing import CliRunner
from youtube_server import YouTubeApi, channel_id

from diplotrack.cli.main import app
from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import HttpSettings, Settings, load_settings
from diplotrack.store.db import open_store

KEY1, KEY2 = "key-one-SECRET", "key-two-SECRET"
HANDLES = ["chan000", f"https://www.youtube.com/channel/{channel_id(1)}"]


def _env(tmp_path: Path, srv: LocalServer, keys: str = "", config: str = "") -> dict[str, str]:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[http]\ntimeout = 2\nretries = 2\nbackoff_initial = 0.01\nbackoff_max = 0.02\n" + config)
    env = {
        "DIPLOTRACK_CONFIG": str(cfg),
        "DIPLOTRACK_YOUTUBE_API_BASE": srv.url + "/youtube/v3",
        "DIPLOTRACK_YOUTUBE_WEB_BASE": srv.url,
        "DIPLOTRACK_YOUTUBE_API_KEYS": keys,
    }
    return env


def _settings(env: dict[str, str], http: HttpSettings = FAST_HTTP) -> Settings:
    return Settings(**{**load_settings(env).__dict__, "http": http})


def _cli(db: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", str(db), "collect", "--platform", "youtube", *args], env=env)
    return result.exit_code, result.output


def _posts(con) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    rows = con.execute("SELECT post_id, view_count, like_count, reply_count, deleted_at FROM posts").fetchall()
    return {r[0]: r[1:] for r in rows}


def _store(tmp_path: Path, new_store) -> Path:  # type: ignore[no-untyped-def]
    db = tmp_path / "s.duckdb"
    con = new_store(db)
    track(con, tmp_path, HANDLES, platform="youtube")
    con.close()
    return db


def _everything_text(con) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table as text (each row cast whole), and every raw payload decompressed."""
    from diplotrack.store.raw import decompress

    tables = con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()
    parts = [str(r[0]) for (t,) in tables for r in con.execute(f'SELECT "{t}"::VARCHAR FROM "{t}"').fetchall()]
    parts += [
        decompress(b).decode("utf-8", "replace") for (b,) in con.execute("SELECT payload FROM raw_payloads").fetchall()
    ]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def server():
    with LocalServer(YouTubeApi(0, 0)) as srv:  # one server: stopping one takes up to half a second
        yield srv


@pytest.fixture
def api(server):
    """Two channels: 60 uploads (two pages) and 20 (one), on the module's server."""
    app = YouTubeApi(2, [60, 20])
    server.app, server.requests[:], server.faults[:] = app, [], []
    return app


def test_without_a_key_the_cli_reads_each_feed_resolving_a_handle_once(tmp_path, new_store, server, api):
    db = _store(tmp_path, new_store)
    env = _env(tmp_path, server)
    code, out = _cli(db, env)
    assert code == 0, out
    con = open_store(db)
    try:
        posts = _posts(con)
        newest = {v["id"] for cid in api.videos for v in api.videos[cid][:15]}
        assert set(posts) == newest and len(posts) == 30  # the feed: the 15 newest of each channel
        assert all(views is not None for views, *_ in posts.values())
        assert all(replies is None for *_, replies, _ in posts.values())  # the feed counts no comments
        ids = dict(con.execute("SELECT handle, user_id FROM accounts").fetchall())
        assert ids == {"chan000": channel_id(0), channel_id(1): channel_id(1)}
        snap = con.execute("SELECT followers, posts_count FROM profile_snapshots WHERE user_id = ?", [channel_id(0)])
        assert snap.fetchall() == [(None, None)]  # no subscriber count in a feed
        fmts = {r[0] for r in con.execute("SELECT DISTINCT format FROM raw_payloads").fetchall()}
        assert fmts == {"youtube-feed", "youtube-html"}
        server.requests.clear()
        assert collect(con, _settings(env), platform="youtube").platforms[0].posts_new == 0
        assert sorted(r.path for r in server.requests) == ["/feeds/videos.xml"] * 2  # the handle is known now
        assert con.execute("SELECT count(*), count(DISTINCT post_id) FROM posts").fetchone() == (30, 30)
    finally:
        con.close()


def test_two_keys_take_turns_the_second_run_is_incremental_and_no_key_is_ever_shown(tmp_path, new_store, server, api):
    db = _store(tmp_path, new_store)
    api.keys[KEY1], api.used[KEY1] = 4, 0  # the first key's project has 4 units left today
    api.used[KEY2] = 0
    env = _env(tmp_path, server, f"{KEY1},{KEY2}")
    code, out = _cli(db, env, "--json")
    assert code == 0, out
    report = json.loads(out[out.index("{") :])
    yt = report["platforms"][0]
    assert (yt["status"], yt["timelines_completed"], yt["posts_new"]) == ("ok", 2, 80)
    assert api.used == {KEY1: 4, KEY2: 4}  # 2 channels.list, 2 + 2 uploads pages, 2 + 2 videos.list
    # units, not money; the call the spent key refused counts too (Google: an invalid request costs a unit)
    assert (yt["quota_units"], yt["estimated_cost"]) == (9, 0)
    con = open_store(db)
    try:
        posts = _posts(con)
        assert set(posts) == {v["id"] for vids in api.videos.values() for v in vids}
        hidden = [p for p, (views, likes, comments, _) in posts.items() if likes is None]
        assert hidden and all(posts[p][0] is not None for p in hidden)  # hidden likes: unknown, views kept
        snap = con.execute("SELECT followers, posts_count FROM profile_snapshots WHERE user_id = ?", [channel_id(1)])
        assert snap.fetchall() == [(2_260_000, 20)]
        # a new upload, a deleted one, a channel gone; the second run reads the newest page only, and checks it
        cid = channel_id(0)
        gone = api.videos[cid][3]["id"]
        api.delete_video(cid, gone)
        fresh = api.add_video(cid, "a new upload", datetime(2026, 11, 2))
        api.remove_channel(channel_id(1))
        server.requests.clear()
        report = collect(con, _settings(env), platform="youtube")
        events = report.platforms[0].events
        assert [(e["user_id"], e["event"]) for e in events] == [(channel_id(1), "not_found")]
        asked = [r.path.rsplit("/", 1)[-1] for r in server.requests]
        assert asked.count("playlistItems") == 1 and asked.count("videos") == 2  # the newest page, a deletion check
        posts = _posts(con)
        assert fresh in posts and posts[gone][3] is not None
        assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
        stored = _everything_text(con)
    finally:
        con.close()
    for key in (KEY1, KEY2):
        assert key not in stored and key not in out
    assert "?key=" not in stored and "&key=" not in stored


def test_the_run_stops_cleanly_before_the_quota_is_spent_and_resumes_the_next_day(tmp_path, new_store, server, api):
    db = _store(tmp_path, new_store)
    api.used = dict.fromkeys(api.keys, 0)
    env = _env(tmp_path, server, f"{KEY1},{KEY2}", "[youtube]\ndaily_quota = 2\n")
    code, out = _cli(db, env, "--dry-run")
    assert code == 0, out
    # channels never looked up: no bound on their uploads is known, and the dry run does not invent one
    said = "YouTube quota: at most unknown units (never looked up), expected 6; nothing was sent"
    assert "2 units" in out and said in " ".join(out.split())
    assert "$" not in out  # quota units are not money
    clock = SimulatedClock(start=datetime(2026, 12, 6, 12, tzinfo=UTC).timestamp())
    con = open_store(db)
    try:
        report = collect(con, _settings(env), platform="youtube", clock=clock)
        yt = report.platforms[0]
        assert yt.status == "budget" and report.status == "budget"
        assert "YouTube quota is spent for today (0 of 4 units left on 2 keys, 1 needed)" in (report.stop_reason or "")
        assert sum(api.used.values()) == 4  # every unit, and not one more: nothing was refused
        before = set(_posts(con))
        assert before  # what was collected is kept
        # stopped inside the first channel's sweep, after a videos page: the next uploads page is next
        open_cursor = "SELECT sweep_cursor FROM collection_cursors WHERE sweep_open"
        assert con.execute(open_cursor).fetchall() == [("p|T50",)]
        statuses = []
        for _ in range(2):  # the next quota days: each run goes on where the last one stopped
            clock.advance(86_400)
            report = collect(con, _settings(env), platform="youtube", clock=clock)
            statuses.append((report.status, [c[:2] for (c,) in con.execute(open_cursor).fetchall()]))
        assert statuses == [("budget", ["v|"]), ("ok", [])]  # the second channel stopped before its videos
        assert sum(api.used.values()) == 12
        assert set(_posts(con)) == {v["id"] for vids in api.videos.values() for v in vids}
        assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
    finally:
        con.close()


def test_faults_are_skipped_with_their_url_and_reason_then_collected_on_the_next_run(tmp_path, new_store, server, api):
    db = _store(tmp_path, new_store)
    api.used = dict.fromkeys(api.keys, 0)
    env = _env(tmp_path, server, KEY1)
    videos = lambda r: r.path.endswith("/videos")  # noqa: E731
    server.inject(Reply(200, b"", delay=0.25), match=lambda r: r.path.endswith("/channels"))  # a timeout, retried
    server.inject(Reply.json({"error": {"code": 429}}, 429, {"Retry-After": "0"}), match=videos)
    server.inject(Reply(503, b"unavailable"), match=videos)
    server.inject(Reply(200, b'{"items": [{"id": "x"' + b" " * 200, truncate=True), match=videos, times=4)
    server.inject(Reply(200, b"<html>garbage</html>"), match=lambda r: r.path.endswith("/playlistItems"))
    con = open_store(db)
    try:
        quick = HttpSettings(timeout=0.15, retries=4, backoff_initial=0.01, backoff_max=0.05)
        report = collect(con, _settings(env, quick), platform="youtube")
        reasons = {s.file: s.reason for s in report.skipped}
        assert any("/youtube/v3/videos" in f and "body cut short" in r for f, r in reasons.items()), reasons
        assert any("invalid JSON" in r and "raw payload" in r for r in reasons.values()), reasons
        assert all(KEY1 not in f + r for f, r in reasons.items())
        assert report.platforms[0].status == "partial"
        assert collect(con, _settings(env), platform="youtube").platforms[0].status == "ok"
        assert set(_posts(con)) == {v["id"] for vids in api.videos.values() for v in vids}
        assert KEY1 not in _everything_text(con)
    finally:
        con.close()


def test_a_refused_key_names_the_setting_never_the_key(tmp_path, new_store, server, api):
    db = _store(tmp_path, new_store)
    code, out = _cli(db, _env(tmp_path, server, f"AIza-WRONG-KEY,{KEY2}"))
    assert code == 2 and "AIza-WRONG-KEY" not in out and KEY2 not in out
    assert "YouTube refused key 1 of 2 in DIPLOTRACK_YOUTUBE_API_KEYS" in " ".join(out.split())


@pytest.mark.slow
def test_sigkill_mid_sweep_then_rerun_leaves_nothing_missing_and_nothing_twice(tmp_path, new_store):
    big = YouTubeApi(1, 150)  # 3 uploads pages and 3 videos.list calls
    with LocalServer(big) as srv:
        db = tmp_path / "s.duckdb"
        con = new_store(db)
        track(con, tmp_path, [channel_id(0)], platform="youtube")
        con.close()
        env = {**os.environ, **_env(tmp_path, srv, KEY1)}
        big.delay = 0.05
        proc = subprocess.Popen(
            [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), "collect", "-p", "youtube"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while sum(r.path.endswith("/videos") for r in srv.requests) < 1 and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert sum(r.path.endswith("/videos") for r in srv.requests) < 3, "the run finished before the kill"
        big.delay = 0.0
        srv.requests.clear()
        con = open_store(db)
        try:
            collect(con, _settings(env), platform="youtube")
            assert set(_posts(con)) == {v["id"] for v in big.videos[channel_id(0)]}
            assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
        finally:
            con.close()
    first = next(r for r in srv.requests if not r.path.endswith("/channels"))
    assert first.arg("pageToken") is not None or first.path.endswith("/videos")  # resumed, not restarted
