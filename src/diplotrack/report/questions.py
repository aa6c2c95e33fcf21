"""The report's first section: the 2020 study's questions, each answered in numbers from the tables
the report has just computed (no query of its own), with its coverage and the tables and charts
that hold the detail.

``answers(frames, summary, opts)`` returns summary.json's ``study_questions``: one entry per
question with ``id``, ``question``, ``answer`` (one or two sentences), ``coverage`` (how many
accounts, which period, what is unknown), ``figures`` (the numbers of the answer) and ``details``
(the report tables, by file name, and charts, by ``chart:<file stem>``, to read next). A value that
cannot be known is said to be unknown, never given as 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from diplotrack.report import figures
from diplotrack.report.model import ReportOptions

SECTION = "study"  # the report section that shows them
_DATA = {  # what an account must have for an analysis to count it, as the coverage says it
    "roster": "in the roster",
    "creation": "with a known creation date",
    "snapshots": "with a profile snapshot",
    "posts": "with a post in the window",
    "posts_or_snapshots": "with a post in the window or a profile snapshot",
    "follows": "with a follow edge",
    "posts_or_follows": "with a post in the window or a follow edge",
}


def answers(frames: dict[str, pd.DataFrame], summary: dict, opts: ReportOptions) -> list[dict]:
    """Every question answered (see the module docstring); ``summary`` must carry ``coverage``."""
    window = figures.data_window(frames["account_activity"], opts.filters)
    cuts = sorted(set(opts.cohorts))
    bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
    words = {
        "cohorts": _listing([cohort_words(a, b) for a, b in bounds]) if cuts else "at any time",
        "posts_over": f"{opts.posts_over:,}",
        "followers_over": f"{opts.followers_over:,}",
    }
    out = []
    for qid, question, fn, analysis, details in _QUESTIONS:
        answer, figs, extra = fn(frames, summary, window)
        out.append(
            {
                "id": qid,
                "question": question.format(**words),
                "answer": answer,
                "coverage": _coverage(summary["coverage"][analysis], extra),
                "figures": _plain(figs),
                "details": [d for d in details if d.startswith("chart:") or d in frames],  # tables shown
            }
        )
    return out


# -- words ---------------------------------------------------------------------------------------


def _posts(n: Any) -> str:
    return f"{int(n):,} post" + ("" if int(n) == 1 else "s")


def _pct(part: float, whole: float) -> str:
    p = 100 * part / whole
    return f"{p:.0f}%" if p == 0 or p >= 10 else f"{p:.1f}%" if p >= 0.1 else f"{p:.2g}%"


def _share(v: float) -> str:
    return _pct(v, 1.0)


def _month(v: Any, window: figures.Window | None = None) -> str:
    d = pd.Timestamp(v)
    text = f"{d:%B %Y}"
    if window is not None and figures.month_partial(d.date(), window):
        text += ", a partial month"
    return text


def _day(v: Any) -> str:
    return "unknown" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)[:10]


def _as_date(v: Any) -> date | None:
    return None if v is None or pd.isna(v) else pd.Timestamp(v).date()


def _when(d: date) -> str:
    """A cut-off date in words: '2019' for 1 January, 'May 2020' for the first of a month."""
    if d.month == 1 and d.day == 1:
        return str(d.year)
    return f"{d:%B %Y}" if d.day == 1 else d.isoformat()


def cohort_words(start: Any, end: Any) -> str:
    """A cohort of ``joins_by_cohort`` (start inclusive, end exclusive, None when open) in words."""
    a, b = _as_date(start), _as_date(end)
    if a is None and b is None:
        return "at any time"
    if a is None:
        return f"before {_when(b)}"  # type: ignore[arg-type]
    if b is None:
        return f"from {_when(a)} on"
    if a.month == a.day == b.month == b.day == 1 and b.year == a.year + 1:
        return f"in {a.year}"
    if a.day == b.day == 1:
        last = b - timedelta(days=1)
        if (a.year, a.month) == (last.year, last.month):
            return f"in {a:%B %Y}"
        return f"in {a:%B}–{last:%B %Y}" if a.year == last.year else f"in {a:%B %Y}–{last:%B %Y}"
    return f"from {a.isoformat()} to {(b - timedelta(days=1)).isoformat()}"


def _listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _coverage(c: dict, extra: str) -> str:
    text = f"{c['accounts']:,} of {c['selected']:,} selected accounts {_DATA[c['basis']]}"
    if c.get("start") or c.get("end"):
        what = _PERIOD.get(c["basis"], "data")
        text += f", {what} from {_day(c.get('start'))} to {_day(c.get('end'))}"
    unknown = c["selected"] - c["accounts"]
    if unknown:
        text += f"; unknown for the other {unknown:,}"
    text += "."
    if extra:
        text += " " + extra
    if c.get("caveats"):
        text += " " + " ".join(c["caveats"])
    return text


def _plain(v: Any) -> Any:
    """Figures as JSON keeps them: numbers, text, lists and dicts (NaN as null)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return None if isinstance(v, float) and math.isnan(v) else v
    if hasattr(v, "item"):  # numpy scalars
        return _plain(v.item())
    return None if pd.isna(v) else str(v)


