"""The data page (``/data``): what the store was built from and how fresh it is, what is missing,
the published roster and the methods, so that every figure of the dashboard can be traced.

Tables: ``freshness`` (per platform: last collection, latest post and snapshot), ``runs`` (import and
collection runs), ``sources`` (rows per table, platform and provenance source), ``gaps`` (months
with no post by any selected tracked account: the report's collection gaps), ``never_observed``
(tracked accounts with neither snapshot nor post in the window), ``roster`` (actors and accounts:
sortable, paged; ``/data/roster.csv`` downloads all of it, serve/network_view.py) and ``methods``.
"""

from __future__ import annotations

import pandas as pd

from diplotrack.analyses.query import account_terms, platform_terms, sql_conditions
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
from diplotrack.serve.params import View
from diplotrack.serve.reader import StoreReader

STORE_WIDE = "The filters do not apply to this table: it describes the whole store."
PLATFORM_ONLY = "Only the platform filter applies to this table."
DISCLAIMER = (
    "Appearing in this dashboard does not make an account state-linked: the roster does, with its "
    "sources (the source column). Accounts that merely interact with tracked ones (reposters, "
    "mentioned accounts, co-actors) are not thereby attributed to any state."
)
METHODS: tuple[tuple[str, str], ...] = (
    ("roster", DISCLAIMER),
    (
        "collection",
        "Posts, profile snapshots, follows and engagements come from the import and collection runs "
        "listed here; each post keeps its raw payload and provenance (importer, file, line). Nothing "
        "the platforms did not return, or that was not imported, is counted.",
    ),
    (
        "coverage",
        "Each table states its coverage: how many selected tracked accounts have the data it needs. "
        "Unknown values are shown as unknown, never as zero. Months with no post by any selected "
        "tracked account inside the covered range are collection gaps (a gap may also be real silence).",
    ),
    (
        "enrichment",
        "Language, topics, tone (a classifier with the cues and words behind each label; its held-out "
        "figures are in docs/tone-evaluation.md), link domains and state-media "
        "references are detected per post by 'diplotrack enrich'; the language, topic and tone filters "
        "select posts by them, and a post without enrichment matches none of them.",
    ),
    (
        "networks",
        "Networks link accounts by reposts, quotes, replies, mentions and follows the store holds; "
        "PageRank and Leiden communities describe their structure, not intent. Co-action (acting on "
        "the same item within seconds) is a signal worth reading, not proof of coordination.",
    ),
    ("analyses", "Every analysis is documented in docs/analyses/; the report (diplotrack report) runs the same code."),
)


def _platform_where(view: View, column: str = "platform") -> tuple[str, dict]:
    where, params = sql_conditions(platform_terms(view.filters, column), named="dp")
    return where, dict(params) if isinstance(params, dict) else {}


def _notes(ctx: Context, *extra: str) -> list[str]:
    return list(extra) + ([POST_FILTER_CAVEAT] if ctx.view.post_filtered else [])


