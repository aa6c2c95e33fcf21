"""``diplotrack roster list``: presence per platform, per account, per actor and per platform, in
words and in JSON, on a store built from the every-platform roster (built-every-platform.yaml) with a
few posts. "Since" is the creation date where a snapshot gives it, else the first post in the store,
else unknown (never 0, never blank)."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

from diplotrack import platforms
from diplotrack.cli import common
from diplotrack.cli.main import main
from diplotrack.records import Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.db import open_store
from diplotrack.store.writer import StoreWriter

ROSTER = Path(__file__).parent / "fixtures" / "built-every-platform.yaml"
HOSTILE_NAME = "Embassy\x1b]0;pwned\x07 [red]x[/]"
POSTS = [  # platform, post id, author key, handle, time
    ("telegram", "example_emb_fr/7", "handle:example_emb_fr", "example_emb_fr", datetime(2023, 2, 1, 9)),
    ("telegram", "example_emb_fr/3", "handle:example_emb_fr", "example_emb_fr", datetime(2023, 1, 5, 8, 30)),
    ("x", "1001", "handle:exampleembfr", "ExampleEmbFr", datetime(2020, 5, 1)),
    ("x", "1002", "handle:examplespox", "ExampleSpox", datetime(2021, 6, 1)),  # created 2019: since stays that
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("presence") / "p.duckdb"
    roster, problems = load_roster(ROSTER)
    assert not problems and roster is not None
    con = open_store(path)
    try:
        import_roster(con, roster)
        w = StoreWriter(con, 0)
        for platform, post_id, author, handle, at in POSTS:
            w.add_post(Post(platform, post_id, author, handle, at, "text", None, "original", Provenance("test")))
        w.flush()
        con.execute("UPDATE actors SET name = ? WHERE actor_id = 'cn-emb-fr.example'", [HOSTILE_NAME])
    finally:
        con.close()
    return path


def cli(db: Path, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """``diplotrack --db DB roster list ARGS`` in-process; its stdout (exit 0, nothing on stderr)."""
    monkeypatch.setattr(sys, "argv", ["diplotrack", "--db", str(db), "roster", "list", *args])
    monkeypatch.setattr(common.console, "width", 200)
    common.STATE.db, common.STATE.debug = None, False
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    assert done.value.code == 0 and err == "", err
    return out


def test_json_per_account_says_since_when_and_from_what(db: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(cli(db, "--json", monkeypatch=monkeypatch, capsys=capsys))
    got = {(r["platform"], r["handle"]): (r["since"], r["since_basis"], r["posts"], r["snapshots"]) for r in rows}
    assert got == {
        ("x", "ExampleSpox"): ("2019-08-01", "created", 1, 1),
        ("x", "ExampleEmbFr"): ("2020-05-01", "first post", 1, 0),
        ("telegram", "example_spox"): ("2021-03-01", "created", 0, 1),  # its snapshot wrote the t.me link
        ("telegram", "example_emb_fr"): ("2023-01-05T08:30:00", "first post", 2, 0),
        ("bluesky", "example-spox.bsky.social"): (None, "unknown", 0, 0),
        ("mastodon", "example_spox@mastodon.social"): (None, "unknown", 0, 0),
        ("youtube", "ExampleSpox"): (None, "unknown", 0, 0),
        ("youtube", "UCk195x4zYdMx4LhqEwhcPng"): (None, "unknown", 0, 0),
        ("mfa", "Example Speaker"): (None, "unknown", 0, 0),
    }
    assert all(r["kind"] and isinstance(r["institutional"], bool) for r in rows)  # the fields it had before stay


def test_json_per_actor_lists_its_platforms_in_the_registry_s_order(db: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    actors = {a["actor_id"]: a for a in json.loads(cli(db, "--by", "actor", "--json", monkeypatch=monkeypatch,
                                                         capsys=capsys))}  # fmt: skip
    spox, emb = actors["cn-spox.example"], actors["cn-emb-fr.example"]
    assert spox["platforms"] == list(platforms.PLATFORMS)  # one actor on every platform
    assert (spox["since"], spox["since_platform"], spox["since_basis"]) == ("2019-08-01", "x", "created")
    assert emb["platforms"] == ["x", "youtube", "telegram"] and emb["institutional"] is True
    assert (emb["since"], emb["since_platform"], emb["since_basis"]) == ("2020-05-01", "x", "first post")
    assert [a["since"] for a in emb["accounts"]] == ["2020-05-01", None, "2023-01-05T08:30:00"]
    assert emb["name"] == HOSTILE_NAME  # JSON keeps the value; it escapes what drives a terminal


def test_json_per_platform_counts_accounts_actors_and_data(db: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(cli(db, "--by", "platform", "--json", monkeypatch=monkeypatch, capsys=capsys))
    assert [r["platform"] for r in rows] == list(platforms.PLATFORMS)
    by = {r["platform"]: r for r in rows}
    cols = ("accounts", "actors", "institutional", "individual", "accounts_with_data", "status")
    assert {p: tuple(r[c] for c in cols) for p, r in by.items()} == {
        "x": (2, 2, 1, 1, 2, "data"),
        "bluesky": (1, 1, 0, 1, 0, "tracked, no data"),
        "mastodon": (1, 1, 0, 1, 0, "tracked, no data"),
        "youtube": (2, 2, 1, 1, 0, "tracked, no data"),
        "telegram": (2, 2, 1, 1, 2, "data"),
        "mfa": (1, 1, 0, 1, 0, "tracked, no data"),
    }
    t = by["telegram"]
    assert (t["created_from"], t["created_to"], t["accounts_dated"]) == ("2021-03-01", "2021-03-01", 1)
    assert (t["first_post_from"], t["first_post_to"]) == ("2023-01-05T08:30:00", "2023-01-05T08:30:00")
    assert (by["x"]["first_post_from"], by["x"]["first_post_to"]) == ("2020-05-01", "2021-06-01")
    assert by["mfa"]["created_from"] is None and by["mfa"]["first_post_from"] is None  # unknown, not 0


def test_words_show_unknown_and_no_data_and_escape_stored_text(db: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    out = cli(db, monkeypatch=monkeypatch, capsys=capsys)
    assert "9 account(s)" in out and "Per platform" in out
    assert "2019-08-01 (created)" in out and "2020-05-01 (first post)" in out
    assert re.search(r"mfa\s.*Example Speaker.*unknown", out)
    assert re.search(r"bluesky .* unknown +│ unknown +│ tracked, no data", out), out
    actors = cli(db, "--by", "actor", monkeypatch=monkeypatch, capsys=capsys)
    assert "x, bluesky, mastodon, youtube, telegram, mfa" in actors and "2 actor(s)" in actors
    assert "2020-05-01 (x, first post)" in actors
    for text in (out, actors):
        assert "\x1b" not in text.replace("\x1b[", "") and "pwned" not in text and "\x07" not in text
        assert "[red]x[/]" in text  # shown as written, never read as markup


def test_an_unknown_view_is_refused_in_one_sentence(db: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "argv", ["diplotrack", "--db", str(db), "roster", "list", "--by", "country"])
    common.STATE.db, common.STATE.debug = None, False
    with pytest.raises(SystemExit) as done:
        main()
    err = capsys.readouterr().err
    assert done.value.code == 2 and err == "error: --by 'country' is not a view; use account, actor or platform\n"
