"""The report's data types: its options, its sections and tables, and what a build returns.

Kept apart from ``build`` (which fills them) and ``render`` (which writes them out), so that
neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from diplotrack.analyses.base import Filters
from diplotrack.cache import ResultCache
from diplotrack.errors import InvalidValueError

DEFAULT_COHORTS = (date(2019, 1, 1), date(2020, 1, 1), date(2020, 5, 1))
MAX_COUNT = 2**63 - 1  # thresholds are compared with BIGINT columns
MAX_DAYS = 100_000


@dataclass(frozen=True)
class ReportOptions:
    filters: Filters = field(default_factory=Filters)
    cohorts: tuple[date, ...] = DEFAULT_COHORTS
    posts_over: int = 1000
    followers_over: int = 10000
    dormant_days: int = 90
    growth_from: date | None = None  # default: the first snapshot date in the store
    growth_to: date | None = None  # default: the last snapshot date in the store
    top_n: int = 10

    def __post_init__(self) -> None:
        # checked here, once, for the CLI and for Python callers alike (a value beyond 64 bits
        # overflows DuckDB; a dormancy beyond about 270 years overflows its date arithmetic)
        for name, value, high in (
            ("posts_over", self.posts_over, MAX_COUNT),
            ("followers_over", self.followers_over, MAX_COUNT),
            ("dormant_days", self.dormant_days, MAX_DAYS),
            ("top_n", self.top_n, MAX_COUNT),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise InvalidValueError(f"{name} must be a whole number from 0 to {high:,}, not {value!r}")
        if self.growth_from and self.growth_to and self.growth_from > self.growth_to:
            raise InvalidValueError(f"growth_from {self.growth_from} is after growth_to {self.growth_to}")


@dataclass
class Table:
    name: str  # file name (tables/<name>.csv)
    title: str
    df: pd.DataFrame
    note: str = ""
    empty: str = ""  # shown instead of "None." when the table is empty (e.g. what is unknown)


@dataclass
class Section:
    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, Path]] = field(default_factory=list)  # (caption: the chart's title, path)
    coverage: list[str] = field(default_factory=list)  # one line per group of analyses
    chart_notes: dict[str, str] = field(default_factory=dict)  # a caveat under a chart, by its file name
    questions: list[dict] = field(default_factory=list)  # the study's questions answered (summary.json's)


@dataclass
class ReportResult:
    out: Path
    summary: dict
    sections: list[Section]
    seconds: float
    # (section, step, seconds): each section's preparation and tables, coverage, charts, writing
    timings: list[tuple[str, str, float]] = field(default_factory=list)
    cache: ResultCache | None = None  # the result cache it read and wrote (its counters and note)
