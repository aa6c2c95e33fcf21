"""Hostile and careless minet / 4CAT exports: ids a spreadsheet turned into numbers, links and chat
names that are no channel, another account's post URIs, JSON ``true`` where a count belongs. Each
is refused row by row (a skip naming the line), never stored under a wrong id, never a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from diplotrack.importers import (
    fourcat_bluesky,
    fourcat_telegram,
    fourcat_x,
    minet_bluesky,
    minet_telegram,
    minet_x,
    minet_youtube,
)
from diplotrack.importers.run import import_paths
from diplotrack.records import Provenance

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROV = Provenance("red-team", "f.csv", 2, None, None)


def first_row(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.DictReader(fh))


def refused(mapper, row: dict[str, str], *fragments: str) -> None:  # noqa: ANN001 - a map_row
    with pytest.raises(ValueError) as err:
        mapper(row, PROV, None)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_minet_x_refuses_ids_a_spreadsheet_turned_into_numbers_and_non_ascii_digits():
    base = first_row(FIXTURES / "minet" / "twitwi-tweet-export.csv")
    refused(minet_x.map_row, {**base, "to_tweetid": "1.3470843924816159e+18"}, "to_tweetid", "spreadsheet")
    refused(minet_x.map_row, {**base, "user_id": "5.78153150e+08"}, "user_id", "spreadsheet")
    refused(minet_x.map_row, {**base, "retweeted_id": "1348592722928656384.0"}, "retweeted_id")
    refused(minet_x.map_row, {**base, "id": "١٢٣٤"}, "is not an X id")
    post, _ = minet_x.map_row({**base, "id": "01347085867584794624"}, PROV, None)
    assert post.post_id == "1347085867584794624"  # the collector's form: one tweet, one row


def test_fourcat_x_csv_refuses_a_mangled_author_id():
    base = first_row(FIXTURES / "4cat" / "built-from-twarc2-x.csv")
    refused(fourcat_x.map_row, {**base, "author_id": "1.38008632702317E+18"}, "author_id", "spreadsheet")
    refused(fourcat_x.map_row, {**base, "id": "²³"}, "is not an X id")


def test_minet_telegram_takes_only_public_message_links_and_reads_rounded_views():
    base = first_row(FIXTURES / "minet" / "built-from-durov-telegram-channel-messages.csv")
    refused(minet_telegram.map_row, {**base, "link_to_message": "https://t.me/c/1234567/55"}, "public Telegram")
    refused(minet_telegram.map_row, {**base, "link_to_message": "https://t.me/s/durov/٥٢٠"}, "public Telegram")
    refused(minet_telegram.map_row, {**base, "views": "-5"}, "negative")
    post = minet_telegram.map_row(
        {**base, "link_to_message": "https://t.me/s/Durov/0519", "views": "8.67M"}, PROV, None
    )
    assert (post.post_id, post.author_id, post.view_count) == ("durov/519", "handle:durov", 8_670_000)


def test_fourcat_telegram_csv_refuses_unknown_chats_and_titles_and_reads_minus_one_as_unknown():
    base = first_row(FIXTURES / "4cat" / "built-from-durov-telegram.csv")
    refused(fourcat_telegram.map_row, {**base, "chat": "unknown", "thread_id": "unknown"}, "could not tell")
    refused(fourcat_telegram.map_row, {**base, "chat": "Pavel Durov Chat"}, "not a Telegram channel")
    refused(fourcat_telegram.map_row, {**base, "reply_to": "٥"}, "reply_to")
    refused(fourcat_telegram.map_row, {**base, "views": "-7"}, "negative")
    post = fourcat_telegram.map_row(
        {**base, "id": "-1001006503122-0519", "chat": "-1001006503122", "views": "-1", "reply_to": "07"}, PROV, None
    )
    assert (post.post_id, post.author_id, post.view_count) == ("tg-peer:1006503122/519", "tg-peer:1006503122", None)
    assert post.replied_to_post_id == "tg-peer:1006503122/7"


def test_bluesky_posts_must_be_their_authors_post_records():
    row = first_row(FIXTURES / "minet" / "twitwi-bluesky-posts-export.csv")
    did = row["user_did"]
    refused(minet_bluesky.map_row, {**row, "uri": f"at://{did}/app.bsky.feed.like/3k"}, "not a Bluesky post URI")
    refused(minet_bluesky.map_row, {**row, "uri": "at://did:plc:someoneelse/app.bsky.feed.post/3k"}, "another account")
    refused(minet_bluesky.map_row, {**row, "repost_by_user_did": "alice.bsky.social"}, "repost_by_user_did")
    base = first_row(FIXTURES / "4cat" / "built-from-docs-bluesky.csv")
    refused(fourcat_bluesky.map_row, {**base, "id": "hello"}, "not a Bluesky post URI")
    post = fourcat_bluesky.map_row({**base, "quoted_post": "DELETED", "quoted_user": ""}, PROV, None)
    assert (post.kind, post.quoted_post_id) == ("quote", None)  # 4CAT's word for a quoted post now gone


def test_minet_youtube_channel_must_be_a_whole_channel_id():
    base = first_row(FIXTURES / "minet" / "built-from-feed-youtube-videos.csv")
    refused(minet_youtube.map_row, {**base, "channel_id": "UC"}, "channel_id")


def test_fourcat_ndjson_json_true_as_a_count_is_a_skip_and_replies_keep_their_chat(tmp_path, new_store):
    tg = json.loads(
        (FIXTURES / "4cat" / "built-from-durov-telegram.ndjson").read_text(encoding="utf-8").splitlines()[0]
    )
    tweet = json.loads((FIXTURES / "4cat" / "built-from-twarc2-x.ndjson").read_text(encoding="utf-8").splitlines()[0])
    bsky = json.loads(
        (FIXTURES / "4cat" / "built-from-docs-bluesky.ndjson").read_text(encoding="utf-8").splitlines()[0]
    )
    elsewhere = {"reply_to_msg_id": 5, "reply_to_peer_id": {"_type": "PeerChannel", "channel_id": 999}}
    (tmp_path / "tg.ndjson").write_text(
        "\n".join(
            json.dumps({**tg, **change})
            for change in (
                {"id": 700, "views": True},
                {"id": 701, "reply_to": elsewhere},
                {"id": 702, "_chat": {"username": "a b/c"}},
            )
        )
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "x.ndjson").write_text(json.dumps({**tweet, "id": "١٢٣"}) + "\n", encoding="utf-8")
    other = {**bsky, "uri": "at://did:plc:someoneelse/app.bsky.feed.post/3k"}
    (tmp_path / "b.ndjson").write_text(json.dumps(other) + "\n", encoding="utf-8")
    con = new_store(tmp_path / "s.duckdb")
    try:
        report = import_paths(con, [tmp_path])  # before: ArrowTypeError on the JSON true, a traceback
        reasons = {(Path(s.file).name, s.line): s.reason for s in report.skipped}
        assert "views 'true' is not a count" in reasons[("tg.ndjson", 1)]
        assert "not a Telegram channel" in reasons[("tg.ndjson", 3)]
        assert "is not an X id" in reasons[("x.ndjson", 1)]
        assert "another account" in reasons[("b.ndjson", 1)]
        rows = con.execute("SELECT post_id, replied_to_post_id FROM posts").fetchall()
        assert rows == [("durov/701", "tg-peer:999/5")]
        again = import_paths(con, [tmp_path])
        assert (again.posts_new, again.posts_updated) == (0, 0)
    finally:
        con.close()
