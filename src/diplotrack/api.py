"""The Python API for notebooks and scripts, on the same registry as the report and the CLI.

    import diplotrack.api as dt

    with dt.open_store("diplotrack.duckdb") as store:
        store.analyses()                                    # what can be run: a DataFrame
        r = store.run("joins_by_period", kind="embassy", period="year")
        r.df                                                # the result as a pandas DataFrame
        r.coverage                                          # what it rests on (n of N accounts, period, caveats)

The filters are the CLI's (``start``, ``end``, ``platform``, ``state``, ``kind``, ``institutional``,
``host_country``), checked by the same code, so a value the CLI refuses is refused here with the
same sentence (a ``diplotrack.errors.UsageError``). Every other keyword is a parameter of the
analysis (``store.analyses()`` lists them). Where an analysis has a parameter with a filter's name
(``network_nodes(kind=...)``, ``growth_between(start=..., end=...)``), pass them apart:
``store.run(name, params={...}, filters={...})``. The store is opened read-only and never changed.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from diplotrack.analyses import registry
from diplotrack.analyses.base import Filters, Tables, tables_from_duckdb
from diplotrack.analyses.coverage import Coverage
from diplotrack.analyses.selection import make_filters
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store_read_only

__all__ = ["AnalysisResult", "Store", "open_store"]

_EMPTY = inspect.Parameter.empty
FILTER_NAMES = ("start", "end", "platform", "state", "kind", "institutional", "host_country")


@dataclass
class AnalysisResult:
    """One analysis run: its name, the selection, the result and the coverage of the data it rests on."""

    name: str
    filters: Filters
    df: pd.DataFrame
    coverage: Coverage

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pandas(self.df, preserve_index=False)

    def to_dict(self) -> dict[str, Any]:
        """Rows, selection and coverage, ready for JSON."""
        return {
            "analysis": self.name,
            "filters": self.filters.describe(),
            "coverage": self.coverage.to_dict(),
            "rows": self.df.to_dict(orient="records"),
        }


class Store:
    """A store opened read-only, with the registered analyses."""

    def __init__(self, db: str | os.PathLike[str] | None = None) -> None:
        self.con: duckdb.DuckDBPyConnection = open_store_read_only(db)
        self._tables: Tables | None = None

    @property
    def tables(self) -> Tables:
        """The store's public tables as Ibis tables (to build your own expressions)."""
        if self._tables is None:
            self._tables = tables_from_duckdb(self.con)
        return self._tables

    def analyses(self) -> pd.DataFrame:
        """Every registered analysis: name, title, report section, docs page, parameters and defaults."""
        rows = []
        for a in registry.ANALYSES:
            params = {k: (None if v is _EMPTY else v) for k, v in a.params.items()}
            rows.append(
                {
                    "name": a.name,
                    "title": a.title,
                    "section": a.section,
                    "docs": a.docs,
                    "parameters": params,
                    "coverage_basis": a.basis,
                }
            )
        return pd.DataFrame(rows)

    def filters(
        self,
        *,
        start: str | date | datetime | None = None,
        end: str | date | datetime | None = None,
        platform: str | Sequence[str] | None = None,
        state: str | Sequence[str] | None = None,
        kind: str | Sequence[str] | None = None,
        institutional: bool | None = None,
        host_country: str | Sequence[str] | None = None,
    ) -> Filters:
        """A checked selection, as the CLI's filter options make it."""
        return make_filters(
            start=start,
            end=end,
            platform=platform,
            state=state,
            kind=kind,
            institutional=institutional,
            host_country=host_country,
            con=self.con,
        )

    def run(
        self,
        name: str,
        *,
        filters: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        **keywords: Any,
    ) -> AnalysisResult:
        """Run the registered analysis ``name``: filter keywords select the accounts and the window,
        the other keywords are the analysis's parameters; ``filters`` and ``params`` give them apart
        (needed where a parameter has a filter's name)."""
        a = registry.BY_NAME.get(name)
        own = set(a.params) if a is not None else set()
        chosen, given = dict(filters or {}), dict(params or {})
        unknown = sorted(set(chosen) - set(FILTER_NAMES))
        if unknown:
            raise UsageError(f"no filter named {', '.join(unknown)}; the filters: {', '.join(FILTER_NAMES)}")
        for key, value in keywords.items():
            if key in FILTER_NAMES and key in own:
                raise UsageError(
                    f"{key!r} is both a filter and a parameter of {name}: pass it as "
                    f"filters={{{key!r}: ...}} or params={{{key!r}: ...}}"
                )
            (chosen if key in FILTER_NAMES else given)[key] = value
        f = self.filters(**chosen)
        df, coverage = registry.run_frame(name, self.tables, f, **given)
        return AnalysisResult(name, f, df.reset_index(drop=True), coverage)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """A query of your own over the store, as a DataFrame; pass values as ``params``. The store
        cannot be changed (read-only), but the query has DuckDB's full powers (reading and writing
        other files), like any code you run: for SQL from people you do not trust, use the CLI's
        sandboxed ``diplotrack sql``."""
        return self.con.execute(query, list(params or [])).df()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_store(db: str | os.PathLike[str] | None = None) -> Store:
    """Open the store at ``db`` (else ``$DIPLOTRACK_DB``, else ``./diplotrack.duckdb``) read-only."""
    return Store(db)
