"""Creation bursts by week and by month: creation waves (such as the first quarter of 2020) spread over
weeks, so no single day stands out while the week or the month does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from cli_inprocess import cli
from diplotrack.networks.bursts import creation_bursts
from diplotrack.records import ProfileSnapshot, Provenance
from diplotrack.store.writer import StoreWriter

START, END = datetime(2019, 1, 1), datetime(2021, 12, 31)
WAVE_WEEK = datetime(2020, 6, 8)  # a Monday: 21 accounts over its seven days, 3 a day
WAVE_MONTH = datetime(2020, 3, 1)  # 62 accounts over March 2020, 2 a day


def _snap(uid: str, at: datetime) -> ProfileSnapshot:
    return ProfileSnapshot(
        platform="x", user_id=uid, observed_at=datetime(2022, 1, 1), provenance=Provenance("io-archive"), created_at=at
    )


@pytest.fixture
def waves(con):  # type: ignore[no-untyped-def]
    snaps, day, i = [], START, 0
    while day <= END:  # background: one account every third day, at varying hours
        snaps.append(_snap(f"bg{i}", day + timedelta(hours=1 + i % 20, minutes=7)))
        day += timedelta(days=3)
        i += 1
    for j in range(21):
        snaps.append(_snap(f"w{j}", WAVE_WEEK + timedelta(days=j % 7, hours=2 + j, minutes=5)))
    for j in range(62):
        snaps.append(_snap(f"m{j}", WAVE_MONTH + timedelta(days=j // 2, hours=3 + 9 * (j % 2), minutes=11)))
    w = StoreWriter(con, 0)
    for s in snaps:
        w.add_profile(s)
    w.flush()
    return con


def test_no_single_day_stands_out(waves) -> None:  # type: ignore[no-untyped-def]
    assert creation_bursts(waves, by="day").empty


def test_weekly_wave_is_a_burst_week_starting_monday(waves) -> None:  # type: ignore[no-untyped-def]
    every = creation_bursts(waves, by="week", all_periods=True)
    starts = every["period_start"]
    assert (starts.dt.day_of_week == 0).all() and (starts == starts.dt.normalize()).all()
    assert (starts.diff().dropna() == timedelta(weeks=1)).all()  # weeks without a creation count 0
    b = creation_bursts(waves, by="week")
    assert WAVE_WEEK in set(b["period_start"])
    row = b[b["period_start"] == WAVE_WEEK].iloc[0]
    assert sorted(n for n in row["accounts"] if n.startswith("w")) == sorted(f"w{j}" for j in range(21))
    assert row["count"] == 21 + sum(1 for n in row["accounts"] if n.startswith("bg"))
    # only the two waves' weeks are bursts
    assert all(s == WAVE_WEEK or WAVE_MONTH - timedelta(days=6) <= s < datetime(2020, 4, 1) for s in b["period_start"])


def test_monthly_wave_is_a_burst_month(waves) -> None:  # type: ignore[no-untyped-def]
    b = creation_bursts(waves, by="month")
    assert b["period_start"].tolist() == [WAVE_MONTH, datetime(2020, 6, 1)]
    march = b.iloc[0]
    assert march["count"] == 62 + 10  # 2 a day, plus the background's one every third day
    every = creation_bursts(waves, by="month", all_periods=True)
    assert len(every) == 36 and every["period_start"].iloc[0] == START


def test_bursts_cli_by_week_and_month(waves, tmp_path) -> None:  # type: ignore[no-untyped-def]
    waves.close()
    for by, first in (("week", WAVE_MONTH - timedelta(days=6)), ("month", WAVE_MONTH)):
        proc = cli("bursts", "--by", by, db=tmp_path / "s.duckdb")  # in-process: tests/cli_inprocess.py
        assert proc.returncode == 0, proc.stderr
        assert f"by {by}" in proc.stdout
        proc = cli("bursts", "--by", by, "--json", db=tmp_path / "s.duckdb")
        assert proc.returncode == 0, proc.stderr
        rows = json.loads(proc.stdout)
        assert rows and datetime.fromisoformat(rows[0]["period_start"]) >= first
