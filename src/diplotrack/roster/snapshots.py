"""Profile-snapshot CSV files named under a YAML roster's ``snapshots:`` key.

Each row is an observed state of one roster account (followers, posts, status, at a time), e.g.
the counts a published study reported. Paths are relative to the roster file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diplotrack.errors import RosterError
from diplotrack.records import PROFILE_STATUSES
from diplotrack.regular_files import NotRegularFileError, read_regular_text
from diplotrack.roster import checks
from diplotrack.roster.csv_form import read_table
from diplotrack.roster.model import Account, Actor, RosterProblem, SnapshotRow
from diplotrack.roster.validate import Located, Report, text

SNAPSHOT_COLUMNS = (
    "platform",
    "handle",
    "observed_at",
    "followers",
    "following",
    "posts_count",
    "created_at",
    "status",
    "source",
    "notes",
)
REQUIRED_SNAPSHOT_COLUMNS = ("platform", "handle", "observed_at")
COUNT_COLUMNS = ("followers", "following", "posts_count")


def _timestamp(row: dict[str, Located], name: str, line: int, report: Report, *, required: bool) -> datetime | None:
    value = text(row, name, line, report, required=required)
    if value is None:
        return None
    parsed = checks.parse_timestamp(value)
    if parsed is None:
        report.add(row[name].line, name, f"'{value}' is not a date; write YYYY-MM-DD or an ISO 8601 date-time")
    return parsed


def _row(
    line: int, row: dict[str, Located], rel: str, accounts: dict[tuple[str, str], Account], report: Report
) -> SnapshotRow | None:
    problems_before = len(report.problems)
    platform = text(row, "platform", line, report, required=True)
    if platform is not None and (message := checks.check_platform(platform)) is not None:
        report.add(row["platform"].line, "platform", message)
        platform = None
    handle = text(row, "handle", line, report, required=True)
    if platform and handle:
        handle = checks.stored_handle(platform, handle)  # any form the roster accepts: its stored one
    if platform and handle and (platform, handle.lower()) not in accounts:
        report.add(
            row["handle"].line,
            "handle",
            f"{platform} account '{handle}' is not in the roster; add it there or drop this row",
        )
    counts: dict[str, int | None] = {}
    for name in COUNT_COLUMNS:
        value = text(row, name, line, report)
        counts[name] = None if value is None else checks.parse_count(value)
        if value is not None and counts[name] is None:
            report.add(row[name].line, name, f"'{value}' is not a non-negative whole number")
    status = text(row, "status", line, report) or "active"
    if status not in PROFILE_STATUSES:
        report.add(
            row["status"].line,
            "status",
            f"'{status}' is not a status{checks.did_you_mean(status, PROFILE_STATUSES)}; use one of "
            + ", ".join(PROFILE_STATUSES),
        )
    observed_at = _timestamp(row, "observed_at", line, report, required=True)
    created_at = _timestamp(row, "created_at", line, report, required=False)
    if observed_at is None or platform is None or handle is None or len(report.problems) > problems_before:
        return None  # a row with a problem takes no part in the duplicate check
    return SnapshotRow(
        platform,
        handle,
        observed_at,
        counts["followers"],
        counts["following"],
        counts["posts_count"],
        created_at,
        status,
        text(row, "source", line, report),
        text(row, "notes", line, report),
        file=rel,
        line=line,
    )


def load_snapshots(
    entries: list[Located], roster_file: Path, actors: list[Actor], report: Report
) -> tuple[list[SnapshotRow], list[RosterProblem]]:
    """Rows of every snapshot file; a missing file is reported on the roster's ``file:`` line."""
    accounts = {(acc.platform, acc.handle.lower()): acc for actor in actors for acc in actor.accounts}
    rows: list[SnapshotRow] = []
    problems: list[RosterProblem] = []
    seen: dict[tuple[str, str, datetime], tuple[str, int]] = {}
    for entry in entries:
        rel = str(entry.value).strip()
        path = roster_file.parent / rel
        try:
            source = read_regular_text(path, encoding="utf-8-sig")
        except FileNotFoundError:
            report.add(entry.line, "file", f"snapshot file '{rel}' does not exist (looked for {path})")
            continue
        except NotRegularFileError as exc:
            report.add(entry.line, "file", f"snapshot file '{rel}' is not a regular file (it is {exc.kind})")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            report.add(entry.line, "file", f"snapshot file '{rel}' cannot be read as UTF-8 text: {exc}")
            continue
        snap_report = Report(str(path))
        try:
            table = read_table(source, snap_report, REQUIRED_SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS[3:])
        except RosterError as exc:
            report.add(entry.line, "file", str(exc))
            continue
        for line, cells in table or []:
            row = _row(line, cells, rel, accounts, snap_report)
            if row is None:
                continue
            key = (row.platform, row.handle.lower(), row.observed_at)
            if key in seen:
                first_file, first_line = seen[key]
                snap_report.add(
                    line,
                    "observed_at",
                    f"{row.platform} account '{row.handle}' already has a snapshot at "
                    f"{row.observed_at.isoformat(sep=' ')} ({first_file} line {first_line})",
                )
                continue
            seen[key] = (rel, line)
            rows.append(row)
        problems.extend(snap_report.problems)
    return rows, problems
