"""Replacing the report folder whole.

A report is written into ``<target>.tmp-<pid>-<random>`` beside the target and swapped in when
complete: on Linux the two folders are exchanged in one atomic ``renameat2(RENAME_EXCHANGE)``,
elsewhere (or on a file system without it) the old folder is renamed aside to
``<target>.old-<pid>-<random>`` and the new one renamed in. A kill at any point leaves the
complete old or the complete new report at the target, and at most a folder beside it that the
next report removes, or renames back to the target if the kill fell between the two renames.

Only a folder that holds nothing but a report's files is ever replaced: each report lists the files
it wrote in ``.diplotrack-report.json`` (report/manifest.py), and a user's file anywhere in the
folder (``tables/mydata.csv`` too) makes the report refuse the folder.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from diplotrack.errors import UsageError
from diplotrack.report.manifest import foreign_entries, write_manifest


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target`` to write the report into; when the block ends
    without an error, it replaces ``target`` whole (on an error it is removed)."""
    target = check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    tmp = target.parent / f"{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        write_manifest(tmp)  # last: what the next report may replace
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, target)


def check_target(target: Path) -> Path:
    """``target`` made absolute, once it is sure replacing it loses nothing but an old report."""
    target = Path(os.path.abspath(target))
    if target.is_symlink():
        target = target.resolve()
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise UsageError(f"--out {target} is the current folder or holds it; give a folder for the report alone")
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {target} is a file; give a folder for the report (it is created if missing)")
    if target.is_dir():
        others = foreign_entries(target)
        if others:
            shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise UsageError(
                f"--out {target} holds files that are not part of a report ({shown}), and a new report "
                "replaces the whole folder; give a new or empty folder"
            )
    return target


def swap_in(tmp: Path, target: Path) -> None:
    """Put the complete report ``tmp`` at ``target`` and remove the old one."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old report
        return
    old = target.parent / f"{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(target: Path) -> None:
    """Remove what a killed report left beside ``target`` (its temporary folder, or the old report
    renamed aside), putting the old report back when the target itself is missing. Folders of a
    report still running (its process alive) are left alone."""
    pattern = re.compile(rf"{re.escape(target.name)}\.(tmp|old)-(\d+)-[0-9a-f]+")
    if not target.parent.is_dir():
        return
    found = sorted(
        (m.group(1), p)
        for p in target.parent.iterdir()
        if (m := pattern.fullmatch(p.name)) and p.is_dir() and not _alive(int(m.group(2)))
    )
    for kind, path in found:  # "old" sorts before "tmp": put the old report back first
        if kind == "old" and not target.exists():
            os.rename(path, target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
