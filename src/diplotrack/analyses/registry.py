"""Every analysis diplotrack runs, with what it reads and what it produces.

The report, the CLI and the docs test walk this list; an analysis that is not here does not run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diplotrack.analyses import activity, amplification, content, growth, presence


@dataclass(frozen=True)
class Analysis:
    name: str
    title: str
    module: str  # presence, activity, growth, amplification: its page is docs/analyses/<module>.md
    function: Callable
    reads: tuple[str, ...]  # public tables
    produces: tuple[str, ...]  # result columns (the main ones)


_A, _S, _P, _E = "accounts+actors", "profile_snapshots", "posts", "post_entities"
_N = "post_enrichment"

ANALYSES: tuple[Analysis, ...] = (
    Analysis("accounts_by_kind", "Accounts by platform, kind and institutional status", "presence",
             presence.accounts_by_kind, (_A,), ("platform", "kind", "institutional", "accounts")),
    Analysis("account_creation", "Each account's creation time", "presence",
             presence.account_creation, (_A, _S), ("handle", "created_at")),
    Analysis("joins_by_period", "Accounts created per year or quarter, and cumulative", "presence",
             presence.joins_by_period, (_A, _S), ("period", "joins", "cumulative")),
    Analysis("joins_by_cohort", "Accounts created before, between and after cut-off dates", "presence",
             presence.joins_by_cohort, (_A, _S), ("cohort", "start", "end", "joins")),
    Analysis("accounts_without_creation_date", "Accounts with no known creation date", "presence",
             presence.accounts_without_creation_date, (_A, _S), ("platform", "handle", "kind")),
    Analysis("accounts_by_host", "Accounts per host country", "presence",
             presence.accounts_by_host, (_A,), ("host_country", "country", "region", "accounts")),
    Analysis("accounts_by_region", "Accounts per world region", "presence",
             presence.accounts_by_region, (_A,), ("region", "accounts")),
    Analysis("latest_snapshots", "Each account's latest profile snapshot", "activity",
             activity.latest_snapshots, (_A, _S), ("handle", "snapshot_at", "followers", "posts_count")),
    Analysis("account_activity", "Activity and reach per account", "activity",
             activity.account_activity, (_A, _S, _P),
             ("handle", "followers", "posts_in_window", "posts_per_week", "repost_share", "dormant")),
    Analysis("threshold_shares", "Share of accounts above post and follower thresholds", "activity",
             activity.threshold_shares, (_A, _S), ("measure", "threshold", "accounts_over", "share")),
    Analysis("top_accounts", "Top accounts by followers, posts or engagement per post", "activity",
             activity.top_accounts, (_A, _S, _P), ("rank", "handle", "value")),
    Analysis("diplomats_vs_state_media", "Diplomats compared with state media", "activity",
             activity.diplomats_vs_state_media, (_A, _S, _P), ("group", "accounts", "median_followers")),
    Analysis("account_snapshots", "Every snapshot of the tracked accounts", "growth",
             growth.account_snapshots, (_A, _S), ("handle", "observed_at", "followers", "status")),
    Analysis("follower_history", "Followers at each observation", "growth",
             growth.follower_history, (_A, _S), ("handle", "observed_at", "followers")),
    Analysis("growth_between", "Follower growth between two dates", "growth",
             growth.growth_between, (_A, _S), ("handle", "followers_start", "followers_end", "growth")),
    Analysis("growth_coverage", "Which accounts growth can be computed for", "growth",
             growth.growth_coverage, (_A, _S), ("accounts_tracked", "accounts_with_both")),
    Analysis("biggest_risers", "The accounts that gained most followers", "growth",
             growth.biggest_risers, (_A, _S), ("rank", "handle", "growth")),
    Analysis("status_changes", "Suspensions, deletions, protections and renames, first seen", "growth",
             growth.status_changes, (_A, _S), ("handle", "status", "previous_status", "first_seen_at")),
    Analysis("amplified_accounts", "Whom each account reposts, quotes, replies to and mentions most",
             "amplification", amplification.amplified_accounts, (_A, _P, _E),
             ("handle", "relation", "target_handle", "count", "rank")),
    Analysis("repost_targets_by_kind", "Where each account's reposts point, by roster kind", "amplification",
             amplification.repost_targets_by_kind, (_A, _P),
             ("handle", "reposts", "to_state_media", "to_ministry", "to_missions")),
    Analysis("amplifiers_of", "Who amplifies the tracked accounts", "amplification",
             amplification.amplifiers_of, (_A, _P, _E), ("target_handle", "amplifier", "relation", "count")),
    Analysis("languages", "Posts per detected language, per account, kind or month", "content",
             content.languages, (_A, _P, _N), ("by", "lang_detected", "posts", "share")),
    Analysis("topics", "Posts per topic, overall or the top topics per group", "content",
             content.topics, (_A, _P, _N), ("topic", "posts", "share")),
    Analysis("tone_distribution", "Tone labels and mean tone score per account, kind or month", "content",
             content.tone_distribution, (_A, _P, _N), ("by", "tone_label", "posts", "share", "mean_score")),
    Analysis("tone_trend", "Shares of confrontational and conciliatory posts per month", "content",
             content.tone_trend, (_A, _P, _N), ("month", "confrontational_share", "conciliatory_share")),
    Analysis("top_entities", "Top hashtags, mentions, URLs or link domains, overall or per group", "content",
             content.top_entities, (_A, _P, _E, _N), ("value", "form", "posts")),
    Analysis("amplification_shares", "Shares of posts amplifying state media and the ministry", "content",
             content.amplification_shares, (_A, _P, _N),
             ("by", "posts", "state_media_share", "ministry_share")),
    Analysis("extreme_posts", "The most confrontational and most conciliatory posts, with their cues", "content",
             content.extreme_posts, (_A, _P, _N), ("side", "handle", "tone_score", "tone_cues", "text")),
    Analysis("distinctive_terms", "The terms most distinctive of each account and year (keyness)", "content",
             content.distinctive_terms, (_A, _P, _N), ("handle", "period", "term", "g2", "rank")),
    Analysis("host_language_share", "Missions' and diplomats' posts in a language of the host country", "content",
             content.host_language_share, (_A, _P, _N),
             ("handle", "host_country", "host_language_share", "top_language")),
)  # fmt: skip

BY_NAME = {a.name: a for a in ANALYSES}
