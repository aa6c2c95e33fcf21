"""Who the roster points at: accounts outside the roster that roster accounts follow, mention,
repost, quote or reply to, with the distinct roster actors behind each relation.

Everything is aggregated in the store (one query per relation, grouped by target and roster actor),
so the rows that reach Python are (target, actor, relation) pairs, not posts. A roster account is
recognised by its user id, its ``user_key`` or its handle (ignoring case); so is a target that is in
the roster, which is left out. A target is named by its handle where any row gives one (mentions
only give handles), else by its id; ``handle_ids`` gives the id that last held a handle, so that
``score._Pool`` keeps one candidate per account across renames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from diplotrack.records import handle_key

RELATIONS = ("follow", "repost", "quote", "reply", "mention")
_BY_ID = "_discover_roster_by_id"
_BY_HANDLE = "_discover_roster_by_handle"


@dataclass(slots=True)
class RosterAccount:
    platform: str
    handle: str
    user_id: str | None
    user_key: str
    actor_id: str
    kind: str
    state: str
    host_country: str | None


@dataclass(slots=True)
class Edge:
    """One roster actor's relation to one target, with how many rows say it and when."""

    platform: str
    target_id: str | None
    target_handle: str | None
    actor_id: str
    relation: str
    rows: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(slots=True)
class Roster:
    accounts: list[RosterAccount]
    by_handle: dict[tuple[str, str], RosterAccount] = field(default_factory=dict)
    by_id: dict[tuple[str, str], RosterAccount] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for a in self.accounts:
            self.by_handle[(a.platform, a.handle.lower())] = a
            for key in {a.user_key, a.user_id, handle_key(a.handle)} - {None}:
                self.by_id[(a.platform, str(key))] = a

    def holds(self, platform: str, user_id: str | None, handle: str | None) -> bool:
        return (handle is not None and (platform, handle.lower()) in self.by_handle) or (
            user_id is not None and (platform, user_id) in self.by_id
        )

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(sorted({a.state for a in self.accounts}))


def read_roster(con: duckdb.DuckDBPyConnection) -> Roster:
    rows = con.execute(
        """SELECT a.platform, a.handle, a.user_id, a.user_key, a.actor_id, r.kind, r.state, r.host_country
           FROM accounts a JOIN actors r USING (actor_id) ORDER BY a.platform, lower(a.handle)"""
    ).fetchall()
    return Roster([RosterAccount(*r) for r in rows])


def _register(con: duckdb.DuckDBPyConnection, roster: Roster) -> None:
    ids = [(p, k, a.actor_id) for (p, k), a in roster.by_id.items()]
    handles = [(p, h, a.actor_id) for (p, h), a in roster.by_handle.items()]
    for name, rows, col in ((_BY_ID, ids, "k"), (_BY_HANDLE, handles, "h")):
        con.register(
            name,
            pa.table(
                {
                    "platform": pa.array([r[0] for r in rows], pa.string()),
                    col: pa.array([r[1] for r in rows], pa.string()),
                    "actor_id": pa.array([r[2] for r in rows], pa.string()),
                }
            ),
        )


def _actor(alias: str, id_col: str, handle_col: str) -> tuple[str, str]:
    """The roster actor of a row's (id, handle) pair: the joins and the expression."""
    joins = (
        f"LEFT JOIN {_BY_ID} {alias}i ON {alias}i.platform = x.platform AND {alias}i.k = {id_col} "
        f"LEFT JOIN {_BY_HANDLE} {alias}h ON {alias}h.platform = x.platform AND {alias}h.h = lower({handle_col}) "
    )
    return joins, f"coalesce({alias}i.actor_id, {alias}h.actor_id)"


def _query(
    source: str, src_id: str, src_handle: str, tgt_id: str, tgt_handle: str, when: str, relation: str, shown: str = ""
) -> str:
    """One relation's (target, actor) pairs; ``shown`` is the handle as written where ``tgt_handle``
    is a lower-cased form (mentions: the case carries the handle's tokens)."""
    src_joins, src_actor = _actor("s", src_id, src_handle)
    tgt_joins, tgt_actor = _actor("t", tgt_id, tgt_handle)
    return f"""
        SELECT x.platform, {tgt_id} AS target_id, any_value({shown or tgt_handle}) AS target_handle,
               {src_actor} AS actor_id, '{relation}' AS relation, count(*) AS n,
               min({when}) AS first_at, max({when}) AS last_at
        FROM {source} x {src_joins} {tgt_joins}
        WHERE {src_actor} IS NOT NULL AND {tgt_actor} IS NULL
          AND coalesce({tgt_id}, {tgt_handle}) IS NOT NULL
        GROUP BY x.platform, {tgt_id}, lower({tgt_handle}), {src_actor}
    """


