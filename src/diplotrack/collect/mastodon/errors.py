"""How a Mastodon instance's errors read: error bodies (a 404/410 lookup, kept as ``ApiError``), and
refusals, as errors that name the credential to check (never its value).

A 401/403 on a public read means one of two things: the instance does not serve its API to anonymous
readers (limited-federation / whitelist mode, or ``DISALLOW_UNAUTHENTICATED_API_ACCESS``, often run
together with authorized fetch), or the token we sent is not valid there (a Mastodon token works only
on the instance that issued it). Neither is fixed by retrying. The message names the instance and
the setting, and never carries a header or the token.
"""

from __future__ import annotations

import httpx
import orjson

from diplotrack.collect.config import MASTODON_TOKEN_ENV
from diplotrack.collect.errors import AuthError, body_said
from diplotrack.collect.mastodon.mapping import PLATFORM, SOURCE
from diplotrack.collect.source import Found, Target
from diplotrack.provenance import Prov
from diplotrack.records import ApiError
from diplotrack.store.raw import raw_id_of


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


def error_text(body: bytes) -> str | None:
    """The ``error`` of an Error body (``{"error": "Record not found"}``), else None."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(obj, dict) and obj.get("error"):
        return str(obj["error"])[:500]
    return None


# 410 Gone: "Account is suspended (since 2.4.0 and until 3.3.0)" (docs.joinmastodon.org/methods/accounts);
# since 3.3.0 a suspended account is a 200 with suspended: true, and Mastodon has no separate "deleted"
GONE_STATUS = "suspended"


def found_refused(target: Target, status_code: int, body: bytes) -> Found:
    """What a 404 (no such account) or 410 (gone: suspended, on Mastodon 2.4 to 3.2) lookup says."""
    said = error_text(body)
    if status_code == 410:
        detail = f"HTTP 410 Gone{': ' + said if said else ''} (Mastodon 2.4 to 3.2 answer this for a suspended account)"
        return Found(target, GONE_STATUS, user_id=target.user_id, detail=detail)
    return Found(target, "not_found", user_id=target.user_id, detail=f"HTTP {status_code}: {said or 'not found'}")


def api_error(status_code: int, body: bytes, url: str, user_id: str) -> ApiError:
    """A 404/410 on an account's statuses, kept (the raw text names the URL, so errors stay distinct)."""
    said = error_text(body)
    raw = orjson.dumps({"status": status_code, "url": url, "error": said}, option=orjson.OPT_SORT_KEYS).decode()
    return ApiError(
        platform=PLATFORM,
        provenance=Prov(SOURCE, url, None, raw_id_of(body))(""),
        title=f"HTTP {status_code}",
        detail=said,
        resource_type="account",
        resource_id=user_id,
        raw=raw,
    )
