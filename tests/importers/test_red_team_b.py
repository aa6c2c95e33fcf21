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


# -- 3. a count that is a float or too large for a double -------------------------------------------


def page_with_count(value: bytes, *, indent: int | None = None) -> tuple[bytes, str, str]:
    """A real page whose first tweet's retweet_count is ``value`` (raw JSON); returns the page and the
    ids of the tweet given the count and of another tweet."""
    page = json.loads(GOOD)
    tweets = page["data"] + page["includes"].get("tweets", [])
    assert len(tweets) >= 2
    tweets[0]["public_metrics"]["retweet_count"] = "@@"
    text = json.dumps(page, indent=indent).encode().replace(b'"@@"', value, 1)
    return text, tweets[0]["id"], tweets[1]["id"]


@pytest.mark.parametrize("value", [b"1e400", b"-1e400", b"1e20", b"2.5"])
@pytest.mark.parametrize("shape", ["jsonl", "pretty"])
def test_a_count_not_a_whole_number_in_range_costs_only_its_tweet(con, tmp_path, value, shape):
    text, bad_id, good_id = page_with_count(value, indent=2 if shape == "pretty" else None)
    path = tmp_path / "page.json"
    path.write_bytes(text + b"\n")
    report = import_paths(con, [path])
    assert len(report.skipped) == 1, report.skipped
    reason = report.skipped[0].reason
    assert "retweet_count" in reason and "not a whole number in range" in reason, reason
    ids = post_ids(con)
    assert bad_id not in ids and good_id in ids
    users = len(json.loads(GOOD)["includes"]["users"])
    assert con.execute("SELECT count(*) FROM profile_snapshots").fetchone()[0] == users


def test_a_whole_count_written_as_a_float_is_kept(con, tmp_path):
    text, bad_id, _ = page_with_count(b"5.0")
    path = tmp_path / "page.jsonl"
    path.write_bytes(text + b"\n")
    assert import_paths(con, [path]).skipped == []
    assert con.execute("SELECT repost_count FROM posts WHERE post_id = ?", [bad_id]).fetchone()[0] == 5


def test_infinity_in_a_line_that_is_broken_anyway_is_one_skip(con, tmp_path):
    path = tmp_path / "page.jsonl"
    path.write_bytes(b'{"data": [{"id": "1", "text": "x", "public_metrics": {"like_count": 1e400}}\n' + OTHER + b"\n")
    report = import_paths(con, [path])
    assert [(s.line) for s in report.skipped] == [1]
    assert "JSON" in report.skipped[0].reason
    assert page_ids(OTHER) <= post_ids(con)


def test_infinity_in_a_truncated_pretty_printed_document_names_the_last_line(con, tmp_path):
    text, _, _ = page_with_count(b"1e400", indent=2)
    path = tmp_path / "page.json"
    path.write_bytes(text[:-40])
    report = import_paths(con, [path])
    assert [s.line for s in report.skipped] == [text[:-40].count(b"\n") + 1]
    assert report.skipped[0].reason.startswith("truncated JSON")


# -- 4. skip reasons quote at most 80 characters of a value ----------------------------------------


def test_a_huge_bad_value_is_cut_in_the_reason(con, tmp_path):
    huge = "9" * 24_000
    path = tmp_path / "rows.csv"
    path.write_bytes(RTWEET + f"{huge},ok,1,2,a\n".encode())
    page = json.loads(GOOD)
    page["data"][0]["created_at"] = huge
    jsonl = tmp_path / "page.jsonl"
    jsonl.write_bytes(json.dumps(page).encode() + b"\n")
    report = import_paths(con, [path, jsonl])
    assert len(report.skipped) == 2
    for s in report.skipped:
        assert len(s.reason) < 200, s.reason
        assert "'" + "9" * 79 + "…" in s.reason


# -- 5. a device or a FIFO ---------------------------------------------------------------------------


def test_a_device_or_fifo_is_not_a_regular_file(con, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    good = tmp_path / "good.jsonl"
    good.write_bytes(GOOD + b"\n")
    report = import_paths(con, ["/dev/zero", fifo, good])
    reasons = {s.file: s.reason for s in report.skipped}
    assert reasons == {
        "/dev/zero": "not a regular file (a device, FIFO or socket)",
        str(fifo): "not a regular file (a device, FIFO or socket)",
    }
    assert page_ids(GOOD) <= post_ids(con)


# -- the worker-process path: the same names and skips -----------------------------------------------


def test_worker_processes_read_a_file_name_that_is_not_utf8(tmp_path, new_store, monkeypatch):
    from diplotrack.importers import chunks

    text, bad_id, good_id = page_with_count(b"1e400")
    path = tmp_path / BAD_NAME
    path.write_bytes(b"\n".join([OTHER, text]) + b"\n")  # GOOD holds the tweet again: left out
    monkeypatch.setenv("DIPLOTRACK_WORKERS", "1")
    monkeypatch.setattr(chunks, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 4096)  # several chunks, mapped in a worker
    con = new_store(tmp_path / "w.duckdb")
    try:
        report = import_paths(con, [path])
        escaped = str(tmp_path / "b\\xff.jsonl")
        assert [(s.file, s.line) for s in report.skipped] == [(escaped, 2)]
        assert good_id in post_ids(con) and bad_id not in post_ids(con)
        assert page_ids(OTHER) <= post_ids(con)
        assert {r[0] for r in con.execute("SELECT DISTINCT file FROM raw_payloads").fetchall()} == {escaped}
    finally:
        con.close()
