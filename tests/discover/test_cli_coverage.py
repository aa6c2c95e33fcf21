"""``diplotrack discover``'s figures come with their coverage: how many were shown of how many
qualified, which signals had any data, a platform the store holds nothing about, what ``--out``
wrote even under ``--json``; and ``--include-unknown-state`` writes the candidates whose state no
evidence names with an empty state, which ``roster validate`` then points at, row by row."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from tests.cli_inprocess import cli
from tests.discover.store_data import fill

from diplotrack.discover.roster_csv import FILL_IN_STATE


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):
    path = tmp_path_factory.mktemp("discover_cli") / "small.duckdb"
    con = new_store(path)
    fill(con)
    con.close()
    return path


@pytest.fixture
def db(store, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(store, path)
    return path


def test_shown_of_qualifying_and_the_signals_with_data(db):
    done = cli("discover", "--limit", "5", db=db)
    assert done.returncode == 0, done.stderr
    assert "5 shown of 12 candidate(s) at score 0.3 or more" in done.stdout
    coverage = " ".join(done.stdout.split())  # the line wraps on a narrow terminal
    assert "follows 6 from 4 roster actor(s) (1 among roster accounts)" in coverage
    assert "mentions 42 from 3 roster actor(s)" in coverage and "reposts 0" in coverage
    assert "profiles with a name, bio or location: 7; platform labels: 3" in coverage
    assert "links from roster accounts to other accounts: 3" in coverage
    every = cli("discover", "--limit", "0", db=db)
    assert "\n12 candidate(s) at score 0.3 or more" in every.stdout


def test_a_platform_without_data_is_named_and_json_keeps_the_summary_on_stderr(db, tmp_path):
    none = cli("discover", "--platform", "mastodon", db=db)
    assert none.returncode == 0
    assert "0 candidate(s) at score 0.3 or more: the store holds no data on mastodon" in " ".join(none.stdout.split())
    done = cli("discover", "--json", "--limit", "0", "--out", str(tmp_path / "p.csv"), db=db)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 12  # stdout is still the list of candidates
    err = " ".join(done.stderr.split())
    assert "12 candidate(s) at score 0.3 or more; 8 written to" in err
    assert "4 left out of the CSV (3: no evidence names the state" in err and "signals with data:" in err


def test_unknown_state_rows_are_written_empty_and_validate_points_at_each(db, tmp_path):
    out = tmp_path / "review.csv"
    done = cli("discover", "--limit", "0", "--out", str(out), "--include-unknown-state", db=db)
    assert done.returncode == 0, done.stderr
    assert "11 written to" in done.stdout and "3 of them with an empty state to fill in" in done.stdout
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    empty = {i + 2: r for i, r in enumerate(rows) if not r["state"]}  # the file's line: header is line 1
    assert {r["handle"] for r in empty.values()} == {"kenya.embassy.example", "LoudFan", "someone.bsky.social"}
    assert all(r["notes"].startswith(FILL_IN_STATE) and r["actor_id"] for r in empty.values())
    check = cli("roster", "validate", str(out))
    assert check.returncode == 2
    pointed = [line for line in (check.stdout + check.stderr).splitlines() if ": state: is required" in line]
    assert pointed == [f"{out}:{line}: state: is required" for line in sorted(empty)]
    refused = cli("discover", "--include-unknown-state", db=db)
    assert refused.returncode == 2 and "add --out" in refused.stderr
