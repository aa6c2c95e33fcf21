"""The roster shipped with diplotrack must always validate and import cleanly."""

from __future__ import annotations

from pathlib import Path

from diplotrack.roster import bundled_roster_path, import_roster, list_accounts, load_roster, validate_file
from diplotrack.store.db import open_store


def test_bundled_roster_has_no_problems() -> None:
    assert [str(p) for p in validate_file(bundled_roster_path())] == []


def test_bundled_roster_imports_81_accounts(tmp_path: Path) -> None:
    roster, problems = load_roster(bundled_roster_path())
    assert problems == [] and roster is not None
    con = open_store(tmp_path / "s.duckdb")
    try:
        result = import_roster(con, roster)
        assert result.accounts_new == 81
        assert len(list_accounts(con)) == 81
        again = import_roster(con, roster)
        assert (
            again.actors_new,
            again.actors_updated,
            again.accounts_new,
            again.accounts_updated,
            again.snapshots_new,
        ) == (0, 0, 0, 0, 0)
    finally:
        con.close()
