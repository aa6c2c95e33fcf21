"""Hostile input (issue 12): a bad byte, a nesting bomb, a number or date out of range, JSON of no
known format. Each costs only its own line or row (``FILE:LINE: reason``), never the import, never
another file given on the same command line; the worker-process path behaves like the in-process one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diplotrack.importers import chunks
from diplotrack.importers.run import import_paths

TWARC = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2"
TWEEPY = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "tweepy"
IO_ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "io-archive"
GOOD = (TWARC / "two_tweets.jsonl").read_bytes().splitlines()[0]  # a real page, all ASCII
OTHER = (TWARC / "media_tweet.jsonl").read_bytes().splitlines()[0]
FLAT = (TWARC / "flat.jsonl").read_bytes().splitlines()[2]
DEEP = 10_000

RTWEET = b"created_at,full_text,retweet_count,favorite_count,screen_name\n"
CHC = b"created_at,mentionee,mentioner,retweet,category,category_mentionee,text\n"
FOLLOWS = b"follower,followed,platform,observed_at\n"


def page_ids(line: bytes) -> set[str]:
    page = json.loads(line)
    data = page.get("data")
    data = [data] if isinstance(data, dict) else data or []
    return {t["id"] for t in data + (page.get("includes") or {}).get("tweets", []) if "username" not in t}


def with_field(line: bytes, value: bytes, where: str = "data0") -> bytes:
    """The page with ``"zz": <value>`` spliced (as raw bytes) into its first tweet or at the top."""
    page = json.loads(line)
    if where == "data0":
        page["data"][0]["zz"] = "@@"
    else:
        page["zz"] = "@@"
    return json.dumps(page).encode().replace(b'"@@"', value, 1)


def deep(n: int = DEEP) -> bytes:
    return b'{"a": ' * n + b"1" + b"}" * n


def skips(report) -> list[tuple[str, int | None]]:
    return sorted(((s.file, s.line) for s in report.skipped), key=lambda x: (x[0], x[1] or 0))


def raw_lines(con, path: Path) -> set[int]:
    return {r[0] for r in con.execute("SELECT line FROM raw_payloads WHERE file = ?", [str(path)]).fetchall()}


def post_ids(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()}


@pytest.fixture
def clean_file(tmp_path) -> Path:
    """A second, clean file given on the same command line: it must always be imported."""
    p = tmp_path / "clean.jsonl"
    p.write_bytes(OTHER + b"\n")
    return p


# -- bad bytes, every format --------------------------------------------------------------------

BAD_BYTE_JSONL = {
    "in a tweet's text": GOOD.replace(b'"text": "RT @', b'"text": "RT \xff@', 1),
    "in a field the mapping ignores": with_field(GOOD, b'"\xc3\x28"'),
    "in an errors entry": with_field(GOOD, b'[{"detail": "\xfe"}]', "top").replace(b'"zz"', b'"errors"', 1),
    "in a flattened tweet": FLAT.replace(b'"text": "', b'"text": "\xed\xa0\x80', 1),  # an encoded surrogate
    "cut inside a character": json.dumps(json.loads(GOOD) | {"zz": "é"}, ensure_ascii=False).encode()[:-3],
}


@pytest.mark.parametrize("bad", BAD_BYTE_JSONL.values(), ids=BAD_BYTE_JSONL.keys())
def test_bad_byte_in_jsonl_costs_only_its_line(con, tmp_path, clean_file, bad):
    path = tmp_path / "pages.jsonl"
    path.write_bytes(GOOD + b"\n" + bad + b"\n" + FLAT + b"\n")
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), 2)], report.skipped
    assert "UTF-8" in report.skipped[0].reason
    assert raw_lines(con, path) == {1, 3}
    assert page_ids(OTHER) <= post_ids(con) and page_ids(GOOD) <= post_ids(con)


def pretty(obj) -> bytes:
    return json.dumps(obj, indent=1).encode()


@pytest.mark.parametrize("name", ["page", "exchanges"])
def test_bad_byte_in_a_pretty_printed_document_names_its_line(con, tmp_path, clean_file, name):
    doc = json.loads(GOOD) if name == "page" else json.loads((TWEEPY / "test_client_get_tweet.json").read_bytes())
    lines = pretty(doc).split(b"\n")
    i = next(n for n, x in enumerate(lines) if b'"text"' in x)
    lines[i] = lines[i].replace(b'"text": "', b'"text": "\x80', 1)
    path = tmp_path / "doc.json"
    path.write_bytes(b"\n".join(lines))
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), i + 1)], report.skipped
    assert "UTF-8" in report.skipped[0].reason
    assert page_ids(OTHER) <= post_ids(con)


def csv_case(name: str) -> tuple[bytes, int]:
    """A real-shaped CSV of each format with a bad byte in one row; returns (bytes, that row's line)."""
    if name == "rtweet-csv":
        return RTWEET + b"2022-01-01T00:00:00Z,ok,1,2,a\n2022-01-02T00:00:00Z,b\xffad,1,2,a\n2022-01-03,ok,1,2,a\n", 3
    if name == "chc-mentions":
        rows = b"2022-01-01,A,B,original,x,y,ok\n2022-01-02,A\xc0,B,original,x,y,hi\n2022-01-03,A,B,quoted,x,y,z\n"
        return CHC + rows, 3
    if name == "follow-edges":
        return FOLLOWS + b"a,b,x,2021-01-01\nc,d\xfe,x,\ne,f,x,\n", 3
    lines = (IO_ARCHIVE / f"from-docs-{name.split('-')[-1]}.csv").read_bytes().split(b"\n")
    lines.insert(2, lines[1].replace(b",", b"\xff,", 1))
    return b"\n".join(lines), 3


CSV_FORMATS = ["rtweet-csv", "chc-mentions", "follow-edges", "io-archive-tweets", "io-archive-users"]


@pytest.mark.parametrize("name", CSV_FORMATS)
def test_bad_byte_in_csv_costs_only_its_row(con, tmp_path, clean_file, name):
    data, bad_line = csv_case(name)
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), bad_line)], report.skipped
    assert "UTF-8" in report.skipped[0].reason
    assert raw_lines(con, path) and bad_line not in raw_lines(con, path)
    assert page_ids(OTHER) <= post_ids(con)


