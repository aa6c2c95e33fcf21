"""Regular files: reading a file a user names only when it is one, and writing a file whole.

A path may name a device (``/dev/zero``, ``/dev/urandom``: reading never ends and memory climbs
without bound), a FIFO (reading blocks until a writer comes, perhaps never), a socket or a folder.
:func:`open_regular` opens the path without blocking and checks what it opened (so the check and
the read are of the same file, even if the path changes in between). :func:`write_replacing` writes
a file through a temporary one beside it and a rename, so a reader (a feed reader, another process
reading the cache) sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from diplotrack.errors import UsageError

FOLDER = "a folder"
_KINDS = (
    (stat.S_ISDIR, FOLDER),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(UsageError):
    """A path names a folder, device, FIFO or socket where a file was expected."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{path} is not a regular file (it is {kind}); name a file")
        self.path = str(path)
        self.kind = kind


def kind_of(mode: int) -> str:
    """What a ``st_mode`` names, in words (``a FIFO``, ``a character device`` …)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary mode; NotRegularFileError at once when it is not a
    regular file (a FIFO is opened without waiting for a writer). OSError (FileNotFoundError …) as
    ``open`` raises it."""
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(Path(path), os.O_RDONLY | nonblock | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(path, kind_of(mode))
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_text(path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> str:
    """The text of the regular file ``path`` (NotRegularFileError otherwise; UnicodeDecodeError and
    OSError as ``Path.read_text`` raises them)."""
    with open_regular(path) as f:
        return f.read().decode(encoding)


def write_replacing(path: Path, data: bytes, *, sync: bool = False, mode: int | None = None) -> None:
    """``data`` to ``path``: written to a temporary file in the same folder (``sync``: flushed to disk
    first; ``mode``: its permissions, else the temporary file's 0600), then moved over ``path``. On
    any error the temporary file is removed and ``path`` is left as it was."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
