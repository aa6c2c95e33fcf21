"""What the commands share: global options, consoles, JSON output, progress bars."""

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
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


@dataclass
class State:
    db: str | None = None
    debug: bool = False


STATE = State()
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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
    try:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits (DuckDB HUGEINT): write those as strings
        return orjson.dumps(_big_ints_as_text(obj), default=_default, option=orjson.OPT_NON_STR_KEYS).decode()


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
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )
