"""Property-based, for the research-tool and statement CSV formats (minet, 4CAT, ministry
statements): real rows of each fixture with cells replaced by hostile values (wrong types, counts
past 64 bits, dates out of range, ids a spreadsheet mangled, invalid UTF-8 and NUL bytes) never make
an import raise; the file is still read as its format; every skip names the file and a row's first
line with a reason; a row holding invalid UTF-8 is skipped; nothing is stored twice."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import BAD, cell, counts, dates, write_csv

from diplotrack.importers.run import import_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FILES = {
    "minet-x": FIX / "minet" / "twitwi-tweet-export.csv",
    "minet-bluesky": FIX / "minet" / "twitwi-bluesky-posts-export.csv",
    "minet-telegram": FIX / "minet" / "built-from-durov-telegram-channel-messages.csv",
    "minet-youtube": FIX / "minet" / "built-from-playlist-youtube-channel-videos.csv",
    "fourcat-x-csv": FIX / "4cat" / "built-from-twarc2-x.csv",
    "fourcat-telegram-csv": FIX / "4cat" / "built-from-durov-telegram.csv",
    "fourcat-bluesky-csv": FIX / "4cat" / "built-from-docs-bluesky.csv",
    "mfa-statements": FIX / "statements" / "mfa-remarks-6-pages-zh.csv",
    "statements-csv": FIX / "statements" / "built-statements-en.csv",
}


def real_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:4]  # the header and up to three real rows


ids = st.sampled_from(["1.3485927229286564e+18", "872.0", "١٢٣", "x/²", "-1", "", "UCshort", "at://nope"])
hostile = cell | dates | counts | ids


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_mutated_rows_never_raise_and_every_skip_names_its_row(new_store, fmt, data):
    header, rows = real_rows(FILES[fmt])
    mutated = []
    for row in rows:
        row = list(row)
        for i in data.draw(st.lists(st.integers(0, len(header) - 1), max_size=4), label="cells"):
            row[i] = data.draw(hostile, label=header[i])
        mutated.append(row)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        starts = write_csv(path, header, mutated)
        con = new_store(Path(tmp) / "s.duckdb")
        try:
            report = import_paths(con, [path])
            assert report.formats[str(path)] == fmt  # still read as its format
            assert all(s.file == str(path) and s.reason for s in report.skipped)
            skipped = {s.line for s in report.skipped}
            assert skipped <= set(starts) | {1}  # a row's first line (1: the header, a missing column)
            assert {start for r, start in zip(mutated, starts, strict=True) if any(BAD in c for c in r)} <= skipped
            assert con.execute("SELECT count(*) - count(DISTINCT (platform, post_id)) FROM posts").fetchone()[0] == 0
        finally:
            con.close()
