"""Importing rosters into the store: one transaction, idempotent upserts, no duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from diplotrack.roster import Roster, RosterImportResult, import_roster, list_accounts, load_roster
from diplotrack.store.db import open_store

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "actor_id,name,kind,state,host_country,host_city,platform,handle,user_id"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def load(path: Path) -> Roster:
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    return roster


def csv_roster(tmp_path: Path, *rows: str, name: str = "r.csv") -> Roster:
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return load(path)


def updated_at(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, datetime]:
    key = "actor_id" if table == "actors" else "handle"
    return dict(con.execute(f"SELECT {key}, updated_at FROM {table}").fetchall())


def test_import_then_reimport_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    roster = load(FIXTURES / "good.yaml")
    assert import_roster(con, roster) == RosterImportResult(3, 0, 4, 0, 3)
    stamps = updated_at(con, "actors"), updated_at(con, "accounts")
    assert import_roster(con, roster) == RosterImportResult(0, 0, 0, 0, 0)
    assert (updated_at(con, "actors"), updated_at(con, "accounts")) == stamps
    counts = [
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("actors", "accounts", "profile_snapshots")
    ]
    assert counts == [3, 4, 3]


def test_the_csv_form_of_the_same_roster_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    import_roster(con, load(FIXTURES / "good.yaml"))
    assert import_roster(con, load(FIXTURES / "good.csv")) == RosterImportResult(0, 0, 0, 0, 0)


def test_stored_values(con: duckdb.DuckDBPyConnection) -> None:
    import_roster(con, load(FIXTURES / "good.yaml"))
    actor = con.execute(
        "SELECT name, kind, institutional, state, host_country, host_city, languages, tags, tenure_start "
        "FROM actors WHERE actor_id = 'cn-emb-fr'"
    ).fetchone()
    assert actor == (
        "Embassy of the P.R.C. in France",
        "embassy",
        True,
        "CN",
        "FR",
        "Paris",
        ["fr", "zh"],
        ["europe"],
        None,
    )
    keys = dict(con.execute("SELECT handle, user_key FROM accounts").fetchall())
    assert keys == {
        "AmbassadeChine": "1155380386421313536",
        "Amb_ChenXu": "handle:amb_chenxu",
        "CGTNOfficial": "handle:cgtnofficial",
        "cgtn@mastodon.social": "handle:cgtn@mastodon.social",
    }


def test_snapshots_use_the_account_user_key_and_provenance(con: duckdb.DuckDBPyConnection) -> None:
    import_roster(con, load(FIXTURES / "good.yaml"))
    rows = con.execute(
        "SELECT user_id, handle, followers, status, source, provenance FROM profile_snapshots ORDER BY user_id"
    ).fetchall()
    assert rows[0] == (
        "1155380386421313536",
        "AmbassadeChine",
        45288,
        "active",
        "chc2022",
        {
            "source": "roster-snapshots",
            "file": "snapshots/good-2022.csv",
            "line": 2,
            "raw_id": None,
            "pointer": None,
            "run_id": None,
        },
    )
    assert [r[0] for r in rows[1:]] == ["handle:amb_chenxu", "handle:cgtnofficial"]


def test_case_changed_handle_updates_instead_of_duplicating(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    row = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,{handle},"
    import_roster(con, csv_roster(tmp_path, row.format(handle="ambcina"), name="a.csv"))
    before = updated_at(con, "accounts")["ambcina"]
    result = import_roster(con, csv_roster(tmp_path, row.format(handle="AmbCina"), name="b.csv"))
    assert result == RosterImportResult(0, 0, 0, 1, 0)
    assert con.execute("SELECT handle, user_key FROM accounts").fetchall() == [("AmbCina", "handle:ambcina")]
    assert updated_at(con, "accounts")["AmbCina"] >= before


def test_user_id_and_actor_changes_update_the_account(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    first = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,AmbCina,"
    other = "cn-emb-it-2,Embassy (new id),embassy,CN,IT,Rome,x,AmbCina,"
    import_roster(con, csv_roster(tmp_path, first, name="a.csv"))
    result = import_roster(con, csv_roster(tmp_path, first.rstrip(",") + ",12345", name="b.csv"))
    assert result == RosterImportResult(0, 0, 0, 1, 0)
    assert con.execute("SELECT user_id, user_key FROM accounts").fetchall() == [("12345", "12345")]
    # a later roster that leaves user_id out keeps the known one; moving the account is an update
    result = import_roster(con, csv_roster(tmp_path, other, name="c.csv"))
    assert result == RosterImportResult(1, 0, 0, 1, 0)
    assert con.execute("SELECT actor_id, user_id FROM accounts").fetchall() == [("cn-emb-it-2", "12345")]
    assert con.execute("SELECT count(*) FROM actors").fetchone()[0] == 2  # nothing is deleted


def test_only_changed_actors_get_a_new_updated_at(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    it = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,AmbCina,"
    fr = "cn-emb-fr,Embassy of the P.R.C. in France,embassy,CN,FR,Paris,x,AmbassadeChine,"
    import_roster(con, csv_roster(tmp_path, it, fr, name="a.csv"))
    before = updated_at(con, "actors")
    result = import_roster(con, csv_roster(tmp_path, it, fr.replace(",Paris,", ",Lyon,"), name="b.csv"))
    assert result == RosterImportResult(0, 1, 0, 0, 0)
    after = updated_at(con, "actors")
    assert after["cn-emb-it"] == before["cn-emb-it"]
    assert after["cn-emb-fr"] > before["cn-emb-fr"]
    assert con.execute("SELECT host_city FROM actors WHERE actor_id = 'cn-emb-fr'").fetchone() == ("Lyon",)


def test_institutional_override_is_stored(con: duckdb.DuckDBPyConnection) -> None:
    import_roster(con, load(FIXTURES / "good.yaml"))
    assert dict(con.execute("SELECT actor_id, institutional FROM actors").fetchall()) == {
        "cn-emb-fr": True,
        "cn-amb-un-geneva.chen-xu": False,
        "cn-media-cgtn": False,
    }


def test_a_failed_import_leaves_nothing_behind(con: duckdb.DuckDBPyConnection) -> None:
    roster = load(FIXTURES / "good.yaml")
    roster.actors[-1].name = None  # type: ignore[assignment]  # violates NOT NULL on the last actor
    with pytest.raises(duckdb.ConstraintException):
        import_roster(con, roster)
    assert con.execute("SELECT count(*) FROM actors").fetchone()[0] == 0


def test_list_accounts_joins_actors_in_order(con: duckdb.DuckDBPyConnection) -> None:
    import_roster(con, load(FIXTURES / "good.yaml"))
    accounts = list_accounts(con)
    assert [(a["platform"], a["handle"]) for a in accounts] == [
        ("mastodon", "cgtn@mastodon.social"),
        ("x", "Amb_ChenXu"),
        ("x", "AmbassadeChine"),
        ("x", "CGTNOfficial"),
    ]
    assert accounts[1] == {
        "handle": "Amb_ChenXu",
        "platform": "x",
        "user_id": None,
        "actor_id": "cn-amb-un-geneva.chen-xu",
        "name": "CHEN Xu",
        "kind": "ambassador",
        "institutional": False,
        "state": "CN",
        "host_country": "CH",
        "host_city": "Geneva",
        "organisation": "UN",
        "person": "CHEN Xu",
        "tenure_start": "2019-12",
        "tenure_end": "2022",
    }


def test_handles_stored_in_two_cases_are_merged(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    row = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,{handle},"
    import_roster(con, csv_roster(tmp_path, row.format(handle="AmbCina"), name="a.csv"))
    con.execute(  # a second spelling written by something other than the roster
        "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, notes, updated_at) "
        "SELECT platform, 'ambcina', user_id, user_key, actor_id, source, notes, updated_at FROM accounts"
    )
    result = import_roster(con, csv_roster(tmp_path, row.format(handle="AmbCina"), name="b.csv"))
    assert result.accounts_updated == 1
    assert con.execute("SELECT handle FROM accounts").fetchall() == [("AmbCina",)]
