"""An unknown --kind, --platform, --state or --host-country is refused (exit 2, one line, the valid
values and the closest one) by every command that takes it, before any analysis runs or any file is
written; valid values in any case still work."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_inprocess import cli
from diplotrack.analyses.selection import check_countries, check_kinds, check_platforms
from diplotrack.errors import UsageError
from diplotrack.roster import bundled_roster_path


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return cli(*args, db=db)  # in-process: nothing here is about a process


@pytest.fixture(scope="module")
def roster_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("filters") / "r.duckdb"
    proc = run(db, "roster", "import", str(bundled_roster_path()))
    assert proc.returncode == 0, proc.stderr
    return db


def assert_usage_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("command", "option", "value", "words"),
    [
        (["report"], "--kind", "embassyy", ["'embassy'", "consul_general"]),
        (["network", "repost"], "--kind", "ambasador", ["'ambassador'"]),
        (["report"], "--platform", "twitter", ["'x'", "bluesky"]),
        (["network", "mention"], "--platform", "mastodn", ["'mastodon'"]),
        (["coordination", "repost"], "--platform", "blusky", ["'bluesky'"]),
        (["report"], "--state", "CHN", ["'CN'", "ISO 3166", "the store holds: CN"]),
        (["network", "follow"], "--state", "XX", ["ISO 3166", "the store holds"]),
        (["report"], "--host-country", "Frnace", ["'FR'"]),
        (["network", "reply"], "--host-country", "ZZ", ["ISO 3166", "FR"]),
    ],
)
def test_unknown_filter_values_are_refused(
    roster_db: Path, tmp_path: Path, command: list[str], option: str, value: str, words: list[str]
) -> None:
    out = tmp_path / "out"
    proc = run(roster_db, *command, option, value, *(["--out", str(out)] if command[0] != "coordination" else []))
    assert_usage_error(proc, option, repr(value), *words)
    assert not out.exists()


def test_valid_values_in_any_case_still_work(roster_db: Path, tmp_path: Path) -> None:
    proc = run(
        roster_db,
        "network",
        "follow",
        "--kind",
        "Embassy,consulate",
        "--platform",
        "X",
        "--host-country",
        "fr",
        "--state",
        "cn",
        "--out",
        str(tmp_path / "f.csv"),
        "--format",
        "csv",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kind"] == "follow"


def test_the_checks_normalise_and_suggest() -> None:
    assert check_platforms(["X", "bluesky"]) == ("x", "bluesky")
    assert check_kinds(["Consul-General"]) == ("consul_general",)
    assert check_countries(["cn", "Fr"], field="state") == ("CN", "FR")
    with pytest.raises(UsageError, match="did you mean 'RU'"):
        check_countries(["Russia"], field="state")
    with pytest.raises(UsageError, match="use one of"):
        check_kinds(["zzzz"])
