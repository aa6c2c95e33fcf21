"""Telegram public channels, read from their web preview: no login, no API key, no cost.

Pages (as minet and tchan read them): ``GET <base>/<name>`` (the profile page: the lookup, with the
exact subscriber count) and ``GET <base>/s/<name>`` then ``?before=<id>`` (the preview, about 20
messages a page, newest first from page to page). ``<base>`` is ``settings.telegram_base``
(``https://t.me``; ``DIPLOTRACK_TELEGRAM_BASE`` for tests and mirrors).

Politeness: one request at a time, at least ``settings.telegram_throttle`` seconds apart
(``[telegram] throttle``, default 2), waited on the collector's clock (a stop request cuts the wait
short); a 429 waits for its ``Retry-After``, a 5xx, a timeout or a body cut short is retried with
backoff (``collect/http.py``, shared with the other platforms). The throttle is a hook of the HTTP
client itself, so it spaces every request sent: retries, the re-send after a 429, each hop of a
redirect, the lookup's confirming preview.

Redirects: followed only within the base's scheme, host and port, and at most ``MAX_REDIRECTS``
hops; one to another host is refused before it is sent (the page fails with its URL and reason), so
a page from elsewhere is never read as t.me's. Paths are read relative to the base's path, so a
mirror under a path (``https://mirror.example/tg``) works.

A name the lookup finds no channel under is confirmed with its preview before it is recorded as
not found (``t.me`` answers a client it throttles with a page like a missing name's); a preview
that redirects to the profile page in the middle of a sweep fails that page (the sweep resumes
next run, whose lookup records what became of the channel) rather than end it, so nothing is judged
deleted from a page that showed nothing.

Cost: free, so every bound is 0.0 and a budget never stops a Telegram sweep.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx

from diplotrack.collect.config import Settings
from diplotrack.collect.errors import MalformedPage, RequestFailed, Stopped
from diplotrack.collect.http import shown_url
from diplotrack.collect.http_source import HttpSource
from diplotrack.collect.source import Page, PlannedRequest, Sweep, Target, failed_page
from diplotrack.collect.telegram import mapping, profiles
from diplotrack.collect.telegram.errors import auth_error
from diplotrack.collect.telegram.spec import SPEC, check_username
from diplotrack.collect.telegram.text import is_number
from diplotrack.provenance import Prov
from diplotrack.store.raw import raw_id_of

PAGE_SIZE = 20  # messages on a preview page
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
MAX_REDIRECTS = 3  # t.me redirects a missing preview to the profile page: one hop


class OffSiteRedirect(RequestFailed):
    """A redirect to a host other than the configured base's: not followed."""


