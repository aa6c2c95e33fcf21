"""The command line run in the test's own process: ``main()`` (what the ``diplotrack`` script runs)
with its arguments, environment, working folder, stdout and stderr set for the call and put back
after it. A CLI subprocess costs a Python start and about a second of imports; tests that are not
about processes (a signal, a lock another process holds, the terminal's width read at start-up)
use this instead and check the same exit code and output."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from diplotrack.cli import common
from diplotrack.cli.main import main


def cli(
    *args: str, db: Path | str | None = None, env: dict[str, str | None] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``diplotrack [--db DB] ARGS`` in-process, as a ``CompletedProcess`` (returncode, stdout, stderr)
    like ``subprocess.run(..., capture_output=True, text=True)`` gives. ``env``: variables set for the
    call (None: unset)."""
    argv = ["diplotrack", *(["--db", str(db)] if db is not None else []), *args]
    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    for name, value in (env or {}).items():  # read when the call reads them: COLUMNS at each print
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    sys.argv = argv
    common.STATE.db, common.STATE.debug = None, False
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as done:
                code = done.code
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        common.STATE.db, common.STATE.debug = None, False
    if isinstance(code, str):  # sys.exit("message"): printed on stderr, exit status 1
        err.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(argv, code or 0, out.getvalue(), err.getvalue())
