"""Amplification, checked against figures computed independently: pandas over the bundled CHC
influencer-mentions CSV and timelines, and hand-counted constructed stores."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

import pandas as pd
import pytest
import yaml
from small_roster import write_roster

from diplotrack.analyses.amplification import (
    amplified_accounts,
    amplifiers_of,
    materialize_references,
    repost_targets_by_kind,
)
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb
from diplotrack.demo import demo_data_dir
from diplotrack.roster import bundled_roster_path, import_roster
from diplotrack.store import rollups
from diplotrack.store.db import transaction

TIMELINES = ("MFA_China", "SpokespersonCHN", "globaltimesnews", "zlj517")
RELATION = {"retweeted": "repost", "quoted": "quote", "replied_to": "reply"}
D = datetime


@cache
def mentions_csv() -> pd.DataFrame:
    """The CHC rows, one per (post, mentionee); a post is (mentioner, day, engagement, text), as the
    importer derives its id."""
    return pd.read_csv(demo_data_dir() / "chc-influencer-mentions-2019-2022.csv", keep_default_na=False, dtype=str)


@cache
def roster_handles() -> dict[str, str]:
    doc = yaml.load(
        bundled_roster_path().read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    return {acc["handle"].lower(): acc["handle"] for actor in doc["actors"] for acc in actor.get("accounts") or []}


@pytest.fixture(scope="module")
def demo_amplifiers(demo: Tables) -> pd.DataFrame:
    return amplifiers_of(demo, Filters(), n=100_000).to_pandas()


def test_beehivechina_reposts_of_liu_xiaoming(demo_amplifiers: pd.DataFrame) -> None:
    df = mentions_csv()
    posts = df[(df.mentioner == "BeehiveChina") & (df.mentionee == "AmbLiuXiaoMing") & (df.retweet == "retweeted")]
    expected = len(posts.drop_duplicates(["mentioner", "created_at", "retweet", "text"]))
    assert expected == 2
    a = demo_amplifiers
    row = a[(a.target_handle == "AmbLiuXiaoMing") & (a.amplifier == "BeehiveChina") & (a.relation == "repost")]
    assert list(row["count"]) == [expected]
    assert not row.amplifier_tracked.iloc[0] and row.amplifier_id.iloc[0] == "handle:beehivechina"


def test_amplifier_counts_match_the_influencer_mentions(demo_amplifiers: pd.DataFrame) -> None:
    df = mentions_csv()
    df = df[df.retweet.isin(list(RELATION))].assign(relation=lambda d: d.retweet.map(RELATION))
    key = ["mentioner", "created_at", "retweet", "text"]
    posts = df.drop_duplicates(key)
    a = demo_amplifiers[~demo_amplifiers.amplifier_tracked & demo_amplifiers.relation.isin(list(RELATION.values()))]
    # every influencer post that reposts, quotes or replies counts once, for one tracked account
    want_totals = posts.groupby(["mentioner", "relation"]).size()
    got_totals = a.groupby(["amplifier", "relation"])["count"].sum()
    assert got_totals.to_dict() == want_totals.to_dict()
    # per (influencer, target, relation), exactly, where no post of the pair engages several accounts
    multi = df.groupby(key).mentionee.transform("nunique") > 1
    touched = set(zip(df[multi].mentioner, df[multi].mentionee, df[multi].relation, strict=True))
    want = df.drop_duplicates([*key, "mentionee"]).groupby(["mentioner", "mentionee", "relation"]).size()
    got = a.set_index(["amplifier", "target_handle", "relation"])["count"]
    handles = roster_handles()
    checked = 0
    for (mentioner, mentionee, relation), n in want.items():
        if (mentioner, mentionee, relation) in touched:
            continue
        assert got.get((mentioner, handles[mentionee.lower()], relation)) == n, (mentioner, mentionee, relation)
        checked += 1
    assert checked > 100


def test_amplifiers_are_ranked_within_each_target(demo: Tables, demo_amplifiers: pd.DataFrame) -> None:
    top = amplifiers_of(demo, Filters(), n=1).to_pandas()
    best = demo_amplifiers.groupby("target_handle")["count"].max()
    assert (top["rank"] == 1).all()
    assert set(top.target_handle) == set(best.index)
    for target, group in top.groupby("target_handle"):
        assert (group["count"] == best[target]).all()
        everyone = demo_amplifiers[demo_amplifiers.target_handle == target]
        assert len(group) == int((everyone["count"] == best[target]).sum())  # ties at the top all kept


def test_timeline_mentions_of_tracked_accounts(demo: Tables) -> None:
    handles = roster_handles()
    amp = amplified_accounts(demo, Filters(), n=1000).to_pandas()
    assert set(amp.relation) == {"mention"}  # the bundled timelines are original posts only
    mention = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
    for source in TIMELINES:
        tl = pd.read_csv(demo_data_dir() / f"{source}.csv", keep_default_na=False, dtype=str)
        tl = tl.drop_duplicates(["created_at", "full_text"])
        counts: dict[str, int] = {}
        for text in tl.full_text:
            for h in {m.lower() for m in mention.findall(text)} - {source.lower()}:
                counts[h] = counts.get(h, 0) + 1
        tracked = {handles[h]: n for h, n in counts.items() if h in handles}
        got = amp[(amp.handle == source) & amp.target_tracked]
        assert dict(zip(got.target_handle, got["count"], strict=True)) == tracked, source
        untracked = amp[(amp.handle == source) & ~amp.target_tracked]
        for key, n in zip(untracked.target_key, untracked["count"], strict=True):
            assert counts[key.removeprefix("handle:")] == n
    mfa = amp[(amp.handle == "MFA_China") & (amp.target_handle == "CGTNOfficial")]
    assert list(mfa.target_kind) == ["state_media"] and list(mfa.target_key) == ["handle:cgtnofficial"]


def test_demo_repost_targets(demo: Tables) -> None:
    r = repost_targets_by_kind(demo, Filters()).to_pandas()
    assert len(r) == len(roster_handles())
    assert (r.reposts == 0).all() and r.share_state_media.isna().all()  # no roster account reposts in the demo


def test_an_empty_window(demo: Tables) -> None:
    f = Filters(start=D(2030, 1, 1), end=D(2030, 2, 1))
    assert amplified_accounts(demo, f).to_pandas().empty
    assert amplifiers_of(demo, f).to_pandas().empty
    r = repost_targets_by_kind(demo, f).to_pandas()
    assert len(r) == len(roster_handles()) and (r.reposts == 0).all() and r.share_untracked.isna().all()


# --- a constructed store ---------------------------------------------------------------------------

ACTORS = [  # actor_id, kind, handle, user_id, host_country
    ("emb", "embassy", "EmbA", "100", "FR"),
    ("amb", "ambassador", "AmbB", None, "FR"),
    ("min", "ministry", "MinC", None, "CN"),
    ("spox", "spokesperson", "SpoxD", None, "CN"),
    ("media", "state_media", "MediaE", None, None),
    ("journo", "state_media_journalist", "JournoF", None, None),
    ("oth", "other", "OtherG", None, None),
]
# post_id, author_id, author_handle, created_at, kind, reposted, quoted, replied_to, mentions
POSTS = [
    # SpoxD reposts 11 posts in 2022 ...
    ("r1", "handle:spoxd", "SpoxD", D(2022, 3, 1), "repost", "handle:mediae", None, None, ["whoever", "ambb"]),
    ("r2", "handle:spoxd", "SpoxD", D(2022, 3, 2), "repost", "handle:mediae", None, None, []),
    ("r3", "handle:spoxd", "SpoxD", D(2022, 3, 3), "repost", "handle:journof", None, None, []),
    ("r4", "handle:spoxd", "SpoxD", D(2022, 3, 4), "repost", "handle:minc", None, None, []),
    ("r5", "handle:spoxd", "SpoxD", D(2022, 3, 5), "repost", "100", None, None, []),  # EmbA by its id
    ("r6", "handle:spoxd", "SpoxD", D(2022, 3, 6), "repost", "handle:emba", None, None, []),  # EmbA by handle
    ("r7", "handle:spoxd", "SpoxD", D(2022, 3, 7), "repost", "handle:ambb", None, None, []),
    ("r8", "handle:spoxd", "SpoxD", D(2022, 3, 8), "repost", "handle:otherg", None, None, []),
    ("r9", "handle:spoxd", "SpoxD", D(2022, 3, 9), "repost", "999", None, None, []),
    ("r10", "handle:spoxd", "SpoxD", D(2022, 3, 10), "repost", "handle:someone", None, None, []),
    ("r11", "handle:spoxd", "SpoxD", D(2022, 3, 11), "repost", None, None, None, []),  # reposted author unknown
    # ... and one in 2021
    ("r0", "handle:spoxd", "SpoxD", D(2021, 6, 1), "repost", "handle:mediae", None, None, []),
    # a quote that also replies to and mentions MediaE: one quote
    ("q1", "handle:spoxd", "SpoxD", D(2022, 4, 1), "quote", None, "handle:mediae", "handle:mediae", ["mediae"]),
    ("rp1", "handle:spoxd", "SpoxD", D(2022, 4, 2), "reply", None, None, "handle:spoxd", ["spoxd"]),  # self
    ("rp2", "handle:spoxd", "SpoxD", D(2022, 4, 3), "reply", None, None, "100", ["emba"]),  # reply to EmbA
    ("o1", "handle:spoxd", "SpoxD", D(2022, 4, 4), "original", None, None, None, ["mediae", "someone", "spoxd"]),
    # EmbA (posting under its id) reposts the spokesperson
    ("e1", "100", "EmbA", D(2022, 5, 1), "repost", "handle:spoxd", None, None, []),
    # accounts outside the roster
    ("s1", "handle:fan", "Fan", D(2022, 5, 1), "repost", "handle:mediae", None, None, []),
    ("s2", "handle:fan", "Fan", D(2022, 5, 2), "repost", "handle:mediae", None, None, []),
    ("s3", "handle:fan", "Fan", D(2022, 5, 3), "reply", None, None, "handle:mediae", ["mediae"]),
    ("s4", "555", "Old", D(2022, 1, 1), "original", None, None, None, ["mediae"]),
    ("s5", "555", "NewName", D(2022, 5, 1), "original", None, None, None, ["MediaE".lower()]),
    ("s6", "handle:fan", "Fan", D(2021, 5, 1), "repost", "handle:mediae", None, None, []),
    ("n1", "999", "Nine", D(2020, 1, 1), "original", None, None, None, []),
]
IN_2022 = Filters(start=D(2022, 1, 1))


@pytest.fixture(scope="module", params=["base", "rollups"])
def small(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, new_store):
    """The constructed store, read from the base tables and (its rollups rebuilt, so that they are
    current) from the rollups: every test of it checks both paths."""
    tmp_path = tmp_path_factory.mktemp("small")
    roster = write_roster(tmp_path, ACTORS)
    con = new_store(tmp_path / "s.duckdb")
    import_roster(con, roster)
    con.executemany(
        "INSERT INTO posts (platform, post_id, author_id, author_handle, created_at, kind, reposted_author_id, "
        "quoted_author_id, replied_to_author_id, first_seen_at) VALUES ('x', ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [list(p[:8]) for p in POSTS],
    )
    con.executemany(
        "INSERT INTO post_entities VALUES ('x', ?, 'mention', ?, ?)",
        [[p[0], m, m.lower()] for p in POSTS for m in p[8]],
    )
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, status) "
        "VALUES ('x', 'handle:someone', '2022-01-01', 'SomeOne', 'active')"
    )
    if request.param == "rollups":  # the posts went in by SQL: the rollups must be rebuilt to be used
        with transaction(con):
            rollups.rebuild(con)
    t = tables_from_duckdb(con)
    assert t.rollups is (request.param == "rollups")
    yield t
    con.close()


def test_rollup_path_counts_each_account_once_per_post(small: Tables) -> None:
    """The rollups count a post once per relation; the correction brings back one per account. The
    result is the base path's whether or not the window's references are computed first."""
    for f in (Filters(), IN_2022, Filters(start=D(2022, 5, 1), end=D(2022, 5, 3), kinds=("spokesperson",))):
        alone = amplified_accounts(small, f, n=100).to_pandas()
        materialize_references(small, f)
        assert alone.equals(amplified_accounts(small, f, n=100).to_pandas())
        small.extra.clear()


def test_repost_shares_by_target_kind(small: Tables) -> None:
    r = repost_targets_by_kind(small, IN_2022).to_pandas().set_index("handle")
    spox = r.loc["SpoxD"]
    # MediaE x2 + JournoF; MinC; EmbA x2 (both keys) + AmbB; OtherG; 999, handle:someone, unknown
    counts = (spox.reposts, spox.to_state_media, spox.to_ministry, spox.to_missions)
    assert counts == (11, 3, 1, 3)
    assert (spox.to_other_tracked, spox.to_untracked) == (1, 3)
    assert spox.share_state_media == pytest.approx(3 / 11)
    assert spox.share_ministry == pytest.approx(1 / 11)
    assert spox.share_missions == pytest.approx(3 / 11)
    assert spox.share_untracked == pytest.approx(3 / 11)
    emb = r.loc["EmbA"]
    assert (emb.reposts, emb.to_ministry, emb.share_ministry) == (1, 1, 1.0)
    assert r.loc["MediaE"].reposts == 0 and pd.isna(r.loc["MediaE"].share_state_media)
    # the window: the 2021 repost of MediaE counts without it
    every = repost_targets_by_kind(small, Filters()).to_pandas().set_index("handle").loc["SpoxD"]
    assert (every.reposts, every.to_state_media) == (12, 4)
    # the filters select the sources; the targets are resolved against the whole roster
    only = repost_targets_by_kind(small, Filters(start=D(2022, 1, 1), kinds=("spokesperson",))).to_pandas()
    assert list(only.handle) == ["SpoxD"] and only.to_state_media.iloc[0] == 3 and only.to_missions.iloc[0] == 3


def rows(df: pd.DataFrame) -> set[tuple]:
    return set(zip(df.relation, df.target_handle, df["count"], df["rank"], strict=True))


def test_amplified_accounts(small: Tables) -> None:
    a = amplified_accounts(small, IN_2022).to_pandas()
    spox = a[a.handle == "SpoxD"]
    assert rows(spox[spox.relation == "repost"]) == {
        ("repost", "MediaE", 2, 1),
        ("repost", "EmbA", 2, 1),  # under both its keys: one target
        ("repost", "JournoF", 1, 3),
        ("repost", "MinC", 1, 3),
        ("repost", "AmbB", 1, 3),
        ("repost", "OtherG", 1, 3),
        ("repost", "Nine", 1, 3),  # untracked, handle known from its posts
        ("repost", "SomeOne", 1, 3),  # untracked, handle known from a profile snapshot
    }
    # the quote that also replies to and mentions MediaE counts once; the self-reply not at all;
    # the reply to EmbA is not also a mention; mentions in reposts are not the reposter's
    assert rows(spox[spox.relation != "repost"]) == {
        ("quote", "MediaE", 1, 1),
        ("reply", "EmbA", 1, 1),
        ("mention", "MediaE", 1, 1),
        ("mention", "SomeOne", 1, 1),
    }
    emb_target = spox[(spox.relation == "repost") & (spox.target_handle == "EmbA")].iloc[0]
    assert emb_target.target_key == "100" and emb_target.target_tracked and emb_target.target_kind == "embassy"
    some = spox[(spox.relation == "mention") & (spox.target_handle == "SomeOne")].iloc[0]
    assert some.target_key == "handle:someone" and not some.target_tracked and pd.isna(some.target_kind)
    assert rows(a[a.handle == "EmbA"]) == {("repost", "SpoxD", 1, 1)}
    assert set(a.handle) == {"SpoxD", "EmbA"}
    # n = 1 keeps the tie at the top
    top = amplified_accounts(small, IN_2022, n=1).to_pandas()
    top = top[(top.handle == "SpoxD") & (top.relation == "repost")]
    assert list(top.target_handle) == ["EmbA", "MediaE"] and list(top["rank"]) == [1, 1]


def test_amplifiers_of(small: Tables) -> None:
    a = amplifiers_of(small, IN_2022).to_pandas()
    media = a[a.target_handle == "MediaE"]
    got = set(zip(media.amplifier, media.amplifier_tracked, media.relation, media["count"], media["rank"], strict=True))
    assert got == {
        ("SpoxD", True, "repost", 2, 1),
        ("Fan", False, "repost", 2, 1),
        ("NewName", False, "mention", 2, 1),  # the author's handle on its latest post
        ("SpoxD", True, "quote", 1, 4),
        ("SpoxD", True, "mention", 1, 4),
        ("Fan", False, "reply", 1, 4),
    }
    assert set(media.target_kind) == {"state_media"}
    assert set(media[media.amplifier == "NewName"].amplifier_id) == {"555"}
    spox = a[a.target_handle == "SpoxD"]  # its self-reply is not amplification
    assert set(zip(spox.amplifier, spox.relation, spox["count"], strict=True)) == {("EmbA", "repost", 1)}
    top = amplifiers_of(small, IN_2022, n=1).to_pandas()
    assert len(top[top.target_handle == "MediaE"]) == 3
    # the filters choose the targets, not the amplifiers
    media_only = amplifiers_of(small, Filters(start=D(2022, 1, 1), kinds=("state_media",))).to_pandas()
    assert set(media_only.target_handle) == {"MediaE"} and "SpoxD" in set(media_only.amplifier)
    # without the window, the 2021 reposts count too
    every = amplifiers_of(small, Filters()).to_pandas()
    fan = every[(every.target_handle == "MediaE") & (every.amplifier == "Fan") & (every.relation == "repost")]
    assert list(fan["count"]) == [3]
