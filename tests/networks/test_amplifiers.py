"""Amplifier profiles on a constructed store, against hand-computed events, shares and medians."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from diplotrack.analyses.base import Filters, rollups_answer
from diplotrack.networks.amplifiers import AMPLIFIER_COLUMNS, amplifier_profiles
from diplotrack.records import Post, ProfileSnapshot, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.writer import StoreWriter

ROSTER = """
roster: 1
name: t
actors:
  - actor_id: emb-a
    name: Embassy A
    kind: embassy
    state: CN
    host_country: FR
    accounts: [{platform: x, handle: EmbA, user_id: "1"}]
  - actor_id: mfa
    name: Ministry
    kind: ministry
    state: CN
    accounts:
      - {platform: x, handle: MFA_China, user_id: "2"}
  - actor_id: emb-b
    name: Embassy B
    kind: embassy
    state: CN
    host_country: DE
    accounts: [{platform: bluesky, handle: emb.bsky.social, user_id: "did:plc:emb"}]
"""

T0 = datetime(2021, 3, 1, 12, 0, 0)
BURST_DAY = datetime(2020, 5, 5)
B1 = "at://did:plc:emb/app.bsky.feed.post/1"
B2 = "at://did:plc:emb/app.bsky.feed.post/2"  # not in posts: its author comes from the URI
ZQ = "at://did:plc:z/app.bsky.feed.post/q"


def _s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _p(pid: str, author: str, at: datetime, kind: str = "original", platform: str = "x", **refs: str) -> Post:
    return Post(
        platform=platform,
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


@pytest.fixture(autouse=True, params=["base", "rollups"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on the base tables and on the rollups (which answer day-aligned windows)."""
    monkeypatch.setenv("DIPLOTRACK_ROLLUPS", "1" if request.param == "rollups" else "0")
    return str(request.param)


