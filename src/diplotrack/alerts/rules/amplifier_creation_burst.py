"""``amplifier_creation_burst``: unusually many of the accounts amplifying tracked accounts were created
in one period.

An amplifier is an account outside the roster that reposted or quoted a post of a tracked account in
scope (``posts``), or engaged with one (``engagements``: the reposts and likes a collector listed);
replies are left out (critics reply too). Its creation time is ``networks.bursts``'s: the earliest
``profile_snapshots.created_at`` of its snapshots, the roster's month-precision snapshot files left
out; an amplifier without a snapshot giving its creation time cannot count. The amplifiers' creations
are counted per period on each platform, and a period is a burst by ``networks.bursts``'s model (a
Poisson baseline from the ``neighbours`` periods on each side, ``P(X >= count) < alpha``, at least
``min_count`` creations). Keyed by platform, period length and period start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.scope import after_since, jsonable, merged, positive, tracked_sql
from diplotrack.networks.options import check_alpha, check_neighbours, check_period

if TYPE_CHECKING:
    import pandas as pd

NAME = "amplifier_creation_burst"


def _amplifiers_sql(ctx: Context) -> tuple[str, list[object]]:
    """The common table expressions ``amplifiers`` (platform, account, amplified: how many of its posts
    and engagements amplified the tracked accounts in scope) and ``created`` (``creations_sql``), with
    their parameters."""
    from diplotrack.analyses.base import roster_keys_sql
    from diplotrack.networks.bursts import creations_sql

    tracked, params = tracked_sql(ctx.scope)
    creations, creation_params = creations_sql("all")
    sql = f"""WITH tracked AS ({tracked}),
        acts AS (
            SELECT p.platform, p.author_id AS account, p.post_id AS act
            FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.reposted_author_id
            WHERE p.author_id IS NOT NULL
            UNION
            SELECT p.platform, p.author_id AS account, p.post_id AS act
            FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.quoted_author_id
            WHERE p.author_id IS NOT NULL
            UNION
            SELECT e.platform, e.actor_user_id AS account, e.kind || ':' || e.post_id AS act
            FROM engagements e JOIN posts tp ON tp.platform = e.platform AND tp.post_id = e.post_id
            JOIN tracked t ON t.platform = tp.platform AND t.key = tp.author_id),
        amplifiers AS (
            SELECT a.platform, a.account, count(DISTINCT a.act) AS amplified FROM acts a
            WHERE NOT EXISTS (SELECT 1 FROM ({roster_keys_sql()}) rk
                              WHERE rk.platform = a.platform AND rk.key = a.account)
            GROUP BY a.platform, a.account),
        created AS ({creations})"""
    return sql, [*params, *creation_params]


def _amplifier_creations(ctx: Context) -> pd.DataFrame:
    """One creation time per amplifier of the tracked accounts in scope: platform, account, name,
    created_at, amplified (how many of its posts and engagements amplified them)."""
    ctes, params = _amplifiers_sql(ctx)
    sql = f"""{ctes}
        SELECT c.platform, c.account, c.name, c.created_at, a.amplified
        FROM created c JOIN amplifiers a ON a.platform = c.platform AND a.account = c.account
        WHERE NOT c.tracked
        ORDER BY c.platform, c.created_at, c.account"""
    return ctx.con.execute(sql, params).df()


def _bursts(created: pd.DataFrame, p: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The bursts among one platform's creations (``networks.bursts.creation_bursts``'s model)."""
    import numpy as np
    import pandas as pd

    from diplotrack.networks.bursts import PERIODS, _expected, period_starts, poisson_sf

    created = created.assign(period_start=period_starts(created["created_at"], p["by"]))
    grouped = created.groupby("period_start")
    index = pd.date_range(created["period_start"].min(), created["period_start"].max(), freq=PERIODS[p["by"]][1])
    counts = grouped.size().reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    expected = _expected(counts, int(p["neighbours"]))
    out = []
    for start, count, rate in zip(index, counts, expected, strict=True):
        if count < p["min_count"] or math.isnan(rate):
            continue
        p_value = poisson_sf(int(count), float(rate))
        if p_value < p["alpha"]:
            members = grouped.get_group(start).sort_values(["created_at", "account"])
            out.append(
                {
                    "start": start.to_pydatetime(),
                    "count": int(count),
                    "expected": float(rate),
                    "p": p_value,
                    "members": members,
                }
            )
    return out


