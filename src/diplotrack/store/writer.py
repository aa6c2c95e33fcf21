"""Writing normalised records into the store: batched, idempotent upserts on natural keys.

Records are buffered in memory (deduplicated per natural key) and written in batches; each batch
is one transaction, so a process killed at any moment leaves only whole batches behind, and
re-running the same input changes nothing (every write merges on its natural key):

- posts (platform, post_id): a new post is inserted; a known one gains the fields it lacked, and
  its public metrics are replaced only by a *newer* observation (``metrics_observed_at``).
- post_entities (platform, post_id, type, value), profile_snapshots (platform, user_id,
  observed_at), raw_payloads (content hash), api_errors (content hash): insert if absent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from diplotrack.records import ApiError, Post, ProfileSnapshot, Skip
from diplotrack.store import raw as rawstore
from diplotrack.store.db import transaction

POST_FILL_COLUMNS = (
    "author_id",
    "author_handle",
    "created_at",
    "text",
    "lang",
    "reposted_post_id",
    "reposted_author_id",
    "quoted_post_id",
    "quoted_author_id",
    "replied_to_post_id",
    "replied_to_author_id",
    "conversation_id",
    "source_client",
)
METRIC_COLUMNS = ("like_count", "repost_count", "reply_count", "quote_count")
PROV_COLUMNS = ("prov_source", "prov_file", "prov_line", "prov_raw_id", "prov_pointer")

_POST_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("author_id", pa.string()),
        ("author_handle", pa.string()),
        ("created_at", pa.timestamp("us")),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("kind", pa.string()),
        ("reposted_post_id", pa.string()),
        ("reposted_author_id", pa.string()),
        ("quoted_post_id", pa.string()),
        ("quoted_author_id", pa.string()),
        ("replied_to_post_id", pa.string()),
        ("replied_to_author_id", pa.string()),
        ("conversation_id", pa.string()),
        ("like_count", pa.int64()),
        ("repost_count", pa.int64()),
        ("reply_count", pa.int64()),
        ("quote_count", pa.int64()),
        ("metrics_observed_at", pa.timestamp("us")),
        ("source_client", pa.string()),
        ("prov_source", pa.string()),
        ("prov_file", pa.string()),
        ("prov_line", pa.int64()),
        ("prov_raw_id", pa.string()),
        ("prov_pointer", pa.string()),
    ]
)
_PROFILE_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("user_id", pa.string()),
        ("observed_at", pa.timestamp("us")),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("description", pa.string()),
        ("location", pa.string()),
        ("created_at", pa.timestamp("us")),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("posts_count", pa.int64()),
        ("verified", pa.bool_()),
        ("status", pa.string()),
        ("source", pa.string()),
        ("prov_source", pa.string()),
        ("prov_file", pa.string()),
        ("prov_line", pa.int64()),
        ("prov_raw_id", pa.string()),
        ("prov_pointer", pa.string()),
    ]
)

_PROV_STRUCT = (
    "struct_pack(source := prov_source, file := prov_file, line := prov_line, "
    "raw_id := prov_raw_id, pointer := prov_pointer, run_id := ?::BIGINT)"
)


@dataclass
class WriteCounts:
    posts_new: int = 0
    posts_updated: int = 0
    profiles_new: int = 0
    entities_new: int = 0
    raw_new: int = 0
    api_errors: int = 0
    skipped: list[Skip] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.posts_new += other.posts_new
        self.posts_updated += other.posts_updated
        self.profiles_new += other.profiles_new
        self.entities_new += other.entities_new
        self.raw_new += other.raw_new
        self.api_errors += other.api_errors
        self.skipped.extend(other.skipped)


def _merge_post(old: Post, new: Post) -> Post:
    """Combine two observations of one post: fill what is missing; newer metrics win."""
    newer = new.metrics_observed_at is not None and (
        old.metrics_observed_at is None or new.metrics_observed_at > old.metrics_observed_at
    )
    base, other = (new, old) if newer else (old, new)
    for name in POST_FILL_COLUMNS:
        if getattr(base, name) is None and getattr(other, name) is not None:
            setattr(base, name, getattr(other, name))
    if base.kind == "original" and other.kind != "original":
        base.kind = other.kind
    seen = {(e.type, e.value) for e in base.entities}
    base.entities.extend(e for e in other.entities if (e.type, e.value) not in seen)
    return base


class StoreWriter:
    """Buffers records of one run and writes them batch by batch, each batch one transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: int, *, batch_posts: int = 50_000) -> None:
        self.con = con
        self.run_id = run_id
        self.batch_posts = batch_posts
        self.counts = WriteCounts()
        self._posts: dict[tuple[str, str], Post] = {}
        self._profiles: dict[tuple[str, str, datetime], ProfileSnapshot] = {}
        self._raw: dict[str, tuple[str, str | None, int | None, datetime | None, int, bytes]] = {}
        self._raw_bytes = 0
        self._errors: dict[str, ApiError] = {}
        self._skips: list[Skip] = []

    # -- buffering -------------------------------------------------------------------------
    def add_raw(
        self, fmt: str, payload: bytes, *, file: str | None, line: int | None, retrieved_at: datetime | None
    ) -> str:
        raw_id = rawstore.raw_id_of(payload)
        if raw_id not in self._raw:
            blob = rawstore.compress(payload)
            self._raw[raw_id] = (fmt, file, line, retrieved_at, len(payload), blob)
            self._raw_bytes += len(blob)
        return raw_id

    def add_post(self, post: Post) -> None:
        key = (post.platform, post.post_id)
        old = self._posts.get(key)
        self._posts[key] = post if old is None else _merge_post(old, post)

    def add_profile(self, snap: ProfileSnapshot) -> None:
        key = (snap.platform, snap.user_id, snap.observed_at)
        self._profiles.setdefault(key, snap)

    def add_api_error(self, err: ApiError) -> None:
        error_id = hashlib.blake2b(
            f"{err.platform}\x00{err.raw}".encode(), digest_size=16
        ).hexdigest()
        self._errors.setdefault(error_id, err)

    def add_skip(self, skip: Skip) -> None:
        self._skips.append(skip)

    def maybe_flush(self) -> None:
        if len(self._posts) >= self.batch_posts or self._raw_bytes >= 64 * 2**20:
            self.flush()

    # -- writing ---------------------------------------------------------------------------
    def flush(self) -> WriteCounts:
        """Write everything buffered in one transaction; returns this batch's counts."""
        batch = WriteCounts()
        if not (self._posts or self._profiles or self._raw or self._errors or self._skips):
            return batch
        con = self.con
        with transaction(con):
            if self._raw:
                batch.raw_new = self._write_raw()
            if self._posts:
                self._write_posts(batch)
            if self._profiles:
                batch.profiles_new = self._write_profiles()
            if self._errors:
                batch.api_errors = self._write_errors()
            if self._skips:
                con.executemany(
                    "INSERT INTO run_skips VALUES (?, ?, ?, ?)",
                    [[self.run_id, s.file, s.line, s.reason] for s in self._skips],
                )
                batch.skipped = list(self._skips)
            con.execute(
                """UPDATE runs SET posts_new = coalesce(posts_new, 0) + ?,
                       posts_updated = coalesce(posts_updated, 0) + ?,
                       profiles_new = coalesce(profiles_new, 0) + ?,
                       entities_new = coalesce(entities_new, 0) + ?,
                       api_errors = coalesce(api_errors, 0) + ?,
                       skipped = coalesce(skipped, 0) + ?
                   WHERE run_id = ?""",
                [
                    batch.posts_new,
                    batch.posts_updated,
                    batch.profiles_new,
                    batch.entities_new,
                    batch.api_errors,
                    len(batch.skipped),
                    self.run_id,
                ],
            )
        self._posts.clear()
        self._profiles.clear()
        self._raw.clear()
        self._raw_bytes = 0
        self._errors.clear()
        self._skips.clear()
        self.counts.add(batch)
        return batch

    def _write_raw(self) -> int:
        cols = list(zip(*[(k, *v) for k, v in self._raw.items()]))
        tbl = pa.table(
            {
                "raw_id": pa.array(cols[0], pa.string()),
                "format": pa.array(cols[1], pa.string()),
                "file": pa.array(cols[2], pa.string()),
                "line": pa.array(cols[3], pa.int64()),
                "retrieved_at": pa.array(cols[4], pa.timestamp("us")),
                "size": pa.array(cols[5], pa.int64()),
                "payload": pa.array(cols[6], pa.binary()),
            }
        )
        self.con.register("_batch_raw", tbl)
        try:
            before = self._count("raw_payloads")
            self.con.execute(
                f"""INSERT OR IGNORE INTO raw_payloads
                    SELECT raw_id, format, file, line, retrieved_at, size, '{rawstore.CODEC}', payload
                    FROM _batch_raw"""
            )
            return self._count("raw_payloads") - before
        finally:
            self.con.unregister("_batch_raw")

    def _count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _write_posts(self, batch: WriteCounts) -> None:
        posts = list(self._posts.values())
        names = _POST_SCHEMA.names
        columns: dict[str, list] = {n: [] for n in names}
        ent_rows: list[tuple[str, str, str, str, str]] = []
        for p in posts:
            for n in names[:21]:
                columns[n].append(getattr(p, n))
            prov = p.provenance
            columns["prov_source"].append(prov.source)
            columns["prov_file"].append(prov.file)
            columns["prov_line"].append(prov.line)
            columns["prov_raw_id"].append(prov.raw_id)
            columns["prov_pointer"].append(prov.pointer)
            for e in p.entities:
                ent_rows.append((p.platform, p.post_id, e.type, e.value, e.normalized))
        tbl = pa.table(columns, schema=_POST_SCHEMA)
        con = self.con
        con.register("_batch_posts", tbl)
        try:
            fill_changed = " OR ".join(f"(p.{c} IS NULL AND b.{c} IS NOT NULL)" for c in POST_FILL_COLUMNS)
            newer = (
                "(b.metrics_observed_at IS NOT NULL AND (p.metrics_observed_at IS NULL "
                "OR b.metrics_observed_at > p.metrics_observed_at))"
            )
            new, updated = con.execute(
                f"""SELECT count(*) FILTER (WHERE p.post_id IS NULL),
                           count(*) FILTER (WHERE p.post_id IS NOT NULL AND ({newer} OR {fill_changed}
                                   OR (p.kind = 'original' AND b.kind <> 'original')))
                    FROM _batch_posts b LEFT JOIN posts p USING (platform, post_id)"""
            ).fetchone()
            batch.posts_new = new
            batch.posts_updated = updated
            newer_x = (
                "(excluded.metrics_observed_at IS NOT NULL AND (posts.metrics_observed_at IS NULL "
                "OR excluded.metrics_observed_at > posts.metrics_observed_at))"
            )
            sets = [f"{c} = coalesce(posts.{c}, excluded.{c})" for c in POST_FILL_COLUMNS]
            sets += [
                f"{c} = CASE WHEN {newer_x} THEN excluded.{c} ELSE posts.{c} END"
                for c in (*METRIC_COLUMNS, "metrics_observed_at")
            ]
            sets.append(
                "kind = CASE WHEN posts.kind = 'original' AND excluded.kind <> 'original' "
                "THEN excluded.kind ELSE posts.kind END"
            )
            where = " OR ".join(
                [newer_x, "(posts.kind = 'original' AND excluded.kind <> 'original')"]
                + [f"(posts.{c} IS NULL AND excluded.{c} IS NOT NULL)" for c in POST_FILL_COLUMNS]
            )
            cols = ", ".join(names[:21])
            con.execute(
                f"""INSERT INTO posts ({cols}, deleted_at, provenance, first_seen_at)
                    SELECT {cols}, NULL, {_PROV_STRUCT}, now()::TIMESTAMP FROM _batch_posts
                    ON CONFLICT (platform, post_id) DO UPDATE SET {", ".join(sets)} WHERE {where}""",
                [self.run_id],
            )
        finally:
            con.unregister("_batch_posts")
        if ent_rows:
            ecols = list(zip(*ent_rows))
            etbl = pa.table(
                {
                    "platform": pa.array(ecols[0], pa.string()),
                    "post_id": pa.array(ecols[1], pa.string()),
                    "type": pa.array(ecols[2], pa.string()),
                    "value": pa.array(ecols[3], pa.string()),
                    "normalized": pa.array(ecols[4], pa.string()),
                }
            )
            con.register("_batch_entities", etbl)
            try:
                before = self._count("post_entities")
                con.execute(
                    "INSERT OR IGNORE INTO post_entities SELECT DISTINCT * FROM _batch_entities"
                )
                batch.entities_new = self._count("post_entities") - before
            finally:
                con.unregister("_batch_entities")

    def _write_profiles(self) -> int:
        names = _PROFILE_SCHEMA.names
        columns: dict[str, list] = {n: [] for n in names}
        for s in self._profiles.values():
            for n in names[:14]:
                columns[n].append(getattr(s, n))
            prov = s.provenance
            columns["prov_source"].append(prov.source)
            columns["prov_file"].append(prov.file)
            columns["prov_line"].append(prov.line)
            columns["prov_raw_id"].append(prov.raw_id)
            columns["prov_pointer"].append(prov.pointer)
        tbl = pa.table(columns, schema=_PROFILE_SCHEMA)
        self.con.register("_batch_profiles", tbl)
        try:
            before = self._count("profile_snapshots")
            cols = ", ".join(names[:14])
            self.con.execute(
                f"""INSERT OR IGNORE INTO profile_snapshots ({cols}, provenance)
                    SELECT {cols}, {_PROV_STRUCT} FROM _batch_profiles""",
                [self.run_id],
            )
            return self._count("profile_snapshots") - before
        finally:
            self.con.unregister("_batch_profiles")

    def _write_errors(self) -> int:
        before = self._count("api_errors")
        self.con.executemany(
            "INSERT OR IGNORE INTO api_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    eid,
                    self.run_id,
                    e.platform,
                    e.provenance.file,
                    e.provenance.line,
                    e.title,
                    e.detail,
                    e.resource_type,
                    e.resource_id,
                    e.raw,
                ]
                for eid, e in self._errors.items()
            ],
        )
        return self._count("api_errors") - before
