"""What a lookup or an engagement page says, written to the store (inside the page's transaction)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from diplotrack.collect.source import Found
from diplotrack.records import Engagement, handle_key


def apply_found(con: duckdb.DuckDBPyConnection, f: Found, observed: datetime, run_id: int) -> list[dict]:
    """Record what a lookup said of an account: its id, its handle, and any change of status."""
    t = f.target
    events: list[dict] = []
    uid = f.user_id or t.user_id
    if f.user_id and f.user_id != t.user_id:
        con.execute(
            "UPDATE accounts SET user_id = ?, user_key = ?, updated_at = ? WHERE platform = ? AND handle = ?",
            [f.user_id, f.user_id, observed, t.platform, t.handle],
        )
    key = uid or handle_key(t.handle)
    prev = con.execute(
        """SELECT handle, status FROM profile_snapshots
           WHERE platform = ? AND user_id = ? AND observed_at < ?
           ORDER BY observed_at DESC LIMIT 1""",
        [t.platform, key, observed],
    ).fetchone()
    old_handle, old_status = prev if prev else (t.handle, None)
    new_status = f.status
    if (old_status or "active") != new_status:
        events.append({"event": new_status if new_status != "active" else "reinstated", "old": old_status})
    if f.handle and old_handle and f.handle.lower() != old_handle.lower():
        events.append({"event": "renamed", "old": old_handle, "new": f.handle})
    for e in events:
        new = e.get("new", new_status if e["event"] != "renamed" else None)
        con.execute(
            """INSERT INTO account_events (platform, user_id, observed_at, event, old_value, new_value, run_id, detail)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                t.platform,
                key,
                observed,
                e["event"],
                e.get("old"),
                new,
                run_id,
                f.detail if e["event"] != "renamed" else None,
            ],
        )
        e.update({"handle": t.handle, "user_id": key, "new": new, "detail": f.detail})
    return events


def insert_engagements(con: duckdb.DuckDBPyConnection, items: list[Engagement], run_id: int) -> int:
    if not items:
        return 0
    before = con.execute("SELECT count(*) FROM engagements").fetchone()[0]
    con.executemany(
        """INSERT INTO engagements VALUES (?, ?, ?, ?, ?, ?, ?, ?,
               struct_pack(source := ?, file := ?, line := NULL::BIGINT, raw_id := ?, pointer := ?,
                           run_id := ?::BIGINT))
           ON CONFLICT DO NOTHING""",
        [
            [
                e.platform,
                e.post_id,
                e.kind,
                e.actor_user_id,
                e.actor_handle,
                e.engaged_at,
                e.engagement_post_id,
                e.observed_at,
                e.provenance.source,
                e.provenance.file,
                e.provenance.raw_id,
                e.provenance.pointer,
                run_id,
            ]
            for e in items
        ],
    )
    return con.execute("SELECT count(*) FROM engagements").fetchone()[0] - before
