"""Every command that has ``--json`` prints JSON that parses, run as a user runs it on the demo store.

The commands are found by walking the Typer app, so a new command with ``--json`` fails
``test_every_json_command_is_exercised`` until a call for it is added to ``json_calls``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diplotrack.roster import bundled_roster_path

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = {"DIPLOTRACK_X_BEARER_TOKEN": "dry-run-token-never-sent"}


def run(db: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
    )


def json_commands() -> set[str]:
    """Every command of the app (``group sub`` for subcommands) that has a ``--json`` option."""
    from typer.main import get_command

    from diplotrack.cli.main import app

    found: set[str] = set()

    def walk(cmd, prefix: str) -> None:  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{prefix} {name}".strip())
        elif any("--json" in getattr(p, "opts", ()) for p in cmd.params):
            found.add(prefix)

    walk(get_command(app), "")
    return found


def json_calls(tmp: Path) -> list[tuple[str, list[str], dict]]:
    """(command, arguments, environment) for every --json command, in an order that works on one
    store: enrich before report, so that the report does not enrich again."""
    calls: list[tuple[str, list[str], dict]] = [
        ("roster import", ["roster", "import", str(bundled_roster_path()), "--json"], {}),
        ("roster list", ["roster", "list", "--json"], {}),
        ("import", ["import", str(ROOT / "tests/fixtures/x-v2/twarc2/two_tweets.jsonl"), "--json"], {}),
        ("enrich", ["enrich", "--json"], {}),
        ("report", ["report", "--out", str(tmp / "report"), "--json"], {}),
        ("collect", ["collect", "--dry-run", "--json"], TOKEN_ENV),
        ("runs", ["runs", "--json"], {}),
        ("sql", ["sql", "select kind, count(*) as n from posts group by kind", "--json"], {}),
        ("network", ["network", "repost", "--out", str(tmp / "repost.gexf"), "--json"], {}),
        ("export", ["export", "--out", str(tmp / "export"), "--json"], {}),
        ("bursts", ["bursts", "--json"], {}),
    ]
    for action in ("repost", "hashtag", "link", "post"):
        calls.append(("coordination", ["coordination", action, "--window", "86400", "--min-count", "1", "--json"], {}))
    return calls


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("json") / "demo.duckdb"
    proc = run(db, "demo", "--no-report", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["accounts"] == 81
    return db


def test_every_json_command_is_exercised(tmp_path: Path) -> None:
    covered = {name for name, _, _ in json_calls(tmp_path)} | {"demo"}  # demo: the fixture
    assert json_commands() == covered


def test_every_json_output_parses(demo_db: Path, tmp_path: Path) -> None:
    outputs: dict[str, list] = {}
    for name, args, env in json_calls(tmp_path):
        proc = run(demo_db, *args, env=env)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Traceback" not in proc.stderr, args
        try:
            outputs.setdefault(name, []).append(json.loads(proc.stdout))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{' '.join(args)} printed no JSON ({exc}): {proc.stdout[:200]!r}")
    # coordination on the demo store within a day: hashtag and post clusters, with their evidence
    repost, hashtag, link, post = outputs["coordination"]
    for result in (hashtag, post):
        assert result["clusters"] and result["pairs"]
        assert all(isinstance(c["members"], list) and isinstance(c["member_ids"], list) for c in result["clusters"])
        pair = result["pairs"][0]
        assert isinstance(pair["evidence"], list) and pair["evidence"]
        assert set(pair["evidence"][0]) == {"item", "post_a", "post_b", "lag_s"}
        assert len(pair["evidence"]) <= pair["events"]
    assert outputs["report"][0]["accounts_total"] == 81
    assert outputs["collect"][0]["dry_run"] is True
