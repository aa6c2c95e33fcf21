"""``diplotrack discover``: accounts the roster misses, scored, with their evidence (docs/discovery.md)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import typer

from diplotrack.analyses.selection import check_countries, check_platforms, split
from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.store.db import open_store_read_only


def _evidence_line(c) -> str:  # type: ignore[no-untyped-def]
    """The evidence in a few words, for the table."""
    bits = []
    if c.relations:
        bits.append(f"{len(c.relations)} roster actor(s)")
    for name in ("profile", "label", "link", "handle"):
        if name in c.components:
            bits.append(name)
    return ", ".join(bits)


def _left_out(skipped: list[tuple[str, str]]) -> str:
    """``3 left out of the CSV (2: no evidence names ...; 1: ...)``, the commonest reason first."""
    reasons = Counter(why for _, why in skipped).most_common()
    return f"{len(skipped)} left out of the CSV (" + "; ".join(f"{n}: {why}" for why, n in reasons) + ")"


def discover_command(
    platform: list[str] | None = typer.Option(None, "--platform", help="Only accounts on these platforms."),
    state: list[str] | None = typer.Option(None, "--state", help="Only accounts of these states (ISO codes)."),
    min_score: float = typer.Option(0.3, "--min-score", help="Only candidates scoring at least this (0 to 1)."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="At most this many candidates (0: all)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the candidates as a new roster CSV to review."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Write every candidate's evidence as JSON lines."),
    patterns: Path | None = typer.Option(None, "--patterns", help="A patterns file instead of the bundled one."),
    unknown_state: bool = typer.Option(
        False,
        "--include-unknown-state",
        help="Also write to --out the candidates whose state no evidence names, with an EMPTY state and the "
        "note 'fill in state'; 'roster validate' points at each such row until you fill it in.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the candidates and their evidence as JSON (the summary goes to stderr)."
    ),
) -> None:
    if not (math.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise UsageError(f"--min-score {min_score:g} is not between 0 and 1; give a score such as 0.5")
    if out is not None and out.suffix.lower() != ".csv":
        raise UsageError(f"--out {out} must name a .csv file, the roster's CSV form")
    if unknown_state and out is None:
        raise UsageError("--include-unknown-state changes what --out writes; add --out FILE.csv")
    platforms = check_platforms(split(platform))
    states = check_countries(split(state), field="state", db=common.STATE.db)
    from diplotrack.discover.coverage import Coverage, platforms_without_data
    from diplotrack.discover.outputs import check_targets, write_all
    from diplotrack.discover.patterns import load_patterns
    from diplotrack.discover.roster_csv import csv_writer, evidence_writer, importable_check, roster_rows
    from diplotrack.discover.score import discover

    check_targets([(out, "--out"), (evidence, "--evidence")])  # before the work, not after it
    loaded = load_patterns(str(patterns) if patterns else None)
    coverage = Coverage()
    con = open_store_read_only(common.STATE.db)
    try:
        with common.err_console.status("discovering", spinner="dots"):
            qualifying = discover(
                con, platforms=platforms, states=states, min_score=min_score, patterns=loaded, coverage=coverage
            )
        found = qualifying[:limit] if limit else qualifying
        empty_platforms = platforms_without_data(con, platforms) if not found else []
        today = datetime.now(UTC).date()
        rows, written = roster_rows(con, found, today, unknown_state=unknown_state) if out is not None else ([], None)
    finally:
        con.close()
    files = [(out, csv_writer(rows), importable_check(unknown_state))] if out is not None else []
    files += [(evidence, evidence_writer(found), None)] if evidence is not None else []
    write_all(files)  # all or nothing
    summary = _summary(len(found), len(qualifying), min_score, coverage.roster_accounts, empty_platforms)
    if written is not None:
        summary += f"; {written.rows} written to {out} (review it, then 'diplotrack roster import {out}')"
        if written.stateless:
            summary += (
                f"; {written.stateless} of them with an empty state to fill in ('diplotrack roster validate {out}' "
                "lists them)"
            )
        if written.skipped:
            summary += f"; {_left_out(written.skipped)}"
    if evidence is not None:
        summary += f"; evidence in {evidence}"
    if as_json:  # stdout stays the JSON list; what stands behind it goes to stderr
        common.print_json([c.as_json() for c in found])
        common.err_console.print(summary, markup=False)
        common.err_console.print(coverage.line(), markup=False)
        return
    rows_shown = [
        (
            str(i),
            f"{c.score:.2f}",
            c.platform,
            c.handle or c.user_id or "",
            c.kind or "",
            c.state or "",
            c.host_country or "",
            _evidence_line(c),
        )
        for i, c in enumerate(found, 1)
    ]
    if rows_shown:
        common.print_table(("#", "score", "platform", "handle", "kind", "state", "host", "evidence"), rows_shown)
    common.console.print(summary, markup=False)
    common.console.print(coverage.line(), markup=False)


def _summary(shown: int, qualifying: int, min_score: float, roster_size: int, empty_platforms: list[str]) -> str:
    """``5 shown of 15 candidate(s) at score 0.3 or more``, and why there are none where the store says."""
    counted = f"{qualifying} candidate(s)" if shown == qualifying else f"{shown} shown of {qualifying} candidate(s)"
    summary = f"{counted} at score {min_score:g} or more"
    if not roster_size:
        return summary + ": the store holds no roster to start from; import one first ('diplotrack roster import FILE')"
    if empty_platforms:
        summary += (
            f": the store holds no data on {', '.join(empty_platforms)} (no account, post, follow or profile "
            "there); collect from it first"
        )
    return summary
