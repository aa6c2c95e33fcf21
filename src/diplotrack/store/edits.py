"""Edited posts: the writer's merge step for sources that see edits (``Post.text_observed_at``).

A post's stored text is the first one seen (importers and most sources), except when a source
dates its reading of the text (Telegram, for a message the preview marks "edited"): then a reading
whose text differs from the stored one, and that is newer than both the post's last dated
observation (``metrics_observed_at``) and its last recorded edit, replaces the text, and the change
is kept in ``post_edits`` (platform, post_id, observed_at, old_text, new_text, run_id). An older
reading, or the same one merged again, changes nothing: re-running is idempotent.

Inside a write's transaction, over the writer's batch (``_bp``) and the stored rows it touches
(``_op``); ``find`` leaves the edits in the temporary table ``_ed`` for the merge to read.
"""

from __future__ import annotations

import duckdb

TEMP = "_ed"


def find(con: duckdb.DuckDBPyConnection) -> int:
    """The batch's posts whose text is a newer edit of the stored one, into ``_ed``; returns how many.
    A batch with no dated text (every import) costs one count."""
    row = con.execute("SELECT count(*) FROM _bp WHERE text_observed_at IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    con.execute(
        f"""CREATE TEMP TABLE {TEMP} AS
            SELECT b.platform, b.post_id, b.text_observed_at AS observed_at, p.text AS old_text, b.text AS new_text
            FROM _bp b JOIN _op p USING (platform, post_id)
            LEFT JOIN (SELECT platform, post_id, max(observed_at) AS last_edit
                       FROM post_edits SEMI JOIN _bp USING (platform, post_id) GROUP BY ALL) le
                 USING (platform, post_id)
            WHERE b.text_observed_at IS NOT NULL AND b.text IS NOT NULL AND b.text IS DISTINCT FROM p.text
              AND (p.metrics_observed_at IS NULL OR b.text_observed_at >= p.metrics_observed_at)
              AND (le.last_edit IS NULL OR b.text_observed_at > le.last_edit)"""
    )
    row = con.execute(f"SELECT count(*) FROM {TEMP}").fetchone()
    return int(row[0]) if row else 0


def record(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Keep the edits ``find`` found (after the merge replaced the texts)."""
    con.execute(
        f"""INSERT INTO post_edits
            SELECT platform, post_id, observed_at, old_text, new_text, {int(run_id)}::BIGINT FROM {TEMP}
            ON CONFLICT DO NOTHING"""
    )
