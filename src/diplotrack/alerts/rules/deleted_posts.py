"""``deleted_posts``: posts of a tracked account that the collector found gone.

The collector re-reads an account's newest posts and marks those the platform no longer returns (and
confirms gone) with ``posts.deleted_at``, the time of the reading that found them missing. One alert
per account and reading: the posts marked at one ``deleted_at`` for one author id, keyed by platform,
author id and that time. A post later found again loses its mark and drops out of the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.basis import account_basis, per_account
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

NAME = "deleted_posts"


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    positive(p, "min_posts", "max_listed")
    tracked, args = tracked_sql(ctx.scope)
    since = ""
    if ctx.scope.since is not None:
        since = "AND p.deleted_at >= ?"
        args = [*args, ctx.scope.since]
    rows = fetch(
        ctx.con,
        f"""WITH tracked AS ({tracked})
        SELECT t.handle AS roster_handle, p.platform, p.author_id, p.deleted_at, p.post_id, p.created_at,
               p.kind, p.text
        FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
        WHERE p.deleted_at IS NOT NULL {since}
        ORDER BY p.platform, p.author_id, p.deleted_at, p.created_at NULLS LAST, p.post_id""",
        args,
    )
    groups: dict[tuple[str, str, Any], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["platform"], r["author_id"], r["deleted_at"]), []).append(r)
    alerts = []
    for (platform, author_id, deleted_at), posts in groups.items():
        if len(posts) < p["min_posts"] or not after_since(ctx.scope, deleted_at):
            continue
        handle = posts[0]["roster_handle"]
        listed = [
            {
                "post_id": r["post_id"],
                "created_at": iso(r["created_at"]),
                "kind": r["kind"],
                "text": excerpt(r["text"]),
                "url": post_url(platform, r["post_id"]),
            }
            for r in posts[: int(p["max_listed"])]
        ]
        n = len(posts)
        alerts.append(
            Alert(
                NAME,
                f"{platform}|{author_id}|{deleted_at.isoformat()}",
                f"{platform} {at_handle(handle)}: {n} post{'s' if n != 1 else ''} deleted",
                platform,
                handle,
                author_id,
                deleted_at,
                {"deleted_at": iso(deleted_at), "count": n, "listed": len(listed), "posts": listed},
            )
        )
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when the collector completed a sweep of its timeline (the re-read that
    finds deletions) or posts of it are marked deleted; an imported archive shows no deletion."""
    rows = per_account(
        ctx,
        """swept AS (
            SELECT t.platform, lower(t.handle) AS handle, max(c.last_complete_at) AS swept_at
            FROM collection_cursors c JOIN tracked t ON t.platform = c.platform AND t.key = c.user_id
            WHERE c.last_complete_at IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT t.platform, lower(t.handle), max(p.deleted_at)
            FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
            WHERE p.deleted_at IS NOT NULL GROUP BY ALL)
        SELECT platform, handle, max(swept_at) AS swept_at FROM swept GROUP BY ALL""",
    )
    note = "needs the collector's re-reads of an account's timeline, a completed sweep; the store has none"
    return account_basis(ctx, rows, lambda r: True, note, None, "swept_at")


PARAMS = (
    Param("min_posts", 1, "the fewest posts found deleted in one reading that make an alert"),
    Param("max_listed", 50, "the most posts an alert lists (the count covers them all)"),
)

RULE = Rule(
    name=NAME,
    title="Posts deleted",
    description=(
        "The collector found posts of a tracked account gone (posts.deleted_at): one alert per account and "
        "reading, listing the posts."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
