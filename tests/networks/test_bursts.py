"""Account-creation bursts on constructed creation series: a planted burst of 10 accounts in one day
among about one a day is flagged, the background is not; by hour; the creation time per account."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from diplotrack.networks.bursts import account_creations, creation_bursts, poisson_sf
from diplotrack.records import ProfileSnapshot, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

DAY0 = datetime(2020, 1, 1)
PATTERN = [1, 0, 2, 1, 3, 0, 1, 1, 2, 0]  # background creations per day, cycled (mean 1.1)
BURST_DAY = 30  # PATTERN[0] == 1 background account that day, plus 10 planted
MIDNIGHT_DAY = 45  # PATTERN[5] == 0: 4 day-precision accounts at 00:00:00


def _snap(
    uid: str,
    created: datetime | None,
    *,
    handle: str | None = None,
    source: str = "io-archive",
    observed: datetime = datetime(2021, 1, 1),
) -> ProfileSnapshot:
    return ProfileSnapshot(
        platform="x",
        user_id=uid,
        observed_at=observed,
        provenance=Provenance(source),
        handle=handle,
        created_at=created,
    )


def _write(con: duckdb.DuckDBPyConnection, snaps: list[ProfileSnapshot]) -> None:
    w = StoreWriter(con, 0)
    for s in snaps:
        w.add_profile(s)
    w.flush()


@pytest.fixture
def series(con):  # type: ignore[no-untyped-def]
    snaps = []
    for day in range(61):
        for j in range(PATTERN[day % len(PATTERN)]):
            # spread over the day: never three in one hour
            at = DAY0 + timedelta(days=day, hours=(day * 7 + j * 9) % 24, minutes=13, seconds=day)
            snaps.append(_snap(f"bg{day}-{j}", at))
    for j in range(10):
        snaps.append(
            _snap(f"burst{j}", DAY0 + timedelta(days=BURST_DAY, hours=14, minutes=3 * j, seconds=7), handle=f"b{j}")
        )
    for j in range(4):
        snaps.append(_snap(f"mid{j}", DAY0 + timedelta(days=MIDNIGHT_DAY)))
    _write(con, snaps)
    return con


def test_planted_daily_burst_is_flagged_and_background_is_not(series) -> None:  # type: ignore[no-untyped-def]
    b = creation_bursts(series)
    assert len(b) == 1
    row = b.iloc[0]
    assert row["period_start"] == DAY0 + timedelta(days=BURST_DAY)
    assert row["count"] == 11 and row["expected"] == 1.0  # median of the 30 neighbouring days
    assert row["p_value"] == pytest.approx(poisson_sf(11, 1.0)) and row["p_value"] < 1e-7
    assert sorted(row["accounts"]) == sorted([*(f"b{j}" for j in range(10)), "bg30-0"])
    assert list(b.columns)[:5] == ["period_start", "count", "expected", "p_value", "accounts"]
    every = creation_bursts(series, all_periods=True)
    assert len(every) == 61 and every["burst"].sum() == 1
    # the background's busiest days (3) are far from significant
    assert every.loc[every["count"] == 3, "p_value"].min() > 0.05
    mid = every[every["period_start"] == DAY0 + timedelta(days=MIDNIGHT_DAY)].iloc[0]
    assert mid["count"] == 4 and not mid["burst"]  # P(X >= 4 | 1) = 0.019


def test_alpha_and_min_count(series) -> None:  # type: ignore[no-untyped-def]
    assert creation_bursts(series, min_count=12).empty
    loose = creation_bursts(series, alpha=0.05)
    assert DAY0 + timedelta(days=MIDNIGHT_DAY) in set(loose["period_start"])


def test_hourly_burst_and_midnight_times_left_out(series) -> None:  # type: ignore[no-untyped-def]
    b = creation_bursts(series, by="hour")
    assert b["period_start"].tolist() == [DAY0 + timedelta(days=BURST_DAY, hours=14)]
    row = b.iloc[0]
    assert row["count"] == 10 and row["accounts"] == [f"b{j}" for j in range(10)]
    assert row["expected"] < 0.2  # a sparse neighbourhood: the neighbours' mean
    every = creation_bursts(series, by="hour", all_periods=True)
    names = {n for accs in every["accounts"] for n in accs}
    assert not any(n.startswith("mid") for n in names)  # day-precision creation times: not hours


def test_one_creation_time_per_account_and_roster_snapshots(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(
        "roster: 1\nname: t\nactors:\n  - actor_id: m\n    name: M\n    kind: ministry\n    state: CN\n"
        "    accounts: [{platform: x, handle: MFA_China, user_id: '2'}]\n",
        encoding="utf-8",
    )
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)
    day = datetime(2019, 6, 1)
    _write(
        con,
        [
            _snap("2", day + timedelta(hours=5), handle="mfa_china", source="x-v2"),
            _snap("handle:mfa_china", day + timedelta(hours=3), source="rtweet-csv"),  # same account, earlier
            _snap("u9", None, handle="nine", observed=datetime(2022, 1, 1)),
            _snap("u9", day + timedelta(days=2), handle="nine"),
            _snap("u8", day, source="roster-snapshots"),  # month precision: left out by default
        ],
    )
    c = account_creations(con)
    got = {r["account"]: (r["name"], r["tracked"], r["created_at"]) for r in c.to_dict("records")}
    assert got == {
        "2": ("MFA_China", True, day + timedelta(hours=3)),
        "u9": ("nine", False, day + timedelta(days=2)),
    }
    assert set(account_creations(con, accounts="tracked")["account"]) == {"2"}
    assert set(account_creations(con, include_roster_snapshots=True)["account"]) == {"2", "u9", "u8"}
    assert account_creations(con, platforms=("bluesky",)).empty


def test_no_baseline_no_burst(con) -> None:  # type: ignore[no-untyped-def]
    _write(con, [_snap(f"u{i}", datetime(2020, 5, 5, 10, i)) for i in range(20)])
    every = creation_bursts(con, all_periods=True)
    assert len(every) == 1 and math.isnan(every["expected"][0]) and not every["burst"][0]
    assert creation_bursts(con).empty
    assert creation_bursts(con, by="hour", platforms=("bluesky",)).empty


def test_poisson_tail() -> None:
    assert poisson_sf(0, 2.0) == 1.0
    assert poisson_sf(3, 1.0) == pytest.approx(1 - math.exp(-1) * 2.5)
    assert poisson_sf(2, 3.0) == pytest.approx(1 - math.exp(-3) * 4)
    exact = math.exp(-0.5) * float(sum(Fraction(1, 2) ** i / math.factorial(i) for i in range(40, 120)))
    assert poisson_sf(40, 0.5) == pytest.approx(exact, rel=1e-9) and exact > 0
    assert poisson_sf(5, 0.0) == 0.0
