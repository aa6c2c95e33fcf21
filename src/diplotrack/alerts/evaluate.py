"""One evaluation: run the chosen rules on the store, record the alerts not seen before, and deliver
what each channel has not delivered yet.

``diplotrack alerts`` runs one; ``watch`` runs one after every collection run. A rule that fails
(a ``DiplotrackError``, a store error, or a bug meeting data it did not expect) is reported and the
other rules still run; a channel that fails, however, keeps its alerts pending, they are offered again
at the next evaluation, and the channels after it still deliver. With ``debug`` a bug is raised with
its traceback instead.

Each rule that says what it could judge (``Rule.basis``) is asked after it ran: a rule that judged
nothing is shown as such (its "0 alerts" means "could not judge", not "no change"). Handles in a scope
that are not roster handles in the store are problems (a typo would otherwise match nothing, silently),
and the evaluation goes on with the rest of the scope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from diplotrack.alerts import state
from diplotrack.alerts.channels.atom import AtomChannel
from diplotrack.alerts.channels.jsonl import JsonLinesChannel
from diplotrack.alerts.config import AlertSettings, RuleSetting, did_you_mean
from diplotrack.alerts.model import Alert, Basis, Channel, Context
from diplotrack.collect.clock import Clock
from diplotrack.errors import DiplotrackError


@dataclass
class ChannelOutcome:
    """What one channel did in an evaluation."""

    name: str
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # each distinct error, once


@dataclass
class Evaluation:
    """An evaluation's figures: the alerts the rules found (``fired``, new or not), the new ones, each
    channel's deliveries and each failed rule's error."""

    fired: int
    new: list[Alert]
    channels: list[ChannelOutcome] = field(default_factory=list)
    rule_errors: dict[str, str] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    dry_run: bool = False
    bases: dict[str, Basis | None] = field(default_factory=dict)  # per rule run (None: it does not say)
    scope_errors: list[str] = field(default_factory=list)
    basis_errors: dict[str, str] = field(default_factory=dict)  # per rule whose basis failed

    def problems(self) -> list[str]:
        """One line per unknown handle in a scope, per failed rule and per channel that could not deliver."""
        lines = list(self.scope_errors)
        lines += [f"alert rule {name} failed: {error}" for name, error in self.rule_errors.items()]
        for c in self.channels:
            lines += [f"alerts not delivered to {c.name} (tried again next time): {e}" for e in c.errors]
        return lines

    def summary(self) -> str:
        """One line: rules run, alerts found and new, and each channel's deliveries."""
        new = "new (not recorded: dry run)" if self.dry_run else "new"
        parts = [f"{len(self.rules)} rule(s) run, {self.fired} alert(s) found, {len(self.new)} {new}"]
        if self.rule_errors:
            parts.append(f"{len(self.rule_errors)} rule(s) failed")
        for c in self.channels:
            parts.append(f"{c.name}: {c.delivered} delivered" + (f", {c.failed} failed" if c.failed else ""))
        return "alerts: " + "; ".join(parts)

    def basis_lines(self) -> list[str]:
        """One line per rule (that ran) which could judge nothing, or which does not say what it judged."""
        lines = []
        for name, basis in self.bases.items():
            if basis is None:
                why = self.basis_errors.get(name)
                lines.append(f"{name}: what it could judge is " + (f"unknown ({why})" if why else "not reported"))
            elif basis.judged == 0:
                lines.append(f"{name} {_nothing_judged(basis)}" + (f" ({basis.note})" if basis.note else ""))
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "fired": self.fired,
            "new": len(self.new),
            "dry_run": self.dry_run,
            "rule_errors": self.rule_errors,
            "scope_errors": self.scope_errors,
            "channels": [dataclasses.asdict(c) for c in self.channels],
            "bases": {name: _basis_json(b) for name, b in self.bases.items()},
            "basis_errors": self.basis_errors,
        }


