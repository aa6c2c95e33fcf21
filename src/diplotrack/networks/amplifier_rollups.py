"""Amplifier profiles from the store's rollups (store/rollups.py), and the engagement events both
paths share.

``amplifiers.amplifier_profiles`` needs, per tracked account, its events per amplifier and the
seconds from each repost to the reposted post. The counts come from ``rollup_refs_day`` (posts per
author, day, reference and target author): joined to the roster, they count one event per (post,
reference column), where the base path counts one per (post, tracked account). The two differ only
for a post with two or more reference columns naming the same account (a quote that also replies
to it), so those posts, read from ``posts`` (a filter on three columns), correct the counts. The
seconds to a repost are per post (a repost's time minus the reposted post's) and no rollup holds
them: they are read from ``posts`` (the reposts of tracked accounts only). Engagement records have
no rollup and are read as in the base path.

The rollups answer only a window that starts and ends at midnight (``rollups_answer``): then
"``created_at`` in [start, end)" is "``day`` in [start's day, end's day)".
"""

from __future__ import annotations

import duckdb

from diplotrack.analyses.base import Filters, roster_keys_sql
from diplotrack.analyses.query import sql_conditions, window_terms


def engagements_sql() -> str:
    """One row per Bluesky repost or quote engagement record on a tracked account's post that the
    store does not also hold as a post (see ``amplifiers``): platform, target, amplifier, relation,
    event_at, seconds_to_repost. Reads ``rk`` (the roster keys) from the caller's WITH."""
    return """
        SELECT e.platform, t.user_key AS target, coalesce(a.user_key, e.actor_user_id) AS amplifier,
               e.kind AS relation, coalesce(e.engaged_at, o.created_at) AS event_at,
               CASE WHEN e.kind = 'repost' THEN epoch(e.engaged_at - o.created_at) END AS seconds_to_repost
        FROM engagements e
        LEFT JOIN posts o ON o.platform = e.platform AND o.post_id = e.post_id
        JOIN rk t ON t.platform = e.platform
             AND t.key = coalesce(o.author_id, regexp_extract(e.post_id, '^at://([^/]+)/', 1))
        LEFT JOIN rk a ON a.platform = e.platform AND a.key = e.actor_user_id
        WHERE e.kind IN ('repost', 'quote')
          AND NOT EXISTS (
              SELECT 1 FROM posts q
              WHERE q.platform = e.platform AND q.author_id = e.actor_user_id
                AND ((e.kind = 'repost' AND q.reposted_post_id = e.post_id)
                     OR (e.kind = 'quote' AND q.quoted_post_id = e.post_id))
          )
          AND NOT (e.kind = 'quote' AND e.engagement_post_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM posts q WHERE q.platform = e.platform AND q.post_id = e.engagement_post_id
          ))
    """


