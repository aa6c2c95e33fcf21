"""Presence per platform on the demo store, against counts made independently from the bundled roster
files (plain Python over china.yaml and the snapshot CSVs)."""

from __future__ import annotations

import csv
from collections import Counter

import pandas as pd
from test_presence import BUNDLED, creation_dates, roster_accounts

from diplotrack import platforms
from diplotrack.analyses import presence
from diplotrack.analyses.base import Filters


def snapshot_handles() -> set[str]:
    """lower(handle) of every row of the bundled snapshot CSVs."""
    out: set[str] = set()
    for path in (BUNDLED / "snapshots").glob("*.csv"):
        with open(path, encoding="utf-8") as fh:
            out |= {row["handle"].lower() for row in csv.DictReader(fh)}
    return out


def expected_status(accounts: int, with_data: int) -> str:
    if not accounts:
        return "not tracked"
    return "tracked, no data" if not with_data else "partial data" if with_data < accounts else "data"


def test_every_platform_is_listed_with_the_roster_s_counts(demo) -> None:  # type: ignore[no-untyped-def]
    accounts = roster_accounts()
    per = Counter(a["platform"] for a in accounts)
    inst = Counter(a["platform"] for a in accounts if a["institutional"])
    dated, snapped = creation_dates(), snapshot_handles()
    df = presence.presence_by_platform(demo, Filters()).to_pandas().set_index("platform")
    assert list(df.index) == list(platforms.PLATFORMS)
    for p in platforms.PLATFORMS:
        row, mine = df.loc[p], [a["handle"].lower() for a in accounts if a["platform"] == p]
        assert (row["accounts"], row["institutional"], row["individual"]) == (per[p], inst[p], per[p] - inst[p]), p
        assert row["accounts_dated"] == sum(1 for h in mine if h in dated), p
        assert row["accounts_with_snapshots"] == sum(1 for h in mine if h in snapped), p
        assert row["accounts_with_posts"] <= row["accounts_with_data"] <= row["accounts"], p
        assert row["status"] == expected_status(row["accounts"], row["accounts_with_data"]), p
        if not per[p]:
            assert pd.isna(row["created_from"]) and pd.isna(row["first_post_from"]), p
    x = df.loc["x"]
    x_dates = [d for a in accounts if a["platform"] == "x" and (d := dated.get(a["handle"].lower()))]
    assert (x["created_from"].date(), x["created_to"].date()) == (min(x_dates), max(x_dates))
    assert x["accounts_with_posts"] > 0  # the demo's timelines are X timelines


def test_since_is_the_creation_date_else_the_first_post_else_unknown(demo) -> None:  # type: ignore[no-untyped-def]
    a = presence.account_presence(demo, Filters()).to_pandas()
    created = a[a["since_basis"] == "created"]
    first = a[a["since_basis"] == "first post"]
    unknown = a[a["since_basis"] == "unknown"]
    assert (created["since"] == created["created_at"]).all()
    assert first["created_at"].isna().all() and (first["since"] == first["first_post_at"]).all()
    assert unknown["since"].isna().all() and (unknown["posts"] == 0).all() and unknown["created_at"].isna().all()
    dated = creation_dates()
    assert set(created["handle"].str.lower()) == {h for h in a["handle"].str.lower() if h in dated}
    assert len(created) + len(first) + len(unknown) == len(roster_accounts())
