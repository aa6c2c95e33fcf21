"""The roster shipped with diplotrack must always validate and import cleanly."""

from __future__ import annotations

from pathlib import Path

from diplotrack.roster import bundled_roster_path, import_roster, list_accounts, load_roster, validate_file
from diplotrack.store.db import open_store


def test_bundled_roster_has_no_problems() -> None:
    assert [str(p) for p in validate_file(bundled_roster_path())] == []


def test_bundled_roster_imports_81_x_accounts(tmp_path: Path) -> None:
    roster, problems = load_roster(bundled_roster_path())
    assert problems == [] and roster is not None
    con = open_store(tmp_path / "s.duckdb")
    try:
        result = import_roster(con, roster)
        listed = list_accounts(con)
        assert result.accounts_new == len(listed) == len(list(roster.accounts()))
        assert sum(1 for r in listed if r["platform"] == "x") == 81  # the CHC lists; other platforms beside them
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


SOURCES = bundled_roster_path().parent / "sources"


def _source_rows(name: str) -> list[dict[str, str]]:
    import csv

    with open(SOURCES / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_bundled_handles_are_exactly_the_union_of_the_three_lists() -> None:
    union = {r["handle"].lower() for r in _source_rows("chc-2021-roster-46.csv")}
    union |= {r["handle"].lower() for r in _source_rows("chc-2022-roster-78.csv")}
    union |= {r["User"].lower() for r in _source_rows("chc-2024-diplomacy-81-descriptions.csv")}
    union |= {r["User"].lower() for r in _source_rows("chc-2024-media-descriptions.csv")}
    roster, _ = load_roster(bundled_roster_path())
    assert roster is not None
    handles = [acc.handle.lower() for _, acc in roster.accounts() if acc.platform == "x"]  # the lists are X's
    assert len(handles) == len(set(handles)) == 81
    assert set(handles) == union


def test_snapshots_carry_the_published_metrics_and_dates(tmp_path: Path) -> None:
    roster, _ = load_roster(bundled_roster_path())
    con = open_store(tmp_path / "s.duckdb")
    try:
        import_roster(con, roster)
        for name, day in (("chc-2021-roster-46.csv", "2021-02-28"), ("chc-2022-roster-78.csv", "2022-04-30")):
            want = {
                r["handle"].lower(): int(float(r["followers"])) if r["followers"].strip() else None
                for r in _source_rows(name)
            }
            got = dict(
                con.execute(
                    "SELECT lower(handle), followers FROM profile_snapshots WHERE observed_at = ?::TIMESTAMP",
                    [day],
                ).fetchall()
            )
            assert got == want
        # SOURCES.md: of the 78 accounts of 2022, 23 were created before 2019, 14 in 2019,
        # 19 in January-April 2020 and 22 later
        periods = dict(
            con.execute(
                """SELECT CASE WHEN created_at < '2019-01-01' THEN 'before 2019'
                               WHEN created_at < '2020-01-01' THEN '2019'
                               WHEN created_at < '2020-05-01' THEN '2020 Jan-Apr' ELSE 'later' END AS p,
                          count(*)
                   FROM profile_snapshots WHERE observed_at = '2022-04-30' GROUP BY p"""
            ).fetchall()
        )
        assert periods == {"before 2019": 23, "2019": 14, "2020 Jan-Apr": 19, "later": 22}
    finally:
        con.close()


def test_role_texts_were_read_not_guessed() -> None:
    roster, _ = load_roster(bundled_roster_path())
    kinds = {acc.handle: actor.kind for actor, acc in roster.accounts()}
    hosts = {acc.handle: (actor.host_country, actor.host_city) for actor, acc in roster.accounts()}
    # acct_type said other_official for these MFA officials: they are diplomats
    assert kinds["Cao_Li_CHN"] == kinds["WangLutongMFA"] == "diplomat"
    assert kinds["ChinaAmbUN"] == "ambassador" and hosts["ChinaAmbUN"][0] == "US"
    assert kinds["CHN_UN_NY"] == "spokesperson"
    assert kinds["MFA_China"] == kinds["chinascio"] == "ministry"
    assert kinds["CGTNOfficial"] == "state_media" and kinds["HuXijin_GT"] == "state_media_journalist"
    assert hosts["ChinaEUMission"] == ("BE", "Brussels")
    assert hosts["ChnConsulateNag"] == ("JP", "Nagasaki")