def _queries(platforms: tuple[str, ...]) -> dict[str, str]:
    marks = ", ".join("?" for _ in platforms)
    where = f"WHERE platform IN ({marks})" if platforms else ""
    posts = f"(SELECT * FROM posts {where})"
    follows = f"(SELECT * FROM follow_edges {where})"
    mentions = f"""(SELECT p.platform, p.author_id, p.author_handle, p.created_at, e.normalized, e.value
                    FROM post_entities e JOIN posts p USING (platform, post_id)
                    WHERE e.type = 'mention' {f"AND p.platform IN ({marks})" if platforms else ""})"""
    q = {
        "follow": _query(
            follows,
            "x.follower_id",
            "x.follower_handle",
            "x.followed_id",
            "x.followed_handle",
            "x.observed_at",
            "follow",
        ),
        "mention": _query(
            mentions,
            "x.author_id",
            "x.author_handle",
            "NULL::VARCHAR",
            "x.normalized",
            "x.created_at",
            "mention",
            shown="ltrim(x.value, '@')",
        ),
    }
    for relation, column in (("repost", "reposted"), ("quote", "quoted"), ("reply", "replied_to")):
        q[relation] = _query(
            posts, "x.author_id", "x.author_handle", f"x.{column}_author_id", "NULL::VARCHAR", "x.created_at", relation
        )
    return q


def read_edges(con: duckdb.DuckDBPyConnection, roster: Roster, platforms: tuple[str, ...] = ()) -> list[Edge]:
    """Every (target outside the roster, roster actor, relation) the store holds."""
    _register(con, roster)
    edges: list[Edge] = []
    try:
        for relation, sql in _queries(platforms).items():
            for r in con.execute(sql, list(platforms)).fetchall():
                target_id, target_handle = r[1], r[2]
                if relation == "mention" and (not target_handle or target_handle.startswith("did:")):
                    target_id, target_handle = (target_handle, None) if target_handle else (None, None)
                edges.append(Edge(r[0], target_id, target_handle, r[3], relation, int(r[5]), r[6], r[7]))
    finally:
        con.unregister(_BY_ID)
        con.unregister(_BY_HANDLE)
    return edges


def known_handles(con: duckdb.DuckDBPyConnection, ids: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The latest handle the store knows for each (platform, user id): profile snapshots first, then
    post authors; an id ``handle:<name>`` names its handle itself."""
    out: dict[tuple[str, str], str] = {}
    wanted = [(p, i) for p, i in ids if not i.startswith("handle:")]
    for p, i in ids:
        if i.startswith("handle:"):
            out[(p, i)] = i[len("handle:") :]
    if not wanted:
        return out
    table = pa.table({"platform": [p for p, _ in wanted], "user_id": [i for _, i in wanted]})
    con.register("_discover_ids", table)
    try:
        rows = con.execute(
            """SELECT w.platform, w.user_id,
                      coalesce((SELECT arg_max(s.handle, s.observed_at) FROM profile_snapshots s
                                WHERE s.platform = w.platform AND s.user_id = w.user_id AND s.handle IS NOT NULL),
                               (SELECT any_value(p.author_handle) FROM posts p
                                WHERE p.platform = w.platform AND p.author_id = w.user_id))
               FROM _discover_ids w"""
        ).fetchall()
    finally:
        con.unregister("_discover_ids")
    out.update({(p, i): h for p, i, h in rows if h})
    return out


def handle_ids(con: duckdb.DuckDBPyConnection, platforms: tuple[str, ...] = ()) -> dict[tuple[str, str], str]:
    """(platform, lower-case handle) -> the platform id that last held that handle, from profile
    snapshots, post authors and follow edges: a mention or a link names a handle, and an account
    renamed since is still the one account (its id). A placeholder id (``handle:...``) is no id."""
    where = f"AND platform IN ({', '.join('?' for _ in platforms)})" if platforms else ""
    rows = con.execute(
        f"""SELECT platform, lower(h), arg_max(id, seen) FROM (
                SELECT platform, handle AS h, user_id AS id, observed_at AS seen FROM profile_snapshots
                UNION ALL SELECT platform, author_handle, author_id, created_at FROM posts
                UNION ALL SELECT platform, followed_handle, followed_id, observed_at FROM follow_edges
                UNION ALL SELECT platform, follower_handle, follower_id, observed_at FROM follow_edges)
            WHERE h IS NOT NULL AND id IS NOT NULL AND NOT starts_with(id, 'handle:') {where}
            GROUP BY ALL""",
        list(platforms),
    ).fetchall()
    return {(p, h): i for p, h, i in rows if i is not None}
