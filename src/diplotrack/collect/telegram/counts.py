"""Numbers as Telegram's pages write them. Pure.

The web preview abbreviates: a message's views read ``826``, ``826K``, ``8.67M`` (three significant
digits), and the channel header ``11.3M subscribers``. Those parse to an approximate integer
(``8.67M`` is 8,670,000, within 0.5% of the true count). The profile page (``t.me/<name>``) writes
the exact count with spaces or no-break spaces between thousands: ``11 286 994 subscribers``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# applied to a count's text, never to markup
_ABBREVIATED = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KMB])?", re.I)
_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+")
_SCALE = {"k": 10**3, "m": 10**6, "b": 10**9}


def abbreviated(text: str | None) -> int | None:
    """``8.67M`` → 8670000, ``826K`` → 826000, ``419`` → 419; None when the text is not a count."""
    if text is None:
        return None
    m = _ABBREVIATED.fullmatch(text.strip())
    if m is None:
        return None
    try:
        number = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    scale = _SCALE[m.group(2).lower()] if m.group(2) else 1
    return int(number * scale)


def is_abbreviated(text: str | None) -> bool:
    """Whether a count is rounded (``11.3M``) rather than exact (``11 286 994``, ``419``)."""
    m = _ABBREVIATED.fullmatch((text or "").strip())
    return m is not None and m.group(2) is not None


def leading_count(text: str | None) -> int | None:
    """The exact count that starts ``text``: ``11 286 994 subscribers`` → 11286994,
    ``15 848 members, 3 465 online`` → 15848; an abbreviated one (``11.3M subscribers``) is read
    as approximate; None when ``text`` does not start with a number."""
    if not text:
        return None
    t = text.strip()
    head = t.split(maxsplit=1)[0] if t else ""
    if is_abbreviated(head):
        return abbreviated(head)
    m = _GROUPED.match(t)
    if m is None:
        return None
    return int(re.sub(r"\D", "", m.group(0)))
