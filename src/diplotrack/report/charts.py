"""The report's charts: PNG files drawn with matplotlib's object API (Agg, no display needed).

Each function takes a small result table (pandas), the chart's title and a path, draws one chart
and returns the path, or None when there is nothing to draw (an empty table). The title is the
chart's only one (the report shows no other above or under it). Every axis says its unit; shares
are drawn on a 0–1 axis; a chart per month shows under each point how many posts it rests on and
marks a first or last month the data cover only in part; a value that cannot be known is written
"unknown", never drawn as 0.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from diplotrack.report.figures import Window, partial_months

_BLUE, _ORANGE, _GREY, _GREEN, _RED = "#2b6cb0", "#dd6b20", "#a0aec0", "#2f855a", "#c53030"
SHARE_AXIS = "share of posts (0–1)"


def _save(fig: Figure, path: Path, tight: bool = True) -> Path:
    """Write the PNG. A tight bounding box keeps long labels in the picture (it is cheaper than
    constrained layout, but draws the figure twice); a chart laid out with fixed margins says
    ``tight=False``."""
    if tight:
        fig.savefig(path, dpi=96, bbox_inches="tight", pad_inches=0.15)
    else:
        fig.savefig(path, dpi=96)
    return path


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of its own, outside pyplot's global state: charts can be drawn in a worker thread
    while the store answers the next queries."""
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _pct(v: float) -> str:
    """A share as a percentage that never rounds a small non-zero share to 0%."""
    p = 100 * v
    if p == 0 or p >= 10:
        return f"{p:.0f}%"
    return f"{p:.1f}%" if p >= 0.1 else f"{p:.2g}%"


# -- months and partial periods ------------------------------------------------------------------


def _month_start(v: object) -> date:
    ts = pd.Timestamp(v)  # type: ignore[arg-type]
    return date(ts.year, ts.month, 1)


def monthly_shares(
    df: pd.DataFrame,
    series: tuple[tuple[str, str, str], ...],
    n_col: str,
    n_label: str,
    window: Window,
    title: str,
    path: Path,
) -> Path | None:
    """Lines per month on a 0–1 axis, one per ``(column, label, colour)`` of ``series``, above
    bars of the posts each month's shares rest on (``n_col``, described by ``n_label``); a first or
    last month the data cover in part is marked "partial" and drawn hollow; a series with no known
    value is named "unknown" in the legend instead of being drawn."""
    if df.empty or "month" not in df or df["month"].isna().all():
        return None
    d = df[df["month"].notna()].sort_values("month").reset_index(drop=True)  # posts without a time: no month
    months = [_month_start(m) for m in d["month"]]
    partial = partial_months(months, window)
    fig = Figure(figsize=(8, 4.4))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2], "hspace": 0.08})
    x = list(range(len(d)))
    for col, label, colour in series:
        v = pd.to_numeric(d[col], errors="coerce") if col in d else pd.Series([float("nan")] * len(d))
        if v.isna().all():
            top.plot([], [], color=colour, label=f"{label}: unknown")
            continue
        top.plot(x, v, color=colour, marker="o", ms=3, label=label)
        for i in partial:
            if pd.notna(v.iloc[i]):
                top.plot([i], [v.iloc[i]], marker="o", ms=7, mfc="white", mec=colour, ls="none")
    top.set_ylim(0, 1)
    top.set_ylabel(SHARE_AXIS)
    top.legend(fontsize=8, loc="upper right")
    top.set_title(title)
    n = pd.to_numeric(d[n_col], errors="coerce").fillna(0)
    bottom.bar(x, n, color=[_GREY if i not in partial else "white" for i in x], edgecolor=_GREY)
    bottom.set_ylabel("posts (n)", fontsize=8)
    if len(x) <= 24:
        for i, v in enumerate(n):
            bottom.text(i, v, f"{int(v):,}", ha="center", va="bottom", fontsize=6)
    bottom.set_ylim(0, max(float(n.max()), 1.0) * 1.3)
    step = max(1, len(d) // 18)
    ticks = sorted(set(x[::step]) | partial)
    labels = [f"{months[i]:%Y-%m}" + ("\npartial" if i in partial else "") for i in ticks]
    bottom.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    bottom.set_xlabel(f"month (bars: {n_label})")
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.2)  # margins that hold these labels
    return _save(fig, path, tight=False)


# -- presence ------------------------------------------------------------------------------------


