"""What fired and where it went, kept in the store (tables ``alerts`` and ``alert_deliveries``).

An alert is recorded once: its ``alert_id`` (a hash of rule and key) is the table's key, so the same
change found again by a re-run, or by a ``watch`` restarted after a crash, is not new and is not
delivered again. Each channel keeps its own delivery row per alert: a channel is offered the alerts
it has not delivered yet, oldest first; a failure keeps its attempts and last error and is offered
again at the next evaluation; a delivered alert is never offered to that channel again.

Every write here is one transaction (``store.db.transaction``): an evaluation's alerts are recorded
all together or not at all, and so are one channel's delivery results.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import orjson

from diplotrack.alerts.model import Alert
from diplotrack.store.db import transaction

DELIVERED = "delivered"
FAILED = "failed"

_COLUMNS = "alert_id, rule, key, title, platform, handle, user_id, occurred_at, fired_at, run_id, evidence"


def json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date | time):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    raise TypeError(f"cannot store a {type(obj).__name__} in an alert's evidence")


def evidence_json(evidence: Mapping[str, Any]) -> str:
    """An alert's evidence as the JSON text the store keeps (dates as ISO 8601 text)."""
    return orjson.dumps(dict(evidence), default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _from_row(row: Sequence[Any]) -> Alert:
    alert_id, rule, key, title, platform, handle, user_id, occurred_at, fired_at, run_id, evidence = row
    return Alert(
        rule=rule,
        key=key,
        title=title,
        platform=platform,
        handle=handle,
        user_id=user_id,
        occurred_at=occurred_at,
        evidence=orjson.loads(evidence) if evidence else {},
        fired_at=fired_at,
        run_id=run_id,
    )


def record(
    con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], fired_at: datetime, run_id: int | None = None
) -> list[Alert]:
    """Record the alerts not recorded before, in one transaction; return those (with ``fired_at``
    and ``run_id`` set), in the order given. An alert found twice in ``alerts`` counts once."""
    first: dict[str, Alert] = {}
    for a in alerts:
        first.setdefault(a.alert_id, a)
    known = known_ids(con, list(first.values()))  # one writer holds the store: nothing comes in between
    new = [dataclasses.replace(a, fired_at=fired_at, run_id=run_id) for a in first.values() if a.alert_id not in known]
    if not new:
        return []  # nothing written: the store's generation (cached results) stays as it is
    with transaction(con):
        con.executemany(
            f"INSERT INTO alerts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (alert_id) DO NOTHING",
            [
                [
                    a.alert_id,
                    a.rule,
                    a.key,
                    a.title,
                    a.platform,
                    a.handle,
                    a.user_id,
                    a.occurred_at,
                    a.fired_at,
                    a.run_id,
                    evidence_json(a.evidence),
                ]
                for a in new
            ],
        )
    return new


def known_ids(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert]) -> set[str]:
    """Which of ``alerts`` are recorded already (a dry run's way of telling the new ones)."""
    ids = [a.alert_id for a in alerts]
    if not ids:
        return set()
    return {
        r[0] for r in con.execute("SELECT alert_id FROM alerts WHERE alert_id IN (SELECT unnest(?))", [ids]).fetchall()
    }


def pending(con: duckdb.DuckDBPyConnection, channel: str, limit: int | None = None) -> list[Alert]:
    """The alerts ``channel`` has not delivered (never tried, or failed before), oldest first."""
    rows = con.execute(
        f"""SELECT {", ".join("a." + c.strip() for c in _COLUMNS.split(","))}
            FROM alerts a
            LEFT JOIN alert_deliveries d ON d.alert_id = a.alert_id AND d.channel = ?
            WHERE d.status IS NULL OR d.status <> ?
            ORDER BY a.fired_at, coalesce(a.occurred_at, a.fired_at), a.alert_id
            LIMIT ?""",
        [channel, DELIVERED, limit],
    ).fetchall()
    return [_from_row(r) for r in rows]


def mark(
    con: duckdb.DuckDBPyConnection, channel: str, results: Mapping[str, str | None], now: datetime
) -> tuple[int, int]:
    """Keep ``channel``'s results (alert_id -> None when delivered, else the error), in one
    transaction; a delivered row stays delivered. Returns (delivered, failed)."""
    if not results:
        return 0, 0
    with transaction(con):
        con.executemany(
            """INSERT INTO alert_deliveries
                   (alert_id, channel, status, attempts, delivered_at, last_error, updated_at)
               VALUES (?, ?, ?, 1, ?, ?, ?)
               ON CONFLICT (alert_id, channel) DO UPDATE SET
                   status = excluded.status,
                   attempts = alert_deliveries.attempts + 1,
                   delivered_at = excluded.delivered_at,
                   last_error = excluded.last_error,
                   updated_at = excluded.updated_at
               WHERE alert_deliveries.status <> 'delivered'""",
            [
                [
                    alert_id,
                    channel,
                    DELIVERED if error is None else FAILED,
                    now if error is None else None,
                    error,
                    now,
                ]
                for alert_id, error in results.items()
            ],
        )
    failed = sum(1 for e in results.values() if e is not None)
    return len(results) - failed, failed


def recorded(con: duckdb.DuckDBPyConnection, limit: int | None = None, rules: Sequence[str] = ()) -> list[Alert]:
    """The alerts recorded so far, newest first (``rules``: only those rules' alerts)."""
    where = "WHERE rule IN (SELECT unnest(?))" if rules else ""
    params: list[Any] = [list(rules)] if rules else []
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM alerts {where} "
        "ORDER BY fired_at DESC, coalesce(occurred_at, fired_at) DESC, alert_id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_from_row(r) for r in rows]


def deliveries(con: duckdb.DuckDBPyConnection, alert_id: str) -> list[dict[str, Any]]:
    """Where one alert went: a row per channel (status, attempts, delivered_at, last_error)."""
    cur = con.execute(
        "SELECT channel, status, attempts, delivered_at, last_error, updated_at "
        "FROM alert_deliveries WHERE alert_id = ? ORDER BY channel",
        [alert_id],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
