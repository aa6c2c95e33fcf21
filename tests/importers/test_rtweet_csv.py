"""rtweet CSV timelines: the four real bundled exports, checked against the csv module's reading."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.importers.run import import_paths

TIMELINES = ("MFA_China.csv", "SpokespersonCHN.csv", "globaltimesnews.csv", "zlj517.csv")


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def first_by_key(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], dict[str, str]]:
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for r in rows:
        out.setdefault((r["screen_name"], r["created_at"], r["full_text"]), r)
    return out


def stored_by_key(con) -> dict[tuple[str, datetime, str], tuple]:
    got = {}
    for row in con.execute(
        "SELECT author_handle, created_at, text, post_id, like_count, repost_count, reply_count, "
        "quote_count, metrics_observed_at, kind, author_id FROM posts"
    ).fetchall():
        key = row[:3]
        assert key not in got, f"two posts for one (handle, time, text): {key}"
        got[key] = row[3:]
    return got


def iso(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("name", TIMELINES)
def test_timeline_posts_and_metrics(con, demo_dir, name):
    path = demo_dir / name
    rows = read_rows(path)
    want = first_by_key(rows)
    report = import_paths(con, [path])
    assert report.formats == {str(path): "rtweet-csv"}
    assert report.skipped == []
    assert report.posts_new == len(want)
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == len(want)
    got = stored_by_key(con)
    assert len(got) == len(want)
    for (handle, created, text), r in want.items():
        stored = got[(handle, iso(created), text)]
        post_id, likes, reposts, replies, quotes, observed, kind, author_id = stored
        assert post_id.startswith("derived:")
        assert likes == int(r["favorite_count"])
        assert reposts == int(r["retweet_count"])
        assert (replies, quotes) == (None, None)  # not in the export: missing, never 0
        assert observed is None  # the export does not say when the counts were seen
        assert kind == ("repost" if text.startswith("RT @") else "original")
        assert author_id == "handle:" + handle.lower()


def test_all_four_timelines_together(con, demo_dir):
    paths = [demo_dir / n for n in TIMELINES]
    want = sum(len(first_by_key(read_rows(p))) for p in paths)
    report = import_paths(con, paths)
    assert report.posts_new == want
    per_author = dict(con.execute("SELECT author_handle, count(*) FROM posts GROUP BY 1").fetchall())
    assert per_author == {p.stem: len(first_by_key(read_rows(p))) for p in paths}


def test_derived_ids_stable_across_reimport_and_row_order(tmp_path, demo_dir, new_store):
    src = demo_dir / "zlj517.csv"
    rows = read_rows(src)
    reordered = tmp_path / "zlj517-reversed.csv"
    with open(reordered, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(reversed(rows))
    ids = []
    for i, path in enumerate([src, reordered]):
        c = new_store(tmp_path / f"s{i}.duckdb")
        import_paths(c, [path])
        ids.append(dict(c.execute("SELECT post_id, text FROM posts").fetchall()))
        again = import_paths(c, [path])
        assert (again.posts_new, again.posts_updated) == (0, 0)
        c.close()
    assert ids[0] == ids[1]
    assert len(ids[0]) == len(first_by_key(rows))


_HASHTAG = re.compile(r"(?:^|\s)#([A-Za-z]+)(?=[\s.,!?:;]|$)")
_MENTION = re.compile(r"(?:^|\s)@([A-Za-z0-9_]{1,15})(?=[\s.,!?:;]|$)")
_TCO = re.compile(r"https://t\.co/[A-Za-z0-9]+")


def test_entities_from_text(con, demo_dir):
    path = demo_dir / "SpokespersonCHN.csv"
    want = first_by_key(read_rows(path))
    import_paths(con, [path])
    ents: dict[tuple, set] = {}
    for handle, created, text, typ, value, norm in con.execute(
        "SELECT p.author_handle, p.created_at, p.text, e.type, e.value, e.normalized "
        "FROM post_entities e JOIN posts p USING (platform, post_id)"
    ).fetchall():
        ents.setdefault((handle, created, text), set()).add((typ, value, norm))
    n_checked = 0
    for handle, created, text in want:
        got = ents.get((handle, iso(created), text), set())
        for tag in _HASHTAG.findall(text):
            assert ("hashtag", tag, tag.casefold()) in got, (text, tag)
            n_checked += 1
        for m in _MENTION.findall(text):
            assert ("mention", m, m.lower()) in got, (text, m)
            n_checked += 1
        for u in _TCO.findall(text):
            assert ("url", u, u) in got, (text, u)
            n_checked += 1
        # and nothing that is not in the text
        for typ, value, _ in got:
            prefix = {"hashtag": "#", "mention": "@", "cashtag": "$", "url": ""}[typ]
            assert prefix + value in text, (typ, value, text)
    assert n_checked > 1000


def test_export_with_ids_and_retweet_columns(con, rows, tmp_path):
    path = tmp_path / "with-ids.csv"
    path.write_text(
        "status_id,user_id,created_at,screen_name,text,is_retweet,retweet_status_id,retweet_user_id,"
        "reply_to_status_id,reply_to_user_id,quoted_status_id,favorite_count,retweet_count,lang\n"
        "101,9,2021-03-01 10:00:00,Alice,RT @bob: hello,TRUE,55,7,,,,0,3,en\n"
        "102,9,2021-03-01 11:00:00,Alice,@bob yes,FALSE,,,56,7,,2,0,en\n"
        "103,9,2021-03-01 12:00:00,Alice,look https://t.co/abc,FALSE,,,,,57,NA,1,en\n",
        encoding="utf-8",
    )
    report = import_paths(con, [path], fmt="rtweet-csv")
    assert report.skipped == []
    got = {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}
    assert set(got) == {"101", "102", "103"}
    assert (got["101"]["kind"], got["101"]["reposted_post_id"], got["101"]["reposted_author_id"]) == (
        "repost",
        "55",
        "7",
    )
    assert (got["102"]["kind"], got["102"]["replied_to_post_id"], got["102"]["replied_to_author_id"]) == (
        "reply",
        "56",
        "7",
    )
    assert (got["103"]["kind"], got["103"]["quoted_post_id"]) == ("quote", "57")
    assert got["103"]["like_count"] is None  # NA: missing
    assert got["101"]["author_id"] == "9"
    assert got["101"]["created_at"] == datetime(2021, 3, 1, 10, 0, 0)
