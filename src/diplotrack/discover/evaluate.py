"""Measuring discovery: hide some of the roster's accounts, discover from the rest, and see where
the hidden ones rank (docs/discovery.md gives the protocol and the figures).

The roster's accounts on the measured platform are cut ONCE into two halves (``partition``): a
tuning half, whose accounts alone are hidden while the score's weights are chosen (``tune`` over
``GRID``), and an evaluation half, whose accounts alone are hidden when the chosen weights are
measured. So the reported figures are about accounts the tuning never tried to find. Every split
hides ``HIDDEN`` accounts of one half and runs discovery from all the others (both halves).

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

import hashlib
import itertools
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

import duckdb

from diplotrack.discover.score import DEFAULT_WEIGHTS, Weights, discover
from diplotrack.store.db import open_store_read_only

TABLES = ("actors", "accounts", "posts", "post_entities", "follow_edges", "profile_snapshots")
KS = (10, 20, 50)
PRECISION_AT = 20
HIDDEN = 16  # accounts hidden per split: 40% of a half of the bundled roster's 81 X accounts
TUNING_SEEDS = range(1000, 1020)
EVALUATION_SEEDS = range(0, 20)
# the score's free parameters tried by ``tune`` (every combination; the rest keep their defaults)
GRID: dict[str, tuple[float, ...]] = {
    "tau_share": (0.05, 0.1, 0.2),
    "mention": (0.4, 0.6, 0.8),
    "handle": (0.0, 0.3, 0.6),
}

Half = Literal["tuning", "evaluation"]


def partition(accounts: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Cut ``(handle, kind)`` pairs into a tuning and an evaluation half, the same way every time:
    ordered by kind, then by the SHA-256 of the lower-case handle, the accounts go alternately to
    the tuning half and to the evaluation half. Each kind is split evenly (within one account), the
    halves differ by at most one, and the cut depends on the handles and kinds alone, never on a
    random seed (adding an account shifts the alternation after it). Returns the two lists of
    handles, sorted ignoring case."""

    def order(pair: tuple[str, str]) -> tuple[str, str]:
        return pair[1], hashlib.sha256(pair[0].lower().encode()).hexdigest()

    ranked = sorted(set(accounts), key=order)
    tuning = sorted((h for h, _ in ranked[0::2]), key=str.lower)
    evaluation = sorted((h for h, _ in ranked[1::2]), key=str.lower)
    return tuning, evaluation


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
        rows = self.con.execute(
            """SELECT a.handle, r.kind FROM full_accounts a JOIN full_actors r USING (actor_id)
               WHERE a.platform = ? ORDER BY lower(a.handle)""",
            [platform],
        ).fetchall()
        self.kinds: dict[str, str] = {h.lower(): k for h, k in rows}
        self.pool = [h for h, _ in rows]
        self.halves: dict[str, list[str]] = dict(zip(("tuning", "evaluation"), partition(rows), strict=True))
        self._hidden: tuple[str, ...] | None = None

    def close(self) -> None:
        self.con.close()

    def hide(self, hidden: Sequence[str]) -> None:
        """Rebuild the working tables without the ``hidden`` accounts (handles on ``self.platform``)."""
        c = self.con
        c.execute("CREATE OR REPLACE TEMP TABLE hidden (h VARCHAR)")
        if hidden:
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
        self._hidden = tuple(sorted(h.lower() for h in hidden))

    def split(self, seed: int, half: Half = "evaluation", hidden: int = HIDDEN) -> list[str]:
        """The ``hidden`` accounts of ``half`` that split ``seed`` hides (a seeded random sample)."""
        pool = self.halves[half]
        return sorted(random.Random(seed).sample(pool, min(hidden, len(pool))), key=str.lower)

    def run(
        self,
        seed: int,
        weights: Weights = DEFAULT_WEIGHTS,
        *,
        half: Half = "evaluation",
        hidden: int = HIDDEN,
        shuffle: bool = False,
    ) -> SplitResult:
        """One split; ``shuffle`` ranks the candidates at random instead (the baseline a score must
        beat). Running the same split again with other weights reuses the tables already hidden."""
        chosen = self.split(seed, half, hidden)
        if self._hidden != tuple(sorted(h.lower() for h in chosen)):
            self.hide(chosen)
        found = discover(self.con, platforms=(self.platform,), weights=weights)
        if shuffle:
            random.Random(seed).shuffle(found)
        order = {(c.handle or "").lower(): i + 1 for i, c in enumerate(found)}
        ranks = {h.lower(): order.get(h.lower()) for h in chosen}
        n = len(chosen)
        recall = {k: sum(1 for r in ranks.values() if r is not None and r <= k) / n for k in KS}
        top = sum(1 for r in ranks.values() if r is not None and r <= PRECISION_AT)
        return SplitResult(seed, tuple(h.lower() for h in chosen), ranks, len(found), recall, top / PRECISION_AT)


