"""Rollups: per-account, per-day aggregates of the posts, kept up to date by every write.

Derived tables (docs/data-model.md, "Rollups"); the base tables stay the truth and
``diplotrack rollups --rebuild`` recomputes these from them whenever in doubt:

- ``rollup_posts_day``: posts per (platform, author_id, day, post kind, platform language,
  detected language, tone label), with the deleted ones, the first and last post time, how many
  carry engagement metrics and their summed engagement.
- ``rollup_topics_day``: posts per (platform, author_id, day, post kind, topic).
- ``rollup_entities_day``: posts per (platform, author_id, day, post kind, entity type, normalized
  value) (hashtags, mentions, URLs…).
- ``rollup_refs_day``: posts per (platform, author_id, day, reference, target author), reference
  one of ``repost``, ``quote``, ``reply`` (the author of the post reposted, quoted, replied to).

``day`` is ``posts.created_at::DATE`` (NULL for a post without a time); posts without an author
are not rolled up (no analysis counts them). A key may have several rows (one per write that
added posts to it): readers sum ``posts`` (min ``first_at``, max ``last_at``) over their groups.

How they stay right. Every write of posts, entities or enrichment runs, in its own transaction:
``mark`` the (platform, author_id, day) keys the touched posts had before and have after the
write; ``refresh`` deletes every rollup row of those keys and recomputes them from the base tables;
posts new to the store whose key is not marked are added as they are (``refresh(new=...)``),
without re-reading their key. The row counts of posts, entities and enrichment at that moment are kept
(``store_state.rollups_seen``): a write that went around these paths (SQL typed into the store
with DuckDB itself) changes them, and the analyses then read the base tables until the next
read-write open rebuilds the rollups. ``store_state.generation`` is bumped by every committed
transaction, so a cached result knows whether anything changed (the result cache uses it).
"""

from __future__ import annotations

import duckdb

ROLLUPS_VERSION = "1"
TABLES = ("rollup_posts_day", "rollup_topics_day", "rollup_entities_day", "rollup_refs_day")

_DAY = "p.created_at::DATE"
_HAS_METRICS = (
    "(p.like_count IS NOT NULL OR p.repost_count IS NOT NULL OR p.reply_count IS NOT NULL OR p.quote_count IS NOT NULL)"
)
_METRICS = ("like_count", "repost_count", "reply_count", "quote_count")
_ENGAGEMENT = " + ".join(f"coalesce(p.{c}, 0)::HUGEINT" for c in _METRICS)

# Each aggregate reads ``{posts}``: a relation of rows of ``posts`` (alias p); the entities one reads
# the entity rows of those posts from ``{entities}`` (``post_entities``, or a batch's own rows).
_AGGREGATES = {
    "rollup_posts_day": f"""
        SELECT p.platform, p.author_id, {_DAY} AS day, p.kind, p.lang, e.lang_detected, e.tone_label,
               count(*) AS posts, count(p.deleted_at) AS deleted,
               min(p.created_at) AS first_at, max(p.created_at) AS last_at,
               count(*) FILTER (WHERE {_HAS_METRICS}) AS with_metrics,
               sum({_ENGAGEMENT}) FILTER (WHERE {_HAS_METRICS}) AS engagement
        FROM ({{posts}}) p LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
        GROUP BY ALL""",
    "rollup_topics_day": f"""
        SELECT platform, author_id, day, kind, topic, count(*) AS posts, min(created_at) AS first_at
        FROM (SELECT DISTINCT p.platform, p.post_id, p.author_id, {_DAY} AS day, p.kind, p.created_at,
                     unnest(e.topics) AS topic
              FROM ({{posts}}) p JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id)
        WHERE topic IS NOT NULL
        GROUP BY ALL""",
    "rollup_entities_day": f"""
        SELECT p.platform, p.author_id, {_DAY} AS day, p.kind, e.type, e.normalized,
               count(DISTINCT p.post_id) AS posts, min(p.created_at) AS first_at
        FROM ({{posts}}) p JOIN {{entities}} e ON e.platform = p.platform AND e.post_id = p.post_id
        GROUP BY ALL""",
    "rollup_refs_day": f"""
        SELECT platform, author_id, day, ref, target_author_id, count(*) AS posts, min(created_at) AS first_at
        FROM (SELECT p.platform, p.author_id, {_DAY} AS day, p.created_at,
                     unnest(['repost', 'quote', 'reply']) AS ref,
                     unnest([p.reposted_author_id, p.quoted_author_id, p.replied_to_author_id]) AS target_author_id
              FROM ({{posts}}) p)
        WHERE target_author_id IS NOT NULL
        GROUP BY ALL""",
}

