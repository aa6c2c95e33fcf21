"""The export's folder: built beside ``--out`` and swapped in whole, so that a reader never sees a
mix of two exports, and a failed export leaves the folder as it was.

- ``--out`` missing: the finished export is renamed to it (one rename).
- ``--out`` an empty folder: the finished files are moved into it, ``manifest.json`` last.
- ``--out`` holding an earlier export (a ``manifest.json``, or only ``<table>.parquet``/``.csv``
  files from before manifests): it is renamed aside, the new one renamed in, the old one deleted;
  between the two renames there is no folder at all for an instant, never a mixed one.
- ``--out`` holding anything else: refused, nothing written.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

from diplotrack.errors import UsageError
from diplotrack.export.layout import EXPORTED_TABLES

MANIFEST = "manifest.json"


def _is_earlier_export(out: Path) -> bool:
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            return "manifest_version" in json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
    names = {f"{t}.{ext}" for t in EXPORTED_TABLES for ext in ("parquet", "csv")}
    return all(p.is_file() and p.name in names for p in out.iterdir())


def stage(out: Path) -> Path:
    """Check that ``out`` may be written and make the folder to build the export in, beside it."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder to write the tables into")
    if out.is_dir() and any(out.iterdir()) and not _is_earlier_export(out):
        raise UsageError(f"--out {out} holds files that are not a diplotrack export; give a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
        staging.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot create the folder for --out {out} ({exc.strerror}); choose another folder") from None
    return staging


def publish(staging: Path, out: Path) -> None:
    """Put the finished export at ``out`` (see the module's docstring for each case)."""
    if not out.exists():
        os.rename(staging, out)
        return
    if not any(out.iterdir()):
        entries = sorted(staging.iterdir(), key=lambda p: p.name == MANIFEST)  # the manifest last
        for entry in entries:
            os.rename(entry, out / entry.name)
        staging.rmdir()
        return
    old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    """Remove an unfinished export."""
    shutil.rmtree(staging, ignore_errors=True)
