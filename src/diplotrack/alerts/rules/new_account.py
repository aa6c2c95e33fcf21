"""``new_account``: an account outside the roster now matches the discovery signals
(``diplotrack discover``, docs/discovery.md) with a score of at least ``min_score``.

One alert per candidate account, keyed by its platform and its platform id (or, while only its handle
is known, its lower-case handle), so a candidate is alerted once however its score moves later; an
account alerted before keeps the earlier alert's key when it is later tied to an id or renamed
(``discover.earlier_alerts``: the same id, or a handle in common, ignoring case), so it is not alerted
again. The evidence is the candidate's: its score and components, the roster actors pointing at it
and how, the profile, label, link and handle evidence, and the roster row discovery proposes (kind,
state, host country). ``occurred_at`` is the latest evidence's time (when the store last saw
something that points at it).

Scope: ``platforms`` keep candidates on those platforms; ``kinds`` keep candidates whose guessed kind
(from the profile, a kind word in the handle, or the roster actor that links to it as its own) is one
of them, so a candidate without a guessed kind is dropped when kinds are given; ``accounts``
(handles) keep candidates that a roster actor holding one of those handles follows, mentions,
reposts, quotes, replies to or links to, or that such an actor links to as its own; ``since`` drops
candidates whose latest evidence is older. ``max_alerts`` caps the NEW alerts of one evaluation (best
scores first): candidates alerted before are returned too, under their earlier key, and do not count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.scope import after_since, at_handle, jsonable, merged
from diplotrack.errors import InvalidValueError

if TYPE_CHECKING:
    from diplotrack.discover.score import Candidate

NAME = "new_account"
PARAMS = (
    Param("min_score", 0.6, "Alert on candidates whose discovery score is at least this (0 to 1)."),
    Param(
        "max_alerts",
        50,
        "At most this many new alerts in one evaluation, best scores first (accounts alerted before do not count).",
    ),
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


def _scored(ctx: Context) -> list[Candidate]:
    """Every account outside the roster that discovery scores on the scope's platforms, best first:
    computed once per context (the rule's evaluation filters it, its basis counts it)."""
    from diplotrack.discover.score import discover

    if "scored" not in ctx.memo:
        ctx.memo["scored"] = discover(ctx.con, platforms=ctx.scope.platforms, min_score=0.0)
    return ctx.memo["scored"]


def evaluate(ctx: Context, given: Mapping[str, Any]) -> Sequence[Alert]:
    from diplotrack.discover.earlier_alerts import earlier_alerts

    min_score, most = _check(merged(PARAMS, given))
    scope = ctx.scope
    candidates = [c for c in _scored(ctx) if c.score >= min_score]  # as discover(min_score=) keeps them
    earlier = earlier_alerts(ctx.con) if candidates else None
    new = 0
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
        key = earlier.key_of(c) if earlier is not None else None
        if key is None:
            if new >= most:
                continue
            new += 1
        kind = f" ({c.kind})" if c.kind else ""
        alerts.append(
            Alert(
                rule=NAME,
                key=key or c.key,
                title=f"New account {at_handle(c.handle or c.user_id)} on {c.platform} looks like the roster's"
                f"{kind}: score {c.score:.2f}",
                platform=c.platform,
                handle=c.handle,
                user_id=c.user_id,
                occurred_at=c.last_seen,
                evidence=jsonable(c.as_json()),
            )
        )
    return alerts


def basis(ctx: Context, given: Mapping[str, Any]) -> Basis:
    """The accounts outside the roster that discovery could score at all (any signal, any score) on the
    scope's platforms: those are what the rule judged; none means the store holds nothing pointing
    outside the roster, so no alert says nothing about new accounts."""
    _check(merged(PARAMS, given))
    scored = len(_scored(ctx))
    return Basis(
        judged=scored,
        in_scope=scored,
        unit="accounts outside the roster",
        note="needs accounts outside the roster that roster actors follow, mention, repost, quote or link to, "
        "or whose profile the store holds; the store has none",
    )


RULE = Rule(
    name=NAME,
    title="New account matching the discovery signals",
    description=(
        "An account outside the roster that roster actors follow, mention, repost, quote or link to, or whose "
        "profile, platform label or handle looks like the roster's, reaches a discovery score of min_score."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
