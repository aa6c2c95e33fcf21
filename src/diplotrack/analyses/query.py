"""The pieces of the one query layer every analysis shares, each defined once: the kind groups, and the
filters as terms rendered both as Ibis predicates (``analyses/``) and as parameterised SQL (the raw
DuckDB SQL of ``networks/``, kept where it was measured to matter).

The roster keys (how a post's author is resolved to a tracked account) are ``base.roster_keys``; the
networks embed their compiled SQL (``base.roster_keys_sql``).

A term names a column of the filtered table (an identifier the code chooses, never a user value) and
carries the user's value, which reaches SQL only as a parameter (``sql_conditions``) or as an Ibis
literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import ibis.expr.types as ir

from diplotrack.roster.model import INSTITUTIONAL_KINDS as _INSTITUTIONAL
from diplotrack.roster.model import KINDS

if TYPE_CHECKING:
    from diplotrack.analyses.base import Filters

# -- kind groups (roster kinds, roster/model.py) ---------------------------------------------------

STATE_MEDIA_KINDS = ("state_media", "state_media_journalist")
MINISTRY_KINDS = ("ministry", "spokesperson")
MISSION_KINDS = ("embassy", "consulate", "mission", "ambassador", "consul_general", "diplomat")
INSTITUTIONAL_KINDS = tuple(k for k in KINDS if k in _INSTITUTIONAL)


# -- filters as terms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One condition of a filter: ``column`` (in a tuple of values, ``>=``, ``<`` or ``=``) ``value``."""

    column: str
    op: Literal["in", ">=", "<", "="]
    value: Any


def platform_terms(f: Filters, column: str = "platform") -> list[Term]:
    """The platforms filter on ``column``."""
    return [Term(column, "in", tuple(f.platforms))] if f.platforms else []


def time_terms(f: Filters, time: str = "created_at") -> list[Term]:
    """The window alone: ``start`` (inclusive) and ``end`` (exclusive) on the ``time`` column."""
    terms = []
    if f.start is not None:
        terms.append(Term(time, ">=", f.start))
    if f.end is not None:
        terms.append(Term(time, "<", f.end))
    return terms


def window_terms(f: Filters, time: str = "created_at", platform: str = "platform") -> list[Term]:
    """The window on the ``time`` column (``time_terms``), then the platforms."""
    return time_terms(f, time) + platform_terms(f, platform)


def account_terms(f: Filters) -> list[Term]:
    """The account filters (states, kinds, institutional, host countries) on an actor's columns."""
    terms = []
    if f.states:
        terms.append(Term("state", "in", tuple(f.states)))
    if f.kinds:
        terms.append(Term("kind", "in", tuple(f.kinds)))
    if f.institutional is not None:
        terms.append(Term("institutional", "=", bool(f.institutional)))
    if f.host_countries:
        terms.append(Term("host_country", "in", tuple(f.host_countries)))
    return terms


def ibis_predicates(table: ir.Table, terms: list[Term]) -> list[ir.BooleanValue]:
    """The terms as Ibis predicates on ``table`` (one each, to ``filter`` with)."""
    out = []
    for t in terms:
        c = table[t.column]
        if t.op == "in":
            out.append(c.isin(list(t.value)))
        elif t.op == ">=":
            out.append(c >= t.value)
        elif t.op == "<":
            out.append(c < t.value)
        else:
            out.append(c == t.value)
    return out


def sql_conditions(terms: list[Term], alias: str = "", *, named: str = "") -> tuple[str, list | dict]:
    """The terms as one SQL condition (``true`` for none) on ``alias.column`` and its parameters: a list
    for ``?`` placeholders, or, with ``named`` (a prefix), a dict for ``$<named><i>`` placeholders."""
    conds: list[str] = []
    values: list[object] = []
    for t in terms:
        col = f"{alias}.{t.column}" if alias else t.column
        mark = f"${named}{len(values)}" if named else "?"
        values.append(list(t.value) if t.op == "in" else t.value)
        conds.append(f"list_contains({mark}, {col})" if t.op == "in" else f"{col} {t.op} {mark}")
    sql = " AND ".join(conds) if conds else "true"
    if named:
        return sql, {f"{named}{i}": v for i, v in enumerate(values)}
    return sql, values
