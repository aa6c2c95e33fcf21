"""Account-creation bursts: days (or hours, weeks, months) in which unusually many of the store's
accounts were created.

Any account with a profile snapshot counts: the roster's, the authors an import brought in, the users of
an imported information-operations archive. Each (platform, account) has one creation time, the earliest
non-null ``profile_snapshots.created_at`` of its snapshots; a roster account is one account under both its
keys (``user_key`` and ``handle:<lower handle>``). Snapshot rows written by the roster's own snapshot
files (``provenance.source = 'roster-snapshots'``) are left out by default: the bundled ones give
month-precision creation dates (the first of the month), which would pile up as false bursts.

The model (``creation_bursts``): count creations per period (UTC hour, day, week from Monday 00:00, or
calendar month) over the covered range, from the first to the last period with a creation, periods
without creations counting 0. A period's
*expected* count is the rate of a Poisson baseline: the median count of the ``neighbours`` periods on each
side (the period itself excluded; fewer at the ends of the range). Where that median is 0 (a sparse
neighbourhood: most periods without a creation, typical by hour) the rate is instead the neighbours' mean
count, and at least ``1 / (2 * neighbours)`` (half a creation over the neighbourhood), so that a rate of
0 never makes any creation infinitely unlikely. A period is a burst when its count is at least
``min_count`` and ``P(X >= count)`` under ``Poisson(expected)`` is below ``alpha``. No correction for
testing many periods is made: ``alpha`` defaults to 0.001 for that reason. See docs/analyses/coordination.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from diplotrack.analyses.base import Filters, roster_keys_sql
from diplotrack.analyses.query import platform_terms, sql_conditions
from diplotrack.networks.options import check_accounts, check_alpha, check_neighbours, check_period

ROSTER_SNAPSHOT_SOURCE = "roster-snapshots"
BURST_COLUMNS = ["period_start", "count", "expected", "p_value", "accounts", "burst"]
# A period's pandas frequency: days and hours by flooring, weeks (Monday 00:00 UTC to Sunday) and
# calendar months as periods, with the date_range frequency that steps from one start to the next.
PERIODS = {"hour": ("h", "h"), "day": ("D", "D"), "week": ("W-SUN", "W-MON"), "month": ("M", "MS")}


def creations_sql(accounts: str = "all", *, include_roster_snapshots: bool = False) -> tuple[str, list[object]]:
    """SQL (and its parameters) selecting one creation time per account.

    Columns: platform, account (a roster account's ``user_key``, else the snapshot's ``user_id``), name
    (the roster handle, else the latest snapshot handle, else the id), tracked, created_at (the earliest
    non-null creation time). ``accounts="tracked"`` keeps only roster accounts.
    """
    where = ["s.created_at IS NOT NULL"]
    params: list[object] = []
    if not include_roster_snapshots:
        where.append("coalesce(s.provenance.source, '') <> ?")
        params.append(ROSTER_SNAPSHOT_SOURCE)
    check_accounts(accounts)
    if accounts == "tracked":
        where.append("rk.user_key IS NOT NULL")
    sql = f"""
        SELECT s.platform, coalesce(rk.user_key, s.user_id) AS account,
               coalesce(any_value(rk.handle), arg_max(s.handle, s.observed_at) FILTER (WHERE s.handle IS NOT NULL),
                        coalesce(rk.user_key, s.user_id)) AS name,
               bool_or(rk.user_key IS NOT NULL) AS tracked,
               min(s.created_at) AS created_at
        FROM profile_snapshots s
        LEFT JOIN ({roster_keys_sql()}) rk ON rk.platform = s.platform AND rk.key = s.user_id
        WHERE {" AND ".join(where)}
        GROUP BY s.platform, coalesce(rk.user_key, s.user_id)
    """
    return sql, params


def account_creations(
    con: duckdb.DuckDBPyConnection,
    *,
    accounts: Literal["all", "tracked"] = "all",
    platforms: Sequence[str] = (),
    include_roster_snapshots: bool = False,
) -> pd.DataFrame:
    """One creation time per account (``creations_sql``) as a DataFrame: platform, account, name, tracked,
    created_at."""
    sql, params = creations_sql(accounts, include_roster_snapshots=include_roster_snapshots)
    if platforms:
        where, platform_params = sql_conditions(platform_terms(Filters(platforms=tuple(platforms))))
        sql, params = f"SELECT * FROM ({sql}) WHERE {where}", [*params, *platform_params]
    return con.execute(sql + " ORDER BY platform, account", params).df()


def poisson_sf(k: int, rate: float) -> float:
    """``P(X >= k)`` for ``X ~ Poisson(rate)``, accurate in the far tail (summed term by term)."""
    if k <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    log_rate = math.log(rate)

    def term(i: int) -> float:
        return math.exp(-rate + i * log_rate - math.lgamma(i + 1))

    if k > rate:  # the tail terms shrink from the first on: sum them
        total = t = term(k)
        i = k
        while t > total * 1e-17:
            i += 1
            t *= rate / i
            total += t
        return min(1.0, total)
    return max(0.0, 1.0 - math.fsum(term(i) for i in range(k)))


def period_starts(times: pd.Series, by: str) -> pd.Series:
    """The start of the UTC hour, day, week (its Monday) or calendar month each time falls in."""
    freq = PERIODS[by][0]
    if by in ("hour", "day"):
        return times.dt.floor(freq)
    return times.dt.to_period(freq).dt.start_time


def _expected(counts: np.ndarray, neighbours: int) -> np.ndarray:
    """The baseline rate of every period from the ``neighbours`` counts on each side of it (itself
    excluded): their median; where that is 0, their mean, floored at ``1 / (2 * neighbours)``. NaN for a
    period without neighbours (a range of one period, or ``neighbours == 0``)."""
    n = len(counts)
    if n == 1 or neighbours == 0:
        return np.full(n, np.nan)
    padded = np.concatenate([np.full(neighbours, np.nan), counts.astype(float), np.full(neighbours, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * neighbours + 1)
    around = np.delete(windows, neighbours, axis=1)
    median = np.nanmedian(around, axis=1)
    sparse = np.maximum(np.nanmean(around, axis=1), 1 / (2 * neighbours))
    return np.where(median > 0, median, sparse)


def creation_bursts(
    con: duckdb.DuckDBPyConnection,
    *,
    by: Literal["hour", "day", "week", "month"] = "day",
    accounts: Literal["all", "tracked"] = "all",
    platforms: Sequence[str] = (),
    alpha: float = 0.001,
    min_count: int = 3,
    neighbours: int = 15,
    include_roster_snapshots: bool = False,
    all_periods: bool = False,
) -> pd.DataFrame:
    """Periods (UTC hours, days, weeks from Monday, or calendar months) in which more accounts were
    created than the Poisson baseline allows (see the module docstring for the model).

    ``by="hour"`` leaves out creation times at exactly 00:00:00: day-precision sources (the Twitter
    information-operations archives give ``account_creation_date`` as a day) store them at midnight,
    where they would make every midnight hour a burst. ``platforms`` pools the platforms given (all when
    empty); run it per platform to keep them apart.

    Columns: period_start, count, expected (the baseline rate), p_value (``P(X >= count)``), accounts
    (their handles, else ids, sorted), burst (True on the rows returned unless ``all_periods``). Only the
    bursts are returned, in time order; ``all_periods=True`` returns every period of the covered range.
    """
    check_period(by)
    check_neighbours(neighbours)
    check_alpha(alpha)
    created = account_creations(
        con, accounts=accounts, platforms=platforms, include_roster_snapshots=include_roster_snapshots
    )
    if by == "hour":
        created = created[created["created_at"] != created["created_at"].dt.normalize()]
    if created.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BURST_COLUMNS})
    created = created.assign(period_start=period_starts(created["created_at"], by))
    grouped = created.sort_values("name").groupby("period_start")["name"].agg(list)
    index = pd.date_range(grouped.index.min(), grouped.index.max(), freq=PERIODS[by][1])
    members = grouped.reindex(index)
    counts = np.array([len(m) if isinstance(m, list) else 0 for m in members], dtype=np.int64)
    expected = _expected(counts, neighbours)
    p_values = np.array(
        [math.nan if math.isnan(r) else poisson_sf(int(c), float(r)) for c, r in zip(counts, expected, strict=True)]
    )
    burst = (counts >= min_count) & (p_values < alpha)  # NaN compares False: no baseline, no burst
    out = pd.DataFrame(
        {
            "period_start": index,
            "count": counts,
            "expected": expected,
            "p_value": p_values,
            "accounts": [m if isinstance(m, list) else [] for m in members],
            "burst": burst,
        }
    )
    if not all_periods:
        out = out[out["burst"]]
    return out.reset_index(drop=True)
