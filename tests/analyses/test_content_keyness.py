"""distinctive_terms reads at most KEYNESS_MAX_POSTS posts per account and period, the newest."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from small_roster import write_roster

from diplotrack.analyses import content
from diplotrack.analyses.base import Filters, tables_from_duckdb
from diplotrack.roster import import_roster

D = datetime
ACTORS = [("emb", "embassy", "EmbA", "100", "FR"), ("amb", "ambassador", "AmbB", "200", "DE")]
# post_id, author, created_at, terms
POSTS = [
    ("p1", "100", D(2022, 1, 1), ["older", "older", "older"]),
    ("p2", "100", D(2022, 3, 1), ["newer", "newer", "shared"]),
    ("p3", "100", D(2022, 3, 1), ["newer", "shared"]),  # same time as p2: p2 is read first (post id)
    ("p4", "100", D(2023, 1, 1), ["later"]),
    ("p9", "200", D(2022, 1, 5), ["shared", "shared", "other", "other", "other"]),
]


@pytest.fixture
def store(tmp_path: Path, new_store):  # type: ignore[no-untyped-def]
    con = new_store(tmp_path / "s.duckdb")
    import_roster(con, write_roster(tmp_path, ACTORS))
    con.executemany(
        "INSERT INTO posts (platform, post_id, author_id, created_at, kind, first_seen_at) "
        "VALUES ('x', ?, ?, ?, 'original', now())",
        [list(p[:3]) for p in POSTS],
    )
    con.executemany(
        "INSERT INTO post_enrichment (platform, post_id, enrichment_version, terms, enriched_at) "
        "VALUES ('x', ?, 'test', ?, now())",
        [[p[0], p[3]] for p in POSTS],
    )
    yield tables_from_duckdb(con)
    con.close()


def emb_2022(t, **kw) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    df = content.distinctive_terms(t, Filters(), n=10, **kw).to_pandas()
    df = df[(df.handle == "EmbA") & (df.period == "2022")]
    return {r.term: (r.count, r.reference_count) for r in df.itertuples()}


def test_every_post_is_read_under_the_cap(store) -> None:  # type: ignore[no-untyped-def]
    assert emb_2022(store) == {"older": (3, 0), "newer": (3, 0)}


def test_only_the_newest_posts_are_read(store, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(content, "KEYNESS_MAX_POSTS", 2)
    assert emb_2022(store) == {"newer": (3, 0)}  # p1 is left out; p2 and p3 are the newest two
    monkeypatch.setattr(content, "KEYNESS_MAX_POSTS", 1)
    # only p2 (p3 has the same time and a later id): "newer" occurs twice, under KEYNESS_MIN_COUNT
    assert emb_2022(store) == {}
    # the cap is per account and period: 2023 and AmbB keep their posts
    df = content.distinctive_terms(store, Filters(), n=10).to_pandas()
    assert set(zip(df.handle, df.period, df.term, strict=True)) == {("AmbB", "2022", "other")}
