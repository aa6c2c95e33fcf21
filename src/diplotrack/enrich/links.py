"""Following shortened links to where they lead (``diplotrack resolve-links``), politely and resumably.

The links to follow are the stored URLs (``post_entities`` of type url, ``normalized``: the expanded
URL where the platform gave one) on a URL shortener of the bundled list (enrich/domains.py), most
linked first. Each is followed hop by hop, by hand: ``HEAD`` (then ``GET`` where a server refuses
``HEAD`` with a 4xx or 5xx, its body never read), a relative ``Location`` read against the URL that
sent it, at most ``max_hops`` redirects, a URL seen twice in one chain being a loop. Only http(s)
URLs are requested; a ``user:password@`` part is dropped before sending; no cookie is kept or
sent, no credential or proxy setting of the environment is used (a proxy only when given:
``--proxy``), and the User-Agent is a fixed, honest one. Links to ``localhost`` and to loopback,
private and link-local IP addresses, written as such or a name resolving to one (looked up first,
except through a proxy), are not requested (``invalid``) unless ``allow_private``. A run where
``UNREACHABLE`` links in a row cannot connect (offline) stops instead of caching an error for each.

Politeness: at most one request at a time per host, at least ``delay`` seconds apart; up to
``concurrency`` (1-4) links in flight over different hosts. A 429 waits until the time its
``x-rate-limit-reset`` (or ``ratelimit-reset``) or ``Retry-After`` header gives, for that host
only; a wait longer than ``max_wait`` leaves the host's links for a later run (not cached).

Each answer is cached in ``link_resolutions`` (one row per URL) with when it was resolved, the run,
and its ``status``:

- ``ok``: the chain ended on a 2xx (or another non-redirect answer below 400);
- ``dead``: it ended on a 404 or 410;
- ``refused``: it ended on another 4xx (401, 403, 451…): the site would not answer a robot;
- ``error``: a 5xx, a timeout or a connection failure (``--retry-failed`` tries these again);
- ``loop``, ``too_many_hops``: the redirects went round, or on past ``max_hops``;
- ``invalid``: the URL or a ``Location`` is not a usable http(s) URL.

``final_url`` and ``final_domain`` are the last URL reached, whatever the status (a dead page
still says which site the link pointed to); enrichment counts a link under ``final_domain`` unless
that is itself a shortener. Results are written in batches, each one transaction: a run killed at
any moment keeps whole batches, and the next run goes on with the links not yet cached.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

import duckdb
import httpx
import pyarrow as pa

from diplotrack import __version__
from diplotrack.collect.clock import Clock
from diplotrack.collect.deadline import bound_answers, deadline
from diplotrack.collect.http import span_text, when_text
from diplotrack.collect.ratelimit import retry_after
from diplotrack.enrich.domains import host_of, is_shortener, registered_domain
from diplotrack.enrich.link_guard import is_private, usable
from diplotrack.store.db import transaction, utcnow

STATUSES = ("ok", "dead", "refused", "error", "loop", "too_many_hops", "invalid")
RETRIABLE = ("error",)
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = f"diplotrack/{__version__} (+research link resolver; follows redirects only)"
BATCH = 200  # results per write
_RATE_RETRIES = 3  # 429s in a row for one request before the host is left for a later run
UNREACHABLE = 20  # links in a row that could not connect: the run stops (offline?) instead of caching errors
_NO_CONNECTION = "could not connect (ConnectError)"


@dataclass(frozen=True)
class LinkSettings:
    timeout: float = 10.0  # seconds per request
    max_hops: int = 10
    delay: float = 1.0  # seconds between two requests to the same host
    concurrency: int = 2  # links in flight (over different hosts), 1-4
    max_wait: float = 600.0  # the longest rate-limit wait, seconds
    allow_private: bool = False  # request loopback, private and link-local addresses too (tests)
    proxy: str | None = None  # an HTTP proxy to send every request through (none from the environment)


@dataclass(frozen=True)
class Resolution:
    url: str
    final_url: str | None
    final_domain: str | None
    status: str
    http_status: int | None
    hops: int
    error: str | None = None


class Deferred(Exception):
    """A link not resolved in this run (its host is rate limited past ``max_wait``, or a stop was asked)."""


class _Hosts:
    """Per host: one request at a time, ``delay`` seconds apart, and rate-limit waits."""

    def __init__(
        self, clock: Clock, delay: float, max_wait: float, on_wait: Callable[[str, float], None] | None = None
    ) -> None:
        self.clock, self.delay, self.max_wait, self.on_wait = clock, delay, max_wait, on_wait
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, float] = {}
        self.given_up: dict[str, str] = {}
        self._guard = threading.Lock()

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            if host in self.given_up:
                raise Deferred(self.given_up[host])
            wait_s = self._next.get(host, 0.0) - self.clock.now()
            if wait_s > max(5.0, 2 * self.delay) and self.on_wait is not None:  # a rate-limit wait: say so
                self.on_wait(host, wait_s)
            if wait_s > 0 and not self.clock.sleep(wait_s):
                raise Deferred("stopped")
            try:
                yield
            finally:
                self._next[host] = max(self._next.get(host, 0.0), self.clock.now() + self.delay)

    def rate_limited(self, host: str, until: float | None) -> None:
        """Hold the host until ``until`` (None: a back-off of a few delays), or give it up for the run."""
        now = self.clock.now()
        until = until if until is not None else now + max(5.0, 5 * self.delay)
        if until - now > self.max_wait:
            self.given_up[host] = (
                f"{host} is rate limited until {when_text(until)}, past the longest wait "
                f"({span_text(self.max_wait)}); its links are left for a later run"
            )
            raise Deferred(self.given_up[host])
        self._next[host] = max(self._next.get(host, 0.0), until)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The certificate store (certifi's), loaded once for every resolver."""
    return httpx.create_ssl_context(trust_env=False)