def rollup_tables(con: duckdb.DuckDBPyConnection, f: Filters, per_amp: str, speed: str) -> None:
    """Create the temporary tables ``per_amp`` (platform, target, amplifier, n: events) and ``speed``
    (platform, target, seconds_to_repost: one row per repost event with both times known) for the
    window and platforms of ``f``, from the rollups (the counts) and the base tables (the rest)."""
    where_day, day_params = sql_conditions(window_terms(f, "day"), "r", named="d")
    where_post, post_params = sql_conditions(window_terms(f), "p", named="p")
    where_event, event_params = sql_conditions(window_terms(f, "event_at"), named="e")
    params = {**day_params, **post_params, **event_params}
    cols = ("reposted", "quoted", "replied_to")
    n_refs = " + ".join(f"(p.{c}_author_id IS NOT NULL)::INT" for c in cols)
    con.execute(
        f"""
        CREATE TEMP TABLE {per_amp} AS
        WITH rk AS ({roster_keys_sql()}),
        counted AS (  -- one event per (post, reference column) naming a tracked account
            SELECT r.platform, t.user_key AS target, coalesce(a.user_key, r.author_id) AS amplifier,
                   sum(r.posts)::BIGINT AS n
            FROM rollup_refs_day r
            JOIN rk t ON t.platform = r.platform AND t.key = r.target_author_id
            LEFT JOIN rk a ON a.platform = r.platform AND a.key = r.author_id
            WHERE {where_day}
            GROUP BY ALL
        ),
        multi AS (  -- posts with several reference columns: one event per (post, account), not per column
            SELECT p.platform, p.post_id, p.author_id, u.target_key
            FROM (SELECT * FROM posts p WHERE p.author_id IS NOT NULL AND {n_refs} >= 2 AND {where_post}) p,
                 unnest([p.reposted_author_id, p.quoted_author_id, p.replied_to_author_id]) AS u(target_key)
            WHERE u.target_key IS NOT NULL
        ),
        fix AS (
            SELECT m.platform, t.user_key AS target, coalesce(a.user_key, m.author_id) AS amplifier,
                   (count(DISTINCT m.post_id) - count(*))::BIGINT AS n
            FROM multi m
            JOIN rk t ON t.platform = m.platform AND t.key = m.target_key
            LEFT JOIN rk a ON a.platform = m.platform AND a.key = m.author_id
            GROUP BY ALL
        ),
        engaged AS (
            SELECT platform, target, amplifier, count(*)::BIGINT AS n
            FROM ({engagements_sql()}) WHERE amplifier <> target AND {where_event} GROUP BY ALL
        ),
        u AS (SELECT * FROM counted UNION ALL SELECT * FROM fix UNION ALL SELECT * FROM engaged)
        SELECT platform, target, amplifier, sum(n)::BIGINT AS n FROM u
        WHERE amplifier <> target GROUP BY ALL HAVING sum(n) > 0
        """,
        params,
    )
    # a repost event's reposted post: its reposted_post_id; when that is missing, the base path's
    # arg_min (which skips NULLs) takes the post quoted or replied to, if it is the same account's
    con.execute(
        f"""
        CREATE TEMP TABLE {speed} AS
        WITH rk AS ({roster_keys_sql()}),
        reposts AS (
            SELECT p.*, t.user_key AS target, coalesce(a.user_key, p.author_id) AS amplifier
            FROM posts p
            JOIN rk t ON t.platform = p.platform AND t.key = p.reposted_author_id
            LEFT JOIN rk a ON a.platform = p.platform AND a.key = p.author_id
            WHERE p.author_id IS NOT NULL AND {where_post}
        ),
        refs AS (
            SELECT platform, created_at, target, amplifier, reposted_post_id AS ref_post_id
            FROM reposts WHERE reposted_post_id IS NOT NULL
            UNION ALL  -- rare: a repost without the reposted post's id that also quotes or replies
            SELECT r.platform, r.created_at, r.target, r.amplifier,
                   coalesce(CASE WHEN q.user_key = r.target THEN r.quoted_post_id END,
                            CASE WHEN rr.user_key = r.target THEN r.replied_to_post_id END) AS ref_post_id
            FROM reposts r
            LEFT JOIN rk q ON q.platform = r.platform AND q.key = r.quoted_author_id
            LEFT JOIN rk rr ON rr.platform = r.platform AND rr.key = r.replied_to_author_id
            WHERE r.reposted_post_id IS NULL
        ),
        from_posts AS (
            SELECT r.platform, r.target, epoch(r.created_at - o.created_at) AS seconds_to_repost
            FROM refs r JOIN posts o ON o.platform = r.platform AND o.post_id = r.ref_post_id
            WHERE r.amplifier <> r.target
        ),
        from_engagements AS (
            SELECT platform, target, seconds_to_repost FROM ({engagements_sql()})
            WHERE relation = 'repost' AND amplifier <> target AND {where_event}
        )
        SELECT * FROM (SELECT * FROM from_posts UNION ALL SELECT * FROM from_engagements)
        WHERE seconds_to_repost IS NOT NULL
        """,
        {**post_params, **event_params},
    )
