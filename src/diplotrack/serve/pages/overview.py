"""The overview: the report's headline figures and charts for any selection."""

from __future__ import annotations

import pandas as pd

from diplotrack.serve.pages.base import POST_FILTER_CAVEAT, Chart, Context, Page, Panel, Table, coverage_dict
from diplotrack.serve.query import post_conditions, rollup_conditions, tracked_keys


def _posts_by_month(ctx: Context) -> Panel:
    """Posts per month by the selected accounts, honouring the post filters (rollups unless a topic
    filter asks for the posts themselves)."""
    v = ctx.view

    def build() -> pd.DataFrame:
        keys, kp = tracked_keys(v)
        if v.topics:
            where, wp = post_conditions(v)
            sql = f"""SELECT date_trunc('month', p.created_at)::DATE AS month, k.kind, count(*) AS posts
                      FROM posts p JOIN {keys} k ON k.platform = p.platform AND k.key = p.author_id
                      LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
                      WHERE p.created_at IS NOT NULL AND {where} GROUP BY ALL ORDER BY 1, 2"""
            return ctx.reader.sql(sql, {**kp, **wp})
        where, wp = rollup_conditions(v)
        sql = f"""SELECT date_trunc('month', r.day)::DATE AS month, k.kind, sum(r.posts)::BIGINT AS posts
                  FROM rollup_posts_day r JOIN {keys} k ON k.platform = r.platform AND k.key = r.author_id
                  WHERE r.day IS NOT NULL AND {where} GROUP BY ALL ORDER BY 1, 2"""
        return ctx.reader.sql(sql, {**kp, **wp})

    rows = ctx.reader.memo(("overview.posts_by_month", v.describe().__repr__()), build)
    cov = ctx.reader.coverage(v.filters, "posts")
    return Panel(rows, coverage_dict(cov), chart=Chart("line", "month", ("posts",), "Posts per month by kind", "kind"))


def _joins(ctx: Context) -> Panel:
    df, cov = ctx.reader.run("joins_by_period", ctx.view.filters)
    notes = [POST_FILTER_CAVEAT] if ctx.view.post_filtered else []
    return Panel(
        df, coverage_dict(cov), chart=Chart("bar", "period", ("joins",), "Accounts created per year"), notes=notes
    )


PAGES = (
    Page(
        "overview",
        "/",
        "Overview",
        (
            Table(
                "posts_by_month",
                "Posts per month",
                _posts_by_month,
                "Posts per month by the selected accounts, by roster kind.",
                post_filters=True,
            ),
            Table("joins", "Accounts created per year", _joins, "The registered analysis joins_by_period."),
        ),
        description="The headline figures and charts of the report for the selection.",
    ),
)
