"""The store's per-day rollups (store/rollups.py) as Ibis tables, restricted the way the base-table
paths restrict ``posts``: the filtered platforms, the window's days, the tracked accounts' keys.

Only for selections ``base.use_rollups`` accepts (current rollups, a window that starts and ends at
midnight): then "``created_at`` in [start, end)" is exactly "``day`` in [start's day, end's day)",
and a post without a time (``day`` NULL) is in the window only when the window is unbounded, as in
the base tables. A rollup key may have several rows; callers sum ``posts`` (min ``first_at``, max
``last_at``) over their own groups, which is why nothing here aggregates.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from diplotrack.analyses.base import Filters, Tables, memo, roster_keys
from diplotrack.analyses.query import ibis_predicates, platform_terms


def rollup_table(t: Tables, name: str) -> ir.Table:
    """The rollup table ``name`` of this store (looked up once per run)."""
    return memo(t, f"rollup_table:{name}", lambda: t.backend.table(name))  # type: ignore[attr-defined]


def rows_per_post(t: Tables) -> float:
    """Rows of ``rollup_posts_day`` per row of ``posts`` in this store (once per run; 1.0 for an empty
    store): how much the rollups compress it. A rollup row costs more to read than a post row (more
    columns, a 128-bit engagement sum), so an analysis that would otherwise read ``posts`` alone gains
    only where this is small."""

    def ratio() -> float:
        # Ibis, not the DuckDB connection: the same count runs on any backend (Spark: issue 18)
        rows, posts = int(rollup_table(t, "rollup_posts_day").count().execute()), int(t.posts.count().execute())
        return rows / posts if posts else 1.0

    return memo(t, "rollup_rows_per_post", ratio)


def in_window(r: ir.Table, f: Filters) -> ir.BooleanValue:
    """Whether a rollup row's ``day`` lies in the day-aligned window of ``f`` (NULL for a row of
    posts without a time when the window is bounded, so that it counts nowhere)."""
    cond: ir.BooleanValue = ibis.literal(True)
    if f.start is not None:
        cond &= r.day >= ibis.literal(f.start.date(), type="date")
    if f.end is not None:
        cond &= r.day < ibis.literal(f.end.date(), type="date")
    return cond


def window_rows(t: Tables, f: Filters, name: str) -> ir.Table:
    """The rows of rollup ``name`` of the filtered platforms whose day lies in the window of ``f``
    (any account)."""
    r = rollup_table(t, name)
    for predicate in ibis_predicates(r, platform_terms(f)):
        r = r.filter(predicate)
    if f.start is not None or f.end is not None:
        r = r.filter(in_window(r, f))
    return r


def tracked_rollup(t: Tables, f: Filters, name: str, *, window: bool = True) -> ir.Table:
    """The rows of rollup ``name`` filed under a tracked account's key, of the filtered platforms,
    in the window unless ``window`` is False, with the account's roster fields.

    Columns: the rollup's, and handle, actor_id, roster_kind, host_country (the roster account's).
    """
    r = window_rows(t, f if window else Filters(platforms=f.platforms), name)
    k = roster_keys(t, f).select("platform", "key", "handle", "actor_id", "kind", "host_country")
    k = k.rename(k_platform="platform", roster_kind="kind")
    j = r.join(k, [r.platform == k.k_platform, r.author_id == k.key])
    return j.drop("k_platform", "key")
