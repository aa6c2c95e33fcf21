"""Discovery: accounts outside the roster that look like the roster's, each with a score in [0, 1]
and the evidence behind it (docs/discovery.md has the formula and the measured recall/precision).

Each signal gives a component in [0, 1]; the score is their noisy-or, ``1 - Π(1 - c)``:

- graph: the distinct roster actors that point at the account, each counted once with the weight of
  its strongest relation (follow 1.0, repost 0.8, quote 0.8, mention 0.6, link to a post 0.5,
  reply 0.5); their sum ``W`` gives ``1 - exp(-W / τ)`` with ``τ`` a tenth of the roster actors seen
  pointing at anyone, at least 2 (so one actor alone never gives more than 0.39): with 45 observed
  actors, 1 actor following gives 0.20, 3 give 0.49, 10 give 0.89;
- handle: the learned handle pattern (``handles.py``) times 0.6;
- profile, label, link: as ``profile_signals.py`` and ``links.py`` give them.

Nothing is tuned on the evaluation: the weights were set on one family of random splits and
evaluated on another (``evaluate.py``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from diplotrack.discover.graph import Edge, Roster, known_handles, read_edges, read_roster
from diplotrack.discover.handles import HandleHit, learn
from diplotrack.discover.links import POST_LINK_BASE, POST_LINK_MAX, PROFILE_LINK, read_links
from diplotrack.discover.patterns import Patterns, country_names, load_patterns
from diplotrack.discover.profile_signals import ProfileSignal, latest_profiles, read_profile
from diplotrack.roster.model import HOST_COUNTRY_KINDS


@dataclass(frozen=True, slots=True)
class Weights:
    follow: float = 1.0
    repost: float = 0.8
    quote: float = 0.8
    mention: float = 0.6
    link: float = 0.5
    reply: float = 0.5
    tau_share: float = 0.1
    tau_min: float = 2.0
    handle: float = 0.6
    use_profiles: bool = True
    use_links: bool = True

    def relation(self, name: str) -> float:
        return float(getattr(self, name))


DEFAULT_WEIGHTS = Weights()


@dataclass(slots=True)
class Candidate:
    platform: str
    handle: str | None
    user_id: str | None = None
    score: float = 0.0
    components: dict[str, float] = field(default_factory=dict)
    relations: dict[str, dict[str, int]] = field(default_factory=dict)  # actor -> relation -> rows
    kind: str | None = None
    kind_basis: str | None = None
    state: str | None = None
    state_basis: str | None = None
    host_country: str | None = None
    host_city: str | None = None
    name: str | None = None
    owner: str | None = None  # the roster actor that likely holds it (links)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def key(self) -> str:
        """Stable within a store: the platform id when known, else the handle (lower case)."""
        if self.user_id and not self.user_id.startswith("handle:"):
            return f"{self.platform}:{self.user_id}"
        return f"{self.platform}:handle:{(self.handle or '').lower()}"

    @property
    def actors(self) -> list[str]:
        return sorted(self.relations)

    def seen(self, at: object) -> None:
        if isinstance(at, datetime):
            self.first_seen = at if self.first_seen is None else min(self.first_seen, at)
            self.last_seen = at if self.last_seen is None else max(self.last_seen, at)

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "handle": self.handle,
            "user_id": self.user_id,
            "score": self.score,
            "components": self.components,
            "kind": self.kind,
            "kind_basis": self.kind_basis,
            "state": self.state,
            "state_basis": self.state_basis,
            "host_country": self.host_country,
            "host_city": self.host_city,
            "name": self.name,
            "owner_actor_id": self.owner,
            "roster_actors": {a: dict(r) for a, r in sorted(self.relations.items())},
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "evidence": self.evidence,
        }


class _Pool:
    """Candidates by (platform, lower handle), falling back to (platform, id:<id>)."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self.by_key: dict[tuple[str, str], Candidate] = {}

    def get(self, platform: str, user_id: str | None, handle: str | None) -> Candidate | None:
        if self.roster.holds(platform, user_id, handle):
            return None
        key = (platform, handle.lower()) if handle else (platform, f"id:{user_id}")
        c = self.by_key.get(key)
        if c is None:
            c = self.by_key[key] = Candidate(platform, handle)
        if user_id and (c.user_id is None or c.user_id.startswith("handle:")):
            c.user_id = user_id
        return c


