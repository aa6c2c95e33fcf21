"""What an analysis result is based on: which accounts of the selection have the data it reads,
the period that data covers, and the caveats the data imply.

One query per filter set reads, for every tracked account, its posts in the window (count,
reposts, first and last), its profile snapshots (count, first and last) and whether a snapshot
gives its creation date; ``account_data`` keeps that small table for the run (a report), and each
analysis's coverage is computed from it in Python for the data it reads (its *basis*).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from diplotrack.analyses.base import Filters, Tables, account_keys, memo, tracked_accounts, window_posts

BASES: tuple[str, ...] = (
    "roster",
    "creation",
    "snapshots",
    "posts",
    "posts_or_snapshots",
    "follows",
    "posts_or_follows",
)
_DATA = {  # what an account must have to count for each basis, in words
    "roster": "a roster entry",
    "creation": "a known creation date",
    "snapshots": "a profile snapshot",
    "posts": "a post in the window",
    "posts_or_snapshots": "a post in the window or a profile snapshot",
    "follows": "a follow edge in the store",
    "posts_or_follows": "a post in the window or a follow edge",
}
MISSING_SHOWN = 10  # handles named in the report's line; summary.json lists them all
_POST_COLS = ("posts", "reposts", "first_post", "last_post")


@dataclass(frozen=True)
class Coverage:
    """``accounts`` of ``selected`` tracked accounts have the data an analysis reads (``basis``);
    ``missing`` are the others (``platform:handle``); ``start``/``end`` is the period that data
    covers for them (ISO text, None when there is none); ``caveats`` are sentences."""

    basis: str
    accounts: int
    selected: int
    missing: tuple[str, ...]
    start: str | None
    end: str | None
    caveats: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["missing"] = list(self.missing)
        d["caveats"] = list(self.caveats)
        return d

    def line(self) -> str:
        """One paragraph for the report: n of N, which are missing, the period, the caveats."""
        text = f"Based on {self.accounts:,} of {self.selected:,} selected accounts ({_DATA[self.basis]})"
        if self.missing:
            shown = ", ".join(self.missing[:MISSING_SHOWN])
            more = len(self.missing) - MISSING_SHOWN
            rest = f" and {more:,} more (all in summary.json)" if more > 0 else ""
            text += f"; without it: {shown}{rest}"
        if self.start or self.end:
            text += f"; data from {self.start or 'unknown'} to {self.end or 'unknown'}"
        text += "."
        if self.caveats:
            text += " Caveats: " + " ".join(self.caveats)
        return text


def account_data(t: Tables, f: Filters) -> pd.DataFrame:
    """Per tracked account (one query, kept for the run): platform, handle, posts, reposts,
    first_post, last_post (in the window), snapshots, first_snapshot, last_snapshot, created
    (a snapshot gives its creation date)."""
    return memo(t, f"coverage:{f!r}", lambda: _account_data(t, f))


def _account_data(t: Tables, f: Filters) -> pd.DataFrame:
    acc = tracked_accounts(t, f).select("platform", "handle")
    keys = account_keys(t, f)
    p = window_posts(t, f)
    pj = p.join(keys, [p.platform == keys.platform, p.author_id == keys.key]).select(
        keys.platform, keys.handle, p.kind, p.created_at
    )
    ps = pj.group_by(["platform", "handle"]).aggregate(
        posts=pj.count(),
        reposts=(pj.kind == "repost").cast("int64").sum(),
        first_post=pj.created_at.min(),
        last_post=pj.created_at.max(),
    )
    s = t.profile_snapshots
    sj = s.join(keys, [s.platform == keys.platform, s.user_id == keys.key]).select(
        keys.platform, keys.handle, s.observed_at, s.created_at
    )
    ss = sj.group_by(["platform", "handle"]).aggregate(
        snapshots=sj.count(),
        first_snapshot=sj.observed_at.min(),
        last_snapshot=sj.observed_at.max(),
        created=sj.created_at.notnull().any(),
    )
    j = acc.left_join(ps, ["platform", "handle"]).select(acc.platform, acc.handle, *[ps[c] for c in _POST_COLS])
    j = _with_follows(t, keys, j)
    k = j.left_join(ss, ["platform", "handle"])
    expr = k.select(
        j.platform,
        j.handle,
        posts=j.posts.fill_null(0),
        reposts=j.reposts.fill_null(0),
        first_post=j.first_post,
        last_post=j.last_post,
        snapshots=ss.snapshots.fill_null(0),
        first_snapshot=ss.first_snapshot,
        last_snapshot=ss.last_snapshot,
        created=ss.created.fill_null(False),
        follows=j.follows.fill_null(0),
    ).order_by(["platform", "handle"])
    return expr.to_pandas()


def _with_follows(t: Tables, keys: ir.Table, j: ir.Table) -> ir.Table:
    """``j`` with ``follows``: the follow edges (``follow_edges``, either end) of each account."""
    fe = t.follow_edges
    if fe is None:
        return j.mutate(follows=ibis.literal(0, "int64"))
    ends = [
        fe.join(keys, [fe.platform == keys.platform, fe[end] == keys.key]).select(keys.platform, keys.handle)
        for end in ("follower_id", "followed_id")
    ]
    both = ends[0].union(ends[1], distinct=False)
    fs = both.group_by(["platform", "handle"]).aggregate(follows=both.count())
    out = j.left_join(fs, ["platform", "handle"])
    return out.select(*[j[c] for c in j.columns], follows=fs.follows)


def _iso(v: object) -> str | None:
    return None if v is None or pd.isna(v) else pd.Timestamp(v).isoformat()


def coverage(t: Tables, f: Filters, basis: str, needs_reposts: bool = False) -> Coverage:
    """The coverage of an analysis that reads ``basis`` (see ``BASES``) for the selection ``f``;
    ``needs_reposts``: it measures reposting, so a selection with no repost says so."""
    if basis not in BASES:
        raise ValueError(f"unknown coverage basis {basis!r}")  # a programming error, not a user's
    d = account_data(t, f)
    has_posts, has_snaps, has_follows = d["posts"] > 0, d["snapshots"] > 0, d["follows"] > 0
    has = {
        "roster": pd.Series(True, index=d.index),
        "creation": d["created"].astype(bool),
        "snapshots": has_snaps,
        "posts": has_posts,
        "posts_or_snapshots": has_posts | has_snaps,
        "follows": has_follows,
        "posts_or_follows": has_posts | has_follows,
    }[basis]
    if basis in ("snapshots", "creation"):
        lo, hi = d.loc[has_snaps, "first_snapshot"].min(), d.loc[has_snaps, "last_snapshot"].max()
    elif basis == "posts_or_snapshots":
        lo = min((v for v in (d["first_post"].min(), d["first_snapshot"].min()) if pd.notna(v)), default=None)
        hi = max((v for v in (d["last_post"].max(), d["last_snapshot"].max()) if pd.notna(v)), default=None)
    elif basis in ("roster", "follows"):
        lo = hi = None  # follow edges are dated by when a list was observed, not by a period of activity
    else:
        lo, hi = d.loc[has_posts, "first_post"].min(), d.loc[has_posts, "last_post"].max()
    missing = tuple(f"{p}:{h}" for p, h in zip(d.loc[~has, "platform"], d.loc[~has, "handle"], strict=True))
    return Coverage(
        basis=basis,
        accounts=int(has.sum()),
        selected=len(d),
        missing=missing,
        start=_iso(lo),
        end=_iso(hi),
        caveats=tuple(_caveats(d, basis, needs_reposts)),
    )


def _caveats(d: pd.DataFrame, basis: str, needs_reposts: bool) -> list[str]:
    out = []
    if basis in ("creation",) and (n := int((~d["created"].astype(bool)).sum())):
        out.append(f"Creation date unknown for {n:,} account(s).")
    if basis in ("posts", "posts_or_snapshots") and len(d) and int(d["posts"].sum()) == 0:
        out.append("No post by the selected accounts in the window, so nothing here can be measured.")
    elif needs_reposts and len(d) and int(d["reposts"].sum()) == 0:
        out.append(
            "No reposts by the selected accounts in the source, so amplification by reposting cannot be measured."
        )
    return out