def joins_over_time(df: pd.DataFrame, observed_to: object, title: str, path: Path) -> Path | None:
    """Bars: accounts created per period; line: cumulative (columns period, joins, cumulative). A last
    period that ends after ``observed_to`` (the last profile snapshot: creations after it cannot be
    seen) is marked partial."""
    if df.empty:
        return None
    fig, ax = _figure(8, 3.6)
    x = list(range(len(df)))
    last = str(df["period"].iloc[-1])
    partial = observed_to is not None and not pd.isna(observed_to) and _ends_after(last, pd.Timestamp(observed_to))
    colours = [_BLUE] * len(df)
    if partial:
        colours[-1] = "white"
    ax.bar(x, df["joins"], color=colours, edgecolor=_BLUE, label="accounts created")
    step = max(1, len(df) // 20)  # at most about 20 labels: quarters over 15 years stay legible
    ticks = sorted(set(x[::step]) | ({x[-1]} if partial else set()))
    labels = [str(df["period"].iloc[i]) + ("\npartial" if partial and i == x[-1] else "") for i in ticks]
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("accounts created in the period")
    ax.set_xlabel("period of the account's creation date")
    ax2 = ax.twinx()
    ax2.plot(x, df["cumulative"], color=_ORANGE, marker="o", label="cumulative")
    ax2.set_ylabel("accounts created so far (cumulative)", color=_ORANGE)
    ax2.set_ylim(bottom=0)
    ax.set_title(title)
    fig.subplots_adjust(left=0.08, right=0.91, top=0.9, bottom=0.28)  # short period labels: fixed margins
    return _save(fig, path, tight=False)


def _ends_after(period: str, observed_to: pd.Timestamp) -> bool:
    """Whether ``period`` ('2022' or '2022-Q2') ends after ``observed_to``."""
    try:
        p = pd.Period(period.replace("-", ""), freq="Q") if "Q" in period else pd.Period(period, freq="Y")
    except ValueError:
        return False
    return bool(p.end_time.normalize() > observed_to.normalize())


def accounts_by_kind(df: pd.DataFrame, title: str, path: Path) -> Path | None:
    """Horizontal bars per kind, coloured institutional / individual (kind, institutional, accounts)."""
    if df.empty:
        return None
    agg = df.groupby(["kind", "institutional"], as_index=False)["accounts"].sum()
    agg = agg.sort_values("accounts")
    fig, ax = _figure(7, 0.35 * len(agg) + 1.4)
    colors = [_BLUE if bool(i) else _ORANGE for i in agg["institutional"]]
    ax.barh([str(k) for k in agg["kind"]], agg["accounts"], color=colors)
    ax.set_xlabel("accounts")
    ax.set_ylabel("roster kind")
    ax.legend(handles=[Patch(color=_BLUE, label="institutional"), Patch(color=_ORANGE, label="individual")],
              fontsize=8, loc="lower right")  # fmt: skip
    ax.set_title(title)
    return _save(fig, path)


# -- activity and growth -------------------------------------------------------------------------


def thresholds(df: pd.DataFrame, title: str, path: Path) -> Path | None:
    """Bars: share of accounts above each threshold (measure, threshold, accounts_with_data,
    accounts_over, share); a share that cannot be known (no account has the measure) says so."""
    if df.empty:
        return None
    fig, ax = _figure(7, 3)
    labels = [f"{m} > {int(t):,}" for m, t in zip(df["measure"], df["threshold"], strict=True)]
    shares = [None if pd.isna(s) else float(s) for s in df["share"]]
    ax.bar(labels, [s or 0.0 for s in shares], color=[_BLUE, _GREEN][: len(labels)])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of accounts with a snapshot (0–1)", fontsize=8)
    ax.set_xlabel("measure at the latest snapshot, above its threshold")
    for i, s in enumerate(shares):
        row = df.iloc[i]
        of = f"{int(row['accounts_over']):,} of {int(row['accounts_with_data']):,}"
        text = "unknown" if s is None else f"{_pct(s)} ({of})"
        ax.text(i, (s or 0.0) + 0.02, text, ha="center", fontsize=8)
    ax.set_title(title)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.2)  # two known labels: fixed margins
    return _save(fig, path, tight=False)


def followers_distribution(followers: pd.Series, title: str, path: Path) -> Path | None:
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
    ax.set_title(title)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.89, bottom=0.17)  # numbers only: fixed margins
    return _save(fig, path, tight=False)


