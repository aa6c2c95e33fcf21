"""Every page of the dashboard loads in Chromium with no console error, no failed request and no
request to another host; pages with a path parameter (an account, a post) are reached through the
links the other pages give. Written over the page registry, so a new page is covered by itself."""

from __future__ import annotations

import re

import pytest

from diplotrack.serve.pages import PAGES

from .support import Watched, settle

PLAIN = [p for p in PAGES if "{" not in p.path]
WITH_PARAMS = [p for p in PAGES if "{" in p.path]


def path_pattern(path: str) -> re.Pattern[str]:
    """``/accounts/{platform}/{handle}`` as a regex over a link's path (each parameter one segment)."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/?#]+".join(re.escape(p) for p in parts) + r"(\?.*)?$")


def hrefs(w: Watched) -> list[str]:
    return w.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("page_def", PLAIN, ids=[p.name for p in PLAIN])
def test_page_loads_clean(page: Watched, page_def) -> None:
    response = page.page.goto(page_def.path)
    assert response is not None and response.status == 200
    settle(page.page)
    assert page.page.locator("h1").first.inner_text().strip(), "a page has a heading"
    assert page.page.title().endswith("· diplotrack")
    page.assert_clean(page_def.path)


def test_pages_with_a_parameter_are_reached_by_links_and_load_clean(page: Watched) -> None:
    seen: list[str] = []
    for p in PLAIN:
        page.page.goto(p.path)
        seen += [h for h in hrefs(page) if h and h.startswith("/")]
    missing = []
    for p in WITH_PARAMS:
        pattern = path_pattern(p.path)
        targets = [h for h in seen if pattern.match(h) and not h.split("?")[0].endswith((".json", ".csv"))]
        if not targets:
            missing.append(p.path)
            continue
        response = page.page.goto(targets[0])
        assert response is not None and response.status == 200, targets[0]
        settle(page.page)
        assert page.page.locator("h1").first.inner_text().strip()
    assert not missing, f"no page links to {missing}"
    page.assert_clean("pages with parameters")
