"""``gone_silent``: a tracked account has posted nothing for much longer than its usual gaps.

Silence is measured only up to the last time the store observed the account: its latest profile
snapshot, or the latest complete timeline sweep of the collector (``collection_cursors
.last_complete_at``), never the wall clock, so an archive imported once is not silent. Posts,
snapshots and sweeps dated after the evaluation's ``now`` are left out: dated in the future (a wrong
clock, a bad import), they would otherwise hide a silence or make one up. The threshold is
``max(min_days, factor * p95)`` where ``p95`` is the 95th percentile of the gaps between the
account's last ``history`` posts (of any kind); it needs ``min_posts`` posts. An account whose latest
snapshot is not active (suspended, deleted, ...) is left to ``account_status``. The silence happened
when it crossed the threshold (``occurred_at``: last post + threshold); the key is platform, author id
and the last post's id, so one silence fires once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.basis import account_basis, plural
from diplotrack.alerts.rules.scope import (
    after_since,
    at_handle,
    excerpt,
    fetch,
    iso,
    merged,
    positive,
    post_url,
    tracked_sql,
)

NAME = "gone_silent"
SECONDS_PER_DAY = 86400.0


def _posting(ctx: Context, history: int) -> list[dict[str, Any]]:
    """Per roster account: its last ``history`` post times, the last post, when the store last
    observed it and its latest status."""
    tracked, params = tracked_sql(ctx.scope)
    sql = f"""WITH tracked AS ({tracked}),
        mine AS (
            SELECT t.platform, t.handle, p.post_id, p.author_id, p.created_at, p.text, p.kind,
                   row_number() OVER (PARTITION BY t.platform, t.handle
                                      ORDER BY p.created_at DESC, p.post_id DESC) AS rn
            FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
            WHERE p.created_at IS NOT NULL AND p.created_at <= ?),
        recent AS (
            SELECT platform, handle, count(*) AS posts, list(created_at ORDER BY created_at) AS times,
                   max(created_at) AS last_at,
                   arg_min(struct_pack(post_id := post_id, author_id := author_id, text := text, kind := kind),
                           rn) AS last_post
            FROM mine WHERE rn <= ? GROUP BY platform, handle),
        snaps AS (
            SELECT t.platform, t.handle, max(s.observed_at) AS snapshot_at, arg_max(s.status, s.observed_at) AS status
            FROM profile_snapshots s JOIN tracked t ON t.platform = s.platform AND t.key = s.user_id
            WHERE s.observed_at <= ?
            GROUP BY t.platform, t.handle),
        sweeps AS (
            SELECT t.platform, t.handle, max(c.last_complete_at) AS sweep_at
            FROM collection_cursors c JOIN tracked t ON t.platform = c.platform AND t.key = c.user_id
            WHERE c.last_complete_at <= ?
            GROUP BY t.platform, t.handle)
        SELECT r.*, s.snapshot_at, s.status, w.sweep_at
        FROM recent r LEFT JOIN snaps s USING (platform, handle) LEFT JOIN sweeps w USING (platform, handle)
        ORDER BY r.platform, r.handle"""
    return fetch(ctx.con, sql, [*params, ctx.now, history, ctx.now, ctx.now])


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    positive(p, "min_days", "factor", "min_posts", "history")
    alerts = []
    for r in _posting(ctx, int(p["history"])):
        if r["posts"] < p["min_posts"] or (r["status"] or "active") != "active":
            continue
        seen = [t for t in (r["snapshot_at"], r["sweep_at"]) if t is not None]
        if not seen:
            continue
        observed_until = max(seen)
        times = np.array([t.timestamp() for t in r["times"]], dtype=float)
        gaps = np.diff(times) / SECONDS_PER_DAY
        p95 = float(np.percentile(gaps, 95)) if len(gaps) else 0.0
        threshold = max(float(p["min_days"]), float(p["factor"]) * p95)
        silence = (observed_until - r["last_at"]).total_seconds() / SECONDS_PER_DAY
        crossed = r["last_at"] + timedelta(days=threshold)
        if silence <= threshold or not after_since(ctx.scope, crossed):
            continue
        last = r["last_post"]
        platform, handle = r["platform"], r["handle"]
        alerts.append(
            Alert(
                NAME,
                f"{platform}|{last['author_id']}|{last['post_id']}",
                f"{platform} {at_handle(handle)} silent for {silence:.0f} days (usually posts within {p95:.1f})",
                platform,
                handle,
                last["author_id"],
                crossed,
                {
                    "last_post": {
                        "post_id": last["post_id"],
                        "created_at": iso(r["last_at"]),
                        "kind": last["kind"],
                        "text": excerpt(last["text"]),
                        "url": post_url(platform, last["post_id"]),
                    },
                    "observed_until": iso(observed_until),
                    "observed_by": "collection sweep" if observed_until == r["sweep_at"] else "profile snapshot",
                    "silence_days": round(silence, 2),
                    "threshold_days": round(threshold, 2),
                    "gap_p95_days": round(p95, 3),
                    "gap_median_days": round(float(np.median(gaps)), 3) if len(gaps) else None,
                    "posts_in_history": int(r["posts"]),
                },
            )
        )
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when it has ``min_posts`` posts, is active, and the store observed it (a
    snapshot or a complete sweep) after its last post: silence is measured up to that observation."""
    p = merged(PARAMS, params)
    rows = _posting(ctx, int(p["history"]))
    for r in rows:
        seen = [t for t in (r["snapshot_at"], r["sweep_at"]) if t is not None]
        r["observed_until"] = max(seen) if seen else None
        r["enough"] = r["posts"] >= p["min_posts"] and (r["status"] or "active") == "active"
    enough = [r for r in rows if r["enough"]]
    later = [r for r in enough if r["observed_until"] is not None and r["observed_until"] > r["last_at"]]
    had = (
        f"none of the {plural(len(enough), 'account')} with them was observed after"
        if enough
        else "no active account has them"
    )
    note = f"needs {p['min_posts']} posts and a snapshot or complete sweep after the last one; {had}"
    return account_basis(ctx, later, lambda r: True, note, "last_at", "observed_until")


PARAMS = (
    Param("min_days", 14.0, "the shortest silence (days) that fires, however often the account posts"),
    Param("factor", 3.0, "a silence must exceed this many times the 95th percentile of the account's gaps"),
    Param("min_posts", 20, "the fewest posts an account needs before its silence can fire"),
    Param("history", 200, "how many of the account's latest posts its gaps come from"),
)

RULE = Rule(
    name=NAME,
    title="Account gone silent",
    description=(
        "A tracked account has posted nothing, up to the last time the store observed it, for much longer "
        "than its usual gaps between posts."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
