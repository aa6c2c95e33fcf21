"""The accounts: a sortable, searchable table of the tracked accounts, and a page per account
(serve/pages/account_page.py).

The list is computed once per store generation and filter set (``memo``); search, sort and paging
work on that table in memory (``page_frame``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from diplotrack.analyses.base import roster_keys_sql
from diplotrack.serve.pages import account_page as ap
from diplotrack.serve.pages.base import (
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
    page_frame,
)
from diplotrack.serve.pages.overview import per_account
from diplotrack.serve.query import memo_key, tracked_keys

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
        # none in the window is 0 for an account the store holds posts of; for one whose timeline was
        # never collected (no post of it at all) the count is unknown
        ever = _ever_posted(ctx)
        held = pd.Series([(p, h) in ever for p, h in zip(df["platform"], df["handle"], strict=True)], index=df.index)
        df["posts"] = df["posts"].astype("Int64").where(df["posts"].notna() | ~held, 0)
        df["followers"] = df["followers"].astype("Int64")
        df = df.rename(columns={"last_at": "last_post"})
        cols = ["platform", "handle", "name", "kind", "institutional", "state", "host_country"]
        return df[[*cols, "followers", "posts", "last_post", "status"]]

    return ctx.reader.memo(memo_key(ctx, "accounts.list"), build)


def _ever_posted(ctx: Context) -> set[tuple[str, str]]:
    """The (platform, handle) of every roster account the store holds at least one post of."""

    def build() -> set[tuple[str, str]]:
        rows = ctx.reader.sql(
            f"""SELECT DISTINCT k.platform, k.handle FROM ({roster_keys_sql()}) k
                WHERE EXISTS (SELECT 1 FROM rollup_posts_day r WHERE r.platform = k.platform AND r.author_id = k.key)"""
        )
        return set(zip(rows["platform"], rows["handle"], strict=True))

    return ctx.reader.memo(("accounts.ever_posted",), build)


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


def _actor_accounts(ctx: Context) -> Panel:
    """Every roster account of the page's actor (the same person or body on other platforms or
    under other handles), with its posts in the view's window and followers, linked to its page."""
    acc = ap.account(ctx)

    def build() -> pd.DataFrame:
        sql = """SELECT a.platform, a.handle, a.user_id, a.source, a.platform = $p AND a.handle = $h AS this_page
                 FROM accounts a WHERE a.actor_id = (SELECT actor_id FROM accounts WHERE platform = $p AND handle = $h)
                 ORDER BY a.platform, a.handle"""
        return ctx.reader.sql(sql, {"p": acc["platform"], "h": acc["handle"]})

    df = ctx.reader.memo(("account.actor", acc["platform"], acc["handle"]), build)
    cov = ap.account_cov("roster", True, acc)
    notes = ["The roster groups accounts into actors: one embassy, ministry or person may hold several."]
    return Panel(
        df, cov, notes=notes, total=len(df), links={"handle": lambda r: account_url(r["platform"], r["handle"])}
    )


def _t(name: str, title: str, build: Any, description: str, post: bool = False) -> Table:
    return Table(name, title, build, description, post_filters=post)


_OUT = "The accounts it reposts, quotes, replies to and mentions most."
_IN = "The accounts that repost, quote, reply to and mention it most."
PAGE = Page(
    "account",
    "/accounts/{platform}/{handle}",
    "Account",
    (
        _t("profile", "Profile", ap.profile, "The roster entry and the latest profile snapshot."),
        _t("actor", "The actor's accounts", _actor_accounts, "The accounts of the same actor (person or body)."),
        _t("history", "Profile history and followers", ap.history, "Every profile snapshot in the window."),
        _t("events", "Renames and status events", ap.events, "Status changes, renames and recorded events."),
        _t("activity", "Posting activity", ap.activity, "Posts per month by kind.", True),
        _t("languages", "Languages", ap.languages, "Posts per detected language.", True),
        _t("topics", "Topics", ap.topics, "Posts per topic.", True),
        _t("tone", "Tone per month", ap.tone, "Confrontational and conciliatory shares.", True),
        _t("tone_examples", "Tone: example posts", ap.tone_examples, "Posts at both ends of the tone scale.", True),
        _t("hashtags", "Hashtags", ap.hashtags, "The hashtags it uses most."),
        _t("amplifies", "Whom it amplifies", partial(ap.amplification, outgoing=True), _OUT),
        _t("amplified_by", "Who amplifies it", partial(ap.amplification, outgoing=False), _IN),
        _t("deleted", "Deleted posts", ap.deleted, "Its posts found deleted."),
        _t("unknown", "What is not known", ap.unknown, "The gaps in what the store holds on this account."),
    ),
    description="One tracked account: profile, followers, activity, content and amplification.",
    in_nav=False,
    template="account.html.j2",
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
    PAGE,
)
