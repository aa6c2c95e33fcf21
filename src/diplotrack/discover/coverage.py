"""What the store gave discovery to read, so that a figure ("5 candidates") comes with what stood
behind it: the rows of each relation that point from a roster actor to an account outside the
roster, and from how many roster actors; the profiles outside the roster with text or a platform
label; the links from roster accounts to other accounts. ``score.discover`` fills a ``Coverage``
as it reads (nothing is queried twice); ``platforms_without_data`` says which asked-for platforms
the store holds nothing about at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb

from diplotrack.discover.graph import RELATIONS, Roster

_RELATION_NAMES = {
    "follow": "follows",
    "repost": "reposts",
    "quote": "quotes",
    "reply": "replies",
    "mention": "mentions",
}


@dataclass(slots=True)
class Coverage:
    roster_accounts: int = 0
    rows: Counter[str] = field(default_factory=Counter)  # relation -> rows pointing outside the roster
    actors: dict[str, set[str]] = field(default_factory=dict)  # relation -> roster actors behind them
    profiles: int = 0  # accounts outside the roster whose latest profile has a name, bio or location
    labels: int = 0  # ... that carry a platform label (verified_type)
    links: int = 0  # links from roster accounts' profiles and posts to accounts on a known platform
    follows_inside: int = 0  # follow edges from one roster account to another (no candidate in them)

    def relation(self, relation: str, actor_id: str, rows: int) -> None:
        self.rows[relation] += rows
        self.actors.setdefault(relation, set()).add(actor_id)

    def line(self) -> str:
        """``signals with data: to accounts outside the roster, follows 0 (1,075 among roster accounts),
        mentions 231 from 4 roster actor(s), ...; profiles ...``"""
        parts = []
        for relation in RELATIONS:
            n, actors = self.rows.get(relation, 0), len(self.actors.get(relation, ()))
            name = _RELATION_NAMES[relation]
            part = f"{name} {n:,} from {actors} roster actor(s)" if n else f"{name} 0"
            if relation == "follow" and self.follows_inside:
                part += f" ({self.follows_inside:,} among roster accounts)"
            parts.append(part)
        return (
            f"signals with data: to accounts outside the roster, {', '.join(parts)}; "
            f"profiles with a name, bio or location: {self.profiles:,}; "
            f"platform labels: {self.labels:,}; links from roster accounts to other accounts: {self.links:,}"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "roster_accounts": self.roster_accounts,
            "relations": {
                r: {"rows": self.rows.get(r, 0), "roster_actors": len(self.actors.get(r, ()))} for r in RELATIONS
            },
            "profiles": self.profiles,
            "labels": self.labels,
            "links": self.links,
            "follows_among_roster_accounts": self.follows_inside,
        }


def follows_inside(con: duckdb.DuckDBPyConnection, roster: Roster, platforms: tuple[str, ...]) -> int:
    """Follow edges whose follower and followed are both roster accounts (by id or ``user_key``)."""
    keys = sorted({f"{p}:{k}" for p, k in roster.by_id if not platforms or p in platforms})
    if not keys:
        return 0
    row = con.execute(
        """WITH r AS (SELECT unnest(?) AS k)
           SELECT count(*) FROM follow_edges f
           JOIN r a ON a.k = f.platform || ':' || f.follower_id
           JOIN r b ON b.k = f.platform || ':' || f.followed_id""",
        [keys],
    ).fetchone()
    return int(row[0]) if row else 0


def platforms_without_data(con: duckdb.DuckDBPyConnection, platforms: tuple[str, ...]) -> list[str]:
    """Those of ``platforms`` with no row in the store: no roster account, post, follow edge or
    profile snapshot (a link from another platform's profile can still name an account there)."""
    if not platforms:
        return []
    rows = con.execute(
        """SELECT DISTINCT platform FROM (
               SELECT platform FROM accounts UNION ALL SELECT platform FROM posts
               UNION ALL SELECT platform FROM follow_edges UNION ALL SELECT platform FROM profile_snapshots)
           WHERE list_contains(?, platform)""",
        [list(platforms)],
    ).fetchall()
    held = {r[0] for r in rows}
    return [p for p in platforms if p not in held]
