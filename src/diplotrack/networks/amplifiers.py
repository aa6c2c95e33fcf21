"""Amplifier profiles: who amplifies each tracked account, how concentrated and how fast.

An *amplification event* is one of:

- a post that reposts, quotes or replies to a tracked account: ``posts.reposted_author_id``,
  ``quoted_author_id`` or ``replied_to_author_id`` matched to the account's keys (``user_key`` and
  ``handle:<lower handle>``). A post amplifying one account in several ways is one event, named by the
  first of repost, quote, reply. Its time is the post's ``created_at``.
- a Bluesky engagement record (``engagements``) of kind ``repost`` or ``quote`` on a tracked account's
  post (the post's author from ``posts``, else the DID in its ``at://`` URI). One the store also holds as
  a post (a repost or quote of that post by the same account, or the quoting post itself) is not counted
  twice. Its time is ``engaged_at`` when the platform gives one (quotes), else the engaged post's
  ``created_at`` (reposts: Bluesky gives no time).

Likes (engagement kind ``like``) are not amplification: they do not put the post in front of anyone's
followers, and are left out. An account amplifying itself (a self-reply thread, a repost of its own post)
is left out. An amplifier is the acting account: its ``author_id`` / ``actor_user_id``, a tracked one under
its ``user_key`` (both keys are one account).

``start`` (inclusive) and ``end`` (exclusive) bound the event time; ``platforms`` restricts the tracked
accounts and the events. See docs/analyses/coordination.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import duckdb
import pandas as pd

from diplotrack.analyses.base import Filters, as_datetime, rollups_answer, roster_keys_sql
from diplotrack.analyses.query import platform_terms, sql_conditions, window_terms
from diplotrack.networks.amplifier_rollups import engagements_sql, rollup_tables
from diplotrack.networks.bursts import creation_bursts, creations_sql

AMPLIFIER_COLUMNS = [
    "handle",
    "platform",
    "events",
    "amplifiers",
    "top1pct_share",
    "median_seconds_to_repost",
    "amplifiers_created_in_bursts",
    "amplifiers_only_this",
]


def _events_sql(where_time: str) -> str:
    """One row per amplification event: platform, target (the tracked account's user_key), amplifier,
    relation, event_at (the event time), seconds_to_repost (reposts whose times are both known, else NULL).
    ``where_time`` filters on ``at``."""
    refs = " UNION ALL ".join(
        f"""SELECT p.platform, p.post_id, p.author_id, p.created_at, {prio} AS prio, '{rel}' AS relation,
                   p.{col}_author_id AS target_key, p.{col}_post_id AS ref_post_id
            FROM posts p WHERE p.{col}_author_id IS NOT NULL AND p.author_id IS NOT NULL"""
        for prio, rel, col in ((0, "repost", "reposted"), (1, "quote", "quoted"), (2, "reply", "replied_to"))
    )
    return f"""
    WITH rk AS ({roster_keys_sql()}),
    refs AS (
        SELECT r.platform, r.post_id, r.created_at, t.user_key AS target,
               coalesce(a.user_key, r.author_id) AS amplifier,
               arg_min(r.relation, r.prio) AS relation, arg_min(r.ref_post_id, r.prio) AS ref_post_id
        FROM ({refs}) r
        JOIN rk t ON t.platform = r.platform AND t.key = r.target_key
        LEFT JOIN rk a ON a.platform = r.platform AND a.key = r.author_id
        GROUP BY ALL
    ),
    from_posts AS (
        SELECT r.platform, r.target, r.amplifier, r.relation, r.created_at AS event_at,
               CASE WHEN r.relation = 'repost' THEN epoch(r.created_at - o.created_at) END AS seconds_to_repost
        FROM refs r
        LEFT JOIN posts o ON o.platform = r.platform AND o.post_id = r.ref_post_id
    ),
    from_engagements AS ({engagements_sql()}),
    ev AS (SELECT * FROM from_posts UNION ALL SELECT * FROM from_engagements)
    SELECT * FROM ev WHERE amplifier <> target AND {where_time}
    """


def _base_tables(
    con: duckdb.DuckDBPyConnection, where_time: str, params: list, ev: str, per_amp: str, speed: str
) -> None:
    """The temporary tables ``per_amp`` (platform, target, amplifier, n: events) and ``speed``
    (platform, target, seconds_to_repost: repost events with both times known) from the base tables,
    through ``ev`` (every event)."""
    con.execute(f"CREATE TEMP TABLE {ev} AS {_events_sql(where_time)}", params)
    con.execute(
        f"CREATE TEMP TABLE {per_amp} AS SELECT platform, target, amplifier, count(*) AS n FROM {ev} GROUP BY ALL"
    )
    con.execute(
        f"""CREATE TEMP TABLE {speed} AS SELECT platform, target, seconds_to_repost FROM {ev}
            WHERE relation = 'repost' AND seconds_to_repost IS NOT NULL"""
    )


def amplifier_profiles(
    con: duckdb.DuckDBPyConnection,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    platforms: Sequence[str] = (),
    burst_days: pd.DataFrame | None = None,
    rollups: bool | None = None,
) -> pd.DataFrame:
    """One row per tracked account (on the platforms given): who amplifies it (see the module docstring
    for the events).

    Columns:
    - handle, platform: the roster account;
    - events: its amplification events; amplifiers: distinct accounts behind them;
    - top1pct_share: the share of its events made by its top 1% of amplifiers by events
      (``max(1, floor(amplifiers / 100))`` of them; ties broken by account id); NULL without events;
    - median_seconds_to_repost: over its repost events whose time and the reposted post's time are both
      known (repost ``created_at`` minus the reposted post's; engagement reposts only with ``engaged_at``);
    - amplifiers_created_in_bursts: amplifiers whose creation day (``bursts.account_creations``) is a
      burst day. ``burst_days``: a ``creation_bursts(by="day")`` result (column ``period_start``; with a
      ``platform`` column its days apply to that platform only); by default ``creation_bursts(by="day",
      platforms=(p,))`` for each platform p of the tracked accounts, over all the store's accounts;
    - amplifiers_only_this: amplifiers all of whose amplification events (in the window, on the
      platforms given) target this account.

    Ordered by platform, handle.

    ``rollups``: count the events from the store's rollups (amplifier_rollups; the same answer, faster);
    by default whenever they can answer the window (``rollups_answer``).
    """
    f = Filters(start=as_datetime(start), end=as_datetime(end), platforms=tuple(platforms))
    where_time, params = sql_conditions(window_terms(f, "event_at"))
    acct_where, acct_params = sql_conditions(platform_terms(f), "a")
    tracked_platforms = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT platform FROM accounts a WHERE {acct_where} ORDER BY 1", acct_params
        ).fetchall()
    ]
    if burst_days is None:
        parts = []
        for p in tracked_platforms:
            b = creation_bursts(con, by="day", platforms=(p,))
            parts.append(pd.DataFrame({"platform": p, "period_start": pd.to_datetime(b["period_start"])}))
        bursts = pd.concat(parts) if parts else pd.DataFrame({"platform": [], "period_start": []})
    else:
        bursts = pd.DataFrame({"period_start": pd.to_datetime(burst_days["period_start"]).dt.floor("D")})
        bursts["platform"] = burst_days["platform"].to_numpy() if "platform" in burst_days else None
    bursts = bursts.astype({"platform": "string"}).assign(
        period_start=lambda d: d["period_start"].astype("datetime64[us]")
    )
    creations, creation_params = creations_sql("all")
    tag = uuid.uuid4().hex[:12]
    ev, pa, sp, bview = f"_dt_amp_{tag}", f"_dt_amp_n_{tag}", f"_dt_amp_s_{tag}", f"_dt_bursts_{tag}"
    con.register(bview, bursts)
    try:
        if rollups_answer(con, f) if rollups is None else rollups:
            rollup_tables(con, f, pa, sp)
        else:
            _base_tables(con, where_time, params, ev, pa, sp)
        df = con.execute(
            f"""
            WITH per_amp AS (SELECT * FROM {pa}),
            ranked AS (
                SELECT *, row_number() OVER (PARTITION BY platform, target ORDER BY n DESC, amplifier) AS rn,
                          count(*) OVER (PARTITION BY platform, target) AS n_amp
                FROM per_amp
            ),
            only_this AS (
                SELECT platform, amplifier FROM per_amp GROUP BY ALL HAVING count(DISTINCT target) = 1
            ),
            created AS ({creations}),
            in_burst AS (
                SELECT DISTINCT c.platform, c.account AS amplifier FROM created c
                JOIN {bview} b ON b.period_start = date_trunc('day', c.created_at)
                              AND (b.platform IS NULL OR b.platform = c.platform)
            ),
            per_target AS (
                SELECT r.platform, r.target, sum(r.n) AS events, count(*) AS amplifiers,
                       sum(r.n) FILTER (WHERE r.rn <= greatest(1, r.n_amp // 100)) / sum(r.n) AS top1pct_share,
                       count(ib.amplifier) AS amplifiers_created_in_bursts,
                       count(o.amplifier) AS amplifiers_only_this
                FROM ranked r
                LEFT JOIN in_burst ib ON ib.platform = r.platform AND ib.amplifier = r.amplifier
                LEFT JOIN only_this o ON o.platform = r.platform AND o.amplifier = r.amplifier
                GROUP BY r.platform, r.target
            ),
            speed AS (
                SELECT platform, target, median(seconds_to_repost) AS median_seconds_to_repost
                FROM {sp} GROUP BY ALL
            )
            SELECT a.handle, a.platform,
                   coalesce(t.events, 0)::BIGINT AS events, coalesce(t.amplifiers, 0)::BIGINT AS amplifiers,
                   t.top1pct_share::DOUBLE AS top1pct_share,
                   s.median_seconds_to_repost::DOUBLE AS median_seconds_to_repost,
                   coalesce(t.amplifiers_created_in_bursts, 0)::BIGINT AS amplifiers_created_in_bursts,
                   coalesce(t.amplifiers_only_this, 0)::BIGINT AS amplifiers_only_this
            FROM accounts a
            LEFT JOIN per_target t ON t.platform = a.platform AND t.target = a.user_key
            LEFT JOIN speed s ON s.platform = a.platform AND s.target = a.user_key
            WHERE {acct_where}
            ORDER BY a.platform, a.handle
            """,
            [*creation_params, *acct_params],
        ).df()
    finally:
        for table in (ev, pa, sp):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.unregister(bview)
    return df[AMPLIFIER_COLUMNS]
