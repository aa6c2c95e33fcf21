"""``topic_shift``: a topic's share of a tracked account's posts in its recent window rose or fell
against the account's own baseline.

The windows are ``rules/windows.py``'s. A post counts when it has been given topics
(``post_enrichment.topics`` not NULL; an empty list is a post on none of the topics). For each topic,
its share of the posts in each window is compared: a shift fires when both windows hold at least
``min_recent`` / ``min_baseline`` such posts, the shares differ by at least ``min_share_change``, the
window where the topic is more frequent holds at least ``min_topic_posts`` posts on it, and the
two-proportion z-test (pooled) gives a two-sided p-value below ``alpha``. One alert per account, topic
and direction per period. Without topic enrichment this rule never fires.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.scope import after_since, at_handle, merged, positive
from diplotrack.alerts.rules.windows import Windows, enriched_posts, post_evidence, split, window_basis

NAME = "topic_shift"
EXAMPLES = 5


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """The pooled two-proportion z statistic of ``k1/n1 - k2/n2`` and its two-sided p-value (NaN when
    the pooled share is 0 or 1)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return math.nan, math.nan
    z = (k1 / n1 - k2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def _counts(posts: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for post in posts:
        for topic in set(post["topics"]):
            counts[topic] = counts.get(topic, 0) + 1
    return counts


def _alert(w: Windows, topic: str, k1: int, k2: int, z: float, p_value: float) -> Alert:
    n1, n2 = len(w.recent), len(w.baseline)
    share1, share2 = k1 / n1, k2 / n2
    direction = "rise" if share1 > share2 else "fall"
    pool = w.recent if direction == "rise" else w.baseline
    examples = [post_evidence(w.platform, r, "topics") for r in reversed(pool) if topic in r["topics"]]
    return Alert(
        NAME,
        f"{w.platform}|{w.user_id}|{topic}|{direction}|{w.period_start.date().isoformat()}",
        f"{w.platform} {at_handle(w.handle)}: topic {topic} {'up' if direction == 'rise' else 'down'} "
        f"to {share1:.0%} of {n1} recent posts from {share2:.0%} before",
        w.platform,
        w.handle,
        w.user_id,
        w.end,
        {
            **w.describe(),
            "topic": topic,
            "direction": direction,
            "recent": {**w.describe()["recent"], "on_topic": k1, "share": round(share1, 4)},
            "baseline": {**w.describe()["baseline"], "on_topic": k2, "share": round(share2, 4)},
            "z": round(z, 3),
            "p_value": p_value,
            "examples": [{**e, "topics": list(e["topics"])} for e in examples[:EXAMPLES]],
        },
    )


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    positive(p, "recent_days", "baseline_days", "min_recent", "min_baseline", "min_share_change", "alpha")
    positive(p, "min_topic_posts")
    posts = enriched_posts(ctx, "e.topics", "e.topics IS NOT NULL")
    alerts = []
    for (platform, handle), mine in posts.items():
        w = split(platform, handle, mine, float(p["recent_days"]), float(p["baseline_days"]))
        n1, n2 = len(w.recent), len(w.baseline)
        if n1 < p["min_recent"] or n2 < p["min_baseline"] or not after_since(ctx.scope, w.end):
            continue
        recent, baseline = _counts(w.recent), _counts(w.baseline)
        for topic in sorted(set(recent) | set(baseline)):
            k1, k2 = recent.get(topic, 0), baseline.get(topic, 0)
            if abs(k1 / n1 - k2 / n2) < p["min_share_change"]:
                continue
            if (k1 if k1 / n1 > k2 / n2 else k2) < p["min_topic_posts"]:
                continue
            z, p_value = two_proportions(k1, n1, k2, n2)
            if p_value < p["alpha"]:
                alerts.append(_alert(w, topic, k1, k2, z, p_value))
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when its recent window and its baseline hold enough topic-enriched posts."""
    p = merged(PARAMS, params)
    min_recent, min_baseline = int(p["min_recent"]), int(p["min_baseline"])
    days = float(p["recent_days"]), float(p["baseline_days"])
    return window_basis(ctx, "e.topics IS NOT NULL", "topic-enriched posts", *days, min_recent, min_baseline)


PARAMS = (
    Param("recent_days", 14.0, "the recent window: this many days up to the account's latest enriched post"),
    Param("baseline_days", 90.0, "the baseline: this many days before the recent window"),
    Param("min_recent", 10, "the fewest posts with topics in the recent window"),
    Param("min_baseline", 20, "the fewest posts with topics in the baseline"),
    Param("min_share_change", 0.2, "the smallest change of a topic's share of the posts (0.2 = 20 points)"),
    Param("min_topic_posts", 3, "the fewest posts on the topic in the window where it is more frequent"),
    Param("alpha", 0.01, "the two-proportion z-test must give a two-sided p-value below this"),
)

RULE = Rule(
    name=NAME,
    title="Topic shift",
    description=(
        "A topic's share of a tracked account's recent posts rose or fell against its own baseline, by a "
        "minimum change and clearly (two-proportion z-test); needs enriched posts."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
