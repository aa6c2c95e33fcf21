"""4CAT's NDJSON and CSV datasets (X, Telegram, Bluesky): detected from content, mapped to the
collectors' ids (so the NDJSON and the CSV of one dataset, and minet's export of the same channel,
merge), every bad line a skip with its line, a second import changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.importers.registry import detect
from diplotrack.importers.run import import_paths

FOURCAT = Path(__file__).resolve().parents[1] / "fixtures" / "4cat"
X_ND = FOURCAT / "built-from-twarc2-x.ndjson"
X_CSV = FOURCAT / "built-from-twarc2-x.csv"
TG_ND = FOURCAT / "built-from-durov-telegram.ndjson"
TG_CSV = FOURCAT / "built-from-durov-telegram.csv"
BS_ND = FOURCAT / "built-from-docs-bluesky.ndjson"
BS_CSV = FOURCAT / "built-from-docs-bluesky.csv"
FORMATS = {
    X_ND: "fourcat-x-ndjson",
    X_CSV: "fourcat-x-csv",
    TG_ND: "fourcat-telegram-ndjson",
    TG_CSV: "fourcat-telegram-csv",
    BS_ND: "fourcat-bluesky-ndjson",
    BS_CSV: "fourcat-bluesky-csv",
}
MINET_TG = FOURCAT.parent / "minet" / "built-from-durov-telegram-channel-messages.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):
    con = new_store(tmp_path_factory.mktemp("fourcat") / "s.duckdb")
    report = import_paths(con, [X_ND, TG_ND, BS_ND])  # the NDJSON first: its records are the fuller ones
    csv_report = import_paths(con, [X_CSV, TG_CSV, BS_CSV])
    yield con, report, csv_report
    con.close()


def one(con, sql: str, *params):
    cur = con.execute(sql, list(params))
    row = cur.fetchone()
    assert row is not None, params
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def test_each_file_is_detected(store):
    _, report, csv_report = store
    got = {Path(f).name: fmt for f, fmt in {**report.formats, **csv_report.formats}.items()}
    assert got == {p.name: f for p, f in FORMATS.items()}
    assert [(Path(s.file).name, s.line) for s in report.skipped] == [(TG_ND.name, 10)]  # the service message
    assert "service message" in report.skipped[0].reason
    assert csv_report.skipped == []


def test_csv_rows_merge_with_the_ndjson_records(store):
    _, report, csv_report = store
    assert csv_report.posts_new == 0  # the same posts, under the same ids
    assert report.posts_new == 5 + 9 + 5  # X: 3 tweets and the 2 they reference


def test_fourcat_x_ndjson_is_mapped_like_an_api_page(store):
    con, _, _ = store
    rt = one(con, "SELECT * FROM posts WHERE post_id = '1394735776701816833'")
    assert (rt["kind"], rt["reposted_post_id"], rt["reposted_author_id"], rt["author_handle"]) == (
        "repost",
        "1391677057810288641",
        "1380086327023169540",
        "LachiVeronica",
    )
    assert rt["provenance"]["pointer"] in ("", None)
    original = one(con, "SELECT * FROM posts WHERE post_id = '1391677057810288641'")
    assert original["author_id"] == "1380086327023169540"
    assert original["provenance"]["pointer"] == "/referenced_tweets/0"
    snap = one(con, "SELECT * FROM profile_snapshots WHERE user_id = '1380086327023169540'")
    assert snap["handle"] == "bibaigna96"
    assert snap["source"].startswith("fourcat-x-ndjson (")


def test_fourcat_telegram_forwards_replies_and_views(store):
    con, _, _ = store
    fwd = one(con, "SELECT * FROM posts WHERE platform = 'telegram' AND post_id = 'durov/540'")
    assert (fwd["kind"], fwd["reposted_author_id"], fwd["reposted_post_id"], fwd["view_count"]) == (
        "repost",
        "handle:telegram",
        "telegram/411",
        812345,
    )
    peer = one(con, "SELECT * FROM posts WHERE platform = 'telegram' AND post_id = 'durov/542'")
    assert (peer["reposted_author_id"], peer["reposted_post_id"]) == ("tg-peer:1234567890", "tg-peer:1234567890/77")
    reply = one(con, "SELECT * FROM posts WHERE platform = 'telegram' AND post_id = 'durov/541'")
    assert (reply["kind"], reply["replied_to_post_id"], reply["author_id"]) == ("reply", "durov/519", "handle:durov")
    ents = set(con.execute("SELECT type, normalized FROM post_entities WHERE post_id = 'durov/541'").fetchall())
    assert {("hashtag", "telegram"), ("hashtag", "ton"), ("mention", "durov")} <= ents
    assert one(con, "SELECT view_count FROM posts WHERE post_id = 'durov/519'")["view_count"] == 8670000


def test_fourcat_bluesky_counts_dated_by_collected_at(store):
    con, _, _ = store
    p = one(
        con,
        "SELECT * FROM posts WHERE post_id = 'at://did:plc:okygsjynv32uvhtc2kc3xtoy/app.bsky.feed.post/3lk6alyq7rs2b'",
    )
    assert p["metrics_observed_at"] == datetime(2025, 3, 13)
    assert (p["author_id"], p["like_count"], p["lang"]) == ("did:plc:okygsjynv32uvhtc2kc3xtoy", 3, "en")
    ents = set(con.execute("SELECT type, normalized FROM post_entities WHERE post_id = ?", [p["post_id"]]).fetchall())
    assert {("hashtag", "diplomacy"), ("mention", "analyst.diplo.test")} <= ents
    reply = one(con, "SELECT * FROM posts WHERE platform = 'bluesky' AND kind = 'reply'")
    assert reply["replied_to_post_id"].startswith("at://did:plc:")


def test_csv_alone_keeps_kinds_and_handle_keys(con):
    import_paths(con, [X_CSV, BS_CSV])
    rt = one(con, "SELECT * FROM posts WHERE post_id = '1394735776701816833'")
    assert (rt["kind"], rt["reposted_author_id"], rt["reposted_post_id"]) == ("repost", "handle:bibaigna96", None)
    q = one(con, "SELECT * FROM posts WHERE platform = 'bluesky' AND kind = 'quote'")
    assert q["quoted_post_id"].startswith("at://did:plc:")


def test_fourcat_and_minet_exports_of_one_channel_merge(con):
    import_paths(con, [MINET_TG])
    report = import_paths(con, [TG_CSV])
    assert report.posts_new == 3  # 540, 541, 542: 519-524 were already there, from minet
    assert con.execute("SELECT count(DISTINCT author_id) FROM posts WHERE platform = 'telegram'").fetchone()[0] == 1


def test_second_import_changes_nothing(con):
    import_paths(con, list(FORMATS))
    tables = ("posts", "post_entities", "profile_snapshots", "raw_payloads")
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    again = import_paths(con, list(FORMATS))
    assert (again.posts_new, again.profiles, again.entities_new) == (0, 0, 0)
    assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == before


# -- hostile lines: each costs its own line ------------------------------------------------------


def bad_lines(good: dict) -> list[bytes]:
    return [
        b"\xff\xfe not utf-8",
        json.dumps(good).encode()[:-20],  # truncated
        b"[1, 2, 3]",
        b'{"a": ' * 5000 + b"1" + b"}" * 5000,
        json.dumps(good | {"id": "abc", "date": "soon", "uri": 5, "created_at": "x"}).encode(),
        json.dumps(good | {"date": 1e300}).encode(),
    ]


@pytest.mark.parametrize("path", [X_ND, TG_ND, BS_ND], ids=["x", "telegram", "bluesky"])
def test_hostile_lines_are_skipped_with_their_line(con, tmp_path, path):
    lines = path.read_bytes().splitlines()
    first = json.loads(lines[0])
    f = tmp_path / path.name
    f.write_bytes(b"\n".join([lines[0], *bad_lines(first), lines[1]]) + b"\n")
    report = import_paths(con, [f])
    assert report.formats == {str(f): FORMATS[path]}
    skipped = sorted({s.line for s in report.skipped})
    assert skipped[:4] == [2, 3, 4, 5], [str(s) for s in report.skipped]
    assert set(skipped) <= {2, 3, 4, 5, 6, 7}
    assert all(len(s.reason) < 600 for s in report.skipped)
    assert report.posts_new >= 2


def test_a_json_file_of_another_shape_is_not_taken(tmp_path):
    f = tmp_path / "other.ndjson"
    f.write_bytes(b'{"id": 1, "date": 2, "text": "a tweet-like thing without 4CAT keys"}\n')
    found = detect(f.read_bytes(), f)
    assert found is None or not found.name.startswith("fourcat-")
