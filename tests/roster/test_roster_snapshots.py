"""The ``snapshots:`` key: profile-snapshot CSV files relative to the YAML roster."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diplotrack.roster import load_roster

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOT_HEADER = "platform,handle,observed_at,followers,following,posts_count,created_at,status,source,notes"


def roster_with_snapshot(tmp_path: Path, *rows: str, header: str = SNAPSHOT_HEADER) -> Path:
    (tmp_path / "snaps").mkdir()
    (tmp_path / "snaps" / "s.csv").write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    text = (FIXTURES / "good.yaml").read_text(encoding="utf-8")
    text = text.replace("snapshots/good-2022.csv", "snaps/s.csv")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_snapshot_rows_are_parsed() -> None:
    roster, problems = load_roster(FIXTURES / "good.yaml")
    assert problems == [] and roster is not None
    first, second, third = roster.snapshots
    assert (first.platform, first.handle, first.observed_at) == ("x", "AmbassadeChine", datetime(2022, 6, 30))
    assert (first.followers, first.following, first.posts_count) == (45288, 1163, 12200)
    assert first.created_at == datetime(2019, 8, 1)
    assert (first.file, first.line, first.source) == ("snapshots/good-2022.csv", 2, "chc2022")
    assert second.notes == "handle case differs on purpose"
    assert third.observed_at == datetime(2022, 6, 30, 12, 0)  # 'Z' converted to naive UTC
    assert (third.followers, third.status) == (None, "active")  # empty counts are missing, status active


def test_offsets_convert_to_utc(tmp_path: Path) -> None:
    path = roster_with_snapshot(tmp_path, "x,AmbassadeChine,2022-06-30T14:00:00+02:00,1,2,3,,suspended,,")
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    assert roster.snapshots[0].observed_at == datetime(2022, 6, 30, 12, 0)
    assert roster.snapshots[0].status == "suspended"


def test_missing_snapshot_file_is_reported_at_its_yaml_line(tmp_path: Path) -> None:
    text = (FIXTURES / "good.yaml").read_text(encoding="utf-8").replace("snapshots/good-2022.csv", "nope.csv")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_roster(path)
    assert [str(p) for p in problems] == [
        f"{path}:10: file: snapshot file 'nope.csv' does not exist (looked for {tmp_path / 'nope.csv'})"
    ]


def test_bad_snapshot_rows_are_reported_in_the_csv(tmp_path: Path) -> None:
    path = roster_with_snapshot(
        tmp_path,
        "x,AmbassadeChine,2022-06-30,-5,1.5,,2019-13-01,gone,,",
        "x,NotInRoster,2022-06-30,,,,,,,",
        "x,@AmbassadeChine,30/06/2022,,,,,,,",
        "facebook,AmbassadeChine,,,,,,,,",
        "x,ambassadechine,2022-06-30,1,1,1,,,,",
        "x,ambassadechine,2022-06-30,2,2,2,,,,",
    )
    csv_file = tmp_path / "snaps" / "s.csv"
    _, problems = load_roster(path)
    assert {p.file for p in problems} == {str(csv_file)}
    assert [f"{p.line}: {p.field}: {p.message}" for p in problems] == [
        "2: followers: '-5' is not a non-negative whole number",
        "2: following: '1.5' is not a non-negative whole number",
        "2: status: 'gone' is not a status; use one of active, suspended, deleted, protected, not_found",
        "2: created_at: '2019-13-01' is not a date; write YYYY-MM-DD or an ISO 8601 date-time",
        "3: handle: x account 'NotInRoster' is not in the roster; add it there or drop this row",
        "4: handle: x account '@AmbassadeChine' is not in the roster; add it there or drop this row",
        "4: observed_at: '30/06/2022' is not a date; write YYYY-MM-DD or an ISO 8601 date-time",
        "5: platform: 'facebook' is not a platform; use one of x, bluesky, mastodon, youtube, telegram, mfa",
        "5: observed_at: is required",
        "7: observed_at: x account 'ambassadechine' already has a snapshot at 2022-06-30 00:00:00 (snaps/s.csv line 6)",
    ]


def test_snapshot_header_is_checked(tmp_path: Path) -> None:
    path = roster_with_snapshot(tmp_path, "x,AmbassadeChine,1", header="platform,handle,followers_count")
    _, problems = load_roster(path)
    assert [f"{p.line}: {p.field}: {p.message}" for p in problems] == [
        "1: followers_count: unknown column (did you mean followers?); known columns: platform, handle, "
        "observed_at, followers, following, posts_count, created_at, status, source, notes",
        "1: observed_at: required column is missing from the header",
    ]


def test_snapshot_entries_are_checked(tmp_path: Path) -> None:
    text = (
        (FIXTURES / "good.yaml")
        .read_text(encoding="utf-8")
        .replace("  - file: snapshots/good-2022.csv\n", "  - path: x.csv\n  - snapshots/good-2022.csv\n")
    )
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_roster(path)
    assert [f"{p.line}: {p.field}: {p.message}" for p in problems] == [
        "10: path: unknown snapshot key; known keys: file",
        "10: file: is required",
        "11: snapshots: each entry must be a mapping of key: value",
    ]
