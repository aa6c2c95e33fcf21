"""The network analyses (networks/, DuckDB SQL and igraph) with the common signature
``(t, f, **params)``, so that the registry runs them like the Ibis analyses.

Each is a thin call of the public function in ``diplotrack.networks`` on the store connection
behind ``t``; their results are pandas DataFrames. On another engine (Spark) the networks and co-action
are aggregated by that engine (``networks/*_ibis.py``) and finished on the driver; polyphony,
podium_reach, amplifier_profiles and creation_bursts run their DuckDB SQL on the driver's connection
over the export (``DRIVER_CON``). A network and a co-action result are kept for
the run in ``t.extra``, so the tables drawn from one (top nodes and communities; clusters and
pairs) compute it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from diplotrack.analyses.base import Filters, Tables, memo

# networks/ is imported where a network analysis runs, not with the registry: igraph's import pulls
# in matplotlib (about a second), which a report read from the result cache does not need
if TYPE_CHECKING:
    from diplotrack.cache import ResultCache
    from diplotrack.networks.build import Network
    from diplotrack.networks.coordination import Coordination

NETWORK_COLUMNS = ["label", "kind", "tracked", "in_degree", "out_degree", "pagerank", "betweenness", "community"]


_METRICS_CACHE = "network_metrics_cache"


def share_cache(t: Tables, cache: ResultCache) -> None:
    """Keep network metrics in ``cache`` (a run that has opened the store's result cache already,
    or turned it off: the report) rather than in one these analyses open themselves."""
    t.extra[_METRICS_CACHE] = cache


# t.extra's key for the DuckDB connection networks/ reads when the tables are not DuckDB's: on Spark,
# the driver's in-memory DuckDB over the exported Parquet (engines/spark.py)
DRIVER_CON = "driver_connection"


def _con(t: Tables) -> duckdb.DuckDBPyConnection:
    driver = t.extra.get(DRIVER_CON)
    return driver if driver is not None else t.backend.con  # type: ignore[attr-defined, no-any-return]


def _on_duckdb(t: Tables) -> bool:
    """Whether ``t`` is a DuckDB store's tables: networks/ then runs its DuckDB SQL on the store (measured
    faster there than the Ibis expressions, bench/network_bench.py); on another engine (Spark) the Ibis
    expressions (networks/*_ibis.py) aggregate where the data is."""
    return getattr(t.backend, "name", "duckdb") == "duckdb"


def network(t: Tables, f: Filters, kind: str = "repost") -> Network:
    """The ``kind`` network with its metrics (``build_network`` + ``compute_metrics``), once per run."""
    from diplotrack.cache import open_cache
    from diplotrack.networks.build import build_network
    from diplotrack.networks.metrics import compute_metrics

    # metrics are kept by the edge set they came from: a store changed elsewhere reuses them
    cache = memo(t, _METRICS_CACHE, lambda: open_cache(_con(t), prune=False))

    def build() -> Network:
        if _on_duckdb(t):
            return build_network(_con(t), kind, f)
        from diplotrack.networks.build_ibis import build_network_on

        return build_network_on(t, kind, f)  # aggregated by the engine; igraph on the driver

    return memo(t, f"network:{kind}:{f!r}", lambda: compute_metrics(build(), cache=cache))


def network_nodes(t: Tables, f: Filters, kind: str = "repost", n: int = 25) -> pd.DataFrame:
    """The ``n`` accounts of the ``kind`` network (repost, mention, follow) with the highest PageRank."""
    nodes = network(t, f, kind).nodes
    if nodes.empty:
        return pd.DataFrame(columns=NETWORK_COLUMNS)
    return nodes.sort_values(["pagerank", "id"], ascending=[False, True]).head(n)[NETWORK_COLUMNS]


def network_communities(t: Tables, f: Filters, kind: str = "repost") -> pd.DataFrame:
    """The Leiden communities of the ``kind`` network and what they are made of."""
    from diplotrack.networks.metrics import community_makeup

    return community_makeup(network(t, f, kind).nodes)


def polyphony(t: Tables, f: Filters, what: str = "hashtag") -> pd.DataFrame:
    """Hashtags or topics carried by several tracked accounts, and their spread from the ministry."""
    from diplotrack.networks import polyphony as _polyphony

    return _polyphony.polyphony(_con(t), what=what, start=f.start, end=f.end, platforms=f.platforms)  # type: ignore[arg-type]


def podium_reach(t: Tables, f: Filters, what: str = "topic") -> pd.DataFrame:
    """Items first said at the ministry's podium (statements, platform ``mfa``) and how fast and how
    widely missions repeated them, per platform."""
    from diplotrack.networks import polyphony as _polyphony

    platforms = tuple(p for p in f.platforms if p != _polyphony.PODIUM)
    return _polyphony.podium_reach(
        _con(t),
        what=what,  # type: ignore[arg-type]
        start=f.start,
        end=f.end,
        platforms=platforms,
        states=f.states,
    )


def _co_action(t: Tables, f: Filters, action: str, window_s: float, min_count: int) -> Coordination:
    from diplotrack.networks import coordination as _coordination

    def compute() -> Coordination:
        if _on_duckdb(t):
            return _coordination.co_action(
                _con(t), action, window_s=window_s, min_count=min_count, start=f.start, end=f.end, platforms=f.platforms
            )
        from diplotrack.networks.coordination_ibis import co_action_on

        # the events by the engine; their pairs and clusters on the driver
        return co_action_on(t, _con(t), action, window_s=window_s, min_count=min_count, f=f)

    return memo(t, f"co_action:{action}:{window_s}:{min_count}:{f!r}", compute)


def co_action_clusters(
    t: Tables, f: Filters, action: str = "repost", window_s: float = 60, min_count: int = 2
) -> pd.DataFrame:
    """Clusters of accounts that did ``action`` on the same items within ``window_s`` seconds."""
    return _co_action(t, f, action, window_s, min_count).clusters


def co_action_pairs(
    t: Tables, f: Filters, action: str = "repost", window_s: float = 60, min_count: int = 2
) -> pd.DataFrame:
    """The pairs behind the clusters, with their evidence."""
    return _co_action(t, f, action, window_s, min_count).pairs


def amplifier_profiles(t: Tables, f: Filters) -> pd.DataFrame:
    """Who amplifies each tracked account, and how."""
    from diplotrack.networks import amplifiers as _amplifiers

    return _amplifiers.amplifier_profiles(_con(t), start=f.start, end=f.end, platforms=f.platforms)


def creation_bursts(t: Tables, f: Filters, by: str = "day") -> pd.DataFrame:
    """Periods with far more account creations than expected (the whole store: filters do not apply)."""
    from diplotrack.networks import bursts as _bursts

    return _bursts.creation_bursts(_con(t), by=by)  # type: ignore[arg-type]
