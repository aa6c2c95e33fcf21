"""The coordination page (``/coordination``): co-action clusters and the pairs behind them with their
evidence, account-creation bursts with their accounts, and amplifier profiles: the registered
analyses ``co_action_clusters``, ``co_action_pairs``, ``creation_bursts`` and ``amplifier_profiles``
(networks/coordination.py, bursts.py, amplifiers.py), run through the reader's cache with the
report's settings (co-reposting within 60 seconds on at least 2 items; bursts by day).

These analyses take the window and the platforms only (the account filters do not narrow them: a
cluster is read whole). None of them is evidence of coordination on its own.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from diplotrack.serve.pages.base import (
    POST_FILTER_CAVEAT,
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
    page_frame,
)
from diplotrack.serve.pages.networks import own_sort

COREPOST: dict[str, Any] = {"action": "repost", "window_s": 60, "min_count": 2}  # the report's
MAX_BURST_ACCOUNTS = 100  # accounts listed per burst (a bulk-created batch can hold tens of thousands)
CAVEAT = (
    "Acting together is not proof of coordination: popular posts are reposted by many accounts within "
    "seconds, and schedulers post at round times. Read the evidence (the posts and the seconds between them)."
)
WINDOW_ONLY = "Only the window and platform filters apply: the account filters do not narrow this table."


def _notes(ctx: Context, *extra: str) -> list[str]:
    v = ctx.view
    account_filtered = bool(v.filters.states or v.filters.kinds or v.filters.host_countries)
    account_filtered = account_filtered or v.filters.institutional is not None
    out = list(extra) + ([WINDOW_ONLY] if account_filtered else [])
    return out + ([POST_FILTER_CAVEAT] if v.post_filtered else [])


def _paged(
    ctx: Context, df: pd.DataFrame, key: list[str], default_sort: str | None = None
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """One page of ``df`` (``base.page_frame``), the next cursor, and a note when the view's ``_sort``
    names a column of another table of the page (``networks.own_sort``)."""
    ctx, note = own_sort(ctx, df.columns)
    rows, nxt = page_frame(df, ctx, key=key, default_sort=default_sort)
    return rows, nxt, note


def _evidence(items: Any) -> list[str]:
    """The evidence of a pair as text: item, the two posts, the seconds between them."""
    if items is None or (isinstance(items, float) and pd.isna(items)):
        return []
    out = []
    for e in list(items):
        out.append(f"item {e['item']}: post {e['post_a']} and post {e['post_b']}, {e['lag_s']:g} s apart")
    return out


def _clusters(ctx: Context) -> Panel:
    f = ctx.view.filters
    df, cov = ctx.reader.run("co_action_clusters", f, **COREPOST)
    rows, nxt, sorted_note = _paged(ctx, df, ["cluster"])
    note = "A cluster: accounts linked by reposting the same posts within 60 seconds of each other on 2 or more posts."
    return Panel(rows, coverage_dict(cov), next=nxt, total=len(df), notes=_notes(ctx, CAVEAT, note, *sorted_note))


def _pairs(ctx: Context) -> Panel:
    f = ctx.view.filters
    raw, cov = ctx.reader.run("co_action_pairs", f, **COREPOST)

    def build() -> pd.DataFrame:
        df = raw.copy()
        df["evidence"] = [_evidence(e) for e in df["evidence"]]
        return df

    df = ctx.reader.memo(("coordination.pairs", repr(f)), build)
    rows, nxt, sorted_note = _paged(ctx, df, ["platform", "account_a", "account_b"], "events")
    note = (
        "evidence: up to 10 items per pair, closest first: the reposted item, each account's post "
        "(post_a is account_a's) and the seconds between them."
    )
    links = {
        "handle_a": lambda r: account_url(r.get("platform"), r.get("handle_a")) if r.get("tracked_a") else None,
        "handle_b": lambda r: account_url(r.get("platform"), r.get("handle_b")) if r.get("tracked_b") else None,
    }
    return Panel(
        rows, coverage_dict(cov), next=nxt, total=len(df), notes=_notes(ctx, CAVEAT, note, *sorted_note), links=links
    )


def _bursts(ctx: Context) -> Panel:
    f = ctx.view.filters
    raw, cov = ctx.reader.run("creation_bursts", f, by="day")

    def build() -> pd.DataFrame:
        df = raw.copy()
        accounts = [list(a) if a is not None else [] for a in df["accounts"]]
        df["accounts"] = [a[:MAX_BURST_ACCOUNTS] for a in accounts]
        df["accounts_listed"] = [min(len(a), MAX_BURST_ACCOUNTS) for a in accounts]
        return df

    df = ctx.reader.memo(("coordination.bursts",), build)
    rows, nxt, sorted_note = _paged(ctx, df, ["period_start"])
    notes = [
        *sorted_note,
        "A burst: a day with far more account creations than its neighbouring days (Poisson, p < 0.001). "
        "Bulk creation is a sign of inauthentic accounts, and also of imports and platform migrations.",
        f"accounts: the first {MAX_BURST_ACCOUNTS} of each burst ('diplotrack bursts --json' lists all).",
        "The filters do not apply to this table: it reads every account's creation date in the store.",
    ]
    return Panel(
        rows,
        coverage_dict(cov),
        next=nxt,
        total=len(df),
        notes=notes + ([POST_FILTER_CAVEAT] if ctx.view.post_filtered else []),
    )


def _amplifiers(ctx: Context) -> Panel:
    f = ctx.view.filters
    df, cov = ctx.reader.run("amplifier_profiles", f)
    rows, nxt, sorted_note = _paged(ctx, df, ["platform", "handle"], "events")
    note = (
        "events: reposts, quotes and replies of the account's posts by others; top1pct_share: the share "
        "of events by the most active 1% of its amplifiers; amplifiers_created_in_bursts: amplifier "
        "accounts created in a creation burst; amplifiers_only_this: amplifiers of no other tracked account."
    )
    links = {"handle": lambda r: account_url(r.get("platform"), r.get("handle"))}
    return Panel(rows, coverage_dict(cov), next=nxt, total=len(df), notes=_notes(ctx, note, *sorted_note), links=links)


PAGES: tuple[Page, ...] = (
    Page(
        "coordination",
        "/coordination",
        "Coordination",
        (
            Table("clusters", "Co-reposting clusters", _clusters, "Accounts reposting the same posts within seconds."),
            Table("pairs", "Co-reposting pairs, with evidence", _pairs, "The pairs behind the clusters."),
            Table("bursts", "Account-creation bursts", _bursts, "Days with far more account creations than expected."),
            Table("amplifiers", "Amplifier profiles", _amplifiers, "Who amplifies each tracked account, and how."),
        ),
        description=(
            "Signals of coordinated behaviour: accounts acting on the same posts within seconds, "
            "accounts created in bursts, and how concentrated each tracked account's amplification is. "
            "Co-action is not proof of coordination: it is where to look, with the evidence to read."
        ),
    ),
)
