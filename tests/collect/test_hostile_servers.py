"""Collection under hostile or broken servers: absurd or garbage rate-limit headers, and the skips a
failing page leaves. Real HTTP servers on 127.0.0.1; a simulated clock, so capped waits never sleep."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx
import pytest
from apiservers import LocalServer, Reply, XApi
from helpers import FAST_HTTP, collect, track, x_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.config import HttpSettings, load_settings
from diplotrack.collect.http import describe_wait
from diplotrack.collect.ratelimit import parse_headers, parse_reset, parse_retry_after, retry_after
from diplotrack.errors import UsageError

NOW = 1_767_225_600.0  # the simulated clock's start, 2026-01-01 00:00 UTC
TEN_YEARS = 10 * 365 * 86400


def _is_timeline(r) -> bool:  # type: ignore[no-untyped-def]
    return r.path.endswith("/tweets")


def _posts(con) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in con.execute("SELECT post_id FROM posts WHERE platform = 'x'").fetchall()}


def _own(api: XApi, uid: str) -> set[str]:
    return {t["id"] for t in api.timelines[uid]}


# -- garbage headers ------------------------------------------------------------------------------

GARBAGE = ["NaN", "nan", "inf", "-inf", "1e400", "-5", "-1e12", "", "   ", "soon", "0x10", "2026-13-45T99:00:00Z"]


@pytest.mark.parametrize("value", GARBAGE)
def test_a_garbage_reset_value_reads_as_absent(value):
    assert parse_reset(value, NOW) is None
    assert retry_after(httpx.Headers({"retry-after": value}), NOW) is None
    bucket = parse_headers(httpx.Headers({"x-rate-limit-remaining": "0", "x-rate-limit-reset": value}), NOW)
    assert bucket is not None and bucket.reset is None


@pytest.mark.parametrize("value", ["NaN", "-3", "1e3", "many"])
def test_a_garbage_remaining_count_reads_as_absent(value):
    bucket = parse_headers(httpx.Headers({"ratelimit-remaining": value, "ratelimit-reset": str(NOW + 60)}), NOW)
    assert bucket is not None and bucket.remaining is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_header_text_gives_a_finite_time_or_nothing(value):
    for got in (parse_reset(value, NOW), parse_retry_after(value, NOW)):
        assert got is None or math.isfinite(got)


def test_retry_after_is_seconds_or_an_http_date():
    assert retry_after(httpx.Headers({"retry-after": "120"}), NOW) == NOW + 120
    # an X-style epoch heuristic must not turn a long Retry-After into a date in the past
    assert retry_after(httpx.Headers({"retry-after": "999999999"}), NOW) == NOW + 999_999_999
    date = "Thu, 01 Jan 2026 00:02:00 GMT"
    assert retry_after(httpx.Headers({"retry-after": date}), NOW) == NOW + 120


@pytest.mark.parametrize(
    "headers",
    [
        {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "NaN"},
        {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": "inf"},
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "NaN"},
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "not-a-date"},
        {"Retry-After": "NaN"},
        {"Retry-After": "-30"},
        {"Retry-After": ""},
        {"x-rate-limit-remaining": "-1", "x-rate-limit-reset": "-99"},
    ],
    ids=["x-nan", "bluesky-inf", "mastodon-nan", "mastodon-word", "retry-nan", "retry-negative", "retry-empty", "neg"],
)
def test_a_429_with_garbage_headers_backs_off_as_without_headers(con, tmp_path, headers):
    clock = SimulatedClock()
    api = XApi(1, 30)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000"])
        srv.inject(Reply.json({"title": "Too Many Requests"}, 429, headers), match=_is_timeline)
        report = collect(con, x_settings(srv.url), clock=clock)
        asked = [r for r in srv.requests if _is_timeline(r)]
    x = report.platforms[0]
    assert (x.status, x.meter.errors, x.swept) == ("ok", 0, 1)
    assert _own(api, "9000000000") <= _posts(con)
    assert len(asked) == 2  # the 429, then the page after one backoff
    waits = [w for w in report.waits if w[2] == "rate limit"]
    assert len(waits) == 1 and 0 < waits[0][1] <= FAST_HTTP.backoff_max


# -- waits beyond the cap ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + TEN_YEARS)},
        {"Retry-After": "999999999"},
    ],
    ids=["reset-in-ten-years", "retry-after-999999999"],
)
def test_a_wait_past_the_cap_gives_the_endpoint_up_and_the_run_goes_on(con, tmp_path, headers):
    clock = SimulatedClock()
    api = XApi(2, 30)
    http = HttpSettings(**{**FAST_HTTP.__dict__, "max_wait": 3600.0})
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000", "acct0001"])
        srv.inject(Reply.json({"title": "Too Many Requests"}, 429, headers), match=_is_timeline)
        report = collect(con, x_settings(srv.url, http=http), clock=clock)
        asked = [r for r in srv.requests if _is_timeline(r)]
    assert clock.slept <= 3600  # it did not wait for years
    assert len(asked) == 1  # the endpoint was given up for this run: not asked again for the next account
    x = report.platforms[0]
    assert x.status == "partial" and x.swept == 0 and x.reachable == 2
    ahead = TEN_YEARS if "x-rate-limit-reset" in headers else 999_999_999
    day = datetime.fromtimestamp(NOW + ahead, UTC).strftime("%Y-%m-%d")  # the date, not only the time
    skips = con.execute("SELECT file, reason FROM run_skips ORDER BY file").fetchall()
    assert len(skips) == 2  # one per account, each saying why and until when
    for _, reason in skips:
        assert "given up for this run" in reason and day in reason and "max_wait" in reason
    stop = con.execute("SELECT status, stop_reason FROM collection_runs").fetchone()
    assert stop[0] == "partial" and day in stop[1]
    # the lookups (another endpoint) went on: both accounts have a fresh snapshot
    assert con.execute("SELECT count(*) FROM profile_snapshots WHERE user_id LIKE '9000%'").fetchone()[0] == 2


def test_a_wait_within_the_cap_is_waited_out(con, tmp_path):
    clock = SimulatedClock()
    api = XApi(1, 30)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000"])
        srv.inject(Reply.json({}, 429, {"Retry-After": "1800"}), match=_is_timeline)
        report = collect(con, x_settings(srv.url), clock=clock)
    assert report.platforms[0].status == "ok" and clock.slept == pytest.approx(1800, abs=1)
    assert _own(api, "9000000000") <= _posts(con)


def test_the_maximum_wait_is_read_from_the_environment_then_the_config_file(tmp_path):
    assert load_settings({"DIPLOTRACK_CONFIG": str(_config(tmp_path, ""))}).http.max_wait == 3600
    cfg = _config(tmp_path, "[http]\nmax_wait = 600\n")
    assert load_settings({"DIPLOTRACK_CONFIG": str(cfg)}).http.max_wait == 600
    env = {"DIPLOTRACK_CONFIG": str(cfg), "DIPLOTRACK_MAX_WAIT": "90"}
    assert load_settings(env).http.max_wait == 90
    for bad in ("nan", "inf", "-5"):
        with pytest.raises(UsageError, match="max_wait"):
            load_settings({"DIPLOTRACK_CONFIG": str(_config(tmp_path, f"[http]\nmax_wait = {bad}\n"))})
    with pytest.raises(UsageError, match="DIPLOTRACK_MAX_WAIT"):
        load_settings({"DIPLOTRACK_CONFIG": str(cfg), "DIPLOTRACK_MAX_WAIT": "an hour"})


def _config(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_wait_longer_than_a_day_shows_the_date():
    until = datetime(2026, 1, 4, 10, 32, tzinfo=UTC)
    text = describe_wait("X", 3 * 86400 + 600, until, "rate limit")
    assert "2026-01-04 10:32 UTC" in text and "3d" in text
    assert describe_wait("X", 252, until, "rate limit") == "X rate limit: waiting 4m12s, until 10:32 UTC"


# -- what a skip says -----------------------------------------------------------------------------


def test_a_skip_names_the_short_url_once_and_keeps_the_first_and_last_cause(con, tmp_path):
    clock = SimulatedClock()
    api = XApi(1, 230)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000"])
        second_page = lambda r: r.arg("pagination_token") == "tok100"  # noqa: E731
        srv.inject(Reply(200, b'{"data": []}', delay=1.0), match=second_page)  # slower than the 0.5 s timeout
        body = b'{"data": [{"id": "1", "text": "cut"}, {"id": "2", "text": "short"}]}'
        srv.inject(Reply(200, body, truncate=True), match=second_page, times=3)
        report = collect(con, x_settings(srv.url), clock=clock)
        host = srv.url.removeprefix("http://")
    (file, reason), *rest = con.execute("SELECT file, reason FROM run_skips").fetchall()
    assert not rest
    assert file == f"{host}/2/users/9000000000/tweets?pagination_token=tok100"
    assert "timed out" in reason and "cut short" in reason
    assert reason.index("timed out") < reason.index("cut short")  # first, then last
    shown = f"{report.skipped[0].file}: {report.skipped[0].reason}"
    assert shown.count("/tweets") == 1 and "tweet.fields" not in shown and "http" not in reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 5\n", "x must be a table"),
        ("[x]\napi_base = 5\n", r"\[x\] api_base must be text in quotes"),
        ("[x]\nbearer_token = 12345\n", r"\[x\] bearer_token must be text in quotes"),
        ("[bluesky]\napi_base = [1, 2]\n", r"\[bluesky\] api_base must be text"),
        ("http = 'fast'\n", "http must be a table"),
    ],
)
def test_a_config_value_of_the_wrong_type_is_a_usage_error(tmp_path, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    from diplotrack.collect.config import load_settings
    from diplotrack.errors import UsageError

    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    with pytest.raises(UsageError, match=message) as caught:
        load_settings({"DIPLOTRACK_CONFIG": str(cfg)})
    assert "12345" not in str(caught.value)  # a credential is never echoed
