"""The report: figures checked against values computed independently from the bundled files,
untrusted text escaped, and the HTML self-contained."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cli_inprocess import cli
from demo_mfa import MFA_ACCOUNTS, MFA_HANDLES, MFA_STATEMENTS, X_ACCOUNTS, X_TIMELINES, mfa_pages, mfa_posts
from diplotrack.analyses.base import Filters
from diplotrack.demo import demo_data_dir
from diplotrack.records import Post, Provenance
from diplotrack.report.build import ReportOptions, build_report
from diplotrack.roster import bundled_roster_path, import_roster, load_roster
from diplotrack.store.db import open_store, open_store_read_only
from diplotrack.store.writer import StoreWriter

BUNDLED = bundled_roster_path().parent


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory, enriched_demo_template: Path) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("report")
    db = base / "demo.duckdb"
    shutil.copyfile(enriched_demo_template, db)  # the demo store, enriched (tests/conftest.py)
    con = open_store_read_only(db)
    try:
        result = build_report(con, base / "out")
    finally:
        con.close()
    return base / "out", result.summary


def _snapshots(name: str) -> list[dict[str, str]]:
    with open(BUNDLED / "snapshots" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_files_are_written(demo_report: tuple[Path, dict]) -> None:
    out, _ = demo_report
    for name in ("report.html", "report.md", "summary.json"):
        assert (out / name).stat().st_size > 0
    assert len(list((out / "tables").glob("*.csv"))) >= 15
    assert len(list((out / "charts").glob("*.png"))) >= 4
    assert json.loads((out / "summary.json").read_text()) == demo_report[1]


def test_summary_against_the_bundled_files(demo_report: tuple[Path, dict]) -> None:
    _, s = demo_report
    roster = yaml.safe_load((BUNDLED / "china.yaml").read_text())
    actors = roster["actors"]
    kinds: dict[str, int] = {}
    platforms: dict[str, int] = {}
    for a in actors:
        kinds[a["kind"]] = kinds.get(a["kind"], 0) + len(a["accounts"])
        for acc in a["accounts"]:
            platforms[acc["platform"]] = platforms.get(acc["platform"], 0) + 1
    # every account of the roster counts, whatever its platform: 85 = 81 on X + 4 on the ministry's podium
    assert platforms == {"x": X_ACCOUNTS, "mfa": MFA_ACCOUNTS}
    assert s["accounts_total"] == sum(kinds.values()) == 85
    assert s["accounts_by_kind"] == kinds
    institutional = {"embassy", "consulate", "mission", "ministry", "state_media"}
    n_inst = sum(len(a["accounts"]) for a in actors if a.get("institutional", a["kind"] in institutional))
    assert s["institutional_share"] == pytest.approx(n_inst / 85)

    # joins by year: the account creation month from either snapshot table
    created = {}
    for name in ("chc-2021.csv", "chc-2022.csv"):
        for r in _snapshots(name):
            if r["created_at"]:
                created[r["handle"].lower()] = r["created_at"][:4]
    years: dict[str, int] = {}
    for y in created.values():
        years[y] = years.get(y, 0) + 1
    assert {k: v for k, v in s["joined_by_year"].items() if v} == years

    # thresholds and top by followers: the latest snapshot of each account
    latest: dict[str, dict[str, str]] = {}
    for name in ("chc-2021.csv", "chc-2022.csv"):  # 2022 is later: it overwrites
        for r in _snapshots(name):
            latest[r["handle"].lower()] = r
    followers = {h: int(r["followers"]) for h, r in latest.items() if r["followers"]}
    posts = {h: int(r["posts_count"]) for h, r in latest.items() if r["posts_count"]}
    assert s["share_followers_over"] == pytest.approx(sum(v > 10000 for v in followers.values()) / len(followers))
    assert s["share_posts_over"] == pytest.approx(sum(v > 1000 for v in posts.values()) / len(posts))
    top = sorted(followers.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(d["handle"].lower(), d["followers"]) for d in s["top_by_followers"]] == top

    # posts by tracked accounts: the four real X timelines (the mentions CSV is by untracked accounts)
    # and the podium's statements (all three speakers are on the roster); the window runs from the
    # first press conference (2020-01-02, a date: 00:00) to the last X post
    n = 0
    for f in X_TIMELINES:
        with open(demo_data_dir() / f"{f}.csv", newline="", encoding="utf-8") as fh:
            n += len({(r["screen_name"], r["created_at"], r["full_text"]) for r in csv.DictReader(fh)})
    assert s["posts_total"] == n + mfa_posts()
    first = min(d for days in mfa_pages().values() for d in days)
    assert s["window"] == {"start": f"{first.isoformat()}T00:00:00", "end": "2022-12-27T16:13:55"}


def test_html_is_self_contained(demo_report: tuple[Path, dict]) -> None:
    html = (demo_report[0] / "report.html").read_text()
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assert "<link" not in html
    assert html.count('src="data:image/png;base64,') >= 4
    for section in ("presence", "activity", "growth", "amplification", "methods"):
        assert f'id="{section}"' in html


HOSTILE = "<script>alert('x')</script>"
HOSTILE_HANDLE = '"><img src=x onerror=alert(1)>'


def _hostile_store(tmp_path: Path) -> Path:
    roster = tmp_path / "r.yaml"
    roster.write_text(
        yaml.safe_dump(
            {
                "roster": 1,
                "name": "hostile",
                "actors": [
                    {
                        "actor_id": "cn-emb-fr",
                        "name": f"Embassy {HOSTILE}",
                        "kind": "embassy",
                        "state": "CN",
                        "host_country": "FR",
                        "host_city": "Paris <b>",
                        "accounts": [{"platform": "x", "handle": "AmbassadeChine"}],
                    }
                ],
            }
        )
    )
    db = tmp_path / "h.duckdb"
    con = open_store(db)
    loaded, problems = load_roster(roster)
    assert not problems and loaded is not None
    import_roster(con, loaded)
    from datetime import datetime

    w = StoreWriter(con, 0)
    w.add_post(
        Post(
            "x",
            "1",
            "handle:ambassadechine",
            "AmbassadeChine",
            datetime(2022, 1, 1),
            HOSTILE,
            "fr",
            "original",
            Provenance("test"),
        )
    )
    w.add_post(
        Post(
            "x",
            "2",
            "666",
            HOSTILE_HANDLE,
            datetime(2022, 1, 2),
            f"RT {HOSTILE}",
            "en",
            "repost",
            Provenance("test"),
            reposted_post_id="1",
            reposted_author_id="handle:ambassadechine",
        )
    )
    w.flush()
    con.close()
    return db


def test_untrusted_text_is_escaped_everywhere(tmp_path: Path) -> None:
    db = _hostile_store(tmp_path)
    con = open_store_read_only(db)
    try:
        build_report(con, tmp_path / "out")
    finally:
        con.close()
    html = (tmp_path / "out" / "report.html").read_text()
    md = (tmp_path / "out" / "report.md").read_text()
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the amplifier's handle, shown escaped
    assert "&lt;script&gt;" in html
    assert "<script" not in md and "<img src=x" not in md


def test_empty_store_and_empty_window(tmp_path: Path, demo_report: tuple[Path, dict]) -> None:
    con = open_store(tmp_path / "empty.duckdb")
    con.close()
    con = open_store_read_only(tmp_path / "empty.duckdb")
    try:
        s = build_report(con, tmp_path / "out").summary
    finally:
        con.close()
    assert (s["accounts_total"], s["posts_total"], s["accounts_by_kind"]) == (0, 0, {})
    assert s["window"] == {"start": None, "end": None}
    # a window with no posts in it, on the demo store
    db = demo_report[0].parent / "demo.duckdb"
    from datetime import datetime

    con = open_store_read_only(db)
    try:
        f = Filters(start=datetime(2000, 1, 1), end=datetime(2000, 2, 1))
        s2 = build_report(con, tmp_path / "out2", ReportOptions(filters=f)).summary
    finally:
        con.close()
    assert s2["posts_total"] == 0 and s2["accounts_total"] == 85  # the roster: 81 on X + 4 on mfa
    assert s2["window"] == {"start": "2000-01-01T00:00:00", "end": "2000-02-01T00:00:00"}
    # no account posted by then: dormancy is said to be unknown for all, not "none dormant"
    assert s2["accounts_dormant"] is None and s2["accounts_dormancy_unknown"] == 85  # unknown: not 0
    dormant = (tmp_path / "out2" / "report.md").read_text(encoding="utf-8").split("### Dormant accounts", 1)[1]
    dormant = dormant.split("##", 1)[0]
    assert "unknown for 85 account(s)" in dormant and "_none_" not in dormant


def test_filters_change_the_figures(demo_report: tuple[Path, dict]) -> None:
    """The figures the summary is made of, under each account filter (the full report with filters
    is run once, through the CLI, below)."""
    from diplotrack.analyses.base import tables_from_duckdb
    from diplotrack.analyses.presence import accounts_by_kind

    db = demo_report[0].parent / "demo.duckdb"
    actors = yaml.safe_load((BUNDLED / "china.yaml").read_text())["actors"]
    con = open_store_read_only(db)
    try:
        t = tables_from_duckdb(con)

        def kinds(**filters: object) -> dict[str, int]:
            df = accounts_by_kind(t, Filters(**filters)).to_pandas()
            return {str(k): int(v) for k, v in df.groupby("kind")["accounts"].sum().items()}

        assert kinds(kinds=("embassy", "consulate")) == {"consulate": 21, "embassy": 11}
        assert sum(kinds(host_countries=("JP",)).values()) == len([a for a in actors if a.get("host_country") == "JP"])
        individual = kinds(institutional=False)
        assert set(individual) == {
            a["kind"] for a in actors if a["kind"] not in ("embassy", "consulate", "mission", "ministry", "state_media")
        }
    finally:
        con.close()


def test_cli_report_json_options_timings_and_errors(demo_report: tuple[Path, dict], tmp_path: Path) -> None:
    """``diplotrack report`` (in-process: tests/cli_inprocess.py) with filters, thresholds, --json and
    --timings: the summary on stdout, the timings of every section and table on stderr."""
    from diplotrack.report.sections import SECTIONS

    db = demo_report[0].parent / "demo.duckdb"
    proc = cli("report", "--out", str(tmp_path / "o"), "--json", "--timings", "--kind", "embassy,consulate",
               "--host-country", "fr", "--start", "2022-01-01", "--end", "2022-02-01", "--posts-over", "5000",
               "--followers-over", "100", db=db, env={"COLUMNS": "200"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)  # stdout stays the summary alone: the timings go to stderr
    assert s["filters"]["kinds"] == ["embassy", "consulate"] and s["filters"]["host_countries"] == ["FR"]
    actors = yaml.safe_load((BUNDLED / "china.yaml").read_text())["actors"]
    want: dict[str, int] = {}
    for a in actors:
        if a.get("host_country") == "FR" and a["kind"] in ("embassy", "consulate"):
            want[a["kind"]] = want.get(a["kind"], 0) + len(a["accounts"])
    assert s["accounts_by_kind"] == want
    assert s["thresholds"] == {"posts_over": 5000, "followers_over": 100}
    assert s["window"] == {"start": "2022-01-01T00:00:00", "end": "2022-02-01T00:00:00"}
    assert (tmp_path / "o" / "report.html").exists()
    err = proc.stderr
    for spec in SECTIONS:
        assert spec.key in err, spec.key
    assert "top_by_followers" in err and "writing the files" in err and "total" in err
    rows = [line for line in err.splitlines() if line.strip().endswith(" s") or " s " in line]
    assert len(rows) >= len(SECTIONS)
    proc = cli("report", "--start", "not-a-date", db=db)
    assert proc.returncode == 2 and "--start" in proc.stderr and "Traceback" not in proc.stderr


def test_content_section_and_summary(demo_report: tuple[Path, dict]) -> None:
    """The content keys of summary.json, checked against the bundled timelines where they can be."""
    out, s = demo_report
    assert sum(s["languages"].values()) == s["posts_total"]  # every tracked post in the window, once
    assert sum(s["tone"].values()) == s["posts_total"]
    assert set(s["tone"]) == {"conciliatory", "neutral", "confrontational"}
    # the bundled X timelines are English; the podium's statements are Chinese
    assert s["languages"]["en"] > 0.9 * (s["posts_total"] - mfa_posts())
    assert s["languages"]["zh"] >= mfa_posts()
    assert s["topics"] and all(n > 0 for n in s["topics"].values())
    # hashtags: counted case-folded per post, as a plain reading of the bundled CSVs counts them
    texts: dict[tuple[str, str, str], str] = {}
    for name in ("SpokespersonCHN.csv", "zlj517.csv", "MFA_China.csv", "globaltimesnews.csv"):
        with open(demo_data_dir() / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                texts[(row["screen_name"].lower(), row["created_at"], row["full_text"])] = row["full_text"]
    top = s["top_hashtags"][0]
    expected = sum(1 for t in texts.values() if re.search(rf"#{top['hashtag']}(?![\w])", t, re.IGNORECASE))
    assert top["hashtag"] == "china" and top["form"] == "China" and top["posts"] == expected
    # the rtweet exports keep t.co short links, not resolved offline: the shortener never ranks, and
    # the table's note and the coverage say how many links are left out and what follows them
    assert "t.co" not in {d["domain"] for d in s["top_domains"]}
    caveat = next(c for c in s["coverage"]["top_entities"]["caveats"] if "URL shorteners" in c)
    assert re.match(r"[\d,]{5,} link\(s\) in [\d,]+ post\(s\)", caveat) and "diplotrack resolve-links" in caveat
    assert caveat in (out / "report.md").read_text()
    assert 0 <= s["state_media_amplification_share"] < 0.01
    html = (out / "report.html").read_text()
    assert "Content: languages, topics, tone" in html
    for name in ("languages_by_kind", "topics", "tone_trend", "extreme_posts", "top_hashtags", "host_language"):
        assert (out / "tables" / f"{name}.csv").exists(), name


def test_network_section(demo_report: tuple[Path, dict]) -> None:
    out, s = demo_report
    # the bundled CHC 2021 follow list: 1,075 edges among 45 of the 46 accounts (one follows no one listed)
    assert s["networks"]["follow"]["edges"] == 1075 and s["networks"]["follow"]["nodes"] == 45
    assert s["networks"]["repost"]["edges"] > 0 and s["networks"]["mention"]["nodes"] > 100
    with open(out / "tables" / "follow_network_top.csv", newline="", encoding="utf-8") as fh:
        top = list(csv.DictReader(fh))
    indeg = {r["label"]: float(r["in_degree"]) for r in top}
    assert indeg["MFA_China"] == indeg["SpokespersonCHN"] == 41
    for name in (
        "repost_communities",
        "polyphony_hashtags",
        "polyphony_topics",
        "corepost_clusters",
        "amplifier_profiles",
        "creation_bursts",
    ):
        assert (out / "tables" / f"{name}.csv").exists(), name
    assert "Networks and coordination" in (out / "report.html").read_text()


def test_report_killed_midway_leaves_the_old_report_whole(demo_report: tuple[Path, dict], tmp_path: Path) -> None:
    """A real ``diplotrack report`` killed (SIGKILL) while it writes: the folder still holds the
    old report, byte for byte; the next run removes what the killed one left beside it."""
    import shutil
    import signal
    import time

    from diplotrack.report.folder import clean_leftovers

    out = tmp_path / "out"
    shutil.copytree(demo_report[0], out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    db = demo_report[0].parent / "demo.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), "report", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any((p / "charts").is_dir() and any((p / "charts").iterdir()) for p in tmp_path.glob("out.tmp-*")):
            assert proc.poll() is None and time.monotonic() < deadline, "the report ended before it could be killed"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.glob("out.tmp-*")]  # the half-written report, beside it
    clean_leftovers(out)  # what the next report does first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_every_registered_analysis_is_in_the_report_docs_and_summary_with_its_coverage(
    demo_report: tuple[Path, dict],
) -> None:
    from diplotrack.analyses.registry import ANALYSES
    from diplotrack.report.sections import SECTIONS

    out, s = demo_report
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8").replace("\\_", "_")
    section_ids = {spec.key for spec in SECTIONS}
    root = Path(__file__).resolve().parents[2]
    for a in ANALYSES:
        assert a.section in section_ids, a.name
        page = (root / a.docs).read_text(encoding="utf-8")
        assert a.name in page, f"{a.name} is not on {a.docs}"
        assert re.search(rf"Coverage of [^<\n]*\b{a.name}\b", html), f"{a.name}: no coverage line in report.html"
        assert re.search(rf"Coverage of [^\n]*\b{a.name}\b", md), f"{a.name}: no coverage line in report.md"
        cov = s["coverage"][a.name]
        assert cov["section"] == a.section
        assert 0 <= cov["accounts"] <= cov["selected"] == s["accounts_total"]
        assert len(cov["missing"]) == cov["selected"] - cov["accounts"]


def test_coverage_and_unknowns_of_the_demo(demo_report: tuple[Path, dict]) -> None:
    """The demo's posts are those of 7 of its 85 accounts (4 X timelines, 3 speakers at the ministry's
    podium) and hold no repost by them; 3 X accounts and the 4 podium accounts have no snapshot. What
    cannot be known is said to be unknown, not 0 or None."""
    out, s = demo_report
    cov = s["coverage"]
    posting = {f"x:{h}" for h in X_TIMELINES} | {f"mfa:{h}" for h in MFA_STATEMENTS}
    assert cov["languages"]["accounts"] == 7 and posting.isdisjoint(cov["languages"]["missing"])
    assert cov["languages"]["selected"] == 85 and "mfa:陆慷" in cov["languages"]["missing"]  # no statement in 2020
    assert cov["accounts_by_kind"] == {**cov["accounts_by_kind"], "accounts": 85, "missing": []}
    assert cov["joins_by_period"]["accounts"] == 78  # the 81 X accounts but 3; the podium has no creation date
    assert {f"mfa:{h}" for h in MFA_HANDLES} <= set(cov["joins_by_period"]["missing"])
    assert any("Creation date unknown for 7 account(s)" in c for c in cov["joins_by_period"]["caveats"])
    assert any("No reposts" in c for c in cov["repost_targets_by_kind"]["caveats"])
    assert not any("No reposts" in c for c in cov["languages"]["caveats"])
    # dormancy at the window's end (the last X post, 2022-12-27): the three speakers last spoke in
    # April 2020 (dormant); the 78 accounts with no post are unknown
    assert max(d for days in mfa_pages().values() for d in days).year == 2020
    assert s["accounts_dormancy_unknown"] == 78 and s["accounts_dormant"] == 3
    assert s["ministry_amplification_share"] is None  # no repost or quote: not 0.0
    md = (out / "report.md").read_text(encoding="utf-8")
    dormant = md.split("### Dormant accounts", 1)[1].split("##", 1)[0]
    # the dormant table: the three speakers, whose statements end in April 2020
    assert "_none_" not in dormant and all(f"| mfa | {h} |" in dormant for h in MFA_STATEMENTS)
    assert "Dormancy is unknown for 78 account(s) without posts." in dormant  # said beside the rows too
    assert set(pd.read_csv(out / "tables" / "dormant_accounts.csv")["handle"]) == set(MFA_STATEMENTS)
    amp = pd.read_csv(out / "tables" / "amplification_by_kind.csv")
    assert amp["ministry_posts"].isna().all() and amp["ministry_share"].isna().all()
    assert amp["state_media_posts"].notna().all()  # links to state media are seen without reposts


def test_report_options_are_checked_in_the_library_with_the_clis_bounds() -> None:
    import datetime as dt

    from diplotrack.cli import report as cli_report
    from diplotrack.errors import InvalidValueError, UsageError
    from diplotrack.report import model

    assert (cli_report.MAX_COUNT, cli_report.MAX_DAYS) == (model.MAX_COUNT, model.MAX_DAYS)
    for bad in ({"posts_over": 2**64}, {"followers_over": -1}, {"dormant_days": model.MAX_DAYS + 1}):
        with pytest.raises(InvalidValueError, match="must be a whole number from 0 to") as caught:
            model.ReportOptions(**bad)
        assert isinstance(caught.value, UsageError)
    with pytest.raises(UsageError, match="growth_from 2022-01-01 is after growth_to 2021-01-01"):
        model.ReportOptions(growth_from=dt.date(2022, 1, 1), growth_to=dt.date(2021, 1, 1))


STUDY_QUESTIONS = [
    "joined", "institutional", "thresholds", "top_followers", "covid", "amplification", "tone", "host_language",
    "network", "engaging_posts", "shared_links", "deleted_posts",
]  # fmt: skip


def test_the_studys_questions_come_first_answered_from_the_tables_with_their_coverage(
    demo_report: tuple[Path, dict],
) -> None:
    out, s = demo_report
    qs = {q["id"]: q for q in s["study_questions"]}
    assert list(qs) == STUDY_QUESTIONS
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    charts = {f"chart:{p.stem}" for p in (out / "charts").glob("*.png")}
    for q in qs.values():
        assert q["question"].endswith("?") and q["answer"] and " of 85 selected accounts " in q["coverage"], q
        assert q["details"] and set(q["details"]) <= tables | charts, q
    joined = qs["joined"]
    cohorts = pd.read_csv(out / "tables" / "joins_by_cohort.csv")
    assert joined["figures"]["cohorts"] == dict(
        zip(["before 2019", "in 2019", "in January–April 2020", "from May 2020 on"], cohorts["joins"], strict=True)
    )
    assert joined["question"].startswith("When did the accounts join: before 2019, in 2019, in January–April 2020")
    # 3 X accounts and the 4 podium accounts have no creation date
    assert "unknown for the other 7" in joined["coverage"] and joined["figures"]["by_year"] == s["joined_by_year"]
    assert qs["institutional"]["figures"]["share"] == pytest.approx(s["institutional_share"])
    thr = qs["thresholds"]["figures"]
    assert (thr["posts"]["share"], thr["followers"]["share"]) == (s["share_posts_over"], s["share_followers_over"])
    assert qs["top_followers"]["figures"]["top"] == s["top_by_followers"]
    covid = pd.read_csv(out / "tables" / "covid_by_month.csv")
    assert qs["covid"]["figures"]["topic_posts"] == covid["topic_posts"].sum() == s["topics"]["covid19"]
    # the demo's first and last months are partial: it starts with the press conference of 2020-01-02
    assert "January 2020, a partial month" in qs["covid"]["answer"]
    assert "December 2022, a partial month" in qs["covid"]["answer"]
    engaging = pd.read_csv(out / "tables" / "most_engaging_posts.csv")
    top = qs["engaging_posts"]["figures"]
    assert top["top"][0]["post_id"] == engaging["post_id"][0] and top["posts_considered"] == s["posts_total"]
    assert engaging["replies"].isna().all()  # rtweet exports give no reply counts: unknown, not 0
    assert "replies and quotes not given by the source" in qs["engaging_posts"]["answer"]
    # what cannot be known is said to be unknown
    assert qs["host_language"]["answer"].startswith("Unknown")
    assert (
        qs["deleted_posts"]["answer"].startswith("Unknown") and qs["deleted_posts"]["figures"]["deleted_posts"] is None
    )
    assert (
        qs["amplification"]["figures"]["ministry_share"] is None
        and "ministry is unknown" in qs["amplification"]["answer"]
    )
    assert pd.read_csv(out / "tables" / "deletions_by_account.csv")["deleted"].isna().all()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'<section id="([^"]+)"', html)[0] == "study"
    for anchor in set(re.findall(r'href="#([^"]+)"', html)):  # every link of the report leads somewhere in it
        assert f'id="{anchor}"' in html, anchor
    assert all(f'id="q-{q}"' in html for q in STUDY_QUESTIONS)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.index("## The study's questions") < md.index("## Presence")


def test_summary_carries_the_tone_model_and_the_report_names_it_by_the_tone_figures(
    demo_report: tuple[Path, dict],
) -> None:
    from diplotrack.enrich import tone_model

    out, s = demo_report
    version, ev = tone_model.ToneClassifier().version, tone_model.evaluation()
    assert s["tone_model"]["version"] == version
    assert s["tone_model"]["evaluation"] == json.loads(json.dumps(ev))
    assert ev is not None or "evaluation" in s["tone_model"]["note"]
    html = (out / "report.html").read_text(encoding="utf-8")
    line = f"Tone by model {version}"
    methods = html.split('<section id="methods">', 1)[1]
    assert line in methods
    assert re.search(rf'<figure id="chart-tone_trend"><img [^>]+><figcaption>{re.escape(line)}', html)
    tone_table = html.split('<h3 id="tone_trend">', 1)[1].split("</p>", 1)[0]
    assert line in tone_table


def test_tables_show_every_column_and_charts_have_one_title(demo_report: tuple[Path, dict]) -> None:
    out, _ = demo_report
    html = (out / "report.html").read_text(encoding="utf-8")
    act = pd.read_csv(out / "tables" / "account_activity.csv")
    block = html.split('<h3 id="account_activity">', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th>([^<]*)</th>", block) == list(act.columns)  # none cut
    assert f"{len(act.columns)} columns, all shown" in block
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "text-overflow" not in style and "overflow: hidden" not in style and "overflow: auto" in style
    figures = re.findall(r'<figure id="chart-[^"]+"><img src="[^"]+" alt="([^"]*)">(?:<figcaption>([^<]*))?', html)
    assert len(figures) == len(list((out / "charts").glob("*.png")))
    assert all(caption != alt for alt, caption in figures)  # the title is in the picture, once
