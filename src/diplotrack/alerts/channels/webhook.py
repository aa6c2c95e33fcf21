"""The webhook channel (``webhook``): one signed HTTP POST per alert, retried with backoff.

The body is the alert's JSON form (``channels.json_line``: the same object as a line of the JSON-lines
channel). Headers: ``Content-Type: application/json``, ``User-Agent: diplotrack/<version>``,
``X-Diplotrack-Alert-Id`` (the alert's id: a receiver that got it already can drop it),
``X-Diplotrack-Timestamp`` (Unix seconds when this try was sent) and, with a secret,
``X-Diplotrack-Signature: sha256=<hex>``: the HMAC-SHA256 of ``<timestamp>.<body>`` keyed with the
secret (docs/alerts.md shows how a receiver checks it).

Any 2xx answer delivers the alert (its body is not read). Each try ends after ``timeout`` seconds in
all (connecting, sending and reading the answer's status and headers): httpx's own timeouts bound
each read, and a receiver sending its answer a byte at a time would otherwise hold a try for days
(``collect/deadline.py``, as the link resolver does). A connection error, a timeout, a 429 or a 5xx
is tried again after a wait that doubles from ``backoff_initial`` up to ``backoff_max`` (plus up to
``jitter`` of it at random); a 429's ``Retry-After`` is waited instead when it says how long, and
when it asks for more than ``backoff_max`` the alert is left for the next evaluation. Any other
answer (a 4xx, a redirect) means the receiver refused it: no retry. Once an alert has used up its
tries on a failing receiver, the alerts after it are not tried in this evaluation (each would wait
as long); every alert that is not delivered is offered again at the next evaluation. Every wait goes
through the clock, so a stop request cuts it short.

Errors name the receiver by its host only: a webhook URL often carries a token in its path or query,
and the secret is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import httpx

from diplotrack import __version__
from diplotrack.alerts.channels import json_line
from diplotrack.alerts.model import Alert
from diplotrack.collect.clock import Clock
from diplotrack.collect.config import Secret
from diplotrack.collect.deadline import bound_answers, within
from diplotrack.collect.ratelimit import parse_retry_after
from diplotrack.errors import InvalidValueError

NAME = "webhook"
SIGNATURE_HEADER = "X-Diplotrack-Signature"
TIMESTAMP_HEADER = "X-Diplotrack-Timestamp"
ID_HEADER = "X-Diplotrack-Alert-Id"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``<timestamp>.<body>`` keyed with ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def receiver_name(url: httpx.URL) -> str:
    """How errors name a receiver: its host (and port), never its path, query or user info."""
    return f"{url.host}:{url.port}" if url.port else url.host


def checked_url(url: str) -> httpx.URL:
    """``url`` as an http(s) URL with a host; anything else is refused with a sentence that does not
    repeat the URL (it may hold a token)."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidValueError(
            "the webhook url must be an http:// or https:// address with a host; fix it in the config file"
        )
    return parsed


@dataclass
class _Try:
    """What one POST gave: ``done`` (delivered, or refused for good), the error if any, and the wait
    asked for before the next try (None: the channel's backoff)."""

    done: bool
    error: str | None = None
    wait: float | None = None


