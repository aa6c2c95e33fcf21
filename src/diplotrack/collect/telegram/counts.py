"""Numbers as Telegram's pages write them. Pure.

The web preview abbreviates: a message's views read ``826``, ``826K``, ``8.67M`` (three significant
digits), and the channel header ``11.3M subscribers``. Those parse to an approximate integer
(``8.67M`` is 8,670,000, within 0.5% of the true count). The profile page (``t.me/<name>``) writes
the exact count with spaces or no-break spaces between thousands: ``11 286 994 subscribers``.

A text that is not one of these forms is not a count (None), never its leading digits: ``1.2.3K``,
``12abc``, ``-5``, ``1,234`` without a K, M or B; nor is a number past ``MAX_COUNT`` (a trillion: more
than any channel's views or subscribers, and within what the store's BIGINT columns hold).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# applied to a count's text, never to markup
_ABBREVIATED = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KMB])?", re.I)
_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+")
_SCALE = {"k": 10**3, "m": 10**6, "b": 10**9}
MAX_COUNT = 10**12


def _bounded(value: int) -> int | None:
    return value if 0 <= value <= MAX_COUNT else None


def abbreviated(text: str | None) -> int | None:
    """``8.67M`` → 8670000, ``826K`` → 826000, ``419`` → 419; None when the text is not a count."""
    if text is None:
        return None
    m = _ABBREVIATED.fullmatch(text.strip())
    if m is None or not m.group(0).isascii() or (m.group(2) is None and not m.group(1).isdigit()):
        return None  # digits of another script, or a fraction of a view ("1,234" is not 1)
    try:
        number = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    scale = _SCALE[m.group(2).lower()] if m.group(2) else 1
    return _bounded(int(number * scale))


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
    if m is None or (m.end() < len(t) and not t[m.end()].isspace()):
        return None  # not a whole number: "1.2.3K subscribers" is not 1
    digits = re.sub(r"\D", "", m.group(0))
    return _bounded(int(digits)) if digits.isascii() else None
