"""The webhook channel against a real HTTP server on 127.0.0.1 (the collector tests' ``LocalServer``
and its fault queue): signed deliveries a receiver can verify, retries with growing waits on a
simulated clock, Retry-After, timeouts, broken answers, refusals, and errors that never carry the
secret or the URL's token."""

from __future__ import annotations

import hashlib
import hmac
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import orjson
import pytest

_COLLECT = str(Path(__file__).resolve().parents[1] / "collect")  # the collector tests' local servers
if _COLLECT not in sys.path:
    sys.path.append(_COLLECT)
from apiservers import LocalServer, Reply, Request  # noqa: E402

from diplotrack.alerts.channels import alert_record  # noqa: E402
from diplotrack.alerts.channels.webhook import WebhookChannel  # noqa: E402
from diplotrack.alerts.model import Alert  # noqa: E402
from diplotrack.collect.clock import SimulatedClock  # noqa: E402
from diplotrack.collect.config import Secret  # noqa: E402
from diplotrack.errors import InvalidValueError  # noqa: E402

SECRET = "whsec-" + "5e3c9a1f7d2b"
URL_TOKEN = "tok" + "A9f3kQ"  # a token in the URL's path and query, as chat webhooks carry one


def _alert(n: int) -> Alert:
    return Alert(
        rule="account_status",
        key=f"x:11{n}:suspended",
        title=f'@ChinaEmbassy{n} "><img src=x onerror=alert(1)> was suspended',
        platform="x",
        handle=f"ChinaEmbassy{n}",
        user_id=f"11{n}",
        occurred_at=datetime(2026, 12, 1, 10, n),
        fired_at=datetime(2026, 12, 1, 11, 0),
        evidence={
            "before": {"status": "active"},
            "after": {"status": "suspended", "detail": "User has been suspended"},
        },
    )


class Receiver:
    """A LocalServer that also answers POST, keeping each request's body next to its headers."""

    def __init__(self) -> None:
        self.server = LocalServer(lambda req: Reply.json({"ok": True}))
        self.bodies: list[bytes] = []
        bodies = self.bodies

        def do_post(handler) -> None:  # type: ignore[no-untyped-def]
            size = int(handler.headers.get("Content-Length") or 0)
            bodies.append(handler.rfile.read(size))
            handler.do_GET()  # the server's own path: fault queue, app, reply

        self.server.httpd.RequestHandlerClass.do_POST = do_post  # type: ignore[attr-defined]

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def url(self) -> str:
        return f"{self.server.url}/hooks/{URL_TOKEN}?token={URL_TOKEN}"


@pytest.fixture(scope="module")
def running() -> Iterator[Receiver]:
    r = Receiver()
    with r.server:  # stopping a server costs half a second: one for the module
        yield r


@pytest.fixture
def receiver(running: Receiver) -> Receiver:
    """The module's receiver with no request seen and no fault queued."""
    running.server.requests.clear()
    running.server.faults.clear()
    running.bodies.clear()
    return running


def _channel(url: str, clock: SimulatedClock, **kw) -> WebhookChannel:  # type: ignore[no-untyped-def]
    kw.setdefault("jitter", 0.0)
    return WebhookChannel(url, Secret(SECRET), clock, **kw)


