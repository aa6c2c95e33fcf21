"""What a report folder may hold: the files a report wrote, listed in its manifest.

A report replaces its folder whole, so before it does, every file in the folder must be one a
report wrote: listed in the folder's ``.diplotrack-report.json`` (written last, with the report),
or, in a folder without one (written by an earlier diplotrack), one of the names a report writes
(``report.html``, ``report.md``, ``summary.json``, ``tables/*.csv``, ``charts/*.png``). No other
folder than ``tables/`` and ``charts/``, and no link, is ever a report's.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

MANIFEST = ".diplotrack-report.json"
REPORT_FOLDERS = frozenset({"tables", "charts"})
# what an earlier report (one without a manifest) wrote
_UNLISTED_REPORT_FILE = re.compile(r"report\.html|report\.md|summary\.json|tables/[^/]+\.csv|charts/[^/]+\.png")


def write_manifest(folder: Path) -> None:
    """List every file under ``folder`` (paths relative to it, with ``/``) in its manifest."""
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    body = {"written_by": "diplotrack report", "files": files}
    (folder / MANIFEST).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


def _listed(folder: Path) -> set[str] | None:
    """The files the manifest in ``folder`` lists; None when there is none or it cannot be read."""
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else None


def foreign_entries(folder: Path) -> list[str]:
    """The paths under ``folder`` (relative, with ``/``; folders end in ``/``) that no report wrote:
    replacing ``folder`` would lose them. Empty when it holds nothing but a report."""
    listed = _listed(folder)

    def is_report_file(rel: str) -> bool:
        if rel == MANIFEST:
            return listed is not None
        return rel in listed if listed is not None else bool(_UNLISTED_REPORT_FILE.fullmatch(rel))

    foreign: list[str] = []
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in sorted(dirs):
            rel = (base / name).as_posix()
            if (Path(root) / name).is_symlink() or base != Path(".") or name not in REPORT_FOLDERS:
                foreign.append(rel + "/")
        dirs[:] = [d for d in dirs if (base / d).as_posix() + "/" not in foreign]
        for name in sorted(files):
            rel = (base / name).as_posix()
            if (Path(root) / name).is_symlink() or not is_report_file(rel):
                foreign.append(rel)
    return sorted(foreign)
