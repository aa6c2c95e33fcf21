"""What the rules share: the tracked accounts in a scope (as parameterised SQL), the parameters merged
with their defaults, and evidence made JSON-ready.

A tracked account is a roster account; its posts and snapshots are filed under either of its keys
(``roster_keys``: its ``user_key`` and its handle placeholder ``handle:<lower handle>``), so the rules
join on ``tracked.key``. The scope's values reach SQL only as parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from diplotrack.alerts.model import Param, Scope
from diplotrack.errors import InvalidValueError
from diplotrack.platforms import spec_of

EXCERPT_CHARS = 280


def tracked_sql(scope: Scope) -> tuple[str, list[object]]:
    """SQL (and its parameters) selecting the roster keys of the tracked accounts in ``scope``.

    Columns: platform, key, handle (the roster's), kind, actor_id, user_key. Use it as the first
    common table expression of a query (``WITH tracked AS (...)``) so that its parameters come first.
    """
    from diplotrack.analyses.base import roster_keys_sql  # here: Ibis costs the CLI's start ~0.7 s

    conds: list[str] = []
    params: list[object] = []
    if scope.platforms:
        conds.append("list_contains(?, rk.platform)")
        params.append(list(scope.platforms))
    if scope.handles:
        conds.append("list_contains(?, lower(rk.handle))")
        params.append([h.lstrip("@").lower() for h in scope.handles])
    if scope.kinds:
        conds.append("list_contains(?, rk.kind)")
        params.append(list(scope.kinds))
    where = " AND ".join(conds) or "true"
    sql = f"""SELECT rk.platform, rk.key, rk.handle, rk.kind, rk.actor_id, rk.user_key
              FROM ({roster_keys_sql()}) rk WHERE {where}"""
    return sql, params


def merged(declared: Sequence[Param], given: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's parameters: its defaults, overridden by those ``given`` (unknown names are refused)."""
    names = {p.name for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        raise InvalidValueError(
            f"unknown alert rule parameter {', '.join(unknown)}; use one of {', '.join(sorted(names))}"
        )
    return {**{p.name: p.default for p in declared}, **given}


def positive(params: Mapping[str, Any], *names: str) -> None:
    """Refuse a parameter that is not a positive number (a config typo would otherwise silence a rule)."""
    for name in names:
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InvalidValueError(f"the alert rule parameter {name} must be a positive number, not {value!r}")


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """The rows of a query as dicts."""
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def jsonable(value: Any) -> Any:
    """A value as evidence holds it: datetimes as ISO 8601 text, NaN as None, containers item by item."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a numpy scalar
        return jsonable(value.item())
    return value


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def excerpt(text: str | None, chars: int = EXCERPT_CHARS) -> str | None:
    """The first ``chars`` characters of a text, on one line."""
    if text is None:
        return None
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= chars else one_line[: chars - 1] + "…"


def post_url(platform: str, post_id: str) -> str | None:
    """The public address of a post, where the platform's spec can derive it from the id alone."""
    spec = spec_of(platform)
    if spec is None or spec.post_url is None:
        return None
    try:
        return spec.post_url(post_id)
    except (ValueError, IndexError):
        return None


def at_handle(handle: str | None) -> str:
    return f"@{handle.lstrip('@')}" if handle else "(unknown handle)"


def after_since(scope: Scope, when: datetime | None) -> bool:
    """Whether a change that happened at ``when`` is in scope (on or after ``since``; all without one)."""
    return scope.since is None or (when is not None and when >= scope.since)