def discover(
    con: duckdb.DuckDBPyConnection,
    *,
    platforms: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    min_score: float = 0.0,
    limit: int | None = None,
    patterns: Patterns | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Candidate]:
    """Accounts outside the roster, best first (ties by handle), with score >= ``min_score``."""
    roster = read_roster(con)
    if not roster.accounts:
        return []
    patterns = patterns or load_patterns()
    pool = _Pool(roster)
    edges = read_edges(con, roster, platforms)
    _add_edges(con, pool, edges)
    if weights.use_links:
        _add_links(con, pool, platforms)
    if weights.use_profiles:
        _add_profiles(con, pool, patterns, platforms)
    model = learn(
        ((a.platform, a.handle, a.kind) for a in roster.accounts),
        ((c.platform, c.handle or "") for c in pool.by_key.values()),
    )
    observers = len({e.actor_id for e in edges})
    tau = max(weights.tau_min, weights.tau_share * observers)
    actor_state = {a.actor_id: a.state for a in roster.accounts}
    out = []
    for c in pool.by_key.values():
        _score(c, weights, tau, model.best(c.platform, c.handle))
        _guess(c, roster, actor_state)
        if c.score >= min_score and (not states or c.state in states):
            out.append(c)
    out.sort(key=lambda c: (-c.score, -len(c.relations), (c.handle or c.user_id or "").lower()))
    return out[:limit] if limit else out


def _add_edges(con: duckdb.DuckDBPyConnection, pool: _Pool, edges: list[Edge]) -> None:
    ids = {(e.platform, e.target_id) for e in edges if e.target_handle is None and e.target_id}
    handles = known_handles(con, ids)
    for e in edges:
        handle = e.target_handle or (handles.get((e.platform, e.target_id)) if e.target_id else None)
        c = pool.get(e.platform, e.target_id, handle)
        if c is None:
            continue
        if handle and c.handle is None:
            c.handle = handle
        rel = c.relations.setdefault(e.actor_id, {})
        rel[e.relation] = rel.get(e.relation, 0) + e.rows
        c.seen(e.first_at)
        c.seen(e.last_at)


def _add_links(con: duckdb.DuckDBPyConnection, pool: _Pool, platforms: tuple[str, ...]) -> None:
    profile_links: dict[tuple[str, str], list[Any]] = {}
    for row in read_links(con, pool.roster):
        if platforms and row.link.platform not in platforms:
            continue
        c = pool.get(row.link.platform, None, row.link.handle)
        if c is None:
            continue
        c.seen(row.at)
        c.evidence.append(
            {
                "signal": "link",
                "actor_id": row.actor_id,
                "from": f"{row.from_platform}:{row.from_handle}",
                "where": row.where,
                "url": row.url,
                "to_post": row.link.post,
            }
        )
        if row.link.post:
            rel = c.relations.setdefault(row.actor_id, {})
            rel["link"] = rel.get("link", 0) + 1
        else:
            profile_links.setdefault((c.platform, (c.handle or "").lower()), []).append(row)
    for (platform, handle), rows in profile_links.items():
        c = pool.by_key[(platform, handle)]
        own = [r for r in rows if r.where != "post"]
        in_posts = Counter(r.actor_id for r in rows if r.where == "post")
        strength = PROFILE_LINK if own else min(POST_LINK_MAX, 1 - (1 - POST_LINK_BASE) ** sum(in_posts.values()))
        c.components["link"] = strength
        actors = {r.actor_id for r in rows}
        if len(actors) == 1 and (own or max(in_posts.values(), default=0) >= 2):
            c.owner = actors.pop()


