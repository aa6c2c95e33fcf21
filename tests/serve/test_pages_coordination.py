"""The coordination page against independent SQL on the demo store, and its evidence and caveats."""

from __future__ import annotations

import pandas as pd

from diplotrack.serve.pages.base import Context
from diplotrack.serve.pages.coordination import MAX_BURST_ACCOUNTS, _bursts, _evidence
from diplotrack.serve.params import View


def test_amplifier_profiles_count_the_posts_that_amplify_each_tracked_account(client, con):
    rows = client.get("/coordination.json?_table=amplifiers&_size=1000").json()["rows"]
    got = {r["handle"]: (r["events"], r["amplifiers"]) for r in rows}
    want = _df(
        con,
        """WITH keys AS (SELECT a.platform, a.handle, k.key FROM accounts a,
                    unnest(list_filter([a.user_key, 'handle:' || lower(a.handle)], x -> x IS NOT NULL)) k(key))
           SELECT k.handle, count(DISTINCT p.post_id) AS events, count(DISTINCT p.author_id) AS amplifiers
           FROM posts p JOIN keys k ON k.platform = p.platform
                AND k.key IN (p.reposted_author_id, p.quoted_author_id, p.replied_to_author_id)
           WHERE p.author_id NOT IN (SELECT key FROM keys o WHERE o.platform = k.platform AND o.handle = k.handle)
           GROUP BY 1""",
    )
    assert len(rows) == _df(con, "SELECT count(*) AS n FROM accounts")["n"][0]
    assert want["events"].sum() > 0
    for handle, events, amplifiers in want.itertuples(index=False):
        assert got[handle] == (events, amplifiers), handle
    assert all(got[h] == (0, 0) for h in set(got) - set(want["handle"]))


def test_co_reposting_pairs_match_an_independent_band_join(client, con):
    pairs = client.get("/coordination.json?_table=pairs&_size=1000").json()
    want = _df(
        con,
        """SELECT least(a.author_id, b.author_id) AS x, greatest(a.author_id, b.author_id) AS y,
                  count(DISTINCT a.reposted_post_id) AS items
           FROM posts a JOIN posts b ON a.platform = b.platform AND a.reposted_post_id = b.reposted_post_id
                AND a.author_id <> b.author_id
                AND abs(epoch(a.created_at) - epoch(b.created_at)) <= 60
           WHERE coalesce(a.provenance.source, '') <> 'chc-mentions'
             AND coalesce(b.provenance.source, '') <> 'chc-mentions'
           GROUP BY 1, 2 HAVING count(DISTINCT a.reposted_post_id) >= 2""",
    )
    assert {(r["account_a"], r["account_b"], r["events"]) for r in pairs["rows"]} == set(
        want.itertuples(index=False, name=None)
    )
    clusters = client.get("/coordination.json?_table=clusters").json()
    assert clusters["coverage"] is not None and any("not proof of coordination" in n for n in clusters["notes"])
    assert "not proof of coordination" in client.get("/coordination").text


def test_evidence_reads_as_posts_and_seconds():
    ev = [
        {"item": "9", "post_a": "1", "post_b": "2", "lag_s": 4.0},
        {"item": "8", "post_a": "3", "post_b": "4", "lag_s": 0.5},
    ]
    assert _evidence(ev) == ["item 9: post 1 and post 2, 4 s apart", "item 8: post 3 and post 4, 0.5 s apart"]
    assert _evidence(None) == []


def test_a_burst_lists_at_most_its_first_accounts(monkeypatch):
    class Reader:
        def run(self, name, f, **params):
            assert name == "creation_bursts" and params == {"by": "day"}
            df = pd.DataFrame(
                {"period_start": [pd.Timestamp("2020-01-01")], "count": [500], "expected": [1.0], "p_value": [0.0]}
            )
            df["accounts"] = [[f"a{i}" for i in range(500)]]
            df["burst"] = True
            return df, None

        def memo(self, key, build):
            return build()

    monkeypatch.setattr("diplotrack.serve.pages.coordination.coverage_dict", lambda c: None)
    panel = _bursts(Context(Reader(), View()))  # type: ignore[arg-type]
    row = panel.rows.iloc[0]
    assert len(row["accounts"]) == MAX_BURST_ACCOUNTS == row["accounts_listed"] and row["count"] == 500


def test_account_filters_are_said_not_to_narrow_the_analyses(client):
    body = client.get("/coordination.json?_table=amplifiers&kind=embassy&language=en").json()
    assert any("account filters do not narrow" in n for n in body["notes"])
    assert any("language, topic and tone filters do not apply" in n for n in body["notes"])


def _df(con, query: str) -> pd.DataFrame:
    return con.execute(query).df()
