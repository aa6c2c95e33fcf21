"""A batch of normalised records held column by column, ready to become Arrow tables.

Importers (in this process or in worker processes) fill a ``RecordBatch``; the writer merges its
Arrow tables into the store. Keeping rows as columns avoids one Python object per row on the
hot path and lets batches cross process boundaries cheaply.
"""

from __future__ import annotations

import hashlib
import operator
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from diplotrack.records import ApiError, Post, ProfileSnapshot, Skip
from diplotrack.store import raw as rawstore

_TS = pa.timestamp("us")
_S = pa.string()
_I = pa.int64()

POST_SCHEMA = pa.schema(
    [
        ("platform", _S),
        ("post_id", _S),
        ("author_id", _S),
        ("author_handle", _S),
        ("created_at", _TS),
        ("text", _S),
        ("lang", _S),
        ("kind", _S),
        ("reposted_post_id", _S),
        ("reposted_author_id", _S),
        ("quoted_post_id", _S),
        ("quoted_author_id", _S),
        ("replied_to_post_id", _S),
        ("replied_to_author_id", _S),
        ("conversation_id", _S),
        ("like_count", _I),
        ("repost_count", _I),
        ("reply_count", _I),
        ("quote_count", _I),
        ("view_count", _I),
        ("metrics_observed_at", _TS),
        ("source_client", _S),
        ("text_observed_at", _TS),
        ("prov_source", _S),
        ("prov_file", _S),
        ("prov_line", _I),
        ("prov_raw_id", _S),
        ("prov_pointer", _S),
    ]
)
ENTITY_SCHEMA = pa.schema([("platform", _S), ("post_id", _S), ("type", _S), ("value", _S), ("normalized", _S)])
PROFILE_SCHEMA = pa.schema(
    [
        ("platform", _S),
        ("user_id", _S),
        ("observed_at", _TS),
        ("handle", _S),
        ("display_name", _S),
        ("description", _S),
        ("location", _S),
        ("created_at", _TS),
        ("followers", _I),
        ("following", _I),
        ("posts_count", _I),
        ("verified", pa.bool_()),
        ("status", _S),
        ("source", _S),
        ("verified_type", _S),
        ("affiliation", _S),
        ("url", _S),
        ("prov_source", _S),
        ("prov_file", _S),
        ("prov_line", _I),
        ("prov_raw_id", _S),
        ("prov_pointer", _S),
    ]
)
RAW_SCHEMA = pa.schema(
    [
        ("raw_id", _S),
        ("format", _S),
        ("file", _S),
        ("line", _I),
        ("retrieved_at", _TS),
        ("size", _I),
        ("payload", pa.binary()),
    ]
)
ERROR_SCHEMA = pa.schema(
    [
        ("error_id", _S),
        ("platform", _S),
        ("file", _S),
        ("line", _I),
        ("title", _S),
        ("detail", _S),
        ("resource_type", _S),
        ("resource_id", _S),
        ("raw", _S),
    ]
)
SKIP_SCHEMA = pa.schema([("file", _S), ("line", _I), ("reason", _S)])

_post_values = operator.attrgetter(*POST_SCHEMA.names[:23])
_profile_values = operator.attrgetter(*PROFILE_SCHEMA.names[:-5])  # the fields of ProfileSnapshot, not prov_*


