"""How the dashboard reads: no sideways scrolling at phone width (390 px), keyboard navigation (Tab
reaches the navigation, Enter follows it), and the screenshots of the main pages at 1280 px and at
phone width, saved to ``$DIPLOTRACK_SCREENSHOTS`` (``docs/img`` for the README) only when that is
set, so an ordinary test run rewrites no tracked file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from diplotrack.serve.pages import PAGES

from .support import TIMEOUT_MS, LiveServer, Watched, screenshot, settle, watch

PATHS = {p.name: p.path for p in PAGES}
PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Watched]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield watch(context, live_server.url)
    finally:
        context.close()


@pytest.mark.parametrize("name", [n for n in ("overview", "accounts") if n in PATHS])
def test_no_sideways_scrolling_at_phone_width(phone: Watched, name: str) -> None:
    response = phone.page.goto(PATHS[name])
    assert response is not None and response.status == 200
    assert phone.page.evaluate(OVERFLOW) <= 1, f"{name} is wider than a phone's screen"
    if name == "overview":
        screenshot(phone.page, "phone")
    phone.assert_clean(name)


def test_the_keyboard_reaches_the_navigation_and_follows_it(page: Watched) -> None:
    p = page.page
    start = next(pg.path for pg in PAGES if pg.in_nav and pg.path != "/" and "{" not in pg.path)
    p.goto(start)
    p.keyboard.press("Tab")
    assert p.evaluate("() => document.activeElement.className") == "skip", "the first Tab reaches 'skip to content'"
    for _ in range(10):
        p.keyboard.press("Tab")
        if p.evaluate("() => document.activeElement.matches('header nav a')"):
            break
    else:
        pytest.fail("Tab never reached the navigation")
    href = p.evaluate("() => document.activeElement.getAttribute('href')")
    assert p.evaluate("() => document.activeElement === document.querySelector('header nav a')"), "the first nav link"
    with p.expect_navigation():
        p.keyboard.press("Enter")
    assert urlsplit(p.url).path == urlsplit(href).path != start
    page.assert_clean("keyboard navigation")


def _account_path(page: Watched) -> str | None:
    page.page.goto(PATHS.get("accounts", "/"))
    link = page.page.locator("main a[href^='/accounts/']").first
    return link.get_attribute("href") if link.count() else None


def test_main_pages_at_1280_px(page: Watched) -> None:
    """The main pages load clean and fit at 1280 px (saved as screenshots when asked): the overview,
    the accounts, an account, a posts search, a network with its drawing, the data page."""
    shots = [(n, PATHS[n]) for n in ("overview", "accounts", "data") if n in PATHS]
    if "posts" in PATHS:
        shots.append(("posts", PATHS["posts"] + "?q=China"))
    network = next((n for n in ("network_mention", "network_repost", "networks") if n in PATHS), None)
    if network is not None:
        shots.append(("networks", PATHS[network]))
    account = _account_path(page)
    if account is not None:
        shots.append(("account", account))
    for name, path in shots:
        response = page.page.goto(path)
        assert response is not None and response.status == 200, path
        settle(page.page)
        assert page.page.evaluate(OVERFLOW) <= 1, f"{path} is wider than 1280 px"
        screenshot(page.page, name)
    page.assert_clean("main pages")
