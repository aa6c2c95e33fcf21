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

The weights are checked on splits that hide accounts of one half of the roster and measured on
splits that hide accounts of the other half (``evaluate.py``; docs/discovery.md has the figures).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from diplotrack.discover.coverage import Coverage, follows_inside
from diplotrack.discover.graph import Edge, Roster, handle_ids, known_handles, read_edges, read_roster
from diplotrack.discover.handles import HandleHit, kind_words, learn, tokens
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
    use_follows: bool = True  # an evaluation ablation: the graph without the follow lists

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
    other_handles: list[str] = field(default_factory=list)  # earlier handles of the same id
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
            "other_handles": self.other_handles,
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
    """Candidates keyed by platform id where one is known (given, or the id that last held the
    handle: ``graph.handle_ids``), else by lower-case handle; so an account renamed since, or written
    in another case, is one candidate, and a roster account under a new handle is no candidate."""

    def __init__(self, roster: Roster, ids: dict[tuple[str, str], str]) -> None:
        self.roster = roster
        self.ids = ids
        self.by_key: dict[tuple[str, str], Candidate] = {}

    def _resolve(self, platform: str, user_id: str | None, handle: str | None) -> tuple[str | None, tuple[str, str]]:
        uid = user_id if user_id and not user_id.startswith("handle:") else None
        if uid is None and handle:
            uid = self.ids.get((platform, handle.lower()))
        if uid is not None:
            return uid, (platform, f"id:{uid}")
        return None, (platform, f"handle:{handle.lower()}") if handle else (platform, f"id:{user_id}")

    def held(self, platform: str, user_id: str | None, handle: str | None) -> bool:
        uid, _ = self._resolve(platform, user_id, handle)
        return self.roster.holds(platform, uid or user_id, handle)

    def find(self, platform: str, user_id: str | None, handle: str | None) -> Candidate | None:
        return self.by_key.get(self._resolve(platform, user_id, handle)[1])

    def get(self, platform: str, user_id: str | None, handle: str | None) -> Candidate | None:
        """The candidate for this account (made if new); None for a roster account."""
        uid, key = self._resolve(platform, user_id, handle)
        if self.roster.holds(platform, uid or user_id, handle):
            return None
        c = self.by_key.get(key)
        if c is None:
            c = self.by_key[key] = Candidate(platform, handle)
        if uid is not None:
            c.user_id = uid
        elif user_id and c.user_id is None:
            c.user_id = user_id
        if handle:
            c.handle = c.handle or handle
            if handle.lower() not in {h.lower() for h in (c.handle, *c.other_handles)}:
                c.other_handles.append(handle)
        return c

    def name_by_latest_handle(self, con: duckdb.DuckDBPyConnection) -> None:
        """Each candidate known by id shows the handle its id holds now (the latest the store saw)."""
        ids = {(c.platform, c.user_id) for c in self.by_key.values() if c.user_id}
        latest = known_handles(con, {(p, i) for p, i in ids if not i.startswith("handle:")})
        for c in self.by_key.values():
            now = latest.get((c.platform, c.user_id or ""))
            if now and c.handle and now.lower() != c.handle.lower():
                c.other_handles = [h for h in (c.handle, *c.other_handles) if h.lower() != now.lower()]
                c.handle = now
            elif now and not c.handle:
                c.handle = now


def discover(
    con: duckdb.DuckDBPyConnection,
    *,
    platforms: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    min_score: float = 0.0,
    limit: int | None = None,
    patterns: Patterns | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    coverage: Coverage | None = None,
) -> list[Candidate]:
    """Accounts outside the roster, best first (ties by handle), with score >= ``min_score``;
    ``coverage``, when given, is filled with what the store gave each signal."""
    roster = read_roster(con)
    if coverage is not None:
        coverage.roster_accounts = len(roster.accounts)
        coverage.follows_inside = follows_inside(con, roster, platforms) if roster.accounts else 0
    coverage = coverage if coverage is not None else Coverage()
    if not roster.accounts:
        return []
    patterns = patterns or load_patterns()
    pool = _Pool(roster, handle_ids(con, platforms))
    edges = [e for e in read_edges(con, roster, platforms) if weights.use_follows or e.relation != "follow"]
    for e in edges:
        coverage.relation(e.relation, e.actor_id, e.rows)
    _add_edges(con, pool, edges)
    if weights.use_links:
        _add_links(con, pool, platforms, coverage)
    if weights.use_profiles:
        _add_profiles(con, pool, patterns, platforms, coverage)
    pool.name_by_latest_handle(con)
    model = learn(
        ((a.platform, a.handle, a.kind) for a in roster.accounts),
        ((c.platform, c.handle or "") for c in pool.by_key.values()),
        kind_words(patterns),
    )
    observers = len({e.actor_id for e in edges})
    tau = max(weights.tau_min, weights.tau_share * observers)
    names = state_names_in_handles(patterns, roster.states)
    out = []
    for c in pool.by_key.values():
        _score(c, weights, tau, model.best(c.platform, c.handle))
        _guess(c, roster, names)
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
        rel = c.relations.setdefault(e.actor_id, {})
        rel[e.relation] = rel.get(e.relation, 0) + e.rows
        c.seen(e.first_at)
        c.seen(e.last_at)