_DIRTY = "_rollup_dirty"
_EVERY = "SELECT p.* FROM posts p WHERE p.author_id IS NOT NULL"


def _sql(table: str, posts: str, entities: str = "post_entities") -> str:
    """The aggregate of rollup ``table`` over the posts ``posts`` (and their rows of ``entities``)."""
    return _AGGREGATES[table].format(posts=posts, entities=entities)


def _insert(con: duckdb.DuckDBPyConnection, posts: str, entities: str = "post_entities") -> None:
    """Add the aggregates of the posts ``posts`` to every rollup."""
    for table in _AGGREGATES:
        con.execute(f"INSERT INTO {table} {_sql(table, posts, entities)}")


_KEY_MATCH = "p.platform = d.platform AND p.author_id = d.author_id AND {day} IS NOT DISTINCT FROM d.day"


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary AND schema_name = 'main'",
        [table],
    ).fetchone()
    return bool(row and row[0])


def present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the rollup tables (schema version 6 or later)."""
    return _has(con, "store_state")


def _seen(con: duckdb.DuckDBPyConnection) -> str:
    """The row counts of the tables the rollups are made from: a write that went around the
    maintained paths (SQL typed into a store opened with DuckDB itself) changes them."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_entities), "
        "(SELECT count(*) FROM post_enrichment)"
    ).fetchone()
    return ",".join(str(x) for x in row) if row else ""


def usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the rollups are built with this version's definitions and were brought up to date by
    the last write of posts, entities or enrichment (else analyses read the base tables, and a
    read-write open rebuilds them)."""
    if not present(con):
        return False
    row = con.execute("SELECT rollups_version, rollups_seen FROM store_state WHERE id = 1").fetchone()
    return bool(row and row[0] == ROLLUPS_VERSION and row[1] == _seen(con))


def _record_seen(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE store_state SET rollups_seen = ? WHERE id = 1", [_seen(con)])


def generation(con: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """(store_id, generation): changes with every committed write; None for a store without it."""
    if not present(con):
        return None
    row = con.execute("SELECT store_id, generation FROM store_state WHERE id = 1").fetchone()
    return (str(row[0]), int(row[1])) if row else None


def bump(con: duckdb.DuckDBPyConnection) -> None:
    """Count one more change of the store (inside the writing transaction, just before its commit:
    ``changed_at`` is this moment in UTC, not the transaction's start, which DuckDB's ``now()`` gives)."""
    if present(con):
        from datetime import UTC, datetime

        when = datetime.now(UTC).replace(tzinfo=None)
        con.execute("UPDATE store_state SET generation = generation + 1, changed_at = ? WHERE id = 1", [when])


def _dirty_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_DIRTY} (platform VARCHAR, author_id VARCHAR, day DATE)")


def mark(con: duckdb.DuckDBPyConnection, keys: str, params: list | None = None) -> None:
    """Record the rollup keys that the posts named by ``keys`` (a relation with platform and post_id)
    have in ``posts`` now. Call it before and after changing them."""
    if not present(con):
        return
    _dirty_table(con)
    con.execute(
        f"""INSERT INTO {_DIRTY}
            SELECT DISTINCT p.platform, p.author_id, {_DAY}
            FROM posts p SEMI JOIN ({keys}) k ON k.platform = p.platform AND k.post_id = p.post_id
            WHERE p.author_id IS NOT NULL""",
        params or [],
    )


def mark_rows(con: duckdb.DuckDBPyConnection, rows: str) -> None:
    """Record the rollup keys of ``rows``: a relation of post rows (platform, author_id, created_at),
    e.g. a copy of posts taken before changing them."""
    if not present(con):
        return
    _dirty_table(con)
    con.execute(
        f"""INSERT INTO {_DIRTY} SELECT DISTINCT p.platform, p.author_id, {_DAY} FROM ({rows}) p
            WHERE p.author_id IS NOT NULL"""
    )


def mark_ids(con: duckdb.DuckDBPyConnection, platform: str, post_ids: list[str]) -> None:
    """``mark`` for a list of post ids of one platform."""
    mark(con, "SELECT ?::VARCHAR AS platform, unnest(?::VARCHAR[]) AS post_id", [platform, post_ids])


def refresh(con: duckdb.DuckDBPyConnection, new: str | None = None) -> int:
    """Bring the rollups up to date inside the writing transaction: recompute every marked key from
    the base tables, then add the posts ``new`` names (a relation with platform and post_id of posts
    that were not in the store before this transaction) whose key was not recomputed. Returns how
    many keys were recomputed."""
    if not present(con):
        return 0
    _dirty_table(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_keys AS SELECT DISTINCT * FROM {_DIRTY}")
    con.execute(f"DELETE FROM {_DIRTY}")
    try:
        n = int(con.execute("SELECT count(*) FROM _rollup_keys").fetchone()[0])
        if n:
            match = _KEY_MATCH.format(day="r.day").replace("p.", "r.")
            dirty_posts = f"SELECT p.* FROM posts p SEMI JOIN _rollup_keys d ON {_KEY_MATCH.format(day=_DAY)}"
            for table in _AGGREGATES:
                con.execute(f"DELETE FROM {table} r USING _rollup_keys d WHERE {match}")
            _insert(con, dirty_posts)
        if new is not None:
            new_posts = f"""SELECT p.* FROM posts p
                            SEMI JOIN ({new}) k ON k.platform = p.platform AND k.post_id = p.post_id
                            ANTI JOIN _rollup_keys d ON {_KEY_MATCH.format(day=_DAY)}
                            WHERE p.author_id IS NOT NULL"""
            _insert(con, new_posts)
    finally:
        con.execute("DROP TABLE IF EXISTS _rollup_keys")
    _record_seen(con)
    return n


def rebuild(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Recompute every rollup from the base tables (inside the caller's transaction); returns the
    rows of each."""
    for table in _AGGREGATES:
        con.execute(f"DELETE FROM {table}")
    _insert(con, _EVERY)
    rows = {table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in _AGGREGATES}
    con.execute("UPDATE store_state SET rollups_version = ? WHERE id = 1", [ROLLUPS_VERSION])
    _record_seen(con)
    return rows


