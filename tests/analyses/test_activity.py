"""Activity and reach, checked against figures computed independently (pandas over the bundled CSVs
and the bundled roster; plain Python for the small constructed stores)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from small_roster import write_roster

from demo_mfa import MFA_STATEMENTS, X_TIMELINES, mfa_pages, mfa_posts
from diplotrack.analyses import activity
from diplotrack.analyses.activity import (
    account_activity,
    diplomats_vs_state_media,
    latest_snapshots,
    threshold_shares,
    top_accounts,
)
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb
from diplotrack.demo import demo_data_dir
from diplotrack.roster import bundled_roster_path, import_roster
from diplotrack.store import rollups
from diplotrack.store.db import transaction

TIMELINES = X_TIMELINES  # the bundled rtweet exports: the demo's posts on X by roster accounts
# the ministry's podium (platform mfa): the three speakers of 2020-01..04 and their statements
# (tests/demo_mfa.py: counts fixed, days read from the page titles); 陆慷 has none in that period
SPEAKERS = tuple(MFA_STATEMENTS)
POSTING = (*TIMELINES, *SPEAKERS)
SNAPSHOTS = bundled_roster_path().parent / "snapshots"
STATE_MEDIA = {"state_media", "state_media_journalist"}


# --- independent figures from the bundled files ---------------------------------------------------


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


@cache
def timeline(handle: str) -> pd.DataFrame:
    """One bundled rtweet timeline, deduplicated as the importer does (one post per created_at and text)."""
    df = read_csv(demo_data_dir() / f"{handle}.csv").drop_duplicates(["created_at", "full_text"])
    df["ts"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_localize(None)
    return df


@cache
def mentions_csv() -> pd.DataFrame:
    df = read_csv(demo_data_dir() / "chc-influencer-mentions-2019-2022.csv")
    df["ts"] = pd.to_datetime(df["created_at"])
    return df


@cache
def roster_kinds() -> dict[str, str]:
    """lower-cased handle -> kind, from the bundled roster YAML."""
    doc = yaml.load(
        bundled_roster_path().read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    return {acc["handle"].lower(): actor["kind"] for actor in doc["actors"] for acc in actor.get("accounts") or []}


@cache
def latest_snapshot_rows() -> pd.DataFrame:
    """The latest of the bundled 2021 and 2022 snapshot rows per account."""
    df = pd.concat([pd.read_csv(SNAPSHOTS / "chc-2021.csv"), pd.read_csv(SNAPSHOTS / "chc-2022.csv")])
    df["key"] = df["handle"].str.lower()
    df["observed_at"] = pd.to_datetime(df["observed_at"])
    return df.sort_values("observed_at").groupby("key").tail(1).set_index("key")


# --- the demo store -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_activity(demo: Tables) -> pd.DataFrame:
    """``account_activity`` of the demo store, no filters, by handle."""
    return by_handle(account_activity(demo, Filters()).to_pandas())


def by_handle(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("handle")


def speaker_days(handle: str) -> pd.Series:
    """The days a speaker held a press conference (00:00: the corpus gives dates), from the titles."""
    return pd.Series(pd.to_datetime(sorted(mfa_pages()[handle])))


def test_posts_in_window_and_first_last_post_match_the_timelines(demo_activity: pd.DataFrame) -> None:
    a = demo_activity
    assert len(a) == len(roster_kinds())
    for handle in TIMELINES:
        tl = timeline(handle)
        row = a.loc[handle]
        assert row.posts_in_window == len(tl), handle
        assert row.first_post_at == tl.ts.min(), handle
        assert row.last_post_at == tl.ts.max(), handle
        # the bundled timelines are original posts only
        assert (row.reposts, row.replies, row.quotes) == (0, 0, 0)
        assert row.repost_share == 0.0
        # engagement: retweets + likes per post (the rtweet exports give no reply or quote counts)
        expected = (tl.retweet_count.astype(int) + tl.favorite_count.astype(int)).mean()
        assert row.engagement_per_post == pytest.approx(expected)
    for handle in SPEAKERS:  # the podium: statements, originals, no metrics (engagement unknown, not 0)
        row, days = a.loc[handle], speaker_days(handle)
        assert row.platform == "mfa" and row.posts_in_window == MFA_STATEMENTS[handle], handle
        assert (row.first_post_at, row.last_post_at) == (days.min(), days.max()), handle
        assert (row.reposts, row.replies, row.quotes) == (0, 0, 0)
        assert pd.isna(row.engagement_per_post)
    others = a.drop(index=list(POSTING))
    assert (others.posts_in_window == 0).all()
    assert others.repost_share.isna().all() and others.first_post_at.isna().all()
    assert others.engagement_per_post.isna().all()


def test_posts_by_authors_outside_the_roster_are_not_counted(demo: Tables, demo_activity: pd.DataFrame) -> None:
    a = demo_activity
    influencers = mentions_csv().drop_duplicates(["mentioner", "created_at", "retweet", "text"])
    assert len(influencers) > 1000  # the store holds them ...
    on_x = demo.posts.filter(demo.posts.platform == "x").count().execute()
    assert on_x == sum(len(timeline(h)) for h in TIMELINES) + len(influencers)
    assert demo.posts.count().execute() == on_x + mfa_posts()  # and the podium's statements (all tracked)
    # ... but only the four roster timelines on X count, with the statements of the roster's speakers
    assert a.posts_in_window.sum() == sum(len(timeline(h)) for h in TIMELINES) + mfa_posts()


def test_posts_per_week_is_posts_over_the_window_in_weeks(demo: Tables, demo_activity: pd.DataFrame) -> None:
    stamps = pd.concat([timeline(h).ts for h in TIMELINES] + [mentions_csv().ts] + [speaker_days(h) for h in SPEAKERS])
    weeks = (stamps.max() - stamps.min()).total_seconds() / (7 * 86400)
    a = demo_activity
    assert a.weeks.nunique() == 1 and a.weeks.iloc[0] == pytest.approx(weeks)
    for handle in TIMELINES:
        assert a.loc[handle].posts_per_week == pytest.approx(len(timeline(handle)) / weeks)
    for handle in SPEAKERS:
        assert a.loc[handle].posts_per_week == pytest.approx(MFA_STATEMENTS[handle] / weeks)
    assert (a.drop(index=list(POSTING)).posts_per_week == 0).all()

    start, end = datetime(2022, 1, 1), datetime(2022, 7, 1)
    w = by_handle(account_activity(demo, Filters(start=start, end=end)).to_pandas())
    days = (end - start).days
    for handle in TIMELINES:
        tl = timeline(handle)
        n = int(((tl.ts >= start) & (tl.ts < end)).sum())
        assert w.loc[handle].posts_in_window == n
        assert w.loc[handle].weeks == pytest.approx(days / 7)
        assert w.loc[handle].posts_per_week == pytest.approx(n / (days / 7))
    assert (w.loc[list(SPEAKERS)].posts_in_window == 0).all()  # the podium's statements are of 2020


def test_dormant_accounts(demo: Tables) -> None:
    newest = max(timeline(h).ts.max() for h in TIMELINES)
    a = by_handle(account_activity(demo, Filters(), dormant_days=10).to_pandas())
    assert (a.as_of == newest).all()
    expected = {h: (newest - timeline(h).ts.max()) > timedelta(days=10) for h in TIMELINES}
    assert expected["zlj517"] and not expected["MFA_China"]  # the data make this test meaningful
    assert {h: bool(a.loc[h].dormant) for h in TIMELINES} == expected
    for h in SPEAKERS:  # the podium's last statements, in 2020, are long before the newest X post
        assert newest - speaker_days(h).max() > timedelta(days=10) and bool(a.loc[h].dormant), h
    assert a.drop(index=list(POSTING)).dormant.isna().all()  # never seen posting: unknown
    # an explicit as_of: posts after it are ignored
    as_of = datetime(2022, 6, 1)
    b = by_handle(account_activity(demo, Filters(), dormant_days=30, as_of=as_of).to_pandas())
    for h in TIMELINES:
        before = timeline(h).ts[timeline(h).ts <= as_of]
        want = None if before.empty else bool(before.max() < as_of - timedelta(days=30))
        got = b.loc[h].dormant
        assert (None if pd.isna(got) else bool(got)) == want, h
    assert b.loc[list(SPEAKERS)].dormant.astype(bool).all()  # last statement in April 2020
    assert b.loc["globaltimesnews"].dormant is None or pd.isna(b.loc["globaltimesnews"].dormant)


def test_threshold_shares_match_the_latest_snapshot_rows(demo: Tables) -> None:
    snap = latest_snapshot_rows()
    got = threshold_shares(demo, Filters()).to_pandas().set_index("measure")
    for measure, threshold in (("posts_count", 1000), ("followers", 10000)):
        values = snap[measure].dropna()
        row = got.loc[measure]
        assert row.threshold == threshold
        assert row.accounts_with_data == len(values)
        assert row.accounts_over == int((values > threshold).sum())
        assert row.share == pytest.approx((values > threshold).sum() / len(values))
    other = threshold_shares(demo, Filters(), posts_over=5000, followers_over=100000).to_pandas().set_index("measure")
    assert other.loc["followers"].accounts_over == int((snap.followers.dropna() > 100000).sum())
    assert other.loc["posts_count"].accounts_over == int((snap.posts_count.dropna() > 5000).sum())


def test_latest_snapshots_take_the_newest_row(demo: Tables) -> None:
    snap = latest_snapshot_rows()
    got = latest_snapshots(demo, Filters()).to_pandas()
    got.index = got.handle.str.lower()
    assert set(got.index) == set(snap.index)
    for mine, theirs in (("followers", "followers"), ("posts_count", "posts_count"), ("snapshot_at", "observed_at")):
        pd.testing.assert_series_equal(
            got[mine].sort_index().astype("float64" if mine != "snapshot_at" else "datetime64[us]"),
            snap[theirs].sort_index().astype("float64" if mine != "snapshot_at" else "datetime64[us]"),
            check_names=False,
            check_index=False,
        )


def test_top_accounts_by_followers_match_the_snapshots(demo: Tables) -> None:
    snap = latest_snapshot_rows().dropna(subset=["followers"])
    snap = snap.assign(rank=snap.followers.rank(method="min", ascending=False).astype(int))
    want = snap[snap["rank"] <= 10].sort_values(["followers", "handle"], ascending=[False, True])
    got = top_accounts(demo, Filters(), by="followers", n=10).to_pandas()
    assert list(got.handle.str.lower()) == list(want.index)
    assert list(got.value) == list(want.followers.astype(int))
    assert list(got["rank"]) == list(want["rank"])
    kinds = roster_kinds()
    assert list(got.kind) == [kinds[h] for h in want.index]


def test_top_accounts_by_posts_and_engagement(demo: Tables) -> None:
    got = top_accounts(demo, Filters(), by="posts", n=10).to_pandas()
    counts = sorted(
        [(len(timeline(h)), h) for h in TIMELINES] + [(n, h) for h, n in MFA_STATEMENTS.items()], reverse=True
    )
    assert list(zip(got.value, got.handle, strict=True)) == counts  # accounts with no posts are left out
    eng = top_accounts(demo, Filters(), by="engagement", n=2).to_pandas()
    means = {
        h: (timeline(h).retweet_count.astype(int) + timeline(h).favorite_count.astype(int)).mean() for h in TIMELINES
    }
    assert list(eng.handle) == sorted(means, key=means.get, reverse=True)[:2]
    with pytest.raises(ValueError):
        top_accounts(demo, Filters(), by="likes")


def test_diplomats_vs_state_media(demo: Tables) -> None:
    kinds = roster_kinds()
    snap = latest_snapshot_rows()
    got = diplomats_vs_state_media(demo, Filters()).to_pandas().set_index("group")
    for group, is_media in (("diplomatic", False), ("state media", True)):
        handles = [h for h, k in kinds.items() if (k in STATE_MEDIA) == is_media]
        followers = snap.followers.reindex(handles).dropna()
        posts = sum(len(timeline(h)) for h in TIMELINES if h.lower() in handles)
        posts += sum(n for h, n in MFA_STATEMENTS.items() if h in handles)  # the spokespeople: diplomatic
        row = got.loc[group]
        assert row.accounts == len(handles)
        assert row.accounts_with_snapshot == int(snap.index.isin(handles).sum())
        assert row.median_followers == pytest.approx(followers.median())
        assert row.total_followers == followers.sum()
        assert row.posts_in_window == posts
        assert row.posts_per_account == pytest.approx(posts / len(handles))


def test_an_empty_window_gives_zeros_and_nulls(demo: Tables) -> None:
    f = Filters(start=datetime(2030, 1, 1), end=datetime(2030, 2, 1))
    a = account_activity(demo, f).to_pandas()
    assert len(a) == len(roster_kinds())
    assert (a.posts_in_window == 0).all() and (a.reposts == 0).all()
    assert a.repost_share.isna().all() and a.first_post_at.isna().all() and a.engagement_per_post.isna().all()
    assert (a.posts_per_week == 0).all()
    assert top_accounts(demo, f, by="posts").to_pandas().empty
    assert (diplomats_vs_state_media(demo, f).to_pandas().posts_in_window == 0).all()
    # a window that ends before any snapshot: no data, share NULL
    early = Filters(end=datetime(2000, 1, 1))
    th = threshold_shares(demo, early).to_pandas()
    assert list(th.accounts_with_data) == [0, 0] and list(th.accounts_over) == [0, 0] and th.share.isna().all()
    assert account_activity(demo, early).to_pandas().weeks.isna().all()  # no post before 2000: no start


# --- constructed stores ----------------------------------------------------------------------------

ACTORS = [
    # (actor_id, kind, handle, user_id, host_country, institutional override)
    ("emb", "embassy", "EmbA", "100", "FR"),
    ("amb", "ambassador", "AmbB", None, "FR"),
    ("min", "ministry", "MinC", None, "CN"),
    ("spox", "spokesperson", "SpoxD", None, "CN"),
    ("media", "state_media", "MediaE", None, None),
    ("journo", "state_media_journalist", "JournoF", None, None),
    ("quiet", "consulate", "QuietH", None, "DE"),
]
SNAPSHOT_ROWS = [  # handle, observed_at, followers, posts_count
    ("EmbA", "2022-01-01", 500, 2000),
    ("AmbB", "2022-01-01", 500, 10),
    ("MinC", "2022-01-01", 300, 1001),
    ("SpoxD", "2022-01-01", 300, None),
    ("MediaE", "2022-01-01", 1000, 1000),
    ("JournoF", "2022-01-01", 200, 50),
]


def make_store(
    tmp_path: Path, new_store: Callable[[Path], duckdb.DuckDBPyConnection], posts: list[tuple]
) -> tuple[duckdb.DuckDBPyConnection, Tables]:
    """A fresh store (made by the shared ``new_store`` fixture) with the ACTORS roster, SNAPSHOT_ROWS
    and ``posts``: tuples of (post_id, author_id, created_at, kind, like_count, repost_count)."""
    (tmp_path / "snaps.csv").write_text(
        "platform,handle,observed_at,followers,following,posts_count\n"
        + "".join(f"x,{h},{d},{f},1,{'' if p is None else p}\n" for h, d, f, p in SNAPSHOT_ROWS),
        encoding="utf-8",
    )
    roster = write_roster(tmp_path, ACTORS, snapshots_file="snaps.csv")
    con = new_store(tmp_path / "s.duckdb")
    import_roster(con, roster)
    if posts:
        con.executemany(
            "INSERT INTO posts (platform, post_id, author_id, created_at, kind, like_count, repost_count, "
            "first_seen_at) VALUES ('x', ?, ?, ?, ?, ?, ?, now())",
            [list(p) for p in posts],
        )
    return con, tables_from_duckdb(con)


D = datetime


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, new_store):
    posts = [
        # EmbA posts under its platform id and under its handle placeholder
        ("p1", "100", D(2022, 1, 10), "original", 10, 5),
        ("p2", "handle:emba", D(2022, 2, 10), "repost", None, None),
        ("p3", "100", D(2022, 3, 10), "reply", 1, 0),
        ("p4", "handle:minc", D(2022, 1, 5), "original", 4, 4),
        ("p5", "handle:minc", D(2022, 6, 5), "quote", None, None),
        ("p6", "handle:stranger", D(2022, 3, 1), "original", 100, 100),  # not in the roster
    ]
    con, t = make_store(tmp_path_factory.mktemp("small"), new_store, posts)
    yield t
    con.close()


def test_accounts_with_no_posts_or_no_snapshot_are_kept(small: Tables) -> None:
    a = by_handle(account_activity(small, Filters()).to_pandas())
    assert sorted(a.index) == sorted(h for _, _, h, _, _ in ACTORS)
    quiet = a.loc["QuietH"]  # no snapshot, no posts
    assert pd.isna(quiet.followers) and pd.isna(quiet.snapshot_at) and quiet.posts_in_window == 0
    assert pd.isna(quiet.dormant) and pd.isna(quiet.repost_share)
    assert a.loc["AmbB"].followers == 500 and a.loc["AmbB"].posts_in_window == 0
    # both keys of EmbA count; the stranger's post counts for nobody
    emb = a.loc["EmbA"]
    assert (emb.posts_in_window, emb.reposts, emb.replies, emb.quotes) == (3, 1, 1, 0)
    assert emb.repost_share == pytest.approx(1 / 3) and emb.reply_share == pytest.approx(1 / 3)
    assert emb.first_post_at == D(2022, 1, 10) and emb.last_post_at == D(2022, 3, 10)
    assert emb.engagement_per_post == pytest.approx((15 + 1) / 2)  # p2 has no metrics
    assert a.posts_in_window.sum() == 5
    # the window runs from the store's first post (p4) to its last (p5)
    weeks = (D(2022, 6, 5) - D(2022, 1, 5)).total_seconds() / (7 * 86400)
    assert emb.weeks == pytest.approx(weeks) and emb.posts_per_week == pytest.approx(3 / weeks)
    # as_of = the newest post (p5, 2022-06-05): EmbA's last post is 87 days earlier
    assert not emb.dormant
    assert by_handle(account_activity(small, Filters(), dormant_days=80).to_pandas()).loc["EmbA"].dormant


def test_the_window_filter(small: Tables) -> None:
    f = Filters(start=D(2022, 2, 1), end=D(2022, 4, 1))
    a = by_handle(account_activity(small, f).to_pandas())
    assert a.loc["EmbA"].posts_in_window == 2 and a.loc["MinC"].posts_in_window == 0
    assert a.loc["EmbA"].first_post_at == D(2022, 2, 10)
    assert a.loc["EmbA"].weeks == pytest.approx((D(2022, 4, 1) - D(2022, 2, 1)).days / 7)
    # dormant is judged at the window's end over all posts up to then: MinC posted 2022-01-05
    assert a.loc["MinC"].dormant == bool(D(2022, 1, 5) < D(2022, 4, 1) - timedelta(days=90))
    assert a.loc["MinC"].dormant is not None


def test_kind_and_institutional_filters(small: Tables) -> None:
    emb = account_activity(small, Filters(kinds=("embassy",))).to_pandas()
    assert list(emb.handle) == ["EmbA"] and emb.posts_in_window.iloc[0] == 3
    inst = account_activity(small, Filters(institutional=True)).to_pandas()
    institutional = {
        h for _, k, h, _, _ in ACTORS if k in ("embassy", "consulate", "mission", "ministry", "state_media")
    }
    assert set(inst.handle) == institutional
    th = threshold_shares(small, Filters(institutional=False)).to_pandas().set_index("measure")
    # AmbB (10 posts, 500 followers), SpoxD (no posts_count, 300), JournoF (50, 200)
    assert th.loc["posts_count"].accounts_with_data == 2 and th.loc["posts_count"].accounts_over == 0
    assert th.loc["followers"].accounts_with_data == 3
    g = diplomats_vs_state_media(small, Filters(host_countries=("FR",))).to_pandas()
    assert list(g.group) == ["diplomatic"] and g.accounts.iloc[0] == 2


def test_threshold_is_strictly_greater(small: Tables) -> None:
    th = threshold_shares(small, Filters(), posts_over=1000, followers_over=500).to_pandas().set_index("measure")
    # posts_count: EmbA 2000, MinC 1001 are over; MediaE 1000 is not; SpoxD gives none
    assert (th.loc["posts_count"].accounts_with_data, th.loc["posts_count"].accounts_over) == (5, 2)
    assert th.loc["posts_count"].share == pytest.approx(2 / 5)
    # followers over 500: only MediaE (1000); EmbA and AmbB have exactly 500
    assert (th.loc["followers"].accounts_with_data, th.loc["followers"].accounts_over) == (6, 1)


def test_ties_in_top_accounts(small: Tables) -> None:
    def top(n: int) -> list[tuple[int, str, int]]:
        df = top_accounts(small, Filters(), by="followers", n=n).to_pandas()
        return list(zip(df["rank"], df.handle, df.value, strict=True))

    two = [(1, "MediaE", 1000), (2, "AmbB", 500), (2, "EmbA", 500)]
    assert top(1) == [(1, "MediaE", 1000)]
    assert top(2) == two
    assert top(3) == two  # the next rank is 4
    assert top(4) == [*two, (4, "MinC", 300), (4, "SpoxD", 300)]
    by_posts = top_accounts(small, Filters(), by="posts", n=1).to_pandas()
    assert list(by_posts.handle) == ["EmbA"]


def test_latest_snapshot_under_either_key_and_as_of_the_window_end(tmp_path: Path, new_store) -> None:
    con, t = make_store(tmp_path, new_store, [])
    # an older observation of EmbA filed under its handle placeholder, a newer one under its id
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, followers, status) "
        "VALUES ('x', 'handle:emba', '2021-01-01', 400, 'active'), ('x', '100', '2023-01-01', 700, 'suspended')"
    )
    snap = by_handle(latest_snapshots(t, Filters()).to_pandas())
    assert snap.loc["EmbA"].followers == 700 and snap.loc["EmbA"].status == "suspended"
    mid = by_handle(latest_snapshots(t, Filters(end=D(2022, 6, 1))).to_pandas())
    assert mid.loc["EmbA"].followers == 500
    early = by_handle(latest_snapshots(t, Filters(end=D(2021, 6, 1))).to_pandas())
    assert list(early.index) == ["EmbA"] and early.loc["EmbA"].followers == 400
    con.close()


# --- the rollup path (store/rollups.py) gives the posts' answer -----------------------------------


def with_rollups(con: duckdb.DuckDBPyConnection) -> Tables:
    """The store's tables after a rebuild of its rollups (the posts above were typed in with SQL,
    around the writes that keep them)."""
    with transaction(con):
        rollups.rebuild(con)
    t = tables_from_duckdb(con)
    assert t.rollups
    return t


def test_rollups_answer_activity_as_the_posts_do_at_a_midnight_as_of(
    tmp_path: Path, new_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [
        ("q1", "handle:minc", D(2021, 12, 1, 9), "original", 3, None),
        ("q2", "handle:minc", D(2022, 4, 1), "quote", None, None),  # exactly at as_of: seen
        ("q3", "handle:minc", D(2022, 4, 1, 8), "quote", 7, 1),  # same day, after as_of: not seen
        ("q4", "100", D(2022, 2, 3, 23, 59), "reply", 2, 2),
        ("q5", "100", None, "original", None, None),  # no time: only in an unbounded window
    ]
    con, _ = make_store(tmp_path, new_store, posts)
    t = with_rollups(con)
    base = replace(t, rollups=False)
    # 4 rollup rows for 5 posts: too little compression to pay, unless the limit allows it
    assert not activity._rollups_pay(t, Filters())
    monkeypatch.setattr(activity, "ROLLUP_MAX_ROWS_PER_POST", 1.0)
    assert activity._rollups_pay(t, Filters()) and not activity._rollups_pay(base, Filters())
    cases = [
        (Filters(), D(2022, 4, 1)),
        (Filters(start=D(2022, 2, 1), end=D(2022, 4, 2)), None),
        (Filters(end=D(2022, 4, 1)), None),
        (Filters(), None),
        (Filters(), D(2022, 3, 31, 12)),  # not at midnight: the posts answer it
    ]
    for f, as_of in cases:
        assert activity._rollup_answers(t, f, as_of) == (as_of is None or as_of.hour == 0)
        got = account_activity(t, f, as_of=as_of).to_pandas()
        want = account_activity(base, f, as_of=as_of).to_pandas()
        pd.testing.assert_frame_equal(got, want)
        for by in ("posts", "engagement"):
            pd.testing.assert_frame_equal(
                top_accounts(t, f, by=by).to_pandas(), top_accounts(base, f, by=by).to_pandas()
            )
        pd.testing.assert_frame_equal(
            diplomats_vs_state_media(t, f).to_pandas(), diplomats_vs_state_media(base, f).to_pandas()
        )
    # the post at exactly midnight counts as seen at as_of; the later one that day does not
    a = by_handle(account_activity(t, Filters(), dormant_days=90, as_of=D(2022, 4, 1)).to_pandas())
    assert not a.loc["MinC"].dormant and a.loc["MinC"].posts_in_window == 3
    assert a.loc["EmbA"].posts_in_window == 2
    w = by_handle(account_activity(t, Filters(start=D(2022, 2, 1), end=D(2022, 4, 2))).to_pandas())
    assert (w.loc["MinC"].reposts, w.loc["MinC"].quotes, w.loc["EmbA"].posts_in_window) == (0, 2, 1)
    assert w.loc["MinC"].engagement_per_post == pytest.approx(8.0)
    con.close()
