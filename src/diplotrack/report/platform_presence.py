"""The report's table of presence per platform and its summary.json figures: the analysis
``presence_by_platform`` with its dates made words where they are not known."""

from __future__ import annotations

from typing import Any

import pandas as pd

from diplotrack.analyses import presence
from diplotrack.analyses.base import Filters, Tables

DATES = presence.PLATFORM_DATES
COUNTS = presence.PLATFORM_COUNTS
UNKNOWN = "unknown"  # the platform has tracked accounts, none of which gives the date
NOT_APPLICABLE = "n/a"  # the platform has no tracked account


def day_or_unknown(value: object, tracked: bool) -> str:
    """A date as the table shows it: the day, 'unknown' or 'n/a' (never a blank that reads as none)."""
    if not tracked:
        return NOT_APPLICABLE
    return UNKNOWN if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def table(t: Tables, f: Filters) -> pd.DataFrame:
    """``presence_by_platform`` with its dates as days, 'unknown' or 'n/a'."""
    df = presence.presence_by_platform(t, f).to_pandas()
    for col in DATES:
        df[col] = [day_or_unknown(v, n > 0) for v, n in zip(df[col], df["accounts"], strict=True)]
    return df


def summary(df: pd.DataFrame) -> dict:
    """summary.json's figures from :func:`table`: per platform its counts, status and date ranges
    (null: unknown or not applicable); the platforms tracked, and those tracked with no data."""
    out: dict[str, dict[str, Any]] = {}
    for row in df.to_dict("records"):
        figs: dict[str, Any] = {c: int(row[c]) for c in COUNTS}
        figs["status"] = str(row["status"])
        figs.update({c: None if row[c] in (UNKNOWN, NOT_APPLICABLE) else str(row[c]) for c in DATES})
        out[str(row["platform"])] = figs
    return {
        "presence_by_platform": out,
        "platforms_tracked": [p for p, v in out.items() if v["accounts"]],
        "platforms_without_data": [p for p, v in out.items() if v["accounts"] and not v["accounts_with_data"]],
    }
