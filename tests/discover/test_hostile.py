"""Discovery against hostile stores, files and options, and the state rule: a state is only what the
evidence says the account speaks for (the small store of ``store_data.py`` plus built rows here:
terminal escapes, bidi overrides, line breaks, formulas, a 1 MB bio, a rename, a foreign ambassador
accredited to the roster's state)."""

from __future__ import annotations

import csv
import json
import shutil
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from tests.cli_inprocess import cli
from tests.discover.store_data import T0, _entity, _post, _snapshot, fill

from diplotrack.discover.patterns import host_country, load_patterns, parse_patterns
from diplotrack.discover.roster_csv import FORMULA_HANDLE, NO_STATE, write_roster_csv
from diplotrack.discover.score import discover
from diplotrack.errors import UsageError
from diplotrack.roster import import_roster, load_roster
from diplotrack.roster.model import KINDS

ESC = "\x1b[31mred\x1b]8;;http://evil.invalid\x07link\x1b]8;;\x07"
PROFILES = {  # user id: (handle, display name, bio)
    "400": ("EscName", f"Chinese Embassy in Peru {ESC}", None),
    "401": ("RtlName", "Chinese Embassy in Chile \u202egnp.exe", None),
    "402": ("BreakName", "Chinese Embassy in Kenya\r\n=cmd|' /C calc'!A0", None),
    "403": ("=cmd|'/Ccalc'!A0", "Chinese Embassy in Ghana", None),
    "404": ("PlusBio", "@SUM(1+1)", "-2+3 Chinese Embassy in France " + "to x " * 200_000),  # 1 MB
    "407": ("UsAmbassador", "Ambassador of the United States to China", None),
    # one per kind the patterns give (kinds that need a host name one)
    "410": ("CnConsulSyd", "Consulate General of the People's Republic of China in Sydney", None),
    "411": ("CnMissionVie", "Permanent Mission of China in Vienna", None),
    "412": ("CnAmbFr", "Chinese Ambassador to France", None),
    "413": ("CnCgOsaka", "Chinese Consul General in Osaka", None),
    "414": ("CnDiplomat", "Chinese diplomat, views my own", None),
    "415": ("CnSpox", "外交部发言人", None),
    "416": ("CnMinistry", "Chinese Foreign Ministry", None),
    "417": ("CnMedia", "Chinese state media", None),
    "418": ("CnEmbNoHost", "Chinese Embassy", None),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    con = new_store(path)
    fill(con)
    for uid, (handle, name, bio) in PROFILES.items():
        _snapshot(con, "x", uid, handle, display_name=name, description=bio)
    # two roster ambassadors (their handles make 'amb' a pattern of the roster), and a roster journalist
    # (kind state_media_journalist) whose profile links her Telegram channel
    for actor, kind, host, handle, uid in (
        ("cn-amb-ke", "ambassador", "KE", "ChinaAmbKenya", "110"),
        ("cn-amb-pe", "ambassador", "PE", "ChinaAmbPeru", "111"),
        ("cn-media-j", "state_media_journalist", None, "JournoCN", "120"),
    ):
        con.execute(
            "INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at) "
            "VALUES (?, ?, ?, false, 'CN', ?, ?)",
            [actor, f"Actor {actor}", kind, host, T0],
        )
        con.execute(
            "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, updated_at) "
            "VALUES ('x', ?, ?, ?, ?, ?)",
            [handle, uid, uid, actor, T0],
        )
    _snapshot(con, "x", "120", "JournoCN", url="https://t.me/JournoCN_channel")
    # a foreign ambassador TO China: followed and mentioned by three Chinese roster actors
    for follower in ("100", "101", "102"):
        con.execute(
            "INSERT INTO follow_edges (platform, follower_id, followed_id, followed_handle, observed_at) "
            "VALUES ('x', ?, '700', 'USAmbChina', ?)",
            [follower, T0],
        )
    con.execute(  # a user id that a spreadsheet would read as a formula
        "INSERT INTO follow_edges (platform, follower_id, followed_id, followed_handle, observed_at) "
        "VALUES ('x', '100', '-100123', 'ChinaEmbLima', ?)",
        [T0],
    )
    # a rename: id 600 was OldEmbName when a roster account mentioned it, NewEmbName now
    _snapshot(con, "x", "600", "OldEmbName", display_name="Chinese Embassy in Laos")
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, display_name, status) "
        "VALUES ('x', '600', ?, 'NewEmbName', 'Chinese Embassy in Laos', 'active')",
        [datetime(2026, 11, 5)],
    )
    _post(con, "r1", "100", "ChinaEmbEsp")
    _entity(con, "r1", "mention", "OldEmbName")
    # a roster account (ChinaEmbOttawa, id 101) renamed: mentioned under its new handle
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, status) "
        "VALUES ('x', '101', ?, 'ChinaEmbCanada2', 'active')",
        [datetime(2026, 11, 6)],
    )
    _entity(con, "r1", "mention", "ChinaEmbCanada2")
    con.close()
    return path


