"""The recent window and the baseline before it, per tracked account, that ``tone_shift`` and
``topic_shift`` compare.

An account's windows end at its latest enriched post of its own (original, reply or quote: a repost's
text is someone else's), among those created by the evaluation's ``now``: a post dated in the future
(a wrong clock or a bad import) would otherwise move the windows past every real post. The recent
window is the ``recent_days`` before that end (end included), the baseline the ``baseline_days``
before the recent window. Posts without enrichment are not in either window: an unknown tone or topic
is not a neutral one. A shift is keyed by the *period* its end falls in (consecutive
``recent_days``-long periods counted from 1970-01-01), so a lasting shift fires once per period and
direction, not again with every new post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from diplotrack.alerts.model import Basis, Context
from diplotrack.alerts.rules.basis import account_basis, most
from diplotrack.alerts.rules.scope import excerpt, fetch, iso, post_url, tracked_sql

OWN_KINDS = ("original", "reply", "quote")
EPOCH = datetime(1970, 1, 1)


@dataclass
class Windows:
    """One account's two windows: its posts in each (dicts with post_id, author_id, created_at, text
    and the enrichment columns asked for), and where they lie."""

    platform: str
    handle: str
    user_id: str  # the author id of the latest post (the alert's account)
    end: datetime
    recent_start: datetime
    baseline_start: datetime
    period_start: datetime
    recent: list[dict[str, Any]]
    baseline: list[dict[str, Any]]

    def describe(self) -> dict[str, Any]:
        return {
            "recent": {"from": iso(self.recent_start), "to": iso(self.end), "posts": len(self.recent)},
            "baseline": {"from": iso(self.baseline_start), "to": iso(self.recent_start), "posts": len(self.baseline)},
        }


def enriched_posts(ctx: Context, columns: str, enriched: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per roster account (platform, handle): its own enriched posts in time order. ``columns`` are
    the ``post_enrichment e`` columns to select and ``enriched`` the condition that says a post has
    what the rule reads (both chosen by the rule, never user values)."""
    tracked, params = tracked_sql(ctx.scope)
    rows = fetch(
        ctx.con,
        f"""WITH tracked AS ({tracked})
        SELECT p.platform, t.handle AS roster_handle, p.post_id, p.author_id, p.created_at, p.text, {columns}
        FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
        JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
        WHERE p.created_at IS NOT NULL AND p.created_at <= ? AND list_contains(?, p.kind) AND {enriched}
        ORDER BY p.platform, t.handle, p.created_at, p.post_id""",
        [*params, ctx.now, list(OWN_KINDS)],
    )
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["platform"], r["roster_handle"]), []).append(r)
    return out


def split(platform: str, handle: str, posts: list[dict[str, Any]], recent_days: float, baseline_days: float) -> Windows:
    """An account's posts (in time order) split into its recent window and its baseline."""
    last = posts[-1]
    end = last["created_at"]
    recent_start = end - timedelta(days=recent_days)
    baseline_start = recent_start - timedelta(days=baseline_days)
    recent = [p for p in posts if recent_start < p["created_at"] <= end]
    baseline = [p for p in posts if baseline_start < p["created_at"] <= recent_start]
    period = timedelta(days=recent_days)
    period_start = EPOCH + period * ((end - EPOCH) // period)
    return Windows(
        platform, handle, last["author_id"], end, recent_start, baseline_start, period_start, recent, baseline
    )


def post_evidence(platform: str, post: dict[str, Any], *extra: str) -> dict[str, Any]:
    """A post as an alert lists it: id, time, text excerpt, address, and the ``extra`` columns."""
    out = {
        "post_id": post["post_id"],
        "created_at": iso(post["created_at"]),
        "text": excerpt(post["text"]),
        "url": post_url(platform, post["post_id"]),
    }
    out.update({c: post[c] for c in extra})
    return out


def window_counts(ctx: Context, enriched: str, recent_days: float, baseline_days: float) -> list[dict[str, Any]]:
    """Per roster account with enriched posts: how many of them lie in its recent window
    (``recent``) and in its baseline (``baseline``), and where the baseline starts and the windows
    end, as ``enriched_posts`` and ``split`` select them (``enriched``: the rule's condition)."""
    from diplotrack.alerts.rules.basis import per_account

    recent_us = round(timedelta(days=recent_days) / timedelta(microseconds=1))
    baseline_us = round(timedelta(days=baseline_days) / timedelta(microseconds=1))
    return per_account(
        ctx,
        f"""mine AS (
            SELECT p.platform, lower(t.handle) AS handle, p.created_at
            FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
            JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
            WHERE p.created_at IS NOT NULL AND p.created_at <= ? AND list_contains(?, p.kind) AND {enriched}),
        ends AS (
            SELECT platform, handle, max(created_at) AS end_at,
                   max(created_at) - to_microseconds(?::BIGINT) AS recent_start
            FROM mine GROUP BY ALL)
        SELECT platform, handle, end_at, recent_start - to_microseconds(?::BIGINT) AS baseline_start,
               count(*) FILTER (WHERE m.created_at > recent_start) AS recent,
               count(*) FILTER (WHERE m.created_at <= recent_start
                                  AND m.created_at > recent_start - to_microseconds(?::BIGINT)) AS baseline
        FROM mine m JOIN ends USING (platform, handle)
        GROUP BY ALL""",
        [ctx.now, list(OWN_KINDS), recent_us, baseline_us, baseline_us],
    )


def window_basis(
    ctx: Context, enriched: str, what: str, recent_days: float, baseline_days: float, min_recent: int, min_baseline: int
) -> Basis:
    """A shift rule's basis: an account is judged when its recent window and its baseline hold at least
    ``min_recent`` and ``min_baseline`` posts that are ``enriched`` (SQL on ``e``, the enrichment);
    ``what`` names those posts in the note (``tone-scored posts``)."""
    rows = window_counts(ctx, enriched, recent_days, baseline_days)
    if rows:
        has = f"the most any account has is {most(rows, 'recent')} and {most(rows, 'baseline')}"
    else:
        has = "no account has any; diplotrack enrich adds them"
    note = (
        f"needs {min_recent} {what} in an account's last {recent_days:g} days and {min_baseline} "
        f"in the {baseline_days:g} days before; {has}"
    )
    return account_basis(
        ctx,
        rows,
        lambda r: r["recent"] >= min_recent and r["baseline"] >= min_baseline,
        note,
        "baseline_start",
        "end_at",
    )
