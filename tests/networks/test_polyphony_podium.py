"""Polyphony from the ministry's podium: real statements (a slice of the MFA remarks corpus, through
the bundled roster's mfa accounts) and built English statements, followed to embassies' posts on X
(built, in the rtweet form), with the lags worked out by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from diplotrack.enrich.run import enrich_store
from diplotrack.importers.run import import_paths
from diplotrack.networks.polyphony import PODIUM_COLUMNS, podium_reach, polyphony
from diplotrack.roster import bundled_roster_path, import_roster, load_roster

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
CORPUS = FIXTURES / "mfa-remarks-6-pages-zh.csv"
ENGLISH = FIXTURES / "built-statements-en.csv"
EMBASSIES = FIXTURES / "built-embassy-posts-x.csv"

# a roster that names the English transcripts' speaker on the podium, and three embassies on X
ROSTER_EN = """
roster: 1
name: podium in English
actors:
  - {actor_id: hua, name: Hua Chunying, kind: spokesperson, state: CN,
     accounts: [{platform: mfa, handle: Hua Chunying}]}
  - {actor_id: ca, name: Embassy in Canada, kind: embassy, state: CN, host_country: CA,
     accounts: [{platform: x, handle: ChinaEmbOttawa}]}
  - {actor_id: uk, name: Embassy in the UK, kind: embassy, state: CN, host_country: GB,
     accounts: [{platform: x, handle: ChineseEmbinUK}]}
  - {actor_id: es, name: Embassy in Spain, kind: embassy, state: CN, host_country: ES,
     accounts: [{platform: x, handle: ChinaEmbEsp}]}
"""


def _store(path: Path, new_store, roster_path: Path, files: list[Path]):  # type: ignore[no-untyped-def]
    con = new_store(path)
    roster, problems = load_roster(roster_path)
    assert roster is not None and not problems, problems
    import_roster(con, roster)
    import_paths(con, files)
    enrich_store(con, workers=1)
    return con


@pytest.fixture(scope="module")
def zh_store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    """The bundled roster, the real corpus slice and the embassies' posts."""
    con = _store(tmp_path_factory.mktemp("zh") / "s.duckdb", new_store, bundled_roster_path(), [CORPUS, EMBASSIES])
    yield con
    con.close()


@pytest.fixture(scope="module")
def en_store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("en")
    (base / "r.yaml").write_text(ROSTER_EN, encoding="utf-8")
    con = _store(base / "s.duckdb", new_store, base / "r.yaml", [ENGLISH, EMBASSIES])
    yield con
    con.close()


def test_statements_are_enriched_like_posts(zh_store) -> None:
    rows = zh_store.execute(
        """SELECT e.lang_detected, e.tone_label, len(e.topics) > 0, len(e.terms) > 0
           FROM posts p JOIN post_enrichment e USING (platform, post_id) WHERE p.platform = 'mfa'"""
    ).fetchall()
    assert len(rows) == 80
    assert {r[0] for r in rows} == {"zh"}
    assert all(r[1] in ("conciliatory", "neutral", "confrontational") for r in rows)
    assert sum(r[2] for r in rows) > 40 and all(r[3] for r in rows)


def test_a_topic_first_said_at_the_podium_reaches_embassies_on_x(zh_store) -> None:
    reach = podium_reach(zh_store, what="topic")
    assert list(reach.columns) == list(PODIUM_COLUMNS)
    covid = reach[reach["item"] == "covid19"]
    assert len(covid) == 1
    r = covid.iloc[0]
    # 2020-04-09 (Zhao Lijian) is the first page of the slice that speaks of the epidemic (疫情);
    # Ottawa posted the day before (not reached); Germany 18 h after, the UK 78 h, Spain 273 h
    assert (r["platform"], r["podium_first_use"], r["podium_by"]) == ("x", pd.Timestamp(2020, 4, 9), "赵立坚")
    assert (r["missions"], r["missions_before"], r["missions_reached"]) == (4, 1, 3)
    assert r["median_lag_hours"] == pytest.approx(78.0)
    assert (r["reach_24h"], r["reach_7d"]) == (1, 2)
    # the main table keeps its columns and adds when the podium first said it
    main = polyphony(zh_store, what="topic").set_index("item")
    assert main.loc["covid19", "podium_first_use"] == pd.Timestamp(2020, 4, 9)
    assert main.loc["covid19", "ministry_first_use"] == pd.Timestamp(2020, 4, 9)  # the podium is a ministry voice
    assert main.loc["covid19", "missions_reached"] == 3
    # a platform filter selects the missions' platforms; the podium is read all the same
    assert podium_reach(zh_store, what="topic", platforms=["bluesky"]).empty
    assert len(podium_reach(zh_store, what="topic", platforms=["x"])) == len(reach)
    # a window that starts after the podium's first use starts the story later
    later = podium_reach(zh_store, what="topic", start="2020-04-10").set_index("item")
    assert later.loc["covid19", "podium_first_use"] == pd.Timestamp(2020, 4, 15)


def test_a_term_said_at_the_podium_in_english(en_store) -> None:
    reach = podium_reach(en_store, what="term").set_index("item")
    r = reach.loc["hegemonism"]
    # said 2021-03-01 (date only: 00:00); Spain posted it on 02-20, Ottawa 15 h after, the UK 63 h;
    # Wang Wenbin's use on 03-02 does not count: the roster does not name him on the podium
    assert (r["platform"], r["podium_first_use"], r["podium_by"]) == ("x", pd.Timestamp(2021, 3, 1), "Hua Chunying")
    assert (r["missions"], r["missions_before"], r["missions_reached"]) == (3, 1, 2)
    assert r["median_lag_hours"] == pytest.approx(39.0)
    assert (r["reach_24h"], r["reach_7d"]) == (1, 2)
    main = polyphony(en_store, what="term").set_index("item")
    assert main.loc["hegemonism", "accounts"] == 4
    assert main.loc["hegemonism", "podium_first_use"] == pd.Timestamp(2021, 3, 1)
    # a term no mission repeated is not in the podium table; one the podium never said has no podium date
    assert "competent" not in reach.index
    every = polyphony(en_store, what="term", min_accounts=1).set_index("item")
    assert every.loc["competent", "podium_first_use"] == pd.Timestamp(2021, 3, 1)
    # terms are the ministry's words: Ottawa's "hegemony" (no ministry voice said it) is not followed
    assert "hegemony" not in every.index and "hegemonism" in every.index


def test_podium_reach_without_statements_is_empty_and_typed(en_store) -> None:
    empty = podium_reach(en_store, what="hashtag", end=datetime(2000, 1, 1))
    assert empty.empty and list(empty.columns) == list(PODIUM_COLUMNS)
