"""The dashboard's own SQL pieces, for tables the registered analyses do not give (post search,
per-account pages, timelines with the post filters): the tracked accounts' keys for a view's
account filters, the view's window and post filters as parameterised conditions, and the selected
posts and topics (from the rollups where they can answer, else from the posts) that the overview,
the accounts table and the account pages count. User values reach SQL only as named parameters
(``$name``); identifiers are the code's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from diplotrack.analyses.base import roster_keys_sql
from diplotrack.analyses.query import Term, account_terms, platform_terms, sql_conditions, time_terms
from diplotrack.serve.params import View

if TYPE_CHECKING:
    from diplotrack.serve.pages.base import Context


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


# -- the selected posts, one definition for the overview, the accounts and the account pages ------


def account_keys_sql(platform: str, handle: str, keys: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The keys ``keys`` of one tracked account (its ``roster_keys``) as a subquery with the columns
    ``tracked_keys`` gives (the roster fields NULL: a page about one account knows them), and
    their parameters (``a_platform``, ``a_handle`` and one ``ak<i>`` per key, see ``author_in``)."""
    params: dict[str, Any] = {"a_platform": platform, "a_handle": handle}
    params.update({f"ak{i}": k for i, k in enumerate(keys)})
    sql = f"""(SELECT $a_platform AS platform, u.key, $a_handle AS handle, NULL::VARCHAR AS kind,
                      NULL::VARCHAR AS actor_id, NULL::VARCHAR AS host_country
               FROM (SELECT unnest([{author_in(params)[1:-1]}]::VARCHAR[]) AS key) u)"""
    return sql, params


def author_in(params: dict[str, Any]) -> str:
    """``($ak0, $ak1, ...)``: the keys of ``account_keys_sql`` as a list DuckDB can push into a scan
    (a join on a subquery reads every post; this reads only the account's)."""
    marks = [f"${k}" for k in params if k.startswith("ak") and k[2:].isdigit()]
    return "(" + (", ".join(marks) or "NULL") + ")"


def reads_posts(ctx: Context) -> bool:
    """Whether the selected posts must be read from ``posts`` (a topic filter, which the posts rollup
    does not carry, or rollups that are not current) rather than from ``rollup_posts_day``."""
    return bool(ctx.view.topics) or not ctx.reader.rollups_current()


def selected_posts(ctx: Context, keys: tuple[str, dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """A subquery of the posts of ``keys`` (default: the view's tracked accounts) in the view's window
    matching its post filters, one row per group of ``n`` posts: platform, author_id, day, post_kind,
    lang_detected ('und' when not enriched), tone_label, n, deleted, first_at, last_at, and the
    account's handle, kind, actor_id, host_country. Sum ``n`` to count posts."""
    k_sql, k_params = keys if keys is not None else tracked_keys(ctx.view)
    cols = "k.handle, k.kind, k.actor_id, k.host_country"
    one = lambda alias: f" AND {alias}.author_id IN {author_in(k_params)}" if keys is not None else ""  # noqa: E731
    if reads_posts(ctx):
        where, wp = post_conditions(ctx.view)
        where += one("p")
        sql = f"""(SELECT p.platform, p.author_id, p.created_at::DATE AS day, p.kind AS post_kind,
                      coalesce(e.lang_detected, 'und') AS lang_detected, e.tone_label, 1::BIGINT AS n,
                      (p.deleted_at IS NOT NULL)::BIGINT AS deleted, p.created_at AS first_at,
                      p.created_at AS last_at, {cols}
                   FROM posts p JOIN {k_sql} k ON k.platform = p.platform AND k.key = p.author_id
                   LEFT JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
                   WHERE {where})"""
    else:
        where, wp = rollup_conditions(ctx.view)
        where += one("r")
        sql = f"""(SELECT r.platform, r.author_id, r.day, r.kind AS post_kind,
                      coalesce(r.lang_detected, 'und') AS lang_detected, r.tone_label, r.posts AS n,
                      r.deleted, r.first_at, r.last_at, {cols}
                   FROM rollup_posts_day r JOIN {k_sql} k ON k.platform = r.platform AND k.key = r.author_id
                   WHERE {where})"""
    return sql, {**k_params, **wp}


def selected_topics(ctx: Context, keys: tuple[str, dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """Like ``selected_posts`` for topics: one row per (group of ``n`` posts, topic): platform, day,
    topic, n, handle. From ``rollup_topics_day`` unless a post filter is set (that rollup carries no
    language or tone, and a post's other topics are only in its enrichment)."""
    k_sql, k_params = keys if keys is not None else tracked_keys(ctx.view)
    one = lambda alias: f" AND {alias}.author_id IN {author_in(k_params)}" if keys is not None else ""  # noqa: E731
    if ctx.view.post_filtered or not ctx.reader.rollups_current():
        where, wp = post_conditions(ctx.view)
        where += one("p")
        sql = f"""(SELECT p.platform, p.created_at::DATE AS day, unnest(e.topics) AS topic, 1::BIGINT AS n, k.handle
                   FROM posts p JOIN {k_sql} k ON k.platform = p.platform AND k.key = p.author_id
                   JOIN post_enrichment e ON e.platform = p.platform AND e.post_id = p.post_id
                   WHERE {where})"""
    else:
        where, wp = rollup_conditions(ctx.view)
        where += one("r")
        sql = f"""(SELECT r.platform, r.day, r.topic, r.posts AS n, k.handle
                   FROM rollup_topics_day r JOIN {k_sql} k ON k.platform = r.platform AND k.key = r.author_id
                   WHERE {where})"""
    return sql, {**k_params, **wp}


def memo_key(ctx: Context, name: str, *extra: object) -> tuple:
    """A cache key for a table of this view: the filters decide its rows, not search, sort or page."""
    return (name, repr(ctx.view.params), *extra)
