"""docs/api.md documents the API the app serves: every page and table of the registry, every route of
the OpenAPI description, every parameter and every key of an answer; and /openapi.json lists every
page's JSON twin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diplotrack.serve.app import csv_path, json_path
from diplotrack.serve.pages import PAGES
from diplotrack.serve.params import CONTROLS, FILTERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _sections(doc: str) -> dict[str, str]:
    """The ``### Title (`name`)`` sections of the Pages part, by page name."""
    pages = doc.split("\n## Pages\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### .*\(`([a-z_]+)`\)\s*$", pages, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_page_and_each_of_its_tables_has_its_section(doc: str) -> None:
    sections = _sections(doc)
    assert sections, "docs/api.md has no page sections under '## Pages'"
    assert set(sections) == {p.name for p in PAGES}, "pages documented but not registered, or the reverse"
    for page in PAGES:
        text = sections[page.name]
        for route in (page.path, json_path(page), csv_path(page)):
            assert f"`{route}`" in text, f"{page.name}: {route} is not in its section"
        listed = re.findall(r"^\| `([a-z_]+)`", text, flags=re.M)
        assert listed == [t.name for t in page.tables], f"{page.name}: tables {listed}"


def test_every_route_of_the_openapi_description_is_documented(client, doc: str) -> None:
    paths = set(client.app.inner.openapi()["paths"])
    assert paths, "the app describes no route"
    missing = sorted(p for p in paths if f"`{p}`" not in doc)
    assert not missing, f"routes not in docs/api.md: {missing}"
    # and the reverse: a route the Pages section names is one the app has
    pages = doc.split("\n## Pages\n", 1)[1]
    named = set(re.findall(r"`(/[^`?\s]*\.(?:json|csv|gexf|graphml))`", pages))
    assert named <= paths, f"documented routes the app does not have: {sorted(named - paths)}"


def test_the_served_openapi_lists_every_page_json_and_csv_twin(client) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for page in PAGES:
        assert "get" in paths.get(json_path(page), {}), json_path(page)
        assert "get" in paths.get(csv_path(page), {}), csv_path(page)
    assert client.get(json_path(PAGES[0])).status_code == 200


def test_every_parameter_and_every_key_of_an_answer_is_documented(client, doc: str) -> None:
    for name in (*FILTERS, *CONTROLS):
        assert f"| `{name}`" in doc or f", `{name}`" in doc, f"parameter {name} is not in the parameter tables"
    body = client.get("/overview.json").json()
    for key in body:
        assert re.search(rf"^\| `{key}`|, `{key}`", doc, flags=re.M), f"response key {key} is not explained"
    for key in body["coverage"] or {}:
        assert f"`{key}`" in doc, f"coverage key {key} is not explained"
