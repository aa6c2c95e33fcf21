"""Re-importing a changed roster keeps the earlier values, with the dates they held."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from diplotrack.roster import Roster, RosterImportResult, import_roster, list_accounts, load_roster
from diplotrack.store.db import open_store
from diplotrack.store.migrations import MIGRATIONS

HEADER = "actor_id,name,kind,state,host_country,host_city,platform,handle,user_id,tenure_start,tenure_end"
IT = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,{city},x,{handle},{user_id},{start},{end}"
FR = "cn-emb-fr,Embassy of the P.R.C. in France,embassy,CN,FR,Paris,x,AmbassadeChine,,,"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def roster(
    tmp_path: Path,
    name: str,
    *,
    city: str = "Rome",
    handle: str = "AmbCina",
    user_id: str = "",
    start: str = "2019",
    end: str = "",
) -> Roster:
    path = tmp_path / name
    row = IT.format(city=city, handle=handle, user_id=user_id, start=start, end=end)
    path.write_text(f"{HEADER}\n{row}\n{FR}\n", encoding="utf-8")
    loaded, problems = load_roster(path)
    assert problems == [] and loaded is not None
    return loaded


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_a_changed_host_city_and_tenure_keep_the_earlier_values_with_their_dates(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv"))
    (first_stamp,) = con.execute("SELECT updated_at FROM actors WHERE actor_id = 'cn-emb-it'").fetchone()
    result = import_roster(con, roster(tmp_path, "b.csv", city="Milan", start="2019-05", end="2023"))
    assert result == RosterImportResult(0, 1, 0, 0, 0)
    (second_stamp,) = con.execute("SELECT updated_at FROM actors WHERE actor_id = 'cn-emb-it'").fetchone()
    history = rows(
        con,
        "SELECT actor_id, host_city, tenure_start, tenure_end, valid_from, valid_to, roster_file, replaced_by "
        "FROM actor_history",
    )
    assert history == [
        ("cn-emb-it", "Rome", "2019", None, first_stamp, second_stamp, str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))
    ]
    assert rows(
        con, "SELECT host_city, tenure_start, tenure_end, roster_file FROM actors WHERE actor_id = 'cn-emb-it'"
    ) == [("Milan", "2019-05", "2023", str(tmp_path / "b.csv"))]
    # a third value: the second one joins the history, from when it was stored to when it was replaced
    import_roster(con, roster(tmp_path, "c.csv", city="Naples", start="2019-05", end="2023"))
    assert rows(con, "SELECT host_city, valid_from FROM actor_history ORDER BY valid_from") == [
        ("Rome", first_stamp),
        ("Milan", second_stamp),
    ]
    # roster list keeps showing the current values
    assert {a["handle"]: a["host_city"] for a in list_accounts(con)} == {"AmbCina": "Naples", "AmbassadeChine": "Paris"}


def test_reimporting_an_unchanged_roster_changes_nothing(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv", user_id="42"))
    import_roster(con, roster(tmp_path, "b.csv", city="Milan", user_id="42"))
    before = [
        rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in ("actors", "accounts", "actor_history", "account_history")
    ]
    assert import_roster(con, roster(tmp_path, "b.csv", city="Milan", user_id="42")) == RosterImportResult()
    assert import_roster(con, roster(tmp_path, "c.csv", city="Milan", user_id="42")) == RosterImportResult()
    after = [
        rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in ("actors", "accounts", "actor_history", "account_history")
    ]
    assert after == before


def test_a_changed_handle_case_keeps_the_earlier_handle(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv", handle="ambcina"))
    (stamp,) = con.execute("SELECT updated_at FROM accounts WHERE handle = 'ambcina'").fetchone()
    assert import_roster(con, roster(tmp_path, "b.csv", handle="AmbCina")) == RosterImportResult(0, 0, 0, 1, 0)
    assert rows(
        con, "SELECT platform, handle, actor_id, valid_from, roster_file, replaced_by FROM account_history"
    ) == [("x", "ambcina", "cn-emb-it", stamp, str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))]
    assert rows(con, "SELECT handle FROM accounts WHERE actor_id = 'cn-emb-it'") == [("AmbCina",)]


def test_a_renamed_account_with_the_same_user_id_is_one_account_with_its_old_handle_in_history(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv", handle="AmbCina", user_id="42"))
    result = import_roster(con, roster(tmp_path, "b.csv", handle="AmbCinaNew", user_id="42"))
    assert result == RosterImportResult(0, 0, 0, 1, 0)
    assert rows(con, "SELECT handle, user_id, user_key FROM accounts WHERE actor_id = 'cn-emb-it'") == [
        ("AmbCinaNew", "42", "42")
    ]
    assert rows(con, "SELECT handle, user_id, valid_to IS NOT NULL FROM account_history") == [("AmbCina", "42", True)]


def test_a_new_handle_without_a_user_id_is_a_new_account_and_the_old_one_stays(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv", handle="AmbCina"))
    assert import_roster(con, roster(tmp_path, "b.csv", handle="AmbCinaNew")) == RosterImportResult(0, 0, 1, 0, 0)
    assert sorted(rows(con, "SELECT handle FROM accounts WHERE actor_id = 'cn-emb-it'")) == [
        ("AmbCina",),
        ("AmbCinaNew",),
    ]
    assert rows(con, "SELECT count(*) FROM account_history") == [(0,)]


def test_a_failed_import_writes_no_history(con, tmp_path) -> None:
    import_roster(con, roster(tmp_path, "a.csv"))
    changed = roster(tmp_path, "b.csv", city="Milan")
    changed.actors[-1].name = None  # type: ignore[assignment]  # violates NOT NULL on the last actor
    with pytest.raises(duckdb.ConstraintException):
        import_roster(con, changed)
    assert rows(con, "SELECT count(*) FROM actor_history") == [(0,)]
    assert rows(con, "SELECT host_city FROM actors WHERE actor_id = 'cn-emb-it'") == [("Rome",)]


def test_migration_5_keeps_the_rows_of_an_older_store(tmp_path) -> None:
    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    for version, description, sql in MIGRATIONS[:4]:
        old.execute(sql)
        old.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, description])
    old.execute(
        "INSERT INTO actors (actor_id, name, kind, institutional, state, host_city, updated_at) "
        "VALUES ('cn-emb-it', 'Embassy', 'embassy', true, 'CN', 'Rome', TIMESTAMP '2024-01-01')"
    )
    old.close()
    con = open_store(db)
    try:
        assert rows(con, "SELECT max(version) FROM schema_migrations") == [(MIGRATIONS[-1][0],)]
        assert rows(con, "SELECT actor_id, host_city, roster_file FROM actors") == [("cn-emb-it", "Rome", None)]
        assert rows(con, "SELECT count(*) FROM actor_history") == [(0,)]
        assert rows(con, "SELECT count(*) FROM account_history") == [(0,)]
        # the first change after the migration keeps the pre-migration value (its file is unknown)
        path = tmp_path / "r.csv"
        path.write_text(f"{HEADER}\n{IT.format(city='Milan', handle='AmbCina', user_id='', start='', end='')}\n")
        loaded, _ = load_roster(path)
        assert loaded is not None
        import_roster(con, loaded)
        assert rows(con, "SELECT host_city, valid_from, roster_file, replaced_by FROM actor_history") == [
            ("Rome", datetime(2024, 1, 1), None, str(path))
        ]
    finally:
        con.close()


@pytest.mark.parametrize("table", ["actor_history", "account_history", "actors", "accounts"])
def test_history_tables_are_documented_column_by_column(con, table) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-model.md").read_text(encoding="utf-8")
    section = doc.split(f"\n## {table}\n", 1)[1].split("\n## ", 1)[0]
    documented = {
        name.strip()
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| column")
        for name in line.split("|")[1].split(",")
    }
    stored = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }
    assert documented == stored


def test_export_includes_the_history_tables(con, tmp_path) -> None:
    from diplotrack.export.tables import export_tables

    import_roster(con, roster(tmp_path, "a.csv"))
    import_roster(con, roster(tmp_path, "b.csv", city="Milan"))
    written = {w["table"]: w["rows"] for w in export_tables(con, tmp_path / "out", "csv")}
    assert written["actor_history"] == 1 and written["account_history"] == 0
    assert "Rome" in (tmp_path / "out" / "actor_history.csv").read_text(encoding="utf-8")


def test_a_roster_whose_file_name_is_not_utf8_imports_under_an_escaped_name(con, tmp_path) -> None:
    import os

    name = os.fsdecode(b"roster-\xff.csv")  # Linux allows any bytes in a file name
    loaded = roster(tmp_path, name)
    import_roster(con, loaded)
    stored = rows(con, "SELECT DISTINCT roster_file FROM actors")
    assert stored == [(str(tmp_path / "roster-\\xff.csv"),)]