_PERIOD = {"creation": "profile snapshots", "snapshots": "profile snapshots", "posts": "posts",
           "posts_or_snapshots": "posts and snapshots", "posts_or_follows": "posts"}  # fmt: skip
Answer = tuple[str, dict, str]  # the answer, its figures, what its coverage adds


# -- the questions -------------------------------------------------------------------------------


def _joined(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    coh, years = fr["joins_by_cohort"], fr["joins_by_year"]
    dated = int(coh["joins"].sum()) if not coh.empty else 0
    if not dated:
        return "Unknown: no account of the selection has a known creation date.", {"accounts_dated": 0}, ""
    cohorts = {cohort_words(r.start, r.end): int(r.joins) for r in coh.itertuples(index=False)}
    parts = [f"{n:,}{' joined' if i == 0 else ''} {words}" for i, (words, n) in enumerate(cohorts.items())]
    by_year = {str(p): int(n) for p, n in zip(years["period"], years["joins"], strict=True)} if not years.empty else {}
    text = f"Of the {dated:,} accounts with a known creation date, {_listing(parts)}."
    if by_year:
        top = max(by_year.items(), key=lambda kv: (kv[1], kv[0]))
        text += f" The most in one year: {top[1]:,} in {top[0]}."
    return text, {"accounts_dated": dated, "cohorts": cohorts, "by_year": by_year}, ""


def _institutional(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    by_kind = fr["accounts_by_kind"]
    total = int(by_kind["accounts"].sum()) if not by_kind.empty else 0
    if not total:
        return "No tracked account in the selection.", {"accounts": 0}, ""
    inst = by_kind[by_kind["institutional"].astype(bool)]
    n_inst = int(inst["accounts"].sum())
    kinds = ", ".join(sorted({str(k) for k in inst["kind"]})) or "none"
    text = (
        f"{n_inst:,} of the {total:,} tracked accounts ({_pct(n_inst, total)}) are institutional ({kinds}); "
        f"{total - n_inst:,} are individuals."
    )
    return text, {"accounts": total, "institutional": n_inst, "share": n_inst / total}, ""


def _thresholds(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    thr = fr["threshold_shares"]
    parts, figs = [], {}
    for r in thr.itertuples(index=False):
        what = "posts" if r.measure == "posts_count" else "followers"
        if not r.accounts_with_data:
            parts.append(f"the share above {int(r.threshold):,} {what} is unknown (no snapshot gives it)")
            figs[what] = {"threshold": int(r.threshold), "accounts_with_data": 0, "over": None, "share": None}
            continue
        of = f"{int(r.accounts_over):,} of {int(r.accounts_with_data):,}"
        parts.append(f"{of} ({_pct(r.accounts_over, r.accounts_with_data)}) had more than {int(r.threshold):,} {what}")
        figs[what] = {"threshold": int(r.threshold), "accounts_with_data": int(r.accounts_with_data),
                      "over": int(r.accounts_over), "share": float(r.share)}  # fmt: skip
    if not parts:
        return "Unknown: no account of the selection has a profile snapshot.", figs, ""
    return f"At their latest profile snapshot, {_listing(parts)}.", figs, ""


def _compact(v: float) -> str:
    return f"{v / 1e6:.1f}M" if v >= 1e6 else f"{v / 1e3:.0f}k" if v >= 1e4 else f"{int(v):,}"


def _top_followers(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    top = fr["top_by_followers"]
    if top.empty:
        return "Unknown: no account of the selection has a snapshot giving its followers.", {"top": []}, ""
    rows = [(str(h), int(v)) for h, v in zip(top["handle"], top["value"], strict=True)]
    shown = ", ".join(f"{h} ({_compact(v)})" for h, v in rows[:5])
    more = f"; {len(rows) - 5} more in the table" if len(rows) > 5 else ""
    text = f"By followers at the latest snapshot: {shown}{more}."
    return text, {"top": [{"handle": h, "followers": v} for h, v in rows]}, ""


def _covid(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    d = fr["covid_by_month"]
    enriched = int(d["posts_enriched"].sum()) if not d.empty else 0
    if not enriched:
        return ("Unknown: none of the selection's posts has known topics (diplotrack enrich computes them).",
                {"posts_enriched": 0}, "")  # fmt: skip
    on = int(d["topic_posts"].sum())
    known = d[d["share"].notna()]
    peak = known.sort_values(["share", "month"], ascending=[False, True]).iloc[0]
    first, last = known.iloc[0], known.iloc[-1]
    start = _month(first["month"], w)
    start += "," if start.endswith("partial month") else ""
    text = (
        f"{on:,} of {enriched:,} posts ({_pct(on, enriched)}) are on COVID-19. Per month, the share was highest "
        f"in {_month(peak['month'], w)} ({_share(peak['share'])} of {_posts(peak['posts_enriched'])}); it went "
        f"from {_share(first['share'])} in {start} to {_share(last['share'])} in {_month(last['month'], w)}."
    )
    figs = {"posts_enriched": enriched, "topic_posts": on, "share": on / enriched,
            "by_month": {str(m)[:7]: sh for m, sh in zip(known["month"], known["share"], strict=True)}}  # fmt: skip
    return text, figs, "Months the data cover only in part are marked."


def _best(df: pd.DataFrame, col: str, key: str) -> tuple[str, float, int] | None:
    """The group with the highest known ``col`` (ties: the first by ``key``), its share and posts."""
    known = df[df[col].notna() & df[key].notna()] if not df.empty and col in df else df.iloc[0:0]
    if known.empty:
        return None
    r = known.sort_values([col, key], ascending=[False, True]).iloc[0]
    return str(r[key])[:10] if key == "month" else str(r[key]), float(r[col]), int(r["posts"])


def _amplification(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    by_acc, by_month = fr["amplification_by_account"], fr["amplification_by_month"]
    posts = int(by_acc["posts"].sum()) if not by_acc.empty else 0
    if not posts:
        return "Unknown: no post by the selected accounts in the window.", {"posts": 0}, ""
    sm = int(by_acc["state_media_posts"].sum())
    text = f"{sm:,} of {posts:,} posts ({_pct(sm, posts)}) repost, quote or link state media"
    figs: dict[str, Any] = {"posts": posts, "state_media_posts": sm, "state_media_share": sm / posts}
    if by_acc["ministry_posts"].notna().any():
        mi = int(by_acc["ministry_posts"].fillna(0).sum())
        text += f", and {mi:,} ({_pct(mi, posts)}) repost or quote the ministry or its spokespeople."
        figs.update(ministry_posts=mi, ministry_share=mi / posts)
    else:
        text += "; whether they repost the ministry is unknown: the selection's posts hold no repost or quote."
        figs.update(ministry_posts=None, ministry_share=None)
    for label, col in (("state media", "state_media_share"), ("the ministry", "ministry_share")):
        acc, month = _best(by_acc, col, "handle"), _best(by_month, col, "month")
        if acc and acc[1] > 0:
            text += f" Highest share for {label}: {acc[0]} ({_share(acc[1])} of {acc[2]:,} posts)"
            if month and month[1] > 0:
                text += f"; per month, {_month(month[0], w)} ({_share(month[1])} of {month[2]:,})"
            text += "."
            figs[f"highest_{col}"] = {"account": acc[0], "share": acc[1], "month": month[0] if month else None}
    return text, figs, "Per account and per month in the tables."


def _tone(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    tt, counts = fr["tone_trend"], s.get("tone") or {}
    tt = tt[tt["month"].notna()] if "month" in tt else tt  # posts without a time belong to no month
    total = sum(counts.values())
    model = figures.tone_line(s.get("tone_model"))
    if not total or tt.empty:
        return "Unknown: no post of the selection has a tone.", {"posts": 0}, model
    conf, conc = counts.get("confrontational", 0), counts.get("conciliatory", 0)
    lo = tt.sort_values(["confrontational_share", "month"]).iloc[0]
    hi = tt.sort_values(["confrontational_share", "month"], ascending=[False, True]).iloc[0]
    text = (
        f"Of {total:,} posts with a tone, {_pct(conf, total)} are confrontational and {_pct(conc, total)} "
        f"conciliatory. The monthly confrontational share ranged from {_share(lo['confrontational_share'])} "
        f"({_posts(lo['posts'])} in {_month(lo['month'], w)}) to {_share(hi['confrontational_share'])} "
        f"({_posts(hi['posts'])} in {_month(hi['month'], w)})."
    )
    figs = {"posts": total, "confrontational": conf, "conciliatory": conc,
            "confrontational_share_by_month": {str(m)[:7]: v for m, v in
                                               zip(tt["month"], tt["confrontational_share"], strict=True)}}  # fmt: skip
    return text, figs, model


def _host_language(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    hl = fr["host_language"]
    known = hl[hl["host_language_share"].notna()] if not hl.empty else hl
    if known.empty:
        return ("Unknown: no mission or diplomat of the selection with a host country has a post whose language "
                "could be detected in the window.", {"accounts": 0}, "Missions and diplomats only.")  # fmt: skip
    mostly = int((known["host_language_share"] > 0.5).sum())
    posts, inhost = int(known["posts_with_language"].sum()), int(known["posts_in_host_language"].sum())
    text = (
        f"{mostly:,} of the {len(known):,} missions and diplomats whose posts' language could be detected wrote "
        f"mostly (over half) in a language of their host country; {inhost:,} of their {posts:,} posts "
        f"({_pct(inhost, posts)}); median share per account {_share(float(known['host_language_share'].median()))}."
    )
    figs = {"accounts": len(known), "accounts_mostly": mostly, "posts": posts, "posts_in_host_language": inhost}
    return text, figs, "Missions and diplomats only; reposts left out."


def _network(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    nets = s.get("networks") or {}
    parts, figs = [], {}
    for kind in ("repost", "mention"):
        n = nets.get(kind) or {}
        top = fr.get(f"{kind}_network_top")
        names = [str(x) for x in top["label"].head(3)] if top is not None and not top.empty else []
        figs[kind] = {"nodes": n.get("nodes"), "edges": n.get("edges"), "top_pagerank": names}
        if not n.get("nodes"):
            parts.append(f"the {kind} network is empty")
            continue
        lead = f" (highest PageRank: {', '.join(names)})" if names else ""
        parts.append(f"the {kind} network links {n['nodes']:,} accounts by {n['edges']:,} weighted edges{lead}")
    poly = fr.get("polyphony_hashtags")
    if poly is not None and not poly.empty:
        r = poly.sort_values(["accounts", "posts", "item"], ascending=[False, False, True]).iloc[0]
        parts.append(f"the hashtag carried by most tracked accounts is #{r['item']} ({int(r['accounts']):,} accounts)")
        figs["hashtag_most_shared"] = {"hashtag": str(r["item"]), "accounts": int(r["accounts"])}
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + ". The account–hashtag network: diplotrack network hashtag."
    return text, figs, ""


def _engaging(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    d = fr["most_engaging_posts"]
    if d.empty:
        return ("Unknown: no post of the selection (reposts left out) carries engagement counts.",
                {"posts_with_metrics": 0}, "")  # fmt: skip
    r = d.iloc[0]
    given = [m for m in ("likes", "reposts", "replies", "quotes") if pd.notna(r[m])]
    missing = [m for m in ("likes", "reposts", "replies", "quotes") if pd.isna(r[m])]
    counts = ", ".join(f"{int(r[m]):,} {m}" for m in given)
    text = f"The most engaging post: {r['handle']} on {_day(r['created_at'])}, {int(r['engagement']):,} ({counts}"
    text += f"; {' and '.join(missing)} not given by the source)." if missing else ")."
    with_m, considered = int(r["posts_with_metrics"]), int(r["posts_considered"])
    extra = f"{with_m:,} of {considered:,} posts that can be ranked (not reposts) carry counts."
    figs = {"posts_with_metrics": with_m, "posts_considered": considered,
            "top": [{"handle": str(x.handle), "post_id": str(x.post_id), "engagement": int(x.engagement)}
                    for x in d.itertuples(index=False)]}  # fmt: skip
    return text, figs, extra


def _links(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    urls, domains = fr["top_urls"], fr["top_domains"]
    if urls.empty:
        return "Unknown: no post of the selection carries a link.", {"urls": []}, ""
    top = [(str(u), int(n)) for u, n in zip(urls["value"], urls["posts"], strict=True)]
    text = "The most shared links: " + "; ".join(f"{u} ({_posts(n)})" for u, n in top[:3]) + "."
    if not domains.empty:
        text += (
            " The most linked domains: "
            + ", ".join(f"{v} ({_posts(n)})" for v, n in zip(domains["value"][:3], domains["posts"][:3], strict=True))
            + "."
        )
    pairs = zip(domains.get("value", []), domains.get("posts", []), strict=True)
    figs = {
        "urls": [{"url": u, "posts": n} for u, n in top],
        "domains": [{"domain": str(v), "posts": int(n)} for v, n in pairs],
    }
    return text, figs, "A shortened link counts as written unless it was resolved."


def _deleted(fr: dict[str, pd.DataFrame], s: dict, w: figures.Window) -> Answer:
    d = fr["deletions_by_account"]
    if d.empty:
        return "No tracked account in the selection.", {"accounts": 0}, ""
    checked = int(d["checked"].sum())
    known = d[d["deleted"].notna()]
    total = int(pd.to_numeric(known["deleted"]).sum()) if not known.empty else 0
    authors = int((pd.to_numeric(known["deleted"]) > 0).sum()) if not known.empty else 0
    unknown = len(d) - len(known)
    figs = {"accounts": len(d), "accounts_checked": checked, "deleted_posts": total if len(known) else None,
            "accounts_with_deletions": authors, "accounts_unknown": unknown}  # fmt: skip
    seen = f"Deletions could be seen for {checked:,} of {len(d):,} accounts (timelines collected live)."
    if known.empty:
        text = (f"Unknown: none of the {len(d):,} accounts' timelines was collected live, and only live "
                "collection (diplotrack collect) can see a post deleted.")  # fmt: skip
        return text, figs, seen
    text = (
        f"At least {total:,} posts were seen deleted, by {authors:,} accounts, among the {len(known):,} accounts "
        f"whose deletions could be seen (timelines collected live)"
        + (f"; unknown for the other {unknown:,}." if unknown else ".")
    )
    return text, figs, seen + " A deletion is seen only while a live collection rereads that part of the timeline."


_QUESTIONS: tuple[tuple[str, str, Callable[..., Answer], str, tuple[str, ...]], ...] = (
    ("joined", "When did the accounts join: {cohorts}, and by year?",
     _joined, "joins_by_cohort", ("joins_by_cohort", "joins_by_year", "accounts_without_creation_date")),
    ("institutional", "What share of the accounts are institutional?", _institutional, "accounts_by_kind",
     ("accounts_by_kind",)),
    ("thresholds", "What share of the accounts have more than {posts_over} posts, and more than {followers_over} "
     "followers?", _thresholds,
     "threshold_shares", ("threshold_shares",)),
    ("top_followers", "Which accounts have the most followers?", _top_followers, "latest_snapshots",
     ("top_by_followers",)),
    ("covid", "How much of their content is about COVID-19, and how did it change over time?", _covid,
     "topic_trend", ("covid_by_month", "chart:covid_by_month")),
    ("amplification", "How much do they repost state media and the ministry, per account and per month?",
     _amplification, "amplification_shares",
     ("amplification_by_account", "amplification_by_month", "repost_targets_by_kind")),
    ("tone", "How did their tone change over time?", _tone, "tone_trend", ("tone_trend", "chart:tone_trend")),
    ("host_language", "Do missions and diplomats post in the languages of their host countries?", _host_language,
     "host_language_share", ("host_language",)),
    ("network", "Who reposts and mentions whom, and which hashtags do they share?", _network, "network_nodes",
     ("repost_network_top", "mention_network_top", "polyphony_hashtags")),
    ("engaging_posts", "Which posts drew the most engagement?", _engaging, "most_engaging_posts",
     ("most_engaging_posts",)),
    ("shared_links", "Which links and articles do they share most?", _links, "top_entities",
     ("top_urls", "top_domains")),
    ("deleted_posts", "Which posts were deleted?", _deleted, "deletions_by_account",
     ("deletions_by_account", "deleted_posts")),
)  # fmt: skip