# -- nesting bombs -------------------------------------------------------------------------------

DEEP_LINES = {
    "in a field the mapping ignores": with_field(GOOD, deep()),
    "as a chain of referenced tweets": with_field(
        GOOD, b'[{"type": "quoted", "id": "1", "referenced_tweets": ' * DEEP + b"[]" + b"}]" * DEEP
    ).replace(b'"zz"', b'"referenced_tweets"', 1),
    "in an errors entry (400 levels)": with_field(GOOD, b"[" + deep(400) + b"]", "top").replace(
        b'"zz"', b'"errors"', 1
    ),
    "in a line the typed decoder rejects": with_field(
        with_field(GOOD, b'"not a list"').replace(b'"zz"', b'"referenced_tweets"', 1), deep(900), "top"
    ),
}


@pytest.mark.parametrize("bad", DEEP_LINES.values(), ids=DEEP_LINES.keys())
def test_deep_nesting_costs_only_its_line(con, tmp_path, clean_file, bad):
    path = tmp_path / "pages.jsonl"
    path.write_bytes(GOOD + b"\n" + bad + b"\n" + FLAT + b"\n")
    report = import_paths(con, [path, clean_file])
    assert {s.file for s in report.skipped} == {str(path)}
    assert {s.line for s in report.skipped} == {2}, report.skipped
    assert all(s.reason for s in report.skipped)
    assert {1, 3} <= raw_lines(con, path)
    assert page_ids(OTHER) <= post_ids(con) and page_ids(GOOD) <= post_ids(con)


def test_deep_pretty_printed_document(con, tmp_path, clean_file):
    path = tmp_path / "deep.json"
    path.write_bytes(b'{\n "data": [{"id": "1", "text": "x", "zz":\n' + deep() + b"}]\n}\n")
    report = import_paths(con, [path, clean_file], fmt="x-v2")
    assert [s.file for s in report.skipped] == [str(path)]
    assert report.skipped[0].line in (1, 2, 3), report.skipped
    assert "deep" in report.skipped[0].reason
    assert page_ids(OTHER) <= post_ids(con)


# -- numbers and dates out of range --------------------------------------------------------------


def x_page_with(path_in_page: tuple, value) -> bytes:
    page = json.loads(GOOD)
    parent = page
    for part in path_in_page[:-1]:
        parent = parent[part]
    parent[path_in_page[-1]] = value
    return json.dumps(page).encode()


OUT_OF_RANGE_X = {
    "like_count 2**63": (("data", 0, "public_metrics", "like_count"), 2**63),
    "followers 10**30": (("includes", "users", 0, "public_metrics", "followers_count"), 10**30),
    "negative count -2**70": (("data", 0, "public_metrics", "retweet_count"), -(2**70)),
    "created_at past year 9999 in UTC": (("data", 0, "created_at"), "9999-12-31T23:59:59-05:00"),
    "created_at before year 1 in UTC": (("includes", "users", 0, "created_at"), "0001-01-01T00:00:00+05:00"),
}


@pytest.mark.parametrize("where", OUT_OF_RANGE_X.values(), ids=OUT_OF_RANGE_X.keys())
def test_out_of_range_values_in_x_pages(con, tmp_path, clean_file, where):
    path = tmp_path / "pages.jsonl"
    path.write_bytes(OTHER + b"\n" + x_page_with(*where) + b"\n")
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), 2)], report.skipped
    assert "not imported" in report.skipped[0].reason
    assert page_ids(OTHER) <= post_ids(con)


def test_a_5000_digit_id_is_skipped(con, tmp_path, clean_file):
    path = tmp_path / "pages.jsonl"
    bad = x_page_with(("data", 0, "author_id"), 1).replace(b'"author_id": 1', b'"author_id": ' + b"9" * 5000)
    path.write_bytes(OTHER + b"\n" + bad + b"\n")
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), 2)], report.skipped
    assert page_ids(OTHER) <= post_ids(con)


