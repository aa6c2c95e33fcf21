"""The one query layer: the filters select the same rows as Ibis predicates and as the SQL the networks
embed, the compiled roster keys are the Ibis roster keys, and the kind groups are roster kinds."""

from __future__ import annotations

from datetime import datetime

import pytest

from diplotrack.analyses.base import Filters, roster_keys, roster_keys_sql, tracked_accounts, window_posts
from diplotrack.analyses.query import (
    INSTITUTIONAL_KINDS,
    MINISTRY_KINDS,
    MISSION_KINDS,
    STATE_MEDIA_KINDS,
    account_terms,
    platform_terms,
    sql_conditions,
    window_terms,
)
from diplotrack.roster import model

ACCOUNT_FILTERS = [
    Filters(),
    Filters(kinds=("embassy", "ministry")),
    Filters(institutional=True),
    Filters(institutional=False, platforms=("x",)),
    Filters(states=("CN",), host_countries=("FR", "DE", "US")),
    Filters(states=("ZZ",)),
]
WINDOWS = [
    Filters(),
    Filters(start=datetime(2023, 1, 1)),
    Filters(start=datetime(2022, 6, 1), end=datetime(2023, 6, 1), platforms=("x",)),
    Filters(end=datetime(2020, 1, 1), platforms=("bluesky", "mastodon")),
]


@pytest.mark.parametrize("f", ACCOUNT_FILTERS, ids=repr)
def test_account_filters_as_ibis_and_as_sql_select_the_same_accounts(demo, f: Filters) -> None:  # type: ignore[no-untyped-def]
    ibis_rows = set(tracked_accounts(demo, f).select("platform", "handle").execute().itertuples(index=False))
    where_a, params_a = sql_conditions(platform_terms(f), "a")
    where_ac, params_ac = sql_conditions(account_terms(f), "ac")
    sql_rows = set(
        demo.backend.con.execute(
            f"""SELECT a.platform, a.handle FROM accounts a JOIN actors ac USING (actor_id)
                WHERE {where_a} AND {where_ac}""",
            [*params_a, *params_ac],
        ).fetchall()
    )
    assert sql_rows == ibis_rows
    if f == Filters():
        assert len(ibis_rows) > 50  # the demo's bundled roster
    if f.states == ("ZZ",):
        assert not ibis_rows


@pytest.mark.parametrize("f", WINDOWS, ids=repr)
def test_window_as_ibis_and_as_sql_select_the_same_posts(demo, f: Filters) -> None:  # type: ignore[no-untyped-def]
    ibis_posts = int(window_posts(demo, f).count().execute())
    where, params = sql_conditions(window_terms(f), "p")
    row = demo.backend.con.execute(f"SELECT count(*) FROM posts p WHERE {where}", params).fetchone()
    assert row is not None and row[0] == ibis_posts
    if f == Filters():
        assert ibis_posts > 1000


def test_named_parameters_and_values_never_in_the_sql() -> None:
    hostile = "CN') OR true; DROP TABLE accounts; --"
    f = Filters(states=(hostile,), institutional=True, start=datetime(2024, 1, 1))
    sql, params = sql_conditions(account_terms(f), "rk", named="acc")
    assert sql == "list_contains($acc0, rk.state) AND rk.institutional = $acc1"
    assert params == {"acc0": [hostile], "acc1": True}
    sql, params = sql_conditions(window_terms(f, "observed_at"))
    assert (sql, params) == ("observed_at >= ?", [datetime(2024, 1, 1)])
    assert sql_conditions([]) == ("true", [])


def test_hostile_filter_value_matches_nothing(demo) -> None:  # type: ignore[no-untyped-def]
    hostile = "CN') OR true; --"
    where, params = sql_conditions(account_terms(Filters(states=(hostile,))), "ac")
    row = demo.backend.con.execute(f"SELECT count(*) FROM actors ac WHERE {where}", params).fetchone()
    assert row == (0,)


def test_compiled_roster_keys_are_the_ibis_roster_keys(demo) -> None:  # type: ignore[no-untyped-def]
    expected = roster_keys(demo).execute()
    cols = list(expected.columns)
    compiled = demo.backend.con.execute(f"SELECT {', '.join(cols)} FROM ({roster_keys_sql()})").df()
    assert sorted(map(tuple, compiled[cols].astype(str).to_numpy())) == sorted(
        map(tuple, expected.astype(str).to_numpy())
    )
    # both key forms of every account, one row per (platform, key)
    accounts = demo.backend.con.execute("SELECT platform, handle, user_key FROM accounts").fetchall()
    keys = {(p, k): h for p, k, h in compiled[["platform", "key", "handle"]].itertuples(index=False)}
    assert len(keys) == len(compiled)
    for platform, handle, user_key in accounts:
        assert keys[(platform, user_key)] == handle
        assert keys[(platform, "handle:" + handle.lower())] == handle


def test_kind_groups_are_disjoint_roster_kinds() -> None:
    groups = [set(STATE_MEDIA_KINDS), set(MINISTRY_KINDS), set(MISSION_KINDS)]
    assert all(g <= set(model.KINDS) for g in groups)
    assert sum(len(g) for g in groups) == len(set().union(*groups))
    assert set(INSTITUTIONAL_KINDS) == set(model.INSTITUTIONAL_KINDS)