def growth(df: pd.DataFrame, title: str, path: Path, n: int = 15) -> Path | None:
    """Horizontal bars: follower growth of the biggest risers (handle, growth)."""
    if df.empty:
        return None
    top = df.head(n).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(top) + 1.2)
    colors = [_GREEN if g >= 0 else _RED for g in top["growth"]]
    ax.barh([str(h) for h in top["handle"]], top["growth"], color=colors)
    ax.set_xlabel("followers gained between the two snapshots")
    ax.set_ylabel("account")
    ax.set_title(title)
    return _save(fig, path)


# -- amplification -------------------------------------------------------------------------------


def amplification(df: pd.DataFrame, title: str, path: Path, n: int = 15) -> Path | None:
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
    ax.set_ylabel("reposting account")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    return _save(fig, path)


def amplifiers(df: pd.DataFrame, title: str, path: Path, n: int = 15) -> Path | None:
    """Horizontal bars: the accounts that amplify the tracked ones most, all targets and relations
    together (amplifier, amplifier_tracked, count)."""
    if df.empty or "amplifier" not in df:
        return None
    agg = df.groupby(["amplifier", "amplifier_tracked"], as_index=False)["count"].sum()
    top = agg.sort_values(["count", "amplifier"], ascending=[False, True]).head(n).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(top) + 1.4)
    colors = [_BLUE if bool(t) else _ORANGE for t in top["amplifier_tracked"]]
    ax.barh([str(a) for a in top["amplifier"]], top["count"], color=colors)
    ax.set_xlabel("posts amplifying tracked accounts")
    ax.set_ylabel("amplifying account")
    ax.legend(handles=[Patch(color=_BLUE, label="tracked"), Patch(color=_ORANGE, label="not tracked")],
              fontsize=8, loc="lower right")  # fmt: skip
    ax.set_title(title)
    return _save(fig, path)


# -- content -------------------------------------------------------------------------------------


def horizontal_counts(
    df: pd.DataFrame, label: str, value: str, unit: str, title: str, path: Path, top: int = 15
) -> Path | None:
    """Horizontal bars of ``value`` per ``label`` (the ``top`` largest): languages, topics, PageRank;
    the value axis is named by ``unit``."""
    if df.empty:
        return None
    d = df.nlargest(top, value).iloc[::-1]
    fig, ax = _figure(7, 0.32 * len(d) + 1.2)
    ax.barh([str(v) for v in d[label]], d[value], color=_BLUE)
    ax.set_xlabel(unit)
    ax.set_ylabel(label)
    ax.set_title(title)
    return _save(fig, path)


def tone_trend(df: pd.DataFrame, window: Window, title: str, path: Path) -> Path | None:
    """Per month: the shares of confrontational and conciliatory posts among those with a tone,
    over how many posts each month has a tone (month, posts, *_share)."""
    series = (("confrontational_share", "confrontational", _RED), ("conciliatory_share", "conciliatory", _GREEN))
    return monthly_shares(df, series, "posts", "posts with a tone", window, title, path)


def topic_trend(df: pd.DataFrame, topic: str, window: Window, title: str, path: Path) -> Path | None:
    """Per month: one topic's share of the enriched posts (month, posts_enriched, share)."""
    series = (("share", f"posts on the topic {topic}", _BLUE),)
    return monthly_shares(df, series, "posts_enriched", "posts with known topics", window, title, path)


def amplification_shares(df: pd.DataFrame, title: str, path: Path) -> Path | None:
    """Grouped bars per roster kind on a 0–1 axis: shares amplifying state media and the ministry,
    each written on its bar ("unknown" where the kind reposts and quotes nothing)."""
    if df.empty:
        return None
    d = df.sort_values("posts", ascending=False).reset_index(drop=True)
    fig, ax = _figure(8, 3.8)
    x = list(range(len(d)))
    for offset, col, colour, label in (
        (-0.2, "state_media_share", _ORANGE, "repost, quote or link state media"),
        (0.2, "ministry_share", _BLUE, "repost or quote the ministry"),
    ):
        vals = [None if pd.isna(v) else float(v) for v in d[col]]
        ax.bar([i + offset for i in x], [v or 0.0 for v in vals], width=0.4, color=colour, label=label)
        for i, v in enumerate(vals):
            ax.text(i + offset, (v or 0.0) + 0.02, "unknown" if v is None else _pct(v), ha="center",
                    fontsize=6, rotation=90, va="bottom")  # fmt: skip
    ax.set_xticks(x, [f"{k}\n(n={int(p):,})" for k, p in zip(d["kind"], d["posts"], strict=True)], rotation=30,
                  ha="right", fontsize=8)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the kind's posts (0–1)")
    ax.set_xlabel("roster kind (n: posts)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title)
    return _save(fig, path)
