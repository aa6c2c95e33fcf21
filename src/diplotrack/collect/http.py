"""One HTTP client per platform: rate-limit waits, retries with backoff, and errors that say what to do.

- Before a request, a bucket spent to zero is waited out (shown in the progress display).
- A 429 waits until the reset its headers give (or ``Retry-After``), then tries again.
- A 5xx, a timeout, a reset connection or a body cut short is retried with bounded exponential
  backoff and jitter (tenacity), then reported as failed.
- A 401/403 becomes the platform's ``AuthError`` (it names the setting to check).
- Any other status is returned for the caller to read (a 404 from a lookup means "not found").

Every wait goes through the clock, so a stop request (SIGINT/SIGTERM) cuts it short.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from diplotrack import __version__
from diplotrack.collect.clock import Clock
from diplotrack.collect.config import HttpSettings, Secret
from diplotrack.collect.errors import AuthError, RequestFailed, Stopped, TransientHTTPError
from diplotrack.collect.meter import Meter
from diplotrack.collect.ratelimit import RateLimits, retry_after


class Reporter(Protocol):
    """Where the collector says what it is doing (the CLI's progress display, or a test's list)."""

    def waiting(self, platform: str, seconds: float, until: datetime, reason: str) -> None: ...

    def waited(self, platform: str) -> None: ...

    def note(self, message: str) -> None: ...


class SilentReporter:
    def waiting(self, platform: str, seconds: float, until: datetime, reason: str) -> None:
        pass

    def waited(self, platform: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass


def describe_wait(platform: str, seconds: float, until: datetime, reason: str) -> str:
    """``X rate limit: waiting 4m12s, until 10:32 UTC``."""
    s = max(0, round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    span = f"{h}h{m:02d}m" if h else (f"{m}m{sec:02d}s" if m else f"{sec}s")
    return f"{platform} {reason}: waiting {span}, until {until:%H:%M} UTC"


AuthHandler = Callable[[httpx.Response], AuthError]


class ApiClient:
    def __init__(
        self,
        platform: str,
        label: str,
        *,
        http: HttpSettings,
        clock: Clock,
        meter: Meter,
        reporter: Reporter,
        on_auth_error: AuthHandler,
        token: Secret | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.platform = platform
        self.label = label
        self.settings = http
        self.clock = clock
        self.meter = meter
        self.reporter = reporter
        self.on_auth_error = on_auth_error
        self.limits = RateLimits()
        headers = {"User-Agent": f"diplotrack/{__version__} (+research collector)", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        self._client = httpx.Client(headers=headers, timeout=http.timeout, follow_redirects=True, transport=transport)

    def close(self) -> None:
        self._client.close()

    # -- waits ---------------------------------------------------------------------------------
    def _wait(self, until: float, reason: str) -> None:
        now = self.clock.now()
        seconds = until - now
        if seconds <= 0:
            return
        self.meter.waits += 1
        self.meter.wait_s += seconds
        self.reporter.waiting(self.label, seconds, datetime.fromtimestamp(until, UTC), reason)
        completed = self.clock.sleep(seconds)
        self.reporter.waited(self.label)
        if not completed:
            raise Stopped("stopped while waiting")

    def _backoff_sleep(self, seconds: float) -> None:
        self._wait(self.clock.now() + seconds, "retry backoff")

    # -- requests ------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None,
        *,
        bucket: str,
        token: Secret | None = None,
    ) -> httpx.Response:
        """GET ``url``; returns the response once it is neither a 429, a 5xx nor a transport fault.
        ``token``: a credential for this request only (Mastodon: each instance its own)."""
        rate_waits = 0
        while True:
            if self.clock.stop.is_set():
                raise Stopped("stop requested")
            until = self.limits.wait_until(bucket, self.clock.now())
            if until is not None:
                self._wait(until, "rate limit")
            response = self._send_with_retries(url, params, bucket, token)
            if response.status_code == 429:
                rate_waits += 1
                if rate_waits > self.settings.max_rate_limit_waits:
                    raise RequestFailed(
                        f"{self.label} kept answering 429 (rate limited) after {rate_waits - 1} waits for "
                        f"{shown_url(response.request.url)}; try again later",
                        url=shown_url(response.request.url),
                        status=429,
                    )
                now = self.clock.now()
                until = retry_after(response.headers, now)
                if until is None:  # no hint: back off exponentially
                    until = now + min(self.settings.backoff_max, self.settings.backoff_initial * 2**rate_waits)
                self._wait(until, "rate limit")
                continue
            if response.status_code in (401, 403):
                raise self.on_auth_error(response)
            return response

    def _send_with_retries(self, url: str, params: Any, bucket: str, token: Secret | None = None) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.retries)),
            wait=wait_exponential_jitter(
                multiplier=self.settings.backoff_initial,
                max=self.settings.backoff_max,
                jitter=self.settings.backoff_initial,
            ),
            retry=retry_if_exception_type(TransientHTTPError),
            sleep=self._backoff_sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, url, params, bucket, token)
        except TransientHTTPError as exc:
            raise RequestFailed(
                f"{self.label}: {exc} (after {self.settings.retries} tries); the run goes on without it",
                url=getattr(exc, "url", url),
            ) from None

    def _send_once(self, url: str, params: Any, bucket: str, token: Secret | None = None) -> httpx.Response:
        self.meter.request(bucket)
        self.limits.spend(bucket)
        headers = {"Authorization": f"Bearer {token.reveal()}"} if token else None
        try:
            response = self._client.get(url, params=params, headers=headers)
        except httpx.TimeoutException:
            shown = _shown_req(url, params)
            raise _transient(f"timed out after {self.settings.timeout:g}s on {shown}", shown) from None
        except httpx.TransportError as exc:
            shown = _shown_req(url, params)
            raise _transient(f"{type(exc).__name__} on {shown}", shown) from None
        except httpx.HTTPError as exc:  # e.g. a redirect loop: not worth retrying, not a crash either
            shown = _shown_req(url, params)
            raise RequestFailed(f"{self.label}: {type(exc).__name__} on {shown}", url=shown) from None
        self.limits.update(bucket, response.headers, self.clock.now())
        if response.status_code >= 500:
            shown = shown_url(response.request.url)
            raise _transient(f"HTTP {response.status_code} from {shown}", shown)
        return response


def _transient(message: str, url: str) -> TransientHTTPError:
    exc = TransientHTTPError(message)
    exc.url = url  # type: ignore[attr-defined]
    return exc


def shown_url(url: httpx.URL) -> str:
    """A URL as it may be shown and stored: without any user:password part."""
    return str(url.copy_with(userinfo=b"")) if url.userinfo else str(url)


def _shown_req(url: str, params: Any) -> str:
    return shown_url(httpx.URL(url, params=params) if params else httpx.URL(url))


def json_of(response: httpx.Response) -> Any:
    """The response's JSON; raises MalformedPage (with the URL and bytes) when it is not JSON."""
    import orjson

    from diplotrack.collect.errors import MalformedPage

    body = response.content
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        what = (
            "truncated JSON"
            if "unexpected end" in str(exc).lower() or body.count(b"{") > body.count(b"}")
            else "invalid JSON"
        )
        raise MalformedPage(
            f"{what} from {shown_url(response.request.url)} ({len(body)} bytes, {exc})",
            url=shown_url(response.request.url),
            body=body,
        ) from None
