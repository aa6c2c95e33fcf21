"""Enrichment of a store: what it writes, that it is incremental and versioned, and the content
analyses over it, on constructed posts with known answers."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack.analyses import content
from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.enrich.run import enrich_store
from diplotrack.records import Entity, Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - actor_id: emb-fr
    name: Embassy in France
    kind: embassy
    state: CN
    host_country: FR
    accounts: [{platform: x, handle: AmbassadeChine, user_id: "1"}]
  - actor_id: mfa
    name: Ministry
    kind: ministry
    state: CN
    accounts: [{platform: x, handle: MFA_China, user_id: "2"}]
"""

POSTS = [
    # (id, author, text, kind, reposted_author_id, entities)
    (
        "p1",
        "1",
        "Bonjour à tous nos amis français, bonne année et bonne santé ! Coopération gagnant-gagnant.",
        "original",
        None,
        [],
    ),
    (
        "p2",
        "1",
        "China firmly opposes the so-called sanctions and the smear campaign by the US. Stop lying!",
        "original",
        None,
        [],
    ),
    (
        "p3",
        "1",
        "#Xinjiang #China",
        "original",
        None,
        [Entity("hashtag", "Xinjiang", "xinjiang"), Entity("hashtag", "China", "china")],
    ),
    ("p4", "1", "RT @MFA_China: We thank our friends for their support and cooperation.", "repost", "2", []),
    (
        "p5",
        "1",
        "Read more about the Belt and Road https://t.co/x",
        "original",
        None,
        [Entity("url", "https://t.co/x", "https://www.globaltimes.cn/page/202201/1.shtml")],
    ),
    ("p6", "2", "中方坚决反对美方干涉中国内政，敦促美方立即停止抹黑。", "original", None, []),
    ("p7", "1", "Thanks!", "original", None, []),
]


@pytest.fixture
def store(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)
    w = StoreWriter(con, 0)
    for pid, author, text, kind, rep, ents in POSTS:
        w.add_post(
            Post(
                platform="x",
                post_id=pid,
                author_id=author,
                author_handle=None,
                created_at=datetime(2022, 1, int(pid[1:]) + 1),
                text=text,
                lang=None,
                kind=kind,
                provenance=Provenance("test"),
                reposted_author_id=rep,
                reposted_post_id="p0" if rep else None,
                entities=list(ents),
            )
        )
    w.add_post(
        Post(
            platform="x",
            post_id="p0",
            author_id="2",
            author_handle="MFA_China",
            created_at=datetime(2022, 1, 1),
            text="We thank our friends for their support and cooperation.",
            lang="en",
            kind="original",
            provenance=Provenance("test"),
        )
    )
    w.flush()
    return con


def _rows(con, sql: str) -> dict:  # type: ignore[no-untyped-def]
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def test_enrichment_columns_on_known_posts(store) -> None:  # type: ignore[no-untyped-def]
    report = enrich_store(store, workers=1)
    assert report.posts_enriched == report.posts_total == 8
    got = _rows(
        store,
        "SELECT post_id, lang_detected, tone_label, topics, domains, state_media, state_media_via "
        "FROM posts_enriched ORDER BY post_id",
    )
    assert got["p1"][0] == "fr" and got["p1"][1] == "neutral"  # French: no lexicon, few training posts
    assert got["p0"][0] == "en" and got["p0"][1] == "conciliatory"
    assert got["p2"][0] == "en" and got["p2"][1] == "confrontational" and "united_states" in got["p2"][2]
    assert got["p3"][0] == "und" and "xinjiang" in got["p3"][2]  # hashtag-only: no language guessed
    assert got["p5"][3] == ["globaltimes.cn"] and got["p5"][5] == ["link"] and "belt_and_road" in got["p5"][2]
    assert got["p6"][0] == "zh" and got["p6"][1] == "confrontational"
    assert got["p7"][0] == "und"
    cues = store.execute("SELECT tone_cues FROM posts_enriched WHERE post_id = 'p2'").fetchone()[0]
    assert any(c.startswith("confrontational:") for c in cues)


def test_second_run_does_no_work_and_a_new_topic_file_redoes_everything(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    enrich_store(store, workers=1)
    again = enrich_store(store, workers=1)
    assert again.posts_enriched == 0
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "version: mine-1\ntopics:\n  - id: greetings\n    label: Greetings\n    terms:\n      en: [bonne année]\n",
        encoding="utf-8",
    )
    redo = enrich_store(store, topics_file=extra, workers=1)
    assert redo.posts_enriched == 8 and redo.posts_outdated == 8
    assert store.execute("SELECT count(*) FROM post_enrichment").fetchone()[0] == 8  # replaced, not added
    assert "greetings" in store.execute("SELECT topics FROM posts_enriched WHERE post_id = 'p1'").fetchone()[0]