def _add_links(con: duckdb.DuckDBPyConnection, pool: _Pool, platforms: tuple[str, ...], coverage: Coverage) -> None:
    profile_links: dict[int, tuple[Candidate, list[Any]]] = {}
    for row in read_links(con, pool.roster):
        if platforms and row.link.platform not in platforms:
            continue
        coverage.links += 1
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
            profile_links.setdefault(id(c), (c, []))[1].append(row)
    for c, rows in profile_links.values():
        own = [r for r in rows if r.where != "post"]
        in_posts = Counter(r.actor_id for r in rows if r.where == "post")
        strength = PROFILE_LINK if own else min(POST_LINK_MAX, 1 - (1 - POST_LINK_BASE) ** sum(in_posts.values()))
        c.components["link"] = strength
        actors = {r.actor_id for r in rows}
        if len(actors) == 1 and (own or max(in_posts.values(), default=0) >= 2):
            c.owner = actors.pop()


def _add_profiles(
    con: duckdb.DuckDBPyConnection, pool: _Pool, patterns: Patterns, platforms: tuple[str, ...], coverage: Coverage
) -> None:
    states = pool.roster.states
    for p in latest_profiles(con, platforms):
        handle = p.handle or (p.user_id[len("handle:") :] if p.user_id.startswith("handle:") else None)
        if pool.held(p.platform, p.user_id, handle):
            continue
        coverage.profiles += bool(p.display_name or p.description or p.location)
        coverage.labels += bool(p.verified_type)
        signal: ProfileSignal = read_profile(p, patterns, pool.roster, states)
        c = pool.find(p.platform, p.user_id, handle)
        if c is None and signal.strength <= 0 and signal.label <= 0:
            continue
        c = c or pool.get(p.platform, p.user_id, handle)
        if c is None:
            continue
        c.name = p.display_name or c.name
        c.seen(p.observed_at)
        if signal.strength > 0:
            c.components["profile"] = signal.strength
        if signal.label > 0:
            c.components["label"] = signal.label
        if signal.kind:
            c.kind, c.kind_basis = signal.kind, "profile"
        if signal.state:
            c.state, c.state_basis = signal.state, "profile"
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


def _guess(c: Candidate, roster: Roster, names: dict[str, str]) -> None:
    """State, kind and host from evidence that names them: the owner's (a roster actor linking to it
    as its own), else the profile's, else a handle that begins with a roster state's name and says a
    kind (``ChinaEmbAddis``). Being followed or mentioned by a state's accounts names no state: an
    ambassador accredited TO the state (``USAmbChina``) is pointed at by it too. Without evidence the
    state stays unknown, and the host is never the state itself."""
    if c.owner is not None:
        owner = next(a for a in roster.accounts if a.actor_id == c.owner)
        c.kind, c.kind_basis = owner.kind, f"the linking actor {owner.actor_id}"
        c.state, c.host_country, c.state_basis = owner.state, owner.host_country, "the linking actor"
        return
    if c.state is None and c.kind is not None and c.handle:
        found = _state_in_handle(c.handle, names)
        if found is not None:
            c.state, c.state_basis = found[0], f"handle begins with '{found[1]}'"
    if c.host_country is None and c.kind in HOST_COUNTRY_KINDS and c.handle:
        found = _country_in_handle(c.handle, c.state)
        if found is not None:
            c.host_country = found[0]
            c.evidence.append({"signal": "host", "field": "handle", "country": found[0], "text": found[1]})


def state_names_in_handles(patterns: Patterns, states: tuple[str, ...]) -> dict[str, str]:
    """The names a handle may begin with for each roster state (lower case, letters only -> code): the
    patterns' names of the state, its country names and its alpha-3 code (``china``, ``prc``, ``chn``)."""
    import pycountry

    out: dict[str, str] = {}
    for name, code in country_names().items():
        if code in states:
            out[name] = code
    for term in patterns.state_names:
        if term.state in states:
            out[term.text.lower()] = term.state
    for code in states:
        if (country := pycountry.countries.get(alpha_2=code)) is not None:
            out[country.alpha_3.lower()] = code
    return {re.sub(r"[^a-z]", "", k): v for k, v in out.items() if len(re.sub(r"[^a-z]", "", k)) >= 2}


def _state_in_handle(handle: str, names: dict[str, str]) -> tuple[str, str] | None:
    """The roster state whose name is the handle's first token (``CHN_UN_NY``), or begins a handle
    written without case changes (``chinaembmanila``: names of four letters or more)."""
    first = tokens(handle)[:1]
    if first and first[0] in names:
        return names[first[0]], first[0]
    low = re.sub(r"[^a-z]", "", handle.lower())
    best = max((n for n in names if len(n) >= 4 and low.startswith(n)), key=len, default=None)
    return (names[best], best) if best else None


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
