"""Discovery on a small hand-built store (tests/discover/store_data.py): the graph weighed by distinct
roster actors, the profile patterns in several languages, government labels, links to the roster's
other platforms, and the roster CSV that ``roster import`` accepts as written."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date

import pytest
from tests.cli_inprocess import cli
from tests.discover.store_data import fill

from diplotrack.discover.patterns import host_country, load_patterns
from diplotrack.discover.roster_csv import NO_STATE, write_evidence, write_roster_csv
from diplotrack.discover.score import discover
from diplotrack.roster import import_roster, load_roster


@pytest.fixture(scope="module")
def store(tmp_path_factory, new_store):
    path = tmp_path_factory.mktemp("discover") / "small.duckdb"
    con = new_store(path)
    fill(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def found(store):
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return {(c.platform, (c.handle or c.user_id).lower()): c for c in discover(con)}
    finally:
        con.close()


def test_graph_counts_distinct_roster_actors_not_rows(found):
    kenya, fan = found[("x", "chinaembkenya")], found[("x", "loudfan")]
    assert len(kenya.relations) == 3 and kenya.relations["cn-emb-es"] == {"follow": 1}
    # 40 mentions and a follow, but by one actor (its two accounts): one actor, weaker
    assert list(fan.relations) == ["cn-mfa"] and fan.relations["cn-mfa"] == {"mention": 40, "follow": 1}
    assert kenya.components["graph"] > fan.components["graph"]
    assert kenya.score > fan.score


def test_roster_accounts_are_never_candidates(found):
    assert ("x", "chinaembesp") not in found  # mentioned in another case
    assert ("x", "101") not in found and ("x", "chinaembottawa") not in found  # followed by user id
    assert ("x", "cookingfan") not in found  # a profile with nothing diplomatic and no edges


def test_profile_phrases_kinds_and_hosts_in_several_languages(found):
    kenya = found[("x", "prcembassykenya")]
    assert (kenya.kind, kenya.state, kenya.host_country) == ("embassy", "CN", "KE")
    assert kenya.components["profile"] == pytest.approx(0.9) and kenya.components["label"] == pytest.approx(0.9)
    assert kenya.score > 0.95 and kenya.user_id == "300"
    fr, kz = found[("x", "zhongguo_fr")], found[("x", "posolstvo_kz")]
    assert (fr.kind, fr.state, fr.host_country) == ("embassy", "CN", "FR")
    assert (kz.kind, kz.state, kz.host_country) == ("embassy", "CN", "KZ")
    assert fr.components["profile"] > kz.components["profile"]  # the name says more than the bio


def test_host_country_is_left_empty_without_evidence():
    assert host_country("Embassy of China in Kenya") == ("KE", "in Kenya")
    assert host_country("Ambassade de Chine en France")[0] == "FR"
    assert host_country("Embajada de China en España")[0] == "ES"
    assert host_country("Official account of the Chinese Embassy") is None
    hits = load_patterns().match("Spokesperson of the Chinese Embassy", ("CN",))
    assert hits[0].kind == "spokesperson"  # the earliest term says the kind


def test_bluesky_verification_by_a_roster_account_counts_more(found):
    by_roster = found[("bluesky", "kenya.embassy.example")]
    by_other = found[("bluesky", "someone.bsky.social")]
    assert by_roster.components["label"] == pytest.approx(0.9)
    assert by_other.components["label"] == pytest.approx(0.3)
    assert by_roster.evidence[-1]["roster_verifiers"] == ["did:plc:roster1"]


def test_links_to_the_roster_actors_other_platforms(found):
    tg, yt = found[("telegram", "chinaembesp_tg")], found[("youtube", "chinaembcanada")]
    assert tg.owner == "cn-emb-es" and tg.components["link"] == pytest.approx(0.9)
    assert (tg.kind, tg.host_country) == ("embassy", "ES")
    assert yt.owner == "cn-emb-ca" and yt.components["link"] == pytest.approx(0.75)  # two posts: 1 - 0.5^2


def test_filters_by_platform_state_and_score(store):
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        only_tg = discover(con, platforms=("telegram",))
        assert [c.handle for c in only_tg] == ["ChinaEmbEsp_TG"]
        assert discover(con, states=("FR",)) == []
        strong = discover(con, min_score=0.9)
        assert strong and all(c.score >= 0.9 for c in strong)
        scores = [c.score for c in discover(con)]
        assert scores == sorted(scores, reverse=True)
    finally:
        con.close()


def test_the_csv_imports_as_written_and_nothing_is_added_before(store, tmp_path, new_store):
    import duckdb

    db = tmp_path / "copy.duckdb"
    shutil.copyfile(store, db)
    con = duckdb.connect(str(db))
    try:
        before = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
        candidates = discover(con)
        written = write_roster_csv(con, candidates, tmp_path / "proposed.csv", date(2026, 12, 6))
        write_evidence(candidates, tmp_path / "evidence.jsonl")
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == before  # discover adds nothing
        assert ("x:999", "no handle is known, only an id") in written.skipped
        assert ("x:LoudFan", NO_STATE) in written.skipped  # pointed at by CN's accounts: no state evidenced
        with open(tmp_path / "proposed.csv", encoding="utf-8") as f:
            rows = {r["handle"]: r for r in csv.DictReader(f)}
        assert rows["evil_name"]["name"].startswith("'=HYPERLINK")  # no formula runs in a spreadsheet
        assert rows["ChinaEmbEsp_TG"]["actor_id"] == "cn-emb-es"  # under the actor that links to it
        assert (rows["PRCEmbassyKenya"]["kind"], rows["PRCEmbassyKenya"]["host_country"]) == ("embassy", "KE")
        assert (rows["ChinaEmbKenya"]["kind"], rows["ChinaEmbKenya"]["host_country"]) == ("embassy", "KE")
        assert "host KE from handle" in rows["ChinaEmbKenya"]["notes"]
        assert rows["ChinaEmbAddis"]["kind"] == "other"  # looks like an embassy, host unknown
        assert "add host_country and set kind to embassy" in rows["ChinaEmbAddis"]["notes"]
        assert rows["PRCEmbassyKenya"]["source"] == "diplotrack discover 2026-12-06"
        roster, problems = load_roster(tmp_path / "proposed.csv")
        assert problems == [] and roster is not None
        result = import_roster(con, roster)
        assert result.accounts_new == written.rows and result.actors_new == written.rows - 2
        # every candidate is now in the roster, but those left out of the CSV (an id only; no state named)
        left = {f"{c.platform}:{c.handle or c.user_id}" for c in discover(con)}
        assert left == {label for label, _ in written.skipped} and "x:LoudFan" in left
        lines = [json.loads(x) for x in (tmp_path / "evidence.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(lines) == len(candidates) and lines[0]["evidence"]
    finally:
        con.close()


def test_cli_prints_checks_options_and_writes(store, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(store, db)
    done = cli("discover", "--json", "--platform", "x", "--min-score", "0.5", db=db)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and {r["platform"] for r in rows} == {"x"} and all(r["score"] >= 0.5 for r in rows)
    done = cli("discover", "--out", str(tmp_path / "p.csv"), "--limit", "3", db=db)
    assert done.returncode == 0 and "3 written to" in done.stdout and (tmp_path / "p.csv").exists()
    assert "=HYPERLINK" not in done.stdout or "'" in done.stdout
    bad = cli("discover", "--min-score", "2", db=db)
    assert bad.returncode == 2 and "--min-score" in bad.stderr and "Traceback" not in bad.stderr
    bad = cli("discover", "--platform", "twitterx", db=db)
    assert bad.returncode == 2 and "is not a platform" in bad.stderr
