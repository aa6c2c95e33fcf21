"""The values the network analyses accept, and the one check of each: a refused value is a UsageError
whose sentence the CLI prints as is. The library functions check their arguments with these; the CLI
calls the same checks before it opens the store.

Standard library only: the CLI imports this module without loading pandas, DuckDB or igraph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from diplotrack.errors import InvalidValueError

NETWORK_KINDS = ("repost", "quote", "reply", "mention", "follow", "hashtag", "cohashtag")
FORMATS = ("gexf", "graphml", "csv", "html")
ACTIONS = ("repost", "hashtag", "link", "post")
PERIODS = ("hour", "day", "week", "month")
ACCOUNTS = ("all", "tracked")
POLYPHONY_ITEMS = ("hashtag", "topic", "term")


def _one_of(value: object, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise InvalidValueError(f"unknown {what} {value!r}; use one of {', '.join(choices)}")


def check_network_kind(kind: str) -> None:
    _one_of(kind, NETWORK_KINDS, "network kind")


def check_format(fmt: str) -> None:
    _one_of(fmt, FORMATS, "format")


def check_action(action: str) -> None:
    _one_of(action, ACTIONS, "action")


def check_polyphony_item(what: str) -> None:
    _one_of(what, POLYPHONY_ITEMS, "polyphony item")


def check_accounts(accounts: str, name: str = "accounts") -> None:
    """``all`` or ``tracked``; ``name`` is how the caller calls the value (the CLI: ``--accounts``)."""
    if accounts not in ACCOUNTS:
        raise InvalidValueError(f"{name} {accounts!r}: use all or tracked")


def check_period(by: str, name: str = "by") -> None:
    if by not in PERIODS:
        raise InvalidValueError(f"{name} {by!r} is not a period; use one of {', '.join(PERIODS)}")


MAX_WINDOW_S = 366 * 86400  # a co-action window longer than a year is no longer "acting together"


def check_co_action(window_s: float, min_count: int, names: tuple[str, str] = ("window_s", "min_count")) -> None:
    """The co-action window (seconds, zero or more) and the minimum count of items (at least 1)."""
    if not math.isfinite(window_s) or window_s > MAX_WINDOW_S:
        raise InvalidValueError(
            f"{names[0]} must be a number of seconds from 0 to {MAX_WINDOW_S:,} (a year), not {window_s}"
        )
    if window_s < 0 or min_count < 1:
        raise InvalidValueError(f"{names[0]} must be zero or more seconds and {names[1]} at least 1")


def check_alpha(alpha: float, name: str = "alpha") -> None:
    """A significance level: a probability strictly between 0 and 1."""
    if not (0 < alpha < 1):  # NaN fails this too
        raise InvalidValueError(f"{name} must be a probability between 0 and 1 (e.g. 0.001), not {alpha}")


def check_neighbours(neighbours: int) -> None:
    if neighbours < 0:
        raise InvalidValueError(f"neighbours must be zero or more, not {neighbours}")
