"""Mastodon as diplotrack knows it: the spec the registries, the CLI, the config and the roster read.

A roster may write an account ``user@instance``, ``@user@instance`` or as its profile URL
``https://instance/@user``; the store keeps ``user@instance`` with the instance lower-cased.
"""

from __future__ import annotations

import re

from diplotrack.platform_spec import PlatformSpec, Setting

TOKEN_ENV = "DIPLOTRACK_MASTODON_TOKEN"
BASE_ENV = "DIPLOTRACK_MASTODON_API_BASE"  # tests and proxies: one base for every instance

_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PROFILE_URL = re.compile(r"https?://([^/\s]+)/@([^/@\s]+)/?")


def roster_address(value: str) -> str:
    """A Mastodon account as the roster may give it in the one form the store keeps: ``user@instance``.
    Anything else is returned as it is, for ``check_address`` to report."""
    v = value.strip()
    if (m := _PROFILE_URL.fullmatch(v)) is not None:
        return f"{m.group(2)}@{m.group(1).lower()}"
    if v.startswith("@") and v.count("@") == 2:
        v = v[1:]
    if v.count("@") == 1 and not v.startswith("@"):
        user, _, instance = v.partition("@")
        return f"{user}@{instance.lower()}"
    return v


def check_address(handle: str) -> str | None:
    if _ADDRESS.fullmatch(handle):
        return None
    return f"'{handle}' is not a Mastodon handle; write it as user@instance (e.g. alice@mastodon.social)"


SPEC = PlatformSpec(
    name="mastodon",
    label="Mastodon",
    handle_form="user@instance, @user@instance or https://instance/@user",
    normalize_handle=roster_address,
    check_handle=check_address,
    source="diplotrack.collect.mastodon.client:MastodonSource",
    settings=(
        Setting("tokens", "tokens by instance", env=TOKEN_ENV, secret=True, field="mastodon_tokens"),
        Setting("api_base", "base URL for every instance", env=BASE_ENV, field="mastodon_base"),
    ),
    cost="free: public reads, anonymous unless an instance asks for a token",
)
