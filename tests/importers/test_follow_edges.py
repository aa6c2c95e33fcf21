"""The follow-edges importer on the real CHC 2021 follow list, and on bad rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diplotrack.demo import demo_data_dir
from diplotrack.importers.run import import_paths

REAL = demo_data_dir() / "chc-2021-follow-edges.csv"


def test_real_follow_list_imports_dated_and_idempotent(con) -> None:  # type: ignore[no-untyped-def]
    first = import_paths(con, [REAL], observed_at=datetime(2021, 2, 28))
    assert first.formats == {str(REAL): "follow-edges"} and not first.skipped
    rows = con.execute(
        "SELECT count(*), count(DISTINCT follower_id), min(observed_at), any_value(source) FROM follow_edges"
    ).fetchone()
    assert rows == (1075, 45, datetime(2021, 2, 28), "follow-edges (observed-at option)")
    assert con.execute("SELECT count(*) FROM follow_edges WHERE followed_id = 'handle:mfa_china'").fetchone()[0] == 41
    import_paths(con, [REAL], observed_at=datetime(2021, 2, 28))
    assert con.execute("SELECT count(*) FROM follow_edges").fetchone()[0] == 1075
    # a later snapshot of the same list is another dated observation
    import_paths(con, [REAL], observed_at=datetime(2022, 4, 30))
    assert con.execute("SELECT count(DISTINCT observed_at) FROM follow_edges").fetchone()[0] == 2


def test_bad_rows_are_skipped_with_their_line(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "follows.csv"
    f.write_text(
        "follower,followed,platform,observed_at\na,b,x,2021-01-01\n,b,x,\na,c,myspace,\na,d,x,yesterday\n@e,@F,,\n",
        encoding="utf-8",
    )
    report = import_paths(con, [f])
    reasons = sorted((s.line, s.reason) for s in report.skipped)
    assert reasons == [
        (3, "empty follower or followed"),
        (4, "platform 'myspace' is not one of x, bluesky, mastodon, youtube, telegram, mfa"),
        (5, "observed_at 'yesterday' is not a date"),
    ]
    got = con.execute("SELECT follower_id, followed_id, source FROM follow_edges ORDER BY 1, 2").fetchall()
    assert got == [
        ("handle:a", "handle:b", "follow-edges (observed_at column)"),
        ("handle:e", "handle:f", "follow-edges (file modification time)"),
    ]
