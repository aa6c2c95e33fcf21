"""The dashboard's guard, without a browser (the app in-process): only GET and HEAD, the Host check
of a loopback server, the access token off loopback (never echoed), the Content-Security-Policy on
every kind of answer, ``safe_url``, and a store left byte-identical by a battery of hostile requests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from diplotrack.serve.app import create_app
from diplotrack.serve.pages import PAGES
from diplotrack.serve.reader import StoreReader
from diplotrack.serve.render import safe_url
from diplotrack.serve.security import COOKIE

TOKEN = "tok-" + "9f8e7d6c5b4a"
PLAIN = [p.path for p in PAGES if "{" not in p.path]


def twins(path: str) -> list[str]:
    base = "/overview" if path == "/" else path
    return [path, base + ".json", base + ".csv"]


@pytest.fixture(scope="module")
def open_client(reader: StoreReader) -> Iterator[TestClient]:
    """The dashboard listening on every address, with a token, as a browser elsewhere reaches it."""
    app = create_app(reader, host="0.0.0.0", port=8000, token=TOKEN)  # noqa: S104 (the point of the test)
    with TestClient(app, base_url="http://192.0.2.10:8000", follow_redirects=False) as c:
        yield c


@pytest.fixture
def off_loopback(open_client: TestClient) -> Iterator[TestClient]:
    """``open_client`` with an empty cookie jar (a redirect's cookie would let later requests in)."""
    open_client.cookies.clear()
    yield open_client
    open_client.cookies.clear()


def cookie(value: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={value}"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(client: TestClient, method: str) -> None:
    for path in ["/", "/overview.json", "/static/app.css", "/openapi.json", "/no-such-page"]:
        r = client.request(method, path, content=b"x")
        assert r.status_code == 405, (method, path)
        assert r.headers["allow"] == "GET, HEAD"
        assert "content-security-policy" in r.headers


def test_a_loopback_server_checks_the_host_header(client: TestClient) -> None:
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost:8001", "192.0.2.10:8000"):
        r = client.get("/", headers={"host": host})
        assert r.status_code == 400, host
        assert "content-security-policy" in r.headers
    for host in ("127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000"):
        assert client.get("/overview.json", headers={"host": host}).status_code == 200, host


def test_off_loopback_the_token_is_required(off_loopback: TestClient) -> None:
    open_client = off_loopback
    refused = open_client.get("/overview.json")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    for wrong in ("Bearer nope", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer "):
        assert open_client.get("/", headers={"authorization": wrong}).status_code == 401, wrong
    assert open_client.get("/", headers=cookie("nope")).status_code == 401
    assert open_client.get("/?token=nope").status_code == 401
    assert open_client.get("/static/app.css").status_code == 401  # static files too

    ok = open_client.get("/overview.json?kind=embassy", headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["filters"]["kinds"] == ["embassy"]

    # ?token= once: a redirect that sets the cookie and drops the token from the address
    r = open_client.get(f"/accounts?kind=embassy&token={TOKEN}&state=CN")
    assert r.status_code == 303
    assert r.headers["location"] == "/accounts?kind=embassy&state=CN"
    set_cookie = r.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    open_client.cookies.clear()  # the client kept it: send it by hand
    assert open_client.get("/").status_code == 401
    assert open_client.get("/", headers=cookie(TOKEN)).status_code == 200
    assert open_client.get(f"/data?token={TOKEN}").headers["location"] == "/data"


def test_the_token_is_never_echoed(off_loopback: TestClient) -> None:
    open_client = off_loopback
    bearer = {"authorization": f"Bearer {TOKEN}"}
    answers = [
        open_client.get("/"),
        open_client.get(f"/?token={TOKEN}x"),
        open_client.get("/nope", headers=bearer),
        open_client.get("/overview.json?kind=embasy", headers=bearer),
        open_client.get(f"/overview.json?token={TOKEN}", headers=bearer),  # a token in the query with a bearer
        open_client.get(f"/?token={TOKEN}&kind=embassy", headers=bearer),
        open_client.get("/openapi.json", headers=bearer),
        open_client.get(f"/overview.csv?_table=joins&token={TOKEN}", headers=cookie(TOKEN)),
        open_client.get("/static/app.css", headers=bearer),
    ]
    answers += [open_client.get(p, headers=bearer) for p in PLAIN]
    for r in answers:
        assert TOKEN not in r.text, r.request.url
        for name, value in r.headers.items():
            assert TOKEN not in value or name == "set-cookie", (r.request.url, name)
    assert any(r.status_code == 200 and "<html" in r.text for r in answers)


def test_every_kind_of_answer_carries_the_csp(client: TestClient) -> None:
    answers = {
        "html": client.get("/"),
        "json": client.get("/overview.json"),
        "csv": client.get("/overview.csv?_table=joins"),
        "openapi": client.get("/openapi.json"),
        "static": client.get("/static/app.css"),
        "404 html": client.get("/no-such-page"),
        "404 json": client.get("/no-such-page.json"),
        "400": client.get("/?kind=embasy"),
        "405": client.post("/"),
        "static 404": client.get("/static/nope.js"),
    }
    for what, r in answers.items():
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "default-src 'none'" in csp, what
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
        assert r.headers.get("x-content-type-options") == "nosniff", what
    assert answers["html"].status_code == answers["static"].status_code == 200
    assert answers["400"].status_code == 400 and answers["404 html"].status_code == 404


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "\tjava\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/relative/path",
        "//evil.example/x",
        "evil.example",
        "http:///nohost",
        "ftp://example.com/",
        "",
        None,
        42,
        "https://" + "a" * 5000,
    ],
)
def test_safe_url_refuses_what_is_not_an_absolute_http_url(value: object) -> None:
    assert safe_url(value) is None


def test_safe_url_keeps_http_and_https() -> None:
    assert safe_url("https://example.com/a?b=c") == "https://example.com/a?b=c"
    assert safe_url(" http://example.com ") == "http://example.com"
    assert safe_url("HTTPS://example.com/") == "HTTPS://example.com/"


HOSTILE_VALUES = [
    "'; DROP TABLE posts; --",
    "embassy' OR '1'='1",
    "1); ATTACH '/tmp/diplotrack-pwn.duckdb' AS pwn; --",
    "x'); COPY posts TO '/tmp/diplotrack-pwn.csv'; --",
    "../../../../etc/passwd",
    "%00\x00nul",
    "<script>alert(1)</script>",
    "a" * 5000,
]
CONTROLS = {
    "_size": ["99999999999999999999", "-1", "0", "1e9", "'"],
    "_next": ["garbage", "W10", "WyJhIl0", "eyJhIjogMX0", "=" * 50, "WzEsMiwzXQ"],
    "_sort": ["posts; DROP TABLE posts", "1", "__class__"],
    "_sort_desc": ["month DESC; --"],
    "_table": ["../../etc/passwd", "posts", "joins; --"],
    "_shape": ["evil"],
    "q": HOSTILE_VALUES[:4] + ["%", "_", "\\", "中国"],
}
TRAVERSALS = [
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e%2fapp.py",
    "/static/..%5c..%5capp.py",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/accounts/x/..%2f..%2f..%2fetc%2fpasswd",
    "/accounts/x/" + quote("'; DROP TABLE accounts; --", safe=""),
]


def _fingerprint(db: Path) -> tuple[str, ...]:
    files = sorted(p for p in db.parent.iterdir() if p.name.startswith(db.name))
    return tuple(f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in files)


def test_hostile_requests_leave_the_store_byte_identical(
    client: TestClient, reader: StoreReader, demo_db: Path
) -> None:
    before = (_fingerprint(demo_db), reader.generation(), int(reader.sql("SELECT count(*) AS n FROM posts")["n"][0]))
    statuses: dict[int, int] = {}

    def get(url: str) -> None:
        r = client.get(url)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (url, r.status_code, r.text[:200])

    for name in ("start", "end", "platform", "state", "kind", "institutional", "host_country", "region", "language"):
        for value in HOSTILE_VALUES:
            get(f"/overview.json?{name}={quote(value)}")
    for path in PLAIN:
        json_path = twins(path)[1]
        for name, values in CONTROLS.items():
            for value in values:
                get(f"{json_path}?{name}={quote(value)}")
        get(f"{path}?q={quote(HOSTILE_VALUES[1])}&_sort={quote('x; --')}")
    for url in TRAVERSALS:
        r = client.get(url)
        assert r.status_code in (400, 404), url
        assert "root:" not in r.text and "create_app" not in r.text, url
    assert statuses.get(400, 0) > 50  # the hostile values were refused, not silently ignored

    after = (_fingerprint(demo_db), reader.generation(), int(reader.sql("SELECT count(*) AS n FROM posts")["n"][0]))
    assert after == before
    assert not Path("/tmp/diplotrack-pwn.csv").exists() and not Path("/tmp/diplotrack-pwn.duckdb").exists()


def test_port_zero_accepts_the_bound_port_of_a_loopback_name_only(reader):
    """``serve --port 0``: the port is the system's choice, so the guard cannot know it in advance."""
    from starlette.testclient import TestClient

    from diplotrack.serve.app import create_app

    app = create_app(reader, host="127.0.0.1", port=0)
    with TestClient(app, base_url="http://127.0.0.1:45678") as c:
        assert c.get("/data.json?_table=runs").status_code == 200
        assert c.get("/data.json?_table=runs", headers={"host": "localhost:45678"}).status_code == 200
        assert c.get("/data.json?_table=runs", headers={"host": "evil.example:45678"}).status_code == 400


def test_head_is_answered_like_get_without_a_body(client):
    for path in ("/", "/overview.json", "/accounts.csv"):
        r = client.head(path)
        assert r.status_code == 200 and r.content == b""
