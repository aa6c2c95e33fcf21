"""What the browser tests share besides their fixtures: the system Chromium and its flags, the
dashboard's server in a thread, and a browser page that records what went wrong on it."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from diplotrack.serve.app import create_app
from diplotrack.serve.reader import StoreReader

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "install Debian's chromium: apt-get install -y chromium"
TIMEOUT_MS = 8000  # a step that waits longer has failed (Playwright's default is 30 s)
SCREENSHOTS_ENV = "DIPLOTRACK_SCREENSHOTS"  # a folder (e.g. docs/img): save the dashboard's screenshots there


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


class LiveServer:
    """``diplotrack serve``'s app under uvicorn in a daemon thread, on a port picked by the system.

    The socket is bound here (so the port is known before the app is made: the Host guard checks
    it) and handed to uvicorn."""

    def __init__(self, reader: StoreReader, *, host: str = "127.0.0.1", token: str | None = None) -> None:
        import uvicorn

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port: int = self.sock.getsockname()[1]
        self.host = host
        app = create_app(reader, host=host, port=self.port, token=token)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard's server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}" if host in ("127.0.0.1", "0.0.0.0") else f"http://{host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        self.sock.close()


@dataclass
class Watched:
    """A browser page and what went wrong on it while the test ran."""

    page: Any
    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # requests that failed or answered >= 400
    foreign: list[str] = field(default_factory=list)  # requests to any other host (aborted)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"request to another host: {m}" for m in self.foreign]
        )

    def assert_clean(self, where: str = "") -> None:
        found = self.problems()
        assert not found, f"{where}: " + "; ".join(found)

    def reset(self) -> None:
        for bucket in (self.console_errors, self.page_errors, self.failed, self.foreign):
            bucket.clear()


def watch(context: Any, origin: str) -> Watched:
    """A new page of ``context`` that records what went wrong; requests off ``origin`` are aborted."""

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            w.foreign.append(url)
            r.abort()

    page = context.new_page()
    w = Watched(page, origin)
    context.route("**/*", route)  # the context's: a link opened in a new tab is held to it too
    page.on("console", lambda m: w.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: w.failed.append(f"{r.url} ({r.failure})") if _counts(r, origin) else None)
    page.on("response", lambda r: w.failed.append(f"{r.url} answered {r.status}") if r.status >= 400 else None)
    return w


def _counts(request: Any, origin: str) -> bool:
    """Whether a failed request is a fault: not one to another host (aborted by the router, and
    recorded there) nor one the browser cancelled because the test moved on (a lazy frame)."""
    parts = urlsplit(request.url)
    foreign = parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != origin
    return not foreign and request.failure != "net::ERR_ABORTED"


def settle(page: Any) -> None:
    """Wait until a page's frames (the network drawing is a lazy frame) have loaded too."""
    if page.locator("iframe").count():
        page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Save ``docs/img/dashboard-<name>.png`` (or wherever $DIPLOTRACK_SCREENSHOTS says) when asked,
    in 256 colours (a third of the size; text and charts stay sharp)."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if not folder:
        return
    from PIL import Image

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    image.quantize(256).save(out / f"dashboard-{name}.png", optimize=True)
