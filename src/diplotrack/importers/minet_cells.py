"""Reading the cells of research-tool exports (minet's CSVs, 4CAT's CSVs and NDJSON): shared helpers.

Every reader here raises ``ValueError`` naming the column and quoting the bad value (cut by
``quote_value``), which the CSV driver (``base.read_csv_rows``) turns into a skip of that row.
Empty cells, and the spellings tools write for "nothing" (``NA``, ``None``, ``null``), are ``None``.

Telegram keys are the collector's: a post is ``<channel username lower>/<message id>`` and a
channel ``handle:<channel username lower>`` (the collector's ``telegram.spec.account_key``); a channel known only by its
numeric peer id (4CAT without resolved entities) is ``tg-peer:<id>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from diplotrack.collect.telegram.spec import account_key, post_key
from diplotrack.importers.base import parse_int, parse_time, quote_value
from diplotrack.records import EntitySet, ProfileSnapshot

NOTHING = ("", "NA", "NAN", "NULL", "NONE")
TELEGRAM_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{3,31})(?![\w@])")
# a public message link (t.me/<username>/<id>, t.me/s/…); private links (t.me/c/<peer>/<id>) are not
_TME = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/([0-9]{1,19})/?(?:[?#].*)?",
    re.I,
)
_TG_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_TG_PEER_ID = re.compile(r"-?[0-9]{1,20}")
_DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII only: str.isdigit() and \d also accept "١٢٣" and "²"
_AT_POST = re.compile(r"at://(did:[a-z]+:[A-Za-z0-9._:%-]{1,2048})/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})")
_EPOCH_MAX = 253402300799  # 9999-12-31T23:59:59Z
_MARKED_CHANNEL = 10**12  # Bot API ids: a channel -100<id>, a basic group -<id>
TG_PEER = "tg-peer:"
UNKNOWN_COUNT = -1  # 4CAT's (and TCAT's) spelling of a count it does not know


def opt(row: dict[str, str], col: str) -> str | None:
    """A cell's text, stripped; ``None`` when empty or a "nothing" spelling."""
    v = (row.get(col) or "").strip()
    return None if v.upper() in NOTHING else v


def cell_int(row: dict[str, str], col: str) -> int | None:
    """A count; ``None`` when empty or -1 (4CAT's "unknown"); ValueError for other negative numbers,
    booleans (a JSON ``true`` is no count) and what is not a whole number."""
    value = row.get(col)
    if isinstance(value, bool):
        raise ValueError(f"{col} {quote_value(str(value).lower())} is not a count")
    try:
        n = parse_int(value)
    except ValueError as exc:
        raise ValueError(f"{col} cannot be stored: {exc}") from None
    if n is not None and n < 0:
        if n == UNKNOWN_COUNT:
            return None
        raise ValueError(f"{col} {n} is negative, not a count")
    return n


def x_id(value: object, col: str) -> str | None:
    """An X (Twitter) numeric id in the collector's form (ASCII digits, no leading zeros); ``None``
    when empty. ValueError otherwise, e.g. for ``1.3485927229286564e+18``: an id that a spreadsheet
    or a data frame turned into a number has lost its last digits and would name another tweet."""
    if value is None:
        return None
    s = str(value).strip()
    if s.upper() in NOTHING:
        return None
    if isinstance(value, bool) or _DIGITS.fullmatch(s) is None or int(s) >= 2**64:
        raise ValueError(_not_x_id(s, col))
    return str(int(s))


