"""The shapes every alert rule and delivery channel share.

An ``Alert`` is what a rule found: its ``rule``, a ``key`` that names the change within the rule
(the same change always gives the same key, so an alert fires once: ``alert_id`` is a hash of both),
a one-line ``title`` (plain text; it quotes untrusted names, so every channel escapes it), the
account it is about where there is one, when the change happened (``occurred_at``, as observed), and
its ``evidence``: JSON-ready rows (the snapshots, posts, before and after) that let a reader check it.

A rule is a module in ``alerts/rules/`` with one ``Rule`` object registered in ``alerts/registry``:
its name, a description, its parameters with their defaults (documented in docs/alerts.md), and
``evaluate(context, params)`` returning the alerts it finds in the store now. A rule never writes;
which alerts are new, and their delivery, is ``alerts/state``'s job. A rule may also say what it could
judge (``basis``: a ``Basis``): no alert from a rule that judged nothing means "could not judge", not
"no change".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import duckdb


@dataclass(frozen=True, slots=True)
class Alert:
    rule: str
    key: str
    title: str
    platform: str | None = None
    handle: str | None = None
    user_id: str | None = None
    occurred_at: datetime | None = None  # naive UTC, like the store's timestamps
    evidence: Mapping[str, Any] = field(default_factory=dict)  # JSON-serialisable
    fired_at: datetime | None = None  # set by alerts/state when the alert is first recorded
    run_id: int | None = None

    @property
    def alert_id(self) -> str:
        """Stable: the same rule and key give the same id on every run and every machine."""
        return hashlib.sha256(f"{self.rule}\x00{self.key}".encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which accounts a rule looks at: empty tuples mean every tracked account (and, for rules about
    accounts outside the roster, every account the store holds)."""

    platforms: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()  # roster handles, compared case-insensitively
    kinds: tuple[str, ...] = ()  # roster actor kinds (embassy, ambassador, ...)
    since: datetime | None = None  # changes that happened before this are not alerted


@dataclass(slots=True)
class Context:
    """What a rule is given: a read connection on the store, the scope, and the evaluation time
    (``now``, naive UTC; tests pass a fixed one). One context serves a rule's ``evaluate`` and then its
    ``basis`` in an evaluation: ``memo`` is where the rule may keep what both need, so it is computed
    once (it starts empty for each rule)."""

    con: duckdb.DuckDBPyConnection
    now: datetime
    scope: Scope = field(default_factory=Scope)
    memo: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Any
    help: str


@dataclass(frozen=True, slots=True)
class Basis:
    """What a rule could judge in an evaluation: ``judged`` of the ``in_scope`` items (``unit``:
    accounts, amplifiers, ...) had what the rule needs; ``note`` says in one short clause what that is
    and what the store holds (shown when ``judged`` is 0); ``start``/``end`` bound the data judged
    (naive UTC; None where the rule does not say)."""

    judged: int
    in_scope: int
    unit: str = "accounts"
    note: str = ""
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # the config file's and the CLI's name for it
    title: str
    description: str  # what makes it fire, in a sentence or two (docs/alerts.md says more)
    params: tuple[Param, ...]
    evaluate: Callable[[Context, Mapping[str, Any]], Sequence[Alert]]
    # what the rule could judge, with the same context and parameters (None: the rule does not say)
    basis: Callable[[Context, Mapping[str, Any]], Basis] | None = None

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


class Channel(Protocol):
    """A delivery channel. ``send`` delivers ``alerts`` (those not yet delivered on this channel,
    oldest first) and returns, per alert_id, None when delivered or a one-sentence error; an alert
    that failed is offered again at the next evaluation. ``con`` is the store (the Atom channel reads
    the alerts already recorded to write its whole feed)."""

    name: str

    def send(self, alerts: Sequence[Alert], con: duckdb.DuckDBPyConnection) -> dict[str, str | None]: ...