def _rows_table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    if not rows:
        return schema.empty_table()
    columns = list(zip(*rows, strict=True))
    return pa.table([pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)


# which column of each table holds a line number that is relative to the chunk it was read in
LINE_COLUMNS = {
    "posts": "prov_line",
    "profiles": "prov_line",
    "raw": "line",
    "errors": "line",
    "skips": "line",
}


class RecordBatch:
    """Column lists for posts, entities, profiles, raw payloads, API errors and skips."""

    def __init__(self, *, defer_compression: bool = False) -> None:
        # raw payloads are compressed as they arrive, or, deferred, by whoever writes the batch
        # (``compress_raw``: the import's background writer thread, off the parsing thread)
        self.defer_compression = defer_compression
        # posts and profiles are kept as row tuples (one C-level call per row) and turned into
        # columns once, in to_arrow
        self.post_rows: list[tuple] = []
        self.profile_rows: list[tuple] = []
        self.entities: dict[str, list] = {n: [] for n in ENTITY_SCHEMA.names}
        self.raw: dict[str, list] = {n: [] for n in RAW_SCHEMA.names}
        self.errors: dict[str, list] = {n: [] for n in ERROR_SCHEMA.names}
        self.skips: list[Skip] = []
        self._raw_ids: set[str] = set()
        self.raw_bytes = 0
        self.records = 0  # posts, profiles and errors mapped (not skips)

    @property
    def n_posts(self) -> int:
        return len(self.post_rows)

    def add_raw(
        self, fmt: str, payload: bytes, *, file: str | None, line: int | None, retrieved_at: datetime | None
    ) -> str:
        raw_id = rawstore.raw_id_of(payload)
        if raw_id not in self._raw_ids:
            self._raw_ids.add(raw_id)
            blob = payload if self.defer_compression else rawstore.compress(payload)
            for name, value in zip(
                RAW_SCHEMA.names, (raw_id, fmt, file, line, retrieved_at, len(payload), blob), strict=True
            ):
                self.raw[name].append(value)
            self.raw_bytes += len(blob)
        return raw_id

    def add_post(self, post: Post) -> None:
        prov = post.provenance
        self.post_rows.append(_post_values(post) + (prov.source, prov.file, prov.line, prov.raw_id, prov.pointer))
        if post.entities:
            ents = self.entities
            for e in post.entities:
                ents["platform"].append(post.platform)
                ents["post_id"].append(post.post_id)
                ents["type"].append(e.type)
                ents["value"].append(e.value)
                ents["normalized"].append(e.normalized)
        self.records += 1

    def add_profile(self, snap: ProfileSnapshot) -> None:
        prov = snap.provenance
        self.profile_rows.append(_profile_values(snap) + (prov.source, prov.file, prov.line, prov.raw_id, prov.pointer))
        self.records += 1

    def add_api_error(self, err: ApiError) -> None:
        error_id = hashlib.blake2b(f"{err.platform}\x00{err.raw}".encode(), digest_size=16).hexdigest()
        values = (
            error_id,
            err.platform,
            err.provenance.file,
            err.provenance.line,
            err.title,
            err.detail,
            err.resource_type,
            err.resource_id,
            err.raw,
        )
        for name, value in zip(ERROR_SCHEMA.names, values, strict=True):
            self.errors[name].append(value)
        self.records += 1

    def add_skip(self, skip: Skip) -> None:
        self.skips.append(skip)

    def maybe_flush(self) -> None:
        """A batch is written by whoever holds it; nothing to do here (the sink interface)."""

    def to_arrow(self) -> dict[str, pa.Table]:
        return {
            "posts": _rows_table(self.post_rows, POST_SCHEMA),
            "entities": pa.table(self.entities, schema=ENTITY_SCHEMA),
            "profiles": _rows_table(self.profile_rows, PROFILE_SCHEMA),
            "raw": pa.table(self.raw, schema=RAW_SCHEMA),
            "errors": pa.table(self.errors, schema=ERROR_SCHEMA),
            "skips": pa.table(
                {
                    "file": [s.file for s in self.skips],
                    "line": [s.line for s in self.skips],
                    "reason": [s.reason for s in self.skips],
                },
                schema=SKIP_SCHEMA,
            ),
        }


def compress_raw(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """``tables`` with their raw payloads compressed (a batch made with ``defer_compression``).

    zstd releases the GIL while it compresses, so this runs beside the parsing thread. It uses the
    store's one compressor (raw.py), which must not be used by two threads at once: in an import
    only the writer thread compresses (the parsing thread defers, worker processes have their own)."""
    raw = tables["raw"]
    if not raw.num_rows:
        return tables
    i = raw.schema.get_field_index("payload")
    blobs = pa.array([rawstore.compress(p) for p in raw.column(i).to_pylist()], pa.binary())
    return {**tables, "raw": raw.set_column(i, "payload", blobs)}


def shift_lines(tables: dict[str, pa.Table], offset: int) -> dict[str, pa.Table]:
    """Make chunk-relative line numbers absolute by adding ``offset`` (lines before the chunk)."""
    if offset == 0:
        return tables
    out = dict(tables)
    for name, col in LINE_COLUMNS.items():
        t = out[name]
        if t.num_rows:
            i = t.schema.get_field_index(col)
            out[name] = t.set_column(i, col, pc.add(t.column(col), offset))
    return out


def skips_of(table: pa.Table) -> list[Skip]:
    return [Skip(file=f, line=ln, reason=r) for f, ln, r in zip(*table.to_pydict().values(), strict=True)]
