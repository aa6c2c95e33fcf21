"""The report's presence section counts accounts per platform: every platform of the registry, a
platform whose accounts have no data shown as 'tracked, no data' (not hidden), the date ranges as
days or 'unknown', its coverage line, and the same figures in summary.json."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack import platforms
from diplotrack.records import Post, Provenance
from diplotrack.report.build import build_report
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.db import open_store
from diplotrack.store.writer import StoreWriter

ROSTER = Path(__file__).resolve().parents[1] / "roster" / "fixtures" / "built-every-platform.yaml"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One report over the every-platform roster, with posts on X and Telegram only."""
    base = tmp_path_factory.mktemp("presence-report")
    roster, problems = load_roster(ROSTER)
    assert not problems and roster is not None
    con = open_store(base / "r.duckdb")
    try:
        import_roster(con, roster)
        w = StoreWriter(con, 0)
        for platform, post_id, author, at in (
            ("telegram", "example_emb_fr/3", "handle:example_emb_fr", datetime(2023, 1, 5)),
            ("x", "1001", "handle:exampleembfr", datetime(2020, 5, 1)),
        ):
            w.add_post(Post(platform, post_id, author, None, at, "text", None, "original", Provenance("test")))
        w.flush()
        build_report(con, base / "out", cache=False)
    finally:
        con.close()
    return base / "out", json.loads((base / "out" / "summary.json").read_text(encoding="utf-8"))


def test_the_table_lists_every_platform_and_says_which_have_no_data(report: tuple[Path, dict]) -> None:
    out, _ = report
    with open(out / "tables" / "presence_by_platform.csv", encoding="utf-8") as fh:
        rows = {r["platform"]: r for r in csv.DictReader(fh)}
    assert list(rows) == list(platforms.PLATFORMS)
    got = {p: (r["accounts"], r["actors"], r["accounts_with_data"], r["status"]) for p, r in rows.items()}
    assert got == {
        "x": ("2", "2", "2", "data"),
        "bluesky": ("1", "1", "0", "tracked, no data"),
        "mastodon": ("1", "1", "0", "tracked, no data"),
        "youtube": ("2", "2", "0", "tracked, no data"),
        "telegram": ("2", "2", "2", "data"),
        "mfa": ("1", "1", "0", "tracked, no data"),
    }
    assert (rows["x"]["created_from"], rows["x"]["first_post_from"]) == ("2019-08-01", "2020-05-01")
    assert (rows["mfa"]["created_from"], rows["mfa"]["first_post_to"]) == ("unknown", "unknown")
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "Accounts per platform: tracked, with data, and since when" in text
        assert "tracked, no data" in text and "Ministry podium" in text
        assert "presence_by_platform" in text.replace("\\_", "_")  # its coverage line names it


def test_summary_json_carries_the_per_platform_counts(report: tuple[Path, dict]) -> None:
    _, s = report
    per = s["presence_by_platform"]
    assert list(per) == list(platforms.PLATFORMS)
    assert per["telegram"] == {
        "accounts": 2, "actors": 2, "institutional": 1, "individual": 1, "accounts_with_data": 2,
        "accounts_with_posts": 1, "accounts_with_snapshots": 1, "accounts_dated": 1, "status": "data",
        "created_from": "2021-03-01", "created_to": "2021-03-01",
        "first_post_from": "2023-01-05", "first_post_to": "2023-01-05",
    }  # fmt: skip
    assert per["mfa"]["created_from"] is None and per["mfa"]["status"] == "tracked, no data"
    assert s["platforms_tracked"] == list(platforms.PLATFORMS)
    assert s["platforms_without_data"] == ["bluesky", "mastodon", "youtube", "mfa"]
    assert sum(v["accounts"] for v in per.values()) == s["accounts_total"] == 9
    assert s["coverage"]["presence_by_platform"]["selected"] == 9
