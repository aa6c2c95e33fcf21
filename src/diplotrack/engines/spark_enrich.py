"""``diplotrack enrich --engine spark``: the store's enrichment (language, topics, tone, terms, link
domains, state media) computed on Spark over a Parquet export, written back into it as ``post_enrichment``.

The work per post is ``enrich.run.Enricher.run``, the very function ``enrich_store`` runs on the
store, applied to Arrow batches of posts with ``mapInArrow``: each executor's Python worker imports
diplotrack and loads the bundled models and lists once (``enricher_for``), so diplotrack must be
installed where the executors run (docs/enrichment.md, "Enrichment on Spark"). Which posts need it
mirrors ``enrich_store``: those without a row of the current ``enrichment_version``, and those enriched
before a resolution of one of their links; ``force`` redoes every post. Link resolution itself needs the
network and is not done here: links count under the resolutions the export already holds.

The new table (the rows kept and the rows made) is written beside the old one, in the export's layout
(partitioned by ``platform`` and the post's ``month`` when the export is), then swapped in by renames,
and ``manifest.json`` is replaced (temp file + ``os.replace``). A run killed midway leaves the old table
and manifest in use; the next run finishes or undoes what the killed one left (``recover``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplotrack.engines.spark import DEFAULT_MASTER, Export, check_requirements, read_export, session_for
from diplotrack.engines.spark_enrich_output import (
    COLUMNS,
    MANIFEST,
    TABLE,
    Layout,
    Lock,
    layout_of,
    new_manifest,
    recover,
    remove,
    swap,
    tidy,
    write_empty,
)
from diplotrack.errors import DiplotrackError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession

    from diplotrack.enrich.run import Enricher

POSTS_PER_TASK = 20_000  # like enrich_store's CHUNK: one task enriches about this many posts
NO_LINK_RESOLUTION = (
    "links are not resolved on Spark (that needs the network): they count under the resolutions the "
    "export holds; run `diplotrack resolve-links` on the store and export again to add some"
)
_VERSION_MISMATCH = "diplotrack-enrichment-version-mismatch"
_JOB_GROUP = "diplotrack-enrich"


@dataclass
class SparkEnrichReport:
    """What a Spark enrichment did: posts in the export, posts enriched, of which had an older row."""

    version: str
    posts_total: int
    posts_enriched: int
    posts_outdated: int
    rows_written: int
    seconds: float
    tasks: int
    enriched_at: str | None

    @property
    def posts_per_second(self) -> float:
        return self.posts_enriched / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict:
        return {
            "engine": "spark",
            "enrichment_version": self.version,
            "posts_total": self.posts_total,
            "posts_enriched": self.posts_enriched,
            "posts_outdated_replaced": self.posts_outdated,
            "rows_written": self.rows_written,
            "seconds": round(self.seconds, 3),
            "posts_per_second": round(self.posts_per_second, 1),
            "tasks": self.tasks,
            "enriched_at": self.enriched_at,
            "links_resolved": False,
        }


# --- on the executors ---------------------------------------------------------------------------


def executor_enricher(topics: tuple[str, bytes] | None) -> Enricher:
    """The process's ``Enricher`` for the user's topics file shipped as (name, bytes): written once to a
    temporary folder named by its hash (its version is a hash of the bytes, not of the path)."""
    from diplotrack.enrich.run import enricher_for

    if topics is None:
        return enricher_for(None)
    name, data = topics
    folder = Path(tempfile.gettempdir()) / f"diplotrack-topics-{hashlib.sha1(data).hexdigest()[:16]}"
    path = folder / name
    if not path.is_file():
        folder.mkdir(exist_ok=True)
        part = folder / f".{name}.{os.getpid()}"
        part.write_bytes(data)
        os.replace(part, path)
    return enricher_for(path)


def enrich_batches(topics: tuple[str, bytes] | None, version: str) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function ``mapInArrow`` runs on each partition of posts: ``Enricher.run`` on every batch, the
    ``month`` column passed through. It refuses to run when the executor's diplotrack makes another
    enrichment version than the driver's (another diplotrack, or other model files)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        from diplotrack.engines.spark_enrich import executor_enricher  # imported on the executor

        enricher = executor_enricher(topics)
        if enricher.version != version:
            raise RuntimeError(f"{_VERSION_MISMATCH}: {enricher.version}")
        for batch in batches:
            result = enricher.run(batch.to_pydict())
            yield from result.append_column("month", batch.column("month")).to_batches()

    return run


# --- the Spark side -----------------------------------------------------------------------------


def _read(session: SparkSession, export: Export, name: str) -> DataFrame | None:
    path = export.paths.get(name)
    return session.read.parquet(str(path)) if path is not None else None


def _month(created_at: Column) -> Column:
    from pyspark.sql import functions as F

    return F.date_format(created_at, "yyyy-MM")  # the session's time zone is UTC (DEFAULT_CONF)


def _needing(
    posts: DataFrame,
    entities: DataFrame,
    resolutions: DataFrame | None,
    old: DataFrame | None,
    version: str,
    force: bool,
) -> DataFrame:
    """The keys of the posts to enrich, as ``enrich.run._FRESH`` decides on the store (no row of this
    version, or one older than a resolution of one of the post's links; every post with ``force``), and
    ``had_row``: whether an older row is replaced."""
    from pyspark.sql import functions as F

    keys = ["platform", "post_id"]
    todo = posts.select(*keys)
    urls = entities.where(F.col("type") == "url").select(*keys, "normalized")
    if old is not None and not force:
        fresh = old.where(F.col("enrichment_version") == F.lit(version)).select(*keys)
        if resolutions is not None:  # posts enriched before a resolution of one of their links
            stale = (
                urls.join(resolutions.select("url", "resolved_at"), urls["normalized"] == resolutions["url"])
                .join(old.select(*keys, "enriched_at"), keys)
                .where(F.col("resolved_at") > F.col("enriched_at"))
                .select(*keys)
            )
            fresh = fresh.subtract(stale)
        todo = todo.join(fresh, keys, "left_anti")
    if old is not None:
        todo = todo.join(old.select(*keys).distinct().withColumn("had_row", F.lit(True)), keys, "left")
    else:
        todo = todo.withColumn("had_row", F.lit(None).cast("boolean"))
    return todo


def _inputs(posts: DataFrame, entities: DataFrame, resolutions: DataFrame | None, need: DataFrame) -> DataFrame:
    """What ``Enricher.run`` reads of each post of ``need``, as ``enrich.run._TODO`` makes it on the store
    (its hashtags, its links sorted with their resolved final domains, the handles it reposts and quotes),
    and ``month`` (of ``created_at``), the partition it is written to."""
    from pyspark.sql import functions as F

    keys = ["platform", "post_id"]
    todo = posts.select(
        *keys, "text", "kind", "reposted_post_id", "reposted_author_id", "quoted_post_id", "quoted_author_id",
        _month(F.col("created_at")).alias("month"),
    ).join(need.select(*keys), keys, "left_semi")  # fmt: skip
    ents = entities.where(F.col("type").isin("hashtag", "url")).join(need.select(*keys), keys, "left_semi")
    if resolutions is not None:
        finals = resolutions.select(F.col("url").alias("normalized"), "final_domain")
        ents = ents.join(finals, "normalized", "left")
    else:
        ents = ents.withColumn("final_domain", F.lit(None).cast("string"))
    link = F.struct(F.col("normalized").alias("u"), F.col("final_domain").alias("f"))
    ents = (
        ents.groupBy(*keys)
        .agg(
            F.collect_list(F.when(F.col("type") == "hashtag", F.col("normalized"))).alias("hashtags"),
            F.array_sort(F.collect_list(F.when(F.col("type") == "url", link))).alias("links"),
        )
        .select(
            *keys,
            "hashtags",
            F.transform("links", lambda x: x["u"]).alias("urls"),
            F.transform("links", lambda x: x["f"]).alias("finals"),
        )
    )

    def handle_of(prefix: str) -> DataFrame:
        return posts.select(
            F.col("platform").alias(f"{prefix}_platform"),
            F.col("post_id").alias(f"{prefix}_post_id"),
            F.col("author_handle").alias(f"{prefix}_handle"),
        )

    def from_id(col: str) -> Column:
        c = F.col(col)
        return F.when(c.startswith("handle:"), c.substr(F.lit(8), F.length(c)))

    r, q = handle_of("r"), handle_of("q")
    joined = (
        todo.join(ents, keys, "left")
        .join(r, (F.col("platform") == F.col("r_platform")) & (F.col("reposted_post_id") == F.col("r_post_id")), "left")
        .join(q, (F.col("platform") == F.col("q_platform")) & (F.col("quoted_post_id") == F.col("q_post_id")), "left")
    )
    return joined.select(
        *keys,
        "text",
        "kind",
        "hashtags",
        "urls",
        "finals",
        F.coalesce(F.col("r_handle"), from_id("reposted_author_id"), F.regexp_extract("text", r"^RT @(\w+):", 1)).alias(
            "reposted_handle"
        ),
        F.coalesce(F.col("q_handle"), from_id("quoted_author_id")).alias("quoted_handle"),
        "month",
    )


def _kept(old: DataFrame, todo: DataFrame, posts: DataFrame, layout: Layout) -> DataFrame:
    """The old rows of the posts not enriched now, with their ``month``."""
    from pyspark.sql import functions as F

    keys = ["platform", "post_id"]
    kept = old.join(todo.select(*keys), keys, "left_anti")
    if "month" not in kept.columns:  # a flat table: the month of its post, for a layout that has one
        months = posts.select(*keys, _month(F.col("created_at")).alias("month"))
        kept = kept.join(months, keys, "left") if "month" in layout.partition_columns else kept
    return kept


def _progress_watch(session: SparkSession, group: str, on_progress: Callable[[int, int], None]) -> Callable[[], None]:
    """Report the finished and total tasks of this enrichment's Spark jobs twice a second; returns the
    function that stops it. Nothing is reported on Spark Connect (no status tracker there)."""
    try:
        tracker = session.sparkContext.statusTracker()
    except Exception:  # Spark Connect: no SparkContext
        return lambda: None
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.5):
            done = total = 0
            for job in tracker.getJobIdsForGroup(group):
                info = tracker.getJobInfo(job)
                for stage in (tracker.getStageInfo(s) for s in (info.stageIds if info else ())):
                    if stage is not None:
                        done, total = done + stage.numCompletedTasks, total + stage.numTasks
            if total:
                on_progress(done, total)

    thread = threading.Thread(target=poll, name="diplotrack-spark-progress", daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join()

    return finish


def enrich_export(
    data: Path,
    *,
    topics_file: Path | None = None,
    force: bool = False,
    master: str = DEFAULT_MASTER,
    conf: dict[str, str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    session: SparkSession | None = None,
) -> SparkEnrichReport:
    """Enrich the posts of the Parquet export in ``data`` on Spark (all of them with ``force``, else
    those ``enrich_store`` would redo) and write ``post_enrichment`` back into it; returns what was done.
    ``on_progress(tasks_done, tasks_total)`` is called as Spark's tasks finish. ``session``: run on this
    one (left running); else on the process's active session if there is one (left running), else on one
    started for ``master`` and ``conf`` (stopped at the end)."""
    from diplotrack.enrich.run import RESULT_SCHEMA, enricher_for

    started = time.perf_counter()
    folder = Path(os.path.abspath(data))
    if not (folder / MANIFEST).is_file():
        read_export(folder)  # says what is wrong in one sentence
    check_requirements()
    with Lock(folder):
        recover(folder)
        export = read_export(folder)
        layout = layout_of(export)
        for needed in ("posts", "post_entities"):
            if needed not in export.paths:
                raise UsageError(f"{folder} has no {needed} table; export the whole store again")
        have = export.columns.get(TABLE)
        if have and set(have) != set(COLUMNS):
            odd = ", ".join(sorted(set(have) ^ set(COLUMNS)))
            raise UsageError(
                f"{folder}: post_enrichment has columns this diplotrack does not write ({odd}); "
                "export the store with this version of diplotrack again"
            )
        version = enricher_for(topics_file).version  # loads the topics file here first: its errors are the user's
        topics = (topics_file.name, topics_file.read_bytes()) if topics_file is not None else None
        session, owned = (session, False) if session is not None else session_for(master, conf)
        try:
            return _run(session, export, layout, version, topics, force, on_progress, started, RESULT_SCHEMA)
        except DiplotrackError:
            raise
        except Exception as exc:
            raise _spark_error(exc) from exc
        finally:
            if owned:
                session.stop()


def _spark_error(exc: Exception) -> DiplotrackError:
    text = str(exc)
    if _VERSION_MISMATCH in text:
        return UsageError(
            "the Spark executors run another version of diplotrack's enrichment than this one; install the "
            "same diplotrack on them (docs/enrichment.md, Enrichment on Spark) and run again"
        )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # a Python worker's failure: its traceback's last "SomeError: ..." line says the most
    raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    first = raised[-1] if raised else (lines[0] if lines else type(exc).__name__)
    return DiplotrackError(f"Spark failed while enriching ({first[:300]}); run with --debug for the details")


def _run(
    session: SparkSession,
    export: Export,
    layout: Layout,
    version: str,
    topics: tuple[str, bytes] | None,
    force: bool,
    on_progress: Callable[[int, int], None] | None,
    started: float,
    result_schema: pa.Schema,
) -> SparkEnrichReport:
    import pyarrow as pa
    import pyarrow.dataset as ds
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    folder = export.folder
    posts, entities = _read(session, export, "posts"), _read(session, export, "post_entities")
    resolutions, old = _read(session, export, "link_resolutions"), _read(session, export, TABLE)
    assert posts is not None and entities is not None
    posts_total = int(export.manifest["tables"]["posts"].get("rows") or posts.count())
    token = secrets.token_hex(4)
    group = f"{_JOB_GROUP}-{token}"  # this run's jobs, for the progress
    if _has_context(session):
        session.sparkContext.setJobGroup(group, "diplotrack enrich")
    todo = _needing(posts, entities, resolutions, old, version, force).persist()
    stop_watch = _progress_watch(session, group, on_progress) if on_progress else (lambda: None)
    staging = folder / f".{layout.name}.partial-{token}"
    try:
        counts = todo.agg(F.count(F.lit(1)).alias("n"), F.count("had_row").alias("had")).first()
        n_todo, n_had = int(counts["n"]), int(counts["had"])
        if n_todo == 0:
            return SparkEnrichReport(version, posts_total, 0, 0, 0, time.perf_counter() - started, 0, None)
        tasks = max(
            session.sparkContext.defaultParallelism if _has_context(session) else 2, -(-n_todo // POSTS_PER_TASK)
        )
        out_schema = from_arrow_schema(result_schema.append(pa.field("month", pa.string())))
        enriched_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        made = (
            _inputs(posts, entities, resolutions, todo)
            .repartition(tasks)
            .mapInArrow(enrich_batches(topics, version), out_schema)
            .withColumn("enrichment_version", F.lit(version))
            .withColumn("enriched_at", F.lit(enriched_at).cast("timestamp_ntz"))
        )
        rows = made
        if old is not None:  # with force, the rows of posts no longer in the export (enrich_store keeps them)
            rows = made.unionByName(
                _kept(old, todo, posts, layout).withColumn("enriched_at", F.col("enriched_at").cast("timestamp_ntz")),
                allowMissingColumns=True,
            )
        pcols = list(layout.partition_columns)
        rows = rows.select(*COLUMNS, *[c for c in pcols if c not in COLUMNS])
        # one file per partition folder (a flat table: one file), as the export writes them
        writer = rows.repartition(*pcols) if pcols else rows.repartition(1)
        writer.write.option("compression", "zstd").partitionBy(*pcols).parquet(str(staging))
        if any(staging.rglob("part-*.parquet")):
            new = tidy(staging, layout)
        else:  # no rows at all
            shutil.rmtree(staging, ignore_errors=True)
            new = write_empty(staging, layout, _arrow_schema(rows))
        written = ds.dataset(str(new), format="parquet", partitioning="hive" if pcols else None).count_rows()
        manifest = new_manifest(export, layout, written, enriched_at, n_todo)
        swap(folder, layout, new, manifest, token)
    except BaseException:
        for left in folder.glob(f".{layout.name}.partial-{token}*"):  # what this run wrote, never swapped in
            remove(left)
        raise
    finally:
        stop_watch()
        todo.unpersist()
        if _has_context(session):
            session.sparkContext.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
    if on_progress:
        on_progress(1, 1)
    return SparkEnrichReport(
        version, posts_total, n_todo, n_had, written, time.perf_counter() - started, tasks, enriched_at
    )


def _has_context(session: SparkSession) -> bool:
    try:
        session.sparkContext  # noqa: B018 - Spark Connect raises here
    except Exception:
        return False
    return True


def _arrow_schema(rows: DataFrame) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(rows.schema)