class WebhookChannel:
    """POSTs each alert to ``url``, signed with ``secret`` when one is given. ``retries``: tries after
    the first (so at most ``retries + 1`` POSTs per alert); ``timeout``: seconds a try may take in all
    (connect, send, the answer's status and headers); ``jitter``: the largest random share added to a
    backoff wait (0 for none)."""

    name = NAME

    def __init__(
        self,
        url: str,
        secret: Secret | None,
        clock: Clock,
        *,
        retries: int = 4,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        timeout: float = 10.0,
        jitter: float = 0.1,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = checked_url(url)
        self.secret = secret
        self.clock = clock
        self.retries = max(0, retries)
        self.backoff_initial = max(0.0, backoff_initial)
        self.backoff_max = max(self.backoff_initial, backoff_max)
        self.timeout = timeout
        self.jitter = max(0.0, jitter)
        self.rng = rng or random.Random()  # noqa: S311 (spreading retries, not a secret)
        self.waits: list[float] = []  # every wait done, in seconds (the CLI's summary, tests)
        self.receiver = receiver_name(self.url)
        self._transport = transport

    # -- the channel -------------------------------------------------------------------------------
    def send(self, alerts: Sequence[Alert], con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
        results: dict[str, str | None] = {}
        headers = {"Content-Type": "application/json", "User-Agent": f"diplotrack/{__version__}"}
        transport = self._transport or httpx.HTTPTransport()
        if isinstance(transport, httpx.HTTPTransport):
            bound_answers(transport)  # each try ends after ``timeout`` in all (``within`` in _post)
        with httpx.Client(headers=headers, timeout=self.timeout, follow_redirects=False, transport=transport) as client:
            for i, alert in enumerate(alerts):
                if self.clock.stop.is_set():  # a stop asked for: the rest waits for the next evaluation
                    results.update({a.alert_id: "not sent: stop requested" for a in alerts[i:]})
                    break
                error, given_up = self._deliver(client, alert)
                results[alert.alert_id] = error
                if given_up:  # the receiver is failing (or a stop came): the rest waits for the next evaluation
                    why = (
                        "not sent: stop requested"
                        if self.clock.stop.is_set()
                        else f"not sent: the webhook at {self.receiver} failed on an earlier alert of this "
                        "evaluation; it is offered again at the next evaluation"
                    )
                    results.update({rest.alert_id: why for rest in alerts[i + 1 :]})
                    break
        return results

    def _deliver(self, client: httpx.Client, alert: Alert) -> tuple[str | None, bool]:
        """(None, False) when delivered; (error, False) when refused; (error, True) when every try
        failed (or a stop was asked for), which stops this evaluation's deliveries."""
        body = json_line(alert).encode()
        causes: list[str] = []
        for attempt in range(self.retries + 1):
            outcome = self._post(client, alert, body)
            if outcome.done:
                return outcome.error, False
            causes.append(outcome.error or "failed")
            if attempt == self.retries:
                break
            if outcome.wait is not None and outcome.wait > self.backoff_max:
                return (
                    f"the webhook at {self.receiver} asked to wait {outcome.wait:.0f} s (Retry-After), longer "
                    f"than backoff_max ({self.backoff_max:g} s); it is offered again at the next evaluation",
                    True,
                )
            wait = self._backoff(attempt) if outcome.wait is None else outcome.wait
            self.waits.append(wait)
            if not self.clock.sleep(wait):
                return "not sent: stop requested while waiting to retry the webhook", True
        return (
            f"the webhook at {self.receiver} failed: {_causes_text(causes)}; "
            "it is offered again at the next evaluation",
            True,
        )

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_initial * 2**attempt)
        return base + (base * self.rng.uniform(0, self.jitter) if self.jitter else 0.0)

    def _post(self, client: httpx.Client, alert: Alert, body: bytes) -> _Try:
        timestamp = str(int(self.clock.now()))
        headers = {ID_HEADER: alert.alert_id, TIMESTAMP_HEADER: timestamp}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret.reveal(), timestamp, body)
        try:
            # streamed and closed unread: a 2xx is the whole answer needed, and a receiver sending an
            # endless (or cut short) body after its status costs nothing
            with within(self.timeout), client.stream("POST", self.url, content=body, headers=headers) as response:
                status = response.status_code
                retry_after = response.headers.get("retry-after")
        except httpx.TimeoutException:
            return _Try(False, f"timed out after {self.timeout:g} s")
        except httpx.TransportError as exc:
            return _Try(False, _transport_cause(exc))
        except httpx.HTTPError as exc:
            return _Try(True, f"the webhook at {self.receiver} could not be reached ({type(exc).__name__})")
        if 200 <= status < 300:
            return _Try(True)
        if status == 429:
            now = self.clock.now()
            until = parse_retry_after(retry_after, now)
            return _Try(False, "HTTP 429 (too many requests)", None if until is None else max(0.0, until - now))
        if status >= 500:
            return _Try(False, f"HTTP {status}")
        what = (
            "a redirect: set the webhook url to the address it redirects to"
            if 300 <= status < 400
            else ("the receiver refused it: check the url, the secret and what the receiver expects")
        )
        return _Try(True, f"the webhook at {self.receiver} answered HTTP {status} ({what})")


def _transport_cause(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the answer was not valid HTTP or was cut short"
    return f"connection failed ({type(exc).__name__})"


def _causes_text(causes: list[str]) -> str:
    """``5 tries, each HTTP 503`` or ``3 tries, the first timed out after 10 s, the last HTTP 502``."""
    if len(causes) == 1:
        return causes[0]
    if len(set(causes)) == 1:
        return f"{len(causes)} tries, each {causes[0]}"
    return f"{len(causes)} tries, the first {causes[0]}, the last {causes[-1]}"
