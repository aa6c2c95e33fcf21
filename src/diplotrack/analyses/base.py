"""What every analysis shares: the store's tables as Ibis expressions, the common filters, and
the tracked accounts with the keys their posts are filed under.

Analyses are Ibis expressions over the public tables, so the same code runs on DuckDB (default)
and on other Ibis backends (Spark) later; nothing here pulls a table into Python. Each analysis
function takes ``(t: Tables, f: Filters, ...)`` and returns an ``ibis.Table``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import duckdb
import ibis
import ibis.expr.types as ir

from diplotrack.analyses.query import account_terms, ibis_predicates, platform_terms, window_terms
from diplotrack.store import rollups as _rollups

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """The filters every analysis accepts. ``None``/empty means "no restriction".

    ``start``/``end`` bound the window on ``posts.created_at`` (start inclusive, end exclusive);
    the other filters select the tracked accounts (through their roster actor).
    """

    start: datetime | None = None
    end: datetime | None = None
    platforms: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    institutional: bool | None = None
    host_countries: tuple[str, ...] = ()

    def describe(self) -> dict:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "platforms": list(self.platforms),
            "states": list(self.states),
            "kinds": list(self.kinds),
            "institutional": self.institutional,
            "host_countries": list(self.host_countries),
        }


@dataclass
class Tables:
    """The public tables of one store, as Ibis tables on one backend."""

    backend: object
    actors: ir.Table
    accounts: ir.Table
    profile_snapshots: ir.Table
    posts: ir.Table
    post_entities: ir.Table
    post_enrichment: ir.Table | None = None
    follow_edges: ir.Table | None = None
    # the store's rollups (store/rollups.py) are current and may answer day-aligned selections
    rollups: bool = False
    # what one run computed once and reuses, by key: temporary tables, coverage data, networks
    extra: dict[str, Any] = field(default_factory=dict)


def tables_from_duckdb(con: duckdb.DuckDBPyConnection) -> Tables:
    """Wrap an open store connection (read-only or not) as Ibis tables."""
    return tables_on(ibis.duckdb.from_connection(con), rollups=rollups_enabled() and _rollups.usable(con))


def tables_on(backend: Any, *, rollups: bool) -> Tables:
    """The public tables as the Ibis tables of ``backend`` (DuckDB's, or another engine's: Spark's in
    engines/spark.py); ``rollups``: its rollup tables are current and may be read."""
    return Tables(
        backend=backend,
        actors=backend.table("actors"),
        accounts=backend.table("accounts"),
        profile_snapshots=backend.table("profile_snapshots"),
        posts=backend.table("posts"),
        post_entities=backend.table("post_entities"),
        post_enrichment=_optional(backend, "post_enrichment"),
        follow_edges=_optional(backend, "follow_edges"),
        rollups=rollups,
    )


def rollups_enabled() -> bool:
    """``DIPLOTRACK_ROLLUPS=0`` makes every analysis read the base tables (to compare, or to rule
    the rollups out when in doubt)."""
    return os.environ.get("DIPLOTRACK_ROLLUPS", "1") != "0"


def day_aligned(f: Filters) -> bool:
    """Whether the window of ``f`` starts and ends at midnight (or is open): rollups count per day."""
    return all(d is None or d == datetime(d.year, d.month, d.day) for d in (f.start, f.end))


def use_rollups(t: Tables, f: Filters) -> bool:
    """Whether the rollups can answer the selection ``f``: they are current, and the window starts
    and ends at midnight (rollups count posts per day)."""
    return t.rollups and day_aligned(f)


def rollups_answer(con: duckdb.DuckDBPyConnection, f: Filters) -> bool:
    """``use_rollups`` for the raw SQL of ``networks/``, which holds a connection, not ``Tables``."""
    return day_aligned(f) and rollups_enabled() and _rollups.usable(con)


def _optional(backend: Any, name: str) -> ir.Table | None:
    """A table that an older or bare store may lack."""
    return backend.table(name) if name in backend.list_tables() else None


def memo(t: Tables, key: str, build: Callable[[], T]) -> T:
    """``build()`` once per run for ``key`` (which names the filters it depends on), then reused."""
    if key not in t.extra:
        t.extra[key] = build()
    return t.extra[key]  # type: ignore[no-any-return]


def cached(t: Tables, name: str, f: Filters | None) -> ir.Table | None:
    """A table ``materialize`` stored for ``(name, f)`` on these tables, or None."""
    return t.extra.get(f"{name}:{f!r}")


def materialize(t: Tables, name: str, f: Filters | None, expr: ir.Table) -> ir.Table:
    """Compute ``expr`` once into a temporary table (gone with the connection) that later calls of
    the building block ``name`` with the same filters read instead of recomputing it. A run of many
    analyses (the report) uses it for the blocks every analysis starts from."""
    key = f"{name}:{f!r}"
    # named for these tables too: a second run on the same connection (a second report, the
    # Python API) builds its own, and replaces one a finished run left behind
    table = f"_diplotrack_{name}_{id(t):x}_{abs(hash(key)):x}"
    if getattr(t.backend, "name", "duckdb") != "duckdb":  # Spark: a cached DataFrame (no temporary tables)
        return memo(t, key, expr.cache)
    return memo(t, key, lambda: t.backend.create_table(table, expr, temp=True, overwrite=True))


def tracked_accounts(t: Tables, f: Filters) -> ir.Table:
    """Roster accounts with their actor's fields, restricted by the account filters.

    Columns: platform, handle, user_id, user_key, actor_id, name, kind, institutional, state,
    host_country, host_city, organisation, person.
    """
    hit = cached(t, "tracked_accounts", f)
    if hit is not None:
        return hit
    a = t.accounts
    act = t.actors
    j = a.join(act, a.actor_id == act.actor_id).select(
        a.platform,
        a.handle,
        a.user_id,
        a.user_key,
        a.actor_id,
        act.name,
        act.kind,
        act.institutional,
        act.state,
        act.host_country,
        act.host_city,
        act.organisation,
        act.person,
    )
    for predicate in ibis_predicates(j, platform_terms(f) + account_terms(f)):
        j = j.filter(predicate)
    return j


def roster_keys(t: Tables, f: Filters | None = None) -> ir.Table:
    """Every key a roster account's posts, snapshots and references are filed under, one row per
    (platform, key): its platform user id (``user_key``) and the handle placeholder
    ``handle:<lower handle>``. The one definition of how an author (or a referenced author) is
    resolved to a tracked account. ``f`` restricts the accounts (default: the whole roster).

    Columns: platform, key, handle, kind, actor_id, user_key, institutional, state, host_country, name.
    """
    hit = cached(t, "roster_keys", f)
    if hit is not None:
        return hit
    acc = tracked_accounts(t, f or Filters())
    cols = {
        "handle": acc.handle,
        "kind": acc.kind,
        "actor_id": acc.actor_id,
        "user_key": acc.user_key,
        "institutional": acc.institutional,
        "state": acc.state,
        "host_country": acc.host_country,
        "name": acc.name,
    }
    by_id = acc.select(acc.platform, key=acc.user_key, **cols)
    by_handle = acc.select(acc.platform, key=ibis.literal("handle:") + acc.handle.lower(), **cols)
    u = by_id.union(by_handle, distinct=True)
    u = u.mutate(_rn=ibis.row_number().over(group_by=[u.platform, u.key], order_by=[u.handle, u.actor_id]))
    return u.filter(u._rn == 0).drop("_rn")


# the columns of accounts and actors that roster_keys reads, to compile it without a connection
_KEY_TABLES = {
    "accounts": dict.fromkeys(("platform", "handle", "user_id", "user_key", "actor_id"), "string"),
    "actors": {
        **dict.fromkeys(("actor_id", "name", "kind", "state", "host_country", "host_city", "organisation"), "string"),
        "person": "string",
        "institutional": "boolean",
    },
}


@functools.cache
def roster_keys_sql(dialect: str = "duckdb") -> str:
    """``roster_keys`` of the whole roster compiled to SQL of ``dialect`` (DuckDB's by default; Spark
    is the other engine in view, issue 18) over the tables ``accounts`` and ``actors``, for the raw SQL
    of ``networks/`` to join on (no user value in it: filter its columns with ``query.sql_conditions``)."""
    accounts, actors = (ibis.table(cols, name=name) for name, cols in _KEY_TABLES.items())
    # only accounts and actors are read: the other tables are placeholders
    t = Tables(None, actors, accounts, profile_snapshots=accounts, posts=accounts, post_entities=accounts)
    return str(ibis.to_sql(roster_keys(t), dialect=dialect))


def account_keys(t: Tables, f: Filters) -> ir.Table:
    """Every key a tracked account's posts and snapshots may be filed under (``roster_keys`` of the
    filtered accounts, one row per platform and key): its platform user id (``user_key``) and the
    handle placeholder ``handle:<lower handle>``.

    Columns: platform, key, handle, actor_id (join posts on platform and author_id == key).
    """
    hit = cached(t, "account_keys", f)
    if hit is not None:
        return hit
    return roster_keys(t, f).select("platform", "key", "handle", "actor_id")


def window_posts(t: Tables, f: Filters) -> ir.Table:
    """All posts in the window (by anyone), restricted to the filtered platforms."""
    p = t.posts
    for predicate in ibis_predicates(p, window_terms(f)):
        p = p.filter(predicate)
    return p


def tracked_posts(t: Tables, f: Filters) -> ir.Table:
    """Posts in the window by tracked accounts, with the author's ``handle`` and ``actor_id``
    from the roster (the post's own columns keep their names)."""
    p = window_posts(t, f)
    k = account_keys(t, f)
    return p.join(k, [p.platform == k.platform, p.author_id == k.key]).select(
        p, roster_handle=k.handle, actor_id=k.actor_id
    )


def materialize_accounts(t: Tables, f: Filters) -> None:
    """Materialize the tracked accounts and their keys once, for a run of many analyses."""
    materialize(t, "tracked_accounts", f, tracked_accounts(t, f))
    materialize(t, "account_keys", f, account_keys(t, f))


def as_frame(result: Any) -> Any:
    """An analysis's result as a pandas DataFrame (an Ibis table is executed), in the form the DuckDB
    engine gives: timestamps in microseconds (the store's precision), which other engines (Spark)
    return in nanoseconds."""
    import pandas as pd  # here: base is imported where pandas is not needed

    if isinstance(result, pd.DataFrame):
        return result
    backend = result._find_backend(use_default=True)
    df = result.to_pandas()
    if getattr(backend, "name", "duckdb") != "duckdb":
        for col in df.columns:
            if str(df[col].dtype) == "datetime64[ns]":
                df[col] = df[col].astype("datetime64[us]")
    return df


def as_datetime(d: date | datetime | str | None) -> datetime | None:
    """A date, datetime or ISO string as a naive UTC datetime (the store's convention)."""
    if d is None or d == "":
        return None
    if isinstance(d, datetime):
        return d
    if isinstance(d, date):
        return datetime(d.year, d.month, d.day)
    return datetime.fromisoformat(str(d))
