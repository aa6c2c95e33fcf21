"""How a Mastodon instance's refusals read, as errors that name the credential to check (never its value).

A 401/403 on a public read means one of two things: the instance does not serve its API to anonymous
readers (limited-federation / whitelist mode, or ``DISALLOW_UNAUTHENTICATED_API_ACCESS``, often run
together with authorized fetch), or the token we sent is not valid there (a Mastodon token works only
on the instance that issued it). Neither is fixed by retrying. The message names the instance and
the setting, and never carries a header or the token.
"""

from __future__ import annotations

import httpx

from diplotrack.collect.config import MASTODON_TOKEN_ENV
from diplotrack.collect.errors import AuthError, body_said


def _instance(response: httpx.Response) -> str:
    url = response.request.url
    return f"{url.host}:{url.port}" if url.port else url.host


def auth_error(response: httpx.Response) -> AuthError:
    text = body_said(response, ("error", "error_description"))
    text = f" ({text})" if text else ""
    host = _instance(response)
    code = response.status_code
    return AuthError(
        f"the Mastodon instance {host} refused the request (HTTP {code}{text}): it does not serve its API to "
        f"anonymous readers (limited-federation mode or authenticated API access only), or the token in "
        f"{MASTODON_TOKEN_ENV} (or [mastodon.tokens] in the config file) for it is not valid (a token works only "
        f"on the instance that issued it); give it a token issued by {host}, with the read scope, as "
        f"{MASTODON_TOKEN_ENV}={host}=TOKEN"
    )
