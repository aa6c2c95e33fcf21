"""The CHC influencer-mentions CSV (real, bundled): one post per distinct engagement."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime

from diplotrack.importers.run import import_paths

NAME = "chc-influencer-mentions-2019-2022.csv"
KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote", "original": "original"}


def read_rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_rows_and_distinct_posts(con, demo_dir):
    path = demo_dir / NAME
    rows = read_rows(path)
    assert len(rows) == 1431
    combos = {(r["mentioner"], r["created_at"], r["retweet"], r["text"]) for r in rows}
    report = import_paths(con, [path])
    assert report.formats == {str(path): "chc-mentions"}
    assert report.skipped == []
    assert report.records_read == len(rows)
    assert report.posts_new == len(combos)
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == len(combos)
    assert con.execute("SELECT count(DISTINCT post_id) FROM posts").fetchone()[0] == len(combos)
    # kinds per the retweet column
    want_kinds = Counter(KINDS[c[2]] for c in combos)
    got_kinds = dict(con.execute("SELECT kind, count(*) FROM posts GROUP BY kind").fetchall())
    assert got_kinds == dict(want_kinds)


def test_each_mentionee_is_a_mention_and_target(con, demo_dir):
    path = demo_dir / NAME
    rows = read_rows(path)
    import_paths(con, [path])
    posts = {}
    for pid, handle, created, kind, text, author_id, rt_a, q_a, r_a in con.execute(
        "SELECT post_id, author_handle, created_at, kind, text, author_id, "
        "reposted_author_id, quoted_author_id, replied_to_author_id FROM posts"
    ).fetchall():
        posts[(handle, created, kind, text)] = (pid, author_id, rt_a, q_a, r_a)
    mentions: dict[str, set[str]] = {}
    sql = "SELECT post_id, normalized FROM post_entities WHERE type = 'mention'"
    for pid, norm in con.execute(sql).fetchall():
        mentions.setdefault(pid, set()).add(norm)
    listed = Counter((r["mentioner"], r["created_at"], r["retweet"], r["text"]) for r in rows)
    for r in rows:
        kind = KINDS[r["retweet"]]
        key = (r["mentioner"], datetime.strptime(r["created_at"], "%Y-%m-%d"), kind, r["text"])
        pid, author_id, rt_a, q_a, r_a = posts[key]
        assert r["mentionee"].lower() in mentions.get(pid, set()), r
        assert author_id == "handle:" + r["mentioner"].lower()
        target = "handle:" + r["mentionee"].lower()
        if kind == "repost":
            assert rt_a is not None
        elif kind == "quote":
            assert q_a is not None
        elif kind == "reply":
            assert r_a is not None
        else:
            assert (rt_a, q_a, r_a) == (None, None, None)
        # a post listed once (one mentionee) targets that account
        if listed[(r["mentioner"], r["created_at"], r["retweet"], r["text"])] == 1 and kind != "original":
            assert target in (rt_a, q_a, r_a)


def test_reimport_changes_nothing(con, demo_dir):
    path = demo_dir / NAME
    import_paths(con, [path])
    before = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    again = import_paths(con, [path])
    assert (again.posts_new, again.posts_updated, again.profiles) == (0, 0, 0)
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == before


def test_mentionees_listed_in_separate_imports_all_kept(con, demo_dir, tmp_path):
    """A post listed once per mentionee, its rows in two files imported one after the other."""
    path = demo_dir / NAME
    rows = read_rows(path)
    by_post: dict[tuple, list[dict]] = {}
    for r in rows:
        by_post.setdefault((r["mentioner"], r["created_at"], r["retweet"], r["text"]), []).append(r)
    multi = [v for v in by_post.values() if len({r["mentionee"].lower() for r in v}) >= 2]
    assert multi
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for target, part in ((first, [v[0] for v in multi]), (second, [r for v in multi for r in v[1:]])):
        with open(target, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(part)
    import_paths(con, [first])
    import_paths(con, [second])
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == len(multi)
    got: dict[tuple, set[str]] = {}
    for handle, text, norm in con.execute(
        "SELECT p.author_handle, p.text, e.normalized FROM posts p "
        "JOIN post_entities e USING (platform, post_id) WHERE e.type = 'mention'"
    ).fetchall():
        got.setdefault((handle, text), set()).add(norm)
    for v in multi:
        assert {r["mentionee"].lower() for r in v} <= got[(v[0]["mentioner"], v[0]["text"])]
