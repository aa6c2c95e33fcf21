"""How Telegram's web preview refuses us.

``t.me`` serves public pages to anyone: no credential is sent, so a 401 or 403 is never about one.
It means the pages are not served to this address (a block, a proxy, a network that filters
``t.me``), and retrying will not fix it: the message says what to check, in one sentence.
A channel that does not exist, is private or is not a channel is not an error: the lookup records
its status (``profiles.found``).
"""

from __future__ import annotations

import httpx

from diplotrack.collect.config import TELEGRAM_BASE_ENV
from diplotrack.collect.errors import AuthError


def auth_error(response: httpx.Response) -> AuthError:
    url = response.request.url
    host = f"{url.host}:{url.port}" if url.port else url.host
    return AuthError(
        f"{host} refused to serve Telegram's web preview (HTTP {response.status_code}): this network or address "
        f"is blocked from it; collect from another network, or point {TELEGRAM_BASE_ENV} (or [telegram] base in "
        "the config file) at a mirror that serves t.me"
    )