def _nothing_judged(basis: Basis) -> str:
    if basis.in_scope == 0:
        return f"could not judge: no {basis.unit} in scope"
    unit = basis.unit.removesuffix("s") if basis.in_scope == 1 else basis.unit
    return f"could not judge any of {basis.in_scope} {unit} in scope"


def _basis_json(basis: Basis | None) -> dict[str, Any] | None:
    """A basis in the JSON summary (None: the rule does not say what it could judge)."""
    if basis is None:
        return None
    out: dict[str, Any] = {"judged": basis.judged, "in_scope": basis.in_scope, "unit": basis.unit}
    if basis.judged == 0 and basis.note:
        out["note"] = basis.note
    out["from"] = basis.start.isoformat() if basis.start else None
    out["to"] = basis.end.isoformat() if basis.end else None
    return out


def _in_scope(alert: Alert, setting: RuleSetting) -> bool:
    """The scope's time and platforms, checked once more here whatever the rule did with them."""
    scope = setting.scope
    if scope.since is not None and alert.occurred_at is not None and alert.occurred_at < scope.since:
        return False
    return not (scope.platforms and alert.platform is not None and alert.platform not in scope.platforms)


def internal_error(exc: BaseException) -> str:
    """A bug's one-sentence report (its type and first line; the traceback needs ``--debug``)."""
    text = str(exc).strip().splitlines()
    what = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return f"internal error ({what}); run with --debug for the traceback and report it"


def _failure(exc: Exception, debug: bool) -> str:
    """A rule's failure in one sentence (a bug is raised with ``debug``)."""
    if isinstance(exc, DiplotrackError):
        return str(exc)
    if isinstance(exc, duckdb.Error):  # a query the store refused: this rule only
        text = str(exc).strip().splitlines()
        return f"the store reported: {text[0] if text else type(exc).__name__}"
    if debug:
        raise exc
    return internal_error(exc)


@dataclass
class RulesRun:
    """What the chosen rules found: their alerts (in rule order), the error of each rule that failed,
    what each rule that ran could judge (None where it does not say or its count failed) and the
    error of each count that failed (which never fails its rule: what it judged is unknown)."""

    found: list[Alert] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    bases: dict[str, Basis | None] = field(default_factory=dict)
    basis_errors: dict[str, str] = field(default_factory=dict)


def run_rules(
    con: duckdb.DuckDBPyConnection, chosen: Sequence[RuleSetting], now: datetime, *, debug: bool = False
) -> RulesRun:
    """Run every chosen rule, then ask it what it could judge, with one context for both (a rule may
    keep in ``Context.memo`` what its basis needs again). A rule that fails (a bug too: one rule
    meeting data it did not expect cannot silence the others; ``debug`` raises it) is not asked."""
    run = RulesRun()
    for setting in chosen:
        rule = setting.rule
        context = Context(con=con, now=now, scope=setting.scope)
        try:
            alerts = rule.evaluate(context, dict(setting.params))
        except Exception as exc:
            run.errors[rule.name] = _failure(exc, debug)
            continue
        run.found.extend(a for a in alerts if _in_scope(a, setting))
        if rule.basis is None:
            run.bases[rule.name] = None
            continue
        try:
            run.bases[rule.name] = rule.basis(context, dict(setting.params))
        except Exception as exc:
            run.bases[rule.name] = None
            run.basis_errors[rule.name] = _failure(exc, debug)
    return run


