"""The dashboard's own SQL pieces, for tables the registered analyses do not give (post search,
per-account pages, timelines with the post filters): the tracked accounts' keys for a view's
account filters, and the view's window and post filters as parameterised conditions. User values
reach SQL only as named parameters (``$name``); identifiers are the code's own.
"""

from __future__ import annotations

from typing import Any

from diplotrack.analyses.base import roster_keys_sql
from diplotrack.analyses.query import Term, account_terms, platform_terms, sql_conditions, time_terms
from diplotrack.serve.params import View


def tracked_keys(view: View, *, prefix: str = "k") -> tuple[str, dict[str, Any]]:
    """A subquery of every key (platform, key) a tracked account of the view's account filters files
    its posts under, with handle, kind, actor_id, institutional, state, host_country and name."""
    where, params = sql_conditions(platform_terms(view.filters) + account_terms(view.filters), "rk", named=prefix)
    return f"(SELECT rk.* FROM ({roster_keys_sql()}) rk WHERE {where})", params


def post_conditions(view: View, posts: str = "p", enrichment: str = "e", *, prefix: str = "p") -> tuple[str, dict]:
    """The view's window and platforms on ``posts`` and its language, tone and topic filters on
    ``enrichment`` (a LEFT JOIN of post_enrichment: a post without enrichment matches no post filter)."""
    f = view.filters
    where, params = sql_conditions(time_terms(f, "created_at") + platform_terms(f), posts, named=prefix)
    extra = _post_terms(view, enrichment, f"{prefix}x")
    return " AND ".join(x for x in (where, extra[0]) if x), {**params, **extra[1]}


def rollup_conditions(view: View, rollup: str = "r", *, prefix: str = "r") -> tuple[str, dict]:
    """The view's window (on ``day``), platforms, languages and tones on a row of ``rollup_posts_day``.
    The topic filter is not in that rollup: callers check ``view.topics`` and read the posts instead."""
    f = view.filters
    terms: list[Term] = []
    if f.start is not None:
        terms.append(Term("day", ">=", f.start.date()))
    if f.end is not None:
        terms.append(Term("day", "<", f.end.date()))
    terms += platform_terms(f)
    if view.languages:
        terms.append(Term("lang_detected", "in", view.languages))
    if view.tones:
        terms.append(Term("tone_label", "in", view.tones))
    return sql_conditions(terms, rollup, named=prefix)


def _post_terms(view: View, enrichment: str, prefix: str) -> tuple[str, dict]:
    terms: list[Term] = []
    if view.languages:
        terms.append(Term("lang_detected", "in", view.languages))
    if view.tones:
        terms.append(Term("tone_label", "in", view.tones))
    where, params = sql_conditions(terms, enrichment, named=prefix)
    if view.topics:
        params[f"{prefix}topics"] = list(view.topics)
        where = f"{where} AND list_has_any({enrichment}.topics, ${prefix}topics)"
    return where, params