_MERGED = {
    **dict.fromkeys(("posts", "deleted", "with_metrics", "engagement"), "sum"),
    "first_at": "min",
    "last_at": "max",
}


def merged_rows(con: duckdb.DuckDBPyConnection, table: str, source: str | None = None) -> list[tuple]:
    """The rows of a rollup table (or of ``source``, a query with its columns) merged per group (a
    key may have several rows), sorted."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    keys = [c for c in cols if c not in _MERGED]
    aggs = ", ".join(f"{_MERGED[c]}({c})" for c in cols if c in _MERGED)
    rel = f"({source})" if source else table
    rows = con.execute(f"SELECT {', '.join(keys)}, {aggs} FROM {rel} GROUP BY ALL").fetchall()
    return sorted(rows, key=repr)


def check(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Compare every rollup with what a rebuild from the base tables would hold, changing nothing
    (works on a read-only store): the number of differing groups per table (0 when right)."""
    out = {}
    for table in _AGGREGATES:
        kept, rebuilt = merged_rows(con, table), merged_rows(con, table, _sql(table, _EVERY))
        out[table] = len(set(kept) ^ set(rebuilt))
    return out


def add_new(con: duckdb.DuckDBPyConnection, posts: str, entities: str) -> bool:
    """The batch path of ``refresh(new=...)`` for a write that only added posts: aggregate them from
    the writer's own batch instead of finding them again in ``posts`` and ``post_entities``.

    ``posts`` is a relation of the rows just inserted into ``posts`` (every column the aggregates
    read, ``deleted_at`` included), ``entities`` one of exactly the ``post_entities`` rows of those
    posts. Both hold because a post new to the store has no entity rows before its first write (the
    writer inserts a new post's entities without looking for old ones). Does nothing and returns
    False when a key is marked: then ``refresh`` must recompute it, and the caller uses that."""
    if not present(con):
        return True
    _dirty_table(con)
    if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_DIRTY} LIMIT 1)").fetchone()[0]:
        return False
    _insert(con, f"SELECT p.* FROM ({posts}) p WHERE p.author_id IS NOT NULL", f"({entities})")
    _record_seen(con)
    return True