class TelegramSource(HttpSource):
    timeline_endpoint = "s/:name"
    page_posts = PAGE_SIZE  # a full preview page: what each sweep re-reads at least
    spec = SPEC
    auth_error = staticmethod(auth_error)
    lookup_page_size = 1

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.base = settings.telegram_base.rstrip("/")
        base = httpx.URL(self.base)
        self._origin = (base.scheme, base.host, base.port)
        self._base_path = base.path.rstrip("/")  # a mirror may serve t.me under a path
        self.throttle = max(0.0, settings.telegram_throttle)
        self._next_at = 0.0  # the earliest time (clock seconds) of the next request
        self._confirming: Page | None = None  # the lookup's confirming preview, kept as a page of its own
        http = self.client._client
        # pages, not an API: ask for HTML (ApiClient's default asks for JSON)
        http.headers["Accept"] = HTML_ACCEPT
        http.max_redirects = MAX_REDIRECTS
        # every request the client sends (retries and redirect hops too) passes these
        http.event_hooks = {"request": [self._before_request], "response": [self._after_response]}

    def _before_request(self, request: httpx.Request) -> None:
        """Refuse a request off the base's host (a redirect there); wait out the throttle."""
        if (request.url.scheme, request.url.host, request.url.port) != self._origin:
            raise OffSiteRedirect(
                f"Telegram redirected to another host ({request.url.host}): not followed, the page is not read "
                f"(only {self.base} is asked)",
                url=shown_url(request.url),
            )
        wait = self._next_at - self.clock.now()
        if wait > 0 and not self.clock.sleep(wait):
            raise Stopped("stopped while waiting")
        self._next_at = self.clock.now() + self.throttle

    def _after_response(self, response: httpx.Response) -> None:
        self._next_at = max(self._next_at, self.clock.now() + self.throttle)

    def _path(self, response: httpx.Response) -> str:
        """The path a response came from, relative to the base (``/s/name``)."""
        return response.url.path.removeprefix(self._base_path) or "/"

    def _get(self, url: str, params: dict[str, str] | None, bucket: str) -> httpx.Response:
        """One polite request (the throttle is the client's hook, for every request it sends)."""
        return self.client.get(url, params, bucket=bucket)

    def _html(self, url: str, params: dict[str, str] | None, bucket: str) -> tuple[httpx.Response, str]:
        response = self._get(url, params, bucket)
        shown = shown_url(response.request.url)
        if response.status_code != 200:
            raise RequestFailed(
                f"Telegram answered HTTP {response.status_code}", url=shown, status=response.status_code
            )
        return response, shown

    # -- lookups -------------------------------------------------------------------------------
    def lookup_cost_bound(self, n: int) -> float:
        return 0.0

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        for t in targets:
            self._confirming = None
            try:
                if (problem := check_username(t.handle)) is not None:
                    raise RequestFailed(f"not asked: {problem}", url=f"{self.base}/{t.handle}"[:200])
                page = self._lookup_page(t)
            except (MalformedPage, RequestFailed) as exc:
                # one channel's failed page must not end the others' lookups: a skip, the target unanswered
                self.meter.errors += 1
                page = failed_page(
                    exc, platform=self.platform, fmt=mapping.FORMAT, retrieved_at=self.clock.utcnow(), what="lookup"
                )
            if self._confirming is not None:  # the preview that confirmed a missing name: kept too
                yield self._confirming
            yield page

    def _lookup_page(self, target: Target) -> Page:
        response, shown = self._html(f"{self.base}/{target.handle}", None, "profile")
        retrieved = self.clock.utcnow()
        body = response.content
        profile = profiles.read_profile(mapping.parse_page(body, shown))
        if profile.kind == profiles.UNKNOWN:
            raise MalformedPage(
                "not a Telegram profile page (no title, and not the page of a missing name): a changed or "
                "throttled page",
                url=shown,
                body=body,
            )
        page = Page(url=shown, body=body, fmt=mapping.FORMAT, retrieved_at=retrieved, items=1)
        if profile.kind == profiles.MISSING:
            profile = self._confirm_missing(target, profile)
        if profile.username is not None and profile.username.lower() != target.handle.lower():
            raise MalformedPage(
                f"the page asked for @{target.handle} is @{profile.username}'s (t.me does not redirect a renamed "
                "channel: a wrong page): nothing is recorded from it",
                url=shown,
                body=body,
            )
        prov = Prov(mapping.SOURCE, shown, None, raw_id_of(body))
        if profile.kind == profiles.CHANNEL:
            page.profiles = [profiles.snapshot(profile, target.handle, retrieved, prov(""))]
        page.found = [profiles.found(target, profile)]
        return page

    def _confirm_missing(self, target: Target, missing: profiles.Profile) -> profiles.Profile:
        """A name with no profile is missing only if its preview is missing too (it redirects to the
        profile page); a preview that is there says the profile page was a throttled one."""
        response, shown = self._html(f"{self.base}/s/{target.handle}", None, "preview")
        self._confirming = Page(
            url=shown, body=response.content, fmt=mapping.FORMAT, retrieved_at=self.clock.utcnow(), items=0
        )
        if not self._path(response).startswith("/s/"):
            return missing
        tree = mapping.parse_page(response.content, shown)
        header = profiles.read_header(tree) if mapping.is_preview(tree) else missing
        return header if header.kind == profiles.CHANNEL else missing

    # -- timelines -----------------------------------------------------------------------------
    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        return 0.0, None

    def _bounds(self, name: str, sweep: Sweep) -> mapping.Bounds:
        since_id = None
        if sweep.since_id:
            channel, _, number = sweep.since_id.partition("/")
            if channel == name.lower() and is_number(number):
                since_id = int(number)
        before = int(sweep.cursor) if sweep.cursor and is_number(sweep.cursor) else None
        # message ids are sequential: an id bound is exact, so a time bound only bounds a sweep without one
        return mapping.Bounds(since_id=since_id, since_at=None if since_id else sweep.since_at, before=before)

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        name = user_id.removeprefix("handle:") if user_id.startswith("handle:") else target.handle
        bounds = self._bounds(name, sweep)
        params = {"before": str(bounds.before)} if bounds.before is not None else None
        response, shown = self._html(f"{self.base}/s/{name}", params, "preview")
        if not self._path(response).startswith("/s/"):
            raise MalformedPage(
                f"the preview of @{name} now redirects to its profile page: it is no longer a public channel "
                "(the next run's lookup records what became of it)",
                url=shown,
                body=response.content,
            )
        retrieved = self.clock.utcnow()
        notes: list[str] = []
        mapped = mapping.map_timeline(response.content, shown, name, retrieved, bounds, notes)
        for note in notes:
            self.reporter.note(f"Telegram: {note}")
        return mapped.page(shown, response.content, mapping.FORMAT, retrieved)

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        # the preview shows no list of who forwarded or reacted to a message
        return iter(())

    # -- planning ------------------------------------------------------------------------------
    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest:
        if sweep.since_id is None and sweep.since_at is None:
            expected = posts_count if posts_count is not None else PAGE_SIZE
            note = "first sweep: the whole channel" + (
                f" ({posts_count} messages)" if posts_count is not None else " (no known message count: one page)"
            )
        else:
            expected = PAGE_SIZE
            note = "incremental: messages since the last sweep and the recheck window (estimated as one page)"
        pages = max(1, math.ceil(expected / PAGE_SIZE))
        note += f"; {self.throttle:g}s between requests"
        return PlannedRequest("telegram: channel preview", target.handle, pages, expected, 0.0, note)
