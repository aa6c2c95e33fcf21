"""The report's charts: PNG files drawn with matplotlib's object API (Agg, no display needed).

Each function takes a small result table (pandas) and a path, draws one chart and returns the
path, or None when there is nothing to draw (an empty table).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

_BLUE, _ORANGE, _GREY, _GREEN, _RED = "#2b6cb0", "#dd6b20", "#a0aec0", "#2f855a", "#c53030"


def _save(fig: Figure, path: Path) -> Path:
    # a tight bounding box keeps long labels in the picture; it is cheaper than constrained layout
    fig.savefig(path, dpi=96, bbox_inches="tight", pad_inches=0.15)
    return path


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of its own, outside pyplot's global state: charts can be drawn in a worker thread
    while the store answers the next queries."""
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def joins_over_time(df: pd.DataFrame, path: Path) -> Path | None:
    """Bars: accounts created per period; line: cumulative (columns period, joins, cumulative)."""
    if df.empty:
        return None
    fig, ax = _figure(8, 3.6)
    x = range(len(df))
    ax.bar(x, df["joins"], color=_BLUE, label="accounts created")
    step = max(1, len(df) // 20)  # at most about 20 labels: quarters over 15 years stay legible
    ticks = list(x)[::step]
    ax.set_xticks(ticks, [str(df["period"].iloc[i]) for i in ticks], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("accounts created")
    ax2 = ax.twinx()
    ax2.plot(list(x), df["cumulative"], color=_ORANGE, marker="o", label="cumulative")
    ax2.set_ylabel("cumulative")
    ax.set_title("Accounts created per period (from profile creation dates)")
    return _save(fig, path)


def accounts_by_kind(df: pd.DataFrame, path: Path) -> Path | None:
    """Horizontal bars per kind, coloured institutional / individual (kind, institutional, accounts)."""
    if df.empty:
        return None
    agg = df.groupby(["kind", "institutional"], as_index=False)["accounts"].sum()
    agg = agg.sort_values("accounts")
    fig, ax = _figure(7, 0.35 * len(agg) + 1.2)
    colors = [_BLUE if bool(i) else _ORANGE for i in agg["institutional"]]
    ax.barh([str(k) for k in agg["kind"]], agg["accounts"], color=colors)
    ax.set_xlabel("accounts")
    ax.set_title("Accounts by kind (blue: institutional, orange: individual)")
    return _save(fig, path)


def thresholds(df: pd.DataFrame, path: Path) -> Path | None:
    """Bars: share of accounts above each threshold (measure, threshold, share)."""
    if df.empty:
        return None
    fig, ax = _figure(6, 3)
    labels = [f"{m} > {int(t):,}" for m, t in zip(df["measure"], df["threshold"], strict=True)]
    shares = [0.0 if pd.isna(s) else float(s) for s in df["share"]]
    ax.bar(labels, shares, color=[_BLUE, _GREEN][: len(labels)])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of accounts with data")
    for i, s in enumerate(shares):
        ax.text(i, s + 0.02, f"{s:.0%}", ha="center")
    ax.set_title("Accounts above thresholds (latest snapshot)")
    return _save(fig, path)


def followers_distribution(followers: pd.Series, path: Path) -> Path | None:
    """Histogram of followers on a log scale."""
    values = followers.dropna()
    values = values[values > 0]
    if values.empty:
        return None
    import numpy as np

    fig, ax = _figure(7, 3.2)
    bins = np.logspace(np.log10(values.min()), np.log10(values.max() + 1), 20)
    ax.hist(values, bins=bins, color=_BLUE)
    ax.set_xscale("log")
    ax.set_xlabel("followers (latest snapshot, log scale)")
    ax.set_ylabel("accounts")
    ax.set_title("Followers distribution")
    return _save(fig, path)


def growth(df: pd.DataFrame, path: Path, n: int = 15) -> Path | None:
    """Horizontal bars: follower growth of the biggest risers (handle, growth)."""
    if df.empty:
        return None
    top = df.head(n).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(top) + 1.2)
    colors = [_GREEN if g >= 0 else _RED for g in top["growth"]]
    ax.barh([str(h) for h in top["handle"]], top["growth"], color=colors)
    ax.set_xlabel("followers gained between the two snapshots")
    ax.set_title("Biggest follower growth")
    return _save(fig, path)


def amplification(df: pd.DataFrame, path: Path, n: int = 15) -> Path | None:
    """Stacked bars: where each account's reposts point (handle, to_state_media, to_ministry,
    to_missions, to_untracked, reposts); accounts with the most reposts first."""
    if df.empty or "reposts" not in df or int(df["reposts"].fillna(0).sum()) == 0:
        return None
    top = df[df["reposts"] > 0].sort_values("reposts", ascending=False).head(n).iloc[::-1]
    fig, ax = _figure(8, 0.35 * len(top) + 1.4)
    left = [0.0] * len(top)
    parts = [
        ("to_state_media", "state media", _RED),
        ("to_ministry", "ministry / spokespeople", _ORANGE),
        ("to_missions", "missions and diplomats", _BLUE),
        ("to_untracked", "not tracked", _GREY),
    ]
    handles = [str(h) for h in top["handle"]]
    for col, label, color in parts:
        if col not in top:
            continue
        vals = [float(v) for v in top[col].fillna(0)]
        ax.barh(handles, vals, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_xlabel("reposts in the window")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Whom the accounts repost")
    return _save(fig, path)


def amplifiers(df: pd.DataFrame, path: Path, n: int = 15) -> Path | None:
    """Horizontal bars: the accounts that amplify the tracked ones most, all targets and relations
    together (amplifier, amplifier_tracked, count)."""
    if df.empty or "amplifier" not in df:
        return None
    agg = df.groupby(["amplifier", "amplifier_tracked"], as_index=False)["count"].sum()
    top = agg.sort_values(["count", "amplifier"], ascending=[False, True]).head(n).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(top) + 1.2)
    colors = [_BLUE if bool(t) else _ORANGE for t in top["amplifier_tracked"]]
    ax.barh([str(a) for a in top["amplifier"]], top["count"], color=colors)
    ax.set_xlabel("posts amplifying tracked accounts (orange: amplifier not tracked)")
    ax.set_title("Who amplifies the tracked accounts")
    return _save(fig, path)


def horizontal_counts(df: pd.DataFrame, label: str, value: str, title: str, path: Path, top: int = 15) -> Path | None:
    """Horizontal bars of ``value`` per ``label`` (the ``top`` largest): languages, topics."""
    if df.empty:
        return None
    d = df.nlargest(top, value).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(d) + 1.2)
    ax.barh([str(v) for v in d[label]], d[value], color=_BLUE)
    ax.set_xlabel("posts")
    ax.set_title(title)
    return _save(fig, path)