def verify(secret: str, headers: dict[str, str], body: bytes, now: float, window: float = 300) -> bool:
    """The receiver's check, as docs/alerts.md gives it."""
    timestamp = headers.get("x-diplotrack-timestamp", "")
    signature = headers.get("x-diplotrack-signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > window:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _no_secrets(results: dict[str, str | None]) -> None:
    for error in results.values():
        if error is not None:
            assert SECRET not in error and URL_TOKEN not in error and "token=" not in error, error


def test_each_alert_is_posted_once_signed_and_the_receiver_can_verify_it(receiver: Receiver) -> None:
    clock = SimulatedClock()
    alerts = [_alert(1), _alert(2)]
    results = _channel(receiver.url(), clock).send(alerts, con=None)  # type: ignore[arg-type]
    assert results == {a.alert_id: None for a in alerts}
    assert len(receiver.bodies) == 2 and clock.slept == 0
    for alert, req, body in zip(alerts, receiver.requests, receiver.bodies, strict=True):
        assert req.path == f"/hooks/{URL_TOKEN}" and req.arg("token") == URL_TOKEN
        assert req.headers["content-type"] == "application/json"
        assert req.headers["user-agent"].startswith("diplotrack/")
        assert req.headers["x-diplotrack-alert-id"] == alert.alert_id
        assert req.headers["x-diplotrack-timestamp"] == str(int(clock.now()))
        got = orjson.loads(body)
        assert got == orjson.loads(orjson.dumps(alert_record(alert)))
        assert list(got)[:4] == ["alert_id", "rule", "key", "title"]  # a stable key order
        assert verify(SECRET, req.headers, body, clock.now())
        assert not verify("another-secret", req.headers, body, clock.now())
        assert not verify(SECRET, req.headers, body + b" ", clock.now())  # the body was changed
        assert not verify(SECRET, req.headers, body, clock.now() + 301)  # replayed too late
    # without a secret: no signature header, delivered all the same
    WebhookChannel(receiver.url(), None, clock).send([_alert(3)], con=None)  # type: ignore[arg-type]
    assert "x-diplotrack-signature" not in receiver.requests[-1].headers


def test_a_5xx_is_retried_after_waits_that_grow_on_the_clock(receiver: Receiver) -> None:
    clock = SimulatedClock()
    receiver.server.inject(Reply(500, b"oops"), times=2)
    receiver.server.inject(Reply(502, b"x" * 200, truncate=True))  # a 5xx cut short mid-body
    results = _channel(receiver.url(), clock, backoff_initial=2.0).send([_alert(1)], con=None)  # type: ignore[arg-type]
    assert results == {_alert(1).alert_id: None}
    assert len(receiver.bodies) == 4
    channel = _channel(receiver.url(), SimulatedClock(), backoff_initial=2.0)
    assert [channel._backoff(i) for i in range(3)] == [2.0, 4.0, 8.0]
    assert clock.slept == 14.0
    stamps = [int(r.headers["x-diplotrack-timestamp"]) for r in receiver.requests]
    assert [b - a for a, b in zip(stamps, stamps[1:], strict=False)] == [2, 4, 8]  # each try signed anew
    assert all(
        verify(SECRET, r.headers, b, s) for r, b, s in zip(receiver.requests, receiver.bodies, stamps, strict=True)
    )


def test_backoff_is_capped_and_its_jitter_stays_within_its_share() -> None:
    import random

    ch = WebhookChannel("https://hooks.example/x", None, SimulatedClock(), backoff_initial=1.0, backoff_max=8.0,
                        jitter=0.1, rng=random.Random(7))  # fmt: skip
    waits = [ch._backoff(i) for i in range(6)]
    for w, base in zip(waits, [1, 2, 4, 8, 8, 8], strict=True):
        assert base <= w <= base * 1.1
    assert waits[:4] == sorted(waits[:4])


def test_a_429_waits_as_retry_after_says_and_a_longer_one_is_left_for_later(receiver: Receiver) -> None:
    clock = SimulatedClock()
    receiver.server.inject(Reply(429, b"", {"Retry-After": "7"}))
    assert _channel(receiver.url(), clock).send([_alert(1)], con=None) == {_alert(1).alert_id: None}  # type: ignore[arg-type]
    assert clock.slept == 7.0 and len(receiver.bodies) == 2

    receiver.server.inject(Reply(429, b"", {"Retry-After": "3600"}))
    results = _channel(receiver.url(), clock).send([_alert(2), _alert(3)], con=None)  # type: ignore[arg-type]
    assert len(receiver.bodies) == 3 and clock.slept == 7.0  # no wait of an hour, no second try
    assert "Retry-After" in results[_alert(2).alert_id] and "next evaluation" in results[_alert(2).alert_id]
    assert results[_alert(3).alert_id].startswith("not sent")  # type: ignore[union-attr]
    _no_secrets(results)


def test_a_timeout_and_a_broken_answer_are_retried(receiver: Receiver) -> None:
    clock = SimulatedClock()
    receiver.server.inject(Reply(200, b"{}", delay=0.4))  # longer than the client's timeout
    # two Content-Length headers that disagree: not a valid HTTP answer
    receiver.server.inject(Reply(200, b"{}", {"Content-Length": "999"}))
    results = _channel(receiver.url(), clock, timeout=0.15).send([_alert(1)], con=None)  # type: ignore[arg-type]
    assert results == {_alert(1).alert_id: None}
    assert len(receiver.bodies) == 3 and clock.slept == 1.0 + 2.0
    # a 200 whose body is cut short: the receiver said yes, the alert is delivered
    receiver.server.inject(Reply(200, b'{"ok": true, "padding": "' + b"x" * 100 + b'"}', truncate=True))
    assert _channel(receiver.url(), clock).send([_alert(2)], con=None) == {_alert(2).alert_id: None}  # type: ignore[arg-type]


def test_a_4xx_is_a_refusal_not_retried_and_later_alerts_still_go(receiver: Receiver) -> None:
    clock = SimulatedClock()
    receiver.server.inject(Reply(400, b"bad signature " + SECRET.encode()))
    results = _channel(receiver.url(), clock).send([_alert(1), _alert(2)], con=None)  # type: ignore[arg-type]
    error = results[_alert(1).alert_id]
    assert error is not None and "HTTP 400" in error and "refused" in error
    assert results[_alert(2).alert_id] is None
    assert len(receiver.bodies) == 2 and clock.slept == 0
    _no_secrets(results)


def test_when_every_try_fails_the_error_is_returned_and_the_rest_waits(receiver: Receiver) -> None:
    clock = SimulatedClock()
    receiver.server.inject(Reply(503, b"down"), times=10)
    results = _channel(receiver.url(), clock, retries=2).send([_alert(1), _alert(2)], con=None)  # type: ignore[arg-type]
    error = results[_alert(1).alert_id]
    assert error is not None and "3 tries, each HTTP 503" in error
    assert receiver.server.url.split("//")[1] in error  # the receiver named by host and port only
    assert results[_alert(2).alert_id].startswith("not sent")  # type: ignore[union-attr]
    assert len(receiver.bodies) == 3 and clock.slept == 1.0 + 2.0
    _no_secrets(results)


def test_an_unreachable_receiver_and_a_stop_request() -> None:
    clock = SimulatedClock()
    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://user:{SECRET}@127.0.0.1:{port}/h?token={URL_TOKEN}"
    results = _channel(dead, clock, retries=1).send([_alert(1)], con=None)  # type: ignore[arg-type]
    assert "could not connect" in results[_alert(1).alert_id]  # type: ignore[operator]
    _no_secrets(results)
    stopping = SimulatedClock()
    stopping.sleep = lambda s: (stopping.stop.set(), False)[1]  # type: ignore[method-assign] # a stop mid-wait
    results = _channel(dead, stopping).send([_alert(1), _alert(2)], con=None)  # type: ignore[arg-type]
    assert all("stop requested" in e for e in results.values()), results  # type: ignore[operator]
    results = _channel(dead, stopping).send([_alert(1)], con=None)  # type: ignore[arg-type]
    assert results == {_alert(1).alert_id: "not sent: stop requested"}  # not even tried


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example/x", "https://"]
)
def test_only_http_and_https_urls_are_taken(url: str) -> None:
    with pytest.raises(InvalidValueError) as exc:
        WebhookChannel(url + f"?token={URL_TOKEN}", Secret(SECRET), SimulatedClock())
    assert URL_TOKEN not in str(exc.value) and "http://" in str(exc.value)


