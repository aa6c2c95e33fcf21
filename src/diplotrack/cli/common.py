"""What the commands share: global options, consoles, JSON output, progress bars.

The consoles here never let stored or server-sent text drive the terminal: every string they print
goes through :func:`clean` (see :mod:`diplotrack.cli.terminal`), markup is off, and tables are
printed by :func:`print_table`."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from diplotrack.cli.terminal import SafeConsole, SafeTextColumn, clean, print_table, safe_text
from diplotrack.untrusted_text import escape_unsafe

__all__ = ["SafeTextColumn", "clean", "console", "err_console", "print_error", "print_table", "safe_text"]


@dataclass
class State:
    db: str | None = None
    debug: bool = False


STATE = State()
console: Console = SafeConsole(highlight=False, soft_wrap=True, markup=False)
err_console: Console = SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False)


def print_error(message: object) -> None:
    """One line on stderr (``error: ...`` and the like) that may echo file names, handles or text a
    server sent: control characters and escape sequences removed, line breaks made spaces."""
    err_console.print(clean(message), markup=False, highlight=False, soft_wrap=True)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode()
    if isinstance(obj, uuid.UUID | dt.timedelta):
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__}")


def dumps(obj: Any) -> str:
    """``obj`` as JSON text; parsed back it gives the exact values, and the text itself holds no
    character that drives a terminal (``untrusted_text.escape_unsafe``)."""
    try:
        text = orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits (DuckDB HUGEINT): write those as strings
        text = orjson.dumps(_big_ints_as_text(obj), default=_default, option=orjson.OPT_NON_STR_KEYS).decode()
    return escape_unsafe(text)


def _big_ints_as_text(obj: Any) -> Any:
    if isinstance(obj, int) and not isinstance(obj, bool) and not -(2**63) <= obj < 2**64:
        return str(obj)
    if isinstance(obj, dict):
        return {k: _big_ints_as_text(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_big_ints_as_text(v) for v in obj]
    return obj


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def byte_progress(*, enabled: bool) -> Progress:
    """A progress bar over bytes, drawn on stderr, hidden when disabled or not a terminal."""
    return Progress(
        SafeTextColumn("{task.description}", style="progress.description"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )
