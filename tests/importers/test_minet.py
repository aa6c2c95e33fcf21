"""minet's CSVs (X, Bluesky, Telegram, YouTube): detected from their columns, mapped to the
collectors' ids, every bad row a skip with its line, a second import changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.collect.bluesky.mapping import derived_repost_uri
from diplotrack.importers.base import read_head
from diplotrack.importers.registry import IMPORTERS, detect
from diplotrack.importers.run import import_paths

MINET = Path(__file__).resolve().parents[1] / "fixtures" / "minet"
X = MINET / "twitwi-tweet-export.csv"
BSKY = MINET / "twitwi-bluesky-posts-export.csv"
TG = MINET / "built-from-durov-telegram-channel-messages.csv"
YT = MINET / "built-from-feed-youtube-videos.csv"
YT_CHANNEL = MINET / "built-from-playlist-youtube-channel-videos.csv"
FORMATS = {X: "minet-x", BSKY: "minet-bluesky", TG: "minet-telegram", YT: "minet-youtube", YT_CHANNEL: "minet-youtube"}


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):
    con = new_store(tmp_path_factory.mktemp("minet") / "s.duckdb")
    report = import_paths(con, list(FORMATS))
    yield con, report
    con.close()


def post(con, platform: str, post_id: str) -> dict:
    cur = con.execute("SELECT * FROM posts WHERE platform = ? AND post_id = ?", [platform, post_id])
    row = cur.fetchone()
    assert row is not None, post_id
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def entities(con, platform: str, post_id: str) -> set[tuple[str, str]]:
    sql = "SELECT type, normalized FROM post_entities WHERE platform = ? AND post_id = ?"
    return set(con.execute(sql, [platform, post_id]).fetchall())


def test_each_csv_is_detected_and_read_without_skips(store):
    _, report = store
    assert {Path(f).name: fmt for f, fmt in report.formats.items()} == {p.name: f for p, f in FORMATS.items()}
    assert report.skipped == []
    assert report.records_read == 4 + 5 + 8 + 6 + 3


def test_minet_x_kinds_ids_counts_dated_by_collection_time(store):
    con, _ = store
    reply = post(con, "x", "1347085867584794624")
    assert (reply["kind"], reply["replied_to_post_id"], reply["replied_to_author_id"]) == (
        "reply",
        "1347084392481615872",
        "40438998",
    )
    # collection_time 10:18:11 local, local_time 08:41:13 for 07:41:13 UTC: one hour ahead
    assert reply["metrics_observed_at"] == datetime(2021, 1, 7, 9, 18, 11, 463413)
    assert reply["created_at"] == datetime(2021, 1, 7, 7, 41, 13)
    quote = post(con, "x", "1348592722928656384")
    assert (quote["kind"], quote["quoted_post_id"], quote["quoted_author_id"]) == (
        "quote",
        "1348565512352112640",
        "305072354",
    )
    rt = post(con, "x", "1348592751940673536")
    assert (rt["kind"], rt["reposted_post_id"], rt["reposted_author_id"], rt["author_id"]) == (
        "repost",
        "1348592722928656384",
        "1222191125584318464",
        "762290549168701440",
    )
    assert ("hashtag", "gafam") in entities(con, "x", "1348592722928656384")
    assert ("mention", "minutebol") in entities(con, "x", "1348560158264328198")
    snap = con.execute(
        "SELECT handle, followers, following, posts_count, observed_at, source FROM profile_snapshots "
        "WHERE platform = 'x' AND user_id = '762290549168701440'"
    ).fetchall()
    assert snap == [
        ("VotezPoisson", 18668, 3803, 735517, datetime(2021, 1, 11, 14, 19, 48, 470463), "minet-x (collection_time)")
    ]


def test_minet_x_profile_link_from_user_url(store):
    """twitwi's user_url (expanded) is the snapshot's url; an empty cell is unknown, and twitwi
    has no column for X's verified_type or affiliation, so both stay NULL."""
    con, _ = store
    with X.open(newline="", encoding="utf-8") as f:
        want = {r["user_id"]: r["user_url"] or None for r in csv.DictReader(f)}
    sql = "SELECT user_id, url, verified_type, affiliation FROM profile_snapshots WHERE platform = 'x'"
    got = {uid: (url, vt, aff) for uid, url, vt, aff in con.execute(sql).fetchall()}
    assert got == {uid: (url, None, None) for uid, url in want.items()}
    assert got["762290549168701440"][0] == "https://signatures.mumdadandkids.eu"
    assert None in {url for url, _, _ in got.values()}


