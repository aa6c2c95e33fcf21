"""``manifest.json``: what an export holds, for whoever reads it (a Spark job, a notebook).

``manifest_version`` (this layout: 1), ``diplotrack_version``, the store's ``schema_version``,
``store_id`` and ``store_generation`` (which store, and which state of it), ``exported_at``
(UTC, ISO 8601), ``format``, ``partition_by`` (as asked), ``rollups_current`` (whether the rollups
were current, so that a reader may answer day-aligned windows from them), and per table: ``path``
(relative to the export's folder), ``rows``, ``columns`` (the store's columns in its order; a ``month``
partition column is not one of them), ``partition_columns``, ``month_from`` (the column whose month the
``month`` partition is, or null) and ``casts`` (columns whose type was changed for Spark: ``{column: type}``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from diplotrack import __version__
from diplotrack.store import rollups

MANIFEST_VERSION = 1


def _store_facts(con: duckdb.DuckDBPyConnection) -> dict:
    version = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
    state = con.execute("SELECT store_id, generation FROM store_state LIMIT 1").fetchone()
    store_id, generation = state if state else (None, None)
    current = rollups.usable(con)
    return {"schema_version": version, "store_id": store_id, "store_generation": generation, "rollups_current": current}


def write_manifest(
    con: duckdb.DuckDBPyConnection, folder: Path, fmt: str, partition_by: tuple[str, ...], tables: list[dict]
) -> dict:
    """Write ``folder/manifest.json`` describing ``tables`` (each ``{table, path, rows,
    partition_columns, month_from, casts}``, path absolute under ``folder``); returns it."""
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "diplotrack_version": __version__,
        **_store_facts(con),
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "format": fmt,
        "partition_by": list(partition_by),
        "tables": {
            t["table"]: {
                "path": Path(t["path"]).relative_to(folder).as_posix(),
                "rows": t["rows"],
                "columns": list(con.table(t["table"]).columns),
                "partition_columns": list(t["partition_columns"]),
                "month_from": t["month_from"],
                "casts": t["casts"],
            }
            for t in tables
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