def _not_x_id(s: str, col: str) -> str:
    numeric = re.fullmatch(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?", s) is not None and not s.isdigit()
    hint = " (converted to a number by a spreadsheet? export the ids as text)" if numeric else ""
    return f"{col} {quote_value(s)} is not an X id (digits){hint}"


def cell_time(row: dict[str, str], col: str) -> datetime | None:
    """An ISO 8601 (or ``YYYY-MM-DD HH:MM:SS``) cell as naive UTC; a time without offset is taken as UTC."""
    raw = opt(row, col)
    try:
        return parse_time(raw)
    except ValueError:
        raise ValueError(f"{col} {quote_value(raw)} is not a date and time") from None


def epoch_time(value: object, col: str) -> datetime | None:
    """A Unix time (seconds, a float allowed) as naive UTC; ``None`` when empty."""
    if value is None:
        return None
    s = str(value).strip()
    if s.upper() in NOTHING:
        return None
    try:
        f = float(s)
    except ValueError:
        raise ValueError(f"{col} {quote_value(s)} is not a Unix time") from None
    if not 0 <= f <= _EPOCH_MAX:  # also refuses nan and inf
        raise ValueError(f"{col} {quote_value(s)} is out of the range of dates (1970 to 9999)")
    return datetime.fromtimestamp(f, UTC).replace(tzinfo=None)


def split_list(value: str | None, sep: str = "|") -> list[str]:
    """A list cell (minet writes ``a|b``, 4CAT ``a,b``) as its non-empty items."""
    if not value:
        return []
    return [x.strip() for x in value.split(sep) if x.strip()]


def truthy(value: str | None) -> bool:
    return (value or "").strip().upper() in ("TRUE", "T", "1", "YES", "Y")


def local_offset(local: datetime | None, utc: datetime | None) -> timedelta:
    """The offset of the zone an export wrote local times in, learnt from one time written both ways
    (twitwi's ``local_time`` and ``timestamp_utc``), rounded to 15 minutes; zero when unknown."""
    if local is None or utc is None:
        return timedelta(0)
    quarter = round((local - utc).total_seconds() / 900)
    return timedelta(minutes=15 * quarter) if abs(quarter) <= 14 * 4 else timedelta(0)


def observation(exported: datetime | None, option: datetime | None) -> datetime | None:
    """When counts were observed: the export's own collection time, else ``--observed-at``, else unknown."""
    return exported if exported is not None else option


def telegram_channel(name: str) -> str:
    """A channel as an export names it, checked: its username (4-32 letters, digits, underscores,
    starting with a letter; ``@`` dropped), or its numeric peer id as Telethon gives it (a Bot API
    ``-100…`` id is turned into that form). ValueError for anything else: a title, a path, a link."""
    n = name.strip().removeprefix("@")
    if _TG_USERNAME.fullmatch(n):
        return n
    if _TG_PEER_ID.fullmatch(n):
        v = int(n)
        return str(-v - _MARKED_CHANNEL if v <= -_MARKED_CHANNEL else abs(v))
    raise ValueError(f"{quote_value(n)} is not a Telegram channel username or numeric id")


def telegram_is_peer(channel: str) -> bool:
    """Whether a checked channel (``telegram_channel``) is a numeric peer id, not a username."""
    return channel.isascii() and channel.isdigit()


def telegram_channel_key(name: str) -> str:
    """A channel's account key: the collector's (``handle:<username lower>``), or ``tg-peer:<id>`` for
    a numeric peer id."""
    channel = telegram_channel(name)
    return f"{TG_PEER}{channel}" if telegram_is_peer(channel) else account_key(channel)


def telegram_message_id(value: object, col: str = "message id") -> str:
    """A message number as the collector writes it (no leading zeros); ValueError when not one."""
    s = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if _DIGITS.fullmatch(s) is None or int(s) == 0 or len(s) > 19:
        raise ValueError(f"{col} {quote_value(s)} is not a Telegram message number")
    return str(int(s))


def telegram_post_id(channel: str, message_id: object) -> str:
    """A message's post id: the collector's (``<username lower>/<id>``), or ``tg-peer:<id>/<id>``."""
    checked = telegram_channel(channel)
    number = telegram_message_id(message_id)
    return f"{TG_PEER}{checked}/{number}" if telegram_is_peer(checked) else post_key(checked, number)


def telegram_link(link: str | None) -> tuple[str, str]:
    """``(channel, message id)`` from a public message link (``https://t.me/s/name/123``); ValueError
    otherwise (a private ``t.me/c/<peer>/<id>`` link names no channel username)."""
    m = _TME.fullmatch((link or "").strip())
    if m is None:
        raise ValueError(
            f"{quote_value(link or '')} is not a public Telegram message link (https://t.me/<channel>/<id>)"
        )
    return m.group(1), telegram_message_id(m.group(2))


def bluesky_did(row: dict[str, str], col: str) -> str:
    """An account's DID (``did:…``); ValueError when the cell is empty or holds no DID."""
    did = opt(row, col)
    if did is None or not did.startswith("did:"):
        raise ValueError(f"{col} {quote_value(did or '')} is not a DID")
    return did


def bluesky_post_uri(uri: str | None, author: str | None, col: str) -> str:
    """A post's ``at://<did>/app.bsky.feed.post/<key>`` URI, checked (and, when ``author`` is given,
    that its DID is the author's); ValueError otherwise: a like or a repost record is no post."""
    m = _AT_POST.fullmatch(uri or "")
    if m is None:
        raise ValueError(
            f"{col} {quote_value(uri or '')} is not a Bluesky post URI (at://<did>/app.bsky.feed.post/<key>)"
        )
    if author is not None and m.group(1) != author:
        raise ValueError(f"{col} {quote_value(uri or '')} is a post of another account than {quote_value(author)}")
    return m.group(0)


def telegram_mentions(text: str | None, found: EntitySet) -> None:
    """``@username`` mentions of Telegram's form (5-32 characters, starting with a letter)."""
    for m in TELEGRAM_MENTION.finditer(text or ""):
        found.add("mention", m.group(1), m.group(1).lower())


@dataclass
class LatestProfiles:
    """One profile snapshot per account from an export that repeats the author's counts on every
    row: the row observed last wins, and the snapshots are emitted once the file is read."""

    seen: dict[str, ProfileSnapshot]

    def __init__(self) -> None:
        self.seen = {}

    def offer(self, snap: ProfileSnapshot) -> None:
        old = self.seen.get(snap.user_id)
        if old is None or snap.observed_at >= old.observed_at:
            self.seen[snap.user_id] = snap

    def emit(self, sink) -> None:  # noqa: ANN001 - any Sink
        for snap in self.seen.values():
            sink.add_profile(snap)
        self.seen.clear()
