"""The store writer: idempotent upserts on natural keys, each batch one transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from diplotrack.records import ApiError, Entity, Post, ProfileSnapshot, Provenance, Skip
from diplotrack.store.raw import load_raw
from diplotrack.store.runs import start_run
from diplotrack.store.writer import StoreWriter

T0 = datetime(2022, 1, 1, 12, 0, 0)
T1 = datetime(2022, 1, 2, 12, 0, 0)


def prov(line: int = 1, raw_id: str | None = None) -> Provenance:
    return Provenance("test", "f.jsonl", line, raw_id, "/data/0")


def post(pid: str = "1", **kw) -> Post:
    base = dict(
        platform="x",
        post_id=pid,
        author_id="9",
        author_handle="nine",
        created_at=T0,
        text="hello",
        lang="en",
        kind="original",
        provenance=prov(),
    )
    base.update(kw)
    return Post(**base)


def writer(con) -> StoreWriter:
    return StoreWriter(con, start_run(con, "import", "test", []))


def one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


def test_new_post_and_its_provenance(con, rows):
    w = writer(con)
    w.add_post(post(entities=[Entity("hashtag", "China", "china")]))
    c = w.flush()
    assert (c.posts_new, c.posts_updated, c.entities_new) == (1, 0, 1)
    (p,) = rows(con, "SELECT * FROM posts")
    assert (p["post_id"], p["author_id"], p["text"], p["kind"]) == ("1", "9", "hello", "original")
    assert p["provenance"] == {
        "source": "test",
        "file": "f.jsonl",
        "line": 1,
        "raw_id": None,
        "pointer": "/data/0",
        "run_id": w.run_id,
    }
    assert p["first_seen_at"] is not None
    assert p["like_count"] is None and p["metrics_observed_at"] is None  # missing, never 0
    assert con.execute("SELECT type, value, normalized FROM post_entities").fetchall() == [
        ("hashtag", "China", "china")
    ]
    runs = one(con, "SELECT posts_new, posts_updated, entities_new FROM runs WHERE run_id = ?", w.run_id)
    assert runs == (1, 0, 1)


def test_same_post_again_changes_nothing(con, rows):
    w = writer(con)
    w.add_post(post(like_count=5, metrics_observed_at=T0))
    w.flush()
    before = rows(con, "SELECT * FROM posts")
    w2 = writer(con)
    w2.add_post(post(like_count=5, metrics_observed_at=T0, provenance=prov(line=7)))
    c = w2.flush()
    assert (c.posts_new, c.posts_updated) == (0, 0)
    assert rows(con, "SELECT * FROM posts") == before


@pytest.mark.parametrize("same_batch", [False, True])
def test_metrics_newer_wins_older_and_equal_lose(con, same_batch):
    w = writer(con)
    w.add_post(post(like_count=5, repost_count=1, metrics_observed_at=T0))
    if not same_batch:
        w.flush()
    w.add_post(post(like_count=9, repost_count=2, metrics_observed_at=T1))  # newer
    w.add_post(post(like_count=1, repost_count=0, metrics_observed_at=datetime(2021, 1, 1)))  # older
    w.add_post(post(like_count=7, repost_count=7, metrics_observed_at=T1))  # equal time: no change
    w.add_post(post(like_count=None, metrics_observed_at=None))  # no observation at all
    w.flush()
    assert one(con, "SELECT like_count, repost_count, metrics_observed_at FROM posts") == (9, 2, T1)
    assert one(con, "SELECT count(*) FROM posts")[0] == 1


def test_fill_missing_fields_and_kind(con, rows):
    w = writer(con)
    w.add_post(post(author_handle=None, lang=None, text=None, kind="original"))
    w.flush()
    w2 = writer(con)
    w2.add_post(
        post(
            author_handle="nine",
            lang="fr",
            text="salut",
            kind="quote",
            quoted_post_id="77",
            author_id="other",
        )
    )
    c = w2.flush()
    assert (c.posts_new, c.posts_updated) == (0, 1)
    (p,) = rows(con, "SELECT * FROM posts")
    assert (p["author_handle"], p["lang"], p["text"]) == ("nine", "fr", "salut")
    assert (p["kind"], p["quoted_post_id"]) == ("quote", "77")
    assert p["author_id"] == "9"  # a known value is never overwritten by a fill
    assert p["provenance"]["run_id"] == w.run_id  # provenance: the first observation


def test_entities_union_without_duplicates(con):
    w = writer(con)
    w.add_post(post(entities=[Entity("hashtag", "a", "a"), Entity("mention", "Bob", "bob")]))
    w.add_post(post(entities=[Entity("hashtag", "a", "a"), Entity("url", "u", "https://u")]))
    w.flush()
    w2 = writer(con)
    w2.add_post(post(entities=[Entity("mention", "Bob", "bob"), Entity("cashtag", "X", "x")]))
    c = w2.flush()
    assert c.entities_new == 1
    got = set(con.execute("SELECT type, value FROM post_entities").fetchall())
    assert got == {("hashtag", "a"), ("mention", "Bob"), ("url", "u"), ("cashtag", "X")}


def snap(observed: datetime, followers: int, uid: str = "9") -> ProfileSnapshot:
    return ProfileSnapshot(
        platform="x", user_id=uid, observed_at=observed, provenance=prov(), handle="nine", followers=followers
    )


def test_profile_snapshots_insert_if_absent(con):
    w = writer(con)
    w.add_profile(snap(T0, 10))
    w.add_profile(snap(T0, 99))  # same key in the same batch: the first stays
    assert w.flush().profiles_new == 1
    w2 = writer(con)
    w2.add_profile(snap(T0, 50))  # same key later: history is never overwritten
    w2.add_profile(snap(T1, 20))  # a new observation: a new row
    assert w2.flush().profiles_new == 1
    assert con.execute("SELECT observed_at, followers FROM profile_snapshots ORDER BY 1").fetchall() == [
        (T0, 10),
        (T1, 20),
    ]


def test_raw_payloads_keyed_by_content(con):
    payload = b'{"data": [{"id": "1", "text": "\xc3\xa9"}]}'
    w = writer(con)
    rid = w.add_raw("x-v2", payload, file="a.jsonl", line=3, retrieved_at=T0)
    assert rid == hashlib.blake2b(payload, digest_size=16).hexdigest()
    assert w.add_raw("x-v2", payload, file="b.jsonl", line=9, retrieved_at=T1) == rid
    w.add_raw("x-v2", b"other", file="a.jsonl", line=4, retrieved_at=None)
    assert w.flush().raw_new == 2
    w2 = writer(con)
    w2.add_raw("x-v2", payload, file="c.jsonl", line=1, retrieved_at=None)
    assert w2.flush().raw_new == 0
    assert load_raw(con, rid) == payload
    assert one(con, "SELECT file, line, size, codec FROM raw_payloads WHERE raw_id = ?", rid) == (
        "a.jsonl",
        3,
        len(payload),
        "zstd",
    )
    with pytest.raises(KeyError):
        load_raw(con, "0" * 32)


def err(raw: str) -> ApiError:
    return ApiError(
        platform="x",
        provenance=prov(),
        title="Not Found Error",
        detail="d",
        resource_type="tweet",
        resource_id="5",
        raw=raw,
    )


def test_api_errors_deduplicated_by_content(con):
    w = writer(con)
    w.add_api_error(err('{"a": 1}'))
    w.add_api_error(err('{"a": 1}'))
    w.add_api_error(err('{"a": 2}'))
    assert w.flush().api_errors == 2
    w2 = writer(con)
    w2.add_api_error(err('{"a": 1}'))
    assert w2.flush().api_errors == 0
    assert one(con, "SELECT count(*) FROM api_errors")[0] == 2
    assert {r[0] for r in con.execute("SELECT first_run_id FROM api_errors").fetchall()} == {w.run_id}


def test_skips_recorded_with_the_run(con):
    w = writer(con)
    w.add_skip(Skip("f.csv", 3, "bad date"))
    w.add_skip(Skip("g.bin", None, "binary"))
    c = w.flush()
    assert [(s.file, s.line) for s in c.skipped] == [("f.csv", 3), ("g.bin", None)]
    stored = con.execute("SELECT run_id, file, line, reason FROM run_skips").fetchall()
    want = [(w.run_id, "f.csv", 3, "bad date"), (w.run_id, "g.bin", None, "binary")]
    assert sorted(stored, key=str) == sorted(want, key=str)
    assert one(con, "SELECT skipped FROM runs WHERE run_id = ?", w.run_id)[0] == 2


def test_a_failing_batch_leaves_nothing_behind(con):
    w = writer(con)
    w.add_post(post("1"))
    w.flush()
    before = {
        t: one(con, f"SELECT count(*) FROM {t}")[0]
        for t in ("posts", "post_entities", "raw_payloads", "profile_snapshots", "run_skips")
    }
    w.add_raw("x-v2", b"payload of the failing batch", file="f", line=1, retrieved_at=None)
    w.add_post(post("2", entities=[Entity("hashtag", "t", "t")]))
    w.add_profile(snap(T1, 3))
    w.add_skip(Skip("f", 2, "x"))
    w.add_post(post("3", kind=None))  # violates NOT NULL: the whole batch must roll back
    with pytest.raises(Exception):  # noqa: B017 - whatever the store raises
        w.flush()
    after = {t: one(con, f"SELECT count(*) FROM {t}")[0] for t in before}
    assert after == before
    assert one(con, "SELECT posts_new FROM runs WHERE run_id = ?", w.run_id)[0] == 1
    # the connection is usable again
    w.add_post(post("4"))
    assert w.flush().posts_new == 1