OUT_OF_RANGE_CSV = {
    "rtweet count 1e400": RTWEET + b"2022-01-01,a,1e400,2,x\n2022-01-02,b,1,2,x\n",
    "rtweet count over int64": RTWEET + b"2022-01-01,a,99999999999999999999999,2,x\n2022-01-02,b,1,2,x\n",
    "rtweet time past year 9999": RTWEET + b"9999-12-31T23:59:59-05:00,a,1,2,x\n2022-01-02,b,1,2,x\n",
    "rtweet count inf": RTWEET + b"2022-01-01,a,inf,2,x\n2022-01-02,b,1,2,x\n",
    "chc time before year 1": CHC + b"0001-01-01T00:00:00+05:00,A,B,original,x,y,a\n2022-01-02,A,B,original,x,y,b\n",
    "follows observed_at past year 9999": FOLLOWS + b"a,b,x,9999-12-31T23:59:59-05:00\nc,d,x,2022-01-01\n",
    "io tweets like_count over int64": (
        b"tweetid,userid,user_screen_name,follower_count,following_count,account_creation_date,tweet_time,"
        b"tweet_text,is_retweet,like_count,hashtags\n"
        b"1,u1,h,5,1,2019-01-01,2022-01-01,t,False,99999999999999999999,[]\n"
        b"2,u2,h,5,1,2019-01-01,2022-01-01,t,False,1,[]\n"
    ),
    "io users follower_count -inf": (
        b"userid,user_screen_name,follower_count,following_count,account_creation_date\n"
        b"u1,h,-inf,1,2019-01-01\nu2,h,1,1,2019-01-01\n"
    ),
}


@pytest.mark.parametrize("data", OUT_OF_RANGE_CSV.values(), ids=OUT_OF_RANGE_CSV.keys())
def test_out_of_range_values_in_csv(con, tmp_path, clean_file, data):
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    report = import_paths(con, [path, clean_file])
    assert skips(report) == [(str(path), 2)], report.skipped
    assert 3 in raw_lines(con, path)
    assert page_ids(OTHER) <= post_ids(con)


def test_follow_edge_with_na_observed_at_takes_the_default(con, tmp_path):
    path = tmp_path / "follows.csv"
    path.write_bytes(FOLLOWS + b"a,b,x,NA\n")
    report = import_paths(con, [path])
    assert report.skipped == []
    assert con.execute("SELECT source FROM follow_edges").fetchall() == [("follow-edges (file modification time)",)]


# -- JSON of no known format, a stray first line --------------------------------------------------


@pytest.mark.parametrize("content", [b'{"hello": "world"}', b'{"hello": 2}\n', b'{\n  "hello": 1\n}\n', b"[1, 2]"])
def test_valid_json_of_no_known_format_names_line_1(con, tmp_path, content):
    path = tmp_path / "other.json"
    path.write_bytes(content)
    report = import_paths(con, [path])
    assert skips(report) == [(str(path), 1)], report.skipped
    assert "valid JSON" in report.skipped[0].reason


@pytest.mark.parametrize("first", [b"{", b"[", b" [{ "])
def test_a_stray_bracket_on_line_1_costs_only_that_line(con, tmp_path, first):
    path = tmp_path / "pages.jsonl"
    path.write_bytes(first + b"\n" + GOOD + b"\n" + FLAT + b"\n")
    report = import_paths(con, [path])
    assert skips(report) == [(str(path), 1)], report.skipped
    assert raw_lines(con, path) == {2, 3}


def test_a_broken_pretty_printed_document_is_one_skip_inside_the_file(con, tmp_path):
    lines = pretty(json.loads(GOOD)).split(b"\n")
    path = tmp_path / "doc.json"
    path.write_bytes(b"\n".join(lines[:9]) + b"\n")  # cut off after line 9
    report = import_paths(con, [path])
    assert len(report.skipped) == 1 and report.skipped[0].line in range(1, 10), report.skipped
    assert "truncated" in report.skipped[0].reason


# -- the worker-process path -------------------------------------------------------------------


def test_worker_processes_report_the_same_skips(tmp_path, new_store, monkeypatch):
    lines = [GOOD, BAD_BYTE_JSONL["in a tweet's text"], DEEP_LINES["in a field the mapping ignores"], b'{"a": 1}']
    lines += [FLAT, x_page_with(("data", 0, "public_metrics", "like_count"), 2**64), b"{", OTHER]
    path = tmp_path / "pages.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    outcomes = []
    for workers in ("0", "1"):
        monkeypatch.setenv("DIPLOTRACK_WORKERS", workers)
        monkeypatch.setattr(chunks, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(chunks, "CHUNK_BYTES", 4096)  # several chunks
        con = new_store(tmp_path / f"w{workers}.duckdb")
        try:
            report = import_paths(con, [path], fmt="x-v2")
            outcomes.append((sorted((s.line, s.reason) for s in report.skipped), raw_lines(con, path), post_ids(con)))
        finally:
            con.close()
    assert outcomes[0] == outcomes[1]
    assert [line for line, _ in outcomes[0][0]] == [2, 3, 4, 6, 7]
    assert outcomes[0][1] == {1, 5, 6, 8}
