"""Bad input (issue §6): every problem is a skip naming file, line and reason; the rest is imported;
the CLI exits 1 when anything was skipped, 0 when clean, 2 when nothing could be read or on misuse."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import cli_inprocess
from diplotrack.importers.run import import_paths
from diplotrack.store.raw import load_raw

BOM = b"\xef\xbb\xbf"


def jsonl_lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def ids_in_page(line: bytes) -> set[str]:
    page = json.loads(line)
    data = page.get("data")
    data = [data] if isinstance(data, dict) else data or []
    tweets = [t for t in data if "username" not in t] + (page.get("includes") or {}).get("tweets", [])
    return {t["id"] for t in tweets}


def post_ids(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()}


def one_skip(report, path: Path, line: int | None) -> str:
    skips = [(s.file, s.line) for s in report.skipped]
    assert skips == [(str(path), line)], report.skipped
    reason = report.skipped[0].reason
    assert reason.strip()
    return reason


@pytest.fixture(scope="module")
def good(twarc_dir) -> bytes:
    """A real, small, valid page line."""
    return jsonl_lines(twarc_dir / "two_tweets.jsonl")[0]


def test_truncated_line_inside_a_good_file(con, tmp_path, twarc_dir, good):
    stream = (twarc_dir / "streaming_output_with_error.jsonl").read_bytes().split(b"\n")
    assert len(stream) == 8 and not stream[7].endswith(b"}")  # the real cut-off line 8
    path = tmp_path / "stream.jsonl"
    path.write_bytes(b"\n".join(stream) + b"\n" + good + b"\n")
    report = import_paths(con, [path])
    reason = one_skip(report, path, 8)
    assert "truncated" in reason
    want = set().union(*(ids_in_page(x) for x in stream[:7] if x.strip()), ids_in_page(good))
    assert post_ids(con) == want
    stored = con.execute("SELECT file, line FROM run_skips WHERE run_id = ?", [report.run_id]).fetchall()
    assert stored == [(str(path), 8)]


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (b'{"data": [{"id": "1",, "text": "x"}]}', "invalid JSON"),
        (b'{"data": [{"id": "1", "text": "x"}]} trailing', "JSON"),
        (b'{"hello": "world", "n": 1}', "not an X API v2"),
        (b"[1, 2, 3]", "not an X API v2"),
        (b'"just a string"', "not an X API v2"),
        (b"\x00\x01\x02\xff\xfe binary \x00", "binary"),
    ],
)
def test_bad_json_line_is_skipped_and_the_rest_imported(con, tmp_path, good, twarc_dir, bad, words):
    other = jsonl_lines(twarc_dir / "media_tweet.jsonl")[0]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n" + other + b"\n")
    report = import_paths(con, [path])
    reason = one_skip(report, path, 2)
    assert words.lower() in reason.lower(), reason
    assert post_ids(con) == ids_in_page(good) | ids_in_page(other)


def test_unparseable_date_in_json(con, tmp_path, good):
    page = json.loads(good)
    page["data"][0]["created_at"] = "the day before yesterday"
    path = tmp_path / "baddate.jsonl"
    path.write_bytes(good + b"\n" + json.dumps(page).encode() + b"\n")
    report = import_paths(con, [path])
    reason = one_skip(report, path, 2)
    assert "the day before yesterday" in reason
    # the bad tweet is left out; its line's other objects and the good line are in
    assert page["data"][0]["id"] in post_ids(con)  # from line 1, where its date was fine
    assert post_ids(con) == ids_in_page(good)


def test_unparseable_date_in_csv(con, tmp_path, demo_dir):
    with open(demo_dir / "zlj517.csv", encoding="utf-8", newline="") as fh:
        real = [r for r in csv.reader(fh)]
    header, rows = real[0], [r for r in real[1:] if "\n" not in r[1]][:3]
    rows[1][0] = "not-a-date"
    path = tmp_path / "t.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    report = import_paths(con, [path])
    reason = one_skip(report, path, 3)
    assert "not-a-date" in reason and "created_at" in reason
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 2


def test_unparseable_date_in_chc_csv(con, tmp_path, demo_dir):
    text = (demo_dir / "chc-influencer-mentions-2019-2022.csv").read_text(encoding="utf-8")
    header = text.split("\n", 1)[0]
    path = tmp_path / "chc.csv"
    path.write_text(header + "\n2022-13-45,A,B,original,x,y,hello\n2022-01-02,A,B,original,x,y,hi\n")
    report = import_paths(con, [path])
    reason = one_skip(report, path, 2)
    assert "2022-13-45" in reason
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 1


def test_csv_lacking_required_columns(con, tmp_path):
    path = tmp_path / "nocols.csv"
    path.write_text("created_at,full_text,retweet_count\n2022-01-01T00:00:00Z,hello,1\n")
    report = import_paths(con, [path], fmt="rtweet-csv")
    reason = one_skip(report, path, 1)
    assert "screen_name" in reason
    # not forced: not recognised, still a skip naming the file
    report = import_paths(con, [path])
    assert [s.file for s in report.skipped] == [str(path)]
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_csv_row_with_wrong_field_count_and_binary_row(con, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"created_at,full_text,retweet_count,favorite_count,screen_name\n"
        b"2022-01-01T00:00:00Z,one,1,2,someone\n"
        b"2022-01-01T00:00:01Z,two,1\n"
        b"2022-01-01T00:00:02Z,\xff\xfe\x00bin,1,2,someone\n"
        b"2022-01-01T00:00:03Z,four,1,2,someone\n"
    )
    report = import_paths(con, [path])
    assert [(s.file, s.line) for s in report.skipped] == [(str(path), 3), (str(path), 4)]
    assert {r[0] for r in con.execute("SELECT text FROM posts").fetchall()} == {"one", "four"}


def test_empty_file(con, tmp_path, twarc_dir):
    report = import_paths(con, [twarc_dir / "empty.json"])
    assert [s.file for s in report.skipped] == [str(twarc_dir / "empty.json")]
    assert "empty" in report.skipped[0].reason
    assert report.nothing_read


def test_binary_junk_file(con, tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 64)
    report = import_paths(con, [path])
    assert [s.file for s in report.skipped] == [str(path)]
    assert "binary" in report.skipped[0].reason
    path2 = tmp_path / "junk.jsonl"  # binary after a JSON-looking start
    path2.write_bytes(b'{"data": \x00\x01\x02\xff\n')
    report = import_paths(con, [path2], fmt="x-v2")
    assert [(s.file, s.line) for s in report.skipped] == [(str(path2), 1)]


def test_utf8_bom_imports_fine(con, tmp_path, good, demo_dir):
    j = tmp_path / "bom.jsonl"
    j.write_bytes(BOM + good + b"\n")
    c = tmp_path / "bom.csv"
    c.write_bytes(BOM + (demo_dir / "zlj517.csv").read_bytes())
    report = import_paths(con, [j, c])
    assert report.skipped == []
    assert report.formats == {str(j): "x-v2", str(c): "rtweet-csv"}
    assert ids_in_page(good) <= post_ids(con)
    with open(demo_dir / "zlj517.csv", encoding="utf-8", newline="") as fh:
        n = len({(r["screen_name"], r["created_at"], r["full_text"]) for r in csv.DictReader(fh)})
    assert con.execute("SELECT count(*) FROM posts WHERE author_handle = 'zlj517'").fetchone()[0] == n
    # the raw payload of the JSON line is the line without the BOM
    raw_ids = [
        r[0] for r in con.execute("SELECT provenance.raw_id FROM posts WHERE provenance.file = ?", [str(j)]).fetchall()
    ]
    assert {load_raw(con, r) for r in raw_ids} == {good}


@pytest.mark.slow
def test_single_50mb_lines(con, tmp_path, good):
    huge_text = "A" * (50 * 2**20)
    page = json.loads(good)
    page["data"][0]["text"] = huge_text
    page["data"][0]["id"] = "777"
    valid_huge = json.dumps(page).encode()
    junk_huge = b'{"data": [{"id": "1", "text": "' + b"x" * (50 * 2**20)  # never closed
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b"\n".join([good, junk_huge, valid_huge, b'{"data": []}']) + b"\n")
    report = import_paths(con, [path])
    assert [(s.file, s.line) for s in report.skipped] == [(str(path), 2)]
    assert "truncated" in report.skipped[0].reason
    assert "777" in post_ids(con)
    assert con.execute("SELECT length(text) FROM posts WHERE post_id = '777'").fetchone()[0] == len(huge_text)
    assert ids_in_page(good) <= post_ids(con)


# -- the CLI, in-process through main() (tests/cli_inprocess.py) -------------------------------


def cli(db: Path, *args: str) -> tuple[int, dict | None, str]:
    res = cli_inprocess.cli("import", *args, "--json", db=db)
    try:
        out = json.loads(res.stdout)
    except json.JSONDecodeError:
        out = None
    return res.returncode, out, res.stderr


def test_cli_exit_codes_and_json(tmp_path, twarc_dir, good, demo_dir):
    db = tmp_path / "cli.duckdb"
    # clean: 0
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(good + b"\n")
    rc, out, err = cli(db, str(clean))
    assert rc == 0, err
    assert out["files"] == [str(clean)]
    assert out["posts_new"] == len(ids_in_page(good))
    assert out["skipped"] == []
    assert out["profiles"] == len(json.loads(good)["includes"]["users"])
    # everything bad at once, next to good input: 1, every skip listed with file and line
    mixed = tmp_path / "mixed.jsonl"
    other = jsonl_lines(twarc_dir / "media_tweet.jsonl")[0]
    mixed.write_bytes(other + b"\n{not json\n" + b'{"a": 1}\n')
    badcsv = tmp_path / "bad.csv"
    badcsv.write_text("created_at,full_text,retweet_count,favorite_count,screen_name\nnope,hi,1,2,x\n")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\xff" * 1000)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    rc, out, err = cli(db, str(mixed), str(badcsv), str(junk), str(empty), str(clean))
    assert rc == 1, err
    skipped = {(s["file"], s["line"]) for s in out["skipped"]}
    assert {(str(mixed), 2), (str(mixed), 3), (str(badcsv), 2)} <= skipped
    assert {s["file"] for s in out["skipped"]} == {str(mixed), str(badcsv), str(junk), str(empty)}
    assert all(s["reason"] for s in out["skipped"])
    assert out["posts_new"] == len(ids_in_page(other))
    assert (out["posts_updated"], out["profiles"]) == (0, 1)
    # nothing readable: 2
    rc, out, err = cli(db, str(empty), str(junk))
    assert rc == 2, err
    assert {s["file"] for s in out["skipped"]} == {str(empty), str(junk)}
    # usage errors: 2
    rc, out, err = cli(db, str(tmp_path / "no-such-file.jsonl"))
    assert rc == 2
    assert "no-such-file.jsonl" in err


def test_crlf_line_endings_import_like_lf(con, tmp_path, twarc_dir):
    lines = jsonl_lines(twarc_dir / "noflat.jsonl") + jsonl_lines(twarc_dir / "two_tweets.jsonl")
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(b"\r\n".join(lines) + b"\r\n")
    report = import_paths(con, [crlf])
    assert report.skipped == []
    assert post_ids(con) == set().union(*(ids_in_page(x) for x in lines))
    lf = tmp_path / "lf.jsonl"
    lf.write_bytes(b"\n".join(lines) + b"\n")
    again = import_paths(con, [lf])
    assert (again.posts_new, again.posts_updated, again.profiles) == (0, 0, 0)
