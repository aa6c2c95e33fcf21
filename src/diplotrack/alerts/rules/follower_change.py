"""``follower_change``: a jump or drop in a tracked account's followers far outside its own history.

Per roster account, its snapshots with a follower count are taken in time order (one per observation
time), leaving out those of an account suspended, deleted or not found: a platform shows such an
account's count as 0 or hides it, so a suspension is not a drop of every follower, nor a reinstatement
a jump (``account_status`` alerts on both; the step is taken from the last count before to the first
after). Each step between consecutive snapshots has a change and a rate: the change per day, over the
step's length floored at ``min_step_days`` (snapshots minutes apart do not make huge rates). A step is
compared with the account's earlier steps (the ``history`` before it): its robust z-score is
``(rate - median) / (1.4826 * MAD)``, the scale floored at ``min_scale`` followers a day (an account
whose count never moved would otherwise fire on any change). A step fires when ``|z| >= z``, the
change is at least ``min_change`` followers and ``min_relative`` of the count before it, and at least
``min_history`` earlier steps exist; with fewer the account stays quiet. Keyed by platform, user id
and the time of the later snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.basis import account_basis, most, per_account
from diplotrack.alerts.rules.scope import after_since, at_handle, fetch, jsonable, merged, positive, tracked_sql

NAME = "follower_change"
MAD_TO_SIGMA = 1.4826
SECONDS_PER_DAY = 86400.0
# statuses whose follower count is not the account's (hidden, zeroed, or no account at all)
UNREACHABLE = ("suspended", "deleted", "not_found")


def _snapshots(ctx: Context) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per roster account, one snapshot with a follower count per observation time, in time order."""
    tracked, params = tracked_sql(ctx.scope)
    rows = fetch(
        ctx.con,
        f"""WITH tracked AS ({tracked})
        SELECT s.platform, t.handle AS roster_handle, s.observed_at,
               arg_max(s.user_id, s.followers) AS user_id, max(s.followers) AS followers,
               arg_max(s.handle, s.followers) AS handle, arg_max(s.source, s.followers) AS source
        FROM profile_snapshots s JOIN tracked t ON t.platform = s.platform AND t.key = s.user_id
        WHERE s.followers IS NOT NULL AND NOT list_contains(?, coalesce(s.status, 'active'))
        GROUP BY s.platform, t.handle, s.observed_at
        ORDER BY s.platform, t.handle, s.observed_at""",
        [*params, list(UNREACHABLE)],
    )
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["platform"], r["roster_handle"]), []).append(r)
    return out


def _steps(snaps: list[dict[str, Any]], min_step_days: float) -> list[dict[str, Any]]:
    steps = []
    for before, after in zip(snaps, snaps[1:], strict=False):
        days = (after["observed_at"] - before["observed_at"]).total_seconds() / SECONDS_PER_DAY
        change = int(after["followers"]) - int(before["followers"])
        steps.append(
            {
                "before": before,
                "after": after,
                "days": days,
                "change": change,
                "rate": change / max(days, min_step_days),
            }
        )
    return steps


def _snap(s: Mapping[str, Any]) -> dict[str, Any]:
    return jsonable({k: s[k] for k in ("user_id", "handle", "followers", "observed_at", "source")})


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    positive(p, "z", "min_history", "history", "min_change", "min_step_days", "min_scale")
    alerts = []
    for (platform, handle), snaps in _snapshots(ctx).items():
        steps = _steps(snaps, float(p["min_step_days"]))
        rates = np.array([s["rate"] for s in steps], dtype=float)
        for i, step in enumerate(steps):
            after: dict[str, Any] = step["after"]
            if i < p["min_history"] or not after_since(ctx.scope, after["observed_at"]):
                continue
            earlier = rates[max(0, i - int(p["history"])) : i]
            median = float(np.median(earlier))
            mad = float(np.median(np.abs(earlier - median)))
            scale = max(MAD_TO_SIGMA * mad, float(p["min_scale"]))
            z = (step["rate"] - median) / scale
            change = step["change"]
            base = int(step["before"]["followers"])
            relative = abs(change) / base if base > 0 else float("inf")
            if abs(z) < p["z"] or abs(change) < p["min_change"] or relative < p["min_relative"]:
                continue
            word = "jumped" if change > 0 else "dropped"
            at: datetime = after["observed_at"]
            alerts.append(
                Alert(
                    NAME,
                    f"{platform}|{after['user_id']}|{at.isoformat()}",
                    f"{platform} {at_handle(handle)} followers {word} by {abs(change):,} "
                    f"({base:,} to {int(after['followers']):,}) in {step['days']:.1f} days",
                    platform,
                    handle,
                    after["user_id"],
                    at,
                    jsonable(
                        {
                            "before": _snap(step["before"]),
                            "after": _snap(after),
                            "change": change,
                            "relative_change": round(change / base, 6) if base > 0 else None,
                            "days": round(step["days"], 4),
                            "per_day": round(step["rate"], 3),
                            "z": round(z, 2),
                            "baseline": {
                                "median_per_day": round(median, 3),
                                "mad_per_day": round(mad, 3),
                                "scale_per_day": round(scale, 3),
                                "n": len(earlier),
                            },
                        }
                    ),
                )
            )
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when it has ``min_history + 2`` follower counts at distinct times (the
    step that may fire after ``min_history`` earlier steps), its unreachable snapshots left out as the
    rule leaves them."""
    p = merged(PARAMS, params)
    rows = per_account(
        ctx,
        """counts AS (
            SELECT s.platform, lower(t.handle) AS handle, count(DISTINCT s.observed_at) AS counts,
                   min(s.observed_at) AS first_at, max(s.observed_at) AS last_at
            FROM profile_snapshots s JOIN tracked t ON t.platform = s.platform AND t.key = s.user_id
            WHERE s.followers IS NOT NULL AND NOT list_contains(?, coalesce(s.status, 'active'))
            GROUP BY ALL)
        SELECT * FROM counts""",
        [list(UNREACHABLE)],
    )
    needed = int(p["min_history"]) + 2
    note = (
        f"needs {needed} follower counts at different times per account, {p['min_history']} earlier steps before "
        "the one that fires; "
        f"the store has at most {most(rows, 'counts')}"
    )
    return account_basis(ctx, rows, lambda r: r["counts"] >= needed, note, "first_at", "last_at")


PARAMS = (
    Param("z", 6.0, "robust z-score of the step's change per day against the account's earlier steps"),
    Param("min_history", 5, "the fewest earlier steps (snapshot to snapshot) an account needs before it can fire"),
    Param("history", 60, "the most earlier steps its baseline uses (the latest ones)"),
    Param("min_change", 500, "the smallest change in followers that fires"),
    Param("min_relative", 0.02, "the smallest change relative to the count before it (0.02 = 2%)"),
    Param("min_step_days", 1.0, "a step shorter than this many days counts as this long for its rate"),
    Param("min_scale", 5.0, "the smallest spread (followers a day) a baseline is given"),
)

RULE = Rule(
    name=NAME,
    title="Follower jump or drop",
    description=(
        "A tracked account's followers changed between two snapshots far beyond its own earlier changes "
        "(robust z-score), by at least a minimum count and share."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