class Resolver:
    """Follows one link's redirects at a time per call of ``resolve`` (thread-safe)."""

    def __init__(
        self,
        settings: LinkSettings,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.hosts = _Hosts(self.clock, settings.delay, settings.max_wait, on_wait)
        self.requests = 0
        self._count = threading.Lock()
        self._lookup = settings.proxy is None  # through a proxy, the proxy resolves names
        # each request is built here and sent by the transport itself, with no client: nothing adds a
        # cookie, a credential or an environment setting (proxy, certificates, .netrc), and no
        # client's redirect handling reads the Location (it raises on a garbage one): redirects are
        # followed here, by hand
        if transport is None:
            transport = httpx.HTTPTransport(verify=_tls_context(), proxy=settings.proxy, trust_env=False)
            bound_answers(transport)
        self._transport = transport
        self._headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        self._timeout = httpx.Timeout(settings.timeout).as_dict()

    def close(self) -> None:
        self._transport.close()

    def resolve(self, url: str) -> Resolution:
        """Where ``url`` leads. Raises ``Deferred`` when it cannot be known in this run."""
        current = usable(url)
        if current is None:
            return Resolution(url, None, None, "invalid", None, 0, "not an http(s) URL with a host")
        if not self.settings.allow_private and is_private(current, lookup=self._lookup):
            return Resolution(url, current, None, "invalid", None, 0, "a local or private address: not requested")
        seen = {current}
        hops = 0
        while True:
            try:
                status, location = self._ask(current)
            except httpx.TimeoutException:
                return self._end(url, current, "error", None, hops, f"timed out after {self.settings.timeout:g}s")
            except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                return self._end(url, current, "error", None, hops, _transport_text(exc))
            if status not in REDIRECTS:
                return self._end(url, current, _status_of(status), status, hops, _error_of(status))
            if location is None:
                return self._end(url, current, "invalid", status, hops, f"HTTP {status} without a Location")
            nxt = usable(_join(current, location))
            if nxt is None:
                why = f"HTTP {status} to an unusable Location {location.strip()[:200]!r}"
                return self._end(url, current, "invalid", status, hops, why)
            if not self.settings.allow_private and is_private(nxt, lookup=self._lookup):
                return self._end(url, current, "invalid", status, hops, f"HTTP {status} to a local or private address")
            hops += 1
            if nxt in seen:
                return self._end(url, nxt, "loop", status, hops, f"redirect loop back to {nxt}")
            if hops > self.settings.max_hops:
                why = f"more than {self.settings.max_hops} redirects"
                return self._end(url, nxt, "too_many_hops", status, hops, why)
            seen.add(nxt)
            current = nxt

    def _end(self, url: str, last: str, status: str, http: int | None, hops: int, error: str | None) -> Resolution:
        return Resolution(url, last, registered_domain(last), status, http, hops, error)

    def _ask(self, url: str) -> tuple[int, str | None]:
        """The status and Location of ``url``: HEAD, then GET (body unread) when HEAD gets a 4xx or 5xx."""
        status, location = self._send("HEAD", url)
        if status >= 400 and status != 429:
            status, location = self._send("GET", url)
        return status, location

    def _send(self, method: str, url: str) -> tuple[int, str | None]:
        host = host_of(url) or url
        for _ in range(_RATE_RETRIES + 1):
            if self.clock.stop.is_set():
                raise Deferred("stopped")
            with self.hosts.turn(host):
                with self._count:
                    self.requests += 1
                request = httpx.Request(method, url, headers=self._headers, extensions={"timeout": self._timeout})
                deadline.at = time.monotonic() + self.settings.timeout
                try:
                    response = self._transport.handle_request(request)
                finally:
                    deadline.at = None
                response.close()  # the body is never read
                status, headers = response.status_code, response.headers
                if status != 429:
                    return status, headers.get("location")
                self.hosts.rate_limited(host, retry_after(headers, self.clock.now()))
        raise Deferred(f"{host} kept answering 429 (rate limited); its links are left for a later run")


def _join(base: str, location: str) -> str:
    try:
        return urljoin(base, location.strip())
    except ValueError:
        return ""


def _status_of(http_status: int) -> str:
    if http_status < 400:
        return "ok"
    if http_status in (404, 410):
        return "dead"
    return "error" if http_status >= 500 else "refused"


def _error_of(http_status: int) -> str | None:
    return None if http_status < 400 else f"HTTP {http_status}"


def _transport_text(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (ConnectError)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server broke the HTTP protocol (RemoteProtocolError)"
    return f"the request failed ({type(exc).__name__})"


# --------------------------------------------------------------------------- the store


@dataclass
class LinksReport:
    candidates: int = 0  # shortened links in the store
    cached_before: int = 0  # of those, already cached and not asked again
    todo: int = 0  # asked in this run (after --limit)
    resolved: int = 0  # answers written
    deferred: int = 0  # left for a later run (rate limited, stopped)
    requests: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None
    notes: list[str] = field(default_factory=list)
    stopped: bool = False  # a stop was asked (Ctrl-C, SIGTERM)
    gave_up: bool = False  # UNREACHABLE links in a row could not connect: the run stopped early

    @property
    def left(self) -> int:
        """Shortened links still to ask: without an answer in the cache (with ``refresh`` or
        ``retry_failed``: those not asked again in this run)."""
        return self.candidates - self.cached_before - self.resolved

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "shortened_links": self.candidates,
            "cached_before": self.cached_before,
            "asked": self.todo,
            "resolved": self.resolved,
            "by_status": dict(self.by_status),
            "deferred": self.deferred,
            "left": self.left,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
            "stopped": self.stopped,
            "gave_up": self.gave_up,
        }


def shortened_links(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str | None]]:
    """Every stored URL on a shortener: (url, posts linking it, its cached status or None), most
    linked first."""
    rows = con.execute(
        """SELECT pe.normalized, count(DISTINCT (pe.platform, pe.post_id)) AS posts, any_value(lr.status)
           FROM post_entities pe LEFT JOIN link_resolutions lr ON lr.url = pe.normalized
           WHERE pe.type = 'url' GROUP BY pe.normalized ORDER BY posts DESC, pe.normalized"""
    ).fetchall()
    return [(url, n, status) for url, n, status in rows if is_shortener(url)]


