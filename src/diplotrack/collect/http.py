"""One HTTP client per platform: rate-limit waits, retries with backoff, and errors that say what to do.

- Before a request, a bucket spent to zero is waited out (shown in the progress display).
- A 429 waits until the reset its headers give (or ``Retry-After``), then tries again; a header
  that is garbage (``NaN``, negative, not a time) counts as absent: exponential backoff.
- No rate-limit wait is longer than ``[http] max_wait`` (default one hour): a reset further ahead
  gives that endpoint (bucket) up for the run, with a message saying until when and what to do.
- A 5xx, a timeout, a reset connection or a body cut short is retried with bounded exponential
  backoff and jitter (tenacity), then reported as failed with its first and last cause.
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
from diplotrack.collect.config import MAX_WAIT_ENV, HttpSettings, Secret
from diplotrack.collect.errors import AuthError, RateLimitGivenUp, RequestFailed, Stopped, TransientHTTPError
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


def span_text(seconds: float) -> str:
    """``4m12s``, ``1h05m``, ``3d02h``."""
    s = max(0, round(seconds))
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{d}d{h:02d}h"
    return f"{h}h{m:02d}m" if h else (f"{m}m{sec:02d}s" if m else f"{sec}s")


def describe_wait(platform: str, seconds: float, until: datetime, reason: str) -> str:
    """``X rate limit: waiting 4m12s, until 10:32 UTC``; a wait of a day or more gives the date."""
    when = f"{until:%Y-%m-%d %H:%M}" if seconds >= 86400 else f"{until:%H:%M}"
    return f"{platform} {reason}: waiting {span_text(seconds)}, until {when} UTC"


def when_text(epoch: float) -> str:
    """A moment as ``2036-01-02 10:32 UTC``, even one past what a datetime can hold."""
    try:
        return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M} UTC"
    except (OverflowError, ValueError, OSError):
        return "after the year 9999"


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
        self.given_up: dict[str, str] = {}  # bucket -> why it is not asked again in this run
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

    def _rate_wait(self, bucket: str, until: float, url: str, params: Any) -> None:
        """Wait for a rate-limit reset, unless it is further ahead than ``max_wait``: then the bucket
        is given up for this run (each later request to it fails at once, without being sent)."""
        if until - self.clock.now() > self.settings.max_wait:
            why = (
                f"{self.label} rate limit on {bucket} resets {when_text(until)}, later than the longest wait "
                f"allowed ({span_text(self.settings.max_wait)}: [http] max_wait or {MAX_WAIT_ENV}); {bucket} is "
                "given up for this run: run again after the reset, or raise max_wait"
            )
            # later requests to the bucket are skipped with a shorter line that still says why
            self.given_up[bucket] = (
                f"{bucket} is given up for this run (its rate limit resets {when_text(until)}, past max_wait)"
            )
            self.reporter.note(why)
            raise RateLimitGivenUp(why, url=_shown_req(url, params), status=429)
        self._wait(until, "rate limit")

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
            if bucket in self.given_up:
                raise RateLimitGivenUp(f"not asked: {self.given_up[bucket]}", url=_shown_req(url, params), status=429)
            until = self.limits.wait_until(bucket, self.clock.now())
            if until is not None:
                self._rate_wait(bucket, until, url, params)
            response = self._send_with_retries(url, params, bucket, token)
            if response.status_code == 429:
                rate_waits += 1
                if rate_waits > self.settings.max_rate_limit_waits:
                    raise RequestFailed(
                        f"{self.label} kept answering 429 (rate limited) after {rate_waits - 1} waits; try again later",
                        url=shown_url(response.request.url),
                        status=429,
                    )
                now = self.clock.now()
                until = retry_after(response.headers, now)
                if until is None:  # no usable hint (none, or garbage): back off exponentially
                    backoff = min(self.settings.backoff_max, self.settings.backoff_initial * 2**rate_waits)
                    self._wait(now + backoff, "rate limit")
                else:
                    self._rate_wait(bucket, until, url, params)
                continue
            if response.status_code in (401, 403):
                raise self.on_auth_error(response)
            return response

    def _send_with_retries(self, url: str, params: Any, bucket: str, token: Secret | None = None) -> httpx.Response:
        causes: list[str] = []  # why each try failed: the skip keeps the first and the last
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
            return retrying(self._send_once, url, params, bucket, token, causes)
        except TransientHTTPError:
            raise RequestFailed(
                f"{self.label}: {_causes_text(causes)}; the run goes on without it", url=_shown_req(url, params)
            ) from None

    def _get_bounded(self, url: str, params: Any, headers: dict[str, str] | None) -> httpx.Response:
        """GET, reading at most ``settings.max_body`` bytes of the answer: a hostile or broken server
        sending gigabytes (or never ending) costs that request, not the machine's memory."""
        limit = self.settings.max_body
        with self._client.stream("GET", url, params=params, headers=headers) as response:
            body = _bounded_body(response, limit)
        if body is None:
            raise RequestFailed(
                f"{self.label}: the answer is larger than {limit / 2**20:g} MiB; not read further",
                url=_shown_req(url, params),
            )
        response._content = body  # what ``read()`` would have set: the decoded body, read in full
        return response

    def _send_once(
        self, url: str, params: Any, bucket: str, token: Secret | None = None, causes: list[str] | None = None
    ) -> httpx.Response:
        self.meter.request(bucket)
        self.limits.spend(bucket)
        headers = {"Authorization": f"Bearer {token.reveal()}"} if token else None
        causes = [] if causes is None else causes
        try:
            response = self._get_bounded(url, params, headers)
        except httpx.TimeoutException:
            causes.append(f"timed out after {self.settings.timeout:g}s")
            raise TransientHTTPError(causes[-1]) from None
        except httpx.TransportError as exc:
            causes.append(_transport_cause(exc))
            raise TransientHTTPError(causes[-1]) from None
        except httpx.HTTPError as exc:  # e.g. a redirect loop: not worth retrying, not a crash either
            raise RequestFailed(f"{self.label}: {type(exc).__name__}", url=_shown_req(url, params)) from None
        self.limits.update(bucket, response.headers, self.clock.now())
        if response.status_code >= 500:
            causes.append(f"HTTP {response.status_code}")
            raise TransientHTTPError(causes[-1])
        return response


