"""Importing the same files twice changes nothing; a newer observation updates metrics, an older
one does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from diplotrack.importers.run import import_paths

TABLES = ("posts", "post_entities", "profile_snapshots", "api_errors", "raw_payloads")


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def test_second_import_of_everything_changes_nothing(con, twarc_dir, tweepy_dir, demo_dir, fixtures_dir):
    paths = [twarc_dir, tweepy_dir, demo_dir, fixtures_dir / "io-archive"]
    first = import_paths(con, paths)
    assert first.posts_new > 10_000
    before = counts(con)
    snapshot = con.execute("SELECT * FROM posts ORDER BY post_id").fetchall()
    second = import_paths(con, paths)
    assert (second.posts_new, second.posts_updated, second.profiles) == (0, 0, 0)
    assert second.entities_new == 0
    assert second.api_errors == 0
    assert counts(con) == before
    # not a single value changed (provenance and first_seen_at included)
    assert con.execute("SELECT * FROM posts ORDER BY post_id").fetchall() == snapshot
    # the second run's skips are the same as the first's: the same input is reported the same way
    assert sorted((s.file, s.line) for s in second.skipped) == sorted((s.file, s.line) for s in first.skipped)
    statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY run_id").fetchall()]
    assert statuses == ["ok_with_skips", "ok_with_skips"]


def observation(src: Path, dst: Path, retrieved_at: str, like_delta: int) -> tuple[dict, dict]:
    page = json.loads(src.read_bytes())
    page["__twarc"]["retrieved_at"] = retrieved_at
    tweet = page["data"][0]
    tweet["public_metrics"]["like_count"] += like_delta
    dst.write_text(json.dumps(page) + "\n")
    return page, tweet


def metrics_posts(page: dict) -> set[str]:
    tweets = page["data"] + page.get("includes", {}).get("tweets", [])
    return {t["id"] for t in tweets if "public_metrics" in t}


def test_newer_observation_updates_metrics(con, tmp_path, twarc_dir):
    src = twarc_dir / "noflat.jsonl"
    original = json.loads(src.read_bytes())
    import_paths(con, [src])
    newer, tweet = observation(src, tmp_path / "later.jsonl", "2021-04-09T10:00:00+00:00", +1000)
    report = import_paths(con, [tmp_path / "later.jsonl"])
    assert report.posts_new == 0
    assert report.posts_updated == len(metrics_posts(newer))
    suspended = [e for e in newer["errors"] if "suspended" in e["detail"]]  # each is a snapshot too
    assert report.profiles == len({u["id"] for u in newer["includes"]["users"]}) + len(suspended)
    like, observed = con.execute(
        "SELECT like_count, metrics_observed_at FROM posts WHERE post_id = ?", [tweet["id"]]
    ).fetchone()
    assert like == original["data"][0]["public_metrics"]["like_count"] + 1000
    assert observed == datetime(2021, 4, 9, 10, 0, 0)
    # history of profiles is kept: two snapshots for each user now
    n_users = len({u["id"] for u in original["includes"]["users"]})
    assert (
        con.execute("SELECT count(DISTINCT observed_at) FROM profile_snapshots WHERE status = 'active'").fetchone()[0]
        == 2
    )
    active = con.execute("SELECT count(*) FROM profile_snapshots WHERE status = 'active'").fetchone()[0]
    assert active == 2 * n_users
    # provenance stays with the first full observation
    file = con.execute("SELECT provenance.file FROM posts WHERE post_id = ?", [tweet["id"]]).fetchone()[0]
    assert file == str(src)


def test_older_observation_does_not_overwrite(con, tmp_path, twarc_dir):
    src = twarc_dir / "noflat.jsonl"
    original = json.loads(src.read_bytes())
    import_paths(con, [src])
    before = con.execute("SELECT post_id, like_count, metrics_observed_at FROM posts ORDER BY 1").fetchall()
    _, tweet = observation(src, tmp_path / "earlier.jsonl", "2021-04-08T19:00:00+00:00", -5)
    report = import_paths(con, [tmp_path / "earlier.jsonl"])
    assert (report.posts_new, report.posts_updated) == (0, 0)
    after = con.execute("SELECT post_id, like_count, metrics_observed_at FROM posts ORDER BY 1").fetchall()
    assert after == before
    like, observed = con.execute(
        "SELECT like_count, metrics_observed_at FROM posts WHERE post_id = ?", [tweet["id"]]
    ).fetchone()
    assert like == original["data"][0]["public_metrics"]["like_count"]
    assert observed == utc(original["__twarc"]["retrieved_at"])


def test_newer_observation_in_the_same_run(con, tmp_path, twarc_dir):
    """Both observations in one import (one batch): the newer still wins, whatever the file order."""
    src = twarc_dir / "two_tweets.jsonl"
    page = json.loads(src.read_bytes())
    _, tweet = observation(src, tmp_path / "b-newer.jsonl", "2022-01-01T00:00:00+00:00", +7)
    a = tmp_path / "a-older.jsonl"
    a.write_bytes(src.read_bytes())
    import_paths(con, [tmp_path / "b-newer.jsonl", a])
    like, observed = con.execute(
        "SELECT like_count, metrics_observed_at FROM posts WHERE post_id = ?", [tweet["id"]]
    ).fetchone()
    assert like == page["data"][0]["public_metrics"]["like_count"] + 7
    assert observed == datetime(2022, 1, 1)


def test_fill_from_a_later_fuller_observation(con, tmp_path, rows):
    """A post first seen bare (no metrics, no author) gains what a later observation gives."""
    bare = {"data": [{"id": "5", "text": "hi"}], "__twarc": {"retrieved_at": "2022-01-01T00:00:00+00:00"}}
    full = {
        "data": [
            {
                "id": "5",
                "text": "hi",
                "author_id": "9",
                "created_at": "2021-12-31T23:00:00.000Z",
                "lang": "en",
                "public_metrics": {"like_count": 3, "retweet_count": 1, "reply_count": 0, "quote_count": 0},
            }
        ],
        "includes": {"users": [{"id": "9", "username": "nine", "name": "Nine"}]},
        "__twarc": {"retrieved_at": "2021-06-01T00:00:00+00:00"},  # older, but the first with metrics
    }
    (tmp_path / "bare.jsonl").write_text(json.dumps(bare) + "\n")
    (tmp_path / "full.jsonl").write_text(json.dumps(full) + "\n")
    import_paths(con, [tmp_path / "bare.jsonl"])
    report = import_paths(con, [tmp_path / "full.jsonl"])
    assert (report.posts_new, report.posts_updated) == (0, 1)
    (p,) = rows(con, "SELECT * FROM posts")
    assert (p["author_id"], p["author_handle"], p["lang"], p["like_count"]) == ("9", "nine", "en", 3)
    assert p["metrics_observed_at"] == datetime(2021, 6, 1)
    again = import_paths(con, [tmp_path / "full.jsonl", tmp_path / "bare.jsonl"])
    assert (again.posts_new, again.posts_updated) == (0, 0)
