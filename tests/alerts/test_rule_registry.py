"""The registered rules: alphabetical, each documented with every parameter in docs/alert-rules.md, and
each quiet on an empty store."""

from __future__ import annotations

import re
from pathlib import Path

from rule_data import run

from diplotrack.alerts.registry import RULES, rule_named

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alert-rules.md"
# discovery's rule is documented with discovery (docs/discovery.md)
ELSEWHERE = {"new_account"}


def test_rules_are_alphabetical_and_found_by_name() -> None:
    names = [r.name for r in RULES]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert all(rule_named(n) is not None for n in names) and rule_named("no_such_rule") is None


def test_every_rule_and_parameter_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    for rule in RULES:
        if rule.name in ELSEWHERE:
            continue
        assert rule.name in sections, f"docs/alert-rules.md has no section for {rule.name}"
        for p in rule.params:
            assert f"| `{p.name}` |" in sections[rule.name], f"{rule.name}.{p.name} is not documented"


def test_every_rule_is_quiet_on_an_empty_store(con) -> None:  # type: ignore[no-untyped-def]
    for rule in RULES:
        if rule.name not in ELSEWHERE:
            assert run(rule, con) == [], rule.name
