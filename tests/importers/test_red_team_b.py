"""Red-team findings on issue 12 (hardening), part B: a file name that is not UTF-8, a NUL byte in
a CSV value, a count too large for a double (``1e400``), skip reasons quoting huge values, and a
device or FIFO named on the command line. Each costs at most its own line, row or tweet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diplotrack.importers.run import import_paths

TWARC = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2"
GOOD = (TWARC / "two_tweets.jsonl").read_bytes().splitlines()[0]  # a real page, all ASCII
OTHER = (TWARC / "media_tweet.jsonl").read_bytes().splitlines()[0]
RTWEET = b"created_at,full_text,retweet_count,favorite_count,screen_name\n"
FOLLOWS = b"follower,followed,platform,observed_at\n"
BAD_NAME = os.fsdecode(b"b\xff.jsonl")  # a file name that is not UTF-8 (Linux allows any bytes)


def post_ids(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()}


def page_ids(line: bytes) -> set[str]:
    page = json.loads(line)
    data = page.get("data")
    data = [data] if isinstance(data, dict) else data or []
    return {t["id"] for t in data + (page.get("includes") or {}).get("tweets", []) if "username" not in t}


# -- 1. a file name that is not UTF-8 ------------------------------------------------------------


def test_stored_path_escapes_bytes_that_are_not_utf8():
    from diplotrack.importers.base import stored_path

    assert stored_path(Path("/d") / BAD_NAME) == "/d/b\\xff.jsonl"
    assert stored_path("/d/été.jsonl") == "/d/été.jsonl"  # valid UTF-8 unchanged
    assert stored_path(stored_path(Path(BAD_NAME))) == "b\\xff.jsonl"  # idempotent


@pytest.fixture
def mixed_names(tmp_path) -> Path:
    folder = tmp_path / "mix"
    folder.mkdir()
    (folder / "good.jsonl").write_bytes(GOOD + b"\n")
    (folder / BAD_NAME).write_bytes(OTHER + b"\n{not json\n")
    return folder


def test_a_file_name_that_is_not_utf8_is_imported_under_an_escaped_name(con, mixed_names):
    report = import_paths(con, [mixed_names])
    escaped = str(mixed_names / "b\\xff.jsonl")
    assert page_ids(GOOD) | page_ids(OTHER) <= post_ids(con)  # nothing lost, good file included
    assert escaped in report.files and escaped in report.formats
    [(files,)] = con.execute("SELECT files FROM runs WHERE run_id = ?", [report.run_id]).fetchall()
    assert escaped in files
    assert con.execute("SELECT count(*) FROM raw_payloads WHERE file = ?", [escaped]).fetchone()[0] == 1
    assert con.execute("SELECT file, line FROM run_skips").fetchall() == [(escaped, 2)]
    got = {r[0] for r in con.execute("SELECT provenance.file FROM posts").fetchall()}
    assert got == {str(mixed_names / "good.jsonl"), escaped}


def test_a_file_name_that_is_not_utf8_in_csv_and_named_on_the_command_line(con, tmp_path):
    path = tmp_path / os.fsdecode(b"t\xfe.csv")
    path.write_bytes(RTWEET + b"2022-01-01T00:00:00Z,ok,1,2,a\nnope,bad,1,2,a\n")
    report = import_paths(con, [path])
    escaped = str(tmp_path / "t\\xfe.csv")
    assert [str(s) for s in report.skipped] == [f"{escaped}:3: created_at 'nope' is not a date and time"]
    assert con.execute("SELECT provenance.file FROM posts").fetchall() == [(escaped,)]


def test_cli_imports_a_folder_with_a_file_name_that_is_not_utf8(tmp_path, mixed_names):
    res = subprocess.run(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(tmp_path / "m.duckdb"), "import", str(mixed_names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 1, res.stderr  # 1: the bad line was skipped; not 70
    assert "b\\xff.jsonl:2:" in res.stderr
    assert "internal error" not in res.stderr


# -- 2. a NUL byte in a CSV value ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        RTWEET + b"2022-01-01T00:00:00Z,ok,1,2,a\n2022-01-02T00:00:00Z,b\x00ad,1,2,a\n2022-01-03,ok,1,2,a\n",
        RTWEET + b"2022-01-01T00:00:00Z,ok,1,2,a\n2022-01-02T00:00:00Z,bad,1,2,a\x00x\n2022-01-03,ok,1,2,a\n",
        FOLLOWS + b"a,b,x,2021-01-01\nA\x00x,d,x,\ne,f,x,\n",
    ],
    ids=["rtweet text", "rtweet screen_name", "follow edge"],
)
def test_a_nul_byte_in_a_csv_value_costs_its_row(con, tmp_path, data):
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    report = import_paths(con, [path])
    assert [(s.file, s.line) for s in report.skipped] == [(str(path), 3)]
    assert "NUL" in report.skipped[0].reason
    stored = con.execute(
        "SELECT text || author_handle FROM posts UNION ALL SELECT follower_handle FROM follow_edges"
    ).fetchall()
    assert len(stored) == 2 and not any("\x00" in r[0] for r in stored)


def test_other_control_characters_in_csv_are_kept(con, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(RTWEET + b"2022-01-01T00:00:00Z,a\x01b\x1b[31mc,1,2,a\n")
    report = import_paths(con, [path])
    assert report.skipped == []
    assert con.execute("SELECT text FROM posts").fetchone()[0] == "a\x01b\x1b[31mc"
