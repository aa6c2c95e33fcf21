"""The polyphony view on a constructed store with hand-computed answers: accounts, kinds, languages,
first use, and the spread from the ministry to the missions (lags and 24 h / 7 d reach)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from diplotrack.errors import UsageError
from diplotrack.networks.polyphony import COLUMNS, polyphony
from diplotrack.records import Entity, Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - {actor_id: mfa, name: Ministry, kind: ministry, state: CN,
     accounts: [{platform: x, handle: MFA_China, user_id: "10"}]}
  - {actor_id: spox, name: Spokesperson, kind: spokesperson, state: CN,
     accounts: [{platform: x, handle: Spox, user_id: "11"}]}
  - {actor_id: e1, name: Embassy 1, kind: embassy, state: CN, host_country: FR,
     accounts: [{platform: x, handle: Emb1, user_id: "1"}]}
  - {actor_id: e2, name: Embassy 2, kind: embassy, state: CN, host_country: DE,
     accounts: [{platform: x, handle: Emb2, user_id: "2"}]}
  - {actor_id: e3, name: Embassy 3, kind: embassy, state: CN, host_country: IT,
     accounts: [{platform: x, handle: Emb3, user_id: "3"}, {platform: bluesky, handle: emb3.bsky.social}]}
  - {actor_id: c4, name: Consulate 4, kind: consulate, state: CN, host_country: US,
     accounts: [{platform: x, handle: Cons4, user_id: "4"}]}
  - {actor_id: sm, name: State media, kind: state_media, state: CN,
     accounts: [{platform: x, handle: Media, user_id: "20"}]}
"""

MFA_FIRST = datetime(2022, 1, 2)

# (post id, author id, time, kind, reposted post id, hashtags as written, detected language)
POSTS = [
    ("p1", "1", datetime(2022, 1, 1), "original", None, ["Xinjiang", "China"], "fr"),  # before the ministry
    ("p2", "10", MFA_FIRST, "original", None, ["xinjiang"], "en"),  # the ministry's first use
    ("p3", "20", datetime(2022, 1, 2, 6), "original", None, ["XINJIANG"], "zh"),  # state media: not a mission
    ("p4", "2", datetime(2022, 1, 3), "original", None, ["Xinjiang", "China"], "de"),  # exactly 24 h later
    ("p5", "1", datetime(2022, 1, 4), "original", None, ["xinjiang"], "fr"),  # e1 again: still not reached
    # e3 reposts the ministry's post, Bluesky-style (no hashtags of its own): 84 h after
    ("p6", "3", datetime(2022, 1, 5, 12), "repost", "p2", [], None),
    ("p7", "10", datetime(2022, 1, 6), "original", None, ["xinjiang"], "und"),
    ("p8", "handle:cons4", datetime(2022, 1, 10), "original", None, ["Xinjiang"], "mul"),  # 192 h: past 7 days
    ("p9", "99", datetime(2022, 1, 2), "original", None, ["xinjiang", "china"], "en"),  # not tracked
    ("p10", "1", datetime(2022, 1, 7), "original", None, ["solo"], "fr"),
]

TOPICS = {"p1": ["human_rights"], "p2": ["human_rights", "covid"], "p4": ["covid"], "p7": ["covid"], "p10": []}


