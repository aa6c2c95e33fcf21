"""The ``[alerts]`` section of the config file (the TOML file ``collect/config.py`` reads, at
``$DIPLOTRACK_CONFIG`` or ``~/.config/diplotrack/config.toml``)::

    [alerts]
    enabled = ["account_status", "follower_change"]  # default: every registered rule
    platforms = ["x", "bluesky"]     # scope of every rule (default: all); per rule too, below
    accounts = ["ChinaEmbFrance"]    # roster handles
    kinds = ["embassy", "ambassador"]
    since = 2026-01-01               # changes before this are not alerted
    jsonl = "alerts.jsonl"           # append one JSON line per alert (relative: to this file's folder)
    atom = "alerts.xml"              # an Atom feed file of the latest alerts
    atom_entries = 50

    [alerts.rules.follower_change]   # a rule's parameters (diplotrack alerts --rules lists them)
    threshold = 0.2
    kinds = ["embassy"]              # and its own scope, replacing the section's
    # enabled = false                # turn one rule off

    [alerts.webhook]
    url = "https://hooks.example.org/diplotrack"
    secret = "..."                   # or DIPLOTRACK_ALERTS_WEBHOOK_SECRET; signs each POST (HMAC)
    retries = 4
    backoff_initial = 1
    backoff_max = 60
    timeout = 10

Unknown rules, parameters and settings are refused with a one-sentence error naming the near miss;
a parameter's value must have the type of its default. The webhook secret is held in a ``Secret``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from diplotrack.alerts import registry
from diplotrack.alerts.channels.atom import DEFAULT_ENTRIES
from diplotrack.alerts.model import Rule, Scope
from diplotrack.collect.config import Secret, _config_path, _read_config
from diplotrack.errors import UsageError
from diplotrack.importers.base import parse_time
from diplotrack.platforms import ALIASES, PLATFORMS
from diplotrack.roster.checks import did_you_mean as roster_did_you_mean
from diplotrack.roster.model import KINDS

ENV_WEBHOOK_SECRET = "DIPLOTRACK_ALERTS_WEBHOOK_SECRET"
SCOPE_KEYS = ("platforms", "accounts", "kinds", "since")
SECTION_KEYS = ("enabled", *SCOPE_KEYS, "jsonl", "atom", "atom_entries", "rules", "webhook")
WEBHOOK_KEYS = ("url", "secret", "retries", "backoff_initial", "backoff_max", "timeout")


@dataclass(frozen=True)
class RuleSetting:
    """A rule as configured: its parameters (defaults overridden by the file) and its scope."""

    rule: Rule
    params: dict[str, Any]
    scope: Scope = field(default_factory=Scope)
    enabled: bool = True


MAX_RETRIES = 20  # more would hold a watch for hours on a receiver that is down


@dataclass(frozen=True)
class WebhookSettings:
    url: str = field(repr=False)  # may carry a token (in its path, query or user info): never shown
    secret: Secret | None = None
    retries: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 10.0


@dataclass(frozen=True)
class AlertSettings:
    rules: dict[str, RuleSetting]  # every registered rule, by name, enabled or not
    jsonl: Path | None = None
    atom: Path | None = None
    atom_entries: int = DEFAULT_ENTRIES
    webhook: WebhookSettings | None = None
    config_file: Path | None = None

    def enabled(self) -> list[RuleSetting]:
        return [s for s in self.rules.values() if s.enabled]


def did_you_mean(value: str, choices: Sequence[str]) -> str:
    """`` (did you mean X?)`` for a near miss among ``choices``: a setting's name is short, so the
    match is looser than the roster's (``retry`` finds ``retries``)."""
    return roster_did_you_mean(value, choices, cutoff=0.6)


def _unknown(where: str, what: str, value: str, choices: Iterable[str]) -> UsageError:
    choices = list(choices)
    return UsageError(
        f"{where}: {value!r} is not {what}{did_you_mean(value, choices)}; use one of {', '.join(choices) or '(none)'}"
    )


