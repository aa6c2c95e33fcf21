"""A report replaces its folder whole, so it must never take a user's file with it: each report
lists what it wrote in ``.diplotrack-report.json``, and a folder is replaced only when every file
in it is listed (or, with no list, looks like what a report writes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli_inprocess import cli
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store, open_store_read_only

MANIFEST = ".diplotrack-report.json"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "empty.duckdb"
    open_store(path).close()
    return path


def _report(db: Path, out: Path) -> None:
    from diplotrack.report.build import build_report

    con = open_store_read_only(db)
    try:
        build_report(con, out)
    finally:
        con.close()


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_report_lists_every_file_it_wrote(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    _report(db, out)
    listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert set(listed) == _files(out) - {MANIFEST}
    assert {"report.html", "report.md", "summary.json"} <= set(listed)


@pytest.mark.parametrize("mine", ["tables/mydata.csv", "charts/keep/k.txt", "charts/extra.png", "tables/x.txt"])
def test_a_users_file_inside_tables_or_charts_is_never_deleted(db: Path, tmp_path: Path, mine: str) -> None:
    out = tmp_path / "r"
    _report(db, out)
    before = (out / "report.html").read_text(encoding="utf-8")
    (out / mine).parent.mkdir(parents=True, exist_ok=True)
    (out / mine).write_text("mine")
    with pytest.raises(UsageError, match=mine.split("/")[0]):
        _report(db, out)
    assert (out / mine).read_text() == "mine"
    assert (out / "report.html").read_text(encoding="utf-8") == before


def _old_report(out: Path) -> None:
    """A report folder as an earlier diplotrack wrote it: no manifest."""
    (out / "tables").mkdir(parents=True)
    (out / "charts").mkdir()
    (out / "tables" / "accounts_by_kind.csv").write_text("kind,n\n")
    (out / "charts" / "growth.png").write_bytes(b"\x89PNG")
    for name in ("report.html", "report.md", "summary.json"):
        (out / name).write_text("old")


@pytest.mark.parametrize(
    ("extra", "replaced"),
    [
        (None, True),
        ("tables/notes.txt", False),
        ("charts/keep/k.png", False),
        ("tables/sub/t.csv", False),
        ("notes/a.csv", False),
    ],
)
def test_a_folder_without_a_manifest_is_replaced_only_when_it_looks_like_a_report(
    db: Path, tmp_path: Path, extra: str | None, replaced: bool
) -> None:
    out = tmp_path / "r"
    _old_report(out)
    if extra:
        (out / extra).parent.mkdir(parents=True, exist_ok=True)
        (out / extra).write_text("mine")
    if replaced:
        _report(db, out)
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
        assert set(listed) == _files(out) - {MANIFEST}  # the old files are gone, not mixed in
        assert (out / "report.html").read_text(encoding="utf-8") != "old"
    else:
        with pytest.raises(UsageError, match="--out"):
            _report(db, out)
        assert (out / extra).read_text() == "mine" and (out / "report.html").read_text() == "old"


def test_a_link_inside_the_folder_is_not_a_report_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    _report(db, out)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("mine")
    os.symlink(mine, out / "tables" / "linked")
    with pytest.raises(UsageError, match="linked"):
        _report(db, out)
    assert (out / "tables" / "linked").is_symlink()


def test_the_command_refuses_with_exit_2(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    _report(db, out)
    (out / "tables" / "mydata.csv").write_text("x\n")
    proc = cli("report", "--out", str(out), db=db)  # in-process: tests/cli_inprocess.py
    assert proc.returncode == 2, proc.stderr
    assert "tables/mydata.csv" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (out / "tables" / "mydata.csv").read_text() == "x\n"
