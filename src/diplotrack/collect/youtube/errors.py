"""How YouTube's refusals read. Google's error bodies (``{"error": {"code", "message", "errors":
[{"reason", ...}], "details": [{"reason", ...}]}}``) say why by a *reason*:

- ``quotaExceeded`` / ``dailyLimitExceeded`` (403): the key's daily quota is spent: ``KeySpent``, and
  the next key takes over;
- ``rateLimitExceeded`` / ``userRateLimitExceeded`` (403): too many requests a second: ``Throttled``,
  the request fails for this run (the page is asked again next run);
- ``playlistItemsNotAccessible``, ``channelForbidden``, ``forbidden`` (403): this channel's data is
  not served (a private uploads list): ``Forbidden``, that channel's page fails, the others go on;
- ``keyInvalid``, ``keyExpired``, ``API_KEY_INVALID`` (400), ``accessNotConfigured``,
  ``ipRefererBlocked`` and any other 401/403: the key is refused: an ``AuthError`` naming the setting.

Messages never carry a key: they name a key by its position in the setting (``key 2 of 3``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

from diplotrack.collect.errors import AuthError, BudgetExhausted
from diplotrack.collect.youtube.guard import redact
from diplotrack.collect.youtube.spec import KEYS_ENV

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
FORBIDDEN_REASONS = frozenset({"playlistItemsNotAccessible", "channelForbidden", "forbidden", "videoForbidden"})
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "badRequest"})
_REASON = re.compile(r"[A-Za-z][A-Za-z_]{0,59}")  # Google's reasons: keyInvalid, API_KEY_INVALID, quotaExceeded
SETTING = f"{KEYS_ENV} (or [youtube] api_keys in the config file)"


class KeySpent(AuthError):
    """The key's daily quota is spent (403 quotaExceeded): the next key takes over."""


class Throttled(AuthError):
    """403 rateLimitExceeded: too many requests a second; not the key's fault."""


class Forbidden(AuthError):
    """403 on one channel's data (a private uploads list): that channel fails, the others go on."""


class KeyRefused(AuthError):
    """The key itself is refused (invalid, expired, its project lacks the API): fix the setting."""

    def __init__(self, code: int, found: list[str]) -> None:
        super().__init__(key_error_text(code, found))
        self.code, self.found = code, found


class QuotaSpent(BudgetExhausted):
    """No key has the units the next call needs: the run stops cleanly before spending them."""


def reasons(body: bytes) -> tuple[list[str], str]:
    """The reasons and the message of a Google error body (empty when it is not one)."""
    try:
        obj: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return [], ""
    err = obj.get("error") if isinstance(obj, dict) else None
    if not isinstance(err, dict):
        return [], ""
    found: list[str] = []
    for key in ("errors", "details"):
        items = err.get(key)
        if isinstance(items, list):
            found += [str(e["reason"]) for e in items if isinstance(e, dict) and isinstance(e.get("reason"), str)]
    found = [r for r in found if _REASON.fullmatch(r)]  # a reason is a name; anything else is not shown
    message = err.get("message")
    return found, (str(message)[:200] if isinstance(message, str) else "")


def key_refused(reasons_: list[str], message: str) -> bool:
    """Whether a 400 says the key itself is bad (rather than a parameter)."""
    return bool(set(reasons_) & (KEY_REASONS - {"badRequest"})) or message.lower().startswith("api key")


def auth_error(response: httpx.Response) -> AuthError:
    """A 401/403 as the error that says what happens next (see the module's doc)."""
    key = response.request.url.params.get("key")  # an answer may echo it: never in a message
    found, message = reasons(redact(response.content, [key] if key else []))
    said = f" ({', '.join(found[:2]) or 'no reason given'})"
    code = response.status_code
    if set(found) & QUOTA_REASONS:
        return KeySpent(f"YouTube: the key's daily quota is spent (HTTP {code}{said})")
    if set(found) & THROTTLE_REASONS:
        return Throttled(f"YouTube answered HTTP {code}{said}: too many requests a second; the run goes on without it")
    if set(found) & FORBIDDEN_REASONS and not key_refused(found, message):
        return Forbidden(f"YouTube does not serve this channel's data (HTTP {code}{said})")
    return KeyRefused(code, found)


def key_error_text(code: int, found: list[str], position: str = "a key") -> str:
    said = ", ".join(found[:2]) or "no reason given"
    return (
        f"YouTube refused {position} in {SETTING} (HTTP {code}, {said}); check that credential, and that the "
        "YouTube Data API v3 is enabled for its project in the Google Cloud console"
    )
