"""The overview: the report's headline figures and main charts for any selection.

The tables that count posts honour every filter, the language, topic and tone ones included: they
read ``query.selected_posts`` (the tracked accounts' posts in the window that match the post filters), from
the daily rollups where those can answer the view and from the posts themselves where they cannot (a
topic filter, or rollups that are not current). The tables that count accounts (creation dates, host
countries) say so when a post filter is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from diplotrack.serve.pages.base import (
    POST_FILTER_CAVEAT,
    Chart,
    Context,
    Page,
    Panel,
    Table,
    account_url,
    coverage_dict,
)
from diplotrack.serve.query import memo_key, selected_posts, selected_topics

TOP_ACCOUNTS = 25


def _post_notes(ctx: Context) -> list[str]:
    return [POST_FILTER_CAVEAT] if ctx.view.post_filtered else []


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _ts(v: Any) -> pd.Timestamp | None:
    return None if v is None or pd.isna(v) else pd.Timestamp(v)


# -- tables -----------------------------------------------------------------------------------


def per_account(ctx: Context) -> pd.DataFrame:
    """Per selected account with posts: platform, handle, kind, posts, reposts, first_at, last_at."""

    def build() -> pd.DataFrame:
        sp, params = selected_posts(ctx)
        sql = f"""SELECT platform, handle, any_value(kind) AS kind, sum(n)::BIGINT AS posts,
                         (sum(n) FILTER (WHERE post_kind = 'repost'))::BIGINT AS reposts,
                         min(first_at) AS first_at, max(last_at) AS last_at
                  FROM {sp} s GROUP BY platform, handle HAVING sum(n) > 0"""
        return ctx.reader.sql(sql, params)

    return ctx.reader.memo(memo_key(ctx, "overview.per_account"), build)


def _headline(ctx: Context) -> Panel:
    """The headline figures as rows: figure, label, value (a number) or at (a time), basis, rows_url;
    unknown values are None (null), never 0."""
    v, f = ctx.view, ctx.view.filters
    roster = ctx.reader.coverage(f, "roster")
    acc = per_account(ctx)
    posts = int(acc["posts"].sum()) if len(acc) else 0
    reposts = int(acc["reposts"].fillna(0).sum()) if len(acc) else 0
    snaps, _ = ctx.reader.run("latest_snapshots", f)
    followers = snaps["followers"].dropna()
    by_kind, _ = ctx.reader.run("accounts_by_kind", f)
    post_basis = "posts in the window" + (" matching the language, topic and tone filters" if v.post_filtered else "")
    accounts_url, posts_url = "/accounts" + v.query(), "/posts" + v.query()
    by_posts = "/accounts" + v.query(_sort_desc="posts")
    as_of = f" observed before {f.end.date().isoformat()}" if f.end else ""
    rows: list[tuple[str, str, Any, str, str | None]] = [
        ("accounts_selected", "Tracked accounts selected", roster.selected, "roster (account filters)", accounts_url),
        ("accounts_with_posts", "Accounts with posts in the window", len(acc), post_basis, by_posts),
        ("posts", "Posts in the window", posts, post_basis, posts_url),
        ("repost_share", "Share of reposts", round(reposts / posts, 4) if posts else None, post_basis, posts_url),
        ("first_post", "First post", _ts(acc["first_at"].min()) if len(acc) else None, post_basis, posts_url),
        ("last_post", "Last post", _ts(acc["last_at"].max()) if len(acc) else None, post_basis, posts_url),
        (
            "followers",
            "Followers at the latest snapshot",
            int(followers.sum()) if len(followers) else None,
            f"latest profile snapshot{as_of} of {len(followers):,} of {roster.selected:,} selected accounts",
            "/accounts" + v.query(_sort_desc="followers"),
        ),
        ("followers_accounts", "Accounts the followers total rests on", len(followers), "profile snapshots", None),
    ]
    kinds = by_kind.groupby("kind", dropna=False)["accounts"].sum().sort_values(ascending=False)
    for kind, n in kinds.items():
        name = "unknown" if pd.isna(kind) else str(kind)
        url = "/accounts" + v.query(kind=name) if not pd.isna(kind) else None
        rows.append((f"kind:{name}", f"Accounts: {name}", int(n), "roster (account filters)", url))
    df = pd.DataFrame(rows, columns=["figure", "label", "value", "basis", "rows_url"])
    # typed columns (a number, or a time), so that the CSV writer and JSON clients get one type each
    times = [isinstance(x, pd.Timestamp) for x in df["value"]]
    df.insert(3, "at", pd.to_datetime(df["value"].where(times, None)))
    df["value"] = pd.to_numeric(df["value"].where([not t for t in times], None))
    notes = []
    if v.post_filtered:
        notes.append(
            "The language, topic and tone filters apply to the post figures; the accounts selected, "
            "the followers and the accounts per kind count accounts."
        )
    if len(followers) < roster.selected:
        notes.append(f"{roster.selected - len(followers):,} selected account(s) have no profile snapshot.")
    cov = coverage_dict(ctx.reader.coverage(f, "posts_or_snapshots"))
    return Panel(df, cov, notes=notes, total=len(df))


def _grouped(ctx: Context) -> pd.DataFrame:
    """The selected posts per month, roster kind, language and tone label: one query (a few
    thousand rows on a 1M-post store) that the posts per month, languages and tone tables share."""

    def build() -> pd.DataFrame:
        sp, params = selected_posts(ctx)
        sql = f"""SELECT date_trunc('month', s.day)::DATE AS month, s.kind, s.lang_detected, s.tone_label,
                         sum(s.n)::BIGINT AS posts
                  FROM {sp} s GROUP BY ALL"""
        return ctx.reader.sql(sql, params)

    return ctx.reader.memo(memo_key(ctx, "overview.grouped"), build)


def _posts_by_month(ctx: Context) -> Panel:
    """Posts per month by the selected accounts and roster kind, honouring every filter."""
    g = _grouped(ctx)
    rows = g[g["month"].notna()].groupby(["month", "kind"], dropna=False)["posts"].sum().reset_index()
    rows = rows.sort_values(["month", "kind"], ignore_index=True)
    cov = ctx.reader.coverage(ctx.view.filters, "posts")
    chart = Chart("line", "month", ("posts",), "Posts per month by kind", "kind")
    return Panel(
        rows, coverage_dict(cov), chart=chart, links={"posts": lambda r: _month_posts(ctx, r)}, total=len(rows)
    )


def _month_posts(ctx: Context, row: dict) -> str | None:
    """The posts page for a row's month and kind (within the view's window)."""
    month = row.get("month")
    if not hasattr(month, "year") or not isinstance(row.get("kind"), str):
        return None
    f = ctx.view.filters
    start = max(pd.Timestamp(month), pd.Timestamp(f.start)) if f.start else pd.Timestamp(month)
    end = pd.Timestamp(month) + pd.offsets.MonthBegin(1)
    end = min(end, pd.Timestamp(f.end)) if f.end else end
    q = ctx.view.query(start=start.date().isoformat(), end=end.date().isoformat(), kind=row["kind"])
    return "/posts" + q


def _joins(ctx: Context) -> Panel:
    df, cov = ctx.reader.run("joins_by_period", ctx.view.filters)
    return Panel(
        df,
        coverage_dict(cov),
        chart=Chart("bar", "period", ("joins",), "Accounts created per year"),
        notes=_post_notes(ctx),
    )


def _accounts_link(ctx: Context, param: str, column: str) -> Callable[[dict], str | None]:
    """A link from a row's ``column`` to the accounts table with the filter ``param`` set to it."""

    def link(row: dict) -> str | None:
        value = row.get(column)
        if not isinstance(value, str) or value in ("none given", "unknown"):
            return None
        return "/accounts" + ctx.view.query(**{param: value})

    return link


