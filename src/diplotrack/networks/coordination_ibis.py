"""The heavy half of ``coordination.co_action`` as Ibis expressions, for engines other than DuckDB
(Spark, issue 18): the acts, the band join within the window, the closest pair of acts per pair of
accounts and item, and the ``min_count`` thresholds. What leaves the engine is the thresholded events
(one row per pair and item: few) and the names of their accounts; the pairs' medians and evidence and
the clusters (igraph) are computed from them on the driver by coordination.py's own code
(``coordination.finish``), as for a store.

The rules are coordination.py's module docstring. Nothing here depends on a hash: acts are joined on
their (platform, item, time bucket) strings and integers, and the closest pair of acts of one item is
chosen by (lag, earlier post, later post), the earlier being, at one instant, the act of the smaller
account id; coordination.py's DuckDB SQL makes the same choice (tests/networks/test_coordination_ibis.py
compares the two).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from diplotrack.analyses.base import Filters, Tables, roster_keys
from diplotrack.analyses.query import ibis_predicates, window_terms
from diplotrack.networks.build_ibis import as_pandas, latest
from diplotrack.networks.coordination import DAY_PRECISION_SOURCES, MIN_TEXT_CHARS, Coordination, finish
from diplotrack.networks.options import check_accounts, check_action, check_co_action

OWN_KINDS = ("original", "reply", "quote")
EVENT_COLUMNS = ["platform", "item", "lag_us", "a", "b", "post_a", "post_b"]
NAME_COLUMNS = ["platform", "account", "name", "tracked"]


def _normalized(text: ir.StringValue) -> ir.StringValue:
    """``coordination.normalize_sql`` in Ibis (the same patterns; Java's and RE2's ``\\s`` differ only in
    the vertical tab)."""
    s = text.lower()
    s = s.re_replace(r"^(\s*rt\s+@[\p{L}\p{N}_]+:?)+", "")
    s = s.re_replace(r"(https?://|www\.)\S+", " ")
    s = s.re_replace(r"@[\p{L}\p{N}_]+", " ")
    s = s.re_replace(r"&([a-z]+|#[0-9]+);", " ")
    return s.re_replace(r"[^\p{L}\p{N}]+", "")


def acts(t: Tables, action: str, f: Filters, authors: str = "all", exclude_sources: Sequence[str] = ()) -> ir.Table:
    """One row per act: platform, account (a tracked account's ``user_key``, else the author id), item,
    t_us (microseconds since 1970), post_id, tracked."""
    p = t.posts
    for predicate in ibis_predicates(p, window_terms(f)):
        p = p.filter(predicate)
    p = p.filter(p.author_id.notnull() & p.created_at.notnull())
    if exclude_sources:
        p = p.filter(~p.provenance["source"].fill_null("").isin(list(exclude_sources)))
    if action == "repost":
        p = p.filter(p.reposted_post_id.notnull())
        base = p.select("platform", "post_id", "author_id", "created_at", item=p.reposted_post_id)
    elif action in ("hashtag", "link"):
        e = t.post_entities
        e = e.filter((e.type == ("hashtag" if action == "hashtag" else "url")) & e.normalized.notnull())
        e = e.filter(e.normalized != "").select("platform", "post_id", "normalized").distinct()
        p = p.filter(p.kind.isin(OWN_KINDS))
        j = p.join(e, [p.platform == e.platform, p.post_id == e.post_id])
        base = j.select(p.platform, p.post_id, p.author_id, p.created_at, item=e.normalized)
    elif action == "post":
        p = p.filter(p.kind.isin(OWN_KINDS) & p.text.notnull())
        base = p.select("platform", "post_id", "author_id", "created_at", item=_normalized(p.text))
        base = base.filter(base.item.length() >= MIN_TEXT_CHARS)
    else:
        raise AssertionError(action)  # check_action refused it
    k = roster_keys(t, Filters()).select(k_platform="platform", k_key="key", k_user="user_key")
    j = base.left_join(k, [base.platform == k.k_platform, base.author_id == k.k_key])
    if authors == "tracked":
        j = j.filter(j.k_user.notnull())
    epoch = ibis.timestamp("1970-01-01 00:00:00")
    return j.select(
        j.platform,
        account=j.k_user.coalesce(j.author_id),
        item=j.item,
        t_us=j.created_at.delta(epoch, unit="microsecond").cast("int64"),
        post_id=j.post_id,
        tracked=j.k_user.notnull(),
    )


def events(a: ir.Table, window_us: int, min_count: int) -> ir.Table:
    """The co-action events of the acts ``a`` (``acts``): per pair of accounts (``a < b``) and item on one
    platform, the closest pair of their acts within ``window_us`` microseconds (boundary inclusive), for
    the pairs with at least ``min_count`` such items. Columns: ``EVENT_COLUMNS``."""
    bucket = max(window_us, 1)
    x = a.select(a.platform, a.item, a.account, a.t_us, a.post_id, bucket=a.t_us // bucket)
    y = x.select(
        y_platform=x.platform, y_item=x.item, y_account=x.account, y_t=x.t_us, y_post=x.post_id, y_bucket=x.bucket
    )
    bands = []
    for d in (0, 1):
        j = x.join(y, [x.platform == y.y_platform, x.item == y.y_item, y.y_bucket == x.bucket + d])
        lag = j.y_t - j.t_us
        # each pair of acts once: y is the later act or, at one instant, the one of the larger account
        j = j.filter(
            (j.y_account != j.account) & lag.between(0, window_us) & ((j.y_t > j.t_us) | (j.y_account > j.account))
        )
        bands.append(
            j.select(
                j.platform,
                j.item,
                a=ibis.least(j.account, j.y_account),
                b=ibis.greatest(j.account, j.y_account),
                x_post=j.post_id,
                y_post=j.y_post,
                x_first=j.account < j.y_account,
                lag_us=lag,
            )
        )
    cand = bands[0].union(bands[1], distinct=False)
    # a pair needs min_count candidate pairs of acts before it can have min_count items: drops most pairs
    keep = cand.group_by("platform", "a", "b").aggregate(_n=ibis._.count())
    keep = keep.filter(keep._n >= min_count).drop("_n")
    cand = cand.semi_join(keep, ["platform", "a", "b"])
    w = ibis.window(group_by=["platform", "a", "b", "item"], order_by=["lag_us", "x_post", "y_post"])
    closest = cand.mutate(_rn=ibis.row_number().over(w))
    closest = closest.filter(closest._rn == 0)
    ev = closest.select(
        "platform",
        "item",
        "lag_us",
        "a",
        "b",
        post_a=ibis.ifelse(closest.x_first, closest.x_post, closest.y_post),
        post_b=ibis.ifelse(closest.x_first, closest.y_post, closest.x_post),
    )
    enough = ev.group_by("platform", "a", "b").aggregate(_n=ibis._.count())
    enough = enough.filter(enough._n >= min_count).drop("_n")
    return ev.semi_join(enough, ["platform", "a", "b"])


def names(t: Tables, ev: ir.Table) -> ir.Table:
    """``coordination._names_sql`` for the accounts of the events ``ev``: per (platform, account), the
    roster handle, else the handle of its latest post, else of its latest profile snapshot (of rows at
    one time, the largest handle), else the id; and whether it is a roster account. Columns:
    ``NAME_COLUMNS``."""
    accts = ev.select("platform", account=ev.a).union(ev.select("platform", account=ev.b), distinct=True)
    r = roster_keys(t, Filters())
    r = r.select(r_platform=r.platform, r_user=r.user_key, r_handle=r.handle).distinct()
    p = t.posts.filter(t.posts.author_handle.notnull())
    p = p.semi_join(accts, [p.platform == accts.platform, p.author_id == accts.account])
    ph = latest(p, ("platform", "author_id"), "author_handle", "created_at")
    ph = ph.rename(p_platform="platform")
    s = t.profile_snapshots.filter(t.profile_snapshots.handle.notnull())
    s = s.semi_join(accts, [s.platform == accts.platform, s.user_id == accts.account])
    sh = latest(s, ("platform", "user_id"), "handle", "observed_at").rename(s_platform="platform")
    j = accts.left_join(r, [accts.platform == r.r_platform, accts.account == r.r_user])
    j = j.left_join(ph, [j.platform == ph.p_platform, j.account == ph.author_id])
    j = j.left_join(sh, [j.platform == sh.s_platform, j.account == sh.user_id])
    return j.select(
        j.platform,
        j.account,
        name=ibis.coalesce(j.r_handle, j.author_handle, j.handle, j.account),
        tracked=j.r_handle.notnull(),
    )


def co_action_on(
    t: Tables,
    driver: duckdb.DuckDBPyConnection,
    action: str,
    *,
    window_s: float = 60,
    min_count: int = 2,
    f: Filters | None = None,
    authors: Literal["all", "tracked"] = "all",
    exclude_sources: Sequence[str] = DAY_PRECISION_SOURCES,
) -> Coordination:
    """``coordination.co_action`` with the events and their accounts' names computed by ``t``'s engine;
    the pairs and clusters are computed from them in the DuckDB connection ``driver`` (the driver's).
    ``f``: the window and platforms (the account filters do not apply, as in ``co_action``)."""
    check_action(action)
    check_accounts(authors, "authors")
    check_co_action(window_s, min_count)
    f = Filters(start=f.start, end=f.end, platforms=f.platforms) if f else Filters()
    ev = events(acts(t, action, f, authors, exclude_sources), round(window_s * 1_000_000), min_count).cache()
    try:
        ev_df = as_pandas(ev.select(*EVENT_COLUMNS))
        if ev_df.empty:  # no accounts to name: a query saved (each costs its overhead on Spark)
            names_df = pd.DataFrame({c: pd.Series(dtype=bool if c == "tracked" else str) for c in NAME_COLUMNS})
        else:
            names_df = as_pandas(names(t, ev).select(*NAME_COLUMNS))
    finally:
        ev.release()
    tag = uuid.uuid4().hex[:12]
    ev_view, names_view = f"_dt_events_{tag}", f"_dt_names_{tag}"
    driver.register(ev_view, ev_df)
    driver.register(names_view, names_df)
    try:
        return finish(driver, action, window_s, min_count, ev_view, names_view)
    finally:
        driver.unregister(ev_view)
        driver.unregister(names_view)