def plan(
    links: list[tuple[str, int, str | None]], *, refresh: bool, retry_failed: bool, limit: int | None
) -> tuple[list[str], int]:
    """The URLs to ask in this run (at most ``limit``), and how many are cached and left alone."""
    todo, cached = [], 0
    for url, _, status in links:
        if status is None or refresh or (retry_failed and status in RETRIABLE):
            todo.append(url)
        else:
            cached += 1
    return (todo[:limit] if limit is not None else todo), cached


_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("final_domain", pa.string()),
        ("status", pa.string()),
        ("http_status", pa.int32()),
        ("hops", pa.int32()),
        ("error", pa.string()),
    ]
)


def write(con: duckdb.DuckDBPyConnection, results: list[Resolution], run_id: int | None) -> int:
    """Cache ``results`` in one transaction (a URL's earlier answer is replaced)."""
    if not results:
        return 0
    table = pa.table({name: [getattr(r, name) for r in results] for name in _SCHEMA.names}, schema=_SCHEMA)
    con.register("_links_out", table)
    try:
        with transaction(con):
            con.execute(
                """INSERT OR REPLACE INTO link_resolutions
                   (url, final_url, final_domain, status, http_status, hops, error, resolved_at, run_id)
                   SELECT url, final_url, final_domain, status, http_status, hops, error, ?, ? FROM _links_out""",
                [utcnow(), run_id],
            )
    finally:
        con.unregister("_links_out")
    return len(results)


