"""Single-value checks shared by both roster forms: each returns a message, or None when valid."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

import pycountry

from diplotrack.platforms import spec_of
from diplotrack.roster.model import KINDS, PLATFORMS

ACTOR_ID_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
TENURE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")
# Codes people write that ISO 3166-1 alpha-2 does not have, and what they mean.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def did_you_mean(value: str, choices: Iterable[str], *, cutoff: float = 0.75) -> str:
    """`` (did you mean X?)`` for a near miss among ``choices`` (the same letters in another case, or
    ``difflib`` similarity of at least ``cutoff``: short names need a looser one), else ''."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f" (did you mean {lowered[value.lower()]}?)"
    close = difflib.get_close_matches(value, choices, n=1, cutoff=cutoff)
    return f" (did you mean {close[0]}?)" if close else ""


def check_actor_id(value: str) -> str | None:
    if ACTOR_ID_RE.fullmatch(value):
        return None
    return (
        f"'{value}' is not a valid actor id (use lower-case letters, digits, '_', '.' and '-', "
        "starting with a letter or digit)"
    )


def check_kind(value: str) -> str | None:
    if value in KINDS:
        return None
    return f"'{value}' is not a kind{did_you_mean(value, KINDS)}; use one of {', '.join(KINDS)}"


def check_platform(value: str) -> str | None:
    if value in PLATFORMS:
        return None
    return f"'{value}' is not a platform{did_you_mean(value, PLATFORMS)}; use one of {', '.join(PLATFORMS)}"


def check_country(value: str) -> str | None:
    """An upper-case ISO 3166-1 alpha-2 code (CN, FR), with a hint for the usual mistakes."""
    if len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None:
        return None
    hint = ""
    if value.upper() in COUNTRY_ALIASES:
        hint = f" (did you mean {COUNTRY_ALIASES[value.upper()]}?)"
    elif len(value) == 2 and pycountry.countries.get(alpha_2=value.upper()) is not None:
        hint = f" (write it in upper case: {value.upper()})"
    elif len(value) == 3 and (country := pycountry.countries.get(alpha_3=value.upper())) is not None:
        hint = f" (did you mean {country.alpha_2}?)"
    return f"'{value}' is not an ISO 3166-1 alpha-2 code{hint}"


def check_language(value: str) -> str | None:
    """A lower-case ISO 639-1 code (en, zh)."""
    if len(value) == 2 and value.islower() and pycountry.languages.get(alpha_2=value) is not None:
        return None
    hint = ""
    if len(value) == 2 and pycountry.languages.get(alpha_2=value.lower()) is not None:
        hint = f" (write it in lower case: {value.lower()})"
    elif (
        len(value) == 3
        and (lang := pycountry.languages.get(alpha_3=value.lower())) is not None
        and getattr(lang, "alpha_2", None)
    ):
        hint = f" (did you mean {lang.alpha_2}?)"
    return f"'{value}' is not an ISO 639-1 language code{hint}"


def stored_handle(platform: str | None, value: str) -> str:
    """The handle as written, in the form the store keeps on ``platform`` (its spec's rule: a Mastodon
    profile URL becomes ``user@instance``); as written where the platform has no rule."""
    spec = spec_of(platform)
    return spec.normalize_handle(value) if spec is not None and spec.normalize_handle is not None else value


def check_handle(platform: str | None, handle: str) -> str | None:
    """A message when ``handle`` (as ``stored_handle`` gave it) is not a handle of ``platform``: every
    platform refuses a leading @ and whitespace (where handles are names, as on the podium, only a
    line break, a tab or a control character), then the platform's own rule applies."""
    spec = spec_of(platform)
    if handle.startswith("@"):
        return f"write the handle without @ ('{handle.lstrip('@')}')"
    if spec is not None and spec.names_as_handles:
        if any((ch.isspace() and ch != " ") or not ch.isprintable() for ch in handle):
            return f"'{handle}' contains a line break, a tab or a control character; write the name on one line"
    elif any(ch.isspace() for ch in handle):
        return f"'{handle}' contains a space; a handle has none"
    return spec.check_handle(handle) if spec is not None and spec.check_handle is not None else None


def parse_tenure(value: str) -> tuple[int, ...] | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a tuple of its parts, or None when invalid."""
    match = TENURE_RE.fullmatch(value)
    if not match:
        return None
    parts = tuple(int(p) for p in match.groups() if p is not None)
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return None
    return parts


def tenure_order_ok(start: tuple[int, ...], end: tuple[int, ...]) -> bool:
    """Start must not be after end, compared at the coarser of the two precisions (2019-05 <= 2019)."""
    n = min(len(start), len(end))
    return start[:n] <= end[:n]


def parse_timestamp(value: str) -> datetime | None:
    """A date (``YYYY-MM-DD``) or ISO 8601 date-time, as a naive UTC datetime; None when invalid."""
    if not TIMESTAMP_RE.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_count(value: str) -> int | None:
    """A non-negative whole number written in digits, or None when it is not one."""
    return int(value) if value.isascii() and value.isdigit() else None


def parse_bool(value: str) -> bool | None:
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None