def grid_weights(grid: dict[str, tuple[float, ...]] = GRID, base: Weights = DEFAULT_WEIGHTS) -> list[Weights]:
    """Every combination of the grid's values, the other fields as in ``base``."""
    known = {f.name for f in fields(Weights)}
    unknown = sorted(set(grid) - known)
    if unknown:
        raise ValueError(f"the grid names {', '.join(unknown)}, which Weights does not have")
    names = list(grid)
    return [replace(base, **dict(zip(names, values, strict=True))) for values in itertools.product(*grid.values())]


def changed(weights: Weights, base: Weights = DEFAULT_WEIGHTS) -> dict[str, object]:
    """The fields in which ``weights`` differs from ``base``."""
    return {
        f.name: getattr(weights, f.name) for f in fields(Weights) if getattr(weights, f.name) != getattr(base, f.name)
    }


@dataclass(frozen=True, slots=True)
class Tried:
    """One setting of the grid on the tuning splits: its recall@20 and precision@20, split by split."""

    weights: Weights
    recall20: tuple[float, ...]
    precision: tuple[float, ...]

    @property
    def mean_recall20(self) -> float:
        return statistics.fmean(self.recall20)

    @property
    def mean_precision(self) -> float:
        return statistics.fmean(self.precision)


def tune(
    holdout: Holdout,
    candidates: Sequence[Weights],
    seeds: Iterable[int] = TUNING_SEEDS,
    *,
    hidden: int = HIDDEN,
) -> list[Tried]:
    """Each candidate setting on splits that hide accounts of the TUNING half only, best first:
    highest mean recall@20, then fewest fields changed from the defaults, then the order of
    ``candidates``."""
    seeds = list(seeds)
    runs: list[list[SplitResult]] = [[] for _ in candidates]
    for seed in seeds:  # split by split, so that each split's tables are hidden once
        for i, w in enumerate(candidates):
            runs[i].append(holdout.run(seed, w, half="tuning", hidden=hidden))
    tried = [
        Tried(w, tuple(r.recall[20] for r in rs), tuple(r.precision for r in rs))
        for w, rs in zip(candidates, runs, strict=True)
    ]
    order = sorted(
        range(len(tried)), key=lambda i: (-round(tried[i].mean_recall20, 9), len(changed(tried[i].weights)), i)
    )
    return [tried[i] for i in order]


def gain_interval(better: Tried, base: Tried) -> tuple[float, float]:
    """The 95% bootstrap interval of the mean per-split gain in recall@20 of ``better`` over ``base``
    (the same tuning splits, resampled in pairs)."""
    return bootstrap_interval([a - b for a, b in zip(better.recall20, base.recall20, strict=True)])


def choose(tried: Sequence[Tried], defaults: Weights = DEFAULT_WEIGHTS) -> Tried:
    """The setting to use: the best of ``tried`` (as ``tune`` orders them) when it beats the defaults
    clearly, that is when the 95% interval of its per-split gain in recall@20 lies above zero; else
    the defaults (which ``tried`` must hold), so that noise between splits never moves a weight."""
    base = next((t for t in tried if t.weights == defaults), None)
    if base is None:
        raise ValueError("the grid must hold the default weights")
    best = tried[0]
    return best if best is not base and gain_interval(best, base)[0] > 0 else base


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