@pytest.fixture(scope="module")
def found(store):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {(c.handle or c.user_id): c for c in discover(con)}
    finally:
        con.close()


def test_state_comes_only_from_evidence_that_names_the_sending_state(found):
    us = found["USAmbChina"]  # followed by three Chinese embassies: not Chinese for that
    assert (us.kind, us.state, us.host_country) == ("ambassador", None, "CN") and len(us.relations) == 3
    assert found["ChinaEmbAddis"].state == "CN"  # the handle begins with the state and says a kind
    assert found["LoudFan"].state is None  # only pointed at
    profile = found["UsAmbassador"]  # "Ambassador of the United States to China"
    assert (profile.state, profile.host_country) == ("US", "CN")
    assert profile.components["profile"] < 0.5  # "to China" names the host: a kind term alone


def test_a_renamed_account_is_one_candidate_and_a_renamed_roster_account_none(found):
    renamed = found["NewEmbName"]
    assert renamed.user_id == "600" and renamed.other_handles == ["OldEmbName"] and renamed.relations
    assert "OldEmbName" not in found and "ChinaEmbCanada2" not in found


def test_hostile_text_is_cleaned_bounded_or_left_out_of_the_csv(store, found, tmp_path):
    con = duckdb.connect(str(store), read_only=True)
    try:
        candidates = discover(con)
        written = write_roster_csv(con, candidates, tmp_path / "p.csv", date(2026, 12, 6))
    finally:
        con.close()
    with open(tmp_path / "p.csv", encoding="utf-8", newline="") as f:
        rows = {r["handle"]: r for r in csv.DictReader(f)}
    for row in rows.values():
        for column, cell in row.items():
            assert cell.isprintable(), (column, cell)  # no escape, control, bidi override or line break
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or column in ("actor_id", "handle")
    assert rows["EscName"]["name"] == "Chinese Embassy in Peru redlink"
    assert rows["BreakName"]["name"] == "Chinese Embassy in Kenya =cmd|' /C calc'!A0"
    assert rows["PlusBio"]["name"] == "'@SUM(1+1)" and rows["PlusBio"]["host_country"] == "FR"
    assert rows["ChinaEmbLima"]["user_id"] == "" and "user id -100123 left out" in rows["ChinaEmbLima"]["notes"]
    assert ("x:=cmd|'/Ccalc'!A0", FORMULA_HANDLE) in written.skipped
    assert ("x:USAmbChina", NO_STATE) in written.skipped
    assert len(json.dumps(found["PlusBio"].as_json(), default=str)) < 5_000  # the 1 MB bio is not copied


def test_a_huge_bio_is_read_in_bounded_time():
    started = time.perf_counter()
    assert host_country("Chinese Embassy " + "to x " * 200_000) is None  # was quadratic: minutes
    assert time.perf_counter() - started < 0.5


