"""Writing ``post_enrichment`` back into a Parquet export (``diplotrack enrich --engine spark``): its
layout in the export, the swap of the new table for the old one, the manifest, and the recovery of
what a killed run left.

The new table is written beside the old one (``.post_enrichment.partial-<token>``), then: the new
manifest is written beside ``manifest.json``, the old table renamed aside (``.post_enrichment.old-<token>``),
the new one renamed in, the manifest replaced (``os.replace``) and the old table deleted. Killed
between two of these steps, the export still reads whole (old table and old manifest, or new and new,
but for the instant between the two renames, when the table's folder is missing); ``recover``, run at
the start of the next enrichment, puts the old table back or finishes the swap.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diplotrack.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from diplotrack.engines.spark import Export

TABLE = "post_enrichment"
MANIFEST = "manifest.json"
WRITTEN_BY = "diplotrack enrich --engine spark"
# the store's post_enrichment columns in the store's order (migrations 3 and 7)
COLUMNS = [
    "platform",
    "post_id",
    "enrichment_version",
    "lang_detected",
    "lang_confidence",
    "topics",
    "tone_label",
    "tone_score",
    "tone_cues",
    "domains",
    "state_media",
    "state_media_via",
    "terms",
    "enriched_at",
    "unresolved_links",
]


@dataclass(frozen=True)
class Layout:
    """Where the table goes: a folder partitioned by ``partition_columns``, or one flat Parquet file."""

    name: str  # post_enrichment (a folder) or post_enrichment.parquet (a file)
    partition_columns: tuple[str, ...]

    @property
    def folder(self) -> bool:
        return not self.name.endswith(".parquet")


def layout_of(export: Export) -> Layout:
    """The table's layout as the manifest gives it, else as the export's ``partition_by`` implies."""
    spec = export.manifest["tables"].get(TABLE)
    if spec:
        return Layout(Path(spec["path"]).name, tuple(spec.get("partition_columns") or ()))
    partition_by = tuple(export.manifest.get("partition_by") or ())
    return Layout(TABLE, partition_by) if partition_by else Layout(f"{TABLE}.parquet", ())


def recover(folder: Path) -> None:
    """Finish or undo what a killed run left in ``folder``: a table renamed aside with the new one in
    place is finished (its manifest put in, the old table deleted); one renamed aside with nothing in its
    place is put back; unfinished tables and manifests are deleted."""
    for aside in folder.glob(f".{TABLE}*.old-*"):
        name, _, token = aside.name[1:].rpartition(".old-")
        target, manifest = folder / name, folder / f".{MANIFEST}.partial-{token}"
        if target.exists():
            if manifest.is_file():
                os.replace(manifest, folder / MANIFEST)
            remove(aside)
        else:
            os.rename(aside, target)
    for left in [*folder.glob(f".{TABLE}*.partial-*"), *folder.glob(f".{MANIFEST}.partial-*")]:
        remove(left)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def tidy(staging: Path, layout: Layout) -> Path:
    """Spark's output made like the export's: ``part-N.parquet`` in each folder, no ``_SUCCESS`` or
    ``.crc`` files; a flat layout's single file taken out of its folder. Returns what to swap in."""
    for path in sorted(staging.rglob("*")):
        if path.is_file() and (path.name.startswith(("_", ".")) or path.suffix == ".crc"):
            path.unlink()
    for part_folder in sorted({p.parent for p in staging.rglob("part-*.parquet")}):
        for i, path in enumerate(sorted(part_folder.glob("part-*.parquet"))):
            path.rename(part_folder / f".tmp-{i}.parquet")
        for path in part_folder.glob(".tmp-*.parquet"):
            path.rename(part_folder / f"part-{path.name[5:]}")
    if layout.folder:
        return staging
    (single,) = staging.glob("part-*.parquet")
    flat = staging.parent / f"{staging.name}.parquet"
    os.rename(single, flat)
    shutil.rmtree(staging)
    return flat


def write_empty(staging: Path, layout: Layout, schema: pa.Schema) -> Path:
    """An empty table as the export writes one: a single file with every column (the partition columns
    as ordinary ones), so that every reader still sees them."""
    import pyarrow.parquet as pq

    if layout.folder:
        staging.mkdir()
        target = staging / "part-0.parquet"
    else:
        target = staging.parent / f"{staging.name}.parquet"
    pq.write_table(schema.empty_table(), target, compression="zstd")
    return target


def swap(folder: Path, layout: Layout, new: Path, manifest: dict, token: str) -> None:
    """Put the new table and manifest in place: the manifest staged first, the old table renamed aside,
    the new one renamed in, the manifest replaced, the old table deleted (``recover`` finishes or undoes
    each step if the process is killed between two)."""
    staged_manifest = folder / f".{MANIFEST}.partial-{token}"
    staged_manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    target, aside = folder / layout.name, folder / f".{layout.name}.old-{token}"
    if target.exists():
        os.rename(target, aside)
    os.rename(new, target)
    os.replace(staged_manifest, folder / MANIFEST)
    remove(aside)


class Lock:
    """One enrichment at a time per export (an advisory lock on ``.enrich.lock`` in its folder)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".enrich.lock"

    def __enter__(self) -> Lock:
        self.file = open(self.path, "a")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise UsageError(
                f"another enrichment is writing into {self.path.parent}; wait for it to finish and run again"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def new_manifest(export: Export, layout: Layout, rows: int, enriched_at: str, enriched: int) -> dict:
    """The export's manifest with ``post_enrichment`` as now written; the rollups, computed from the
    store's enrichment, no longer answer for it (``rollups_current`` false)."""
    manifest = json.loads(json.dumps(export.manifest))
    manifest["tables"][TABLE] = {
        **manifest["tables"].get(TABLE, {}),
        "path": layout.name,
        "rows": rows,
        "columns": list(COLUMNS),
        "partition_columns": list(layout.partition_columns),
        "month_from": "posts.created_at" if "month" in layout.partition_columns else None,
        "casts": {},
        "written_by": WRITTEN_BY,
        "written_at": enriched_at[:19].replace(" ", "T") + "Z",
    }
    if enriched:
        manifest["rollups_current"] = False
    return manifest
