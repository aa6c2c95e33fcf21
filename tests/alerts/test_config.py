"""The config file's ``[alerts]`` section: which rules, their parameters and scope, where to deliver;
every mistake refused in one sentence that names the near miss; the webhook secret never shown."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from alerthelpers import BROKEN_RULE, EVENTS_RULE, use_rules

from diplotrack.alerts.channels.atom import AtomChannel
from diplotrack.alerts.channels.jsonl import JsonLinesChannel
from diplotrack.alerts.config import ENV_WEBHOOK_SECRET, choose, load_alert_settings, parse_alert_settings
from diplotrack.alerts.evaluate import configured_channels
from diplotrack.collect.clock import SimulatedClock
from diplotrack.errors import UsageError

FULL = """
[alerts]
enabled = ["test_events"]
platforms = ["twitter", "bluesky"]
accounts = ["@ChinaEmbFrance"]
kinds = ["embassy"]
since = 2026-01-01
jsonl = "out/alerts.jsonl"
atom = "/srv/feeds/alerts.xml"
atom_entries = 10

[alerts.rules.test_events]
events = ["suspended", "deleted"]
threshold = 2
kinds = ["ambassador"]

[alerts.webhook]
url = "https://hooks.example.org/diplotrack"
secret = "from-the-file"
retries = 2
backoff_initial = 0.5
timeout = 3
"""


def _parse(text: str, env: dict[str, str] | None = None, folder: Path = Path("/etc/dt")):  # type: ignore[no-untyped-def]
    return parse_alert_settings(
        tomllib.loads(text).get("alerts", {}),
        where="config.toml",
        folder=folder,
        environ=env or {},
        rules=(EVENTS_RULE, BROKEN_RULE),
    )


def test_a_full_section_gives_rules_params_scopes_and_channels():
    s = _parse(FULL)
    events, broken = s.rules["test_events"], s.rules["test_broken"]
    assert [r.rule.name for r in s.enabled()] == ["test_events"] and not broken.enabled
    assert events.params == {"events": ["suspended", "deleted"], "threshold": 2.0, "window_days": 7}
    assert isinstance(events.params["threshold"], float)
    assert events.scope.platforms == ("x", "bluesky") and events.scope.handles == ("ChinaEmbFrance",)
    assert events.scope.kinds == ("ambassador",) and broken.scope.kinds == ("embassy",)  # per rule replaces
    assert events.scope.since == datetime(2026, 1, 1) == broken.scope.since
    assert s.jsonl == Path("/etc/dt/out/alerts.jsonl")  # relative to the config file's folder
    assert s.atom == Path("/srv/feeds/alerts.xml") and s.atom_entries == 10
    hook = s.webhook
    assert hook is not None and hook.url == "https://hooks.example.org/diplotrack"
    assert (hook.retries, hook.backoff_initial, hook.backoff_max, hook.timeout) == (2, 0.5, 60.0, 3.0)
    assert hook.secret is not None and hook.secret.reveal() == "from-the-file"
    assert "from-the-file" not in repr(s) and "from-the-file" not in str(hook)
    from_env = _parse(FULL, {ENV_WEBHOOK_SECRET: "from-the-environment"}).webhook
    assert from_env is not None and from_env.secret is not None
    assert from_env.secret.reveal() == "from-the-environment"


def test_no_section_runs_every_rule_with_its_defaults_and_no_channel():
    s = _parse("")
    assert [r.rule.name for r in s.enabled()] == ["test_events", "test_broken"]
    assert s.rules["test_events"].params == EVENTS_RULE.defaults()
    assert (s.jsonl, s.atom, s.webhook) == (None, None, None)
    assert configured_channels(s, SimulatedClock()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[alerts.rules.test_event]\n", "'test_event' is not a rule (did you mean test_events?)"),
        ("[alerts.rules.test_events]\nthreshhold = 1\n", "'threshhold' is not a parameter of test_events"),
        ("[alerts.rules.test_events]\nthreshhold = 1\n", "(did you mean threshold?)"),
        ("[alerts.rules.test_events]\nwindow_days = 1.5\n", "window_days must be a whole number (default 7)"),
        ("[alerts.rules.test_events]\nevents = 'suspended'\n", "events must be a list"),
        ("[alerts.rules.test_events]\nthreshold = true\n", "threshold must be a number"),
        ("[alerts.rules.test_events]\nenabled = 'yes'\n", "enabled must be true or false"),
        ("[alerts]\njsonl_file = 'a'\n", "'jsonl_file' is not a setting (did you mean jsonl?)"),
        ("[alerts]\nenabled = ['test_broke']\n", "'test_broke' is not a rule (did you mean test_broken?)"),
        ("[alerts]\nplatforms = ['blusky']\n", "'blusky' is not a platform (did you mean bluesky?)"),
        ("[alerts]\nkinds = ['embasy']\n", "'embasy' is not a roster kind (did you mean embassy?)"),
        ("[alerts]\nsince = 'last week'\n", "since must be a date"),
        ("[alerts]\natom_entries = 0\n", "atom_entries must be a whole number, at least 1"),
        ("[alerts]\nrules = 3\n", "alerts.rules must be a table"),
        ("[alerts.webhook]\nurl = 'ftp://example.org'\n", "url must be the http(s) address"),
        ("[alerts.webhook]\nurl = 'https://h.example'\nretry = 2\n", "(did you mean retries?)"),
        ("[alerts.webhook]\nurl = 'https://h.example'\ntimeout = -1\n", "timeout must be a non-negative number"),
        ("[alerts.webhook]\nurl = 'https://h.example'\ntimeout = 0\n", "timeout must be more than 0 seconds"),
        ("[alerts.webhook]\nurl = 'https://h.example'\nretries = 1000\n", "retries must be a whole number from 0"),
        ("[alerts.rules.test_events]\nthreshold = nan\n", "threshold must be a number"),
        ("[alerts.rules.test_events]\nthreshold = -inf\n", "threshold must be a number"),
    ],
)
def test_each_mistake_is_one_sentence_naming_what_to_fix(text: str, expected: str):
    with pytest.raises(UsageError) as caught:
        _parse(text)
    message = str(caught.value)
    assert expected in message and message.startswith("config.toml: ") and "\n" not in message


def test_the_webhook_url_and_its_token_are_never_shown():
    hook = _parse("[alerts.webhook]\nurl = 'https://user:pw1234@h.example/hooks/tok5678?token=tok5678'\n").webhook
    assert hook is not None and hook.url.endswith("?token=tok5678")
    for shown in (repr(hook), str(hook), repr(_parse("[alerts.webhook]\nurl = 'https://h.example/tok5678'\n"))):
        assert "tok5678" not in shown and "pw1234" not in shown


def test_the_secret_is_never_echoed_when_refused():
    with pytest.raises(UsageError) as caught:
        _parse("[alerts.webhook]\nurl = 'https://h.example'\nsecret = 12345678\n")
    assert "12345678" not in str(caught.value) and ENV_WEBHOOK_SECRET in str(caught.value)


def test_the_config_file_is_found_as_collect_finds_it_and_channels_are_built(tmp_path: Path, monkeypatch):
    use_rules(monkeypatch, EVENTS_RULE, BROKEN_RULE)
    config = tmp_path / "config.toml"
    config.write_text(FULL.replace("/srv/feeds/alerts.xml", "feed.xml"), encoding="utf-8")
    s = load_alert_settings({"DIPLOTRACK_CONFIG": str(config)})
    assert s.config_file == config and s.jsonl == tmp_path / "out" / "alerts.jsonl"
    channels = configured_channels(s, SimulatedClock())
    assert [c.name for c in channels] == ["jsonl", "atom", "webhook"]
    assert isinstance(channels[0], JsonLinesChannel) and isinstance(channels[1], AtomChannel)
    assert channels[1].entries == 10
    config.write_text("[alerts]\nenabled = [", encoding="utf-8")
    with pytest.raises(UsageError, match="is not valid TOML"):
        load_alert_settings({"DIPLOTRACK_CONFIG": str(config)})


def test_rules_named_on_the_command_line_run_even_when_the_file_turns_them_off():
    s = _parse(FULL)
    assert [r.rule.name for r in choose(s)] == ["test_events"]
    chosen = choose(s, ["test_broken", "test_events", "test_broken"], since=datetime(2026, 12, 1))
    assert [r.rule.name for r in chosen] == ["test_broken", "test_events"]
    assert all(r.scope.since == datetime(2026, 12, 1) for r in chosen)
    assert chosen[1].scope.kinds == ("ambassador",)  # the rest of its scope is kept
    with pytest.raises(UsageError, match=r"'test_evnts' is not a rule \(did you mean test_events\?\)"):
        choose(s, ["test_evnts"])


def test_the_example_in_the_docs_is_valid_for_the_registered_rules():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    s = parse_alert_settings(tomllib.loads(example)["alerts"], environ={}, folder=Path("/etc/dt"))
    assert s.rules["follower_change"].params["min_change"] == 1000 and not s.rules["gone_silent"].enabled
    assert [r.rule.name for r in s.enabled()] == ["account_status", "deleted_posts", "follower_change"]
