"""The app's frame: routes from the page registry, checked filters, read-only methods, headers."""

from __future__ import annotations


def test_overview_answers_html_json_and_csv(client):
    assert client.get("/").status_code == 200
    body = client.get("/overview.json?kind=embassy").json()
    assert {"rows", "next", "coverage", "facets", "filters"} <= set(body)
    assert body["filters"]["kinds"] == ["embassy"]
    assert client.get("/overview.csv").headers["content-type"].startswith("text/csv")


def test_a_bad_filter_is_a_400_naming_the_parameter(client):
    r = client.get("/overview.json?kind=embasy")
    assert r.status_code == 400 and "did you mean 'embassy'" in r.json()["error"]
    assert client.get("/overview.json?colour=red").status_code == 400


def test_only_get_and_head_are_answered(client):
    assert client.post("/").status_code == 405
    assert client.delete("/overview.json").status_code == 405


def test_every_answer_carries_the_content_security_policy(client):
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