def _paged(
    ctx: Context, df: pd.DataFrame, key: list[str], default_sort: str | None = None, default_desc: bool = False
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """One page of ``df`` in the view's order (``base.page_frame``), the next cursor, and a note when
    the view's ``_sort`` names a column of another table of the page (``networks.own_sort``)."""
    ctx, note = own_sort(ctx, df.columns)
    rows, nxt = page_frame(df, ctx, key=key, default_sort=default_sort, default_desc=default_desc)
    return rows, nxt, note


# -- freshness, runs, sources ---------------------------------------------------------------------


def _freshness(ctx: Context) -> Panel:
    where, params = _platform_where(ctx.view)
    sql = f"""
        WITH a AS (SELECT platform, count(*) AS tracked_accounts FROM accounts GROUP BY 1),
             c AS (SELECT platform, max(finished_at) AS last_collected,
                          arg_max(status, coalesce(finished_at, started_at)) AS last_collection_status
                   FROM collection_runs GROUP BY 1),
             p AS (SELECT platform, count(*) AS posts, max(created_at) AS latest_post,
                          max(first_seen_at) AS latest_post_stored FROM posts GROUP BY 1),
             s AS (SELECT platform, max(observed_at) AS latest_snapshot FROM profile_snapshots GROUP BY 1),
             f AS (SELECT platform, max(observed_at) AS latest_follow FROM follow_edges GROUP BY 1),
             k AS (SELECT platform FROM a UNION SELECT platform FROM c UNION SELECT platform FROM p
                   UNION SELECT platform FROM s UNION SELECT platform FROM f)
        SELECT k.platform, a.tracked_accounts, c.last_collected, c.last_collection_status, p.posts,
               p.latest_post, p.latest_post_stored, s.latest_snapshot, f.latest_follow
        FROM k LEFT JOIN a USING (platform) LEFT JOIN c USING (platform) LEFT JOIN p USING (platform)
               LEFT JOIN s USING (platform) LEFT JOIN f USING (platform)
        WHERE {where} ORDER BY k.platform"""
    df = ctx.reader.memo(("data.freshness", repr(params)), lambda: ctx.reader.sql(sql, params))
    rows, nxt, sorted_note = _paged(ctx, df, ["platform"])
    notes = [
        *sorted_note,
        PLATFORM_ONLY,
        "last_collected: the last collection run's end (unknown: never collected here, imported only); "
        "latest_post: the newest post time; latest_post_stored: when the newest post was first stored.",
    ]
    cov = coverage_dict(ctx.reader.coverage(ctx.view.filters, "posts_or_snapshots"))
    return Panel(rows, cov, next=nxt, total=len(df), notes=_notes(ctx, *notes))


RUNS_SQL = """
    SELECT run_id, kind, command, status, started_at, finished_at, duration_s, formats,
           len(files) AS files, posts_new, posts_updated, profiles_new, entities_new, api_errors, skipped, error
    FROM runs"""


def _runs(ctx: Context) -> Panel:
    df = ctx.reader.memo(("data.runs",), lambda: ctx.reader.sql(RUNS_SQL))
    rows, nxt, sorted_note = _paged(ctx, df, ["run_id"], "run_id", True)
    notes = [*sorted_note, STORE_WIDE, "Skipped lines and rows are kept in the table run_skips ('diplotrack sql')."]
    return Panel(rows, None, next=nxt, total=len(df), notes=_notes(ctx, *notes))


def _sources(ctx: Context) -> Panel:
    where, params = _platform_where(ctx.view)
    sql = f"""
        SELECT * FROM (
            SELECT 'posts' AS stored_in, platform, provenance.source AS source, count(*) AS rows,
                   min(first_seen_at) AS first_stored, max(first_seen_at) AS last_stored FROM posts GROUP BY ALL
            UNION ALL
            SELECT 'profile_snapshots', platform, coalesce(provenance.source, source), count(*),
                   min(observed_at), max(observed_at) FROM profile_snapshots GROUP BY ALL
            UNION ALL
            SELECT 'follow_edges', platform, coalesce(provenance.source, source), count(*),
                   min(observed_at), max(observed_at) FROM follow_edges GROUP BY ALL
            UNION ALL
            SELECT 'engagements', platform, provenance.source, count(*), min(observed_at), max(observed_at)
            FROM engagements GROUP BY ALL
        ) WHERE {where} ORDER BY stored_in, platform, rows DESC, source"""
    df = ctx.reader.memo(("data.sources", repr(params)), lambda: ctx.reader.sql(sql, params))
    rows, nxt, sorted_note = _paged(ctx, df, ["stored_in", "platform", "source"])
    note = "source: the importer or collector that wrote the rows (unknown: not recorded)."
    cov = coverage_dict(ctx.reader.coverage(ctx.view.filters, "posts_or_snapshots"))
    return Panel(rows, cov, next=nxt, total=len(df), notes=_notes(ctx, *sorted_note, PLATFORM_ONLY, note))


# -- what is missing ------------------------------------------------------------------------------


def _gaps(ctx: Context) -> Panel:
    from diplotrack.report.figures import gaps

    f = ctx.view.filters
    df = ctx.reader.memo(("data.gaps", repr(f)), lambda: gaps(ctx.reader.tables(), f))
    rows, nxt, sorted_note = _paged(ctx, df, ["month"])
    note = "Months inside the covered range with no post by any selected tracked account (collection gaps)."
    cov = coverage_dict(ctx.reader.coverage(f, "posts"))
    return Panel(rows, cov, next=nxt, total=len(df), notes=_notes(ctx, *sorted_note, note))


def _never_observed(ctx: Context) -> Panel:
    f = ctx.view.filters
    act, cov = ctx.reader.run("account_activity", f)

    def build() -> pd.DataFrame:
        never = act[(act["posts_in_window"].fillna(0) == 0) & act["snapshot_at"].isna()]
        return never[["platform", "handle", "kind"]].reset_index(drop=True)

    df = ctx.reader.memo(("data.never_observed", repr(f)), build)
    rows, nxt, sorted_note = _paged(ctx, df, ["platform", "handle"])
    links = {"handle": lambda r: account_url(r.get("platform"), r.get("handle"))}
    return Panel(rows, coverage_dict(cov), next=nxt, total=len(df), notes=_notes(ctx, *sorted_note), links=links)


# -- the roster -----------------------------------------------------------------------------------


def roster_table(reader: StoreReader, view: View) -> pd.DataFrame:
    """Every tracked account with its actor, for the view's platform and account filters and its
    search text (handle, name, actor id, user id): the published roster, all rows."""
    f = view.filters
    pw, pp = sql_conditions(platform_terms(f), "a", named="rp")
    aw, ap = sql_conditions(account_terms(f), "r", named="ra")
    sql = f"""
        SELECT a.platform, a.handle, r.name, r.kind, r.institutional, r.state, r.host_country, r.host_city,
               r.source, a.source AS account_source, a.actor_id, a.user_id, r.organisation, r.person,
               r.tenure_start, r.tenure_end, r.languages, r.tags, r.notes, a.notes AS account_notes,
               greatest(a.updated_at, r.updated_at) AS updated_at
        FROM accounts a LEFT JOIN actors r ON r.actor_id = a.actor_id
        WHERE {pw} AND {aw}
        ORDER BY a.platform, a.handle"""
    params = {**pp, **ap}  # type: ignore[dict-item]
    df = reader.memo(("data.roster", repr(f)), lambda: reader.sql(sql, params))
    if view.q:
        q = view.q.lower()
        hit = pd.Series(False, index=df.index)
        for c in ("handle", "name", "actor_id", "user_id"):
            hit |= df[c].astype("string").str.lower().str.contains(q, regex=False).fillna(False).astype(bool)
        df = df[hit].reset_index(drop=True)
    return df


def _roster(ctx: Context) -> Panel:
    df = roster_table(ctx.reader, ctx.view)
    rows, nxt, sorted_note = _paged(ctx, df, ["platform", "handle"])
    notes = [
        *sorted_note,
        DISCLAIMER,
        "All rows: /data/roster.csv (with the same filters). The platform and account filters apply.",
    ]
    links = {"handle": lambda r: account_url(r.get("platform"), r.get("handle"))}
    cov = coverage_dict(ctx.reader.coverage(ctx.view.filters, "roster"))
    return Panel(rows, cov, next=nxt, total=len(df), notes=_notes(ctx, *notes), links=links)


def _methods(ctx: Context) -> Panel:
    rows = pd.DataFrame({"topic": [m[0] for m in METHODS], "text": [m[1] for m in METHODS]})
    return Panel(rows, None)


PAGES: tuple[Page, ...] = (
    Page(
        "data",
        "/data",
        "Data",
        (
            Table("freshness", "Freshness per platform", _freshness, "When each platform was last collected."),
            Table("runs", "Import and collection runs", _runs, "Every run that wrote to the store, newest first."),
            Table("sources", "Sources", _sources, "Rows per table, platform and provenance source."),
            Table("gaps", "Collection gaps", _gaps, "Months with no post by any selected tracked account."),
            Table(
                "never_observed",
                "Tracked accounts never observed",
                _never_observed,
                "Tracked accounts with no profile snapshot and no post in the window.",
            ),
            Table("roster", "The roster", _roster, "The published roster: tracked accounts, their actors, sources."),
            Table("methods", "Methods", _methods, "How the figures are made, and what they do not say."),
        ),
        description=(
            "What the store holds and where it came from: runs, sources, freshness, gaps, the published "
            "roster and the methods. " + DISCLAIMER
        ),
    ),
)
