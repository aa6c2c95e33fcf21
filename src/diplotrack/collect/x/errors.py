"""How X's refusals read, as errors that name the credential to check (never its value)."""

from __future__ import annotations

import httpx

from diplotrack.collect.config import X_TOKEN_ENV
from diplotrack.collect.errors import AuthError, body_said


def auth_error(response: httpx.Response) -> AuthError:
    said = body_said(response, ("title", "detail", "reason"))
    said = f" ({said})" if said else ""
    if response.status_code == 401:
        return AuthError(
            f"X rejected the bearer token (HTTP 401{said}); check {X_TOKEN_ENV} or [x] bearer_token in the config file"
        )
    return AuthError(
        f"X refused the request (HTTP 403{said}); the app behind {X_TOKEN_ENV} may lack access to "
        "this endpoint or credit; check the token and the app's access in the X developer console"
    )
