"""``coordination_cluster``: a new cluster of accounts acting together.

The clusters are ``networks.coordination.co_action``'s (accounts that did ``action`` on the same item
within ``window_s`` seconds of each other on at least ``min_count`` items; a cluster is a connected
component of those pairs), from the posts created since the scope's ``since``, with at least
``min_accounts`` members. A cluster is *new* when no alert this rule recorded before (the ``alerts``
table, which the rule reads) on the same platform has members overlapping it by a Jaccard index of
``jaccard`` or more: a cluster that grows or loses a member does not fire again. With accounts or kinds
in scope, a cluster counts when one of its members is a tracked account in scope or, for reposts, when
it co-reposted posts of one. Keyed by platform, action and a hash of the sorted member ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.scope import jsonable, merged, positive, tracked_sql
from diplotrack.networks.options import check_action

NAME = "coordination_cluster"
EPOCH = datetime(1970, 1, 1)


def _fired_before(con: duckdb.DuckDBPyConnection) -> list[tuple[str | None, set[str]]]:
    """The members of every cluster this rule has alerted on (platform, member ids)."""
    out = []
    for platform, evidence in con.execute("SELECT platform, evidence FROM alerts WHERE rule = ?", [NAME]).fetchall():
        members = json.loads(evidence).get("member_ids") if isinstance(evidence, str) else None
        if isinstance(members, list):
            out.append((platform, {str(m) for m in members}))
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _in_scope(ctx: Context, platform: str, member_ids: list[str], pairs: list[dict[str, Any]], action: str) -> bool:
    """Whether a cluster touches the tracked accounts in scope (always, without accounts or kinds)."""
    if not ctx.scope.handles and not ctx.scope.kinds:
        return True
    tracked, params = tracked_sql(ctx.scope)
    items = [e["item"] for p in pairs for e in p["evidence"]] if action == "repost" else []
    hit = ctx.con.execute(
        f"""WITH tracked AS ({tracked})
        SELECT (SELECT count(*) FROM tracked WHERE platform = ? AND list_contains(?, user_key))
             + (SELECT count(*) FROM posts p JOIN tracked t ON t.platform = p.platform AND t.key = p.author_id
                WHERE p.platform = ? AND list_contains(?, p.post_id))""",
        [*params, platform, member_ids, platform, items],
    ).fetchone()
    return bool(hit and hit[0])


def _last_act(con: duckdb.DuckDBPyConnection, platform: str, pairs: list[dict[str, Any]]) -> Any:
    posts = [e[k] for p in pairs for e in p["evidence"] for k in ("post_a", "post_b")]
    row = con.execute(
        "SELECT max(created_at) FROM posts WHERE platform = ? AND list_contains(?, post_id)", [platform, posts]
    ).fetchone()
    return row[0] if row else None


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    from diplotrack.networks.coordination import co_action, plain  # here: igraph costs the CLI's start ~0.6 s

    p = merged(PARAMS, params)
    check_action(p["action"])
    positive(p, "min_count", "min_accounts", "jaccard", "max_pairs")
    found = co_action(
        ctx.con,
        p["action"],
        window_s=float(p["window_s"]),
        min_count=int(p["min_count"]),
        start=ctx.scope.since,
        platforms=ctx.scope.platforms,
    )
    pairs = [{k: plain(v) for k, v in row.items()} for row in found.pairs.to_dict("records")]
    before = _fired_before(ctx.con)
    alerts = []
    for c in found.clusters.to_dict("records"):
        members, member_ids = plain(c["members"]), [str(m) for m in plain(c["member_ids"])]
        platform = c["platform"]
        if len(member_ids) < p["min_accounts"]:
            continue
        ids = set(member_ids)
        if any(pl == platform and jaccard(ids, old) >= p["jaccard"] for pl, old in before):
            continue
        mine = [q for q in pairs if q["platform"] == platform and q["account_a"] in ids and q["account_b"] in ids]
        if not _in_scope(ctx, platform, member_ids, mine, p["action"]):
            continue
        digest = hashlib.sha256("\x00".join(sorted(ids)).encode()).hexdigest()[:20]
        tracked = int(c["tracked_members"])
        alerts.append(
            Alert(
                NAME,
                f"{platform}|{p['action']}|{digest}",
                f"{platform}: new cluster of {len(ids)} accounts acting together ({p['action']}, "
                f"{int(c['events'])} co-actions{f', {tracked} tracked' if tracked else ''})",
                platform,
                None,
                None,
                _last_act(ctx.con, platform, mine),
                jsonable(
                    {
                        "action": p["action"],
                        "window_s": float(p["window_s"]),
                        "min_count": int(p["min_count"]),
                        "members": members,
                        "member_ids": sorted(ids),
                        "tracked_members": tracked,
                        "pairs_total": int(c["pairs"]),
                        "events": int(c["events"]),
                        "median_lag_s": plain(c["median_lag_s"]),
                        "density": plain(c["density"]),
                        "pairs": mine[: int(p["max_pairs"])],
                    }
                ),
            )
        )
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """The accounts acting (``action``) since the scope's ``since`` on its platforms are judged when
    they acted on at least ``min_count`` distinct items: a pair must share that many. Every account
    counts, not only the tracked ones in scope (a cluster is found among all, then kept when it
    touches them)."""
    from diplotrack.analyses.base import Filters
    from diplotrack.networks.coordination import DAY_PRECISION_SOURCES, _acts_sql, _post_filters

    p = merged(PARAMS, params)
    check_action(p["action"])
    where, args = _post_filters(Filters(start=ctx.scope.since, platforms=ctx.scope.platforms), DAY_PRECISION_SOURCES)
    row = ctx.con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE items >= ?), min(first_us) FILTER (WHERE items >= ?),
                   max(last_us) FILTER (WHERE items >= ?)
        FROM (SELECT platform, account, count(DISTINCT item) AS items, min(t_us) AS first_us, max(t_us) AS last_us
              FROM ({_acts_sql(p["action"], "all", where)}) GROUP BY platform, account)""",
        [*[int(p["min_count"])] * 3, *args],
    ).fetchone()
    in_scope, judged, first_us, last_us = row if row else (0, 0, None, None)
    acted = f"none of the {in_scope} acting does so that often" if in_scope else "no account does so"
    note = f"needs accounts with {p['action']} acts on at least {p['min_count']} items each; {acted}"
    return Basis(int(judged), int(in_scope), "acting accounts", note, _from_us(first_us), _from_us(last_us))


def _from_us(value: int | None) -> datetime | None:
    return EPOCH + timedelta(microseconds=int(value)) if value is not None else None


PARAMS = (
    Param("action", "repost", "what acting together means: repost, hashtag, link or post (identical text)"),
    Param("window_s", 60.0, "two acts on one item are together when at most this many seconds apart"),
    Param("min_count", 3, "a pair must act together on at least this many distinct items"),
    Param("min_accounts", 3, "the fewest accounts a cluster needs to fire"),
    Param(
        "jaccard", 0.5, "a cluster is not new when it shares this share (Jaccard) of members with an earlier alert's"
    ),
    Param("max_pairs", 20, "the most pairs (with up to 10 evidence posts each) an alert lists"),
)

RULE = Rule(
    name=NAME,
    title="New coordination cluster",
    description=(
        "A cluster of accounts acting together (co-action: the same item within a short window, again and "
        "again) that no earlier alert of this rule covers."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
