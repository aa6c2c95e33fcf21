"""``diplotrack alerts``: evaluate the alert rules, record what is new, deliver it; list what fired
before (``--list``) and the rules (``--rules``). ``watch`` calls :func:`alerts_after_run`."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import typer
from rich.console import Console

from diplotrack.alerts import registry, state
from diplotrack.alerts.channels import alert_record
from diplotrack.alerts.channels.printed import PrintedChannel
from diplotrack.alerts.config import AlertSettings, choose, load_alert_settings
from diplotrack.alerts.evaluate import Evaluation, configured_channels, evaluate
from diplotrack.cli import common
from diplotrack.collect.clock import Clock
from diplotrack.errors import DiplotrackError, UsageError
from diplotrack.importers.base import parse_time
from diplotrack.store.db import open_store, open_store_read_only


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = parse_time(text)
    except ValueError:
        when = None
    if when is None:
        raise UsageError(f"--since {text!r} is not a date; use e.g. 2026-01-31")
    return when


def _as_toml(value: object) -> str:
    """A default as the config file writes it (``["a", "b"]``, ``true``, ``0.5``)."""
    if value is None:
        return "(none)"
    try:
        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
    except TypeError:
        return str(value)


def _show_rules(as_json: bool) -> None:
    rules = registry.RULES
    if as_json:
        common.print_json(
            [
                {
                    "name": r.name,
                    "title": r.title,
                    "description": r.description,
                    "params": [{"name": p.name, "default": p.default, "help": p.help} for p in r.params],
                }
                for r in rules
            ]
        )
        return
    if not rules:
        common.console.print("no alert rules are registered", markup=False)
        return
    common.print_table(
        ("rule", "fires when", "parameters (default)"),
        [
            (
                r.name,
                r.description,
                "\n".join(f"{p.name} = {_as_toml(p.default)}: {p.help}" for p in r.params) or "(none)",
            )
            for r in rules
        ],
    )


def _show_recorded(rules: list[str], limit: int, as_json: bool) -> None:
    con = open_store_read_only(common.STATE.db)
    try:
        alerts = state.recorded(con, limit, rules)
    finally:
        con.close()
    if as_json:
        for a in alerts:
            common.print_json(alert_record(a))
        return
    if not alerts:
        common.console.print("no alerts recorded yet: 'diplotrack alerts' or 'watch' records them", markup=False)
        return
    common.print_table(
        ("fired (UTC)", "occurred (UTC)", "rule", "alert", "account", "id"),
        [
            (
                _stamp(a.fired_at),
                _stamp(a.occurred_at),
                a.rule,
                a.title,
                " ".join(x for x in (a.platform, f"@{a.handle}" if a.handle else None) if x),
                a.alert_id,
            )
            for a in alerts
        ],
    )


def _stamp(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M}" if when else ""


def _report(evaluation: Evaluation, as_json: bool) -> None:
    for line in evaluation.problems():
        common.print_error(line)
    out = common.err_console if as_json else common.console  # --json: stdout holds the alerts only
    _summary(evaluation, out)


def _summary(evaluation: Evaluation, out: Console) -> None:
    """The summary line, then a line per rule that could judge nothing (its 0 alerts mean "could not
    judge"), or that does not say what it judged."""
    out.print(evaluation.summary(), markup=False, highlight=False)
    for line in evaluation.basis_lines():
        out.print(f"  {line}", markup=False, highlight=False)


def alerts_command(
    rule: list[str] = typer.Option([], "--rule", "-r", help="Only this rule (repeatable; default: those enabled)."),
    since: str | None = typer.Option(None, "--since", help="Alert no change that happened before this date."),
    as_json: bool = typer.Option(False, "--json", help="Print the new alerts as JSON lines on stdout."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Evaluate and print; record and deliver nothing."),
    list_recorded: bool = typer.Option(False, "--list", help="Show the alerts recorded so far, newest first."),
    limit: int = typer.Option(20, "--limit", "-n", min=0, max=2**63 - 1, help="With --list: how many."),
    show_rules: bool = typer.Option(
        False, "--rules", "--list-rules", help="Show the rules with their parameters and defaults."
    ),
) -> None:
    if show_rules:
        _show_rules(as_json)
        return
    if list_recorded:  # --rule filters by name: a rule removed since may have alerts in the store
        _show_recorded(rule, limit, as_json)
        return
    settings = load_alert_settings()
    chosen = choose(settings, rule, _since(since))
    clock = Clock()
    printed = PrintedChannel(common.console, as_json=as_json)
    if dry_run:
        con = open_store_read_only(common.STATE.db)  # records nothing (a running watch still locks it out)
        try:
            evaluation = evaluate(con, chosen, [], clock.utcnow(), dry_run=True, debug=common.STATE.debug)
            printed.send(evaluation.new, con)
        finally:
            con.close()
    else:
        con = open_store(common.STATE.db)
        try:
            channels = [printed, *configured_channels(settings, clock)]
            evaluation = evaluate(con, chosen, channels, clock.utcnow(), debug=common.STATE.debug)
        finally:
            con.close()
    _report(evaluation, as_json)
    if evaluation.problems():
        raise typer.Exit(1)


def alerts_after_run(clock: Clock, run_id: int | None, settings: AlertSettings | None = None) -> Evaluation | None:
    """``watch``'s evaluation after a run, through the configured channels and the terminal. Never
    raises for a failure of its own: it is reported, and what was not delivered is tried again after
    the next run (None when the evaluation could not run at all)."""
    try:
        settings = settings or load_alert_settings()
        con = open_store(common.STATE.db)
        try:
            channels = [PrintedChannel(common.console), *configured_channels(settings, clock)]
            evaluation = evaluate(
                con, choose(settings), channels, clock.utcnow(), run_id=run_id, debug=common.STATE.debug
            )
        finally:
            con.close()
    except Exception as exc:  # a long-running watch outlives a failing rule, channel or store: say it, go on
        if common.STATE.debug:
            raise
        what = (
            common.first_line(exc)
            if isinstance(exc, DiplotrackError | duckdb.Error | OSError)
            else f"internal error ({type(exc).__name__}: {common.first_line(exc)}; run with --debug and report it)"
        )
        common.print_error(f"alerts failed: {what}; they are evaluated again after the next run")
        return None
    for line in evaluation.problems():
        common.print_error(line)
    _summary(evaluation, common.console)
    return evaluation
