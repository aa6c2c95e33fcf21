"""The node and edge tables of a network as the exports write them: checked (string ids, every edge
between known nodes), each column typed once (bool, int, float or text), missing values left out,
text without the characters XML cannot hold, and every node's label. Shared by the file writers
(export.py) and the offline HTML view (html_view.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from diplotrack.errors import InvalidValueError

NODE_RESERVED = ("id",)
EDGE_RESERVED = ("source", "target")


def checked_tables(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables with string ids, or InvalidValueError (a ValueError)."""
    if "id" not in nodes.columns:
        raise InvalidValueError("the node table has no 'id' column")
    missing = [c for c in EDGE_RESERVED if c not in edges.columns]
    if missing:
        raise InvalidValueError(f"the edge table lacks {', '.join(missing)}")
    nodes = nodes.reset_index(drop=True).copy()
    edges = edges.reset_index(drop=True).copy()
    if nodes["id"].isna().any():
        raise InvalidValueError("a node has no id")
    nodes["id"] = nodes["id"].astype(str)
    dup = nodes["id"][nodes["id"].duplicated()]
    if len(dup):
        raise InvalidValueError(f"duplicate node ids: {', '.join(sorted(set(dup))[:5])}")
    for c in EDGE_RESERVED:
        if edges[c].isna().any():
            raise InvalidValueError(f"an edge has no {c}")
        edges[c] = edges[c].astype(str)
    known = set(nodes["id"])
    unknown = sorted((set(edges["source"]) | set(edges["target"])) - known)
    if unknown:
        raise InvalidValueError(f"edges name nodes not in the node table: {', '.join(unknown[:5])}")
    return nodes, edges


def is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return math.isnan(v)
    return False


def is_list(v: Any) -> bool:
    return isinstance(v, list | tuple | np.ndarray)


def column_kind(s: pd.Series) -> str:
    """How a column is written: ``bool``, ``int``, ``float`` or ``str``.

    Typed columns keep their type; a float column holding only whole numbers and some missing
    values is an integer column that pandas widened (``community`` with gaps) and is written as
    ``int``; an object column is typed by its values when they all agree, else written as text.
    """
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "int"
    if pd.api.types.is_float_dtype(s.dtype):
        present = s.dropna()
        if len(present) < len(s) and len(present) and bool((present == np.floor(present)).all()):
            return "int"
        return "float"
    values = [v for v in s if not is_list(v) and not is_missing(v)]
    if values and not any(is_list(v) for v in s):
        if all(isinstance(v, bool | np.bool_) for v in values):
            return "bool"
        if all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in values):
            return "int"
        if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in values):
            return "float"
    return "str"


# characters XML 1.0 cannot hold (display names from the internet carry some): dropped from text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def as_text(v: Any) -> str:
    if is_list(v):
        return ";".join(as_text(x) for x in v if not is_missing(x))
    if isinstance(v, datetime | date | pd.Timestamp):
        return v.isoformat()
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    return _NOT_XML.sub("", str(v))


def xml_id(v: str) -> str:
    """A node id XML can hold: each character XML 1.0 cannot hold written as ``\\xNN`` (``\\uNNNN``),
    so that ids differing only in such characters stay distinct."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", v)


def as_value(v: Any, kind: str) -> Any:
    """``v`` as a plain Python value of ``kind``; None when missing."""
    if is_list(v):
        return as_text(v) or None
    if is_missing(v):
        return None
    if kind == "bool":
        return bool(v)
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    return as_text(v)


def attribute_records(df: pd.DataFrame, skip: Iterable[str]) -> list[dict[str, Any]]:
    """Each row's attributes (columns not in ``skip``), typed by column, missing ones left out."""
    cols = [c for c in df.columns if c not in set(skip)]
    kinds = {c: column_kind(df[c]) for c in cols}
    out: list[dict[str, Any]] = []
    for row in df[cols].itertuples(index=False, name=None):
        d = {}
        for c, v in zip(cols, row, strict=True):
            x = as_value(v, kinds[c])
            if x is not None:
                d[str(c)] = x
        out.append(d)
    return out


def node_labels(nodes: pd.DataFrame) -> list[str]:
    """Every node's label: ``label``, else ``handle``, else its id."""
    sources = [nodes[c].tolist() for c in ("label", "handle") if c in nodes.columns]
    out = []
    for i, node_id in enumerate(nodes["id"].tolist()):
        label = as_text(node_id)
        for values in sources:
            v = values[i]
            if not is_list(v) and not is_missing(v) and str(v).strip():
                label = as_text(v)
                break
        out.append(label)
    return out