def _period_end(start: datetime, by: str) -> datetime:
    import pandas as pd

    from diplotrack.networks.bursts import PERIODS

    return (pd.Timestamp(start) + pd.tseries.frequencies.to_offset(PERIODS[by][1])).to_pydatetime()


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    # networks.bursts, pandas and Ibis are imported where used: the registry loads with the CLI
    p = merged(PARAMS, params)
    check_period(p["by"])
    check_alpha(p["alpha"])
    check_neighbours(p["neighbours"])
    positive(p, "min_count", "max_listed")
    created = _amplifier_creations(ctx)
    if p["by"] == "hour":  # day-precision sources store creations at midnight (networks.bursts does the same)
        created = created[created["created_at"] != created["created_at"].dt.normalize()]
    alerts = []
    for platform, mine in created.groupby("platform", sort=True):
        for b in _bursts(mine, p):
            end = _period_end(b["start"], p["by"])
            if not after_since(ctx.scope, b["start"]):  # a burst happens when its period starts
                continue
            members = b["members"]
            listed = [
                {"user_id": r.account, "handle": r.name, "created_at": r.created_at, "amplified": r.amplified}
                for r in members.head(int(p["max_listed"])).itertuples()
            ]
            day = b["start"].date().isoformat() if p["by"] != "hour" else b["start"].isoformat(timespec="minutes")
            alerts.append(
                Alert(
                    NAME,
                    f"{platform}|{p['by']}|{b['start'].isoformat()}",
                    f"{platform}: {b['count']} amplifier accounts created in the {p['by']} of {day} "
                    f"(about {b['expected']:.2f} expected)",
                    str(platform),
                    None,
                    None,
                    b["start"],
                    jsonable(
                        {
                            "by": p["by"],
                            "period_start": b["start"],
                            "period_end": end,
                            "count": b["count"],
                            "expected": round(b["expected"], 4),
                            "p_value": b["p"],
                            "listed": len(listed),
                            "accounts": listed,
                        }
                    ),
                )
            )
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """The amplifiers of the tracked accounts in scope are judged when their creation time is known
    (with ``by = "hour"``, a time of day: a creation dated at midnight is a day's)."""
    p = merged(PARAMS, params)
    check_period(p["by"])
    ctes, args = _amplifiers_sql(ctx)
    known = "c.created_at IS NOT NULL AND NOT c.tracked"
    if p["by"] == "hour":
        known += " AND c.created_at <> date_trunc('day', c.created_at)"
    row = ctx.con.execute(
        f"""{ctes}
        SELECT count(*), count(*) FILTER (WHERE {known}), min(c.created_at) FILTER (WHERE {known}),
               max(c.created_at) FILTER (WHERE {known})
        FROM amplifiers a LEFT JOIN created c ON c.platform = a.platform AND c.account = a.account""",
        args,
    ).fetchone()
    in_scope, judged, start, end = row if row else (0, 0, None, None)
    if in_scope:
        has = f"none of the {in_scope} has one"
    else:
        has = "the store holds no repost, quote or engagement of a tracked account by an account outside the roster"
    note = f"needs the creation times of the accounts amplifying tracked accounts, from their profile snapshots; {has}"
    return Basis(int(judged), int(in_scope), "amplifiers", note, start, end)


PARAMS = (
    Param("by", "day", "the period creations are counted in: hour, day, week or month"),
    Param("alpha", 0.001, "a period is a burst when P(X >= count) under its Poisson baseline is below this"),
    Param("min_count", 5, "the fewest amplifier creations in a period that can make a burst"),
    Param("neighbours", 15, "how many periods on each side make a period's baseline"),
    Param("max_listed", 50, "the most accounts an alert lists (the count covers them all)"),
)

RULE = Rule(
    name=NAME,
    title="Creation burst among amplifiers",
    description=(
        "Unusually many of the accounts outside the roster that repost, quote or engage with tracked "
        "accounts were created in one period (Poisson baseline, as network bursts)."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
