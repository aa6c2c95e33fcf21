"""Shared set-up for collector tests: a store tracking simulated accounts, and a collector run."""

from __future__ import annotations

from pathlib import Path

import yaml

from diplotrack.collect.clock import Clock
from diplotrack.collect.config import HttpSettings, Settings, load_settings
from diplotrack.collect.engine import CollectOptions, Collector, CollectReport
from diplotrack.collect.http import SilentReporter
from diplotrack.collect.registry import build_source
from diplotrack.roster import import_roster, load_roster

FAST_HTTP = HttpSettings(timeout=0.5, retries=4, backoff_initial=0.01, backoff_max=0.05)


def track(con, tmp_path: Path, handles: list[str], platform: str = "x") -> None:  # type: ignore[no-untyped-def]
    doc = {
        "roster": 1,
        "name": "test",
        "actors": [
            {
                "actor_id": f"actor-{i}",
                "name": f"Actor {i}",
                "kind": "embassy",
                "state": "CN",
                "host_country": "FR",
                "accounts": [{"platform": platform, "handle": h}],
            }
            for i, h in enumerate(handles)
        ],
    }
    path = tmp_path / f"roster-{platform}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    roster, problems = load_roster(path)
    assert not problems, problems
    import_roster(con, roster)


def x_settings(base: str, token: str = "test-token", http: HttpSettings = FAST_HTTP) -> Settings:
    s = load_settings({"DIPLOTRACK_X_BEARER_TOKEN": token, "DIPLOTRACK_X_API_BASE": base})
    return Settings(**{**s.__dict__, "http": http})


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.waits: list[tuple[str, float, str]] = []

    def waiting(self, platform, seconds, until, reason) -> None:  # type: ignore[no-untyped-def]
        self.waits.append((platform, seconds, reason))


def collect(con, settings: Settings, platform: str = "x", clock: Clock | None = None, **options) -> CollectReport:  # type: ignore[no-untyped-def]
    clock = clock or Clock()
    reporter = Recorder()
    source = build_source(platform, settings, clock, reporter)
    try:
        report = Collector(con, clock, CollectOptions(**options)).run([source])
    finally:
        source.close()
    report.waits = reporter.waits  # type: ignore[attr-defined]
    return report