def _bounded_body(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a streamed answer, read a chunk at a time; None once it passes ``limit`` bytes
    (what the server declares is checked first, so a declared 10 GB body is not even started)."""
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _transport_cause(exc: httpx.TransportError) -> str:
    text = str(exc).lower()
    if isinstance(exc, httpx.RemoteProtocolError) and "complete message body" in text:
        return "body cut short (the connection closed mid-response)"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (ConnectError)"
    return f"connection failed ({type(exc).__name__})"


def _causes_text(causes: list[str]) -> str:
    """``3 tries failed, the first timed out after 30s, the last body cut short``."""
    if not causes:
        return "the request failed"
    if len(causes) == 1:
        return causes[0]
    if len(set(causes)) == 1:
        return f"{len(causes)} tries failed, each {causes[0]}"
    return f"{len(causes)} tries failed, the first {causes[0]}, the last {causes[-1]}"


def shown_url(url: httpx.URL) -> str:
    """A URL as it may be shown and stored: without any user:password part."""
    return str(url.copy_with(userinfo=b"")) if url.userinfo else str(url)


def _shown_req(url: str, params: Any) -> str:
    return shown_url(httpx.URL(url, params=params) if params else httpx.URL(url))


# the query parameters that say which page of which account a request was: the cursor and the
# account where the path does not carry it (a skip names its URL by these; the fields lists go)
_NAMING_PARAMS = ("actor", "acct", "pagination_token", "cursor", "max_id", "before")


def short_url(url: str) -> str:
    """A URL as a skip names it: host, path, and only the account and cursor parameters
    (``api.x.com/2/users/12/tweets?pagination_token=7140dibdnow9c7btw3z2vwioavpvutgzrzm9icls``)."""
    if "://" not in url:  # already short, or not a URL
        return url
    try:
        u = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if not u.host:
        return url
    kept = [(k, v) for k, v in u.params.multi_items() if k in _NAMING_PARAMS]
    host = f"{u.host}:{u.port}" if u.port else u.host
    query = "&".join(f"{k}={v}" for k, v in kept)
    return f"{host}{u.path}" + (f"?{query}" if query else "")


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
            f"{what} ({len(body)} bytes, {exc})",
            url=shown_url(response.request.url),
            body=body,
        ) from None
