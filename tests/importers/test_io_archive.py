"""X information-operations archives (users file, tweets file).

There is no real sample in the repository: tests/fixtures/io-archive/from-docs-*.csv were written
from the documented column list (see tests/fixtures/SOURCES.md). Expected values come from the
csv module's reading of those files.
"""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime

import pytest

from diplotrack.importers.run import import_paths


@pytest.fixture(scope="module")
def io_dir(fixtures_dir):
    return fixtures_dir / "io-archive"


def read_rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cell_list(value: str) -> list[str]:
    inner = value.strip()[1:-1]
    return [x.strip().strip("'") for x in inner.split(",") if x.strip()]


def test_tweets_file(con, rows, io_dir):
    path = io_dir / "from-docs-tweets.csv"
    want = read_rows(path)
    report = import_paths(con, [path])
    assert report.formats == {str(path): "io-archive"}
    assert report.skipped == []
    got = {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}
    assert set(got) == {r["tweetid"] for r in want}
    for r in want:
        p = got[r["tweetid"]]
        assert p["author_id"] == r["userid"]  # a hashed id is kept as it is
        assert p["author_handle"] == r["user_screen_name"]
        assert p["text"] == r["tweet_text"]
        assert p["lang"] == r["tweet_language"]
        assert p["source_client"] == r["tweet_client_name"]
        assert p["created_at"] == datetime.strptime(r["tweet_time"], "%Y-%m-%d %H:%M")
        rt = r["is_retweet"].lower() == "true"
        kind = (
            "repost"
            if rt
            else "quote"
            if r["quoted_tweet_tweetid"]
            else "reply"
            if r["in_reply_to_tweetid"] or r["in_reply_to_userid"]
            else "original"
        )
        assert p["kind"] == kind
        assert p["reposted_post_id"] == (r["retweet_tweetid"] or None if rt else None)
        assert p["reposted_author_id"] == (r["retweet_userid"] or None if rt else None)
        assert p["quoted_post_id"] == (r["quoted_tweet_tweetid"] or None)
        assert p["replied_to_post_id"] == (r["in_reply_to_tweetid"] or None)
        assert p["replied_to_author_id"] == (r["in_reply_to_userid"] or None)
        for col, name in [
            ("like_count", "like_count"),
            ("repost_count", "retweet_count"),
            ("reply_count", "reply_count"),
            ("quote_count", "quote_count"),
        ]:
            assert p[col] == (int(r[name]) if r[name] else None)
        ents = set(
            con.execute(
                "SELECT type, value, normalized FROM post_entities WHERE post_id = ?", [r["tweetid"]]
            ).fetchall()
        )
        want_ents = {("hashtag", t, t.casefold()) for t in cell_list(r["hashtags"])}
        want_ents |= {("url", u, u) for u in cell_list(r["urls"])}
        want_ents |= {("mention", m, m) for m in cell_list(r["user_mentions"])}
        assert ents == want_ents
    kinds = {p["kind"] for p in got.values()}
    assert kinds == {"original", "repost", "reply", "quote"}


def test_tweets_file_user_snapshots_dated_by_newest_tweet(con, rows, io_dir):
    path = io_dir / "from-docs-tweets.csv"
    want = read_rows(path)
    import_paths(con, [path])
    newest: dict[str, dict] = {}
    for r in want:
        t = datetime.strptime(r["tweet_time"], "%Y-%m-%d %H:%M")
        if r["userid"] not in newest or t > newest[r["userid"]]["t"]:
            newest[r["userid"]] = {"t": t, "row": r}
    got = rows(con, "SELECT * FROM profile_snapshots")
    assert {(s["user_id"], s["observed_at"]) for s in got} == {(u, v["t"]) for u, v in newest.items()}
    for s in got:
        r = newest[s["user_id"]]["row"]
        assert s["followers"] == int(r["follower_count"])
        assert s["following"] == int(r["following_count"])
        assert s["created_at"] == datetime.strptime(r["account_creation_date"], "%Y-%m-%d")
        assert "lower bound" in s["source"]


def test_users_file(con, rows, io_dir):
    path = io_dir / "from-docs-users.csv"
    want = read_rows(path)
    release = datetime(2019, 9, 20)
    report = import_paths(con, [path], observed_at=release)
    assert report.skipped == []
    assert report.profiles == len(want)
    got = {s["user_id"]: s for s in rows(con, "SELECT * FROM profile_snapshots")}
    assert set(got) == {r["userid"] for r in want}
    for r in want:
        s = got[r["userid"]]
        assert s["observed_at"] == release
        assert s["handle"] == r["user_screen_name"]
        assert s["display_name"] == r["user_display_name"]
        assert s["description"] == (r["user_profile_description"] or None)
        assert s["location"] == (r["user_reported_location"] or None)
        assert s["followers"] == int(r["follower_count"])
        assert s["source"] == "io-archive (observed-at option)"
        assert s["provenance"]["file"] == str(path)


def test_users_file_without_observed_at_uses_file_mtime(con, rows, io_dir, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes((io_dir / "from-docs-users.csv").read_bytes())
    os.utime(path, (1568937600, 1568937600))  # 2019-09-20T00:00:00Z
    import_paths(con, [path])
    times = {s["observed_at"] for s in rows(con, "SELECT observed_at FROM profile_snapshots")}
    assert times == {datetime.fromtimestamp(1568937600, UTC).replace(tzinfo=None)}
    sources = {r[0] for r in con.execute("SELECT source FROM profile_snapshots").fetchall()}
    assert sources == {"io-archive (file modification time)"}