Progress = Callable[[int, int, Resolution | None], None]


def resolve_store(
    con: duckdb.DuckDBPyConnection,
    settings: LinkSettings,
    *,
    refresh: bool = False,
    retry_failed: bool = False,
    limit: int | None = None,
    run_id: int | None = None,
    on_progress: Progress | None = None,
    on_wait: Callable[[str, float], None] | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> LinksReport:
    """Resolve the store's shortened links that lack a cached answer (or all of them with
    ``refresh``; the failed ones again with ``retry_failed``), ``limit`` at most, and cache them."""
    started = time.perf_counter()
    links = shortened_links(con)
    todo, cached = plan(links, refresh=refresh, retry_failed=retry_failed, limit=limit)
    report = LinksReport(candidates=len(links), cached_before=cached, todo=len(todo), run_id=run_id)
    resolver = Resolver(settings, clock, transport, on_wait)
    pending: list[Resolution] = []
    done = unreachable = 0
    if on_progress:
        on_progress(0, len(todo), None)

    def collect(fut: Future[Resolution]) -> None:
        nonlocal done, unreachable
        done += 1
        try:
            res = fut.result()
        except Deferred as exc:
            report.deferred += 1
            if str(exc) not in report.notes and str(exc) != "stopped":
                report.notes.append(str(exc))
            res = None
        if res is not None:
            pending.append(res)
            report.by_status[res.status] = report.by_status.get(res.status, 0) + 1
            unreachable = unreachable + 1 if res.error == _NO_CONNECTION else 0
            if unreachable >= UNREACHABLE and not report.gave_up:
                report.gave_up = True
                report.notes.append(
                    f"{UNREACHABLE} links in a row could not connect (is this machine offline?); stopped early: "
                    "run again with --retry-failed once the network is back"
                )
                resolver.clock.stop.set()
        if len(pending) >= BATCH:
            report.resolved += write(con, pending, run_id)
            pending.clear()
        if on_progress:
            on_progress(done, len(todo), res)

    workers = max(1, min(4, settings.concurrency))
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="resolve-links") as pool:
            in_flight: set[Future[Resolution]] = set()
            try:
                for url in todo:
                    if resolver.clock.stop.is_set():  # a stop was asked, or no link could connect: no new link
                        break
                    in_flight.add(pool.submit(resolver.resolve, url))
                    if len(in_flight) >= 4 * workers:
                        finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            collect(fut)
                while in_flight:
                    finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        collect(fut)
            except BaseException:
                resolver.clock.stop.set()  # waits end at once; requests in flight finish (bounded by the timeout)
                for fut in in_flight:
                    fut.cancel()
                raise
    finally:
        report.resolved += write(con, pending, run_id)  # what was answered is kept, even when stopped
        report.requests = resolver.requests
        report.stopped = resolver.clock.stop.is_set() and not report.gave_up
        resolver.close()
        report.seconds = time.perf_counter() - started
    return report
