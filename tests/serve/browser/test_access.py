"""Who may reach the dashboard, checked over real sockets: a server listening on every address
(0.0.0.0) with an access token refuses a browser that comes through the machine's non-loopback
address without it (401), lets it in with ``?token=`` once (a redirect that sets the cookie and
drops the token from the address) and answers ``Authorization: Bearer``; a loopback server answers
400 to a request whose Host header names another site (DNS rebinding)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

from diplotrack.serve.reader import StoreReader

from .support import TIMEOUT_MS, LiveServer, Watched, watch

TOKEN = "t0k-" + "s3cret"


def non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), else the first of
    ``hostname -I``; None when it has only loopback."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        ip = s.getsockname()[0]
        if not ipaddress.ip_address(ip).is_loopback and ip != "0.0.0.0":
            return str(ip)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        for word in out.split():
            with contextlib.suppress(ValueError):
                ip_obj = ipaddress.ip_address(word)
                if ip_obj.version == 4 and not ip_obj.is_loopback:
                    return word
    return None


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one GET, redirects not followed."""
    opener = build_opener(_NoRedirect)
    try:
        with opener.open(Request(url, headers=headers or {}), timeout=10) as r:  # noqa: S310 (the test's own server)
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def open_server(reader: StoreReader) -> Iterator[tuple[LiveServer, str]]:
    """The dashboard on 0.0.0.0 with a token, and the address a browser reaches it through: the
    machine's non-loopback one (or, on a machine with none, loopback: the token is still required)."""
    server = LiveServer(reader, host="0.0.0.0", token=TOKEN)  # noqa: S104 (the point of the test)
    ip = non_loopback_address() or "127.0.0.1"
    yield server, f"http://{ip}:{server.port}"
    server.stop()


def test_off_loopback_the_token_is_required(browser: Any, open_server: tuple[LiveServer, str]) -> None:
    _, origin = open_server
    context = browser.new_context(base_url=origin)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        w: Watched = watch(context, origin)
        p = w.page
        refused = p.goto("/")
        assert refused is not None and refused.status == 401
        assert "access token" in p.locator("body").inner_text()
        assert refused.headers.get("www-authenticate") == "Bearer"
        w.reset()  # the refusal's own 401

        allowed = p.goto(f"/?kind=embassy&token={TOKEN}")
        assert allowed is not None and allowed.status == 200
        assert allowed.request.redirected_from is not None  # through the redirect that sets the cookie
        assert TOKEN not in p.url and "kind=embassy" in p.url
        cookie = {c["name"]: c for c in context.cookies()}["diplotrack_token"]
        assert cookie["httpOnly"] and cookie["value"] == TOKEN
        assert TOKEN not in p.content()
        again = p.goto("/overview.json")  # the cookie lets the next requests in
        assert again is not None and again.status == 200
        # off loopback the server sends no Cross-Origin-Opener-Policy (Chromium would log an error
        # that it ignores it on a plain-http origin): nothing to excuse
        w.assert_clean("with the token's cookie")
    finally:
        context.close()

    status, _, body = fetch(origin + "/overview.json")
    assert status == 401 and TOKEN.encode() not in body
    assert fetch(origin + "/overview.json", {"Authorization": "Bearer wrong"})[0] == 401
    status, headers, body = fetch(origin + "/overview.json", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and b'"rows"' in body
    assert not any(TOKEN in v for v in headers.values())
    status, headers, _ = fetch(origin + f"/data?token={TOKEN}")
    assert status == 303 and headers["location"] == "/data" and TOKEN in headers["set-cookie"]


def test_a_loopback_server_refuses_another_sites_host_header(live_server: LiveServer) -> None:
    assert fetch(live_server.url + "/")[0] == 200
    status, _, body = fetch(live_server.url + "/", {"Host": "evil.example"})
    assert status == 400 and b"Host" in body
    assert fetch(live_server.url + "/overview.json", {"Host": f"evil.example:{live_server.port}"})[0] == 400
    assert fetch(live_server.url + "/", {"Host": f"localhost:{live_server.port}"})[0] == 200
