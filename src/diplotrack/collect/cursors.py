"""Timeline cursors, one row per (platform, account, endpoint) in ``collection_cursors``.

A sweep reads an account's timeline newest first down to a lower bound. After every page, the
page's records, the ids it showed (``collection_seen``) and the sweep's new state are written in
one transaction, so a process killed at any moment resumes exactly after the last committed page.

When a sweep completes, the stored posts of the account that fall inside the window the sweep
covered (after the oldest item it saw, up to when it started) and that it did not see are the
deletion candidates; those the platform confirms gone (``Source.confirm_gone``: Bluesky asks for
them by URI, since its feed order is not its post times) are marked ``deleted_at``; then the
high-water mark moves up and the seen ids are dropped. A post marked deleted that shows up again
loses the mark. A page that fails in three runs in a row gives its sweep up (nothing is judged)
so that one bad page cannot stop an account's collection for good.

The next sweep's lower bound is the older of two stored posts of the account: the newest one older
than the recheck window (``recheck``, default 2 days), and the oldest of its newest ``page`` posts
(one page). So every sweep re-reads at least the account's newest page, and the last days: that is
how deletions are noticed, on quiet accounts too. A sweep bounded by a stored post's id
(``since_id``) is shown everything after it, so every stored post between that bound and the
sweep's start that it did not show is a deletion candidate, whatever its age.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from diplotrack.collect.source import Page, Sweep
from diplotrack.store import rollups
from diplotrack.store.db import transaction

_COLUMNS = (
    "high_id, high_at, sweep_open, sweep_cursor, sweep_since_id, sweep_since_at, sweep_started_at, "
    "sweep_high_id, sweep_high_at, sweep_low_at, sweep_pages, sweep_failures, last_complete_at"
)
MAX_FAILURES = 3  # a page that fails in this many runs in a row: the sweep is given up and restarted


def load(con: duckdb.DuckDBPyConnection, platform: str, user_id: str, endpoint: str) -> dict | None:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM collection_cursors WHERE platform = ? AND user_id = ? AND endpoint = ?",
        [platform, user_id, endpoint],
    ).fetchone()
    if row is None:
        return None
    return dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))


def next_sweep(
    con: duckdb.DuckDBPyConnection,
    platform: str,
    user_id: str,
    endpoint: str,
    *,
    now: datetime,
    recheck: timedelta,
    since: datetime | None,
    author_keys: list[str],
    page: int = 100,
) -> Sweep:
    """The open sweep to resume, or a new one bounded by the recheck rule and the newest ``page``
    stored posts, whichever reaches further back."""
    state = load(con, platform, user_id, endpoint)
    if state is not None and state["sweep_open"]:
        return Sweep(
            since_id=state["sweep_since_id"],
            since_at=state["sweep_since_at"],
            cursor=state["sweep_cursor"],
            started_at=state["sweep_started_at"],
            high_id=state["sweep_high_id"],
            high_at=state["sweep_high_at"],
            low_at=state["sweep_low_at"],
            pages=state["sweep_pages"] or 0,
            resumed=True,
        )
    if state is None or state["high_at"] is None:
        # first sweep: everything the platform gives back, down to --since
        return Sweep(since_at=since, started_at=now)
    edge = now - recheck
    # the newest stored post older than the recheck window, and the oldest of the newest page
    rows = con.execute(
        """WITH own AS (
             SELECT post_id, created_at FROM posts
             WHERE platform = ? AND list_contains(?, author_id) AND created_at IS NOT NULL AND deleted_at IS NULL)
           (SELECT post_id, created_at FROM own WHERE created_at < ? ORDER BY created_at DESC, post_id DESC LIMIT 1)
           UNION ALL
           (SELECT post_id, created_at FROM
              (SELECT * FROM own ORDER BY created_at DESC, post_id DESC LIMIT ?)
            ORDER BY created_at, post_id LIMIT 1)""",
        [platform, author_keys, edge, max(1, page)],
    ).fetchall()
    if not rows:
        if state["high_id"] is not None and edge >= state["high_at"]:
            # nothing of the account's stored: incremental, from the high-water mark
            return Sweep(since_id=state["high_id"], since_at=state["high_at"], started_at=now)
        return Sweep(since_at=since, started_at=now)
    if len(rows) == 1:
        # every stored post is younger than the recheck window: re-read them all, as before
        return Sweep(since_at=since, started_at=now)
    since_id, since_at = min(rows, key=lambda r: (r[1], r[0]))
    if since is not None and since > since_at:
        since_at = since
    return Sweep(since_id=since_id, since_at=since_at, started_at=now)


def save_page(
    con: duckdb.DuckDBPyConnection,
    platform: str,
    user_id: str,
    endpoint: str,
    sweep: Sweep,
    page: Page,
    run_id: int,
    now: datetime,
    gone: list[str] | None = None,
) -> int:
    """Record a page of the sweep (inside the page's transaction); returns posts marked deleted.

    ``gone``: on the sweep's last page, the deletion candidates (``deletion_candidates``) the
    platform confirmed gone; they get ``deleted_at``."""
    ids = [pid for pid, _ in page.seen]
    if ids:
        con.execute(
            """INSERT INTO collection_seen
               SELECT ?, ?, ?, unnest(?::VARCHAR[]) AS post_id
               EXCEPT SELECT platform, user_id, endpoint, post_id FROM collection_seen
                      WHERE platform = ? AND user_id = ? AND endpoint = ?""",
            [platform, user_id, endpoint, ids, platform, user_id, endpoint],
        )
        # a post marked deleted that shows up again was not deleted (or was restored)
        back = [
            r[0]
            for r in con.execute(
                "SELECT post_id FROM posts WHERE platform = ? AND deleted_at IS NOT NULL AND list_contains(?, post_id)",
                [platform, ids],
            ).fetchall()
        ]
        if back:
            con.execute(
                "UPDATE posts SET deleted_at = NULL WHERE platform = ? AND list_contains(?, post_id)", [platform, back]
            )
            rollups.mark_ids(con, platform, back)  # their rollups count them deleted no more
            rollups.refresh(con)
    _advance(sweep, page)
    if not page.done:
        _upsert(con, platform, user_id, endpoint, run_id, now, sweep, open_=True)
        return 0
    deleted = 0
    if gone:
        row = con.execute(
            "UPDATE posts SET deleted_at = ? WHERE platform = ? AND deleted_at IS NULL AND list_contains(?, post_id)",
            [now, platform, gone],
        ).fetchone()
        deleted = int(row[0]) if row else 0
        rollups.mark_ids(con, platform, gone)
        rollups.refresh(con)
    _upsert(con, platform, user_id, endpoint, run_id, now, sweep, open_=False)
    con.execute(
        "DELETE FROM collection_seen WHERE platform = ? AND user_id = ? AND endpoint = ?",
        [platform, user_id, endpoint],
    )
    return deleted


def _advance(sweep: Sweep, page: Page) -> None:
    times = [t for _, t in page.seen if t is not None]
    if times:
        newest = max(page.seen, key=lambda s: (s[1] is not None, s[1] or datetime.min))
        if sweep.high_at is None or (newest[1] is not None and newest[1] > sweep.high_at):
            sweep.high_id, sweep.high_at = newest[0], newest[1]
        low = min(times)
        sweep.low_at = low if sweep.low_at is None else min(sweep.low_at, low)
    sweep.pages += 1
    sweep.cursor = page.next_cursor


def deletion_candidates(
    con: duckdb.DuckDBPyConnection, platform: str, user_id: str, endpoint: str, sweep: Sweep, last: Page
) -> list[str]:
    """The stored posts a sweep ending with ``last`` should have shown and did not: the account's
    posts created inside (oldest item seen, sweep start], after the sweep's lower bound.

    A sweep bounded by a stored post's id (``since_id``) vouches for everything after that post:
    the window reaches down to it, even below the oldest item seen (or when nothing was seen)."""
    if sweep.started_at is None:
        return []
    if sweep.since_id is not None and sweep.since_at is not None:
        lower = sweep.since_at
    else:
        low = sweep.low_at
        last_times = [t for _, t in last.seen if t is not None]
        if last_times:
            low = min(last_times) if low is None else min(low, min(last_times))
        if low is None:
            return []  # the sweep saw nothing: no window it can vouch for
        lower = low if sweep.since_at is None else max(low, sweep.since_at)
    rows = con.execute(
        """SELECT post_id FROM posts
           WHERE platform = ? AND author_id = ? AND deleted_at IS NULL
             AND created_at > ? AND created_at <= ?
             AND NOT list_contains(?, post_id)
             AND post_id NOT IN (SELECT post_id FROM collection_seen
                                 WHERE platform = ? AND user_id = ? AND endpoint = ?)
           ORDER BY post_id""",
        [platform, user_id, lower, sweep.started_at, [p for p, _ in last.seen], platform, user_id, endpoint],
    ).fetchall()
    return [r[0] for r in rows]


def record_failure(
    con: duckdb.DuckDBPyConnection, platform: str, user_id: str, endpoint: str, run_id: int, now: datetime
) -> bool:
    """Count a failed page of an open sweep; after MAX_FAILURES runs in a row, give the sweep up
    (no deletion is judged; the next sweep starts again from the high-water mark). True if given up."""
    state = load(con, platform, user_id, endpoint)
    if state is None or not state["sweep_open"]:
        return False
    failures = (state["sweep_failures"] or 0) + 1
    if failures < MAX_FAILURES:
        con.execute(
            "UPDATE collection_cursors SET sweep_failures = ?, updated_at = ?, run_id = ? "
            "WHERE platform = ? AND user_id = ? AND endpoint = ?",
            [failures, now, run_id, platform, user_id, endpoint],
        )
        return False
    with transaction(con):
        con.execute(
            """UPDATE collection_cursors SET sweep_open = false, sweep_cursor = NULL, sweep_since_id = NULL,
                   sweep_since_at = NULL, sweep_started_at = NULL, sweep_high_id = NULL, sweep_high_at = NULL,
                   sweep_low_at = NULL, sweep_pages = NULL, sweep_failures = 0, updated_at = ?, run_id = ?
               WHERE platform = ? AND user_id = ? AND endpoint = ?""",
            [now, run_id, platform, user_id, endpoint],
        )
        con.execute(
            "DELETE FROM collection_seen WHERE platform = ? AND user_id = ? AND endpoint = ?",
            [platform, user_id, endpoint],
        )
    return True


def _upsert(
    con: duckdb.DuckDBPyConnection,
    platform: str,
    user_id: str,
    endpoint: str,
    run_id: int,
    now: datetime,
    sweep: Sweep,
    *,
    open_: bool,
) -> None:
    old = load(con, platform, user_id, endpoint)
    high_id, high_at = (old["high_id"], old["high_at"]) if old else (None, None)
    last_complete = old["last_complete_at"] if old else None
    if not open_:
        if sweep.high_at is not None and (high_at is None or sweep.high_at >= high_at):
            high_id, high_at = sweep.high_id, sweep.high_at
        if high_at is None:
            # nothing ever seen: remember the sweep ran, so the next one is incremental from now
            high_at = sweep.started_at
        last_complete = sweep.started_at
    values = [
        high_id,
        high_at,
        open_,
        sweep.cursor if open_ else None,
        sweep.since_id if open_ else None,
        sweep.since_at if open_ else None,
        sweep.started_at if open_ else None,
        sweep.high_id if open_ else None,
        sweep.high_at if open_ else None,
        sweep.low_at if open_ else None,
        sweep.pages if open_ else None,
        0,
        last_complete,
        now,
        run_id,
    ]
    con.execute(
        f"""INSERT INTO collection_cursors (platform, user_id, endpoint, {_COLUMNS}, updated_at, run_id)
            VALUES (?, ?, ?, {", ".join("?" for _ in range(15))})
            ON CONFLICT (platform, user_id, endpoint) DO UPDATE SET
              high_id = excluded.high_id, high_at = excluded.high_at, sweep_open = excluded.sweep_open,
              sweep_cursor = excluded.sweep_cursor, sweep_since_id = excluded.sweep_since_id,
              sweep_since_at = excluded.sweep_since_at, sweep_started_at = excluded.sweep_started_at,
              sweep_high_id = excluded.sweep_high_id, sweep_high_at = excluded.sweep_high_at,
              sweep_low_at = excluded.sweep_low_at, sweep_pages = excluded.sweep_pages,
              sweep_failures = excluded.sweep_failures,
              last_complete_at = excluded.last_complete_at, updated_at = excluded.updated_at,
              run_id = excluded.run_id""",
        [platform, user_id, endpoint, *values],
    )
