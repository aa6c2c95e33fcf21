"""Whatever the command and however bad its arguments, the user gets one line on stderr, a nonzero
exit code, and no traceback (without --debug).

The commands are found by walking the Typer app, so a new command is covered without a change
here; each runs in-process through ``main()`` (what the ``diplotrack`` script runs), which keeps a
few hundred calls fast. Any exception escaping ``main()`` is what a user would see as a traceback.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command

from cli_inprocess import cli
from diplotrack.cli import common
from diplotrack.cli.main import app, main

# a value for each required argument, by parameter name (a new one fails test_arguments_are_known)
ARGUMENTS = {"path": "missing.yaml", "paths": "missing.jsonl", "query": "select 1", "kind": "repost"}
# options a command needs so that a bad argument is the only problem (watch: stop after one run)
NEEDS = {"watch": ["--max-runs", "1", "--every", "1s"], "export": ["--out", "export-out"]}
GARBAGE = "%garbage\x1b[2J\u202e"


def leaf_commands() -> Iterator[tuple[list[str], object]]:
    def walk(cmd, path: list[str]):  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, cmd

    yield from walk(get_command(app), [])


COMMANDS = list(leaf_commands())
NAMES = [" ".join(p) for p, _ in COMMANDS]


def base_args(path: list[str], cmd, tmp: Path) -> list[str]:  # type: ignore[no-untyped-def]
    args = list(path)
    for p in cmd.params:
        if p.param_type_name == "argument" and p.required:
            args.append(str(tmp / ARGUMENTS[p.name]) if p.name in ("path", "paths") else ARGUMENTS[p.name])
    return args + NEEDS.get(path[0], [])


def call(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """Run ``diplotrack ARGS`` in-process; (exit code, stderr). An exception that escapes main() fails."""
    monkeypatch.setattr(sys, "argv", ["diplotrack", *args])
    common.STATE.db, common.STATE.debug = None, False
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - this is what the user would see as a traceback
        pytest.fail(f"diplotrack {' '.join(args)!r} let {type(exc).__name__} escape: {exc}")
    return code, capsys.readouterr().err


def _is_path(param) -> bool:  # type: ignore[no-untyped-def]
    bare = getattr(param, "bare_type", None)
    return (callable(bare) and "path" in str(bare()).lower()) or param.name in ("out", "topics")


def assert_one_line_error(args: list[str], code: int, err: str) -> None:
    assert code != 0, f"diplotrack {args!r} exited 0"
    assert code != 70, f"diplotrack {args!r} hit an internal error: {err}"
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"diplotrack {args!r} printed {len(lines)} lines: {err!r}"
    assert "\x1b" not in err


def test_arguments_are_known() -> None:
    names = {p.name for _, cmd in COMMANDS for p in cmd.params if p.param_type_name == "argument" and p.required}
    assert names <= set(ARGUMENTS), names - set(ARGUMENTS)


@pytest.fixture(scope="module")
def bad_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bad-dbs")
    (tmp / "a-file").write_text("not a folder\n")
    (tmp / "text.duckdb").write_text("this is not a DuckDB file\n" * 50)
    (tmp / "empty.duckdb").write_bytes(b"")
    (tmp / "folder.duckdb").mkdir()
    return {
        "under-a-file": tmp / "a-file" / "s.duckdb",
        "unwritable": Path("/proc/diplotrack-test/s.duckdb"),
        "not-duckdb": tmp / "text.duckdb",
        "zero-bytes": tmp / "empty.duckdb",
        "a-folder": tmp / "folder.duckdb",
    }


@pytest.mark.parametrize("name", NAMES)
def test_bad_store_paths_give_one_line(
    name: str, bad_dbs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    path, cmd = COMMANDS[NAMES.index(name)]
    for label, db in bad_dbs.items():
        args = ["--db", str(db), *base_args(path, cmd, tmp_path)]
        code, err = call(args, monkeypatch, capsys)
        assert_one_line_error([label, *args], code, err)


@pytest.mark.parametrize("name", NAMES)
def test_garbage_option_values_give_one_line(
    name: str, tmp_path: Path, new_store, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "empty-store.duckdb"
    new_store(db).close()
    path, cmd = COMMANDS[NAMES.index(name)]
    options = [p for p in cmd.params if p.param_type_name == "option" and not p.is_flag and p.name != "help"]
    (tmp_path / "a-file").write_text("not a folder\n")
    for p in options:
        flag = next(o for o in p.opts if o.startswith("--"))
        # any text is a file name: a path option gets one that cannot be created or read instead
        value = str(tmp_path / "a-file" / "out") if _is_path(p) else GARBAGE
        args = ["--db", str(db), *base_args(path, cmd, tmp_path), flag, value]
        code, err = call(args, monkeypatch, capsys)
        assert_one_line_error(args, code, err)
    # and a missing value, an unknown option
    for extra in (["--no-such-option"], [options[0].opts[0]] if options else []):
        if extra:
            args = ["--db", str(db), *base_args(path, cmd, tmp_path), *extra]
            code, err = call(args, monkeypatch, capsys)
            assert_one_line_error(args, code, err)


def test_unknown_command_and_bad_global_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for args in (["no-such-command"], ["--db"], ["--no-such-global", "sql", "select 1"], ["sql"]):
        code, err = call(args, monkeypatch, capsys)
        assert code == 2
        assert_one_line_error(args, code, err)


def test_store_in_use_has_its_own_exit_code(tmp_path: Path, new_store) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "busy.duckdb"
    new_store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        fixture = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2" / "two_tweets.jsonl"
        for args in (["sql", "select 1"], ["import", str(fixture)], ["roster", "list"]):
            start = time.monotonic()
            proc = cli(*args, db=db)  # in-process: the lock is held by the other process
            assert proc.returncode == 75, (args, proc.stderr)
            assert "in use by another" in proc.stderr and proc.stderr.strip().count("\n") == 0
            assert "Traceback" not in proc.stderr
            assert time.monotonic() - start < 30
    finally:
        holder.communicate("")
