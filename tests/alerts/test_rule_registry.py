"""The registered rules: alphabetical, each documented with every parameter and its default in
docs/alert-rules.md, and each quiet on an empty store."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rule_data import basis, run

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
        documented = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", sections[rule.name], flags=re.M))
        for p in rule.params:
            assert p.name in documented, f"{rule.name}.{p.name} is not documented"
            # the default as the table writes it (JSON: "day", 6.0, [...]) is the code's
            default = json.loads(documented[p.name])
            assert default == p.default and type(default) is type(p.default), f"{rule.name}.{p.name}: {default!r}"


def test_every_rule_is_quiet_on_an_empty_store(con) -> None:  # type: ignore[no-untyped-def]
    for rule in RULES:
        if rule.name not in ELSEWHERE:
            assert run(rule, con) == [], rule.name


def test_every_rule_says_what_it_could_judge_and_judges_nothing_on_an_empty_store(con) -> None:  # type: ignore[no-untyped-def]
    for rule in RULES:
        if rule.name in ELSEWHERE:
            continue
        found = basis(rule, con)
        assert (found.judged, found.in_scope) == (0, 0) and found.note, rule.name


def test_every_rules_basis_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    for rule in RULES:
        if rule.name not in ELSEWHERE:
            assert "**Could not judge**" in sections[rule.name], rule.name
