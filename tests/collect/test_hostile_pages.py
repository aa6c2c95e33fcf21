"""A hostile page body (a bad UTF-8 byte, a nesting bomb) costs only that page: it is kept raw and
recorded with its URL and reason, and the run goes on."""

from __future__ import annotations

import pytest
from apiservers import LocalServer, Reply, XApi
from helpers import collect, track, x_settings

BAD_BYTE = b'{"data": [{"id": "15", "author_id": "9000000000", "text": "caf\xff"}]}'
DEEP = b'{"data": [{"id": "15", "text": "x", "entities": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_000 + b"}]}"


@pytest.mark.parametrize(
    ("body", "reason"),
    [(BAD_BYTE, "UTF-8"), (DEEP, "nested too deeply")],
    ids=["invalid-utf8", "nesting-bomb"],
)
def test_a_hostile_x_page_is_a_skip_with_its_reason_and_the_run_goes_on(con, tmp_path, body, reason):
    api = XApi(2, 30)
    with LocalServer(api) as server:
        track(con, tmp_path, ["acct0000", "acct0001"])
        server.inject(
            Reply(200, body, {"Content-Type": "application/json"}),
            match=lambda r: r.path.endswith("/tweets"),
            times=1,
        )
        collect(con, x_settings(server.url))
    skips = con.execute("SELECT file, reason FROM run_skips").fetchall()
    assert len(skips) == 1 and "/tweets" in skips[0][0] and reason in skips[0][1]
    raw_id = skips[0][1].rsplit(" ", 1)[-1]
    from diplotrack.store.raw import load_raw

    assert load_raw(con, raw_id) == body
    # the other account's timeline was collected all the same
    stored = {r[0] for r in con.execute("SELECT post_id FROM posts WHERE platform = 'x'").fetchall()}
    assert any(t["id"] in stored for tl in api.timelines.values() for t in tl)
