"""The accounts: a sortable, searchable table of the tracked accounts, and a page per account
(serve/pages/account_page.py).

The list is computed once per store generation and filter set (``memo``); search, sort and paging
work on that table in memory (``page_frame``).
"""

from __future__ import annotations

import pandas as pd

from diplotrack.serve.pages import account_page
from diplotrack.serve.pages.base import (
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
    page_frame,
)
from diplotrack.serve.pages.overview import (
    memo_key,
    per_account,
)
from diplotrack.serve.query import tracked_keys

FACETS = ("kind", "platform", "host_country")
FACET_VALUES = 30  # values shown per facet (the most frequent)
SEARCHED = ("handle", "name", "host_country")

# -- the list ---------------------------------------------------------------------------------


def _roster_table(ctx: Context) -> pd.DataFrame:
    """Every selected account with its followers and status (latest snapshot), posts in the window
    (matching the post filters) and last post: one row per account, kept per filter set."""

    def build() -> pd.DataFrame:
        keys, params = tracked_keys(ctx.view)
        roster = ctx.reader.sql(
            f"""SELECT DISTINCT k.platform, k.handle, k.name, k.kind, k.institutional, a.state, k.host_country
                FROM {keys} k JOIN actors a ON a.actor_id = k.actor_id""",
            params,
        )
        snaps, _ = ctx.reader.run("latest_snapshots", ctx.view.filters)
        posts = per_account(ctx)[["platform", "handle", "posts", "last_at"]]
        df = roster.merge(snaps[["platform", "handle", "followers", "status"]], on=["platform", "handle"], how="left")
        df = df.merge(posts, on=["platform", "handle"], how="left")
        df["posts"] = df["posts"].fillna(0).astype("int64")  # the store holds none of its posts in the window
        df["followers"] = df["followers"].astype("Int64")
        df = df.rename(columns={"last_at": "last_post"})
        cols = ["platform", "handle", "name", "kind", "institutional", "state", "host_country"]
        return df[[*cols, "followers", "posts", "last_post", "status"]]

    return ctx.reader.memo(memo_key(ctx, "accounts.list"), build)


def _search(df: pd.DataFrame, q: str) -> pd.DataFrame:
    """Rows whose handle, name or host country contains ``q`` (case-insensitive, literal)."""
    if not q:
        return df
    hit = pd.Series(False, index=df.index)
    for col in SEARCHED:
        hit |= df[col].astype("string").str.contains(q, case=False, regex=False, na=False)
    return df[hit]


def _facets(ctx: Context, df: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for col in FACETS:
        counts = df[col].value_counts(dropna=True).head(FACET_VALUES)
        out[col] = [
            {"value": str(v), "count": int(n), "url": "/accounts" + ctx.view.query(keep_controls=True, **{col: str(v)})}
            for v, n in counts.items()
        ]
    return out


def _accounts(ctx: Context) -> Panel:
    full = _roster_table(ctx)
    found = _search(full, ctx.view.q)
    rows, nxt = page_frame(found, ctx, key=["platform", "handle"], default_sort="posts")
    notes = []
    if ctx.view.post_filtered:
        notes.append("Posts and last post count the posts matching the language, topic and tone filters.")
    if ctx.view.q:
        notes.append(f"{len(found):,} of {len(full):,} selected accounts match the search.")
    return Panel(
        rows,
        coverage_dict(ctx.reader.coverage(ctx.view.filters, "posts_or_snapshots")),
        facets=_facets(ctx, found),
        next=nxt,
        notes=notes,
        links={"handle": lambda r: account_url(r.get("platform"), r.get("handle"))},
        total=len(found),
    )


PAGES = (
    Page(
        "accounts",
        "/accounts",
        "Accounts",
        (
            Table(
                "accounts",
                "Tracked accounts",
                _accounts,
                "The selected accounts with followers, posts in the window, last post and status; "
                "q searches handle, name and host country.",
                post_filters=True,
            ),
        ),
        description="The tracked accounts: sort by any column, search, and open an account's page.",
        template="accounts.html.j2",
    ),
    account_page.PAGE,
)
