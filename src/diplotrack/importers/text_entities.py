"""Entities found in a post's text, for archives that ship text without entity objects (CSV exports).

The patterns follow X's own rules closely enough for analysis: ``#tag`` (letters, digits, ``_``,
any script), ``$CASHTAG`` (1-6 letters), ``@handle`` (1-15 of ``[A-Za-z0-9_]``), and http(s)
URLs. Hashtags and cashtags are case-folded in ``normalized``; handles are lower-cased.
"""

from __future__ import annotations

import re

from diplotrack.records import Entity, EntitySet

_HASHTAG = re.compile(r"(?<![\w&#＃])[#＃](\w*[^\W\d]\w*)", re.UNICODE)
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w$])")
_MENTION = re.compile(r"(?<![\w@＠!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![\w@])")
_URL = re.compile(r"https?://[^\s<>\"'）)\]]+", re.IGNORECASE)
_TRAILING = ".,;:!?…。，；："


def entities_from_text(text: str | None) -> list[Entity]:
    if not text:
        return []
    found = EntitySet()
    add = found.add

    for m in _HASHTAG.finditer(text):
        add("hashtag", m.group(1), m.group(1).casefold())
    for m in _CASHTAG.finditer(text):
        add("cashtag", m.group(1), m.group(1).casefold())
    for m in _MENTION.finditer(text):
        add("mention", m.group(1), m.group(1).lower())
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        add("url", url, url)
    return found.items
