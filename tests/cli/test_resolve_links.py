"""``diplotrack resolve-links``: resolves a store's shortened links through a local HTTP proxy
(``--proxy``: nothing leaves the machine), caches them, records the run, enriches the posts again,
says what it did in one line (or JSON), does nothing the second time, and refuses bad options."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from diplotrack.cli.main import app
from diplotrack.errors import UsageError
from diplotrack.records import Entity, Post, Provenance
from diplotrack.store.writer import StoreWriter

# what the proxy answers, by the absolute URL in the request line
ANSWERS = {
    "http://t.co/abc": (301, "http://english.news.cn/2022/x.htm"),
    "http://english.news.cn/2022/x.htm": (200, None),
    "http://t.co/gone": (404, None),
}


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:  # noqa: N802
            asked.append(self.path)
            status, location = ANSWERS.get(self.path, (404, None))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD  # noqa: N815

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def db(con, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    w = StoreWriter(con, 0)
    for i, url in enumerate(["http://t.co/abc", "http://t.co/abc", "http://t.co/gone", "https://www.bbc.co.uk/x"]):
        w.add_post(
            Post(
                platform="x",
                post_id=f"p{i}",
                author_id="1",
                author_handle="someone",
                created_at=datetime(2022, 5, 1 + i),
                text=f"Read {url}",
                lang="en",
                kind="original",
                provenance=Provenance("test"),
                entities=[Entity("url", url, url)],
            )
        )
    w.flush()
    con.close()
    return tmp_path / "s.duckdb"


def test_resolve_links_then_nothing_left_to_do(db: Path, proxy: tuple[str, list[str]]) -> None:
    base, asked = proxy
    runner = CliRunner()
    args = ["--db", str(db), "resolve-links", "--proxy", base, "--delay", "0", "--timeout", "0.5"]
    first = runner.invoke(app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert (out["shortened_links"], out["resolved"], out["left"]) == (2, 2, 0)
    assert out["by_status"] == {"ok": 1, "dead": 1} and out["posts_enriched"] == 4
    assert sorted(set(asked)) == ["http://english.news.cn/2022/x.htm", "http://t.co/abc", "http://t.co/gone"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        domains = dict(con.execute("SELECT post_id, domains FROM post_enrichment").fetchall())
        assert domains == {"p0": ["news.cn"], "p1": ["news.cn"], "p2": [], "p3": ["bbc.co.uk"]}
        run = con.execute("SELECT kind, status, command FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        assert run == ("resolve-links", "ok", "resolve-links")  # the proxy (it may hold a password) is not kept
        assert con.execute("SELECT count(DISTINCT run_id) FROM link_resolutions").fetchone()[0] == 1
    finally:
        con.close()

    n = len(asked)
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert re.fullmatch(
        r"followed 0 of 2 shortened links in [\d.]+ s \(0 requests\); 2 were already cached", second.output.strip()
    )
    assert len(asked) == n  # nothing asked again


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--concurrency", "9"], "--concurrency must be between 1 and 4"),
        (["--delay", "-1"], "--delay must be between 0 and 60"),
        (["--proxy", "socks5://me:s3cret@host:1080"], "--proxy must be an http:// or https:// URL"),
    ],
)
def test_bad_options_are_refused_in_one_sentence(tmp_path: Path, option: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "s.duckdb"), "resolve-links", *option])
    assert isinstance(result.exception, UsageError) and message in str(result.exception)
    assert "s3cret" not in str(result.exception)
    assert not (tmp_path / "s.duckdb").exists()  # refused before the store is opened
