"""The report's figures that are not analyses: the window actually covered, collection gaps, the
import runs, and summary.json's figures drawn from the analyses' tables."""

from __future__ import annotations

import calendar
import threading
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from diplotrack.analyses import growth
from diplotrack.analyses.base import Filters, Tables, tracked_posts
from diplotrack.report.model import ReportOptions


def snapshot_range(t: Tables, f: Filters) -> tuple[date | None, date | None]:
    h = growth.follower_history(t, f)
    r = h.aggregate(lo=h.observed_at.min(), hi=h.observed_at.max()).to_pandas().iloc[0]
    lo = None if pd.isna(r["lo"]) else pd.Timestamp(r["lo"]).date()
    hi = None if pd.isna(r["hi"]) else pd.Timestamp(r["hi"]).date()
    return lo, hi


def effective_window(t: Tables, f: Filters) -> dict:
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


def gaps(t: Tables, f: Filters) -> pd.DataFrame:
    """Months inside the covered range with no post by any tracked account (collection gaps)."""
    p = tracked_posts(t, f)
    # posts without a time belong to no month (a store of only those has no covered range)
    months = p.select(month=p.created_at.truncate("M")).distinct().to_pandas().dropna()
    if months.empty:
        return pd.DataFrame({"month": [], "posts": []})
    have = set(pd.to_datetime(months["month"]).dt.to_period("M"))
    full = pd.period_range(min(have), max(have), freq="M")
    missing = [str(m) for m in full if m not in have]
    return pd.DataFrame({"month": missing, "posts": [0] * len(missing)})


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT run_id, command, status, started_at, formats, files, posts_new, profiles_new, skipped
           FROM runs ORDER BY run_id"""
    ).df()


def _share(thr: pd.DataFrame, measure: str) -> float | None:
    row = thr[thr["measure"] == measure]
    if row.empty or pd.isna(row["share"].iloc[0]):
        return None
    return float(row["share"].iloc[0])


def summary(frames: dict[str, pd.DataFrame], window: dict, opts: ReportOptions, f: Filters) -> dict:
    """summary.json's figures of the presence, activity and methods sections."""
    by_kind, years, thr = frames["accounts_by_kind"], frames["joins_by_year"], frames["threshold_shares"]
    top_f, never, gaps = frames["top_by_followers"], frames["accounts_never_observed"], frames["collection_gaps"]
    dormant, known, unknown = dormancy(frames["account_activity"])
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
        "accounts_dormant": None if unknown and not known else len(dormant),
        "accounts_dormancy_unknown": unknown,
    }


Window = tuple[datetime | None, datetime | None]  # the first and last moment the posts cover (inclusive)


def data_window(act: pd.DataFrame, f: Filters) -> Window:
    """The window the selection's posts cover, from the activity table (``account_activity``: each
    account's first and last post in the window): the given start (else the first post) to the
    given end (exclusive: its last moment is a microsecond before; else the last post)."""

    def when(col: str, pick: str) -> datetime | None:
        if col not in act or act[col].isna().all():
            return None
        return pd.Timestamp(getattr(act[col], pick)()).to_pydatetime()  # type: ignore[no-any-return]

    lo = f.start or when("first_post_at", "min")
    hi = f.end - timedelta(microseconds=1) if f.end is not None else when("last_post_at", "max")
    return lo, hi


def month_partial(month: date, window: Window) -> bool:
    """Whether the window covers only part of ``month`` (its first day): the data start after its
    first day or end before its last (by day: data from the 1st, or to the last day, cover it)."""
    start, end = window
    first = date(month.year, month.month, 1)
    last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    return (start is not None and first < start.date() <= last) or (end is not None and first <= end.date() < last)


def partial_months(months: list[date], window: Window) -> set[int]:
    """The indices of the first and last of ``months`` (in order) that the window covers in part."""
    ends = {0, len(months) - 1} if months else set()
    return {i for i in ends if month_partial(months[i], window)}


