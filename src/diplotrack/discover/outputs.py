"""The files ``diplotrack discover`` writes (``--out``, ``--evidence``): checked before any work is
done, written under temporary names beside their targets, and moved into place only when every one
of them is complete, so a failure leaves nothing half-written and no earlier file replaced.

A target that exists is refused: the roster CSV is meant to be reviewed by hand, and a second run
must not overwrite a review in progress.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from diplotrack.errors import UsageError


def check_target(path: Path, option: str) -> None:
    """A UsageError, in one sentence, when ``path`` cannot be written as a new file."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; name a new file in it")
    if path.exists() or path.is_symlink():
        raise UsageError(f"{option} {path} already exists; move it away or name a new file (discover never overwrites)")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: the folder {parent} cannot be written; choose another place")


def check_targets(targets: Sequence[tuple[Path | None, str]]) -> None:
    """Every named target is writable, and no two name the same file."""
    named = [(p, o) for p, o in targets if p is not None]
    for path, option in named:
        check_target(path, option)
    seen: dict[Path, str] = {}
    for path, option in named:
        key = path.resolve()
        if key in seen:
            raise UsageError(f"{option} and {seen[key]} name the same file {path}; give each its own")
        seen[key] = option


Writer = Callable[[BinaryIO], None]
Check = Callable[[Path], None]


def write_all(files: Sequence[tuple[Path, Writer, Check | None]]) -> None:
    """Write each ``(path, write, check)`` to a temporary file beside ``path`` (same suffix), run its
    ``check`` on that file, and only when all are written and checked move them into place; on any
    error remove them all."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, write, check in files:
            tmp = path.with_name(f".{path.stem}.discover-tmp{path.suffix}")
            temps.append((tmp, path))
            with open(tmp, "wb") as f:
                write(f)
            if check is not None:
                check(tmp)
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
