"""What the alert-rule tests share: tracked accounts put in a store as the roster import writes them,
snapshots and posts written through the store's writer (as importers and collectors write them), the
enrichment columns as ``enrich`` fills them, and a context to evaluate a rule in."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from diplotrack.alerts.model import Alert, Basis, Context, Rule, Scope
from diplotrack.records import Post, ProfileSnapshot, Provenance
from diplotrack.store.writer import StoreWriter

NOW = datetime(2026, 12, 6, 12, 0)


def track(
    con: duckdb.DuckDBPyConnection,
    handle: str,
    user_id: str,
    *,
    platform: str = "x",
    kind: str = "embassy",
    state: str = "CN",
    host_country: str | None = "FR",
) -> None:
    """A roster actor and its account on ``platform`` (the columns the roster import fills)."""
    actor = f"{kind}-{handle.lower()}"
    con.execute(
        """INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        [actor, f"{kind} {handle}", kind, kind != "ambassador", state, host_country, NOW],
    )
    con.execute(
        """INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, updated_at)
           VALUES (?, ?, ?, ?, ?, 'roster', ?)""",
        [platform, handle, user_id, user_id, actor, NOW],
    )


def write(con: duckdb.DuckDBPyConnection, records: Iterable[ProfileSnapshot | Post], run_id: int = 1) -> None:
    """Snapshots and posts through the store's writer, one batch."""
    w = StoreWriter(con, run_id)
    for r in records:
        if isinstance(r, Post):
            w.add_post(r)
        else:
            w.add_profile(r)
    w.flush()


def snap(user_id: str, at: datetime, *, handle: str | None = None, platform: str = "x", **kw: Any) -> ProfileSnapshot:
    """A profile snapshot as an X importer maps one (``source`` names the import)."""
    return ProfileSnapshot(
        platform=platform,
        user_id=user_id,
        observed_at=at,
        provenance=Provenance(kw.pop("source", "twarc2"), "tweets.jsonl", 1),
        handle=handle,
        source=kw.pop("snapshot_source", "import: twarc2"),
        **kw,
    )


def post(
    post_id: str,
    author_id: str,
    at: datetime,
    text: str = "The Embassy welcomes the delegation.",
    *,
    platform: str = "x",
    kind: str = "original",
    **kw: Any,
) -> Post:
    """A post as an X importer maps one."""
    return Post(
        platform=platform,
        post_id=post_id,
        author_id=author_id,
        author_handle=kw.pop("author_handle", None),
        created_at=at,
        text=text,
        lang="en",
        kind=kind,
        provenance=Provenance("twarc2", "tweets.jsonl", int(post_id) % 1000 if post_id.isdigit() else None),
        **kw,
    )


def tone_label(tone: float | None) -> str | None:
    if tone is None:
        return None
    return "confrontational" if tone >= 0.35 else "conciliatory" if tone <= -0.35 else "neutral"


def enrich(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[tuple[str, float | None, Sequence[str] | None]],
    *,
    platform: str = "x",
) -> None:
    """``post_enrichment`` rows (post id, tone score, topics) with what ``enrich`` would give, in one
    statement; None is a post enrichment gave no tone or no topics."""
    con.execute(
        """INSERT INTO post_enrichment (platform, post_id, enrichment_version, topics, tone_label, tone_score,
                                        enriched_at)
           SELECT ?, unnest(?), 'test-1', unnest(?::VARCHAR[][]), unnest(?), unnest(?::DOUBLE[]), ?""",
        [
            platform,
            [r[0] for r in rows],
            [None if r[2] is None else list(r[2]) for r in rows],
            [tone_label(r[1]) for r in rows],
            [r[1] for r in rows],
            NOW,
        ],
    )


def run(
    rule: Rule, con: duckdb.DuckDBPyConnection, params: Mapping[str, Any] | None = None, **scope: Any
) -> list[Alert]:
    """The rule's alerts on ``con`` at ``NOW`` in the scope given (as ``Scope``'s fields), each checked
    against the contract: its rule's name, a one-line title, evidence that is strict JSON."""
    alerts = list(rule.evaluate(Context(con, NOW, Scope(**scope)), dict(params or {})))
    for a in alerts:
        assert a.rule == rule.name and a.key and "\n" not in a.title
        json.dumps(a.evidence, allow_nan=False)  # raises on a datetime, a numpy value or NaN
    return alerts


def keys(alerts: Sequence[Alert]) -> list[str]:
    return [a.key for a in alerts]


def basis(rule: Rule, con: duckdb.DuckDBPyConnection, params: Mapping[str, Any] | None = None, **scope: Any) -> Basis:
    """What the rule could judge on ``con`` at ``NOW`` in the scope given; a basis that judges nothing
    must say what the rule needs."""
    assert rule.basis is not None, rule.name
    found = rule.basis(Context(con, NOW, Scope(**scope)), {**rule.defaults(), **(params or {})})
    assert 0 <= found.judged <= found.in_scope or found.unit != "accounts"
    assert found.judged > 0 or found.note.startswith("needs "), found
    return found
