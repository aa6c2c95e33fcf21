"""The terminal channel (``print``): one line per alert, or one JSON object per line (``--json``).

Titles quote names and bios that accounts chose: escape sequences and control characters are removed
and line breaks made spaces (``untrusted_text.clean``), and the line is printed as a Rich ``Text``, never
read as markup; the JSON form escapes the characters a terminal acts on (``channels.json_line``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import duckdb
from rich.console import Console
from rich.text import Text

from diplotrack.alerts.channels import json_line
from diplotrack.alerts.model import Alert
from diplotrack.untrusted_text import clean

NAME = "print"


def describe(alert: Alert) -> str:
    """The alert in one line: when, the rule, the title, and where (platform and handle)."""
    when = alert.occurred_at or alert.fired_at
    stamp = f"{when:%Y-%m-%d %H:%M} " if when else ""
    where = ", ".join(x for x in (alert.platform, f"@{alert.handle}" if alert.handle else None) if x)
    return f"{stamp}[{alert.rule}] {alert.title}" + (f" ({where})" if where else "")


class PrintedChannel:
    """Writes each alert to ``console`` (plain text, never markup), or as JSON lines on stdout."""

    name = NAME

    def __init__(self, console: Console, *, as_json: bool = False) -> None:
        self.console = console
        self.as_json = as_json

    def send(self, alerts: Sequence[Alert], con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
        for alert in alerts:
            if self.as_json:
                sys.stdout.write(json_line(alert) + "\n")
            else:
                self.console.print(Text(clean(describe(alert))), markup=False, highlight=False, soft_wrap=True)
        if self.as_json:
            sys.stdout.flush()
        return {a.alert_id: None for a in alerts}