@pytest.fixture
def store(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems, problems
    import_roster(con, roster)
    w = StoreWriter(con, 0)
    for pid, author, at, kind, reposted, tags, _ in POSTS:
        w.add_post(
            Post(
                platform="x",
                post_id=pid,
                author_id=author,
                author_handle=None,
                created_at=at,
                text=" ".join(f"#{t}" for t in tags) or None,
                lang=None,
                kind=kind,
                provenance=Provenance("test"),
                reposted_post_id=reposted,
                reposted_author_id="10" if reposted else None,
                entities=[Entity("hashtag", t, t.casefold()) for t in tags],
            )
        )
    w.flush()
    for pid, _, _, _, _, _, lang in POSTS:
        con.execute(
            "INSERT INTO post_enrichment (platform, post_id, enrichment_version, lang_detected, topics, enriched_at) "
            "VALUES ('x', ?, 'test', ?, ?, TIMESTAMP '2022-02-01')",
            [pid, lang, TOPICS.get(pid, [])],
        )
    return con


def _row(df: pd.DataFrame, item: str) -> dict:
    rows = df[df["item"] == item].to_dict("records")
    assert len(rows) == 1, df
    return rows[0]


def test_hashtag_spread_from_ministry_to_missions(store) -> None:  # type: ignore[no-untyped-def]
    df = polyphony(store)
    assert list(df.columns) == list(COLUMNS)
    x = _row(df, "xinjiang")
    # Emb1, MFA_China, Media, Emb2, Emb3 (repost), Cons4 (by handle placeholder); not the untracked 99
    assert x["accounts"] == 6
    assert x["kinds"] == 4  # embassy, ministry, state_media, consulate
    # fr, en, zh, de; the repost takes the reposted post's en; und and mul are not languages
    assert x["languages"] == 4
    assert x["posts"] == 8  # p1-p8
    assert x["first_use"] == pd.Timestamp("2022-01-01")
    assert x["first_by"] == "Emb1"
    assert x["ministry_first_use"] == pd.Timestamp(MFA_FIRST)
    # reached: Emb2 (24 h), Emb3 (84 h), Cons4 (192 h); Emb1 used it first, Media is not a mission
    assert x["missions_reached"] == 3
    assert x["median_lag_hours"] == pytest.approx(84.0)
    assert x["reach_24h"] == 1  # exactly 24 h is inside
    assert x["reach_7d"] == 2


def test_no_ministry_use_and_min_accounts(store) -> None:  # type: ignore[no-untyped-def]
    df = polyphony(store)
    assert list(df["item"]) == ["xinjiang", "china"]  # sorted by accounts; "solo" has one account
    c = _row(df, "china")
    assert (c["accounts"], c["kinds"], c["languages"], c["posts"]) == (2, 1, 2, 2)
    assert c["first_by"] == "Emb1"
    assert pd.isna(c["ministry_first_use"])
    assert pd.isna(c["missions_reached"]) and pd.isna(c["median_lag_hours"])
    assert pd.isna(c["reach_24h"]) and pd.isna(c["reach_7d"])
    everything = polyphony(store, min_accounts=1)
    assert list(everything["item"]) == ["xinjiang", "china", "solo"]
    assert _row(everything, "solo")["accounts"] == 1


def test_window_changes_first_use(store) -> None:  # type: ignore[no-untyped-def]
    df = polyphony(store, start="2022-01-02", end=datetime(2022, 1, 8))
    x = _row(df, "xinjiang")
    # p1 and p8 are out: Emb1's first use in the window is p5, after the ministry's: reached (48 h)
    assert x["first_use"] == pd.Timestamp(MFA_FIRST)
    assert x["first_by"] == "MFA_China"
    assert x["accounts"] == 5 and x["posts"] == 6
    assert x["missions_reached"] == 3  # Emb2 24 h, Emb1 48 h, Emb3 84 h
    assert x["median_lag_hours"] == pytest.approx(48.0)
    assert (x["reach_24h"], x["reach_7d"]) == (1, 3)
    assert "china" not in set(df["item"])  # only Emb2 in the window


def test_topics(store) -> None:  # type: ignore[no-untyped-def]
    df = polyphony(store, what="topic")
    assert list(df["item"]) == ["covid", "human_rights"]
    covid = _row(df, "covid")
    # p2 and p7 (ministry), p4 (Emb2), p6 (Emb3's repost of p2)
    assert (covid["accounts"], covid["posts"], covid["languages"]) == (3, 4, 2)
    assert covid["ministry_first_use"] == pd.Timestamp(MFA_FIRST)
    assert (covid["missions_reached"], covid["reach_24h"], covid["reach_7d"]) == (2, 1, 2)
    assert covid["median_lag_hours"] == pytest.approx((24 + 84) / 2)
    hr = _row(df, "human_rights")
    assert (hr["accounts"], hr["first_by"], hr["missions_reached"]) == (3, "Emb1", 1)  # Emb3 by repost


def test_platform_and_state_filters_and_empty_result(store) -> None:  # type: ignore[no-untyped-def]
    assert list(polyphony(store, platforms=["x"])["item"]) == ["xinjiang", "china"]
    empty = polyphony(store, platforms=["bluesky"])
    assert empty.empty and list(empty.columns) == list(COLUMNS)
    assert polyphony(store, states=["RU"]).empty
    assert len(polyphony(store, states=["CN"])) == 2


def test_unknown_item_kind(con) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="hashtag, topic"):
        polyphony(con, what="mention")  # type: ignore[arg-type]
