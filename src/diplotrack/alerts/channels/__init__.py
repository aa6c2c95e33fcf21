"""Delivery channels: each takes the alerts it has not delivered yet and says, per alert, whether it
went (``model.Channel``). ``printed`` writes to the terminal, ``jsonl`` appends JSON lines to a file,
``atom`` rewrites an Atom feed file, ``webhook`` POSTs each alert, signed.

An alert's JSON form is the same everywhere (:func:`alert_record`, :func:`json_line`)."""

from __future__ import annotations

from typing import Any

import orjson

from diplotrack.alerts.model import Alert
from diplotrack.alerts.state import json_default
from diplotrack.untrusted_text import escape_unsafe


def alert_record(alert: Alert) -> dict[str, Any]:
    """An alert as a JSON-ready dict: the fields of docs/alerts.md, dates as ISO 8601 text (UTC)."""
    return {
        "alert_id": alert.alert_id,
        "rule": alert.rule,
        "key": alert.key,
        "title": alert.title,
        "platform": alert.platform,
        "handle": alert.handle,
        "user_id": alert.user_id,
        "occurred_at": alert.occurred_at.isoformat() if alert.occurred_at else None,
        "fired_at": alert.fired_at.isoformat() if alert.fired_at else None,
        "run_id": alert.run_id,
        "evidence": dict(alert.evidence),
    }


def json_line(alert: Alert) -> str:
    """One line of JSON (no line break inside; parsed back it gives the exact values)."""
    return escape_unsafe(
        orjson.dumps(alert_record(alert), default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    )
