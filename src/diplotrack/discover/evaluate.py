"""Measuring discovery: hide a share of the roster's accounts, discover from the rest, and see where
the hidden ones rank (docs/discovery.md gives the protocol and the figures).

A hidden account is removed as if it had never been tracked: its row in ``accounts`` (and its actor
when that actor has no other account left), every post it wrote and those posts' entities, the
follow edges it is the follower of, and every profile snapshot of it (the bundled roster's snapshot
files, and anything its own collection would have brought). What the remaining roster accounts and
third parties say about it stays: their follows of it, their mentions, reposts, quotes and replies.

The store is read once into an in-memory database (only the tables discovery reads); each split
rebuilds those tables from it with the hidden accounts left out, so a split costs a fraction of a
second and the store itself is never written.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from diplotrack.discover.score import DEFAULT_WEIGHTS, Weights, discover
from diplotrack.store.db import open_store_read_only

TABLES = ("actors", "accounts", "posts", "post_entities", "follow_edges", "profile_snapshots")
KS = (10, 20, 50)
PRECISION_AT = 20


@dataclass(frozen=True, slots=True)
class SplitResult:
    seed: int
    hidden: tuple[str, ...]  # lower-case handles
    ranks: dict[str, int | None]  # hidden handle -> 1-based rank among candidates, None when not found
    candidates: int
    recall: dict[int, float]
    precision: float

    @property
    def reachable(self) -> int:
        return sum(r is not None for r in self.ranks.values())


class Holdout:
    """A store's discovery tables, in memory, ready to be split again and again."""

    def __init__(self, db: str | Path, platform: str = "x") -> None:
        self.platform = platform
        self.con = duckdb.connect()
        store = open_store_read_only(db)  # an older store is migrated first, as every command does
        try:
            for t in TABLES:
                self.con.register("_store_table", store.execute(f"SELECT * FROM {t}").fetch_arrow_table())
                self.con.execute(f"CREATE TABLE full_{t} AS SELECT * FROM _store_table")
                self.con.unregister("_store_table")
        finally:
            store.close()
        self.pool = [
            r[0]
            for r in self.con.execute(
                "SELECT handle FROM full_accounts WHERE platform = ? ORDER BY lower(handle)", [platform]
            ).fetchall()
        ]

    def close(self) -> None:
        self.con.close()

    def hide(self, hidden: Sequence[str]) -> None:
        """Rebuild the working tables without the ``hidden`` accounts (handles on ``self.platform``)."""
        c = self.con
        c.execute("CREATE OR REPLACE TEMP TABLE hidden (h VARCHAR)")
        c.executemany("INSERT INTO hidden VALUES (?)", [[h.lower()] for h in hidden])
        c.execute(
            """CREATE OR REPLACE TEMP TABLE hidden_keys AS
               SELECT platform, user_key AS k FROM full_accounts
               WHERE platform = ? AND lower(handle) IN (SELECT h FROM hidden)
               UNION SELECT platform, user_id FROM full_accounts
                     WHERE platform = ? AND user_id IS NOT NULL AND lower(handle) IN (SELECT h FROM hidden)
               UNION SELECT ?, 'handle:' || h FROM hidden""",
            [self.platform, self.platform, self.platform],
        )
        p = self.platform
        c.execute(
            "CREATE OR REPLACE TABLE accounts AS SELECT * FROM full_accounts "
            "WHERE NOT (platform = ? AND lower(handle) IN (SELECT h FROM hidden))",
            [p],
        )
        c.execute(
            "CREATE OR REPLACE TABLE actors AS SELECT * FROM full_actors "
            "WHERE actor_id IN (SELECT actor_id FROM accounts)"
        )
        c.execute(
            """CREATE OR REPLACE TABLE posts AS SELECT * FROM full_posts x
               WHERE NOT (x.platform = ? AND (x.author_id IN (SELECT k FROM hidden_keys)
                          OR lower(x.author_handle) IN (SELECT h FROM hidden)))""",
            [p],
        )
        c.execute(
            "CREATE OR REPLACE TABLE post_entities AS "
            "SELECT * FROM full_post_entities SEMI JOIN posts USING (platform, post_id)"
        )
        c.execute(
            """CREATE OR REPLACE TABLE follow_edges AS SELECT * FROM full_follow_edges x
               WHERE NOT (x.platform = ? AND (x.follower_id IN (SELECT k FROM hidden_keys)
                          OR lower(x.follower_handle) IN (SELECT h FROM hidden)))""",
            [p],
        )
        c.execute(
            """CREATE OR REPLACE TABLE profile_snapshots AS SELECT * FROM full_profile_snapshots x
               WHERE NOT (x.platform = ? AND (x.user_id IN (SELECT k FROM hidden_keys)
                          OR lower(x.handle) IN (SELECT h FROM hidden)))""",
            [p],
        )

    def split(self, seed: int, share: float = 0.2) -> list[str]:
        rng = random.Random(seed)
        n = max(1, round(share * len(self.pool)))
        return sorted(rng.sample(self.pool, n), key=str.lower)

    def run(
        self, seed: int, share: float = 0.2, weights: Weights = DEFAULT_WEIGHTS, *, shuffle: bool = False
    ) -> SplitResult:
        """One split; ``shuffle`` ranks the candidates at random instead (the baseline a score must beat)."""
        hidden = self.split(seed, share)
        self.hide(hidden)
        found = discover(self.con, platforms=(self.platform,), weights=weights)
        if shuffle:
            random.Random(seed).shuffle(found)
        order = {(c.handle or "").lower(): i + 1 for i, c in enumerate(found)}
        ranks = {h.lower(): order.get(h.lower()) for h in hidden}
        recall = {k: sum(1 for r in ranks.values() if r is not None and r <= k) / len(hidden) for k in KS}
        top = sum(1 for r in ranks.values() if r is not None and r <= PRECISION_AT)
        return SplitResult(seed, tuple(h.lower() for h in hidden), ranks, len(found), recall, top / PRECISION_AT)


def bootstrap_interval(values: Sequence[float], *, rounds: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the mean of ``values`` (resampling the splits)."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(statistics.fmean(rng.choices(values, k=n)) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def summarise(results: Sequence[SplitResult]) -> dict[str, dict[str, float]]:
    """Mean, 95% bootstrap interval, min and max over the splits, per measure."""
    measures: dict[str, list[float]] = {f"recall@{k}": [r.recall[k] for r in results] for k in KS}
    measures[f"precision@{PRECISION_AT}"] = [r.precision for r in results]
    measures["reachable"] = [r.reachable / len(r.hidden) for r in results]
    measures[f"precision@{PRECISION_AT} ceiling"] = [min(r.reachable, PRECISION_AT) / PRECISION_AT for r in results]
    out = {}
    for name, values in measures.items():
        low, high = bootstrap_interval(values)
        out[name] = {
            "mean": statistics.fmean(values),
            "low": low,
            "high": high,
            "min": min(values),
            "max": max(values),
        }
    return out
