"""What the rules' ``basis`` functions share: how many tracked accounts a scope holds, and the
per-account figures of a query made into a ``Basis``.

A tracked account is counted once per platform and roster handle (the rules group by those), whichever
of its keys its rows are filed under. The scope's values reach SQL only as parameters
(``scope.tracked_sql``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from diplotrack.alerts.model import Basis, Context
from diplotrack.alerts.rules.scope import fetch, tracked_sql


def tracked_count(ctx: Context) -> int:
    """How many tracked accounts are in the context's scope."""
    tracked, params = tracked_sql(ctx.scope)
    row = ctx.con.execute(
        f"WITH tracked AS ({tracked}) SELECT count(DISTINCT (platform, lower(handle))) FROM tracked", params
    ).fetchone()
    return int(row[0]) if row else 0


def per_account(ctx: Context, select: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """The rows of ``select`` (a query reading the ``tracked`` CTE, one row per account), after the
    scope's parameters and then ``params``."""
    tracked, scope_params = tracked_sql(ctx.scope)
    return fetch(ctx.con, f"WITH tracked AS ({tracked}), {select}", [*scope_params, *params])


def account_basis(
    ctx: Context,
    rows: Sequence[dict[str, Any]],
    can_judge: Callable[[dict[str, Any]], bool],
    note: str,
    start: str | None = None,
    end: str | None = None,
) -> Basis:
    """The basis of a per-account rule: the accounts in scope, those of ``rows`` that ``can_judge``,
    and the period the judged rows' ``start`` and ``end`` columns span."""
    judged = [r for r in rows if can_judge(r)]
    starts: list[datetime] = [r[start] for r in judged if start and r[start] is not None]
    ends: list[datetime] = [r[end] for r in judged if end and r[end] is not None]
    return Basis(
        judged=len(judged),
        in_scope=tracked_count(ctx),
        note=note,
        start=min(starts) if starts else None,
        end=max(ends) if ends else None,
    )


def most(rows: Sequence[dict[str, Any]], column: str) -> int:
    """The largest value of ``column`` among ``rows`` (0 without rows)."""
    return max((int(r[column] or 0) for r in rows), default=0)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
