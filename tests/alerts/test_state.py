"""Alert state in the store: an alert is recorded once, each channel delivers it once, a failure is
retried; and an evaluation (rules, record, deliver) that keeps going past a failing rule or channel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest
from alerthelpers import BROKEN_RULE, EVENTS_RULE, add_event, alert

from diplotrack.alerts import state
from diplotrack.alerts.channels.atom import AtomChannel
from diplotrack.alerts.channels.jsonl import JsonLinesChannel
from diplotrack.alerts.config import RuleSetting
from diplotrack.alerts.evaluate import evaluate
from diplotrack.alerts.model import Scope

NOW = datetime(2026, 12, 6, 12, 0)


def test_an_alert_is_recorded_once_with_its_time_run_and_evidence(con):
    new = state.record(con, [alert(1), alert(2), alert(1)], NOW, run_id=7)
    assert [a.key for a in new] == ["k1", "k2"]  # the duplicate in the batch counts once
    assert all(a.fired_at == NOW and a.run_id == 7 for a in new)
    again = state.record(con, [alert(2), alert(3)], datetime(2026, 12, 7), run_id=8)
    assert [(a.key, a.fired_at, a.run_id) for a in again] == [("k3", datetime(2026, 12, 7), 8)]
    assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] == 3
    newest = state.recorded(con)
    assert [a.key for a in newest] == ["k3", "k2", "k1"]
    first = newest[-1]
    assert first.alert_id == alert(1).alert_id and first.fired_at == NOW and first.run_id == 7
    assert first.evidence == {"n": 1, "at": "2026-12-01T10:01:00"}  # dates kept as ISO text
    assert [a.key for a in state.recorded(con, limit=1)] == ["k3"]
    assert state.recorded(con, rules=["other"]) == []


def test_a_batch_that_cannot_be_stored_leaves_nothing_half_written(con):
    bad = alert(2, evidence={"what": object()})  # not JSON: the batch's second alert
    with pytest.raises(TypeError):
        state.record(con, [alert(1), bad, alert(3)], NOW)
    assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
    assert len(state.record(con, [alert(1), alert(3)], NOW)) == 2  # the store still takes a good batch


def test_each_channel_delivers_once_oldest_first_and_retries_failures(con):
    state.record(con, [alert(2), alert(1)], NOW)
    state.record(con, [alert(3)], datetime(2026, 12, 7))
    assert [a.key for a in state.pending(con, "jsonl")] == ["k1", "k2", "k3"]  # fired, then occurred
    ids = {n: alert(n).alert_id for n in (1, 2, 3)}
    assert state.mark(con, "jsonl", {ids[1]: None, ids[2]: "the server said 503; retried next time"}, NOW) == (1, 1)
    assert [a.key for a in state.pending(con, "jsonl")] == ["k2", "k3"]
    assert [a.key for a in state.pending(con, "atom")] == ["k1", "k2", "k3"]  # channels are independent
    state.mark(con, "jsonl", {ids[2]: "timed out"}, NOW)
    row = state.deliveries(con, ids[2])[0]
    assert (row["status"], row["attempts"], row["last_error"], row["delivered_at"]) == ("failed", 2, "timed out", None)
    state.mark(con, "jsonl", {ids[2]: None, ids[3]: None}, datetime(2026, 12, 8))
    assert state.pending(con, "jsonl") == []
    state.mark(con, "jsonl", {ids[1]: "late failure"}, datetime(2026, 12, 9))  # never undoes a delivery
    row = state.deliveries(con, ids[1])[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 1, None)
    assert state.deliveries(con, ids[2])[0]["attempts"] == 3


def _settings(*rules, scope: Scope = Scope()) -> list[RuleSetting]:  # type: ignore[no-untyped-def]
    return [RuleSetting(r, r.defaults(), scope) for r in rules]


def test_evaluation_fires_once_keeps_going_past_a_failing_rule_and_retries_a_failing_channel(con, tmp_path: Path):
    add_event(con, "101", "suspended", datetime(2026, 12, 5, 9))
    add_event(con, "102", "renamed", datetime(2026, 12, 5, 10))  # not an event the rule wants
    jsonl = JsonLinesChannel(tmp_path / "alerts.jsonl")
    atom = AtomChannel(tmp_path / "later" / "alerts.xml")  # its folder does not exist yet
    chosen = _settings(BROKEN_RULE, EVENTS_RULE)
    first = evaluate(con, chosen, [jsonl, atom], NOW, run_id=3)
    assert first.rule_errors == {"test_broken": "the test rule cannot run; fix its parameters"}
    assert (first.fired, [a.handle for a in first.new]) == (1, ["ChinaEmbTest"])
    assert [(c.name, c.delivered, c.failed) for c in first.channels] == [("jsonl", 1, 0), ("atom", 0, 1)]
    assert "check that its folder exists" in first.channels[1].errors[0]
    assert any("test_broken failed" in p for p in first.problems())
    assert first.summary().startswith("alerts: 2 rule(s) run, 1 alert(s) found, 1 new; 1 rule(s) failed")
    (tmp_path / "later").mkdir()
    second = evaluate(con, chosen[1:], [jsonl, atom], NOW)
    assert (second.fired, second.new) == (1, [])
    assert [(c.name, c.delivered, c.failed) for c in second.channels] == [("jsonl", 0, 0), ("atom", 1, 0)]
    assert state.deliveries(con, first.new[0].alert_id)[0]["attempts"] == 2  # atom (jsonl sorts after it)
    assert b"urn:diplotrack:alert:" + first.new[0].alert_id.encode() in (tmp_path / "later" / "alerts.xml").read_bytes()
    third = evaluate(con, chosen[1:], [jsonl, atom], NOW)
    assert [c.delivered + c.failed for c in third.channels] == [0, 0]
    lines = [orjson.loads(x) for x in (tmp_path / "alerts.jsonl").read_bytes().splitlines()]
    assert [(x["run_id"], x["user_id"]) for x in lines] == [(3, "101")]


def test_scope_since_and_platforms_are_applied_and_a_dry_run_records_nothing(con):
    add_event(con, "101", "suspended", datetime(2026, 11, 1))
    add_event(con, "102", "suspended", datetime(2026, 12, 5))
    add_event(con, "103", "suspended", datetime(2026, 12, 5), platform="bluesky")
    scoped = _settings(EVENTS_RULE, scope=Scope(platforms=("x",), since=datetime(2026, 12, 1)))
    dry = evaluate(con, scoped, [], NOW, dry_run=True)
    assert [a.user_id for a in dry.new] == ["102"] and dry.dry_run and "dry run" in dry.summary()
    assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
    assert [a.user_id for a in evaluate(con, _settings(EVENTS_RULE), [], NOW).new] == ["101", "102", "103"]


class _Exploding:
    """A channel with a bug: it raises what no channel is expected to raise."""

    name = "exploding"

    def send(self, alerts, con):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in a channel")


def _buggy(ctx, params):  # type: ignore[no-untyped-def]
    return [1 / 0]  # a rule meeting data it did not expect


def test_a_bug_in_a_rule_or_a_channel_fails_that_one_only_and_is_retried(con, tmp_path: Path):
    from dataclasses import replace

    add_event(con, "101", "suspended", datetime(2026, 12, 5, 9))
    buggy = replace(BROKEN_RULE, name="test_buggy", evaluate=_buggy)
    before = JsonLinesChannel(tmp_path / "before.jsonl")
    after = JsonLinesChannel(tmp_path / "after.jsonl")
    after.name = "jsonl_after"  # type: ignore[misc]
    chosen = _settings(buggy, EVENTS_RULE)
    first = evaluate(con, chosen, [before, _Exploding(), after], NOW)
    assert first.rule_errors["test_buggy"].startswith("internal error (ZeroDivisionError: division by zero)")
    assert "--debug" in first.rule_errors["test_buggy"] and len(first.new) == 1  # the other rule still fired
    assert [(c.name, c.delivered, c.failed) for c in first.channels] == [
        ("jsonl", 1, 0),
        ("exploding", 0, 1),
        ("jsonl_after", 1, 0),
    ]
    assert "internal error (RuntimeError: a bug in a channel)" in first.channels[1].errors[0]
    (alert_id,) = [a.alert_id for a in first.new]
    assert [a.alert_id for a in state.pending(con, "exploding")] == [alert_id]  # recorded, kept to retry
    again = evaluate(con, chosen[1:], [before, _Exploding(), after], NOW)
    assert again.new == [] and [c.delivered + c.failed for c in again.channels] == [0, 1, 0]
    assert state.deliveries(con, alert_id)[0]["attempts"] == 2  # 'exploding' sorts first
    assert len((tmp_path / "before.jsonl").read_bytes().splitlines()) == 1
    with pytest.raises(ZeroDivisionError):  # --debug: the bug with its traceback
        evaluate(con, chosen, [], NOW, debug=True)
    with pytest.raises(RuntimeError):
        evaluate(con, chosen[1:], [_Exploding()], NOW, debug=True)


def test_the_alert_id_is_the_same_on_every_machine_and_process():
    # sha256("test_events\x00k1")[:20], fixed here: a change would make every recorded alert new again
    assert alert(1).alert_id == "6b343cbdc7abd399569d"
