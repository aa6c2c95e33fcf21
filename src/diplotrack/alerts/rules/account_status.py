"""``account_status``: a tracked account was renamed, suspended, deleted, protected, not found, or
reinstated.

Two sources of the same facts: the collector's ``account_events`` (a lookup saw the change), and the
changes between an account's consecutive ``profile_snapshots`` (what imports bring: the status or
handle an archive recorded at each observation; the logic of ``analyses.growth.status_changes``).
A change is keyed by platform, user id, event and the time it was observed, so the collector's
event and the snapshot it wrote at the same instant are one alert (the event's, which says more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.basis import account_basis, most, per_account, plural
from diplotrack.alerts.rules.scope import after_since, at_handle, fetch, jsonable, merged, tracked_sql
from diplotrack.errors import InvalidValueError

NAME = "account_status"
EVENTS = ("renamed", "suspended", "deleted", "protected", "not_found", "reinstated")
SNAPSHOT_COLUMNS = "s.platform, s.user_id, s.observed_at, s.handle, s.status, s.followers, s.source"


def _snapshots(ctx: Context) -> list[dict[str, Any]]:
    """Every snapshot of every tracked account in scope, ordered per roster account by time."""
    tracked, params = tracked_sql(ctx.scope)
    sql = f"""WITH tracked AS ({tracked})
        SELECT t.handle AS roster_handle, {SNAPSHOT_COLUMNS}
        FROM profile_snapshots s JOIN tracked t ON t.platform = s.platform AND t.key = s.user_id
        ORDER BY s.platform, t.handle, s.observed_at, s.user_id, s.status, s.handle"""
    return fetch(ctx.con, sql, params)


def _events(ctx: Context) -> list[dict[str, Any]]:
    tracked, params = tracked_sql(ctx.scope)
    sql = f"""WITH tracked AS ({tracked})
        SELECT t.handle AS roster_handle, e.platform, e.user_id, e.observed_at, e.event, e.old_value,
               e.new_value, e.detail, e.run_id
        FROM account_events e JOIN tracked t ON t.platform = e.platform AND t.key = e.user_id
        ORDER BY e.platform, e.user_id, e.observed_at, e.event"""
    return fetch(ctx.con, sql, params)


def _row(snap: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if snap is None:
        return None
    keep = ("user_id", "handle", "status", "followers", "observed_at", "source")
    return jsonable({k: snap[k] for k in keep})


def _snapshot_changes(snaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Status changes and renames between consecutive snapshots of each roster account (the first
    snapshot counts when its status is not 'active'), each with the snapshots before and after."""
    out: list[dict[str, Any]] = []
    previous: dict[tuple[str, str], dict[str, Any]] = {}
    last_handle: dict[tuple[str, str], str] = {}
    for s in snaps:
        account = (s["platform"], s["roster_handle"])
        before = previous.get(account)
        old_status = before["status"] if before else None
        if s["status"] != (old_status or "active"):
            event = "reinstated" if s["status"] == "active" else s["status"]
            out.append({"snap": s, "before": before, "event": event, "old": old_status, "new": s["status"]})
        old_handle = last_handle.get(account)
        if s["handle"] and old_handle and s["handle"].lower() != old_handle.lower():
            out.append({"snap": s, "before": before, "event": "renamed", "old": old_handle, "new": s["handle"]})
        previous[account] = s
        if s["handle"]:
            last_handle[account] = s["handle"]
    return out


def _around(mine: list[dict[str, Any]], at: datetime) -> tuple[Any, Any]:
    """Of an account's snapshots, the last before ``at`` and the first at or after it."""
    before = [s for s in mine if s["observed_at"] < at]
    after = [s for s in mine if s["observed_at"] >= at]
    return (before[-1] if before else None), (after[0] if after else None)


def _title(platform: str, handle: str, event: str, old: Any, new: Any) -> str:
    who = f"{platform} {at_handle(handle)}"
    if event == "renamed":
        return f"{who} renamed from {at_handle(old)} to {at_handle(new)}"
    if event == "reinstated":
        return f"{who} is back (was {old or 'unknown'})"
    return f"{who} is {event.replace('_', ' ')}" + (f" (was {old})" if old else "")