@pytest.fixture
def store(con, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(ROSTER, encoding="utf-8")
    roster, problems = load_roster(tmp_path / "r.yaml")
    assert not problems
    import_roster(con, roster)
    h = 3600
    rep = "repost"
    w = StoreWriter(con, 0)
    for post in [
        _p("m1", "2", _s(0)),
        _p("m2", "2", _s(h)),
        _p("e1", "1", _s(0)),
        # MFA's amplifiers: u1 three times, u2, u3, EmbA, u9 once each
        _p("r1", "u1", _s(10), rep, reposted_post_id="m1", reposted_author_id="2"),  # 10 s
        _p("r2", "u1", _s(h + 30), rep, reposted_post_id="m2", reposted_author_id="2"),  # 30 s
        _p("r3", "u1", _s(2 * h), "reply", replied_to_post_id="m1", replied_to_author_id="2"),
        _p("r4", "u2", _s(100), rep, reposted_post_id="m1", reposted_author_id="handle:mfa_china"),  # 100 s
        # a quote that also replies to MFA: one event
        _p("r5", "u3", _s(3 * h), "quote", quoted_post_id="m2", quoted_author_id="2", replied_to_author_id="2"),
        _p("r6", "1", _s(50), rep, reposted_post_id="m1", reposted_author_id="2"),  # EmbA, 50 s
        _p("r7", "2", _s(70), rep, reposted_post_id="m1", reposted_author_id="2"),  # MFA itself: left out
        _p("r8", "u9", _s(5 * h), rep, reposted_post_id="zz", reposted_author_id="2"),  # reposted post unknown
        # EmbA's amplifiers: u1 (20 s) and u4
        _p("r9", "u1", _s(20), rep, reposted_post_id="e1", reposted_author_id="1"),
        _p("r10", "u4", _s(4 * h), "reply", replied_to_post_id="e1", replied_to_author_id="handle:emba"),
        # Bluesky: the embassy's post, y's repost (also an engagement record), z's quote (idem)
        _p(B1, "did:plc:emb", _s(0), platform="bluesky"),
        _p(
            "at://did:plc:y/app.bsky.feed.repost/1",
            "did:plc:y",
            _s(60),
            rep,
            "bluesky",
            reposted_post_id=B1,
            reposted_author_id="did:plc:emb",
        ),  # fmt: skip
        _p(ZQ, "did:plc:z", _s(600), "quote", "bluesky", quoted_post_id=B1, quoted_author_id="did:plc:emb"),
    ]:
        w.add_post(post)
    # creation dates: u1, u2, u4 and six others on BURST_DAY (a burst among one a day); u3 the day after
    for uid in ("u1", "u2", "u4", "o1", "o2", "o3", "o4", "o5", "o6"):
        created = BURST_DAY + timedelta(hours=10 if uid != "u4" else 23, minutes=59)
        w.add_profile(ProfileSnapshot("x", uid, datetime(2021, 1, 1), Provenance("test"), created_at=created))
    for d in range(-20, 21):
        created = BURST_DAY + timedelta(days=d, hours=3)
        w.add_profile(ProfileSnapshot("x", f"bg{d}", datetime(2021, 1, 1), Provenance("test"), created_at=created))
    w.add_profile(
        ProfileSnapshot("x", "u3", datetime(2021, 1, 1), Provenance("test"), created_at=BURST_DAY + timedelta(days=1))
    )
    w.flush()
    engagements = [
        (B1, "repost", "did:plc:x", None, None),
        (B2, "repost", "did:plc:x", None, None),
        (B1, "repost", "did:plc:y", None, None),  # also a post: counted once
        (B1, "quote", "did:plc:z", _s(600), ZQ),  # the quoting post is in posts: counted once
        (B1, "like", "did:plc:w", _s(5), None),  # a like is not amplification
    ]
    for post_id, kind, actor, at, quote in engagements:
        con.execute(
            "INSERT INTO engagements VALUES ('bluesky', ?, ?, ?, NULL, ?, ?, ?, NULL)",
            [post_id, kind, actor, at, quote, datetime(2021, 4, 1)],
        )
    return con


def _by_handle(df: pd.DataFrame) -> dict[str, dict]:
    return {r["handle"]: r for r in df.to_dict("records")}


def test_profiles_known_answers(store, path: str) -> None:  # type: ignore[no-untyped-def]
    assert rollups_answer(store, Filters()) is (path == "rollups")
    df = amplifier_profiles(store)
    assert list(df.columns) == AMPLIFIER_COLUMNS
    assert df["handle"].tolist() == ["emb.bsky.social", "EmbA", "MFA_China"]  # by platform, handle
    got = _by_handle(df)
    mfa = got["MFA_China"]
    assert (mfa["platform"], mfa["events"], mfa["amplifiers"]) == ("x", 7, 5)
    assert mfa["top1pct_share"] == pytest.approx(3 / 7)  # top 1% of 5 amplifiers is one: u1, 3 events
    assert mfa["median_seconds_to_repost"] == 40.0  # 10, 30, 50, 100 (u9's reposted post is unknown)
    assert mfa["amplifiers_only_this"] == 4  # all but u1 (EmbA amplifies only MFA)
    assert mfa["amplifiers_created_in_bursts"] == 2  # u1, u2 (u3: the day after; EmbA, u9: unknown)
    emb = got["EmbA"]
    assert (emb["events"], emb["amplifiers"], emb["top1pct_share"]) == (2, 2, 0.5)  # tie: u1 first by id
    assert emb["median_seconds_to_repost"] == 20.0
    assert (emb["amplifiers_only_this"], emb["amplifiers_created_in_bursts"]) == (1, 2)  # u4; u1 and u4
    bs = got["emb.bsky.social"]
    # x twice (B1, and B2 by its URI), y once (post and engagement), z once (quote and engagement); no like
    assert (bs["platform"], bs["events"], bs["amplifiers"], bs["top1pct_share"]) == ("bluesky", 4, 3, 0.5)
    assert bs["median_seconds_to_repost"] == 60.0  # y's repost post; engagement reposts have no time
    assert (bs["amplifiers_only_this"], bs["amplifiers_created_in_bursts"]) == (3, 0)


def test_window_platforms_and_given_burst_days(store) -> None:  # type: ignore[no-untyped-def]
    late = _by_handle(amplifier_profiles(store, start=_s(3600)))
    assert late["MFA_China"]["events"] == 4  # r2, r3, r5, r8
    assert late["MFA_China"]["median_seconds_to_repost"] == 30.0
    assert late["EmbA"]["events"] == 1 and pd.isna(late["EmbA"]["median_seconds_to_repost"])  # a reply
    assert late["emb.bsky.social"]["events"] == 0 and pd.isna(late["emb.bsky.social"]["top1pct_share"])
    only_bs = amplifier_profiles(store, platforms=("bluesky",))
    assert only_bs["handle"].tolist() == ["emb.bsky.social"] and only_bs["events"].tolist() == [4]
    days = pd.DataFrame({"period_start": [BURST_DAY + timedelta(days=1)]})
    given = _by_handle(amplifier_profiles(store, burst_days=days))
    assert given["MFA_China"]["amplifiers_created_in_bursts"] == 1  # u3
    assert given["EmbA"]["amplifiers_created_in_bursts"] == 0
    elsewhere = pd.DataFrame({"platform": ["bluesky"], "period_start": [BURST_DAY]})
    assert amplifier_profiles(store, burst_days=elsewhere)["amplifiers_created_in_bursts"].sum() == 0


def test_a_day_aligned_window_is_read_from_the_rollups(store, path: str) -> None:  # type: ignore[no-untyped-def]
    day = Filters(start=datetime(2021, 3, 1), end=datetime(2021, 3, 2))
    assert rollups_answer(store, day) is (path == "rollups")
    assert not rollups_answer(store, Filters(start=_s(3600)))  # not at midnight: the base tables
    got = _by_handle(amplifier_profiles(store, start=day.start, end=day.end))
    assert got["MFA_China"]["events"] == 7 and got["MFA_China"]["median_seconds_to_repost"] == 40.0
    assert _by_handle(amplifier_profiles(store, start=datetime(2021, 3, 2)))["MFA_China"]["events"] == 0
