"""``new_account``: an account outside the roster now matches the discovery signals
(``diplotrack discover``, docs/discovery.md) with a score of at least ``min_score``.

One alert per candidate account, keyed by its platform and its platform id (or, while only its handle
is known, its lower-case handle), so a candidate is alerted once however its score moves later. The
evidence is the candidate's: its score and components, the roster actors pointing at it and how,
the profile, label, link and handle evidence, and the roster row discovery proposes (kind, state,
host country). ``occurred_at`` is the latest evidence's time (when the store last saw something that
points at it). The scope's platforms apply to the candidate's platform; its kinds to the kind the
evidence gives it; its handles to the roster accounts whose actors point at it; ``since`` to the
latest evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from diplotrack.alerts.model import Alert, Context, Param, Rule
from diplotrack.alerts.rules.scope import after_since, at_handle, jsonable, merged
from diplotrack.errors import InvalidValueError

NAME = "new_account"
PARAMS = (
    Param("min_score", 0.6, "Alert on candidates whose discovery score is at least this (0 to 1)."),
    Param("max_alerts", 50, "At most this many alerts in one evaluation, best scores first."),
)


def _check(params: Mapping[str, Any]) -> tuple[float, int]:
    score, most = params["min_score"], params["max_alerts"]
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise InvalidValueError(f"the alert rule parameter min_score must be between 0 and 1, not {score!r}")
    if isinstance(most, bool) or not isinstance(most, int) or most < 1:
        raise InvalidValueError(
            f"the alert rule parameter max_alerts must be a whole number of 1 or more, not {most!r}"
        )
    return float(score), most


def evaluate(ctx: Context, given: Mapping[str, Any]) -> Sequence[Alert]:
    from diplotrack.discover.score import discover

    min_score, most = _check(merged(PARAMS, given))
    scope = ctx.scope
    candidates = discover(ctx.con, platforms=scope.platforms, min_score=min_score)
    actors: set[str] | None = None
    if scope.handles:
        wanted = [h.lstrip("@").lower() for h in scope.handles]
        rows = ctx.con.execute("SELECT actor_id FROM accounts WHERE list_contains(?, lower(handle))", [wanted])
        actors = {r[0] for r in rows.fetchall()}
    alerts: list[Alert] = []
    for c in candidates:
        if scope.kinds and c.kind not in scope.kinds:
            continue
        if actors is not None and not actors & set(c.relations) and c.owner not in actors:
            continue
        if not after_since(scope, c.last_seen):
            continue
        kind = f" ({c.kind})" if c.kind else ""
        alerts.append(
            Alert(
                rule=NAME,
                key=c.key,
                title=f"New account {at_handle(c.handle or c.user_id)} on {c.platform} looks like the roster's"
                f"{kind}: score {c.score:.2f}",
                platform=c.platform,
                handle=c.handle,
                user_id=c.user_id,
                occurred_at=c.last_seen,
                evidence=jsonable(c.as_json()),
            )
        )
        if len(alerts) >= most:
            break
    return alerts


RULE = Rule(
    name=NAME,
    title="New account matching the discovery signals",
    description=(
        "An account outside the roster that roster actors follow, mention, repost, quote or link to, or whose "
        "profile, platform label or handle looks like the roster's, reaches a discovery score of min_score."
    ),
    params=PARAMS,
    evaluate=evaluate,
)