def _regions(ctx: Context) -> Panel:
    df, cov = ctx.reader.run("accounts_by_region", ctx.view.filters)
    return Panel(
        df,
        coverage_dict(cov),
        chart=Chart("bar", "region", ("accounts",), "Accounts per world region of the host country"),
        notes=_post_notes(ctx),
        links={"region": _accounts_link(ctx, "region", "region")},
    )


def _hosts(ctx: Context) -> Panel:
    from diplotrack.serve.charts import MAX_BARS  # here: charts imports pages.base, which imports the pages

    df, cov = ctx.reader.run("accounts_by_host", ctx.view.filters)
    notes = _post_notes(ctx)
    if len(df) > MAX_BARS:
        notes = [*notes, f"The chart shows the {MAX_BARS} host countries with most accounts; the table all."]
    return Panel(
        df,
        coverage_dict(cov),
        chart=Chart("bar", "host_country", ("accounts",), "Accounts per host country"),
        notes=notes,
        links={"host_country": _accounts_link(ctx, "host_country", "host_country")},
        total=len(df),
    )


def _languages(ctx: Context) -> Panel:
    """Posts per detected language (posts not enriched count as 'und'), with shares."""
    g = _grouped(ctx)
    rows = g.groupby("lang_detected")["posts"].sum().rename_axis("language").reset_index()
    rows = rows.sort_values(["posts", "language"], ascending=[False, True], ignore_index=True)
    rows["share"] = (rows["posts"] / rows["posts"].sum()).round(4) if len(rows) else []
    cov = ctx.reader.coverage(ctx.view.filters, "posts")
    notes = ["Posts not yet enriched count as language 'und'."]
    links = {"language": lambda r: "/posts" + ctx.view.query(language=r["language"]) if r.get("language") else None}
    chart = Chart("bar", "language", ("posts",), "Posts per language")
    return Panel(rows, coverage_dict(cov), chart=chart, notes=notes, links=links, total=len(rows))


