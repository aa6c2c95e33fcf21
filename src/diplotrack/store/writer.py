"""Writing normalised records into the store: batched, idempotent merges on natural keys.

Records arrive one by one (``add_post`` …) or as Arrow tables built in worker processes
(``add_tables``). They are written in batches; each batch is one transaction, so a process
killed at any moment leaves only whole batches behind, and re-running the same input changes
nothing, because every write merges on its natural key:

- posts (platform, post_id): a new post is inserted; a known one gains the fields it lacked, a
  more specific kind (repost > quote > reply > original), and its public metrics are replaced
  only by a *newer* observation (``metrics_observed_at``). Several observations of one post in a
  batch are first combined the same way. Its text is the first one seen, unless a source dates
  a newer, different reading of it (an edit: ``store/edits.py``, kept in ``post_edits``).
- post_entities (platform, post_id, type, value): the union of what every observation of a post
  listed; insert if absent.
- profile_snapshots (platform, user_id, observed_at), raw_payloads (content hash), api_errors
  (content hash): insert if absent.

The big tables carry no index: keys are enforced here, by joins against just the keys a batch
touches, which keeps bulk imports fast and memory flat (see docs/data-model.md).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from diplotrack.records import ApiError, FollowEdge, Post, ProfileSnapshot, Skip
from diplotrack.store import edits, rollups
from diplotrack.store.batch import RecordBatch, compress_raw, skips_of
from diplotrack.store.db import transaction

# an import's batches while writing in the background (StoreWriter overlap)
OVERLAP_POSTS = 25_000
OVERLAP_BYTES = 64 * 2**20  # of raw payloads held: not yet compressed (about 5x their stored size)
_NEW_POSTS = "SELECT platform, post_id FROM _bp ANTI JOIN _op USING (platform, post_id)"
# the rows a batch of posts all new to the store inserted, as posts holds them (rollups.add_new)
_BATCH_NEW_POSTS = "SELECT *, NULL::TIMESTAMP AS deleted_at FROM _bp"
FILL_COLUMNS = (
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
METRIC_COLUMNS = (
    "like_count",
    "repost_count",
    "reply_count",
    "quote_count",
    "view_count",
    "metrics_observed_at",
)
_KIND_RANK = "CASE {k} WHEN 'repost' THEN 0 WHEN 'quote' THEN 1 WHEN 'reply' THEN 2 ELSE 3 END"
_RANK_KIND = "CASE {r} WHEN 0 THEN 'repost' WHEN 1 THEN 'quote' WHEN 2 THEN 'reply' ELSE 'original' END"
# how good a row's metrics are: a dated observation by its time, undated metrics next, none last
_METRIC_KEY = (
    "CASE WHEN metrics_observed_at IS NOT NULL THEN epoch_us(metrics_observed_at) "
    "WHEN coalesce(like_count, repost_count, reply_count, quote_count, view_count) IS NOT NULL THEN -1 ELSE -2 END"
)
_PROV = (
    "struct_pack(source := prov_source, file := prov_file, line := prov_line, "
    "raw_id := prov_raw_id, pointer := prov_pointer, run_id := {run}::BIGINT)"
)


@dataclass
class WriteCounts:
    posts_new: int = 0
    posts_updated: int = 0
    profiles_new: int = 0
    entities_new: int = 0
    raw_new: int = 0
    api_errors: int = 0
    records: int = 0
    skipped: list[Skip] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.posts_new += other.posts_new
        self.posts_updated += other.posts_updated
        self.profiles_new += other.profiles_new
        self.entities_new += other.entities_new
        self.raw_new += other.raw_new
        self.api_errors += other.api_errors
        self.records += other.records
        self.skipped.extend(other.skipped)


class StoreWriter:
    """Buffers the records of one run and writes them batch by batch, each batch one transaction.

    With ``overlap=True`` (imports) a full batch is written by a background thread while the caller
    goes on reading: DuckDB (and zstd) release the GIL while they merge (compress), so on two cores
    parsing and merging run at the same time. The raw payloads of records added one by one are then
    compressed by that thread too (``RecordBatch(defer_compression=True)``), and batches are smaller
    (``OVERLAP_POSTS`` posts or ``OVERLAP_BYTES`` of raw payloads held) so that the last,
    unoverlapped one is short. At most one batch is being written
    and one filled, in file order; the connection is used by one thread at a time, and a failed
    write is raised by the next ``maybe_flush``, ``flush`` or ``close``."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, run_id: int, *, batch_posts: int = 200_000, overlap: bool = False
    ) -> None:
        self.con = con
        self.run_id = run_id
        self.batch_posts = min(batch_posts, OVERLAP_POSTS) if overlap else batch_posts
        self.batch_bytes = OVERLAP_BYTES if overlap else 128 * 2**20
        self.counts = WriteCounts()
        self.batch = RecordBatch(defer_compression=overlap)
        self._pending: list[dict[str, pa.Table]] = []
        self._pending_posts = 0
        self._pending_bytes = 0
        self._pending_records = 0
        self._follows: list[FollowEdge] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer") if overlap else None
        self._inflight: Future[WriteCounts] | None = None

    # -- the sink interface importers use ---------------------------------------------------
    def add_raw(
        self, fmt: str, payload: bytes, *, file: str | None, line: int | None, retrieved_at: datetime | None
    ) -> str:
        return self.batch.add_raw(fmt, payload, file=file, line=line, retrieved_at=retrieved_at)

    def add_post(self, post: Post) -> None:
        self.batch.add_post(post)

    def add_profile(self, snap: ProfileSnapshot) -> None:
        self.batch.add_profile(snap)

    def add_api_error(self, err: ApiError) -> None:
        self.batch.add_api_error(err)

    def add_skip(self, skip: Skip) -> None:
        self.batch.add_skip(skip)

    def add_follow_edge(self, edge: FollowEdge) -> None:
        self._follows.append(edge)
        self.batch.records += 1

    def add_tables(self, tables: dict[str, pa.Table], records: int) -> None:
        """Add a batch built elsewhere (a worker process), already as Arrow tables."""
        self._pending.append(tables)
        self._pending_posts += tables["posts"].num_rows
        self._pending_bytes += tables["raw"].nbytes
        self._pending_records += records
        self.maybe_flush()

    def maybe_flush(self) -> None:
        posts = self._pending_posts + self.batch.n_posts
        size = self._pending_bytes + self.batch.raw_bytes
        if posts >= self.batch_posts or size >= self.batch_bytes:
            if self._pool is None:
                self.flush()
                return
            work = self._take()
            self._wait()
            if work is not None:
                self._inflight = self._pool.submit(self._write, *work, None)

    # -- writing ---------------------------------------------------------------------------
    def flush(self, on_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> WriteCounts:
        """Write everything buffered in one transaction (after any batch still being written in the
        background); returns this batch's counts.

        ``on_commit`` runs inside that same transaction, after the records are merged: a collector
        saves the cursor of the page it just wrote there, so page and cursor commit together."""
        self._wait()
        work = self._take()
        if work is None:
            if on_commit is not None:
                with transaction(self.con):
                    on_commit(self.con)
            return WriteCounts()
        return self._write(*work, on_commit)

    def close(self) -> None:
        """Wait for a batch still being written (its error, if any, is dropped: an error is already
        on its way out, or ``flush`` raised it) and stop the background thread."""
        if self._pool is None:
            return
        try:
            self._wait()
        except Exception:  # noqa: BLE001 - see the docstring
            pass
        finally:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _wait(self) -> None:
        fut, self._inflight = self._inflight, None
        if fut is not None:
            fut.result()

    def _take(self) -> tuple[list[tuple[dict[str, pa.Table], bool]], int, list[FollowEdge]] | None:
        """Everything buffered, as Arrow tables, each with whether its raw payloads are still to be
        compressed (the own batch of an import), leaving the buffers empty; None when there is nothing."""
        parts = [(tables, False) for tables in self._pending]
        records = self._pending_records + self.batch.records
        follows, self._follows = self._follows, []
        if self.batch.records or self.batch.skips or self.batch.raw_bytes:
            parts.append((self.batch.to_arrow(), self.batch.defer_compression))
        self._pending, self._pending_posts, self._pending_bytes, self._pending_records = [], 0, 0, 0
        self.batch = RecordBatch(defer_compression=self._pool is not None)
        if not parts and not follows:
            return None
        if not parts:
            parts = [(RecordBatch().to_arrow(), False)]
        return parts, records, follows

    def _write(
        self,
        parts: list[tuple[dict[str, pa.Table], bool]],
        records: int,
        follows: list[FollowEdge],
        on_commit: Callable[[duckdb.DuckDBPyConnection], None] | None,
    ) -> WriteCounts:
        """Merge one batch in one transaction (on the caller's thread or the background one)."""
        ready = [compress_raw(tables) if deferred else tables for tables, deferred in parts]
        tables = {name: pa.concat_tables([t[name] for t in ready]) for name in ready[0]}
        counts = WriteCounts(records=records, skipped=skips_of(tables["skips"]))
        con = self.con
        names = ("raw", "posts", "entities", "profiles", "errors", "skips")
        for name in names:
            con.register(f"_b_{name}", tables[name])
        try:
            with transaction(con):
                if tables["raw"].num_rows:
                    counts.raw_new = self._merge_raw()
                if tables["posts"].num_rows:
                    known = self._merge_posts(counts)
                    # the rollups: a batch of posts all new to the store is rolled up from its own
                    # rows (_bp, _be); else the keys its known posts had and have are recomputed
                    if known or not rollups.add_new(con, _BATCH_NEW_POSTS, "SELECT * FROM _be"):
                        rollups.mark_rows(con, "SELECT * FROM _op")
                        rollups.mark(con, "SELECT platform, post_id FROM _op")
                        rollups.refresh(con, new=_NEW_POSTS)
                if tables["profiles"].num_rows:
                    counts.profiles_new = self._merge_profiles()
                if tables["errors"].num_rows:
                    counts.api_errors = self._merge_errors()
                if follows:
                    self._merge_follows(follows)
                if tables["skips"].num_rows:
                    con.execute(f"INSERT INTO run_skips SELECT {self.run_id}, file, line, reason FROM _b_skips")
                con.execute(
                    """UPDATE runs SET posts_new = coalesce(posts_new, 0) + ?,
                           posts_updated = coalesce(posts_updated, 0) + ?,
                           profiles_new = coalesce(profiles_new, 0) + ?,
                           entities_new = coalesce(entities_new, 0) + ?,
                           api_errors = coalesce(api_errors, 0) + ?,
                           skipped = coalesce(skipped, 0) + ?
                       WHERE run_id = ?""",
                    [
                        counts.posts_new,
                        counts.posts_updated,
                        counts.profiles_new,
                        counts.entities_new,
                        counts.api_errors,
                        len(counts.skipped),
                        self.run_id,
                    ],
                )
                if on_commit is not None:
                    on_commit(con)
        finally:
            for name in names:
                con.unregister(f"_b_{name}")
            con.execute(" ".join(f"DROP TABLE IF EXISTS {t};" for t in ("_bp", "_op", "_up", "_be", edits.TEMP)))
        self.counts.add(counts)
        return counts

    def _unique(self, table: str, keys: str) -> str:
        """``table`` (a batch table) with one row per ``keys``: DISTINCT ON only when a key repeats,
        which is rare and costs a hash of every column."""
        if self._one(f"SELECT count(*) - count(DISTINCT ({keys})) FROM {table}"):
            return f"(SELECT DISTINCT ON ({keys}) * FROM {table})"
        return table

    def _one(self, sql: str) -> int:
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def _merge_raw(self) -> int:
        return self._one(
            f"""INSERT INTO raw_payloads
               SELECT b.raw_id, b.format, b.file, b.line, b.retrieved_at, b.size, 'zstd', b.payload
               FROM {self._unique("_b_raw", "raw_id")} b
               ANTI JOIN (SELECT raw_id FROM raw_payloads SEMI JOIN _b_raw USING (raw_id)) old USING (raw_id)"""
        )

    def _merge_posts(self, counts: WriteCounts) -> int:
        """Merge the batch's posts and entities; returns how many of its posts the store already held."""
        con = self.con
        dups = self._one("SELECT count(*) - count(DISTINCT (platform, post_id)) FROM _b_posts")
        if dups:
            fills = ", ".join(f"arg_max({c}, _rk) AS {c}" for c in FILL_COLUMNS)
            metrics = ", ".join(f"arg_max_null({c}, _mk) AS {c}" for c in METRIC_COLUMNS)
            provs = ", ".join(
                f"arg_min({c}, _row) AS {c}"
                for c in ("prov_source", "prov_file", "prov_line", "prov_raw_id", "prov_pointer")
            )
            con.execute(
                # only the posts observed several times are combined; the rest pass as they are
                f"""CREATE TEMP TABLE _bp AS
                    WITH d AS (SELECT platform, post_id FROM _b_posts GROUP BY ALL HAVING count(*) > 1)
                    SELECT * FROM _b_posts ANTI JOIN d USING (platform, post_id)
                    UNION ALL BY NAME
                    SELECT platform, post_id, {fills},
                           {_RANK_KIND.format(r="min(" + _KIND_RANK.format(k="kind") + ")")} AS kind,
                           {metrics}, {provs}, max(text_observed_at) AS text_observed_at
                    FROM (SELECT *, {_METRIC_KEY} AS _mk, _mk::HUGEINT * 4294967296 + _row AS _rk
                          FROM (SELECT *, row_number() OVER () AS _row FROM _b_posts)
                          SEMI JOIN d USING (platform, post_id))
                    GROUP BY platform, post_id"""
            )
        else:
            con.execute("CREATE TEMP TABLE _bp AS SELECT * FROM _b_posts")
        con.execute("CREATE TEMP TABLE _op AS SELECT p.* FROM posts p SEMI JOIN _bp USING (platform, post_id)")
        cols = (
            "platform, post_id, author_id, author_handle, created_at, text, lang, kind, reposted_post_id, "
            "reposted_author_id, quoted_post_id, quoted_author_id, replied_to_post_id, replied_to_author_id, "
            "conversation_id, like_count, repost_count, reply_count, quote_count, view_count, metrics_observed_at, "
            "source_client"
        )
        counts.posts_new = self._one(
            f"""INSERT INTO posts ({cols}, deleted_at, provenance, first_seen_at)
                SELECT {cols}, NULL, {_PROV.format(run=self.run_id)}, now()::TIMESTAMP
                FROM _bp ANTI JOIN _op USING (platform, post_id)"""
        )
        entity_keys = "SELECT platform, post_id FROM _bp ANTI JOIN _op USING (platform, post_id)"
        known = self._one("SELECT count(*) FROM _op")
        entities = self._unique("_b_entities", "platform, post_id, type, value")
        if known:
            newer = (
                "(b.metrics_observed_at IS NOT NULL AND (p.metrics_observed_at IS NULL "
                "OR b.metrics_observed_at > p.metrics_observed_at))"
                " OR (p.metrics_observed_at IS NULL AND b.metrics_observed_at IS NULL AND "
                "coalesce(p.like_count, p.repost_count, p.view_count) IS NULL "
                "AND coalesce(b.like_count, b.view_count) IS NOT NULL)"
            )
            b_rank, p_rank = _KIND_RANK.format(k="b.kind"), _KIND_RANK.format(k="p.kind")
            # an edit (store/edits.py: a source's newer dated text) replaces the text; else the first one stays
            edited = edits.find(con)
            fills = {c: f"coalesce(p.{c}, b.{c})" for c in FILL_COLUMNS}
            changed_by = [f"({newer})", f"{b_rank} < {p_rank}"]
            join = ""
            if edited:
                fills["text"] = "CASE WHEN ed.post_id IS NOT NULL THEN ed.new_text ELSE coalesce(p.text, b.text) END"
                changed_by.append("ed.post_id IS NOT NULL")
                join = f"LEFT JOIN {edits.TEMP} ed USING (platform, post_id)"
            changed = " OR ".join(changed_by + [f"(p.{c} IS NULL AND b.{c} IS NOT NULL)" for c in FILL_COLUMNS])
            merged = ", ".join(
                [f"{fills[c]} AS {c}" for c in FILL_COLUMNS]
                + [f"CASE WHEN {newer} THEN b.{c} ELSE p.{c} END AS {c}" for c in METRIC_COLUMNS]
                + [f"{_RANK_KIND.format(r=f'least({b_rank}, {p_rank})')} AS kind"]
            )
            con.execute(
                f"""CREATE TEMP TABLE _up AS SELECT platform, post_id, {merged}
                    FROM _bp b JOIN _op p USING (platform, post_id) {join} WHERE {changed}"""
            )
            counts.posts_updated = self._one("SELECT count(*) FROM _up")
            if counts.posts_updated:
                sets = ", ".join(f"{c} = u.{c}" for c in (*FILL_COLUMNS, *METRIC_COLUMNS, "kind"))
                con.execute(
                    f"""UPDATE posts SET {sets} FROM _up u
                        WHERE posts.platform = u.platform AND posts.post_id = u.post_id"""
                )
            if edited:
                edits.record(con, self.run_id)
            # a known post gains the entities it lacked, changed or not (e.g. a CHC post listed
            # once per mentionee, its rows in different batches)
            counts.entities_new += self._one(
                f"""INSERT INTO post_entities
                   SELECT e.* FROM {entities} e SEMI JOIN _op USING (platform, post_id)
                   ANTI JOIN (SELECT pe.platform, pe.post_id, pe.type, pe.value
                              FROM post_entities pe SEMI JOIN _op USING (platform, post_id)) old
                        USING (platform, post_id, type, value)"""
            )
        if known:
            counts.entities_new += self._one(
                f"""INSERT INTO post_entities
                    SELECT e.* FROM {entities} e SEMI JOIN ({entity_keys}) n USING (platform, post_id)"""
            )
        else:  # every post is new: its entity rows are kept (_be) for rolling them up (rollups.add_new)
            con.execute(f"CREATE TEMP TABLE _be AS SELECT * FROM {entities}")
            counts.entities_new += self._one("INSERT INTO post_entities SELECT * FROM _be")
        return known

    def _merge_profiles(self) -> int:
        batch = self._unique("_b_profiles", "platform, user_id, observed_at")
        cols = (
            "platform, user_id, observed_at, handle, display_name, description, location, created_at, "
            "followers, following, posts_count, verified, status, source, verified_type, affiliation, url"
        )
        return self._one(
            f"""INSERT INTO profile_snapshots ({cols}, provenance)
                SELECT {cols}, {_PROV.format(run=self.run_id)}
                FROM {batch} b
                ANTI JOIN (SELECT platform, user_id, observed_at FROM profile_snapshots
                           SEMI JOIN _b_profiles USING (platform, user_id, observed_at)) old
                     USING (platform, user_id, observed_at)"""
        )

    def _merge_follows(self, follows: list[FollowEdge]) -> None:
        """Follow edges, keyed by (platform, follower_id, followed_id, observed_at): insert if absent."""
        cols = ("platform", "follower_id", "followed_id", "follower_handle", "followed_handle", "observed_at", "source")
        table = pa.table(
            {
                **{c: [getattr(e, c) for e in follows] for c in cols},
                **{f"p_{c}": [getattr(e.provenance, c) for e in follows] for c in ("source", "file", "line", "raw_id")},
            }
        )
        self.con.register("_b_follows", table)
        try:
            self.con.execute(
                f"""INSERT INTO follow_edges
                    SELECT {", ".join(cols)},
                           struct_pack(source := p_source, file := p_file, line := p_line, raw_id := p_raw_id,
                                       pointer := NULL::VARCHAR, run_id := {self.run_id}::BIGINT)
                    FROM (SELECT DISTINCT ON (platform, follower_id, followed_id, observed_at) * FROM _b_follows) b
                    ANTI JOIN follow_edges f USING (platform, follower_id, followed_id, observed_at)"""
            )
        finally:
            self.con.unregister("_b_follows")

    def _merge_errors(self) -> int:
        return self._one(
            f"""INSERT INTO api_errors
                SELECT error_id, {self.run_id}, platform, file, line, title, detail, resource_type,
                       resource_id, raw
                FROM (SELECT DISTINCT ON (error_id) * FROM _b_errors)
                ON CONFLICT DO NOTHING"""
        )
