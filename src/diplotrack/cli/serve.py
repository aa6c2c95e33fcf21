"""``diplotrack serve``: the dashboard and its JSON API over the store (serve/), under uvicorn.

It listens on 127.0.0.1 by default. Any other address needs an access token (``--token``,
``$DIPLOTRACK_SERVE_TOKEN`` or ``token`` in the config file's ``[serve]`` section), which is never
printed or logged. With ``--watch 6h`` the server collects itself on that schedule (the same runs as
``diplotrack watch``) through the store it holds, so pages keep answering while new data arrives.
"""

from __future__ import annotations

import os
import re
import threading
import time
import webbrowser
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import typer

from diplotrack.cli import common
from diplotrack.cli.collect import _options, parse_span, print_report, run_collect
from diplotrack.collect.clock import Clock
from diplotrack.errors import DiplotrackError, UsageError

if TYPE_CHECKING:
    from diplotrack.serve.reader import StoreReader

ENV_TOKEN = "DIPLOTRACK_SERVE_TOKEN"  # noqa: S105 (the variable's name, not a secret)


# printable ASCII but space, double quote, comma, semicolon and backslash
_TOKEN_CHARS = re.compile(r"^[!#-+\--:<-\[\]-~]+$")


def serve_token(flag: str | None) -> str | None:
    """The access token: the flag, else the environment, else the config file's ``[serve] token``.
    It travels in a header or a cookie: printable ASCII without spaces, quotes, commas, semicolons or
    backslashes (a refusal never repeats it)."""
    if flag:
        token, where = flag, "--token"
    elif os.environ.get(ENV_TOKEN):
        token, where = os.environ[ENV_TOKEN], f"${ENV_TOKEN}"
    else:
        from diplotrack.collect.config import _config_path, _read_config

        section = _read_config(_config_path(dict(os.environ))).get("serve", {})
        value = section.get("token") if isinstance(section, dict) else None
        if value is not None and not isinstance(value, str):
            raise UsageError("the config file's [serve] token must be text")
        if not value:
            return None
        token, where = value, "the config file's [serve] token"
    if not _TOKEN_CHARS.match(token):
        raise UsageError(
            f"{where} may hold only printable ASCII without spaces, double quotes, commas, semicolons or backslashes; "
            "e.g. make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"
        )
    return token


class Watcher:
    """Collection on a schedule inside the server process (``--watch``), through the same DuckDB
    instance as the pages: they read the last committed state while it writes."""

    def __init__(self, every: timedelta, reader: StoreReader | None = None, *, alerts: bool = True) -> None:
        self.every = every
        self.alerts = alerts  # evaluate the alert rules after each run, as ``diplotrack watch`` does
        self.reader = reader  # warmed again after each run (the cache is per store generation)
        self.clock = Clock()
        self.state = f"collecting every {_span(every)}; first run starting"
        self.thread = threading.Thread(target=self._loop, name="diplotrack-watch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.clock.stop.set()

    def _loop(self) -> None:
        options = _options([], None, None, "2d", 0, None)
        while not self.clock.stop.is_set():
            started = time.monotonic()
            self.state = f"collecting every {_span(self.every)}; a run is in progress"
            try:
                report = run_collect([], options, self.clock, show_progress=False, command="serve --watch")
                print_report(report)
                if self.alerts:  # reports its own failures; what was not delivered goes out next run
                    from diplotrack.cli.alerts import alerts_after_run

                    alerts_after_run(self.clock, report.run_id)
                outcome = "last run finished"
                if self.reader is not None:
                    from diplotrack.serve.warm import warm_up

                    warm_up(self.reader)
            except DiplotrackError as exc:
                common.err_console.print(f"collection run failed: {exc}; trying again at the next period", markup=False)
                outcome = "last run failed"
            wait = max(0.0, self.every.total_seconds() - (time.monotonic() - started))
            nxt = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%d %H:%M UTC")
            self.state = f"collecting every {_span(self.every)}; {outcome}; next run {nxt}"
            self.clock.stop.wait(wait)


def _span(d: timedelta) -> str:
    s = int(d.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s % size == 0 and s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the dashboard in the default web browser."),
    token: str | None = typer.Option(
        None, "--token", help=f"Access token, required off loopback (or ${ENV_TOKEN}, or [serve] token in the config)."
    ),
    watch: str | None = typer.Option(
        None, "--watch", help="Collect on this schedule while serving (e.g. 6h), as 'diplotrack watch' does."
    ),
    no_alerts: bool = typer.Option(
        False, "--no-alerts", help="With --watch: do not evaluate the alert rules after each run."
    ),
) -> None:
    import uvicorn

    from diplotrack.serve.app import create_app
    from diplotrack.serve.reader import StoreReader
    from diplotrack.serve.security import is_loopback
    from diplotrack.serve.warm import warm_in_background

    secret = serve_token(token)
    if not is_loopback(host) and not secret:
        raise UsageError(
            f"listening on {host} (not a loopback address) needs an access token; give --token, "
            f"set {ENV_TOKEN} or put token in the config file's [serve] section"
        )
    every = parse_span(watch, "--watch") if watch else None
    if every is not None and every.total_seconds() <= 0:
        raise UsageError("--watch must be longer than zero")
    if every is not None and not no_alerts:
        from diplotrack.alerts.config import load_alert_settings

        load_alert_settings()  # a mistake in the [alerts] section stops now, not after the first run
    started = time.monotonic()
    reader = StoreReader(common.STATE.db, writable=every is not None)
    app = create_app(reader, host=host, port=port, token=secret)
    watcher = Watcher(every, reader, alerts=not no_alerts) if every is not None else None
    if watcher is not None:
        app.inner.state.watcher = watcher
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{bound}/"
        common.console.print(
            f"diplotrack dashboard on {url} (store {reader.path}; ready in {time.monotonic() - started:.1f} s"
            + ("; an access token is required" if secret else "")
            + "). Ctrl-C to stop.",
            markup=False,
            highlight=False,
        )
        warm_in_background(reader)  # the unfiltered pages, computed before their first visitor
        if watcher is not None:
            watcher.start()
        if open_browser:
            webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    finally:
        if watcher is not None:
            watcher.stop()
            watcher.thread.join(timeout=30)
        reader.close()
    common.console.print("dashboard stopped", markup=False)