def test_content_analyses_on_known_posts(store) -> None:  # type: ignore[no-untyped-def]
    enrich_store(store, workers=1)
    t = tables_from_duckdb(store)
    f = Filters()
    amp = content.amplification_shares(t, f, by="handle").to_pandas().set_index("handle")
    # the embassy: 6 posts; p4 reposts the ministry; p5 links Global Times
    assert amp.loc["AmbassadeChine", "posts"] == 6
    assert amp.loc["AmbassadeChine", "ministry_posts"] == 1 and amp.loc["AmbassadeChine", "state_media_posts"] == 1
    host = content.host_language_share(t, f).to_pandas().set_index("handle")
    # reposts left out; detected: p1 (fr) and p2, p5 (en); p3, p7 und → 1 of 3 in a language of France
    assert host.loc["AmbassadeChine", "posts_with_language"] == 3
    assert host.loc["AmbassadeChine", "posts_in_host_language"] == 1
    assert host.loc["AmbassadeChine", "host_language_share"] == pytest.approx(1 / 3, abs=1e-4)
    tags = content.top_entities(t, f, "hashtag").to_pandas()
    assert set(zip(tags["value"], tags["form"], strict=True)) == {("xinjiang", "Xinjiang"), ("china", "China")}
    ext = content.extreme_posts(t, f, n=1).to_pandas().set_index("side")
    assert ext.loc["confrontational", "post_id"] in ("p2", "p6")
    assert ext.loc["conciliatory", "post_id"] in ("p0", "p7")  # p7 "Thanks!": thanks are conciliatory
    langs = content.languages(t, f, by="kind").to_pandas()
    emb = langs[langs["kind"] == "embassy"].set_index("lang_detected")["posts"].to_dict()
    assert emb == {"en": 3, "und": 2, "fr": 1}  # p2, p4 (the reposted text), p5 en; p3, p7 und; p1 fr


def test_distinctive_terms_against_the_other_accounts(store) -> None:  # type: ignore[no-untyped-def]
    w = StoreWriter(store, 0)
    for i in range(3):
        w.add_post(
            Post(
                platform="x",
                post_id=f"panda{i}",
                author_id="1",
                author_handle=None,
                created_at=datetime(2022, 2, 1 + i),
                text=f"Giant pandas in Chengdu, picture {i}",
                lang=None,
                kind="original",
                provenance=Provenance("test"),
            )
        )
    w.flush()
    enrich_store(store, workers=1)
    terms = content.distinctive_terms(tables_from_duckdb(store), Filters(), n=5).to_pandas()
    emb = terms[terms["handle"] == "AmbassadeChine"]
    assert set(emb["period"]) == {"2022"}
    top = emb.set_index("term").loc["pandas"]
    # a = 3 in the group (3 posts), b = 0 elsewhere; G2 = 2 * a * ln(a / E1), E1 = c * a / (c + d)
    assert (top["count"], top["reference_count"]) == (3, 0)
    from diplotrack.enrich.terms import tokenize

    counts = {"1": 0, "2": 0}  # tokens per author, as the analysis reads them (reposts left out)
    for author, text, lang in store.execute(
        "SELECT author_id, text, lang_detected FROM posts_enriched WHERE kind <> 'repost'"
    ).fetchall():
        counts[author] += len(tokenize(text, lang))
    import math

    c, d = counts["1"], counts["2"]
    assert top["g2"] == pytest.approx(2 * 3 * math.log(3 / (c * 3 / (c + d))), abs=0.01)


def test_distinctive_terms_keyness_by_hand(store) -> None:  # type: ignore[no-untyped-def]
    """G² of terms seen in both groups, and terms under-represented in a group left out (the checks
    the unused ``topics.keyness`` had, now on the report's G²)."""
    enrich_store(store, workers=1)
    target = ["cotton"] * 10 + ["china"] * 60 + ["solar"] * 30  # c = 100 tokens, in p2 (AmbassadeChine)
    reference = ["cotton"] * 5 + ["china"] * 175 + ["solar"] * 20  # d = 200 tokens, in p6 (MFA_China)
    store.execute("UPDATE post_enrichment SET terms = NULL")
    store.execute("UPDATE post_enrichment SET terms = ? WHERE post_id = 'p2'", [target])
    store.execute("UPDATE post_enrichment SET terms = ? WHERE post_id = 'p6'", [reference])
    terms = content.distinctive_terms(tables_from_duckdb(store), Filters(), n=5).to_pandas()
    emb = terms[terms["handle"] == "AmbassadeChine"]
    # china: 60/100 < 175/200, under-represented in the group: not listed
    assert list(emb["term"]) == ["solar", "cotton"] and list(emb["rank"]) == [1, 2]
    cotton = emb.set_index("term").loc["cotton"]
    # E1 = 100*15/300 = 5, E2 = 200*15/300 = 10, G² = 2*(10 ln(10/5) + 5 ln(5/10)) = 10 ln 2
    assert (cotton["count"], cotton["reference_count"]) == (10, 5)
    assert cotton["g2"] == pytest.approx(10 * math.log(2), abs=0.01)
    solar = emb.set_index("term").loc["solar"]
    e1, e2 = 100 * 50 / 300, 200 * 50 / 300
    assert solar["g2"] == pytest.approx(2 * (30 * math.log(30 / e1) + 20 * math.log(20 / e2)), abs=0.01)
    mfa = terms[terms["handle"] == "MFA_China"]
    assert list(mfa["term"]) == ["china"]  # the other way round, only china is over-represented
