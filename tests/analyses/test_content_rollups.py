"""The content analyses that count posts read the rollups for day-aligned windows: the same tables
as from the posts (on the demo store, and on a constructed store with ties), and the figures the
constructed posts give by hand."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from small_roster import write_roster

from diplotrack.analyses import content
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb, use_rollups
from diplotrack.roster import import_roster
from diplotrack.store import rollups
from diplotrack.store.db import transaction

D = datetime
WINDOW = Filters(start=D(2022, 3, 1), end=D(2022, 11, 1), kinds=("ministry", "spokesperson", "embassy"))


def both(t: Tables, run) -> tuple[pd.DataFrame, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """``run(tables)`` read from the rollups and from the posts."""
    assert t.rollups
    return run(t).to_pandas(), run(replace(t, rollups=False)).to_pandas()


ANALYSES = {
    "languages_by_kind": lambda t, f: content.languages(t, f, by="kind"),
    "languages_by_month": lambda t, f: content.languages(t, f, by="month"),
    "languages_by_handle": lambda t, f: content.languages(t, f, by="handle"),
    "topics": lambda t, f: content.topics(t, f),
    "topics_by_handle": lambda t, f: content.topics(t, f, by="handle", n=3),
    "topics_by_month": lambda t, f: content.topics(t, f, by="month", n=2),
    "host_language_share": content.host_language_share,
}


@pytest.fixture(scope="module")
def enriched_demo(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path):  # type: ignore[no-untyped-def]
    """The demo store, enriched (languages, topics), its rollups kept by the import and the enrichment
    (a copy of the one built once per run: tests/conftest.py)."""
    path = tmp_path_factory.mktemp("content-demo") / "demo.duckdb"
    shutil.copyfile(enriched_demo_template, path)
    con = duckdb.connect(str(path))
    yield tables_from_duckdb(con)
    con.close()


@pytest.mark.parametrize("name", sorted(ANALYSES))
@pytest.mark.parametrize("f", [Filters(), WINDOW], ids=["all", "window"])
def test_demo_store_same_from_rollups_and_posts(enriched_demo: Tables, name: str, f: Filters) -> None:
    got, want = both(enriched_demo, lambda t: ANALYSES[name](t, f))
    assert len(want) > 0 or name == "host_language_share"  # the demo's missions have no timelines
    pd.testing.assert_frame_equal(got, want)


def test_a_window_not_at_midnight_reads_the_posts(enriched_demo: Tables) -> None:
    assert use_rollups(enriched_demo, WINDOW)
    assert not use_rollups(enriched_demo, replace(WINDOW, end=D(2022, 10, 31, 12)))


ACTORS = [
    ("emb", "embassy", "EmbA", "100", "FR"),
    ("amb", "ambassador", "AmbB", "200", "DE"),
]
# post_id, author, created_at, kind, detected language, topics
POSTS = [
    ("p1", "100", D(2022, 1, 3, 10), "original", "fr", ["economy", "culture"]),
    ("p2", "100", D(2022, 1, 3, 11), "original", "en", ["culture"]),
    ("p3", "100", D(2022, 1, 4), "reply", "zh", ["economy"]),
    ("p4", "100", D(2022, 1, 4, 9), "repost", "en", ["taiwan"]),  # reposts: not in host_language_share
    ("p5", "200", D(2022, 2, 1), "original", "de", ["culture"]),
    ("p6", "200", D(2022, 2, 1, 1), "original", None, []),  # not enriched: language und
    ("p7", "200", None, "original", "en", ["economy"]),  # no time: only in an unbounded window
]


@pytest.fixture
def ties(tmp_path: Path, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path / "s.duckdb")
    import_roster(con, write_roster(tmp_path, ACTORS))
    con.executemany(
        "INSERT INTO posts (platform, post_id, author_id, created_at, kind, first_seen_at) "
        "VALUES ('x', ?, ?, ?, ?, now())",
        [list(p[:4]) for p in POSTS],
    )
    con.executemany(
        "INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, topics, enriched_at) "
        "VALUES ('x', ?, 'test', ?, ?, now())",
        [[p[0], p[4], p[5]] for p in POSTS if p[4] is not None],
    )
    with transaction(con):  # the posts were typed in around the writes that keep the rollups
        rollups.rebuild(con)
    t = tables_from_duckdb(con)
    yield t
    con.close()


def test_ties_in_the_top_language_and_topics_are_broken_in_order(ties: Tables) -> None:
    f = Filters(start=D(2022, 1, 1), end=D(2022, 3, 1))
    got, want = both(ties, lambda t: content.host_language_share(t, f))
    pd.testing.assert_frame_equal(got, want)
    h = got.set_index("handle")
    # EmbA: fr, en, zh once each (its repost left out): a tie, en first alphabetically
    assert h.loc["EmbA"].top_language == "en" and h.loc["EmbA"].posts == 3
    assert (h.loc["EmbA"].posts_with_language, h.loc["EmbA"].posts_in_host_language) == (3, 1)
    # AmbB: de once, und once: a tie, de first; und is no detected language
    assert h.loc["AmbB"].top_language == "de" and h.loc["AmbB"].host_language_share == 1.0
    got, want = both(ties, lambda t: content.topics(t, f, by="handle", n=2))
    pd.testing.assert_frame_equal(got, want)
    emb = got[got.handle == "EmbA"]
    assert list(zip(emb.topic, emb.posts, strict=True)) == [("culture", 2), ("economy", 2)]
    assert list(emb.share) == [0.5, 0.5]


def test_unbounded_window_counts_posts_without_a_time(ties: Tables) -> None:
    for by in ("handle", "month"):
        got, want = both(ties, lambda t, by=by: content.languages(t, Filters(), by=by))
        pd.testing.assert_frame_equal(got, want)
    got, want = both(ties, lambda t: content.topics(t, Filters()))
    pd.testing.assert_frame_equal(got, want)
    assert dict(zip(got.topic, got.posts, strict=True)) == {"culture": 3, "economy": 3, "taiwan": 1}
    langs = content.languages(ties, Filters(), by="handle").to_pandas()
    assert langs[langs.handle == "AmbB"].set_index("lang_detected").posts.to_dict() == {"de": 1, "en": 1, "und": 1}


def test_the_spelling_shown_for_a_hashtag_is_the_most_used_ties_alphabetical(ties: Tables) -> None:
    """``top_entities`` shows one spelling per hashtag: the most used, ties broken by spelling
    (DuckDB's mode() broke them in whatever order rows arrived, so the table changed run to run)."""
    con = ties.backend.con  # type: ignore[attr-defined]
    posts = [r[0] for r in con.execute("SELECT post_id FROM posts WHERE kind <> 'repost' ORDER BY post_id").fetchall()]
    assert len(posts) >= 3
    spellings = ["#Covid", "#COVID", "#covid"]  # once each: a tie, '#COVID' first by spelling
    con.executemany(
        "INSERT INTO post_entities VALUES ('x', ?, 'hashtag', ?, 'covid')", list(zip(posts, spellings, strict=False))
    )
    t = tables_from_duckdb(con)  # the entities were typed in around the writes: base tables
    got = content.top_entities(t, Filters(), what="hashtag").to_pandas()
    row = got[got.value == "covid"].iloc[0]
    assert (row.form, row.posts) == ("#COVID", 3)
    con.execute(
        "INSERT INTO post_entities SELECT platform, post_id, 'hashtag', '#covid', 'covid' FROM posts WHERE post_id = ?",
        [posts[0]],
    )
    got = content.top_entities(tables_from_duckdb(con), Filters(), what="hashtag").to_pandas()
    assert got[got.value == "covid"].iloc[0].form == "#covid"  # now used twice: the most used