_TONE_MODEL: dict[str, Any] = {}
_TONE_LOCK = threading.Lock()


def tone_model() -> dict[str, Any]:
    """summary.json's ``tone_model``: the version of the tone classifier enrichment uses
    (``tone_model.bundled_version()``) and its evaluation on held-out accounts
    (``tone_model.evaluation()``; null, with a note, until the model's evaluation file is written for
    this version). Once per process (thread-safe)."""
    from diplotrack.enrich.tone_model import bundled_version, evaluation

    with _TONE_LOCK:
        if not _TONE_MODEL:
            ev = evaluation()
            _TONE_MODEL.update(version=bundled_version(), evaluation=ev)
            if ev is None:
                _TONE_MODEL["note"] = (
                    "No evaluation of this model version is bundled yet (scripts/tone/evaluate_model.py --write "
                    "writes it); see docs/tone-evaluation.md."
                )
        return dict(_TONE_MODEL)


def tone_line(info: dict[str, Any] | None) -> str:
    """One sentence naming the tone model and its headline macro-F1 with its 95% interval."""
    if not info:
        return "Tone model unknown."
    head = f"Tone by model {info['version']}"
    ev = info.get("evaluation") or {}
    overall = (ev.get("model") or {}).get("all") if isinstance(ev.get("model"), dict) else None
    if isinstance(overall, dict) and isinstance(overall.get("macro_f1"), int | float):
        ci = overall.get("macro_f1_95") or []
        interval = f" (95% CI {ci[0]:.2f}–{ci[1]:.2f})" if len(ci) == 2 else ""
        posts, accounts = ev.get("test_posts"), ev.get("test_accounts")
        on = " on held-out accounts"
        if isinstance(posts, int) and isinstance(accounts, list):
            on = f" on {posts:,} posts of {len(accounts):,} held-out accounts"
        return f"{head}, macro-F1 {overall['macro_f1']:.2f}{interval}{on}; see docs/tone-evaluation.md."
    return f"{head}; macro-F1 unknown: its evaluation is not bundled yet (see docs/tone-evaluation.md)."


def methods_text(summary: dict, window: dict, g_from: date | None, g_to: date | None) -> str:
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
        "also be real silence). Analyses are documented in docs/analyses/. " + tone_line(summary.get("tone_model"))
    )


def languages_overall(langs: pd.DataFrame) -> pd.Series:
    """Posts per detected language, from the languages-per-kind table, most used first."""
    if langs.empty:
        return pd.Series(dtype=int)
    return langs.groupby("lang_detected")["posts"].sum().sort_values(ascending=False)


def content_summary(frames: dict[str, pd.DataFrame]) -> dict:
    """summary.json's content figures. The ministry share is unknown (None) when no post of the
    selection reposts or quotes anything (``ministry_posts`` is then missing in every group)."""
    by_lang = languages_overall(frames["languages_by_kind"])
    tone_kind, topics_all = frames["tone_by_kind"], frames["topics"]
    hashtags, domains, amp_kind = frames["top_hashtags"], frames["top_domains"], frames["amplification_by_kind"]
    tone_counts = tone_kind.groupby("tone_label")["posts"].sum() if not tone_kind.empty else pd.Series(dtype=int)
    total_posts = int(amp_kind["posts"].sum()) if not amp_kind.empty else 0
    ministry_known = bool(total_posts) and bool(amp_kind["ministry_posts"].notna().any())
    return {
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
            round(int(amp_kind["ministry_posts"].fillna(0).sum()) / total_posts, 4) if ministry_known else None
        ),
    }


def dormancy(act: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """The dormant accounts, how many accounts' dormancy is known, and how many it is unknown for
    (no post in the store: ``dormant`` is missing)."""
    if "dormant" not in act:
        return act.iloc[0:0], 0, 0
    known = act["dormant"].notna()
    return act[act["dormant"].fillna(False).astype(bool)], int(known.sum()), int((~known).sum())
