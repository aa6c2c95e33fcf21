"""Every analysis diplotrack runs, registered once: name, title, docs page, the function and its
parameters (with their defaults), what it reads and returns, the report section it belongs to and
what its coverage is based on.

The report (``report/sections.py`` names analyses from here), the docs test and the Python API walk
this list; ``run`` runs any analysis by name and returns its result with its coverage. A new
analysis is one function, one entry here, one docs page (``docs/analyses/<module>.md``) and a
table in a report section.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplotrack.analyses import activity, amplification, content, growth, network_analyses, presence, study
from diplotrack.analyses.base import Filters, Tables, as_frame
from diplotrack.analyses.coverage import Coverage, coverage
from diplotrack.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from diplotrack.cache import ResultCache

SECTION_OF_MODULE = {  # the report section an analysis belongs to, by its docs page
    "presence": "presence",
    "activity": "activity",
    "growth": "growth",
    "amplification": "amplification",
    "content": "content",
    "networks": "networks",
    "polyphony": "networks",
    "coordination": "networks",
    "study": "study",
}


@dataclass(frozen=True)
class Analysis:
    name: str
    title: str
    module: str  # its docs page: docs/analyses/<module>.md
    function: Callable
    reads: tuple[str, ...]  # public tables
    produces: tuple[str, ...]  # result columns (the main ones)
    basis: str = "posts"  # what its coverage counts (analyses/coverage.py BASES)
    needs_reposts: bool = False  # it measures reposting: a selection without reposts is a caveat
    # the basis for given parameters, where they change what the analysis reads (the follow network)
    basis_of: Callable[[dict[str, Any]], str] | None = None

    @property
    def section(self) -> str:
        """The id of the report section it belongs to."""
        return SECTION_OF_MODULE[self.module]

    @property
    def docs(self) -> str:
        """Its docs page, relative to the repository root."""
        return str(Path("docs") / "analyses" / f"{self.module}.md")

    @property
    def params(self) -> dict[str, Any]:
        """Its parameters after ``(t, f)``, with their defaults (``inspect.Parameter.empty``: required)."""
        ps = list(inspect.signature(self.function).parameters.values())[2:]
        return {p.name: p.default for p in ps}


@dataclass
class Result:
    """An analysis result (an Ibis table, or a pandas DataFrame for the network analyses) with
    the coverage of the data it is based on."""

    name: str
    table: Any
    coverage: Coverage


def _network_basis(params: dict[str, Any]) -> str:
    """The follow network is built from follow edges; the others from posts."""
    return "follows" if params.get("kind") == "follow" else "posts"


_A, _S, _P, _E = "accounts+actors", "profile_snapshots", "posts", "post_entities"
_N = "post_enrichment"

ANALYSES: tuple[Analysis, ...] = (
    Analysis("accounts_by_kind", "Accounts by platform, kind and institutional status", "presence",
             presence.accounts_by_kind, (_A,), ("platform", "kind", "institutional", "accounts"), basis="roster"),
    Analysis("account_creation", "Each account's creation time", "presence",
             presence.account_creation, (_A, _S), ("handle", "created_at"), basis="creation"),
    Analysis("joins_by_period", "Accounts created per year or quarter, and cumulative", "presence",
             presence.joins_by_period, (_A, _S), ("period", "joins", "cumulative"), basis="creation"),
    Analysis("joins_by_cohort", "Accounts created before, between and after cut-off dates", "presence",
             presence.joins_by_cohort, (_A, _S), ("cohort", "start", "end", "joins"), basis="creation"),
    Analysis("accounts_without_creation_date", "Accounts with no known creation date", "presence",
             presence.accounts_without_creation_date, (_A, _S), ("platform", "handle", "kind"), basis="creation"),
    Analysis("accounts_by_host", "Accounts per host country", "presence",
             presence.accounts_by_host, (_A,), ("host_country", "country", "region", "accounts"), basis="roster"),
    Analysis("accounts_by_region", "Accounts per world region", "presence",
             presence.accounts_by_region, (_A,), ("region", "accounts"), basis="roster"),
    Analysis("account_presence", "Each account's data in the store and since when it is present", "presence",
             presence.account_presence, (_A, _S, _P), ("platform", "handle", "since", "since_basis"), basis="roster"),
    Analysis("presence_by_platform", "Accounts, actors and data per platform, and since when", "presence",
             presence.presence_by_platform, (_A, _S, _P),
             ("platform", "accounts", "actors", "accounts_with_data", "created_from", "status"), basis="roster"),
    Analysis("latest_snapshots", "Each account's latest profile snapshot", "activity",
             activity.latest_snapshots, (_A, _S), ("handle", "snapshot_at", "followers", "posts_count"),
             basis="snapshots"),
    Analysis("account_activity", "Activity and reach per account", "activity",
             activity.account_activity, (_A, _S, _P),
             ("handle", "followers", "posts_in_window", "posts_per_week", "repost_share", "dormant"),
             basis="posts_or_snapshots"),
    Analysis("threshold_shares", "Share of accounts above post and follower thresholds", "activity",
             activity.threshold_shares, (_A, _S), ("measure", "threshold", "accounts_over", "share"),
             basis="snapshots"),
    Analysis("top_accounts", "Top accounts by followers, posts or engagement per post", "activity",
             activity.top_accounts, (_A, _S, _P), ("rank", "handle", "value"), basis="posts_or_snapshots"),
    Analysis("diplomats_vs_state_media", "Diplomats compared with state media", "activity",
             activity.diplomats_vs_state_media, (_A, _S, _P), ("group", "accounts", "median_followers"),
             basis="posts_or_snapshots"),
    Analysis("account_snapshots", "Every snapshot of the tracked accounts", "growth",
             growth.account_snapshots, (_A, _S), ("handle", "observed_at", "followers", "status"), basis="snapshots"),
    Analysis("follower_history", "Followers at each observation", "growth",
             growth.follower_history, (_A, _S), ("handle", "observed_at", "followers"), basis="snapshots"),
    Analysis("growth_between", "Follower growth between two dates", "growth",
             growth.growth_between, (_A, _S), ("handle", "followers_start", "followers_end", "growth"),
             basis="snapshots"),
    Analysis("growth_coverage", "Which accounts growth can be computed for", "growth",
             growth.growth_coverage, (_A, _S), ("accounts_tracked", "accounts_with_both"), basis="snapshots"),
    Analysis("biggest_risers", "The accounts that gained most followers", "growth",
             growth.biggest_risers, (_A, _S), ("rank", "handle", "growth"), basis="snapshots"),
    Analysis("status_changes", "Suspensions, deletions, protections and renames, first seen", "growth",
             growth.status_changes, (_A, _S), ("handle", "status", "previous_status", "first_seen_at"),
             basis="snapshots"),
    Analysis("amplified_accounts", "Whom each account reposts, quotes, replies to and mentions most",
             "amplification", amplification.amplified_accounts, (_A, _P, _E),
             ("handle", "relation", "target_handle", "count", "rank"), basis="posts", needs_reposts=True),
    Analysis("repost_targets_by_kind", "Where each account's reposts point, by roster kind", "amplification",
             amplification.repost_targets_by_kind, (_A, _P),
             ("handle", "reposts", "to_state_media", "to_ministry", "to_missions"), basis="posts", needs_reposts=True),
    Analysis("amplifiers_of", "Who amplifies the tracked accounts", "amplification",
             amplification.amplifiers_of, (_A, _P, _E), ("target_handle", "amplifier", "relation", "count"),
             basis="posts"),
    Analysis("languages", "Posts per detected language, per account, kind or month", "content",
             content.languages, (_A, _P, _N), ("by", "lang_detected", "posts", "share"), basis="posts"),
    Analysis("topics", "Posts per topic, overall or the top topics per group", "content",
             content.topics, (_A, _P, _N), ("topic", "posts", "share"), basis="posts"),
    Analysis("tone_distribution", "Tone labels and mean tone score per account, kind or month", "content",
             content.tone_distribution, (_A, _P, _N), ("by", "tone_label", "posts", "share", "mean_score"),
             basis="posts"),
    Analysis("tone_trend", "Shares of confrontational and conciliatory posts per month", "content",
             content.tone_trend, (_A, _P, _N), ("month", "confrontational_share", "conciliatory_share"), basis="posts"),
    Analysis("top_entities", "Top hashtags, mentions, URLs or link domains, overall or per group", "content",
             content.top_entities, (_A, _P, _E, _N), ("value", "form", "posts"), basis="posts"),
    Analysis("amplification_shares", "Shares of posts amplifying state media and the ministry", "content",
             content.amplification_shares, (_A, _P, _N),
             ("by", "posts", "state_media_share", "ministry_share"), basis="posts", needs_reposts=True),
    Analysis("extreme_posts", "The most confrontational and most conciliatory posts, with their cues", "content",
             content.extreme_posts, (_A, _P, _N), ("side", "handle", "tone_score", "tone_cues", "text"), basis="posts"),
    Analysis("distinctive_terms", "The terms most distinctive of each account and year (keyness)", "content",
             content.distinctive_terms, (_A, _P, _N), ("handle", "period", "term", "g2", "rank"), basis="posts"),
    Analysis("host_language_share", "Missions' and diplomats' posts in a language of the host country", "content",
             content.host_language_share, (_A, _P, _N),
             ("handle", "host_country", "host_language_share", "top_language"), basis="posts"),
    Analysis("network_nodes", "The accounts of the repost, mention or follow network with the highest PageRank",
             "networks", network_analyses.network_nodes, (_A, _P, _E, "follow_edges"),
             ("label", "kind", "tracked", "in_degree", "out_degree", "pagerank", "betweenness", "community"),
             basis="posts_or_follows", basis_of=_network_basis),
    Analysis("network_communities", "The Leiden communities of a network and what they are made of", "networks",
             network_analyses.network_communities, (_A, _P, _E, "follow_edges"), ("community", "nodes"),
             basis="posts_or_follows", basis_of=_network_basis),
    Analysis("polyphony", "Hashtags or topics carried by several tracked accounts, and their spread", "polyphony",
             network_analyses.polyphony, (_A, _P, _E, _N), ("item", "accounts", "first_by", "median_lag_hours"),
             basis="posts"),
    Analysis("podium_reach", "Items first said at the ministry's podium, and the missions that repeated them",
             "polyphony", network_analyses.podium_reach, (_A, _P, _E, _N),
             ("item", "platform", "podium_first_use", "missions_reached", "median_lag_hours"), basis="posts"),
    Analysis("co_action_clusters", "Accounts acting on the same items within seconds of each other",
             "coordination", network_analyses.co_action_clusters, (_A, _P, _E), ("cluster", "accounts", "size"),
             basis="posts", needs_reposts=True),
    Analysis("co_action_pairs", "The pairs of accounts behind co-action clusters, with evidence", "coordination",
             network_analyses.co_action_pairs, (_A, _P, _E), ("a", "b", "count"), basis="posts", needs_reposts=True),
    Analysis("amplifier_profiles", "Who amplifies each tracked account, and how", "coordination",
             network_analyses.amplifier_profiles, (_A, _P), ("handle", "events", "amplifiers", "top1pct_share"),
             basis="posts"),
    Analysis("creation_bursts", "Periods with far more account creations than expected", "coordination",
             network_analyses.creation_bursts, (_A, _S), ("period", "creations", "expected"), basis="creation"),
    Analysis("most_engaging_posts", "The posts with the most likes, reposts, replies and quotes", "study",
             study.most_engaging_posts, (_A, _P), ("rank", "handle", "engagement", "likes", "text"), basis="posts"),
    Analysis("deleted_posts", "The posts seen deleted, the most recently deleted first", "study",
             study.deleted_posts, (_A, _P), ("handle", "created_at", "deleted_at", "text"), basis="posts"),
    Analysis("deletions_by_account", "Posts seen deleted per account, and whether deletions could be seen", "study",
             study.deletions_by_account, (_A, _P, "collection_cursors"), ("handle", "posts", "deleted", "checked"),
             basis="posts"),
    Analysis("topic_trend", "One topic's share of the posts per month (COVID-19 by default)", "study",
             study.topic_trend, (_A, _P, _N), ("month", "posts_enriched", "topic_posts", "share"), basis="posts"),
)  # fmt: skip

BY_NAME = {a.name: a for a in ANALYSES}


def analysis_coverage(a: Analysis, t: Tables, f: Filters, params: dict[str, Any] | None = None) -> Coverage:
    """The coverage of ``a`` for the selection ``f`` (one query per filter set, kept for the run);
    ``params``: those of one run (None: the analysis as the report shows it, all its variants)."""
    basis = a.basis_of(params) if a.basis_of is not None and params is not None else a.basis
    cov = coverage(t, f, basis, needs_reposts=a.needs_reposts)
    if _reads_link_domains(a, params) and t.post_enrichment is not None:
        note = content.links_caveat(t, f)  # shortened links not followed: in no domain
        if note:
            cov = replace(cov, caveats=(*cov.caveats, note))
    return cov


def _reads_link_domains(a: Analysis, params: dict[str, Any] | None) -> bool:
    """Whether ``a`` (with ``params``; None: every variant) counts link domains or state-media links."""
    if a.name == "amplification_shares":
        return True
    return a.name == "top_entities" and (params is None or params.get("what") == "domain")


def run(name: str, t: Tables, f: Filters | None = None, **params: Any) -> Result:
    """Run the registered analysis ``name`` on ``t`` for the selection ``f`` with ``params``."""
    a = BY_NAME.get(name)
    if a is None:
        raise UsageError(f"unknown analysis {name!r}; choose one of: {', '.join(sorted(BY_NAME))}")
    unknown = sorted(set(params) - set(a.params))
    if unknown:
        raise UsageError(
            f"analysis {name!r} takes no parameter {', '.join(unknown)}; its parameters: "
            f"{', '.join(a.params) or 'none'}"
        )
    required = [p for p, default in a.params.items() if default is inspect.Parameter.empty and p not in params]
    if required:
        raise UsageError(f"analysis {name!r} needs the parameter(s) {', '.join(required)}")
    f = f or Filters()
    return Result(name, a.function(t, f, **params), analysis_coverage(a, t, f, params))


def run_frame(
    name: str, t: Tables, f: Filters | None = None, cache: ResultCache | None = None, **params: Any
) -> tuple[pd.DataFrame, Coverage]:
    """``run`` with the result brought into pandas, read from (or written to) the store's result
    cache when one is given (diplotrack/cache.py): keyed by the analysis, its filters, its
    parameters and whether the rollups are read. For callers that run one analysis at a time over
    an unchanged store (the dashboard's clicks)."""
    f = f or Filters()
    parts = ("analysis", name, f.describe(), params, t.rollups)
    hit = cache.get(parts) if cache is not None else None
    if hit is not None and hit.frame is not None:
        c = hit.meta["coverage"]
        return hit.frame, Coverage(**{**c, "missing": tuple(c["missing"]), "caveats": tuple(c["caveats"])})
    r = run(name, t, f, **params)
    df = as_frame(r.table)
    if cache is not None:
        cache.put(parts, frame=df, meta={"coverage": r.coverage.to_dict()})
    return df, r.coverage
