"""What a hostile or broken server cannot make the YouTube collector do. Pure helpers.

- **Echo a key into the store.** The Data API takes the key as a query parameter, and an answer may
  echo it (an error message quoting the request, a redirect's address): ``redact`` takes every
  form of every key (as written, URL-encoded, JSON-escaped) out of the bytes and text kept, shown
  or stored.
- **Answer from another host.** Redirects are followed; an answer that ends on another host (a
  consent wall, a lookalike) is not YouTube's: ``other_host`` says where it went.
- **Page forever.** ``Loop`` remembers, for one sweep, the page tokens asked and the videos read:
  a token asked before, or a page of videos all read already, ends the sweep instead of paying a
  unit a page until the quota is spent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import httpx

from diplotrack.collect.http import shown_url

REDACTED = b"[redacted key]"


def _forms(key: str) -> set[bytes]:
    forms = {key, quote(key, safe=""), quote_plus(key, safe=""), json.dumps(key)[1:-1]}
    forms.add(json.dumps(key, ensure_ascii=False)[1:-1])
    return {f.encode("utf-8", "surrogatepass") for f in forms if f}


def redact(data: bytes, keys: Iterable[str]) -> bytes:
    """``data`` with every form of every key replaced (the longest forms first)."""
    forms = sorted({f for k in keys if k for f in _forms(k)}, key=len, reverse=True)
    for f in forms:
        if f in data:
            data = data.replace(f, REDACTED)
    return data


def redact_text(text: str, keys: Iterable[str]) -> str:
    return redact(text.encode("utf-8", "surrogatepass"), keys).decode("utf-8", "replace")


def strip_key(url: str | httpx.URL) -> str:
    """A URL as it may be shown and stored: without the ``key`` parameter (nor any user:password)."""
    try:
        u = httpx.URL(url) if isinstance(url, str) else url
    except httpx.InvalidURL:
        return str(url).split("?", 1)[0]
    return shown_url(u.copy_remove_param("key") if "key" in u.params else u)


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    u = httpx.URL(url) if isinstance(url, str) else url
    return u.scheme, u.host.lower(), u.port


def other_host(response: httpx.Response, base: str) -> str | None:
    """The host an answer came from when it is not ``base``'s (after redirects), else None."""
    final = response.request.url
    return None if origin(final) == origin(base) else (final.host or "?")[:80]


class Loop:
    """One sweep's page tokens and videos, to tell a list that loops from one that goes on."""

    def __init__(self, sweep: object) -> None:
        self.sweep = sweep  # the engine's Sweep: a new one is a new sweep
        self.tokens: set[str] = set()
        self.videos: set[str] = set()

    def repeats(self, token: str) -> bool:
        return token in self.tokens

    def fresh(self, ids: list[str]) -> list[str]:
        """The ids not read yet in this sweep (now marked read)."""
        new = [v for v in ids if v not in self.videos]
        self.videos.update(new)
        return new
