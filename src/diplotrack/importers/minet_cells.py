"""Reading the cells of research-tool exports (minet's CSVs, 4CAT's CSVs and NDJSON): shared helpers.

Every reader here raises ``ValueError`` naming the column and quoting the bad value (cut by
``quote_value``), which the CSV driver (``base.read_csv_rows``) turns into a skip of that row.
Empty cells, and the spellings tools write for "nothing" (``NA``, ``None``, ``null``), are ``None``.

Telegram keys are the collector's: a post is ``<channel username lower>/<message id>`` and a
channel ``handle:<channel username lower>`` (``records.handle_key``); a channel known only by its
numeric peer id (4CAT without resolved entities) is ``tg-peer:<id>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from diplotrack.importers.base import parse_int, parse_time, quote_value
from diplotrack.records import EntitySet, ProfileSnapshot, handle_key

NOTHING = ("", "NA", "NAN", "NULL", "NONE")
TELEGRAM_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{3,31})(?![\w@])")
_TME = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z0-9_]{1,64})/(\d{1,19})(?:[/?#].*)?$", re.I)
_EPOCH_MAX = 253402300799  # 9999-12-31T23:59:59Z
TG_PEER = "tg-peer:"


def opt(row: dict[str, str], col: str) -> str | None:
    """A cell's text, stripped; ``None`` when empty or a "nothing" spelling."""
    v = (row.get(col) or "").strip()
    return None if v.upper() in NOTHING else v


def cell_int(row: dict[str, str], col: str) -> int | None:
    try:
        return parse_int(row.get(col))
    except ValueError as exc:
        raise ValueError(f"{col} cannot be stored: {exc}") from None


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


def telegram_channel_key(name: str) -> str:
    """A channel's account key: ``handle:<username lower>``, or ``tg-peer:<id>`` for a numeric peer id."""
    name = name.strip().lstrip("@")
    return f"{TG_PEER}{name}" if name.lstrip("-").isdigit() else handle_key(name)


def telegram_post_id(channel: str, message_id: object) -> str:
    channel = channel.strip().lstrip("@")
    prefix = f"{TG_PEER}{channel}" if channel.lstrip("-").isdigit() else channel.lower()
    return f"{prefix}/{message_id}"


def telegram_link(link: str | None) -> tuple[str, str]:
    """``(channel, message id)`` from a message link (``https://t.me/s/name/123``); ValueError otherwise."""
    m = _TME.match(link or "")
    if m is None:
        raise ValueError(f"{quote_value(link or '')} is not a Telegram message link (https://t.me/<channel>/<id>)")
    return m.group(1), m.group(2)


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
