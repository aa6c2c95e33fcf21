"""Growth analyses against figures computed independently with pandas over the bundled snapshot CSVs,
and the rules (sides, ties, renames, windows) on small constructed stores."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from diplotrack.analyses import growth
from diplotrack.analyses.base import Filters, tables_from_duckdb

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "diplotrack" / "roster" / "bundled"
START, END = date(2021, 2, 28), date(2022, 4, 30)
NOW = datetime(2024, 1, 1)


def snapshot_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(BUNDLED / "snapshots" / name, dtype={"followers": "Int64"})


def roster_kinds() -> dict[str, str]:
    doc = yaml.safe_load((BUNDLED / "china.yaml").read_text(encoding="utf-8"))
    return {acc["handle"]: actor["kind"] for actor in doc["actors"] for acc in actor["accounts"]}


def expected_growth() -> pd.DataFrame:
    """2021 -> 2022 growth of the accounts with a follower count in both CSVs, by pandas."""
    a = snapshot_csv("chc-2021.csv").dropna(subset=["followers"])
    b = snapshot_csv("chc-2022.csv").dropna(subset=["followers"])
    m = a.merge(b, on="handle", suffixes=("_a", "_b"))
    days = (pd.to_datetime(m.observed_at_b) - pd.to_datetime(m.observed_at_a)).dt.days
    m["growth"] = (m.followers_b - m.followers_a).astype("int64")
    m["days"] = days.astype(float)
    m["growth_per_day"] = m.growth / m.days
    return m.set_index("handle")[["followers_a", "followers_b", "growth", "days", "growth_per_day"]]


def as_rows(expr) -> list[dict]:  # type: ignore[no-untyped-def]
    return expr.to_pyarrow().to_pylist()


# --- the demo store ---------------------------------------------------------------------------


def test_growth_2021_to_2022_matches_pandas(demo):
    exp = expected_growth()
    assert len(exp) == 45
    rows = as_rows(growth.growth_between(demo, Filters(), START, END))
    got = {r["handle"]: r for r in rows}
    assert set(got) == set(exp.index)
    for handle, e in exp.iterrows():
        r = got[handle]
        assert (r["followers_start"], r["followers_end"], r["growth"]) == (e.followers_a, e.followers_b, e.growth)
        assert r["days"] == pytest.approx(e.days)
        assert r["growth_per_day"] == pytest.approx(e.growth_per_day)
        assert r["growth_pct"] == pytest.approx(e.growth * 100 / e.followers_a)
        assert (r["start_at"], r["end_at"]) == (datetime(2021, 2, 28), datetime(2022, 4, 30))
    assert [r["growth"] for r in rows] == sorted(exp.growth, reverse=True)


def test_growth_coverage_on_the_demo(demo):
    a = snapshot_csv("chc-2021.csv").dropna(subset=["followers"])
    b = snapshot_csv("chc-2022.csv").dropna(subset=["followers"])
    tracked = len(roster_kinds())
    (row,) = as_rows(growth.growth_coverage(demo, Filters(), START, END))
    assert row == {
        "accounts_tracked": tracked,
        "accounts_with_both": len(set(a.handle) & set(b.handle)),
        "accounts_missing_start": tracked - len(set(a.handle)),
        "accounts_missing_end": tracked - len(set(b.handle)),
    }


def test_growth_filters_by_kind(demo):
    kinds = roster_kinds()
    exp = expected_growth()
    ambassadors = {h for h in exp.index if kinds[h] == "ambassador"}
    rows = as_rows(growth.growth_between(demo, Filters(kinds=("ambassador",)), START, END))
    assert {r["handle"] for r in rows} == ambassadors
    assert ambassadors


def test_biggest_risers_on_the_demo(demo):
    exp = expected_growth().sort_values("growth", ascending=False)
    rows = as_rows(growth.biggest_risers(demo, Filters(), START, END, n=5))
    assert [r["handle"] for r in rows] == list(exp.index[:5])
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]


def test_follower_history_matches_the_csvs(demo):
    both = pd.concat([snapshot_csv("chc-2021.csv"), snapshot_csv("chc-2022.csv")])
    rows = as_rows(growth.follower_history(demo, Filters()))
    assert len(rows) == len(both)
    got = {(r["handle"], r["observed_at"].date().isoformat()): r["followers"] for r in rows}
    exp = {
        (h, o): (None if pd.isna(f) else int(f))
        for h, o, f in zip(both.handle, both.observed_at, both.followers, strict=True)
    }
    assert got == exp
    in_2022 = as_rows(growth.follower_history(demo, Filters(start=datetime(2022, 1, 1))))
    assert len(in_2022) == len(snapshot_csv("chc-2022.csv"))


def test_status_changes_on_the_demo(demo):
    b = snapshot_csv("chc-2022.csv")
    expected = [(h, s) for h, s in zip(b.handle, b.status, strict=True) if s != "active"]
    assert expected == [("GeneralkonsulDu", "suspended")]
    rows = as_rows(growth.status_changes(demo, Filters()))
    assert [(r["handle"], r["status"], r["previous_status"], r["first_seen_at"]) for r in rows] == [
        ("GeneralkonsulDu", "suspended", "active", datetime(2022, 4, 30))
    ]


# --- constructed stores -------------------------------------------------------------------------


def add_account(con, handle: str, kind: str = "embassy", user_id: str | None = None, host: str = "FR") -> None:
    con.execute(
        "INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at) "
        "VALUES (?, ?, ?, ?, 'CN', ?, ?)",
        [handle, handle, kind, kind == "embassy", host, NOW],
    )
    key = user_id or "handle:" + handle.lower()
    con.execute(
        "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, updated_at) VALUES ('x', ?, ?, ?, ?, ?)",
        [handle, user_id, key, handle, NOW],
    )


def snap(con, user_id: str, observed: str, followers: int | None, status: str = "active", handle: str | None = None):  # type: ignore[no-untyped-def]
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, followers, status) "
        "VALUES ('x', ?, ?, ?, ?, ?)",
        [user_id, observed, handle, followers, status],
    )


@pytest.fixture
def store(tmp_path, new_store):
    con = new_store(tmp_path / "s.duckdb")
    yield con
    con.close()


def test_ties_share_a_min_rank_and_are_ordered_by_handle(store):
    for handle, gain in [("Top", 200), ("Zed", 100), ("Bee", 100), ("Low", 50)]:
        add_account(store, handle)
        snap(store, "handle:" + handle.lower(), "2021-01-01", 1000)
        snap(store, "handle:" + handle.lower(), "2022-01-01", 1000 + gain)
    t = tables_from_duckdb(store)
    rows = as_rows(growth.biggest_risers(t, Filters(), date(2021, 1, 1), date(2022, 1, 1)))
    assert [(r["rank"], r["handle"], r["growth"]) for r in rows] == [
        (1, "Top", 200),
        (2, "Bee", 100),
        (2, "Zed", 100),
        (4, "Low", 50),
    ]
    cut = as_rows(growth.biggest_risers(t, Filters(), date(2021, 1, 1), date(2022, 1, 1), n=2))
    assert [(r["rank"], r["handle"]) for r in cut] == [(1, "Top"), (2, "Bee")]


@pytest.fixture
def sides(store):
    """Accounts whose snapshots test the side rules."""
    add_account(store, "Full", user_id="42")
    for observed, followers in [
        ("2021-01-01", 100),
        ("2021-02-28 12:00:00", 150),  # same day as start: on or before it
        ("2021-06-01", 180),
        ("2022-04-30 23:00:00", 300),  # same day as end: on or before it
        ("2022-05-02", 999),  # after end
    ]:
        snap(store, "42", observed, followers)
    add_account(store, "Late")  # only snapshots after start
    snap(store, "handle:late", "2021-06-01", 10)
    snap(store, "handle:late", "2022-01-01", 20)
    add_account(store, "Early", kind="ambassador")  # only a snapshot before start
    snap(store, "handle:early", "2020-01-01", 10)
    add_account(store, "Never")  # no snapshot at all
    add_account(store, "Gone")  # suspended at the end: the end side is the last snapshot with a count
    snap(store, "handle:gone", "2021-01-01", 0)
    snap(store, "handle:gone", "2021-12-01", 40)
    snap(store, "handle:gone", "2022-04-01", None, status="suspended")
    add_account(store, "Stranger", host="JP")  # snapshots only under an untracked key
    snap(store, "handle:somebodyelse", "2021-01-01", 5)
    snap(store, "handle:somebodyelse", "2022-01-01", 6)
    return tables_from_duckdb(store)


def test_side_rules(sides):
    rows = {r["handle"]: r for r in as_rows(growth.growth_between(sides, Filters(), START, END))}
    assert set(rows) == {"Full", "Gone"}
    full = rows["Full"]
    assert (full["start_at"], full["followers_start"]) == (datetime(2021, 2, 28, 12), 150)
    assert (full["end_at"], full["followers_end"], full["growth"]) == (datetime(2022, 4, 30, 23), 300, 150)
    assert full["days"] == pytest.approx(426 + 11 / 24)
    assert full["growth_per_day"] == pytest.approx(150 / (426 + 11 / 24))
    assert full["growth_pct"] == pytest.approx(100.0)
    gone = rows["Gone"]
    assert (gone["followers_start"], gone["followers_end"], gone["end_at"]) == (0, 40, datetime(2021, 12, 1))
    assert gone["growth_pct"] is None  # no percentage of zero


def test_a_datetime_bound_is_an_instant(sides):
    rows = {r["handle"]: r for r in as_rows(growth.growth_between(sides, Filters(), datetime(2021, 2, 28), END))}
    assert (rows["Full"]["start_at"], rows["Full"]["followers_start"]) == (datetime(2021, 1, 1), 100)


def test_coverage_counts_the_missing_sides(sides):
    (row,) = as_rows(growth.growth_coverage(sides, Filters(), START, END))
    # missing start: Late, Never, Stranger; missing end: Early, Never, Stranger
    assert row == {
        "accounts_tracked": 6,
        "accounts_with_both": 2,
        "accounts_missing_start": 3,
        "accounts_missing_end": 3,
    }
    (row,) = as_rows(growth.growth_coverage(sides, Filters(kinds=("ambassador",)), START, END))
    assert row == {
        "accounts_tracked": 1,
        "accounts_with_both": 0,
        "accounts_missing_start": 0,
        "accounts_missing_end": 1,
    }
    (row,) = as_rows(growth.growth_coverage(sides, Filters(host_countries=("DE",)), START, END))
    assert row == {
        "accounts_tracked": 0,
        "accounts_with_both": 0,
        "accounts_missing_start": 0,
        "accounts_missing_end": 0,
    }


def test_empty_windows(sides):
    assert as_rows(growth.growth_between(sides, Filters(), date(2010, 1, 1), date(2011, 1, 1))) == []
    assert as_rows(growth.biggest_risers(sides, Filters(), date(2010, 1, 1), date(2011, 1, 1))) == []
    assert as_rows(growth.follower_history(sides, Filters(start=datetime(2030, 1, 1)))) == []
    assert as_rows(growth.status_changes(sides, Filters(end=datetime(2000, 1, 1)))) == []
    with pytest.raises(ValueError):
        growth.growth_between(sides, Filters(), END, START)


def test_follower_history_filters(sides):
    rows = as_rows(growth.follower_history(sides, Filters(kinds=("ambassador",))))
    assert [(r["handle"], r["kind"], r["followers"]) for r in rows] == [("Early", "ambassador", 10)]
    rows = as_rows(growth.follower_history(sides, Filters(institutional=True, end=datetime(2021, 3, 1))))
    assert [(r["handle"], r["observed_at"]) for r in rows] == [
        ("Full", datetime(2021, 1, 1)),
        ("Full", datetime(2021, 2, 28, 12)),
        ("Gone", datetime(2021, 1, 1)),
    ]


def test_renames_and_status_changes(store):
    add_account(store, "NewName", user_id="999")
    snap(store, "999", "2020-01-01", 10, handle="OldName")
    snap(store, "999", "2021-01-01", 12, handle="NewName")
    snap(store, "999", "2021-06-01", 13, handle="newname")  # a change of case is no rename
    snap(store, "999", "2022-01-01", None, status="suspended")  # no handle given: not a rename either
    snap(store, "999", "2022-06-01", 14, handle="NewName")  # reinstated
    add_account(store, "Locked")
    snap(store, "handle:locked", "2021-03-01", None, status="protected", handle="Locked")
    add_account(store, "Quiet")
    snap(store, "handle:quiet", "2021-03-01", 1, handle="Quiet")
    snap(store, "handle:quiet", "2022-03-01", 2, handle="Quiet")
    t = tables_from_duckdb(store)
    rows = as_rows(growth.status_changes(t, Filters()))
    got = [
        (
            r["handle"],
            r["user_id"],
            r["status"],
            r["previous_status"],
            r["previous_handle"],
            r["new_handle"],
            r["first_seen_at"],
        )
        for r in rows
    ]
    assert got == [
        ("NewName", "999", "renamed", None, "OldName", "NewName", datetime(2021, 1, 1)),
        ("Locked", "handle:locked", "protected", None, None, None, datetime(2021, 3, 1)),
        ("NewName", "999", "suspended", "active", None, None, datetime(2022, 1, 1)),
        ("NewName", "999", "active", "suspended", None, None, datetime(2022, 6, 1)),
    ]
    in_2022 = as_rows(growth.status_changes(t, Filters(start=datetime(2022, 1, 1))))
    assert [(r["status"], r["previous_status"]) for r in in_2022] == [("suspended", "active"), ("active", "suspended")]
