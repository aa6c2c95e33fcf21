"""What a dashboard page is made of, defined once for its HTML page, its JSON twin, its CSV
downloads, its OpenAPI entry and docs/api.md.

A ``Page`` has an address and ``Table``s; a ``Table`` has a ``build`` that computes a ``Panel``
(rows, coverage, facets, the cursor of the next page, an optional chart) for a ``Context`` (the
store, the checked view and the page's path parameters). The app (serve/app.py) turns each page
into three routes: ``<path>`` (HTML), ``<path>.json`` and ``<path>.csv`` (``?_table=`` picks the
table; the first by default).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pandas as pd

from diplotrack.analyses.coverage import Coverage
from diplotrack.errors import UsageError
from diplotrack.serve.params import View
from diplotrack.serve.reader import StoreReader

POST_FILTER_CAVEAT = (
    "The language, topic and tone filters do not apply to this table (it counts accounts or all posts)."
)


class NotFound(LookupError):
    """A page's subject (an account, a post) is not in the store: answered 404."""


@dataclass(frozen=True)
class Chart:
    """A chart drawn server-side as SVG (serve/charts.py): ``kind`` bar or line; ``x`` the column of
    categories or times, ``y`` the value columns (one line or bar series each)."""

    kind: str
    x: str
    y: tuple[str, ...]
    title: str = ""
    series: str | None = None  # a column whose values split the rows into series (line charts)


@dataclass
class Panel:
    """One table of a page as computed for a view."""

    rows: pd.DataFrame
    coverage: dict | None = None  # Coverage.to_dict() (+ "line"), None when nothing is counted
    facets: dict[str, list[dict]] = field(default_factory=dict)  # {column: [{value, count, url?}]}
    next: str | None = None  # cursor of the next page of rows
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)  # caveats of this table for this view
    # the page each row links to, by column: column -> function(row) -> url (or None)
    links: dict[str, Callable[[dict], str | None]] = field(default_factory=dict)
    total: int | None = None  # rows in all pages, where counted
    view: View | None = None  # the view it was built for (its own sort and page): set by the app


@dataclass(frozen=True)
class Context:
    reader: StoreReader
    view: View
    path_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    build: Callable[[Context], Panel]
    description: str = ""  # one sentence for the page, the OpenAPI description and docs/api.md
    post_filters: bool = False  # it honours the language, topic and tone filters


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # e.g. "/accounts" or "/accounts/{platform}/{handle}"
    title: str
    tables: tuple[Table, ...]
    description: str = ""
    template: str = "page.html.j2"
    in_nav: bool = True

    def table(self, name: str | None) -> Table:
        if name is None:
            return self.tables[0]
        for t in self.tables:
            if t.name == name:
                return t
        raise UsageError(f"this page has no table {name!r}; its tables: {', '.join(t.name for t in self.tables)}")


# -- helpers the page modules share ------------------------------------------------------------


def coverage_dict(c: Coverage) -> dict:
    d = c.to_dict()
    d["line"] = c.line().replace(" (all in summary.json)", "")
    return d


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque keyset cursor: the sort key of the last row shown."""
    raw = orjson.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, n: int) -> list[Any] | None:
    """The values of ``encode_cursor``; a cursor that was not made here is a UsageError."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        raise UsageError("_next is not a cursor this server gave; start from the first page") from None
    if not isinstance(values, list) or len(values) != n:
        raise UsageError("_next is not a cursor this server gave; start from the first page")
    return values


def page_frame(
    df: pd.DataFrame, ctx: Context, *, key: Sequence[str], default_sort: str | None = None, default_desc: bool = True
) -> tuple[pd.DataFrame, str | None]:
    """Sort ``df`` (a table computed once per store generation and kept in memory) by the view's
    ``_sort`` column (else ``default_sort``), then by ``key`` (which identifies a row, so the order is
    total), and cut the page of ``view.size`` rows the cursor points at. The cursor holds the position
    in that total order; tables read from SQL page by key instead (the posts page). Returns the page
    and the cursor of the next one (None on the last page)."""
    return cut_page(sort_frame(df, ctx, key=key, default_sort=default_sort, default_desc=default_desc), ctx)


def sort_order(
    df: pd.DataFrame, ctx: Context, *, key: Sequence[str], default_sort: str | None, default_desc: bool
) -> tuple[list[str], list[bool]]:
    """The columns and directions ``page_frame`` sorts by: the view's ``_sort`` (else ``default_sort``),
    then ``key``; a column the table does not have is a UsageError naming those it has."""
    v = ctx.view
    sort = v.sort or default_sort
    desc = v.sort_desc if v.sort else default_desc
    if sort is not None and sort not in df.columns:
        raise UsageError(
            f"_sort {sort!r} is not a column of this table; its columns: {', '.join(map(str, df.columns))}"
        )
    # the sort column first even when it is part of the key (sorting accounts by handle must not put
    # every platform's handles after the previous platform's), then the rest of the key
    order = ([sort] if sort else []) + [k for k in key if k != sort]
    ascending = [True] * len(order)
    if sort:
        ascending[order.index(sort)] = not desc
    return order, ascending


def sort_frame(
    df: pd.DataFrame, ctx: Context, *, key: Sequence[str], default_sort: str | None, default_desc: bool = True
) -> pd.DataFrame:
    """``df`` in ``sort_order``; a column of lists or mixed values sorts in the order of its text."""
    order, ascending = sort_order(df, ctx, key=key, default_sort=default_sort, default_desc=default_desc)
    try:
        return df.sort_values(order, ascending=ascending, na_position="last", kind="stable").reset_index(drop=True)
    except TypeError:
        keyed = {c: df[c].map(lambda v: None if v is None else str(v)) for c in order if df[c].dtype == object}
        return (
            df.assign(**{f"__{c}": v for c, v in keyed.items()})
            .sort_values(
                [f"__{c}" if c in keyed else c for c in order], ascending=ascending, na_position="last", kind="stable"
            )
            .drop(columns=[f"__{c}" for c in keyed])
            .reset_index(drop=True)
        )


def cut_page(out: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, str | None]:
    """The ``view.size`` rows of the sorted ``out`` that the view's cursor points at, and the cursor
    of the next page (None on the last)."""
    v = ctx.view
    start = 0
    after = decode_cursor(v.next, 1)
    if after is not None:
        pos = after[0]
        if isinstance(pos, bool) or not isinstance(pos, int) or pos < 0:
            raise UsageError("_next is not a cursor this server gave; start from the first page")
        start = pos
    nxt = encode_cursor([start + v.size]) if start + v.size < len(out) else None
    return out.iloc[start : start + v.size].reset_index(drop=True), nxt


def account_url(platform: object, handle: object) -> str | None:
    """The address of a tracked account's page (pages/accounts.py), or None without a handle."""
    from urllib.parse import quote

    if not isinstance(platform, str) or not isinstance(handle, str) or not handle:
        return None
    return f"/accounts/{quote(platform, safe='')}/{quote(handle, safe='')}"
