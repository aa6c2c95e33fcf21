"""Following links' redirects (enrich/links.py) against a real HTTP server on 127.0.0.1: chains of
301/302/307/308 with relative and absolute Locations, loops, too many hops, 404, 410, 500, a slow
answer hit by a short timeout, garbage and non-http Locations, a server that refuses HEAD, 429s
with Retry-After and x-rate-limit-reset, per-host politeness, and no cookie or credential sent.

The same server also works as an HTTP proxy (a request line with an absolute URL), so links on
real shortener hosts (http://t.co/...) reach it without any network (test_links_store.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from diplotrack.collect.clock import SimulatedClock
from diplotrack.enrich.links import USER_AGENT, Deferred, LinkSettings, Resolver

FAST = LinkSettings(timeout=0.2, max_hops=5, delay=0.0, concurrency=2, allow_private=True)


@dataclass
class Seen:
    method: str
    host: str
    path: str
    headers: dict[str, str]


# (method, host, path, request headers) -> (status, response headers, seconds to wait before answering)
Route = Callable[[str, str, str, dict[str, str]], tuple[int, dict[str, str], float]]


@dataclass
class LinkServer:
    """A threaded HTTP server answering HEAD and GET from ``route``, directly or as a proxy."""

    route: Route
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        server = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                if self.path.startswith("http://"):  # as a proxy: the request line carries the whole URL
                    parts = urlsplit(self.path)
                    host, path = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
                else:
                    host, path = self.headers.get("Host", ""), self.path
                headers = {k.lower(): v for k, v in self.headers.items()}
                with lock:
                    server.seen.append(Seen(self.command, host, path, headers))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, extra, delay = server.route(self.command, host, path, headers)
                    if delay:
                        time.sleep(delay)
                finally:
                    # done before the answer goes out: once the client has it, it may send the next
                    # request, which must not find this one still counted (a race under load)
                    with lock:
                        server.in_flight -= 1
                try:
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _answer  # noqa: N815
            do_HEAD = _answer  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self) -> list[tuple[str, str]]:
        return [(s.method, s.path) for s in self.seen]


def _redirect(code: int, location: str | None, **headers: str) -> tuple[int, dict[str, str], float]:
    return code, ({"Location": location} if location is not None else {}) | headers, 0.0


class Site:
    """The routes of the direct tests (host 127.0.0.1:port), with a clock for rate-limit resets."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.hits: dict[str, int] = {}
        self.base = ""

    def __call__(self, method: str, host: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], float]:
        path = path.split("?", 1)[0]
        n = self.hits[path] = self.hits.get(path, 0) + 1
        if path.startswith("/hop/"):
            return _redirect(302, f"/hop/{int(path[5:]) + 1}")
        fixed = {
            "/ok": (200, {}, 0.0),
            "/a": _redirect(301, "/b"),  # relative to the host
            "/b": _redirect(302, "c"),  # relative to the path
            "/c": _redirect(307, f"{self.base}/d"),  # absolute
            "/d": _redirect(308, "/ok"),
            "/loop1": _redirect(302, "/loop2"),
            "/loop2": _redirect(301, f"{self.base}/loop1"),
            "/gone404": (404, {}, 0.0),
            "/gone410": (410, {}, 0.0),
            "/broken": (500, {}, 0.0),
            "/forbidden": (403, {}, 0.0),
            "/slow": (200, {}, 0.3),
            "/garbage": _redirect(301, "http://[oops"),
            "/js": _redirect(302, "javascript:alert(1)"),
            "/noloc": _redirect(302, None),
            "/cookie": _redirect(302, "/echo", **{"Set-Cookie": "sid=secret; Path=/"}),
            "/echo": (200, {}, 0.0),
            "/far": (
                429,
                {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(self.clock.now()) + 864000)},
                0,
            ),
            "/paced": (200, {}, 0.02),
        }
        if path == "/nohead":
            return (405, {}, 0.0) if method == "HEAD" else _redirect(301, "/ok")
        if path == "/retry-after":
            return (429, {"Retry-After": "7"}, 0.0) if n == 1 else (200, {}, 0.0)
        if path == "/reset":
            reset = str(int(self.clock.now()) + 30)
            return (
                (429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}, 0.0) if n == 1 else (200, {}, 0.0)
            )
        return fixed.get(path, (404, {}, 0.0))


