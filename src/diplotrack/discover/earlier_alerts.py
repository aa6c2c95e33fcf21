"""Which discovery candidates the ``new_account`` alert rule has alerted before, and under which key.

A candidate's key (``Candidate.key``) is ``<platform>:handle:<handle>`` while only its handle is
known and ``<platform>:<id>`` once the store ties it to an id, and an account can be renamed: so the
key alone would alert one account twice. An earlier ``new_account`` alert is the same account as a
candidate, on the same platform, when

- their platform ids are equal (the earlier alert's id, or the id its handle holds in the store now:
  ``graph.handle_ids``), or
- one of the candidate's handles (its handle and its other handles) equals, ignoring case, the
  earlier alert's handle or one of the other handles its evidence lists, unless both have ids and
  they differ (a handle given up and taken by another account is another account).

The candidate then takes the earlier alert's key, so its alert id is the earlier one and the alert
is not new. The ``alerts`` table may be absent (a store older than migration 13): nothing was
alerted then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import orjson

from diplotrack.discover.graph import handle_ids
from diplotrack.discover.score import Candidate

RULE = "new_account"


def _real(user_id: str | None) -> str | None:
    return user_id if user_id and not user_id.startswith("handle:") else None


@dataclass(slots=True)
class EarlierAlerts:
    by_id: dict[tuple[str, str], str] = field(default_factory=dict)  # (platform, id) -> key
    by_handle: dict[tuple[str, str], list[tuple[str, str | None]]] = field(default_factory=dict)  # -> (key, id)

    def key_of(self, c: Candidate) -> str | None:
        """The key of the earlier alert about this candidate's account, or None."""
        uid = _real(c.user_id)
        if uid is not None and (key := self.by_id.get((c.platform, uid))) is not None:
            return key
        for handle in (c.handle, *c.other_handles):
            for key, earlier_id in self.by_handle.get((c.platform, (handle or "").lower()), ()):
                if uid is None or earlier_id is None or earlier_id == uid:
                    return key
        return None


def _table_exists(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'alerts' AND database_name = current_database()"
    ).fetchone()
    return bool(row and row[0])


def earlier_alerts(con: duckdb.DuckDBPyConnection) -> EarlierAlerts:
    """The ``new_account`` alerts recorded in the store, indexed by platform id and by handle."""
    out = EarlierAlerts()
    if not _table_exists(con):
        return out
    rows = con.execute(
        """SELECT key, platform, handle, user_id, json_extract(evidence, '$.other_handles')
           FROM alerts WHERE rule = ? ORDER BY fired_at, alert_id""",
        [RULE],
    ).fetchall()
    if not rows:
        return out
    ids = handle_ids(con, tuple(sorted({r[1] for r in rows if r[1]})))
    for key, platform, handle, user_id, others in rows:
        if not platform:
            continue
        handles = [handle] if handle else []
        try:
            listed = orjson.loads(others) if others else []
        except orjson.JSONDecodeError:
            listed = []
        handles += [h for h in listed if isinstance(h, str)] if isinstance(listed, list) else []
        uid = _real(user_id) or next((i for h in handles if (i := ids.get((platform, h.lower())))), None)
        if uid is not None:
            out.by_id.setdefault((platform, uid), key)
        for h in handles:
            out.by_handle.setdefault((platform, h.lower()), []).append((key, uid))
    return out
