"""The same posts written another way (line endings, time format, rtweet's id prefix, one-line
JSON) import as the same posts, and --observed-at dates the counts of undated exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from diplotrack.importers.run import import_paths


def _crlf_copy(src: Path, dst: Path, *, time_format: str | None = None) -> None:
    rows = list(csv.DictReader(src.open(encoding="utf-8", newline="")))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        r = dict(r)
        r["full_text"] = r["full_text"].replace("\n", "\r\n")
        if time_format:
            r["created_at"] = datetime.fromisoformat(r["created_at"].replace("Z", "")).strftime(time_format)
        w.writerow(r)
    dst.write_bytes(buf.getvalue().encode())


def test_crlf_and_other_time_format_are_the_same_posts(con, tmp_path, demo_dir) -> None:
    src = demo_dir / "zlj517.csv"
    first = import_paths(con, [src])
    _crlf_copy(src, tmp_path / "crlf.csv", time_format="%Y-%m-%d %H:%M:%S")
    again = import_paths(con, [tmp_path / "crlf.csv"])
    assert first.posts_new == 960
    assert (again.posts_new, len(again.skipped)) == (0, 0)
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 960


def test_rtweet_prefixed_ids_and_quoted_author(con, tmp_path) -> None:
    f = tmp_path / "rt.csv"
    f.write_text(
        "status_id,user_id,created_at,screen_name,text,quoted_status_id,quoted_user_id,favorite_count\n"
        "x1001,x42,2022-01-01 10:00:00,someone,look,x555,x77,3\n"
    )
    r = import_paths(con, [f])
    assert r.posts_new == 1 and not r.skipped
    row = con.execute("SELECT post_id, author_id, kind, quoted_post_id, quoted_author_id FROM posts").fetchone()
    assert row == ("1001", "42", "quote", "555", "77")


def test_observed_at_dates_csv_metrics_so_a_later_export_updates_them(con, tmp_path) -> None:
    header = "created_at,full_text,retweet_count,favorite_count,screen_name\n"
    (tmp_path / "early.csv").write_text(header + "2022-01-01T10:00:00Z,hello,1,10,zlj517\n")
    (tmp_path / "late.csv").write_text(header + "2022-01-01T10:00:00Z,hello,5,99,zlj517\n")
    import_paths(con, [tmp_path / "early.csv"], observed_at=datetime(2022, 2, 1))
    r = import_paths(con, [tmp_path / "late.csv"], observed_at=datetime(2022, 6, 1))
    assert (r.posts_new, r.posts_updated) == (0, 1)
    got = con.execute("SELECT like_count, repost_count, metrics_observed_at FROM posts").fetchone()
    assert got == (99, 5, datetime(2022, 6, 1))
    older = import_paths(con, [tmp_path / "early.csv"], observed_at=datetime(2022, 2, 1))
    assert older.posts_updated == 0
    assert con.execute("SELECT like_count FROM posts").fetchone()[0] == 99


def test_one_line_json_array_of_exchanges(con, tmp_path, tweepy_dir) -> None:
    exchanges = json.loads((tweepy_dir / "test_client_get_tweets.json").read_text())
    (tmp_path / "compact.json").write_text(json.dumps(exchanges))
    r = import_paths(con, [tmp_path / "compact.json"])
    want = {t["id"] for ex in exchanges for t in ex["body"]["data"]}
    assert r.posts_new == len(want) and not r.skipped
    assert {p for (p,) in con.execute("SELECT post_id FROM posts").fetchall()} == want


def test_errors_that_are_not_an_array_are_reported(con, tmp_path) -> None:
    (tmp_path / "e.jsonl").write_text(json.dumps({"data": [{"id": "1", "text": "x"}], "errors": {"title": "x"}}) + "\n")
    r = import_paths(con, [tmp_path / "e.jsonl"])
    assert r.posts_new == 1
    assert [(s.line, "errors" in s.reason) for s in r.skipped] == [(1, True)]


def test_a_real_replacement_character_is_text_not_binary(con, tmp_path) -> None:
    f = tmp_path / "fffd.csv"
    f.write_text("created_at,full_text,screen_name\n2022-01-01T00:00:00Z,caf\ufffd,someone\n", encoding="utf-8")
    r = import_paths(con, [f])
    assert (r.posts_new, r.skipped) == (1, [])


def test_an_unbalanced_quote_says_how_many_lines_it_swallowed(con, tmp_path) -> None:
    lines = ["created_at,full_text,retweet_count,favorite_count,screen_name"]
    lines.append('2022-01-01T00:00:00Z,"broken,1,1,someone')
    lines += [f"2022-01-0{1 + i % 9}T00:00:00Z,post {i},1,1,someone" for i in range(10)]
    (tmp_path / "q.csv").write_text("\n".join(lines) + "\n")
    r = import_paths(con, [tmp_path / "q.csv"])
    assert len(r.skipped) == 1
    assert r.skipped[0].line == 2 and "to line 12" in r.skipped[0].reason and "unbalanced quote" in r.skipped[0].reason
