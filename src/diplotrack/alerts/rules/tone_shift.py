"""``tone_shift``: a tracked account's tone in its recent window differs from its own baseline.

The windows are ``rules/windows.py``'s (recent ``recent_days`` up to the account's latest enriched post,
baseline the ``baseline_days`` before). A shift fires when both windows hold at least ``min_recent`` /
``min_baseline`` posts with a tone score (``post_enrichment.tone_score``), the mean scores differ by at
least ``min_difference`` (scores are in [-1, 1]: positive is confrontational), and Welch's t-test finds
the difference clear (two-sided p below ``alpha``). Posts not enriched (or with a NaN score) have no tone
and count in neither window: without enrichment this rule never fires.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from diplotrack.alerts.model import Alert, Basis, Context, Param, Rule
from diplotrack.alerts.rules.scope import after_since, at_handle, merged, positive
from diplotrack.alerts.rules.windows import Windows, enriched_posts, post_evidence, split, window_basis

NAME = "tone_shift"
EXAMPLES = 5


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's t statistic of ``mean(a) - mean(b)`` and its two-sided p-value (NaN without spread)."""
    from scipy.special import stdtr  # the t distribution's CDF; imported here, not with the CLI

    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0:
        return math.nan, math.nan
    t = float((a.mean() - b.mean()) / math.sqrt(va + vb))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return t, float(2 * stdtr(df, -abs(t)))


def _signed(x: float) -> str:
    return f"{round(float(x), 2) + 0.0:+.2f}"  # + 0.0: never "-0.00"


def _alert(w: Windows, recent: np.ndarray, baseline: np.ndarray, t: float, p_value: float) -> Alert:
    diff = float(recent.mean() - baseline.mean())
    direction = "confrontational" if diff > 0 else "conciliatory"
    # the recent posts that moved the mean most: furthest from the baseline mean, in the shift's direction
    ranked = sorted(w.recent, key=lambda r: (-(r["tone_score"] - baseline.mean()) * np.sign(diff), r["post_id"]))
    return Alert(
        NAME,
        f"{w.platform}|{w.user_id}|{direction}|{w.period_start.date().isoformat()}",
        f"{w.platform} {at_handle(w.handle)} more {direction} lately: mean tone {_signed(recent.mean())} "
        f"over {len(recent)} posts vs {_signed(baseline.mean())} before",
        w.platform,
        w.handle,
        w.user_id,
        w.end,
        {
            **w.describe(),
            "direction": direction,
            "recent_mean": round(float(recent.mean()), 4) + 0.0,
            "baseline_mean": round(float(baseline.mean()), 4) + 0.0,
            "difference": round(diff, 4),
            "t": round(t, 3),
            "p_value": p_value,
            "examples": [post_evidence(w.platform, r, "tone_score", "tone_label") for r in ranked[:EXAMPLES]],
        },
    )


def evaluate(ctx: Context, params: Mapping[str, Any]) -> Sequence[Alert]:
    p = merged(PARAMS, params)
    positive(p, "recent_days", "baseline_days", "min_recent", "min_baseline", "min_difference", "alpha")
    # a NaN score is no score (its mean would hide the account's shift)
    posts = enriched_posts(ctx, "e.tone_score, e.tone_label", "e.tone_score IS NOT NULL AND isfinite(e.tone_score)")
    alerts = []
    for (platform, handle), mine in posts.items():
        w = split(platform, handle, mine, float(p["recent_days"]), float(p["baseline_days"]))
        if len(w.recent) < max(2, p["min_recent"]) or len(w.baseline) < max(2, p["min_baseline"]):
            continue
        if not after_since(ctx.scope, w.end):
            continue
        recent = np.array([r["tone_score"] for r in w.recent], dtype=float)
        baseline = np.array([r["tone_score"] for r in w.baseline], dtype=float)
        if abs(recent.mean() - baseline.mean()) < p["min_difference"]:
            continue
        t, p_value = welch(recent, baseline)
        if not p_value < p["alpha"]:  # NaN (no spread at all) is not clear
            continue
        alerts.append(_alert(w, recent, baseline, t, p_value))
    return alerts


def basis(ctx: Context, params: Mapping[str, Any]) -> Basis:
    """An account is judged when its recent window and its baseline hold enough tone-scored posts."""
    p = merged(PARAMS, params)
    min_recent, min_baseline = max(2, int(p["min_recent"])), max(2, int(p["min_baseline"]))
    days = float(p["recent_days"]), float(p["baseline_days"])
    scored = "e.tone_score IS NOT NULL AND isfinite(e.tone_score)"
    return window_basis(ctx, scored, "tone-scored posts", *days, min_recent, min_baseline)


PARAMS = (
    Param("recent_days", 14.0, "the recent window: this many days up to the account's latest enriched post"),
    Param("baseline_days", 90.0, "the baseline: this many days before the recent window"),
    Param("min_recent", 10, "the fewest posts with a tone score in the recent window"),
    Param("min_baseline", 20, "the fewest posts with a tone score in the baseline"),
    Param("min_difference", 0.2, "the smallest difference of mean tone scores (scores are in [-1, 1])"),
    Param("alpha", 0.01, "Welch's t-test must give a two-sided p-value below this"),
)

RULE = Rule(
    name=NAME,
    title="Tone shift",
    description=(
        "A tracked account's mean tone score in its recent window differs from its own baseline, by a "
        "minimum difference and clearly (Welch's t-test); needs enriched posts."
    ),
    params=PARAMS,
    evaluate=evaluate,
    basis=basis,
)
