"""The store's edits (store/edits.py): a source's newer dated text replaces the stored one and is
recorded once; an older reading, the same one again, or an importer's text changes nothing."""

from __future__ import annotations

from datetime import datetime

from diplotrack.records import Post, Provenance
from diplotrack.store.writer import StoreWriter

T0, T1, T2 = datetime(2026, 12, 1, 9), datetime(2026, 12, 2, 9), datetime(2026, 12, 3, 9)


def post(text: str, seen: datetime | None, *, dated: bool) -> Post:
    return Post(
        platform="telegram",
        post_id="mfa_test/7",
        author_id="handle:mfa_test",
        author_handle="mfa_test",
        created_at=datetime(2026, 11, 30, 12),
        text=text,
        lang=None,
        kind="original",
        provenance=Provenance("telegram-web", "https://t.me/s/mfa_test"),
        view_count=100,
        metrics_observed_at=seen,
        text_observed_at=seen if dated else None,
    )


def write(con, run_id: int, p: Post) -> None:  # type: ignore[no-untyped-def]
    w = StoreWriter(con, run_id)
    w.add_post(p)
    w.flush()


def state(con) -> tuple:  # type: ignore[no-untyped-def]
    text = con.execute("SELECT text FROM posts WHERE post_id = 'mfa_test/7'").fetchone()[0]
    edits = con.execute("SELECT observed_at, old_text, new_text, run_id FROM post_edits ORDER BY 1").fetchall()
    return text, edits


def test_edits_replace_the_text_once_and_never_go_back(con):
    write(con, 1, post("first", T0, dated=False))
    write(con, 2, post("edited", T1, dated=True))
    assert state(con) == ("edited", [(T1, "first", "edited", 2)])
    write(con, 3, post("edited", T1, dated=True))  # the same reading again
    write(con, 4, post("older reading", T0, dated=True))  # an older one
    write(con, 5, post("an importer's text", T2, dated=False))  # no dated text: never replaces
    assert state(con) == ("edited", [(T1, "first", "edited", 2)])
    write(con, 6, post("edited twice", T2, dated=True))
    assert state(con) == ("edited twice", [(T1, "first", "edited", 2), (T2, "edited", "edited twice", 6)])