class RawReceiver:
    """A receiver on 127.0.0.1 that reads a request and then answers as ``answer(conn)`` does, byte by
    byte if it likes (LocalServer answers whole): how a slow or endless receiver really behaves."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hooks/{URL_TOKEN}"
        self.answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, body = data.split(b"\r\n\r\n", 1)
                length = next(
                    int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-length")
                )
                while len(body) < length:  # the whole request read: closing then sends no reset
                    body += conn.recv(65536)
                self.answer(conn)
            except OSError:  # the client hung up: what the test wants
                pass

    def __enter__(self) -> RawReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def _drip(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400:  # a byte every 20 ms: 8 s in all
        conn.sendall(bytes([byte]))
        time.sleep(0.02)


def _endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(100_000):  # 400 MB unless the client stops reading
        conn.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")


def test_a_receiver_answering_a_byte_at_a_time_is_cut_at_the_timeout() -> None:
    # each byte comes well within the timeout, so a per-read timeout alone would wait the 8 s
    with RawReceiver(_drip) as slow:
        started = time.monotonic()
        results = _channel(slow.url, SimulatedClock(), retries=0, timeout=0.25).send([_alert(1)], con=None)  # type: ignore[arg-type]
        assert time.monotonic() - started < 2.0
    error = results[_alert(1).alert_id]
    assert error is not None and "timed out after 0.25 s" in error and "next evaluation" in error
    _no_secrets(results)


def test_a_receiver_whose_answer_never_ends_delivers_after_its_status() -> None:
    with RawReceiver(_endless) as endless:
        started = time.monotonic()
        results = _channel(endless.url, SimulatedClock(), timeout=2).send([_alert(1)], con=None)  # type: ignore[arg-type]
        assert time.monotonic() - started < 1.0 and results == {_alert(1).alert_id: None}  # the body is not read


def test_a_redirect_to_another_host_is_not_followed(receiver: Receiver) -> None:
    elsewhere = receiver.server.url.replace("127.0.0.1", "localhost") + "/collect"
    receiver.server.inject(Reply(307, b"", {"Location": elsewhere}))
    results = _channel(receiver.url(), SimulatedClock()).send([_alert(1)], con=None)  # type: ignore[arg-type]
    assert [r.path for r in receiver.requests] == [f"/hooks/{URL_TOKEN}"]  # the signed body went nowhere else
    error = results[_alert(1).alert_id]
    assert error is not None and "HTTP 307" in error and "redirect" in error
    _no_secrets(results)
