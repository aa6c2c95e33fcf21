"""How the Bluesky AppView's errors read: XRPC error bodies (what they say of an account, kept as
``ApiError``), and a refusal, as an error that names the base URL setting to check.

The public AppView (``https://public.api.bsky.app``) serves every read this source makes with no
login, so a 401 or 403 does not mean a bad credential: the configured base is not a public AppView
(a PDS, an entryway, a proxy that wants a login) or it refuses this client. The message names
``DIPLOTRACK_BLUESKY_API_BASE`` and the base it reached (scheme and host only); request and
response headers are never quoted.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from diplotrack.collect.bluesky.mapping import PLATFORM, SOURCE, as_str
from diplotrack.collect.config import BLUESKY_BASE_ENV, BLUESKY_DEFAULT_BASE
from diplotrack.collect.errors import AuthError, body_said
from diplotrack.records import ApiError, Provenance


def _base_of(response: httpx.Response) -> str:
    try:
        url = response.request.url
    except RuntimeError:  # a response built without a request
        return "(unknown base)"
    return f"{url.scheme}://{url.netloc.decode('ascii', errors='replace')}"


def auth_error(response: httpx.Response) -> AuthError:
    said = body_said(response, ("error", "message"))
    said = f", {said}" if said else ""
    base = _base_of(response)
    return AuthError(
        f"Bluesky refused the request (HTTP {response.status_code}{said}) at {base}: the public AppView "
        f"needs no login, so {BLUESKY_BASE_ENV} (or [bluesky] api_base in the config file) probably names a "
        f"server that is not a public AppView, or one that refuses this client; unset it to use "
        f"{BLUESKY_DEFAULT_BASE}"
    )


def error_body(body: bytes) -> tuple[str | None, str | None]:
    """(``error``, ``message``) of an XRPC error body; (None, None) when the body is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return as_str(data.get("error")), as_str(data.get("message"))


def error_status(error: str | None, message: str | None, *, lookup: bool = True) -> tuple[str, str] | None:
    """What an XRPC error about an actor says of the account: (status, detail), or None when it says
    nothing about it (an unknown error, or not an error body).

    ``AccountTakedown``: suspended; ``AccountDeactivated``: deleted (its owner deactivated it; it may
    come back); "Profile not found": not_found. For a lookup (``getProfile`` of one actor) any other
    ``InvalidRequest`` also means not found (an actor that is not a valid DID or handle, a handle that
    does not resolve); for a timeline it may be about the request itself (a bad cursor), so it is not.
    """
    said = ": ".join(x for x in (error, message) if x)
    if error == "AccountTakedown":
        return "suspended", f"suspended (taken down) per the AppView ({said})"
    if error == "AccountDeactivated":
        return "deleted", f"deactivated by its owner per the AppView ({said})"
    if (message and "profile not found" in message.lower()) or (lookup and error == "InvalidRequest"):
        return "not_found", f"not found per the AppView ({said})"
    return None


def api_error(
    nsid: str, status: int, body: bytes, *, url: str, raw_id: str | None, resource_type: str, resource_id: str
) -> ApiError:
    """An XRPC error response, kept: ``raw`` names the request, so two actors' equal bodies stay apart."""
    error, message = error_body(body)
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = body.decode("utf-8", errors="replace")[:2000]
    raw = orjson.dumps(
        {"endpoint": nsid, resource_type: resource_id, "status": status, "body": parsed}, option=orjson.OPT_SORT_KEYS
    ).decode()
    return ApiError(
        platform=PLATFORM,
        provenance=Provenance(SOURCE, url, None, raw_id, ""),
        title=error or f"HTTP {status}",
        detail=message,
        resource_type=resource_type,
        resource_id=resource_id,
        raw=raw,
    )