def _alert(row: Mapping[str, Any], event: str, old: Any, new: Any, source: str, **evidence: Any) -> Alert:
    """The alert of ``event`` (``old`` to ``new``) on the account of ``row`` (a snapshot or an event:
    platform, roster_handle, user_id, observed_at), seen in the table ``source``, keyed by account,
    event and time: a lookup's event and the snapshot written with it make the same key, so one alert."""
    at = row["observed_at"]
    return Alert(
        NAME,
        f"{row['platform']}|{row['user_id']}|{event}|{at.isoformat()}",
        _title(row["platform"], row["roster_handle"], event, old, new),
        row["platform"],
        row["roster_handle"],
        row["user_id"],
        at,
        {"event": event, "old_value": old, "new_value": new, "from": source, **evidence},
    )


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    wanted = set(p["events"])
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise InvalidValueError(f"account_status cannot alert on {', '.join(unknown)}; use some of {', '.join(EVENTS)}")
    snaps = _snapshots(ctx)
    by_account: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in snaps:
        by_account.setdefault((s["platform"], s["roster_handle"]), []).append(s)
    found: dict[str, Alert] = {}
    for c in _snapshot_changes(snaps):
        s = c["snap"]
        if c["event"] not in wanted or not after_since(ctx.scope, s["observed_at"]):
            continue
        alert = _alert(s, c["event"], c["old"], c["new"], "profile_snapshots", before=_row(c["before"]), after=_row(s))
        found[alert.key] = alert
    for e in _events(ctx):
        if e["event"] not in wanted or not after_since(ctx.scope, e["observed_at"]):
            continue
        before, after = _around(by_account.get((e["platform"], e["roster_handle"]), []), e["observed_at"])
        event_row = {k: e[k] for k in ("observed_at", "event", "old_value", "new_value", "detail", "run_id")}
        alert = _alert(
            e,
            e["event"],
            e["old_value"],
            e["new_value"],
            "account_events",
            event_row=jsonable(event_row),
            before=_row(before),
            after=_row(after),
        )
        found[alert.key] = alert  # the event's evidence replaces the snapshot's for the same change
    return sorted(found.values(), key=lambda a: (a.occurred_at or datetime.min, a.key))


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when the store observed it twice (snapshots at two times) or a collector
    lookup recorded an event: a change needs a before and an after."""
    rows = per_account(
        ctx,
        """obs AS (
            SELECT t.platform, t.handle, s.observed_at AS obs_at, true AS snap
            FROM profile_snapshots s JOIN tracked t ON t.platform = s.platform AND t.key = s.user_id
            UNION ALL
            SELECT t.platform, t.handle, e.observed_at, false
            FROM account_events e JOIN tracked t ON t.platform = e.platform AND t.key = e.user_id)
        SELECT platform, lower(handle) AS handle, count(DISTINCT obs_at) FILTER (WHERE snap) AS snapshots,
               count(*) FILTER (WHERE NOT snap) AS events, min(obs_at) AS first_at, max(obs_at) AS last_at
        FROM obs GROUP BY ALL""",
    )
    note = (
        "needs two observations of an account (snapshots at two times, or a collector lookup); "
        f"the store has at most {plural(most(rows, 'snapshots'), 'snapshot')} per account"
    )
    return account_basis(ctx, rows, lambda r: r["snapshots"] >= 2 or r["events"] > 0, note, "first_at", "last_at")


PARAMS = (
    Param(
        "events",
        list(EVENTS),
        "which changes to alert on (any of the default list)",
    ),
)

RULE = Rule(
    name=NAME,
    title="Account renamed, suspended, deleted, protected or reinstated",
    description=(
        "A tracked account changed handle or status: from the collector's account events and from the "
        "changes between its consecutive profile snapshots (imports)."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