def test_minet_bluesky_uses_original_text_and_keeps_one_row_per_post(store):
    con, _ = store
    quote = post(con, "bluesky", "at://did:plc:jitewfrw6ppganrowtvqtkwy/app.bsky.feed.post/3lkgoqgzhg22k")
    assert quote["text"] == "Riposter aux rapports indignes du #HCERES"
    assert quote["kind"] == "quote"
    assert quote["quoted_post_id"] == "at://did:plc:7g4ic3vzf6ts42dmpy5usg4l/app.bsky.feed.post/3lkgnjzh6ec2g"
    assert quote["quoted_author_id"] == "did:plc:7g4ic3vzf6ts42dmpy5usg4l"
    # the test export's collection_time (2025-01-01) is before the post: not a time its counts were seen
    assert quote["metrics_observed_at"] is None
    n = con.execute("SELECT count(*) FROM posts WHERE post_id LIKE '%3lkgnjzh6ec2g'").fetchone()[0]
    assert n == 1  # listed twice in the export
    snes = "at://did:plc:f22sjd5bmoyykou3335tpznf/app.bsky.feed.post/3lkkbdz7uxs2s"
    assert {("mention", "fsu-nationale.bsky.social"), ("hashtag", "hceres")} <= entities(con, "bluesky", snes)
    assert post(con, "bluesky", snes)["lang"] == "fr"


def test_minet_telegram_uses_the_collectors_keys_and_approximate_views(store):
    con, _ = store
    p = post(con, "telegram", "durov/519")
    assert (p["author_id"], p["author_handle"], p["view_count"], p["kind"]) == (
        "handle:durov",
        "durov",
        8670000,
        "original",
    )
    assert p["metrics_observed_at"] is None  # minet does not date its counts
    assert ("url", "https://core.telegram.org/bots/features#secretary-bots") in entities(con, "telegram", "durov/519")
    assert any(t == "media" for t, _ in entities(con, "telegram", "durov/522"))


def test_minet_youtube_videos_and_channel_videos(store):
    con, _ = store
    v = post(con, "youtube", "Elewn679CZI")
    assert (v["author_id"], v["view_count"], v["like_count"], v["kind"]) == (
        "UCk195x4zYdMx4LhqEwhcPng",
        33036,
        1424,
        "original",
    )
    assert v["text"].startswith("El Brillante Futuro de la Física") and "\n\n" in v["text"]
    c = post(con, "youtube", "6aSG8SdvkoU")
    assert (c["author_id"], c["view_count"], c["created_at"]) == (
        "UC_x5XG1OV2P6uZZ5FSM9Ttw",
        None,
        datetime(2019, 11, 23, 0, 45, 5),
    )


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, header)
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_minet_bluesky_repost_and_reply_rows(con, tmp_path):
    header, rows = rows_of(BSKY)
    base = rows[1]  # p4bl0.net's post
    uri = base["uri"]
    repost = base | {
        "repost_by_user_did": "did:plc:reposter",
        "repost_by_user_handle": "r.example",
        "repost_timestamp_utc": "1742195502",
    }
    reply = rows[0] | {
        "to_post_uri": uri,
        "to_user_did": "did:plc:7g4ic3vzf6ts42dmpy5usg4l",
        "to_root_post_uri": uri,
        "collection_time": "2025-03-20T10:00:00.000000",
    }
    report = import_paths(con, [write(tmp_path / "built.csv", header, [repost, reply])])
    assert report.skipped == []
    got = con.execute("SELECT post_id, author_id, kind, reposted_post_id FROM posts WHERE kind = 'repost'").fetchall()
    assert got == [(derived_repost_uri("did:plc:reposter", uri), "did:plc:reposter", "repost", uri)]
    r = con.execute(
        "SELECT kind, replied_to_post_id, conversation_id, metrics_observed_at FROM posts WHERE post_id = ?",
        [rows[0]["uri"]],
    ).fetchone()
    assert r == ("reply", uri, uri, datetime(2025, 3, 20, 9, 0))  # local_time is UTC+1 in this export