@pytest.fixture
def site() -> Iterator[tuple[LinkServer, Site, SimulatedClock]]:
    clock = SimulatedClock()
    app = Site(clock)
    server = LinkServer(app)
    app.base = server.base
    yield server, app, clock
    server.close()


def _resolver(clock: SimulatedClock, **changes: object) -> Resolver:
    return Resolver(LinkSettings(**{**FAST.__dict__, **changes}), clock)


def test_a_chain_of_301_302_307_308_with_relative_locations(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    r = _resolver(clock).resolve(f"{server.base}/a")
    assert (r.status, r.http_status, r.hops, r.error) == ("ok", 200, 4, None)
    assert r.final_url == f"{server.base}/ok"
    assert r.final_domain is None  # an IP address has no registered domain
    assert server.paths() == [("HEAD", "/a"), ("HEAD", "/b"), ("HEAD", "/c"), ("HEAD", "/d"), ("HEAD", "/ok")]
    assert {s.headers["user-agent"] for s in server.seen} == {USER_AGENT}


@pytest.mark.parametrize(
    ("path", "status", "http_status", "final", "error"),
    [
        ("/loop1", "loop", 301, "/loop1", "redirect loop"),
        ("/hop/0", "too_many_hops", 302, "/hop/6", "more than 5 redirects"),
        ("/gone404", "dead", 404, "/gone404", "HTTP 404"),
        ("/gone410", "dead", 410, "/gone410", "HTTP 410"),
        ("/broken", "error", 500, "/broken", "HTTP 500"),
        ("/forbidden", "refused", 403, "/forbidden", "HTTP 403"),
        ("/garbage", "invalid", 301, "/garbage", "unusable Location 'http://[oops'"),
        ("/js", "invalid", 302, "/js", "unusable Location 'javascript:alert(1)'"),
        ("/noloc", "invalid", 302, "/noloc", "without a Location"),
    ],
)
def test_each_way_a_chain_ends(site, path, status, http_status, final, error) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    r = _resolver(clock).resolve(f"{server.base}{path}")
    assert (r.status, r.http_status, r.final_url) == (status, http_status, f"{server.base}{final}")
    assert error in (r.error or "")
    if status in ("dead", "error", "refused"):  # HEAD refused: asked again with GET
        assert [m for m, p in server.paths() if p == path] == ["HEAD", "GET"]
    if path == "/js":
        assert all(p != "alert(1)" for _, p in server.paths())


def test_a_slow_answer_is_an_error_after_the_timeout(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    started = time.perf_counter()
    r = _resolver(clock, timeout=0.1).resolve(f"{server.base}/slow")
    assert time.perf_counter() - started < 0.28
    assert (r.status, r.http_status, r.error) == ("error", None, "timed out after 0.1s")
    assert server.paths() == [("HEAD", "/slow")]  # a timeout is not asked again with GET


def test_a_server_refusing_head_is_asked_with_get(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    r = _resolver(clock).resolve(f"{server.base}/nohead")
    assert (r.status, r.final_url, r.hops) == ("ok", f"{server.base}/ok", 1)
    assert server.paths() == [("HEAD", "/nohead"), ("GET", "/nohead"), ("HEAD", "/ok")]


def test_no_cookie_and_no_credentials_are_sent(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    r = _resolver(clock).resolve(f"http://someone:hunter2@127.0.0.1:{server.port}/cookie")
    assert r.status == "ok" and r.final_url == f"{server.base}/echo"
    assert "hunter2" not in (r.final_url or "")
    assert [p for _, p in server.paths()] == ["/cookie", "/echo"]
    assert all("cookie" not in s.headers and "authorization" not in s.headers for s in server.seen)


def test_429_waits_as_retry_after_or_the_reset_header_says(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    waits: list[tuple[str, float]] = []
    resolver = Resolver(FAST, clock, on_wait=lambda host, seconds: waits.append((host, seconds)))
    assert resolver.resolve(f"{server.base}/retry-after").status == "ok"
    assert clock.slept == pytest.approx(7, abs=0.01)
    assert waits == [("127.0.0.1", pytest.approx(7, abs=0.01))]  # shown in the progress display
    assert resolver.resolve(f"{server.base}/reset").status == "ok"
    assert clock.slept == pytest.approx(7 + 30, abs=1.01)
    assert server.paths() == [("HEAD", "/retry-after")] * 2 + [("HEAD", "/reset")] * 2


def test_a_reset_past_max_wait_defers_the_host_for_the_run(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    resolver = _resolver(clock, max_wait=3600)
    with pytest.raises(Deferred, match="rate limited until .* left for a later run"):
        resolver.resolve(f"{server.base}/far")
    with pytest.raises(Deferred):  # the host is not asked again in this run
        resolver.resolve(f"{server.base}/ok")
    assert server.paths() == [("HEAD", "/far")] and clock.slept == 0


def test_one_request_at_a_time_per_host_and_the_delay_between(site) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    resolver = _resolver(clock, delay=2.0, concurrency=4)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(resolver.resolve, [f"{server.base}/paced?{i}" for i in range(4)]))
    assert {r.status for r in results} == {"ok"}
    assert server.max_in_flight == 1  # four threads, one host: never two requests at once
    assert clock.slept == pytest.approx(3 * 2.0)  # every request after the first waited the delay
    assert resolver.requests == 4


def test_private_addresses_and_other_schemes_are_not_requested(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server, _, clock = site
    real = socket.getaddrinfo

    def dns(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "intranet.example.com":  # a public-looking name that points inside
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    resolver = Resolver(LinkSettings(timeout=0.2), clock)  # allow_private off, as in real runs
    for url in (
        f"{server.base}/ok",
        f"http://2130706433:{server.port}/ok",  # 127.0.0.1 written as a number
        f"http://127.1:{server.port}/ok",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "http://intranet.example.com/",
    ):
        r = resolver.resolve(url)
        assert r.status == "invalid" and "private" in (r.error or ""), url
    for url in ("ftp://example.com/x", "javascript:alert(1)", "not a url", ""):
        assert resolver.resolve(url).status == "invalid"
    assert server.seen == [] and resolver.requests == 0


def test_a_location_with_a_bad_idna_label_is_invalid_not_a_crash() -> None:
    # httpx parses ``xn--zz`` but raises IDNAError when its host is read: a hostile post or server
    # must not stop the whole run
    server = LinkServer(lambda method, host, path, headers: _redirect(302, "http://xn--zz.example.com/"))
    try:
        resolver = Resolver(FAST, SimulatedClock())
        r = resolver.resolve(f"{server.base}/start")
        assert (r.status, r.http_status, r.hops) == ("invalid", 302, 0)
        assert "unusable Location" in (r.error or "")
        assert resolver.resolve("http://xn--zz.t.co/x").status == "invalid"
        assert server.paths() == [("HEAD", "/start")]
    finally:
        server.close()


def test_headers_sent_a_byte_at_a_time_still_end_at_the_timeout() -> None:
    # slowloris: each read comes within the timeout, the answer never ends; the timeout bounds it all
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.02):
                try:
                    conn.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    return

    threading.Thread(target=drip, daemon=True).start()
    try:
        started = time.perf_counter()
        r = Resolver(LinkSettings(**{**FAST.__dict__, "timeout": 0.15}), SimulatedClock()).resolve(
            f"http://127.0.0.1:{listener.getsockname()[1]}/drip"
        )
        assert time.perf_counter() - started < 0.4
        assert (r.status, r.error) == ("error", "timed out after 0.15s")
    finally:
        stop.set()
        listener.close()


def test_ipv6_addresses_carrying_a_private_ipv4_one_are_not_requested() -> None:
    resolver = Resolver(LinkSettings(timeout=0.2), SimulatedClock())  # allow_private off
    for url in (
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a00:5]/",  # NAT64 of 10.0.0.5
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[::ffff:10.0.0.1]/",  # IPv4-mapped
    ):
        r = resolver.resolve(url)
        assert r.status == "invalid" and "private" in (r.error or ""), url
    assert resolver.requests == 0
