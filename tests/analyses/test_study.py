"""The study module's analyses on a constructed store, against figures worked out by hand: the most
engaging posts (unknown counts stay unknown, reposts are not ranked), deletions (unknown where no
live collection could see them), and a topic's share per month (of the enriched posts only)."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from small_roster import write_roster

from diplotrack.analyses import study
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb
from diplotrack.analyses.registry import ANALYSES, run
from diplotrack.errors import InvalidValueError, UsageError
from diplotrack.roster import import_roster

D = datetime
ACTORS = [
    ("cn-emb-a", "embassy", "EmbA", "100", "FR"),  # collected live: deletions can be seen
    ("cn-min-c", "ministry", "MinC", None, None),  # from an archive only
    ("cn-dip-q", "diplomat", "QuietD", None, "JP"),  # never posts
]
# post_id, author_id, created_at, kind, likes, reposts, replies, quotes, deleted_at
POSTS = [
    ("p1", "100", D(2022, 1, 10), "original", 10, 5, 2, 1, None),
    ("p2", "handle:emba", D(2022, 1, 20), "repost", 900, 900, None, None, None),  # the reposted post's counts
    ("p3", "100", D(2022, 2, 3), "reply", 40, None, None, None, D(2022, 2, 5)),  # only likes known
    ("p4", "handle:minc", D(2022, 2, 10), "original", None, None, None, None, None),  # no counts at all
    ("p5", "handle:minc", D(2022, 3, 1), "quote", 3, 3, 0, 0, None),
    ("p6", "100", D(2022, 3, 15), "original", 7, 0, None, None, D(2022, 3, 20)),
    ("p7", "handle:stranger", D(2022, 3, 2), "original", 999, 999, 9, 9, D(2022, 3, 3)),  # not tracked
]
# post_id -> topics (a missing post is not enriched)
TOPICS = {"p1": ["covid19"], "p2": ["covid19", "taiwan"], "p3": [], "p5": ["taiwan"], "p6": ["covid19"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, new_store):  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("study")
    con = new_store(path / "s.duckdb")
    import_roster(con, write_roster(path, ACTORS))
    con.executemany(
        "INSERT INTO posts (platform, post_id, author_id, created_at, kind, text, like_count, repost_count, "
        "reply_count, quote_count, deleted_at, first_seen_at) VALUES ('x', ?, ?, ?, ?, 'text of ' || ?, ?, ?, ?, ?, ?, "
        "now())",
        [[p[0], p[1], p[2], p[3], p[0], *p[4:]] for p in POSTS],
    )
    con.executemany(
        "INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, topics, enriched_at) "
        "VALUES ('x', ?, 'test', 'en', ?, now())",
        [[k, v] for k, v in TOPICS.items()],
    )
    con.execute(
        "INSERT INTO collection_cursors (platform, user_id, endpoint, sweep_open, last_complete_at, updated_at) "
        "VALUES ('x', '100', 'users/:id/tweets', false, TIMESTAMP '2022-04-01', now())"
    )
    yield tables_from_duckdb(con)
    con.close()


def test_most_engaging_posts_rank_known_counts_and_keep_unknown_ones_unknown(store: Tables) -> None:
    df = study.most_engaging_posts(store, Filters(), n=3).to_pandas()
    # p3: 40 (likes only); p1: 10+5+2+1 = 18; p6: 7 (replies, quotes unknown); not p2 (a repost), not p4
    assert list(df["post_id"]) == ["p3", "p1", "p6"] and list(df["rank"]) == [1, 2, 3]
    assert list(df["engagement"]) == [40, 18, 7]
    p3 = df.iloc[0]
    assert p3["likes"] == 40 and pd.isna(p3["reposts"]) and pd.isna(p3["replies"]) and pd.isna(p3["quotes"])
    assert p3["handle"] == "EmbA" and p3["text"] == "text of p3"
    # coverage of the ranking: 5 tracked posts that are not reposts, 4 of them with a count (not p4)
    assert set(df["posts_considered"]) == {5} and set(df["posts_with_metrics"]) == {4}
    assert len(study.most_engaging_posts(store, Filters(kinds=("ministry",))).to_pandas()) == 1  # p5 only


def test_deletions_are_counted_where_they_could_be_seen_and_unknown_elsewhere(store: Tables) -> None:
    posts = study.deleted_posts(store, Filters()).to_pandas()
    assert list(posts["post_id"]) == ["p6", "p3"]  # the most recently deleted first; the stranger's not
    by = study.deletions_by_account(store, Filters()).to_pandas().set_index("handle")
    emb, minc, quiet = by.loc["EmbA"], by.loc["MinC"], by.loc["QuietD"]
    assert (emb["deleted"], emb["checked"], emb["last_checked_at"]) == (2, True, D(2022, 4, 1))
    assert emb["last_deleted_at"] == D(2022, 3, 20)
    # never collected live: unknown, not 0
    assert pd.isna(minc["deleted"]) and not minc["checked"] and pd.isna(minc["last_checked_at"])
    assert pd.isna(quiet["deleted"]) and not quiet["checked"]
    assert list(by.index)[0] == "EmbA"  # most deletions first
    # the window applies to the posts' times: from March, only p6
    f = Filters(kinds=("embassy",), start=D(2022, 3, 1))
    assert study.deletions_by_account(store, f).to_pandas()["deleted"].tolist() == [1]


def test_topic_trend_is_the_share_of_enriched_posts_per_month(store: Tables) -> None:
    df = study.topic_trend(store, Filters()).to_pandas()
    got = {str(r.month)[:7]: (r.posts, r.posts_enriched, r.topic_posts, r.share) for r in df.itertuples()}
    # January: p1, p2 (a repost counts with its topics) both covid; February: p3 (no topic), p4 not enriched;
    # March: p5 (taiwan), p6 (covid)
    assert got["2022-01"] == (2, 2, 2, 1.0)
    assert got["2022-02"] == (2, 1, 0, 0.0)
    assert got["2022-03"][:3] == (2, 2, 1) and got["2022-03"][3] == pytest.approx(0.5)
    taiwan = study.topic_trend(store, Filters(), topic="taiwan").to_pandas()
    assert list(taiwan["topic_posts"]) == [1, 0, 1]


def test_topic_trend_with_no_enriched_post_in_a_month_is_unknown(store: Tables) -> None:
    df = study.topic_trend(store, Filters(kinds=("ministry",), start=D(2022, 2, 1), end=D(2022, 3, 1))).to_pandas()
    assert list(df["posts"]) == [1] and list(df["posts_enriched"]) == [0] and pd.isna(df["share"].iloc[0])


def test_bad_parameters_are_refused_with_one_sentence(store: Tables) -> None:
    with pytest.raises(InvalidValueError, match=r"topic 'covid' is not in the bundled taxonomy; choose one of: covid"):
        study.topic_trend(store, Filters(), topic="covid")
    with pytest.raises(UsageError, match="n must be a whole number"):
        study.most_engaging_posts(store, Filters(), n=-1)


def test_every_study_function_is_registered_documented_and_runs_with_its_coverage(store: Tables) -> None:
    registered = {a.function: a for a in ANALYSES}
    docs = Path(__file__).resolve().parents[2] / "docs" / "analyses"
    for name, fn in inspect.getmembers(study, inspect.isfunction):
        if fn.__module__ != study.__name__ or name.startswith("_") or name == "topic_ids":  # a helper
            continue
        a = registered[fn]
        assert a.module == "study" and a.section == "study"
        assert name in (docs / "study.md").read_text() and name in (docs / "README.md").read_text()
        r = run(name, store, Filters())
        assert r.coverage.selected == 3 and r.coverage.accounts == 2  # QuietD never posts
