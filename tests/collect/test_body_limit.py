"""A server that answers with more than a collector will ever need (or never stops answering)
costs that request only: the body is read up to ``HttpSettings.max_body`` and then given up, with
or without a Content-Length, and a normal answer under the limit is read whole."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from diplotrack.collect.clock import Clock
from diplotrack.collect.config import HttpSettings
from diplotrack.collect.errors import RequestFailed
from diplotrack.collect.http import ApiClient, SilentReporter
from diplotrack.collect.meter import Meter

LIMIT = 64 * 1024


class Flood(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # no length needed: the body ends when the connection closes

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path.startswith("/declared"):
            self.send_header("Content-Length", str(10 * 2**30))  # says 10 GiB; sends nothing
            self.end_headers()
            return
        self.end_headers()
        size = 1000 if self.path.startswith("/small") else 4 * 2**20
        sent = 0
        try:
            while sent < size:  # a stream with no declared length
                piece = b"[" + b"1," * 511 + b"1]" if size == 1000 else b" " * 65536
                self.wfile.write(piece[: size - sent])
                sent += len(piece[: size - sent])
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def client() -> ApiClient:
    http = HttpSettings(timeout=5, retries=1, backoff_initial=0.01, backoff_max=0.01, max_body=LIMIT)
    return ApiClient(
        "x", "X", http=http, clock=Clock(), meter=Meter(), reporter=SilentReporter(), on_auth_error=lambda r: None
    )


@pytest.mark.parametrize("path", ["/declared", "/endless"])
def test_an_answer_past_the_limit_is_a_failed_request_not_read_further(base: str, path: str) -> None:
    c = client()
    try:
        with pytest.raises(RequestFailed, match=r"larger than 0.0625 MiB; not read further") as err:
            c.get(base + path, None, bucket="t")
        assert err.value.url.endswith(path)
    finally:
        c.close()


def test_an_answer_under_the_limit_is_read_whole(base: str) -> None:
    c = client()
    try:
        r = c.get(base + "/small", None, bucket="t")
        assert r.status_code == 200 and len(r.content) == 1000 and r.content.startswith(b"[1,")
    finally:
        c.close()
