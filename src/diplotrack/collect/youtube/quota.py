"""The Data API's daily quota, per key: what each call costs, what each key has left today, which
key pays for the next call, and a clean stop before every key is spent.

Google gives each project ``youtube_daily_quota`` units a day (10,000 by default), reset at midnight
Pacific time. Every call costs units, whatever it returns (an error costs its unit too):
``channels.list``, ``playlistItems.list`` and ``videos.list`` 1 each; ``search.list`` 100 (never
used here). Keys are used in the order given; a key is spent for the day when what it used here
reaches the quota, or when Google answers 403 ``quotaExceeded`` (other programs may share its project).

What each key used today is kept in the store's ``youtube_quota`` table (when the store has it),
under a short hash of the key, never the key: a second run the same day starts where the first one
stopped. A store without the table (an older one) keeps the count for this run only.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from diplotrack.collect.config import Secret
from diplotrack.collect.youtube.errors import QuotaSpent

UNIT_COST = {"channels": 1, "playlistItems": 1, "videos": 1, "search": 100}
UNITS = "units"  # how the dry run names the YouTube cost


def pacific_now(now: datetime) -> datetime:
    """``now`` (naive UTC) as Pacific local time (Google's quota day)."""
    try:
        return now.replace(tzinfo=UTC).astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)
    except ZoneInfoNotFoundError:  # no time zone database: the US rule (second Sunday of March to first of November)
        year = now.year
        march = date(year, 3, 8) + timedelta(days=(6 - date(year, 3, 8).weekday()) % 7)
        november = date(year, 11, 1) + timedelta(days=(6 - date(year, 11, 1).weekday()) % 7)
        start = datetime.combine(march, time(10))  # 02:00 PST is 10:00 UTC
        end = datetime.combine(november, time(9))  # 02:00 PDT is 09:00 UTC
        return now - timedelta(hours=7 if start <= now < end else 8)


def quota_day(now: datetime) -> date:
    """The quota day ``now`` (naive UTC) falls in."""
    return pacific_now(now).date()


def next_reset(now: datetime) -> datetime:
    """When the quota next resets, as naive UTC (the next midnight Pacific time)."""
    midnight = datetime.combine(quota_day(now) + timedelta(days=1), time())
    # the offset at that midnight, not now's: on the days the clocks change they differ
    for hours in (7, 8):
        if pacific_now(midnight + timedelta(hours=hours)) == midnight:
            return midnight + timedelta(hours=hours)
    return midnight + timedelta(hours=8)  # not reached: every Pacific midnight is 07:00 or 08:00 UTC


def key_hash(key: Secret) -> str:
    """A short, one-way name for a key (12 hex digits of its SHA-256): what the store keeps."""
    return hashlib.sha256(key.reveal().encode()).hexdigest()[:12]


class Quota:
    """What each key has spent today, and which key pays for the next call."""

    def __init__(self, keys: tuple[Secret, ...], daily: int) -> None:
        self.keys = keys
        self.daily = daily
        self.hashes = [key_hash(k) for k in keys]
        self.used = [0] * len(keys)  # units spent today, as far as this program knows
        self.spent_here = 0  # units spent in this run
        self.day: date | None = None
        self.con: duckdb.DuckDBPyConnection | None = None

    # -- the store -----------------------------------------------------------------------------
    def attach(self, con: duckdb.DuckDBPyConnection, now: datetime) -> None:
        """Read what each key spent today from the store (when it has the table) and keep writing there."""
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'youtube_quota'"
        ).fetchone()[0]
        self.con = con if has else None
        self._roll(now)

    def _roll(self, now: datetime) -> None:
        day = quota_day(now)
        if day == self.day:
            return
        self.day = day
        self.used = [0] * len(self.keys)
        if self.con is not None and self.keys:
            rows = dict(
                self.con.execute(
                    "SELECT key_hash, units FROM youtube_quota WHERE day = ? AND list_contains(?, key_hash)",
                    [day, self.hashes],
                ).fetchall()
            )
            self.used = [int(rows.get(h, 0)) for h in self.hashes]

    def _save(self, i: int, now: datetime) -> None:
        if self.con is None:
            return
        self.con.execute(
            """INSERT INTO youtube_quota (key_hash, day, units, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (key_hash, day) DO UPDATE SET units = greatest(youtube_quota.units, excluded.units),
                   updated_at = excluded.updated_at""",
            [self.hashes[i], self.day, self.used[i], now],
        )

    # -- spending ------------------------------------------------------------------------------
    def left(self, now: datetime) -> int:
        """Units left today over every key."""
        self._roll(now)
        return sum(max(0, self.daily - u) for u in self.used)

    def pick(self, cost: int, now: datetime, what: str) -> int:
        """The index of the first key that can pay ``cost`` today; QuotaSpent when none can."""
        self._roll(now)
        for i, used in enumerate(self.used):
            if self.daily - used >= cost:
                return i
        reset = next_reset(now)
        n = len(self.keys)
        raise QuotaSpent(
            f"stopped before {what}: the YouTube quota is spent for today ({self.left(now)} of "
            f"{n * self.daily:,} units left on {n} key{'s' if n > 1 else ''}, {cost} needed); everything "
            f"so far is saved: run again after the reset at midnight Pacific time ({reset:%Y-%m-%d %H:%M} UTC)"
        )

    def charge(self, i: int, units: int, now: datetime) -> None:
        self._roll(now)
        self.used[i] += units
        self.spent_here += units
        self._save(i, now)

    def exhaust(self, i: int, now: datetime) -> None:
        """Google says the key is spent (403 quotaExceeded): nothing more from it today."""
        self._roll(now)
        self.used[i] = max(self.used[i], self.daily)
        self._save(i, now)
