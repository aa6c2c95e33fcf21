"""Presence per platform for ``diplotrack roster list``: each account with since when it is present,
each actor with the platforms it is on, and each platform's counts, as plain rows (for a table or
JSON). The figures come from the presence analyses (``analyses/presence.py``: ``account_presence``
and ``presence_by_platform``), so the command and the report say the same.

"Since" is the account's creation date where a profile snapshot gives it, else its first post in
the store, else unknown (``since`` None, ``since_basis`` 'unknown'): never 0 and never a blank that
reads as "none". The analyses (and Ibis) are imported when a listing is made, not with the roster.
"""

from __future__ import annotations

from typing import Any

import duckdb

from diplotrack.roster.store import list_accounts

VIEWS = ("account", "actor", "platform")
SINCE_COLUMNS = ("created_at", "first_post_at", "posts", "snapshots", "since", "since_basis")


def _iso(value: Any) -> str | None:
    """A timestamp as ISO text (the day alone at midnight); None when missing."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _tables(con: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    from diplotrack.analyses.base import Filters, tables_from_duckdb

    return tables_from_duckdb(con), Filters()


def account_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every account as ``list_accounts`` gives it, with created_at, first_post_at, posts, snapshots,
    since and since_basis (ordered by platform, then handle ignoring case)."""
    from diplotrack.analyses import presence

    t, f = _tables(con)
    df = presence.account_presence(t, f).to_pandas()
    found = {
        (p, h): (c, fp, int(n), int(s), since, basis)
        for p, h, c, fp, n, s, since, basis in zip(
            df["platform"], df["handle"], df["created_at"], df["first_post_at"], df["posts"], df["snapshots"],
            df["since"], df["since_basis"], strict=True,
        )
    }  # fmt: skip
    rows = list_accounts(con)
    for row in rows:
        c, fp, n, s, since, basis = found.get((row["platform"], row["handle"]), (None, None, 0, 0, None, "unknown"))
        row.update(created_at=_iso(c), first_post_at=_iso(fp), posts=n, snapshots=s, since=_iso(since))
        row["since_basis"] = basis
    return rows


def since_words(row: dict[str, Any]) -> str:
    """'2019-08-01 (created)', '2023-01-05 (first post)' or 'unknown'."""
    if row["since"] is None:
        return "unknown"
    return f"{str(row['since'])[:10]} ({row['since_basis']})"


def actor_rows(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per actor (ordered by actor id): its facts, the platforms it is on (in the registry's
    order), its accounts with their since, and the earliest since of them (with its platform)."""
    from diplotrack.platforms import PLATFORMS

    order = {p: i for i, p in enumerate(PLATFORMS)}
    actors: dict[str, dict[str, Any]] = {}
    for r in accounts:
        a = actors.setdefault(
            str(r["actor_id"]),
            {k: r[k] for k in ("actor_id", "name", "kind", "institutional", "state", "host_country", "host_city")}
            | {"platforms": [], "accounts": []},
        )
        a["accounts"].append({k: r[k] for k in ("platform", "handle", "user_id", "since", "since_basis")})
    for a in actors.values():
        a["accounts"].sort(key=lambda x: (order.get(x["platform"], len(order)), x["platform"], x["handle"].lower()))
        a["platforms"] = list(dict.fromkeys(x["platform"] for x in a["accounts"]))
        dated = [x for x in a["accounts"] if x["since"] is not None]
        first = min(dated, key=lambda x: x["since"]) if dated else None
        a["since"] = first["since"] if first else None
        a["since_platform"] = first["platform"] if first else None
        a["since_basis"] = first["since_basis"] if first else "unknown"
    return [actors[k] for k in sorted(actors)]


def platform_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """``presence_by_platform`` over the whole roster: one row per platform, dates as ISO text or None."""
    from diplotrack.analyses import presence

    t, f = _tables(con)
    df = presence.presence_by_platform(t, f).to_pandas()
    dates = ("created_from", "created_to", "first_post_from", "first_post_to")
    out = []
    for row in df.to_dict("records"):
        out.append(
            {k: (_iso(v) if k in dates else int(v) if isinstance(v, int | float) else v) for k, v in row.items()}
        )
    return out


def range_words(first: str | None, last: str | None, tracked: bool) -> str:
    """'2019-08-01 to 2021-03-01', one day, 'unknown' (tracked, no date) or 'n/a' (not tracked)."""
    if not tracked:
        return "n/a"
    if first is None:
        return "unknown"
    a, b = str(first)[:10], str(last)[:10]
    return a if a == b else f"{a} to {b}"
