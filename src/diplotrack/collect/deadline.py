"""One deadline for a whole HTTP request, whatever the server does.

httpx's timeouts bound each connect, read and write, not the whole answer: a server sending its
status and headers a byte at a time, each within the timeout (slowloris), would hold a request for
hours. ``bound_answers(transport)`` makes every connection of a transport's pool wait no longer than
what is left of the calling thread's ``deadline.at`` (a ``time.monotonic()`` instant; None: no
deadline), and ``within(seconds)`` sets it around one request. Used by the link resolver
(``enrich/links.py``) and the alerts' webhook (``alerts/channels/webhook.py``).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx

# The timeout bounds each read, not the whole answer: a server sending its headers a byte at a time,
# each within the timeout (slowloris), would hold a link for hours. So each request gets a deadline,
# ``timeout`` seconds after it starts (per thread), and every connect, read and write of the
# transport's connections waits no longer than what is left of it.
deadline = threading.local()


def _left(timeout: float | None) -> float | None:
    at = getattr(deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("no complete answer within the timeout")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options)  # type: ignore[arg-type]
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: object = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _left(timeout), socket_options))  # type: ignore[arg-type]

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_answers(transport: httpx.HTTPTransport) -> None:
    """Make ``transport``'s connections keep to the per-request deadline (its pool, direct or
    through a proxy, makes every connection with its ``_network_backend``)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:  # another httpcore: each read stays bounded by the timeout alone
        return
    pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """The calling thread's requests, on a transport ``bound_answers`` prepared, end after ``seconds``
    in all (an ``httpx.ReadTimeout`` or ``ConnectTimeout`` when they run past it)."""
    deadline.at = time.monotonic() + seconds
    try:
        yield
    finally:
        deadline.at = None
