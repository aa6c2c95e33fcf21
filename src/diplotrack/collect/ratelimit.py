"""Rate limits as the platforms announce them in response headers, one bucket per endpoint.

- X API v2: ``x-rate-limit-limit``, ``x-rate-limit-remaining``, ``x-rate-limit-reset`` (epoch s)
- Bluesky AppView: ``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset`` (epoch s)
- Mastodon: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (ISO 8601)
- any: ``Retry-After`` (seconds or an HTTP date) on a 429

The collector spends a bucket down to zero, then waits until its reset: a run uses the whole
ceiling while it has work, and never gets a 429 it could have foreseen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

_FAMILIES = (
    ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
    ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
    ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"),
)


@dataclass
class Bucket:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds


def _int(value: str | None) -> int | None:
    """A count, or None for anything but a non-negative integer (a negative count means nothing)."""
    try:
        n = int(value) if value is not None else None
    except ValueError:
        return None
    return n if n is None or n >= 0 else None


def _finite(number: float) -> float | None:
    return number if math.isfinite(number) else None


def parse_reset(value: str | None, now: float) -> float | None:
    """A reset time as epoch seconds, from epoch seconds, seconds-from-now or an ISO/HTTP date.

    Garbage (``NaN``, ``inf``, a negative number, a word, an impossible date) reads as None: absent,
    so the caller backs off as for a 429 without headers, instead of crashing or waiting forever."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    try:
        number = float(v)
    except ValueError:
        pass
    else:
        if not math.isfinite(number) or number < 0:
            return None
        return _finite(number if number > 1e9 else now + number)
    return _date(v)


def _date(v: str) -> float | None:
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        try:
            t = parsedate_to_datetime(v)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    try:
        return _finite(t.timestamp())
    except (OverflowError, ValueError, OSError):
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` (RFC 9110): whole seconds from now, or an HTTP date; anything else is None.
    A long delay stays a delay (unlike a reset header, no number is read as an epoch time)."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    try:
        number = float(v)
    except ValueError:
        return _date(v)
    return _finite(now + number) if math.isfinite(number) and number >= 0 else None


def parse_headers(headers: httpx.Headers, now: float) -> Bucket | None:
    for limit, remaining, reset in _FAMILIES:
        if remaining in headers:
            return Bucket(_int(headers.get(limit)), _int(headers.get(remaining)), parse_reset(headers.get(reset), now))
    return None


def retry_after(headers: httpx.Headers, now: float) -> float | None:
    """When a 429 says we may try again: its rate-limit reset, else ``Retry-After``; None when
    neither gives a usable time in the future (no hint: the caller backs off)."""
    bucket = parse_headers(headers, now)
    if bucket is not None and bucket.reset is not None and bucket.reset > now:
        return bucket.reset
    until = parse_retry_after(headers.get("retry-after"), now)
    return until if until is not None and until > now else None


class RateLimits:
    """The buckets of one platform, keyed by endpoint."""

    def __init__(self) -> None:
        self.buckets: dict[str, Bucket] = {}

    def update(self, key: str, headers: httpx.Headers, now: float) -> None:
        bucket = parse_headers(headers, now)
        if bucket is not None:
            self.buckets[key] = bucket

    def wait_until(self, key: str, now: float) -> float | None:
        """The time to wait for before the next request to ``key``, or None to go now."""
        b = self.buckets.get(key)
        if b is None or b.remaining is None or b.remaining > 0 or b.reset is None or b.reset <= now:
            return None
        return b.reset

    def spend(self, key: str) -> None:
        b = self.buckets.get(key)
        if b is not None and b.remaining:
            b.remaining -= 1
