"""What every response of the dashboard goes through (a plain ASGI middleware, before any page code):

- only ``GET`` and ``HEAD``: the app is read-only, nothing a request says can change the store;
- the ``Host`` header must name the address the server listens on when that is a loopback address
  (a web page elsewhere cannot reach the dashboard through DNS rebinding);
- an access token, required when the server listens on any other address: ``Authorization: Bearer
  <token>``, the ``diplotrack_token`` cookie, or ``?token=`` once (answered with a redirect that sets
  the cookie and drops the token from the address, so it stays out of history and logs); compared
  in constant time and never logged or echoed;
- security headers on every answer: a Content-Security-Policy that allows only the app's own
  scripts and styles (no inline script it did not put there, nothing from other hosts), no
  sniffing, no referrer, no framing by other sites.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "diplotrack_token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
]
# browsers honour it only on a trustworthy origin (https or loopback) and log an error elsewhere
COOP = (b"cross-origin-opener-policy", b"same-origin")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is a loopback address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """The middleware. ``host``/``port``: where the server listens; ``token``: required when given
    (``serve`` refuses to listen on a non-loopback address without one)."""

    def __init__(self, app: ASGIApp, *, host: str, port: int, token: str | None) -> None:
        self.app = app
        self.inner: Any = None
        self.token = token
        self.loopback = is_loopback(host)
        self.headers = HEADERS + [COOP] if self.loopback else HEADERS
        names = {"localhost", "127.0.0.1", "[::1]", host if ":" not in host else f"[{host}]"}
        self.names = {n.lower() for n in names}
        # port 0: the system picks the port when the server starts; any port of a loopback name is
        # then accepted (what the check guards against is another host name: DNS rebinding)
        self.hosts = self.names | {f"{n}:{port}" for n in self.names} if port else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(
                send,
                405,
                "this dashboard is read-only: only GET and HEAD requests are answered",
                [(b"allow", b"GET, HEAD")],
            )
            return
        if self.loopback and not self._host_ok(headers.get("host", "").lower()):
            await _plain(send, 400, "unexpected Host header; open the dashboard at the address serve printed")
            return
        if self.token is not None:
            verdict = self._check_token(scope, headers)
            if verdict == "redirect":
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")
                await _plain(send, 303, "see other", [(b"location", _same_origin(scope)), (b"set-cookie", cookie)])
                return
            if verdict != "ok":
                await _plain(
                    send,
                    401,
                    "this dashboard needs its access token: send 'Authorization: Bearer "
                    "<token>' or open it once with ?token=<token>",
                    [(b"www-authenticate", b"Bearer")],
                )
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                hs = list(message.get("headers", []))
                present = {k.lower() for k, _ in hs}
                if b"content-security-policy" not in present:
                    hs.append((b"content-security-policy", CSP.encode()))
                hs += [h for h in self.headers if h[0] not in present]
                message["headers"] = hs
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _host_ok(self, host: str) -> bool:
        if self.hosts is not None:
            return host in self.hosts
        name, sep, port = host.rpartition(":")
        return (name if sep and port.isdigit() else host) in self.names

    def _check_token(self, scope: Scope, headers: dict[str, str]) -> str:
        assert self.token is not None
        want = self.token.encode()
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), want):
            return "ok"
        # each "name=value" of the Cookie header on its own: another application's cookie on this host,
        # however it is written, cannot hide this one
        for part in headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name == COOKIE and hmac.compare_digest(value.strip().strip('"').encode(), want):
                return "ok"
        for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), True):
            if k == "token" and hmac.compare_digest(v.encode(), want):
                return "redirect"
        return "refused"


def _same_origin(scope: Scope) -> bytes:
    """The address of this request without its ``token`` parameter, as a path on this server: the raw
    (still percent-encoded) path, never ``//host`` (another site), no control characters."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = quote(unquote_to_bytes(raw.split(b"?", 1)[0]), safe="/:@!$&'()*+,;=-._~")
    path = "/" + path.lstrip("/")
    query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), True) if k != "token"]
    return (path + (("?" + urlencode(query)) if query else "")).encode("ascii")


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"content-security-policy", CSP.encode()),
        *HEADERS,
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
