"""Errors raised while collecting. Messages never contain a credential (see config.Secret)."""

from __future__ import annotations

import httpx
import orjson

from diplotrack.errors import EXIT_USAGE, DiplotrackError


def body_said(response: httpx.Response, keys: tuple[str, ...]) -> str:
    """What a JSON error body says under ``keys`` (joined with ": ", at most 200 characters); empty
    when the body is not a JSON object. Each platform names its fields differently."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in keys if body.get(k)]
        return ": ".join(parts)[:200]
    return ""


class CollectError(DiplotrackError):
    """Collection could not go on for a platform."""


class AuthError(CollectError):
    """The platform refused our credentials (HTTP 401/403): the message names the setting to check."""

    exit_code = EXIT_USAGE


class TransientHTTPError(CollectError):
    """A 5xx, timeout or broken connection: worth retrying with backoff."""

    transient = True


class MalformedPage(CollectError):
    """A response that arrived whole but is not the JSON the endpoint promises."""

    def __init__(self, message: str, *, url: str, body: bytes) -> None:
        super().__init__(message)
        self.url = url
        self.body = body


class RequestFailed(CollectError):
    """A request that failed for good (retries used up, or a 4xx that retrying cannot fix)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class RateLimitGivenUp(RequestFailed):
    """A rate-limit reset further ahead than ``[http] max_wait``: the endpoint is given up for the run
    (not the page's fault: it does not count towards giving a sweep up)."""


class BudgetExhausted(CollectError):
    """The next request could exceed ``--budget``: the run stops cleanly before it."""


class Stopped(CollectError):
    """SIGINT/SIGTERM arrived: the page in hand was committed, and the run stops."""
