"""Writing a roster into the store: idempotent upserts of actors, accounts and snapshot rows.

- actors are keyed by ``actor_id``; accounts by ``(platform, lower(handle))``, so a re-import with
  a handle in another case, a new ``user_id`` or another ``actor_id`` updates the row in place.
- ``updated_at`` changes only when a value changed: re-importing the same roster reports nothing
  new and nothing updated.
- an account's ``user_id``, once known, is kept when a later roster leaves it out.
- nothing is ever deleted: an actor or account dropped from the roster stays in the store.
- snapshot rows are inserted when absent (``profile_snapshots`` key: platform, user_id, observed_at).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from diplotrack.records import handle_key
from diplotrack.roster.model import Actor, Roster, SnapshotRow
from diplotrack.store.db import transaction, utcnow

ACTOR_COLUMNS = (
    "actor_id",
    "name",
    "kind",
    "institutional",
    "state",
    "host_country",
    "host_city",
    "organisation",
    "person",
    "tenure_start",
    "tenure_end",
    "languages",
    "tags",
    "source",
    "notes",
)
ACCOUNT_COLUMNS = ("platform", "handle", "user_id", "user_key", "actor_id", "source", "notes")
LIST_COLUMNS = (
    "handle",
    "platform",
    "user_id",
    "actor_id",
    "name",
    "kind",
    "institutional",
    "state",
    "host_country",
    "host_city",
    "organisation",
    "person",
    "tenure_start",
    "tenure_end",
)
SNAPSHOT_SOURCE = "roster-snapshots"

_INSERT_ACTOR = (
    f"INSERT INTO actors ({', '.join(ACTOR_COLUMNS)}, updated_at) VALUES ({', '.join('?' for _ in ACTOR_COLUMNS)}, ?)"
)
_UPDATE_ACTOR = (
    f"UPDATE actors SET {', '.join(f'{c} = ?' for c in ACTOR_COLUMNS[1:])}, updated_at = ? WHERE actor_id = ?"
)
_INSERT_ACCOUNT = (
    f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}, updated_at) "
    f"VALUES ({', '.join('?' for _ in ACCOUNT_COLUMNS)}, ?)"
)
_UPDATE_ACCOUNT = (
    f"UPDATE accounts SET {', '.join(f'{c} = ?' for c in ACCOUNT_COLUMNS)}, updated_at = ? "
    "WHERE platform = ? AND lower(handle) = ?"
)
_SNAPSHOT_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("user_id", pa.string()),
        ("observed_at", pa.timestamp("us")),
        ("handle", pa.string()),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("posts_count", pa.int64()),
        ("created_at", pa.timestamp("us")),
        ("status", pa.string()),
        ("source", pa.string()),
        ("file", pa.string()),
        ("line", pa.int64()),
    ]
)
_SNAPSHOT_VIEW = "_diplotrack_roster_snapshots"
_INSERT_SNAPSHOTS = (
    "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, followers, following, "
    "posts_count, created_at, status, source, provenance) "
    "SELECT platform, user_id, observed_at, handle, followers, following, posts_count, created_at, status, "
    "source, struct_pack(source := ?, file := file, line := line, raw_id := NULL::VARCHAR, "
    f"pointer := NULL::VARCHAR, run_id := NULL::BIGINT) FROM {_SNAPSHOT_VIEW} "
    # the key (platform, user_id, observed_at) is enforced here: insert only what is not there yet
    "ANTI JOIN (SELECT platform, user_id, observed_at FROM profile_snapshots) old "
    "USING (platform, user_id, observed_at)"
)


@dataclass(slots=True)
class RosterImportResult:
    actors_new: int = 0
    actors_updated: int = 0
    accounts_new: int = 0
    accounts_updated: int = 0
    snapshots_new: int = 0


def _actor_values(actor: Actor) -> tuple[object, ...]:
    values = {c: getattr(actor, c) for c in ACTOR_COLUMNS}
    values["languages"] = actor.languages or None  # no languages given: missing, not an empty list
    values["tags"] = actor.tags or None
    return tuple(values[c] for c in ACTOR_COLUMNS)


def _upsert_actors(con: duckdb.DuckDBPyConnection, roster: Roster, result: RosterImportResult) -> None:
    known = {row[0]: tuple(row) for row in con.execute(f"SELECT {', '.join(ACTOR_COLUMNS)} FROM actors").fetchall()}
    now = utcnow()
    for actor in roster.actors:
        values = _actor_values(actor)
        old = known.get(actor.actor_id)
        if old is None:
            con.execute(_INSERT_ACTOR, [*values, now])
            result.actors_new += 1
        elif old != values:
            con.execute(_UPDATE_ACTOR, [*values[1:], now, actor.actor_id])
            result.actors_updated += 1
        known[actor.actor_id] = values


def _upsert_accounts(
    con: duckdb.DuckDBPyConnection, roster: Roster, result: RosterImportResult
) -> dict[tuple[str, str], str]:
    """Upsert every account; returns each account's user_key by (platform, lower(handle))."""
    known: dict[tuple[str, str], list[tuple[object, ...]]] = {}
    for row in con.execute(f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM accounts").fetchall():
        known.setdefault((row[0], str(row[1]).lower()), []).append(tuple(row))
    keys: dict[tuple[str, str], str] = {}
    now = utcnow()
    for actor, account in roster.accounts():
        key = (account.platform, account.handle.lower())
        old_rows = known.get(key, [])
        user_id = account.user_id or (old_rows[0][2] if len(old_rows) == 1 else None)
        user_key = str(user_id) if user_id else handle_key(account.handle)
        values = (
            account.platform,
            account.handle,
            user_id,
            user_key,
            actor.actor_id,
            account.source,
            account.notes,
        )
        if not old_rows:
            con.execute(_INSERT_ACCOUNT, [*values, now])
            result.accounts_new += 1
        elif len(old_rows) > 1:  # the same handle in several cases (written outside the roster): merge
            con.execute("DELETE FROM accounts WHERE platform = ? AND lower(handle) = ?", list(key))
            con.execute(_INSERT_ACCOUNT, [*values, now])
            result.accounts_updated += 1
        elif old_rows[0] != values:
            con.execute(_UPDATE_ACCOUNT, [*values, now, *key])
            result.accounts_updated += 1
        known[key] = [values]
        keys[key] = user_key
    return keys


def _insert_snapshots(
    con: duckdb.DuckDBPyConnection, rows: list[SnapshotRow], user_keys: dict[tuple[str, str], str]
) -> int:
    """Insert the snapshot rows that are not in the store yet (one statement); returns how many."""
    if not rows:
        return 0
    records = [
        {
            "platform": row.platform,
            "user_id": user_keys.get((row.platform, row.handle.lower())) or handle_key(row.handle),
            "observed_at": row.observed_at,
            "handle": row.handle,
            "followers": row.followers,
            "following": row.following,
            "posts_count": row.posts_count,
            "created_at": row.created_at,
            "status": row.status,
            "source": row.source,
            "file": row.file,
            "line": row.line,
        }
        for row in rows
    ]
    con.register(_SNAPSHOT_VIEW, pa.Table.from_pylist(records, schema=_SNAPSHOT_SCHEMA))
    try:
        inserted = con.execute(_INSERT_SNAPSHOTS, [SNAPSHOT_SOURCE]).fetchone()
    finally:
        con.unregister(_SNAPSHOT_VIEW)
    return int(inserted[0]) if inserted else 0


def import_roster(con: duckdb.DuckDBPyConnection, roster: Roster) -> RosterImportResult:
    """Write a (valid) roster into the store in one transaction; see the module doc for the rules."""
    result = RosterImportResult()
    with transaction(con):
        _upsert_actors(con, roster, result)
        user_keys = _upsert_accounts(con, roster, result)
        result.snapshots_new = _insert_snapshots(con, roster.snapshots, user_keys)
    return result


def list_accounts(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every account with its actor's facts, ordered by platform then handle (ignoring case)."""
    account_cols = {"handle", "platform", "user_id", "actor_id"}
    select = ", ".join(f"a.{c}" if c in account_cols else f"r.{c}" for c in LIST_COLUMNS)
    rows = con.execute(
        f"SELECT {select} FROM accounts a LEFT JOIN actors r ON r.actor_id = a.actor_id "
        "ORDER BY a.platform, lower(a.handle), a.handle"
    ).fetchall()
    return [dict(zip(LIST_COLUMNS, row, strict=True)) for row in rows]
