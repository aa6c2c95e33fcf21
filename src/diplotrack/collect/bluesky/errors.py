"""How a refusal from the Bluesky AppView reads: an error that names the base URL setting to check.

The public AppView (``https://public.api.bsky.app``) serves every read this source makes with no
login, so a 401 or 403 does not mean a bad credential: the configured base is not a public AppView
(a PDS, an entryway, a proxy that wants a login) or it refuses this client. The message names
``DIPLOTRACK_BLUESKY_API_BASE`` and the base it reached (scheme and host only); request and
response headers are never quoted.
"""

from __future__ import annotations

import httpx

from diplotrack.collect.config import BLUESKY_BASE_ENV, BLUESKY_DEFAULT_BASE
from diplotrack.collect.errors import AuthError, body_said


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
