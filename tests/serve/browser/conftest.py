"""The dashboard in a real browser: Debian's Chromium driven by Playwright for Python, against the
real server (uvicorn in a background thread) over the enriched demo store.

``playwright install`` cannot download browsers here, so Playwright launches the system Chromium.
Without it the browser tests skip on a developer's machine (with the command that installs it) and
fail in CI (``CI=true``), where ``.ci/run`` installs it: they must run there, never skip.

Each test gets a fresh page that records console errors, uncaught exceptions, failed requests,
answers of 400 or more and requests to any other host (which are also aborted: the dashboard must
need no internet); ``Watched.assert_clean`` checks them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from diplotrack.serve.reader import StoreReader

from .support import CHROMIUM_ARGS, INSTALL_HINT, TIMEOUT_MS, LiveServer, Watched, chromium_path, watch


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is missing and CI=true: the browser tests must run in CI; {INSTALL_HINT}")
        pytest.skip(f"no Chromium for the browser tests; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def live_server(reader: StoreReader) -> Iterator[LiveServer]:
    """The dashboard over the enriched demo store (the ``reader`` the TestClient tests share)."""
    server = LiveServer(reader)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Watched]:
    """A fresh 1280 px wide page on the demo dashboard (its own context: no cookies carried over)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield watch(context, live_server.url)
    finally:
        context.close()