def _table(value: object, where: str, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {name} must be a table ([{name}] and its settings below it), not a single value")
    return value


def _strings(value: object, where: str, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UsageError(f'{where}: {name} must be a list of names in quotes, e.g. {name} = ["..."]')
    return [v.strip() for v in value]


def _since(value: object, where: str, name: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    try:
        parsed = parse_time(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise UsageError(f"{where}: {name} must be a date, e.g. {name} = 2026-01-31")
    return parsed


def _scope(table: Mapping[str, Any], where: str, base: Scope) -> Scope:
    """The scope in ``table`` (its keys replace ``base``'s)."""
    scope = base
    if "platforms" in table:
        names = [ALIASES.get(p.lower(), p.lower()) for p in _strings(table["platforms"], where, "platforms")]
        for p in names:
            if p not in PLATFORMS:
                raise _unknown(where, "a platform", p, PLATFORMS)
        scope = dataclasses.replace(scope, platforms=tuple(dict.fromkeys(names)))
    if "accounts" in table:
        handles = [h.lstrip("@") for h in _strings(table["accounts"], where, "accounts")]
        scope = dataclasses.replace(scope, handles=tuple(dict.fromkeys(handles)))
    if "kinds" in table:
        kinds = _strings(table["kinds"], where, "kinds")
        for k in kinds:
            if k not in KINDS:
                raise _unknown(where, "a roster kind", k, KINDS)
        scope = dataclasses.replace(scope, kinds=tuple(dict.fromkeys(kinds)))
    if "since" in table:
        scope = dataclasses.replace(scope, since=_since(table["since"], where, "since"))
    return scope


def param_value(default: Any, value: Any, where: str, name: str) -> Any:
    """``value`` checked against the type of the parameter's ``default`` (an int is a float too)."""
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list)
        value = type(default)(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        kind = {bool: "true or false", int: "a whole number", float: "a number", str: "text in quotes"}.get(
            type(default), "a list" if isinstance(default, list | tuple) else type(default).__name__
        )
        raise UsageError(f"{where}: {name} must be {kind} (default {default!r})")
    return value


def _rule_setting(rule: Rule, table: Mapping[str, Any], where: str, base: Scope, listed: bool) -> RuleSetting:
    params = rule.defaults()
    keys = [p.name for p in rule.params]
    for key, value in table.items():
        if key in SCOPE_KEYS or key == "enabled":
            continue
        if key not in params:
            raise _unknown(where, f"a parameter of {rule.name}", key, [*keys, *SCOPE_KEYS, "enabled"])
        params[key] = param_value(params[key], value, where, key)
    enabled = table.get("enabled", listed)
    if not isinstance(enabled, bool):
        raise UsageError(f"{where}: enabled must be true or false")
    return RuleSetting(rule=rule, params=params, scope=_scope(table, where, base), enabled=enabled)


def _path(value: object, where: str, name: str, folder: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f'{where}: {name} must be a file name in quotes, e.g. {name} = "alerts.{name}"')
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else folder / path


def _number(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{where}: {key} must be a non-negative number")
    return float(value)


def _webhook(table: Mapping[str, Any], env: Mapping[str, str], where: str) -> WebhookSettings | None:
    if not table:
        return None
    for key in table:
        if key not in WEBHOOK_KEYS:
            raise _unknown(where, "a webhook setting", key, WEBHOOK_KEYS)
    url = table.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f'{where}: url must be the http(s) address to POST alerts to, e.g. url = "https://..."')
    secret_text = env.get(ENV_WEBHOOK_SECRET) or table.get("secret")
    if secret_text is not None and not isinstance(secret_text, str):
        raise UsageError(f"{where}: secret must be text in quotes (or set {ENV_WEBHOOK_SECRET})")  # never echoed
    retries = _number(table, "retries", 4, where)
    if retries != int(retries) or retries > MAX_RETRIES:
        raise UsageError(f"{where}: retries must be a whole number from 0 to {MAX_RETRIES}")
    timeout = _number(table, "timeout", 10.0, where)
    if timeout <= 0:
        raise UsageError(f"{where}: timeout must be more than 0 seconds (each try ends after it)")
    return WebhookSettings(
        url=url,
        secret=Secret(secret_text.strip()) if secret_text and secret_text.strip() else None,
        retries=int(retries),
        backoff_initial=_number(table, "backoff_initial", 1.0, where),
        backoff_max=_number(table, "backoff_max", 60.0, where),
        timeout=timeout,
    )


def parse_alert_settings(
    section: Mapping[str, Any],
    *,
    where: str = "config",
    folder: Path | None = None,
    environ: Mapping[str, str] | None = None,
    rules: Sequence[Rule] | None = None,
) -> AlertSettings:
    """The settings in an ``[alerts]`` table (``rules``: the registered rules, by default
    ``registry.RULES`` as it is now)."""
    env = os.environ if environ is None else environ
    rules = registry.RULES if rules is None else rules
    folder = folder or Path.cwd()
    for key in section:
        if key not in SECTION_KEYS:
            raise _unknown(f"{where}: [alerts]", "a setting", key, SECTION_KEYS)
    names = [r.name for r in rules]
    listed = set(names)
    if "enabled" in section:
        listed = set(_strings(section["enabled"], f"{where}: [alerts]", "enabled"))
        for name in listed:
            if name not in names:
                raise _unknown(f"{where}: [alerts] enabled", "a rule", name, names)
    base = _scope(section, f"{where}: [alerts]", Scope())
    tables = _table(section.get("rules"), where, "alerts.rules")
    for name in tables:
        if name not in names:
            raise _unknown(f"{where}: [alerts.rules]", "a rule", name, names)
    settings = {
        r.name: _rule_setting(
            r,
            _table(tables.get(r.name), where, f"alerts.rules.{r.name}"),
            f"{where}: [alerts.rules.{r.name}]",
            base,
            r.name in listed,
        )
        for r in rules
    }
    entries = _number(section, "atom_entries", DEFAULT_ENTRIES, f"{where}: [alerts]")
    if entries != int(entries) or entries < 1:
        raise UsageError(f"{where}: [alerts] atom_entries must be a whole number, at least 1")
    return AlertSettings(
        rules=settings,
        jsonl=_path(section["jsonl"], f"{where}: [alerts]", "jsonl", folder) if "jsonl" in section else None,
        atom=_path(section["atom"], f"{where}: [alerts]", "atom", folder) if "atom" in section else None,
        atom_entries=int(entries),
        webhook=_webhook(_table(section.get("webhook"), where, "alerts.webhook"), env, f"{where}: [alerts.webhook]"),
    )


def load_alert_settings(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """The ``[alerts]`` section of the config file (every rule on, with its defaults, when absent)."""
    env = dict(os.environ if environ is None else environ)
    path = _config_path(env)
    cfg = _read_config(path)
    where = str(path) if path is not None else "the config file"
    section = _table(cfg.get("alerts"), where, "alerts")
    settings = parse_alert_settings(
        section, where=where, folder=path.parent if path is not None else Path.cwd(), environ=env
    )
    return dataclasses.replace(settings, config_file=path)


def choose(settings: AlertSettings, names: Sequence[str] = (), since: datetime | None = None) -> list[RuleSetting]:
    """The rules to run: those named (``--rule``; a rule the file turns off runs when named), else the
    enabled ones; ``since`` (``--since``) replaces every rule's own."""
    if names:
        chosen = []
        for name in dict.fromkeys(names):
            if name not in settings.rules:
                raise _unknown("--rule", "a rule", name, settings.rules)
            chosen.append(settings.rules[name])
    else:
        chosen = settings.enabled()
    if since is not None:
        chosen = [dataclasses.replace(s, scope=dataclasses.replace(s.scope, since=since)) for s in chosen]
    return chosen
