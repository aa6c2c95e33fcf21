"""What every analysis shares: the store's tables as Ibis expressions, the common filters, and
the tracked accounts with the keys their posts are filed under.

Analyses are Ibis expressions over the public tables, so the same code runs on DuckDB (default)
and on other Ibis backends (Spark) later; nothing here pulls a table into Python. Each analysis
function takes ``(t: Tables, f: Filters, ...)`` and returns an ``ibis.Table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import ibis
import ibis.expr.types as ir

INSTITUTIONAL_KINDS = ("embassy", "consulate", "mission", "ministry", "state_media")


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
    extra: dict[str, ir.Table] = field(default_factory=dict)


def tables_from_duckdb(con: duckdb.DuckDBPyConnection) -> Tables:
    """Wrap an open store connection (read-only or not) as Ibis tables."""
    backend = ibis.duckdb.from_connection(con)
    return Tables(
        backend=backend,
        actors=backend.table("actors"),
        accounts=backend.table("accounts"),
        profile_snapshots=backend.table("profile_snapshots"),
        posts=backend.table("posts"),
        post_entities=backend.table("post_entities"),
        post_enrichment=backend.table("post_enrichment") if "post_enrichment" in backend.list_tables() else None,
    )


def cached(t: Tables, name: str, f: Filters | None) -> ir.Table | None:
    """A table ``materialize`` stored for ``(name, f)`` on these tables, or None."""
    return t.extra.get(f"{name}:{f!r}")


def materialize(t: Tables, name: str, f: Filters | None, expr: ir.Table) -> ir.Table:
    """Compute ``expr`` once into a temporary table (gone with the connection) that later calls of
    the building block ``name`` with the same filters read instead of recomputing it. A run of many
    analyses (the report) uses it for the blocks every analysis starts from."""
    key = f"{name}:{f!r}"
    if key not in t.extra:
        t.extra[key] = t.backend.create_table(f"_diplotrack_{name}_{abs(hash(key)):x}", expr, temp=True)
    return t.extra[key]


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
    if f.platforms:
        j = j.filter(j.platform.isin(list(f.platforms)))
    if f.states:
        j = j.filter(j.state.isin(list(f.states)))
    if f.kinds:
        j = j.filter(j.kind.isin(list(f.kinds)))
    if f.institutional is not None:
        j = j.filter(j.institutional == f.institutional)
    if f.host_countries:
        j = j.filter(j.host_country.isin(list(f.host_countries)))
    return j


def account_keys(t: Tables, f: Filters) -> ir.Table:
    """Every key a tracked account's posts and snapshots may be filed under, one row each:
    its platform user id (``user_key``) and the handle placeholder ``handle:<lower handle>``.

    Columns: platform, key, handle, actor_id (join posts on platform and author_id == key).
    """
    hit = cached(t, "account_keys", f)
    if hit is not None:
        return hit
    acc = tracked_accounts(t, f)
    by_id = acc.select(acc.platform, key=acc.user_key, handle=acc.handle, actor_id=acc.actor_id)
    by_handle = acc.select(
        acc.platform, key=ibis.literal("handle:") + acc.handle.lower(), handle=acc.handle, actor_id=acc.actor_id
    )
    return by_id.union(by_handle, distinct=True)


def window_posts(t: Tables, f: Filters) -> ir.Table:
    """All posts in the window (by anyone), restricted to the filtered platforms."""
    p = t.posts
    if f.start is not None:
        p = p.filter(p.created_at >= f.start)
    if f.end is not None:
        p = p.filter(p.created_at < f.end)
    if f.platforms:
        p = p.filter(p.platform.isin(list(f.platforms)))
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


def as_datetime(d: date | datetime | str | None) -> datetime | None:
    """A date, datetime or ISO string as a naive UTC datetime (the store's convention)."""
    if d is None or d == "":
        return None
    if isinstance(d, datetime):
        return d
    if isinstance(d, date):
        return datetime(d.year, d.month, d.day)
    return datetime.fromisoformat(str(d))