def test_observed_at_dates_undated_counts(con):
    import_paths(con, [TG, YT], observed_at=datetime(2026, 12, 1))
    dated = con.execute("SELECT DISTINCT metrics_observed_at FROM posts WHERE view_count IS NOT NULL").fetchall()
    assert dated == [(datetime(2026, 12, 1),)]


def test_second_import_changes_nothing(con):
    import_paths(con, list(FORMATS))
    tables = ("posts", "post_entities", "profile_snapshots", "raw_payloads")
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    again = import_paths(con, list(FORMATS))
    assert (again.posts_new, again.profiles, again.entities_new) == (0, 0, 0)
    assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == before


def test_sniffers_take_only_their_own_files(fixtures_dir, demo_dir):
    mine = {i.name for i in IMPORTERS if i.name.startswith(("minet-", "fourcat-"))}
    for path, fmt in FORMATS.items():
        assert detect(read_head(path), path).name == fmt
    others = [
        *sorted(demo_dir.glob("*.csv")),
        *sorted((fixtures_dir / "io-archive").glob("*.csv")),
        *sorted((fixtures_dir / "x-v2" / "twarc2").glob("*.jsonl")),
        *sorted((fixtures_dir / "x-v2" / "tweepy").glob("*.json")),
    ]
    assert others
    for path in others:
        found = detect(read_head(path), path)
        assert found is None or found.name not in mine, path


# -- hostile rows: each costs its own row, never the file ----------------------------------------


def start_lines(path: Path) -> list[int]:
    """The line each record of a CSV starts on (records may span lines)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        starts, line = [], reader.line_num + 1
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    return starts


def hostile(path: Path, tmp_path: Path, bad: list[dict[str, str]]) -> Path:
    header, rows = rows_of(path)
    return write(tmp_path / f"hostile-{path.name}", header, [rows[0], *bad, rows[-1]])


CASES = {
    X: [
        {"timestamp_utc": "yesterday"},
        {"id": '=HYPERLINK("http://evil")'},
        {"like_count": "1e400"},
        {"user_followers": "12.5"},
    ],
    BSKY: [
        {"uri": "javascript:alert(1)"},
        {"timestamp_utc": "99999999999999"},
        {"like_count": "lots"},
        {"user_did": ""},
    ],
    TG: [
        {"link_to_message": "https://example.com/durov/1"},
        {"datetime": "2026-13-45T99:00:00"},
        {"views": "-"},
        {"views": str(2**70)},
    ],
    YT: [
        {"video_id": "../../etc/passwd"},
        {"channel_id": "@notanid"},
        {"published_at": "not a date"},
        {"comment_count": "NaN but not"},
    ],
}


@pytest.mark.parametrize("path", list(CASES), ids=[p.name for p in CASES])
def test_hostile_rows_are_skipped_with_their_line(con, tmp_path, path):
    header, rows = rows_of(path)
    bad = [rows[0] | change for change in CASES[path]]
    f = hostile(path, tmp_path, bad)
    report = import_paths(con, [f])
    assert sorted(s.line for s in report.skipped) == start_lines(f)[1:5], [str(s) for s in report.skipped]
    assert all(len(s.reason) < 300 for s in report.skipped)
    assert report.posts_new >= 2  # the first and the last row
    assert report.formats == {str(f): FORMATS[path]}


def test_huge_field_nul_and_formula_cells(con, tmp_path):
    header, rows = rows_of(TG)
    formula = rows[1] | {"text": '=cmd|"/c calc"!A1 +1', "link_to_message": "https://t.me/s/durov/900"}
    nul = rows[2] | {"text": "a\x00b", "link_to_message": "https://t.me/s/durov/901"}
    huge = rows[3] | {"text": "x" * 200_000, "link_to_message": "https://t.me/s/durov/902"}
    report = import_paths(con, [write(tmp_path / "t.csv", header, [formula, nul, huge, rows[4]])])
    skipped = {s.line: s.reason for s in report.skipped}
    assert set(skipped) == {3, 4}, skipped
    assert "NUL" in skipped[3]
    # a formula-looking cell is text like any other: stored as written, never evaluated
    assert post(con, "telegram", "durov/900")["text"] == '=cmd|"/c calc"!A1 +1'
    assert post(con, "telegram", "durov/523")["view_count"] == 12400000