def test_every_kind_round_trips_through_roster_import_and_again_changes_nothing(store, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(store, db)
    con = duckdb.connect(str(db))
    try:
        write_roster_csv(con, discover(con), tmp_path / "p.csv", date(2026, 12, 6))
        roster, problems = load_roster(tmp_path / "p.csv")
        assert problems == [] and roster is not None
        assert {a.kind for a in roster.actors} == set(KINDS)
        first = import_roster(con, roster)
        again = import_roster(con, load_roster(tmp_path / "p.csv")[0])
    finally:
        con.close()
    assert first.accounts_new == sum(len(a.accounts) for a in roster.actors) - 0
    assert (again.actors_new, again.actors_updated, again.accounts_new, again.accounts_updated) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kinds:\n  embassy: [a, b\n", "p.yaml:3: yaml: not valid YAML"),
        ("a: &a [x, x]\nb: &b [*a, *a]\nkinds:\n  embassy: *b\n", "p.yaml:2: yaml: '*a' is an alias"),
        (
            "kinds:\n  embassy: [embassy]\nstatse: {}\n",
            "p.yaml:3: 'statse' is not a key of the top level (did you mean states?)",
        ),
        ("kinds:\n  embassy: embassy\n", "p.yaml:2: kinds.embassy must be a list of terms"),
        ("kinds:\n  embassi: [x]\n", "p.yaml:2: 'embassi' is not a roster kind (did you mean embassy?)"),
        ("kinds: {}\nstates:\n  China: {names: [china]}\n", "p.yaml:3: the state 'China' is not an ISO 3166-1"),
        (
            "kinds: {}\nstates:\n  CN: {name: [china]}\n",
            "p.yaml:3: 'name' is not a key of states.CN (did you mean names?)",
        ),
        ("kinds: {}\nstates:\n  CN: {phrases: [{txt: x}]}\n", "p.yaml:3: 'txt' is not a key of a phrase"),
    ],
)
def test_a_bad_patterns_file_is_one_sentence_with_its_line(text, message):
    with pytest.raises(UsageError) as caught:
        parse_patterns(text, "p.yaml")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_patterns_are_literal_text_and_scalars_stay_as_written():
    p = parse_patterns("kinds:\n  embassy: ['(a+)+$']\nstates:\n  NO: {names: [norge]}\n", "p.yaml")
    assert p.state_names[0].state == "NO"  # Norway, not false
    started = time.perf_counter()
    assert p.match("a" * 5_000 + "!") == [] and p.match("x (a+)+$ y")[0].kind == "embassy"
    assert time.perf_counter() - started < 0.1
    assert load_patterns().kind_terms  # the bundled file passes the strict reader


def test_outputs_are_checked_before_the_work_and_never_half_written(store, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(store, db)
    (tmp_path / "taken.csv").write_text("mine\n")
    (tmp_path / "folder.csv").mkdir()
    cases = [
        (["--out", str(tmp_path / "taken.csv")], "already exists"),
        (["--out", str(tmp_path / "folder.csv")], "is a folder"),
        (["--out", str(tmp_path / "none" / "p.csv")], "does not exist; create it first"),
        (["--out", str(tmp_path / "p.csv"), "--evidence", str(tmp_path / "p.csv")], "name the same file"),
        (["--out", str(tmp_path / "p.csv"), "--evidence", str(tmp_path / "none" / "e.jsonl")], "does not exist"),
    ]
    for args, message in cases:
        done = cli("discover", *args, db=db)
        assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert (tmp_path / "taken.csv").read_text() == "mine\n" and not (tmp_path / "p.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.duckdb", "folder.csv", "taken.csv"]
    done = cli("discover", "--out", str(tmp_path / "p.csv"), "--evidence", str(tmp_path / "e.jsonl"), db=db)
    assert done.returncode == 0 and "left out of the CSV (" in done.stdout
    lines = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines and all("\u202e" not in line and "\x1b" not in line for line in lines)
    assert cli("discover", "--min-score", "nan", db=db).returncode == 2


def test_a_store_without_a_roster_says_what_to_do(tmp_path, new_store):
    new_store(tmp_path / "empty.duckdb").close()
    done = cli("discover", db=tmp_path / "empty.duckdb")
    assert done.returncode == 0 and "import one first" in done.stdout