def _add_profiles(con: duckdb.DuckDBPyConnection, pool: _Pool, patterns: Patterns, platforms: tuple[str, ...]) -> None:
    states = pool.roster.states
    for p in latest_profiles(con, platforms):
        if pool.roster.holds(p.platform, p.user_id, p.handle):
            continue
        handle = p.handle or (p.user_id[len("handle:") :] if p.user_id.startswith("handle:") else None)
        key = (p.platform, handle.lower()) if handle else (p.platform, f"id:{p.user_id}")
        signal: ProfileSignal = read_profile(p, patterns, pool.roster, states)
        c = pool.by_key.get(key) or pool.by_key.get((p.platform, f"id:{p.user_id}"))
        if c is None and signal.strength <= 0 and signal.label <= 0:
            continue
        c = c or pool.get(p.platform, p.user_id, handle)
        if c is None:
            continue
        if handle and c.handle is None:
            c.handle = handle
        if not p.user_id.startswith("handle:"):
            c.user_id = p.user_id
        c.name = p.display_name or c.name
        c.seen(p.observed_at)
        if signal.strength > 0:
            c.components["profile"] = signal.strength
        if signal.label > 0:
            c.components["label"] = signal.label
        if signal.kind:
            c.kind, c.kind_basis = signal.kind, "profile"
        c.state = signal.state or c.state
        c.host_country, c.host_city = signal.host_country, signal.host_city
        c.evidence += signal.evidence


def _score(c: Candidate, w: Weights, tau: float, hit: HandleHit | None) -> None:
    total = sum(max(w.relation(r) for r in rels) for rels in c.relations.values())
    if total > 0:
        c.components["graph"] = round(1 - math.exp(-total / tau), 4)
        c.evidence.insert(
            0,
            {
                "signal": "graph",
                "actors": len(c.relations),
                "weighted": round(total, 3),
                "relations": {a: dict(r) for a, r in sorted(c.relations.items())},
            },
        )
    if hit is not None and w.handle > 0:
        c.components["handle"] = round(w.handle * hit.strength, 4)
        c.evidence.append(
            {
                "signal": "handle",
                "token": hit.token,
                "strength": hit.strength,
                "roster_examples": list(hit.roster_examples),
                "kind_hint": hit.kind,
            }
        )
        if c.kind is None and hit.kind is not None:
            c.kind, c.kind_basis = hit.kind, f"handle pattern '{hit.kind_token}'"
    rest = 1.0
    for value in c.components.values():
        rest *= 1 - min(max(value, 0.0), 1.0)
    c.score = round(1 - rest, 4)


def _guess(c: Candidate, roster: Roster, actor_state: dict[str, str]) -> None:
    """State, kind and host from the evidence: the owner's, else the profile's and the handle's,
    else the states of the roster actors pointing at it."""
    if c.owner is not None:
        owner = next(a for a in roster.accounts if a.actor_id == c.owner)
        c.kind, c.kind_basis = owner.kind, f"the linking actor {owner.actor_id}"
        c.state, c.host_country, c.state_basis = owner.state, owner.host_country, "the linking actor"
        return
    if c.state is not None:
        c.state_basis = "profile"
    else:
        states = Counter(actor_state[a] for a in c.relations if a in actor_state)
        if states:
            c.state, c.state_basis = states.most_common(1)[0][0], "the roster actors pointing at it"
        elif len(roster.states) == 1:
            c.state, c.state_basis = roster.states[0], "the roster's only state"
    if c.host_country is None and c.kind in HOST_COUNTRY_KINDS and c.handle:
        found = _country_in_handle(c.handle, c.state)
        if found is not None:
            c.host_country = found[0]
            c.evidence.append({"signal": "host", "field": "handle", "country": found[0], "text": found[1]})


def _country_in_handle(handle: str, state: str | None) -> tuple[str, str] | None:
    """A country name of five letters or more inside the handle (``ChinaEmbKenya``), not the state's own."""
    low = re.sub(r"[^a-z]", "", handle.lower())
    best: tuple[str, str] | None = None
    for name, code in country_names().items():
        plain = name.replace(" ", "")
        fits = len(plain) >= 5 and plain.isascii() and plain.isalpha() and plain in low and code != state
        if fits and (best is None or len(plain) > len(best[1])):
            best = (code, plain)
    return best
