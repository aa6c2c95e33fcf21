"""The report folder is replaced whole: a report is written into a temporary folder beside the
target and swapped in when complete, so a killed report never leaves old and new files mixed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from diplotrack.errors import DiplotrackError
from diplotrack.store.db import open_store, open_store_read_only

NEW_TABLES = 120  # the new report has more tables than the old one: a mix shows in the listing
OLD_TABLES = 40


def _write(folder: Path, version: str, tables: int) -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "charts").mkdir(exist_ok=True)
    for i in range(tables):
        (folder / "tables" / f"t{i}.csv").write_text(f"{version} {i}\n")
    for name in ("summary.json", "report.md", "report.html"):
        (folder / name).write_text(version)


def _listing(folder: Path) -> dict[str, str]:
    """The report's files and their text (its manifest aside: test_report_manifest.py checks it)."""
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".diplotrack-report.json"
    }


def _expected(version: str, tables: int, tmp: Path) -> dict[str, str]:
    _write(tmp / version, version, tables)
    return _listing(tmp / version)


def _report(tmp_path: Path, out: Path) -> None:
    from diplotrack.report.build import build_report

    db = tmp_path / "empty.duckdb"
    open_store(db).close()
    con = open_store_read_only(db)
    try:
        build_report(con, out)
    finally:
        con.close()


def test_a_new_report_replaces_the_old_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(out, "old", OLD_TABLES)
    (out / "tables" / "from_an_older_version.csv").write_text("stale")
    _report(tmp_path, out)
    assert not (out / "tables" / "from_an_older_version.csv").exists()
    assert (out / "report.html").read_text().startswith("<!doctype html>")
    # nothing left beside it (the store's result cache is the store's, beside the store)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "empty.duckdb.cache", "out"]


