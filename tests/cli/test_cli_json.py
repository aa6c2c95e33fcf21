"""Every command that has ``--json`` prints JSON that parses, run as a user runs it on the demo store.

The commands are found by walking the Typer app, so a new command with ``--json`` fails
``test_every_json_command_is_exercised`` until a call for it is added to ``json_calls``. The demo
store is a copy of the enriched one built once per run (``demo --json`` itself runs in
tests/cli/test_cli.py); the calls run in-process through ``main()``, which keeps them fast."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from diplotrack.cli import common
from diplotrack.cli.main import main
from diplotrack.roster import bundled_roster_path

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = {"DIPLOTRACK_X_BEARER_TOKEN": "dry-run-token-never-sent"}


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
    """(command, arguments, environment) for every --json command."""
    calls: list[tuple[str, list[str], dict]] = [
        ("roster import", ["roster", "import", str(bundled_roster_path()), "--json"], {}),
        ("roster list", ["roster", "list", "--json"], {}),
        ("import", ["import", str(ROOT / "tests/fixtures/x-v2/twarc2/two_tweets.jsonl"), "--json"], {}),
        ("enrich", ["enrich", "--json"], {}),  # the fixture enriched: nothing to do
        ("report", ["report", "--out", str(tmp / "report"), "--json"], {}),
        ("collect", ["collect", "--dry-run", "--json"], TOKEN_ENV),
        ("runs", ["runs", "--json"], {}),
        ("sql", ["sql", "select kind, count(*) as n from posts group by kind", "--json"], {}),
        ("network", ["network", "repost", "--out", str(tmp / "repost.gexf"), "--json"], {}),
        ("export", ["export", "--out", str(tmp / "export"), "--json"], {}),
        ("bursts", ["bursts", "--json"], {}),
        ("rollups", ["rollups", "--check", "--json"], {}),
        ("discover", ["discover", "--json"], {}),
        ("alerts", ["alerts", "--dry-run", "--json"], {}),  # JSON lines, one alert each; records nothing
        # offline: one link, through a proxy address nothing listens on (cached as an error, not enriched)
        ("resolve-links", ["resolve-links", "--limit", "1", "--proxy", "http://127.0.0.1:9", "--timeout", "0.5",
                           "--no-enrich", "--json"], {}),
    ]
    for action in ("repost", "hashtag", "link", "post"):
        calls.append(("coordination", ["coordination", action, "--window", "86400", "--min-count", "1", "--json"], {}))
    return calls


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> Path:
    """The demo store, enriched (so that report does not enrich again): a copy of the one built once
    per run (tests/conftest.py); ``demo --json`` through the CLI is tests/cli/test_cli.py's."""
    db = tmp_path_factory.mktemp("json") / "demo.duckdb"
    shutil.copyfile(enriched_demo_template, db)
    return db


def test_every_json_command_is_exercised(tmp_path: Path) -> None:
    covered = {name for name, _, _ in json_calls(tmp_path)} | {"demo"}  # demo --json: test_cli.py
    assert json_commands() == covered


JSON_LINES = {"alerts"}  # commands whose --json prints one JSON object a line (a stream of alerts)


def call_json(db: Path, args: list[str], env: dict, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """``diplotrack --db DB ARGS`` in-process through main() (what the script runs): its parsed stdout
    (a list of the lines' objects for a JSON-lines command)."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys, "argv", ["diplotrack", "--db", str(db), *args])
    common.STATE.db, common.STATE.debug = None, False
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    assert done.value.code == 0, (args, err)
    assert "Traceback" not in err, args
    try:
        if args[0] in JSON_LINES:
            return [json.loads(line) for line in out.splitlines()]
        return json.loads(out)
    except json.JSONDecodeError as exc:
        pytest.fail(f"{' '.join(args)} printed no JSON ({exc}): {out[:200]!r}")


CALL_IDS = [" ".join(args[:2]) for _, args, _ in json_calls(Path("."))]


@pytest.mark.parametrize("index", range(len(CALL_IDS)), ids=CALL_IDS)
def test_json_output_parses(index: int, demo_db: Path, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    name, args, env = json_calls(tmp_path)[index]
    db = demo_db
    if name in ("roster import", "import"):  # these write: on a copy, the other tests read the demo as built
        db = tmp_path / "copy.duckdb"
        shutil.copyfile(demo_db, db)
    result = call_json(db, args, env, monkeypatch, capsys)
    if name == "coordination" and args[1] in ("hashtag", "post"):
        # on the demo store within a day: clusters and pairs, with their evidence as lists of dicts
        assert result["clusters"] and result["pairs"]
        assert all(isinstance(c["members"], list) and isinstance(c["member_ids"], list) for c in result["clusters"])
        pair = result["pairs"][0]
        assert isinstance(pair["evidence"], list) and pair["evidence"]
        assert set(pair["evidence"][0]) == {"item", "post_a", "post_b", "lag_s"}
        assert len(pair["evidence"]) <= pair["events"]
    elif name == "enrich":  # the store is enriched: every post counted, none to do again
        assert result["posts_total"] > 10_000 and result["posts_enriched"] == 0
    elif name == "report":
        assert result["accounts_total"] == 85  # the bundled roster: 81 accounts on X + 4 on the ministry's podium (mfa)
    elif name == "collect":
        assert result["dry_run"] is True
    elif name == "alerts":  # the demo's real changes (a suspension in the roster's snapshots among them)
        assert any(a["rule"] == "account_status" for a in result) and all(a["alert_id"] and a["title"] for a in result)
    elif name == "discover":
        assert result and all(0 <= c["score"] <= 1 and c["evidence"] for c in result)
