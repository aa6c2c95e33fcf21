"""Every alert rule, registered once. The CLI (``diplotrack alerts``), ``watch``, the config file's
``[alerts]`` section, the dashboard and docs/alerts.md walk this list: a new rule is one module in
``alerts/rules/`` and one line here."""

from __future__ import annotations

from diplotrack.alerts.model import Rule

RULES: tuple[Rule, ...] = ()


def rule_named(name: str) -> Rule | None:
    return next((r for r in RULES if r.name == name), None)