def tone_trend(df: pd.DataFrame, path: Path) -> Path | None:
    """Lines per month: shares of confrontational and conciliatory posts (month, *_share)."""
    if df.empty:
        return None
    fig, ax = _figure(8, 3.4)
    x = list(range(len(df)))
    ax.plot(x, df["confrontational_share"], color=_RED, marker="o", ms=3, label="confrontational")
    ax.plot(x, df["conciliatory_share"], color=_GREEN, marker="o", ms=3, label="conciliatory")
    step = max(1, len(df) // 18)
    ax.set_xticks(x[::step], [str(df["month"].iloc[i])[:7] for i in x[::step]], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("share of posts")
    ax.legend(fontsize=8)
    ax.set_title("Tone per month (the explainable confrontation index; see methods)")
    return _save(fig, path)


def amplification_shares(df: pd.DataFrame, path: Path) -> Path | None:
    """Grouped bars per roster kind: shares amplifying state media and the ministry."""
    if df.empty:
        return None
    d = df.sort_values("posts", ascending=False)
    fig, ax = _figure(8, 3.6)
    x = list(range(len(d)))
    ax.bar([i - 0.2 for i in x], d["state_media_share"], width=0.4, color=_ORANGE, label="state media")
    ax.bar([i + 0.2 for i in x], d["ministry_share"], width=0.4, color=_BLUE, label="ministry / spokespeople")
    ax.set_xticks(x, [str(k) for k in d["kind"]], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("share of posts")
    ax.legend(fontsize=8)
    ax.set_title("Posts that repost, quote or link state media, or repost or quote the ministry")
    return _save(fig, path)
