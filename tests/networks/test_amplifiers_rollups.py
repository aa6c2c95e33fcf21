"""Amplifier profiles read from the rollups give the base tables' answer on the posts where the two
could part: several reference columns naming one account, a repost without the reposted post's id,
posts without a time or without an author, self-amplification."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from diplotrack.analyses.base import Filters, rollups_answer
from diplotrack.networks.amplifiers import amplifier_profiles
from diplotrack.records import Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - {actor_id: mfa, name: Ministry, kind: ministry, state: CN, accounts: [{platform: x, handle: MFA, user_id: "2"}]}
  - {actor_id: emb, name: Embassy, kind: embassy, state: CN, host_country: FR,
     accounts: [{platform: x, handle: Emb, user_id: "1"}]}
"""
T0 = datetime(2021, 3, 1, 23, 0)


def _p(pid: str, author: str | None, at: datetime | None, kind: str = "original", **refs: str) -> Post:
    return Post(
        platform="x",
        post_id=pid,
        author_id=author,
        author_handle=None,
        created_at=at,
        text=None,
        lang=None,
        kind=kind,
        provenance=Provenance("test"),
        **refs,
    )


@pytest.fixture
def store(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)
    s = timedelta(seconds=1)
    w = StoreWriter(con, 0)
    for post in [
        _p("m1", "2", T0),
        _p("m2", "2", T0 + 100 * s),
        # a quote that replies to the same account, under its two keys: one event
        _p(
            "a1",
            "u1",
            T0 + 10 * s,
            "quote",
            quoted_post_id="m1",
            quoted_author_id="2",
            replied_to_author_id="handle:mfa",
        ),
        # a repost without the reposted post's id that also quotes MFA: its time runs from m2
        _p("a2", "u2", T0 + 400 * s, "repost", reposted_author_id="2", quoted_post_id="m2", quoted_author_id="2"),
        # ... and one that replies to MFA: from the post replied to
        _p(
            "a3",
            "u3",
            T0 + 7200 * s,
            "repost",
            reposted_author_id="2",
            replied_to_post_id="m1",
            replied_to_author_id="2",
        ),
        # all three columns, two accounts: one event for each
        _p(
            "a4",
            "u1",
            T0 + 20 * s,
            "repost",
            reposted_post_id="m1",
            reposted_author_id="2",
            quoted_author_id="1",
            replied_to_author_id="handle:emb",
        ),  # fmt: skip
        # the ministry amplifying itself twice over, and the embassy amplifying it
        _p("a5", "2", T0 + 30 * s, "quote", quoted_post_id="m1", quoted_author_id="2", replied_to_author_id="2"),
        _p("a6", "1", T0 + 3 * 3600 * s, "repost", reposted_post_id="m2", reposted_author_id="handle:mfa"),
        # no time: counted only without a window; no author: never
        _p("a7", "u4", None, "quote", quoted_author_id="2", replied_to_author_id="2"),
        _p("a8", None, T0, "repost", reposted_post_id="m1", reposted_author_id="2"),
    ]:
        w.add_post(post)
    w.flush()
    return con


WINDOWS = [
    Filters(),
    Filters(start=datetime(2021, 3, 1), end=datetime(2021, 3, 2)),
    Filters(start=datetime(2021, 3, 2)),
    Filters(platforms=("bluesky",)),
]


@pytest.mark.parametrize("f", WINDOWS, ids=["all", "first-day", "second-day", "bluesky"])
def test_rollups_and_base_tables_agree(store, f: Filters) -> None:  # type: ignore[no-untyped-def]
    assert rollups_answer(store, f)
    kw = {"start": f.start, "end": f.end, "platforms": f.platforms}
    pd.testing.assert_frame_equal(
        amplifier_profiles(store, rollups=True, **kw), amplifier_profiles(store, rollups=False, **kw)
    )


def test_known_answers_from_the_rollups(store) -> None:  # type: ignore[no-untyped-def]
    df = amplifier_profiles(store, rollups=True).set_index("handle")
    # MFA: a1, a2, a3, a4 (u1 twice, u2, u3), a6 (Emb), a7 (u4): 6 events by 5 amplifiers
    assert (df.loc["MFA", "events"], df.loc["MFA", "amplifiers"]) == (6, 5)
    # reposts: a2 (400 - 100), a3 (7200 - 0), a4 (20 - 0), a6 (10800 - 100): median of 300, 7200, 20, 10700
    assert df.loc["MFA", "median_seconds_to_repost"] == 3750.0
    assert (df.loc["Emb", "events"], df.loc["Emb", "amplifiers"]) == (1, 1)  # a4, once for both of its keys
    day2 = amplifier_profiles(store, start=datetime(2021, 3, 2), rollups=True).set_index("handle")
    assert day2.loc["MFA", "events"] == 2  # a3, a6
