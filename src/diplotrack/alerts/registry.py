"""Every alert rule, registered once. The CLI (``diplotrack alerts``), ``watch``, the config file's
``[alerts]`` section, the dashboard and docs/alerts.md walk this list: a new rule is one module in
``alerts/rules/`` and one line here."""

from __future__ import annotations

from diplotrack.alerts.model import Rule
from diplotrack.alerts.rules import (
    account_status,
    amplifier_creation_burst,
    coordination_cluster,
    deleted_posts,
    follower_change,
    gone_silent,
    new_account,
    tone_shift,
    topic_shift,
)

# alphabetical by name
RULES: tuple[Rule, ...] = (
    account_status.RULE,
    amplifier_creation_burst.RULE,
    coordination_cluster.RULE,
    deleted_posts.RULE,
    follower_change.RULE,
    gone_silent.RULE,
    new_account.RULE,
    tone_shift.RULE,
    topic_shift.RULE,
)


def rule_named(name: str) -> Rule | None:
    return next((r for r in RULES if r.name == name), None)