def scope_errors(con: duckdb.DuckDBPyConnection, chosen: Sequence[RuleSetting]) -> list[str]:
    """One line per handle that a chosen rule's scope names and the store's roster does not hold (with
    the nearest roster handle): such a handle matches nothing, so its rules judge nothing about it."""
    wanted: dict[str, list[str]] = {}
    for setting in chosen:
        for handle in setting.scope.handles:
            wanted.setdefault(handle, []).append(setting.rule.name)
    if not wanted:
        return []
    from diplotrack.analyses.base import roster_keys_sql  # here: Ibis costs the CLI's start ~0.7 s

    roster = [
        r[0] for r in con.execute(f"SELECT DISTINCT handle FROM ({roster_keys_sql()}) ORDER BY handle").fetchall()
    ]
    known = {h.lower() for h in roster}
    lines = []
    for handle, rules in wanted.items():
        if handle.lower() in known:
            continue
        which = "every rule" if len(rules) == len(chosen) else ", ".join(rules)
        lines.append(
            f"alert scope: {handle!r} is not a roster handle in the store{did_you_mean(handle, roster)}, so "
            f"{which} judged nothing about it; fix accounts in the config file's [alerts] section"
        )
    return lines


def deliver(
    con: duckdb.DuckDBPyConnection, channels: Sequence[Channel], now: datetime, *, debug: bool = False
) -> list[ChannelOutcome]:
    """Offer each channel what it has not delivered (oldest first) and keep its results. A channel
    that raises fails every alert it was offered (kept to retry) and the next channel still delivers."""
    outcomes = []
    for channel in channels:
        outcome = ChannelOutcome(channel.name)
        outcomes.append(outcome)
        todo = state.pending(con, channel.name)
        if not todo:
            continue
        try:
            results = channel.send(todo, con)
        except (DiplotrackError, OSError) as exc:
            error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            results = {a.alert_id: error for a in todo}
        except Exception as exc:
            if debug:
                raise
            results = {a.alert_id: internal_error(exc) for a in todo}
        kept = {a.alert_id: results.get(a.alert_id, "the channel gave no result for this alert") for a in todo}
        outcome.delivered, outcome.failed = state.mark(con, channel.name, kept, now)
        outcome.errors = list(dict.fromkeys(e for e in kept.values() if e is not None))
    return outcomes


def evaluate(
    con: duckdb.DuckDBPyConnection,
    chosen: Sequence[RuleSetting],
    channels: Sequence[Channel],
    now: datetime,
    *,
    run_id: int | None = None,
    dry_run: bool = False,
    debug: bool = False,
) -> Evaluation:
    """Run ``chosen`` on the store as of ``now``, record the new alerts (one transaction) and deliver
    pending ones to ``channels``. A dry run records and delivers nothing: its ``new`` are the alerts
    not recorded before, for the caller to show. ``debug``: a bug in a rule or a channel is raised."""
    run = run_rules(con, chosen, now, debug=debug)
    found, errors, bases, basis_errors = run.found, run.errors, run.bases, run.basis_errors
    names = [s.rule.name for s in chosen]
    typos = scope_errors(con, chosen)
    if dry_run:
        known = state.known_ids(con, found)
        first: dict[str, Alert] = {}
        for a in found:
            if a.alert_id not in known:
                first.setdefault(a.alert_id, dataclasses.replace(a, fired_at=now, run_id=run_id))
        return Evaluation(len(found), list(first.values()), [], errors, names, True, bases, typos, basis_errors)
    new = state.record(con, found, now, run_id)
    outcomes = deliver(con, channels, now, debug=debug)
    return Evaluation(len(found), new, outcomes, errors, names, False, bases, typos, basis_errors)


def configured_channels(settings: AlertSettings, clock: Clock) -> list[Channel]:
    """The channels the config file names: JSON lines, Atom, webhook (in that order)."""
    channels: list[Channel] = []
    if settings.jsonl is not None:
        channels.append(JsonLinesChannel(settings.jsonl))
    if settings.atom is not None:
        channels.append(AtomChannel(settings.atom, entries=settings.atom_entries))
    if settings.webhook is not None:
        from diplotrack.alerts.channels.webhook import WebhookChannel  # httpx: loaded only when configured

        w = settings.webhook
        channels.append(
            WebhookChannel(
                w.url,
                w.secret,
                clock,
                retries=w.retries,
                backoff_initial=w.backoff_initial,
                backoff_max=w.backoff_max,
                timeout=w.timeout,
            )
        )
    return channels
