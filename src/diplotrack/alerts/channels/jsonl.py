"""The JSON-lines channel (``jsonl``): one JSON object per alert appended to a file, for scripts and
log shippers (``tail -f``, ``jq``).

The lines of one delivery are written in one call, then flushed and synced to disk. An alert's line
is written once: its delivery row says so, and an alert already in the file (a crash after the write
but before the row was kept) is not written again. A line left unfinished by a crash is closed
before the next one, so every later line parses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import orjson

from diplotrack.alerts.channels import json_line
from diplotrack.alerts.model import Alert

NAME = "jsonl"


def ids_in_file(path: Path) -> set[str]:
    """The alert_ids of the lines already in ``path`` (a line that does not parse is passed over)."""
    found: set[str] = set()
    try:
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(obj, dict) and isinstance(obj.get("alert_id"), str):
                    found.add(obj["alert_id"])
    except FileNotFoundError:
        pass
    return found


def _ends_unfinished(path: Path) -> bool:
    """True when the file's last byte is not a line break (a write cut short)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"
    except FileNotFoundError:
        return False


class JsonLinesChannel:
    """Appends one JSON line per alert to ``path`` (created when missing; its folder must exist)."""

    name = NAME

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

    def send(self, alerts: Sequence[Alert], con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
        if not alerts:
            return {}
        try:
            present = ids_in_file(self.path)
            lines = [json_line(a) for a in alerts if a.alert_id not in present]
            if lines:
                text = ("\n" if _ends_unfinished(self.path) else "") + "\n".join(lines) + "\n"
                with open(self.path, "ab") as fh:
                    fh.write(text.encode())
                    fh.flush()
                    os.fsync(fh.fileno())
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            error = f"cannot write the alerts file {self.path} ({why}); check that its folder exists and is writable"
            return {a.alert_id: error for a in alerts}
        return {a.alert_id: None for a in alerts}
