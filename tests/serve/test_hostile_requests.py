"""Requests a hostile or careless client sends, each found by red-teaming the dashboard: every one
answers with a clear status, never a 500, never a redirect to another site, never a formula."""

from __future__ import annotations

import base64
import csv
import io

import pandas as pd
import pytest
from starlette.testclient import TestClient

from diplotrack.serve.app import create_app
from diplotrack.serve.network_view import gephi_csv
from diplotrack.serve.reader import StoreReader

TOKEN = "tok-0a1b2c3d"


def _cursor(value: object) -> str:
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def guarded(reader: StoreReader):
    app = create_app(reader, host="0.0.0.0", port=8000, token=TOKEN)  # noqa: S104 (the point of the test)
    with TestClient(app, base_url="http://192.0.2.1:8000", follow_redirects=False) as c:
        yield c


@pytest.mark.parametrize(
    ("raw_path", "query", "location"),
    [
        (b"//evil.example", f"token={TOKEN}", b"/evil.example"),
        (b"/a%0d%0aX-Injected:%201", f"token={TOKEN}", b"/a%0D%0AX-Injected:%201"),
        (b"/a%3Fb", f"token={TOKEN}&kind=embassy", b"/a%3Fb?kind=embassy"),
        ("/中".encode(), f"token={TOKEN}", b"/%E4%B8%AD"),
    ],
)
def test_the_token_redirect_stays_on_this_server(raw_path: bytes, query: str, location: bytes) -> None:
    from diplotrack.serve.security import _same_origin

    scope = {"path": raw_path.decode("utf-8"), "raw_path": raw_path, "query_string": query.encode()}
    assert _same_origin(scope) == location


def test_the_token_redirect_over_http(guarded: TestClient) -> None:
    guarded.cookies.clear()
    r = guarded.get(f"/%E4%B8%AD?token={TOKEN}&kind=embassy")
    assert r.status_code == 303 and r.headers["location"] == "/%E4%B8%AD?kind=embassy"
    guarded.cookies.clear()


def test_another_applications_cookie_does_not_hide_the_token(guarded: TestClient) -> None:
    guarded.cookies.clear()
    for other in ('prefs={"a":1,"b":2}', "x=a b", "broken"):
        r = guarded.get("/overview.json", headers={"cookie": f"{other}; diplotrack_token={TOKEN}"})
        assert r.status_code == 200, other
    assert guarded.get("/overview.json", headers={"cookie": "diplotrack_token=nope"}).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        f"/accounts.json?_next={_cursor([True])}",
        f"/hashtags.json?_next={_cursor([True])}",
        f"/posts.json?q=china&_next={_cursor(['0001-01-01T00:00:00', 'x', 'a'])}",
        f"/posts.json?q=china&_next={_cursor(['2022-01-01T00:00:00+05:00', 'x', 'a'])}",
        "/posts?_table=nope",
    ],
)
def test_a_cursor_or_table_not_made_here_is_a_400(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 400


def test_a_list_column_sorts_by_its_text(client: TestClient) -> None:
    for url in ("/data.json?_table=roster&_sort=tags", "/data.json?_table=runs&_sort_desc=formats"):
        assert client.get(url).status_code == 200, url


def test_html_links_keep_the_page_size(client: TestClient) -> None:
    html = client.get("/accounts?_size=10").text
    assert "_size=10" in html.split('rel="next"', 1)[1].split(">", 1)[0]


def test_network_csv_cells_never_start_a_formula() -> None:
    nodes = pd.DataFrame({"id": ["=HYPERLINK(1)", "b"], "label": ["@SUM(1)", "-cmd"], "kind": ["+x", "y"]})
    edges = pd.DataFrame({"source": ["=HYPERLINK(1)"], "target": ["b"], "weight": [2]})
    for part in ("nodes", "edges"):
        rows = list(csv.reader(io.StringIO(gephi_csv(nodes, edges, directed=True, part=part).decode())))
        cells = [c for row in rows[1:] for c in row]
        assert not any(c[:1] in ("=", "+", "-", "@") for c in cells), cells
