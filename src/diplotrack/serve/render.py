"""A computed ``Panel`` as what a client asked for: an HTML page (Jinja2, autoescaped), JSON in
Datasette's shape (``rows``, ``next``, ``coverage``, ``facets``) or CSV for spreadsheets (the
report's writer: would-be formulas get a leading apostrophe).

Untrusted text (posts, names, bios, URLs, hashtags) reaches HTML only through Jinja2's autoescape;
a URL becomes a link only when it is http(s) (``safe_url``).
"""

from __future__ import annotations

import io
import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import jinja2
import orjson
import pandas as pd
import pyarrow as pa

from diplotrack import __version__
from diplotrack.report.write import write_csv
from diplotrack.serve import charts
from diplotrack.serve.pages.base import Panel

MAX_CELL = 400  # characters of a text cell shown in an HTML table (the JSON and CSV carry it all)


def safe_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL, else None (``javascript:``, ``data:``, relative)."""
    if not isinstance(value, str) or len(value) > 4096:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value.strip()


def display(value: Any) -> str:
    """A cell as text for an HTML table: unknown for missing values, ISO times, thousands separators."""
    if value is None or value is pd.NaT:
        return "unknown"
    if isinstance(value, float):
        if math.isnan(value):
            return "unknown"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values (None for missing ones), through Arrow."""
    if df.empty:
        return []
    try:
        return pa.Table.from_pandas(df, preserve_index=False).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        out = df.astype(object).where(pd.notna(df), None)
        return out.to_dict(orient="records")


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def json_bytes(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def json_payload(
    panel: Panel,
    *,
    page: str,
    table: str,
    tables: list[str],
    view_description: dict,
    shape: str,
    refreshed_at: str | None,
    next_url: str | None,
) -> dict[str, Any]:
    """The JSON twin of a page's table, in Datasette's shape."""
    rows = records(panel.rows)
    columns = [str(c) for c in panel.rows.columns]
    body: dict[str, Any] = {"page": page, "table": table, "tables": tables, "columns": columns}
    body["rows"] = [[r.get(c) for c in columns] for r in rows] if shape == "arrays" else rows
    body.update(
        next=panel.next,
        next_url=next_url,
        total=panel.total,
        coverage=panel.coverage,
        facets=panel.facets,
        notes=panel.notes,
        filters=view_description,
        refreshed_at=refreshed_at,
    )
    return body


def _flat(value: Any) -> Any:
    """A nested cell as CSV text: a list's items joined with "; ", a mapping as JSON."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        if not isinstance(items, list):
            return items
        return "; ".join(
            "" if v is None else str(_flat(v)).lower() if isinstance(v, bool) else str(_flat(v)) for v in items
        )
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as CSV for spreadsheets (report/write.py: would-be formulas get an apostrophe); lists
    are written as their items joined with "; " and mappings as JSON, as the report's tables do."""
    out = df
    for c in df.columns:
        if (
            df[c].dtype == object
            and df[c].map(lambda v: isinstance(v, list | tuple | dict) or hasattr(v, "tolist")).any()
        ):
            out = out.copy() if out is df else out
            out[c] = df[c].map(lambda v: None if v is None else _flat(v))
    buf = io.BytesIO()
    write_csv(out, buf)
    return buf.getvalue()


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("diplotrack.serve", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["display"] = display
    env.filters["safe_url"] = safe_url
    env.globals["chart"] = charts.render_panel
    env.globals["records"] = records
    env.globals["version"] = __version__
    return env
