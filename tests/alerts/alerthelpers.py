"""What the alert-state, channel, config and CLI tests share: a small rule over the store's real
``account_events`` table (each matching event is an alert), a rule that always fails, and a way to
put rules in the registry for one test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pytest

from diplotrack.alerts import registry
from diplotrack.alerts.model import Alert, Context, Param, Rule
from diplotrack.errors import InvalidValueError


def _events(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    sql = """SELECT platform, user_id, observed_at, event, old_value, new_value, run_id
             FROM account_events WHERE list_contains(?, event) AND (? OR list_contains(?, platform))
             ORDER BY observed_at, user_id"""
    platforms = list(ctx.scope.platforms)
    rows = ctx.con.execute(sql, [list(params["events"]), not platforms, platforms]).fetchall()
    return [
        Alert(
            rule="test_events",
            key=f"{platform}|{user_id}|{event}|{at.isoformat()}",
            title=f"{platform} {new or old} is {event}",
            platform=platform,
            handle=new or old,
            user_id=user_id,
            occurred_at=at,
            evidence={"event": {"observed_at": at, "event": event, "old": old, "new": new, "run_id": run_id}},
        )
        for platform, user_id, at, event, old, new, run_id in rows
    ]


EVENTS_RULE = Rule(
    name="test_events",
    title="An account event",
    description="Each account event of the chosen kinds.",
    params=(
        Param("events", ["suspended"], "which events"),
        Param("threshold", 0.5, "a number the rule does not use (the config tests check its type)"),
        Param("window_days", 7, "a whole number the rule does not use"),
    ),
    evaluate=_events,
)


def _broken(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    raise InvalidValueError("the test rule cannot run; fix its parameters")


BROKEN_RULE = Rule(name="test_broken", title="Always fails", description="Raises.", params=(), evaluate=_broken)


def use_rules(monkeypatch: pytest.MonkeyPatch, *rules: Rule) -> None:
    monkeypatch.setattr(registry, "RULES", tuple(rules))


def add_event(con, user_id: str, event: str, at: datetime, handle: str = "ChinaEmbTest", platform: str = "x") -> None:  # type: ignore[no-untyped-def]
    con.execute(
        "INSERT INTO account_events (platform, user_id, observed_at, event, old_value, new_value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [platform, user_id, at, event, handle, handle],
    )


def alert(n: int, rule: str = "test_events", **kw: Any) -> Alert:
    return Alert(
        rule=rule,
        key=f"k{n}",
        title=kw.pop("title", f"alert {n}"),
        platform="x",
        handle=f"acct{n}",
        user_id=str(n),
        occurred_at=datetime(2026, 12, 1, 10, n),
        evidence=kw.pop("evidence", {"n": n, "at": datetime(2026, 12, 1, 10, n)}),
        **kw,
    )


def track(con, tmp_path, accounts: list[tuple[str, str]], platform: str = "x") -> None:  # type: ignore[no-untyped-def]
    """Put embassies with these (handle, user id) accounts in the roster."""
    import yaml

    from diplotrack.roster import import_roster, load_roster

    doc = {
        "roster": 1,
        "name": "alerts test",
        "actors": [
            {
                "actor_id": f"actor-{i}",
                "name": f"Embassy {i}",
                "kind": "embassy",
                "state": "CN",
                "host_country": "FR",
                "accounts": [{"platform": platform, "handle": handle, "user_id": user_id}],
            }
            for i, (handle, user_id) in enumerate(accounts)
        ],
    }
    path = tmp_path / "roster-alerts.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    roster, problems = load_roster(path)
    assert not problems, problems
    import_roster(con, roster)
