"""How X's refusals read, as errors that name the credential to check (never its value)."""

from __future__ import annotations

import httpx
import orjson

from diplotrack.collect.config import X_TOKEN_ENV
from diplotrack.collect.errors import AuthError


def _title(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("title", "detail", "reason") if body.get(k)]
        return ": ".join(parts)[:200]
    return ""


def auth_error(response: httpx.Response) -> AuthError:
    said = _title(response)
    said = f" ({said})" if said else ""
    if response.status_code == 401:
        return AuthError(
            f"X rejected the bearer token (HTTP 401{said}); check {X_TOKEN_ENV} or [x] bearer_token in the config file"
        )
    return AuthError(
        f"X refused the request (HTTP 403{said}); the app behind {X_TOKEN_ENV} may lack access to "
        "this endpoint or credit; check the token and the app's access in the X developer console"
    )