@pytest.mark.parametrize("case", ["foreign-file", "file", "cwd"])
def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path: Path, case: str) -> None:
    out = tmp_path / "out"
    if case == "file":
        out.write_text("mine")
    else:
        _write(out, "old", 2)
        (out / "thesis.docx").write_text("mine") if case == "foreign-file" else None
    cwd = os.getcwd()
    if case == "cwd":
        os.chdir(out)
    try:
        with pytest.raises(DiplotrackError, match="--out"):
            _report(tmp_path, Path(".") if case == "cwd" else out)
    finally:
        os.chdir(cwd)
    if case == "file":
        assert out.read_text() == "mine"
    else:
        assert (out / "report.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "out"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_killed_report_are_cleaned_or_restored(tmp_path: Path) -> None:
    from diplotrack.report.folder import clean_leftovers

    dead, live = _dead_pid(), os.getppid()
    out = tmp_path / "out"
    _write(tmp_path / f"out.tmp-{dead}-abc", "half", 3)
    _write(tmp_path / f"out.old-{dead}-abc", "old", OLD_TABLES)  # killed between two renames
    _write(tmp_path / f"out.tmp-{live}-xyz", "running", 3)  # another report still being written
    (tmp_path / "out.tmp-notes").mkdir()  # not ours: a name the pattern does not give
    clean_leftovers(out)
    assert _listing(out) == _expected("old", OLD_TABLES, tmp_path / "want")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", f"out.tmp-{live}-xyz", "out.tmp-notes", "want"]


WRITER = """
import os, sys, time
from pathlib import Path
from diplotrack.report import folder

target, tables, stop = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if sys.argv[4] == "no-exchange":
    folder._exchange = lambda a, b: False  # as on macOS: the old folder renamed aside, the new one in


def point(name):  # the parent kills this process while it waits here
    if name == stop:
        print("at " + name, flush=True)
        time.sleep(120)


real_exchange, real_rename, real_manifest = folder._exchange, os.rename, folder.write_manifest


def exchange(a, b):
    point("exchange")
    done = real_exchange(a, b)
    point("exchanged")  # the new report in place, the old one (in the temporary folder) not yet removed
    return done


def rename(a, b):
    point("rename " + Path(b).name.split("-")[0])
    real_rename(a, b)


def manifest(tmp):
    point("manifest")
    real_manifest(tmp)


folder._exchange, folder.write_manifest, os.rename = exchange, manifest, rename
with folder.staged_folder(target) as tmp:
    (tmp / "tables").mkdir()
    (tmp / "charts").mkdir()
    for i in range(tables):
        point(f"table {i}")
        (tmp / "tables" / f"t{i}.csv").write_text(f"new {i}\\n")
    for name in ("summary.json", "report.md", "report.html"):
        point(name)
        (tmp / name).write_text("new")
point("done")
"""
# where the writer is killed: before and between its files, before its manifest, before and after
# the atomic exchange; without the exchange, before the old folder is renamed aside and between the
# two renames (the old report aside, the new one not yet in)
STOPS = [
    *(f"table {i}" for i in (0, 1, NEW_TABLES // 2, NEW_TABLES - 1)),
    "summary.json",
    "report.html",
    "manifest",
    "exchange",
    "exchanged",
    "done",
]
NO_EXCHANGE_STOPS = ["manifest", "rename out.old", "rename out", "done"]


@pytest.mark.parametrize(
    ("swap", "stops"), [("exchange", STOPS), ("no-exchange", NO_EXCHANGE_STOPS)], ids=["exchange", "rename"]
)
def test_a_report_killed_at_any_point_leaves_the_old_or_the_new_one(
    tmp_path: Path, swap: str, stops: list[str]
) -> None:
    """SIGKILL at each step of the writing and of the swap (the writer waits at the step, so where it
    dies does not hang on the machine's load): the target always holds one complete report, the old
    one until the swap and the new one after it; what the kill left beside it is cleaned (or put
    back) by the next run."""
    import shutil

    from diplotrack.report.folder import clean_leftovers

    old = _expected("old", OLD_TABLES, tmp_path / "want")
    new = _expected("new", NEW_TABLES, tmp_path / "want")
    base = tmp_path / "run"
    base.mkdir()
    target = base / "out"
    seen = []
    for stop in stops:
        shutil.rmtree(target, ignore_errors=True)
        _write(target, "old", OLD_TABLES)
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), str(NEW_TABLES), stop, swap],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        try:
            assert proc.stdout.readline().strip() == f"at {stop}", f"the writer never reached {stop!r}"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        clean_leftovers(target)  # what the next report does first
        got = _listing(target)
        assert got in (old, new), f"{stop}: a mix of {len(got)} files"
        seen.append("old" if got == old else "new")
        assert [p.name for p in base.iterdir()] == ["out"]
    # the old report until the swap, the new one once it is in
    swapped = stops.index("exchanged" if swap == "exchange" else "done")
    assert seen == ["old"] * swapped + ["new"] * (len(stops) - swapped), list(zip(stops, seen, strict=True))


def test_the_swap_without_an_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diplotrack.report import folder

    monkeypatch.setattr(folder, "_exchange", lambda a, b: False)  # as on macOS, or a file system without it
    out = tmp_path / "out"
    _write(out, "old", OLD_TABLES)
    with folder.staged_folder(out) as tmp:
        _write(tmp, "new", NEW_TABLES)
        assert _listing(out) == _expected("old", OLD_TABLES, tmp_path / "want")
    assert _listing(out) == _expected("new", NEW_TABLES, tmp_path / "want")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "want"]


def test_a_failed_report_leaves_the_old_one(tmp_path: Path) -> None:
    from diplotrack.report.folder import staged_folder

    out = tmp_path / "out"
    _write(out, "old", OLD_TABLES)
    with pytest.raises(RuntimeError), staged_folder(out) as tmp:
        _write(tmp, "new", 3)
        raise RuntimeError("an analysis failed")
    assert _listing(out) == _expected("old", OLD_TABLES, tmp_path / "want")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "want"]