def _topics(ctx: Context) -> Panel:
    """Posts per topic (a post may carry several); share of all selected posts."""

    def build() -> pd.DataFrame:
        st, params = selected_topics(ctx)
        sp, sparams = selected_posts(ctx)
        sql = f"""WITH t AS (SELECT s.topic, sum(s.n)::BIGINT AS posts FROM {st} s GROUP BY 1),
                       tot AS (SELECT sum(x.n) AS all_posts FROM {sp} x)
                  SELECT t.topic, t.posts, round(t.posts / nullif(tot.all_posts, 0), 4) AS share
                  FROM t, tot ORDER BY t.posts DESC, t.topic"""
        return ctx.reader.sql(sql, {**params, **sparams})

    rows = ctx.reader.memo(memo_key(ctx, "overview.topics"), build)
    cov = ctx.reader.coverage(ctx.view.filters, "posts")
    notes = ["A post may carry several topics, so the shares can add up to more than 1; posts without a topic "
             "are in no row."]  # fmt: skip
    links = {"topic": lambda r: "/posts" + ctx.view.query(topic=r["topic"]) if r.get("topic") else None}
    return Panel(rows, coverage_dict(cov), chart=Chart("bar", "topic", ("posts",), "Posts per topic"),
                 notes=notes, links=links, total=len(rows))  # fmt: skip


def tone_shares(g: pd.DataFrame) -> pd.DataFrame:
    """Per month of ``g`` (rows of month, tone_label, posts): the posts with a tone label and the
    shares of confrontational and conciliatory ones (the overview's and an account's tone)."""
    m = g[g["month"].notna() & g["tone_label"].notna()]
    rows = m.groupby("month").agg(posts=("posts", "sum"))
    for label in ("confrontational", "conciliatory"):
        n = m[m["tone_label"] == label].groupby("month")["posts"].sum().reindex(rows.index, fill_value=0)
        rows[f"{label}_share"] = (n / rows["posts"]).round(4)
    return rows.reset_index().sort_values("month", ignore_index=True)


def _tone_trend(ctx: Context) -> Panel:
    """Per month: posts with a tone label and the shares of confrontational and conciliatory ones."""
    g = _grouped(ctx)
    rows = tone_shares(g)
    cov = ctx.reader.coverage(ctx.view.filters, "posts")
    notes = ["Shares of the month's posts that have a tone label (posts not enriched are left out)."]
    chart = Chart("line", "month", ("confrontational_share", "conciliatory_share"), "Tone per month")
    return Panel(rows, coverage_dict(cov), chart=chart, notes=notes, total=len(rows))


def _top_accounts(ctx: Context) -> Panel:
    """The accounts with most posts in the window (every filter applies), with their followers."""
    acc = per_account(ctx)
    snaps, _ = ctx.reader.run("latest_snapshots", ctx.view.filters)
    top = acc.sort_values(["posts", "platform", "handle"], ascending=[False, True, True]).head(TOP_ACCOUNTS)
    top = top.merge(snaps[["platform", "handle", "followers"]], on=["platform", "handle"], how="left")
    total = int(acc["posts"].sum()) if len(acc) else 0
    top = top.assign(
        share_of_posts=(top["posts"] / total).round(4) if total else None,
        repost_share=(top["reposts"].fillna(0) / top["posts"]).round(4),
    )
    cols = ["platform", "handle", "kind", "posts", "share_of_posts", "repost_share", "followers", "last_at"]
    rows = top[cols].rename(columns={"last_at": "last_post"}).reset_index(drop=True)
    cov = ctx.reader.coverage(ctx.view.filters, "posts")
    return Panel(
        rows,
        coverage_dict(cov),
        chart=Chart("bar", "handle", ("posts",), "Posts in the window, top accounts"),
        links={"handle": lambda r: account_url(r.get("platform"), r.get("handle"))},
        notes=["Followers: the latest profile snapshot (unknown where the account has none)."],
        total=len(acc),
    )


def _t(name: str, title: str, build: Callable[[Context], Panel], description: str, post: bool = True) -> Table:
    return Table(name, title, build, description, post_filters=post)


PAGES = (
    Page(
        "overview",
        "/",
        "Overview",
        (
            _t("headline", "Headline figures", _headline, "The selection's headline figures, each with its basis."),
            _t("posts_by_month", "Posts per month", _posts_by_month, "Posts per month by roster kind."),
            _t("joins", "Accounts created per year", _joins, "The registered analysis joins_by_period.", False),
            _t("regions", "Accounts per world region", _regions, "Host countries' world regions.", False),
            _t("hosts", "Accounts per host country", _hosts, "Where the selected accounts are posted.", False),
            _t("languages", "Languages", _languages, "Posts per detected language."),
            _t("topics", "Topics", _topics, "Posts per topic."),
            _t("tone_trend", "Tone per month", _tone_trend, "Shares of confrontational and conciliatory posts."),
            _t("top_accounts", "Top accounts by posts", _top_accounts, "The most active accounts in the window."),
        ),
        description="The headline figures and charts of the report for the selection.",
        template="overview.html.j2",
    ),
)
