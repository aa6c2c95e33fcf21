"""``collect --dry-run``: the upper bound, and the expected cost from the accounts' posting rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apiservers import LocalServer, XApi
from helpers import Recorder, collect, track, x_settings

from diplotrack.collect.clock import SimulatedClock
from diplotrack.collect.engine import CollectOptions
from diplotrack.collect.meter import Meter
from diplotrack.collect.plan import plan
from diplotrack.collect.x.client import XSource

NEWEST = datetime(2026, 11, 1, tzinfo=UTC)  # XApi's newest post; its posts are an hour apart


def test_expected_cost_rests_on_the_posting_rate_and_is_unknown_without_history(con, tmp_path):
    clock = SimulatedClock(start=(NEWEST + timedelta(days=1)).timestamp())
    api = XApi(3, 230)
    with LocalServer(api) as srv:
        track(con, tmp_path, ["acct0000", "acct0001"])
        collect(con, x_settings(srv.url), clock=clock)
        track(con, tmp_path, ["acct0002"])  # tracked after that run: no history
        clock.advance(2 * 86400)
        settings = x_settings(srv.url)
        source = XSource(settings, clock=clock, meter=Meter(), reporter=Recorder())
        try:
            srv.requests.clear()
            rows = plan(con, [source], CollectOptions(), clock.utcnow())
            assert srv.requests == []  # a plan sends nothing
        finally:
            source.close()
    timelines = {r.account: r for r in rows if r.account}
    # 230 posts in the 30 days before the last collection, two days since it, and the 99 stored
    # posts after the sweep's lower bound (the newest page) read again, at $0.005 a post
    rate = 230 / 30
    assert timelines["acct0000"].expected == pytest.approx((rate * 2 + 99) * 0.005, rel=1e-6)
    assert "posts/day" in timelines["acct0000"].basis and "re-read" in timelines["acct0000"].basis
    assert timelines["acct0002"].expected is None and "unknown" in timelines["acct0002"].basis
    for r in timelines.values():
        assert r.expected is None or r.expected <= r.cost  # the bound bounds it
