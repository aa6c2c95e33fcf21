"""A post's kind follows ``referenced_tweets`` (docs/sources/x-v2.md): a post that only opens with an
@mention carries ``in_reply_to_user_id`` but replies to no post, so it is an original post that
keeps the user in ``replied_to_author_id``. The same mapping serves the live X collector."""

from __future__ import annotations

import json
from datetime import datetime

from diplotrack.collect.x.mapping import map_timeline
from diplotrack.importers.run import import_paths
from diplotrack.importers.x_v2_types import LINE_DECODER

MENTION_OPENER = {
    "id": "500",
    "author_id": "1",
    "text": "@b thanks for the meeting today",
    "created_at": "2022-01-02T03:04:05.000Z",
    "conversation_id": "500",
    "in_reply_to_user_id": "2",
}
REAL_REPLY = {
    "id": "501",
    "author_id": "1",
    "text": "@b indeed",
    "created_at": "2022-01-02T03:05:05.000Z",
    "conversation_id": "400",
    "in_reply_to_user_id": "2",
    "referenced_tweets": [{"type": "replied_to", "id": "400"}],
}
PAGE = {
    "data": [MENTION_OPENER, REAL_REPLY],
    "includes": {"users": [{"id": "1", "username": "a", "name": "A"}, {"id": "2", "username": "b", "name": "B"}]},
    "__twarc": {"retrieved_at": "2022-02-01T00:00:00+00:00"},
}
FIELDS = "post_id, kind, replied_to_post_id, replied_to_author_id, conversation_id"


def test_mention_opener_is_original_with_its_user_reference(con, tmp_path):
    flat = dict(MENTION_OPENER, id="502", conversation_id="502", author={"id": "1", "username": "a"})
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(PAGE) + "\n" + json.dumps(flat) + "\n")
    report = import_paths(con, [path])
    assert report.skipped == []
    got = con.execute(f"SELECT {FIELDS} FROM posts ORDER BY post_id").fetchall()
    assert got == [
        ("500", "original", None, "2", "500"),
        ("501", "reply", "400", "2", "400"),
        ("502", "original", None, "2", "502"),
    ]


def test_collector_maps_the_mention_opener_the_same_way():
    body = json.dumps(PAGE).encode()
    sink = map_timeline(LINE_DECODER.decode(body), body, "https://api.x.com/2/tweets", datetime(2022, 2, 1))
    kinds = {p.post_id: (p.kind, p.replied_to_post_id, p.replied_to_author_id) for p in sink.posts}
    assert kinds == {"500": ("original", None, "2"), "501": ("reply", "400", "2")}
