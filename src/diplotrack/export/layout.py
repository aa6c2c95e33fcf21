"""Which tables an export writes, and how each is partitioned (docs/scale.md, "Exporting for Spark").

With ``--partition-by platform,month`` a table is split by the columns it can be split by:

- ``platform``: every table with a ``platform`` column;
- ``month``: a column added as ``'YYYY-MM'`` (UTC) of the table's own time: ``posts.created_at``;
  for ``post_entities`` and ``post_enrichment`` the ``created_at`` of their post (so a month of
  posts and its entities and enrichment sit side by side); ``engaged_at`` for engagements;
  ``observed_at`` for profile snapshots, account events and follow edges; ``day`` for the rollups.
  A row without that time (a post with no ``created_at``) has a NULL month: it goes to
  ``month=__HIVE_DEFAULT_PARTITION__``, which Spark, DuckDB, pyarrow and Polars read back as NULL.

Any other table (actors, runs, link_resolutions …) is written unpartitioned.
"""

from __future__ import annotations

from dataclasses import dataclass

from diplotrack.errors import UsageError
from diplotrack.store import rollups
from diplotrack.store.db import PUBLIC_TABLES

EXPORTED_TABLES = PUBLIC_TABLES + rollups.TABLES
PARTITION_COLUMNS = ("platform", "month")

_OF_POST = "LEFT JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id"
# table: (the expression whose month is the partition, the join it needs, what the manifest calls it)
MONTH_FROM: dict[str, tuple[str, str, str]] = {
    "posts": ("t.created_at", "", "created_at"),
    "post_entities": ("p.created_at", _OF_POST, "posts.created_at"),
    "post_enrichment": ("p.created_at", _OF_POST, "posts.created_at"),
    "engagements": ("t.engaged_at", "", "engaged_at"),
    "profile_snapshots": ("t.observed_at", "", "observed_at"),
    "account_events": ("t.observed_at", "", "observed_at"),
    "follow_edges": ("t.observed_at", "", "observed_at"),
    **{name: ("t.day", "", "day") for name in rollups.TABLES},
}


@dataclass(frozen=True)
class TablePlan:
    """How one table is written: the query, its partition columns (in order) and the month source."""

    table: str
    query: str
    partition_columns: tuple[str, ...]
    month_from: str | None
    casts: dict[str, str]


def parse_partition_by(text: str | None) -> tuple[str, ...]:
    """``"platform,month"`` -> ``("platform", "month")``; None or empty -> no partitioning."""
    if not text or not text.strip():
        return ()
    names = tuple(part.strip() for part in text.split(","))
    if any(n not in PARTITION_COLUMNS for n in names) or len(set(names)) != len(names):
        raise UsageError(f"--partition-by {text!r} is not supported; give platform, month or platform,month")
    return names


def plan_table(
    table: str, columns: list[str], select: str, casts: dict[str, str], partition_by: tuple[str, ...]
) -> TablePlan:
    """The query writing ``table`` (``select`` is its column list over alias ``t``), partitioned by
    the columns of ``partition_by`` it has."""
    use: list[str] = []
    month_sql, join, month_from = "", "", None
    for name in partition_by:
        if name == "platform" and "platform" in columns:
            use.append(name)
        elif name == "month" and table in MONTH_FROM:
            expr, join, month_from = MONTH_FROM[table]
            month_sql = f", strftime({expr}, '%Y-%m') AS month"
            use.append(name)
    query = f"SELECT {select}{month_sql} FROM {table} t {join}".strip()
    return TablePlan(table, query, tuple(use), month_from, casts)
