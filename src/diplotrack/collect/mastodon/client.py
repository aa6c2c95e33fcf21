"""Mastodon REST API v1 client, any instance: account lookups and account timelines.

Endpoints (docs.joinmastodon.org/methods/accounts): ``GET /api/v1/accounts/lookup?acct=`` (by
handle), ``GET /api/v1/accounts/:id`` (by id), ``GET /api/v1/accounts/:id/statuses`` (newest first,
``limit`` at most 40, ``max_id``/``since_id`` bounds). Public accounts and public statuses need no
token since Mastodon 2.7; a token from ``DIPLOTRACK_MASTODON_TOKEN`` (``instance=token`` pairs) or
``[mastodon.tokens]`` is sent only to its own instance, for instances that refuse
anonymous reads (a token is valid only on the instance that issued it). An instance that refuses
us costs only its own accounts: the others are collected.

Each account is asked of its own instance (``https://<instance>``; ``settings.mastodon_base``, when
set, replaces that base for every instance: tests and proxies), one request a lookup, since an id
is only meaningful on the instance that gave it. Rate limits are per instance (``X-RateLimit-*``,
reset as an ISO time; the default ceiling is 300 requests per 5 minutes), so each bucket is named
by instance and endpoint.

Cost: Mastodon does not charge, so every bound is 0.0 and a budget never stops a Mastodon sweep.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx

from diplotrack.collect.config import Settings
from diplotrack.collect.errors import AuthError, MalformedPage, RequestFailed
from diplotrack.collect.http import json_of, shown_url
from diplotrack.collect.http_source import HttpSource
from diplotrack.collect.mastodon import mapping
from diplotrack.collect.mastodon.errors import api_error, auth_error, found_refused
from diplotrack.collect.mastodon.identity import parse_address, split_id
from diplotrack.collect.mastodon.profiles import found_account, map_account
from diplotrack.collect.mastodon.spec import SPEC
from diplotrack.collect.source import Page, PlannedRequest, Sweep, Target, failed_page
from diplotrack.provenance import Prov
from diplotrack.store.raw import raw_id_of

PAGE_SIZE = 40  # the most statuses GET /api/v1/accounts/:id/statuses returns a request


class MastodonSource(HttpSource):
    timeline_endpoint = "api/v1/accounts/:id/statuses"
    page_posts = PAGE_SIZE  # a full timeline page: what each sweep re-reads at least
    spec = SPEC
    auth_error = staticmethod(auth_error)
    lookup_page_size = 1

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.base_override = settings.mastodon_base.rstrip("/") if settings.mastodon_base else None
        self.tokens = settings.mastodon_tokens
        self.refused: dict[str, str] = {}  # instance -> why it refused us in this run

    def base(self, instance: str) -> str:
        return self.base_override or f"https://{instance}"

    def _get(self, instance: str, url: str, params: dict | None, bucket: str) -> httpx.Response:
        """A request to one instance, with that instance's token if one is configured. An instance
        that refuses us (401/403) is not asked again in this run, and only its accounts are lost:
        the refusal is a failed request for the engine, not the end of Mastodon collection."""
        if instance in self.refused:
            raise RequestFailed(f"not asked: {self.refused[instance]}", url=url)
        try:
            return self.client.get(url, params, bucket=bucket, token=self.tokens.get(instance.lower()))
        except AuthError as exc:
            self.refused[instance] = str(exc)
            raise RequestFailed(str(exc), url=url) from None

    # -- lookups -------------------------------------------------------------------------------
    def lookup_cost_bound(self, n: int) -> float:
        return 0.0

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        for t in targets:
            user: str | None = None
            home: str | None = None
            problem = ""
            try:
                user, home = parse_address(t.handle)
            except ValueError as exc:
                problem = str(exc)
            instance: str | None = None
            local: str | None = None
            if t.user_id and not t.user_id.startswith("handle:"):
                instance, local = split_id(t.user_id)
                instance = instance or home
            if instance and local:
                url = f"{self.base(instance)}/api/v1/accounts/{local}"
                params: dict[str, str] = {}
            elif home and user:
                instance, url, params = home, f"{self.base(home)}/api/v1/accounts/lookup", {"acct": user}
            else:
                # roster validation keeps this out; unanswered, the engine neither records nor sweeps it
                self.reporter.note(f"Mastodon: {t.handle} not looked up: {problem}")
                continue
            try:
                page = self._lookup_page(t, instance, url, params)
            except (MalformedPage, RequestFailed) as exc:
                # one instance down or answering nonsense must not end the lookups of the others (a
                # generator that raises is finished): the failure is a skip, the target goes unanswered
                page = self._failed_page(exc)
            yield page

    def _failed_page(self, exc: MalformedPage | RequestFailed) -> Page:
        self.meter.errors += 1
        return failed_page(
            exc, platform=self.platform, fmt=mapping.FORMAT, retrieved_at=self.clock.utcnow(), what="lookup"
        )

    def _lookup_page(self, target: Target, instance: str, url: str, params: dict[str, str]) -> Page:
        response = self._get(instance, url, params or None, f"{instance} accounts")
        shown = shown_url(response.request.url)
        retrieved = self.clock.utcnow()
        page = Page(url=shown, body=response.content, fmt=mapping.FORMAT, retrieved_at=retrieved)
        if response.status_code in (404, 410):
            page.found = [found_refused(target, response.status_code, response.content)]
            return page
        _ok_or_fail(response, shown)
        obj = _json_object(response, shown)
        try:
            prov = Prov(mapping.SOURCE, shown, None, raw_id_of(response.content))
            snap = map_account(obj, instance, retrieved, prov(""))
        except ValueError as exc:
            raise MalformedPage(f"unexpected Mastodon account ({exc})", url=shown, body=response.content) from None
        page.profiles = [snap]
        page.found = [found_account(target, obj, instance)]
        page.items = 1
        return page

    # -- timelines -----------------------------------------------------------------------------
    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        return 0.0, None

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        instance, local = split_id(user_id)
        if instance is None:
            _, instance = parse_address(target.handle)
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        since_at = sweep.since_at
        if sweep.since_id:
            since_instance, since_local = split_id(sweep.since_id)
            if since_instance in (None, instance):  # an id from another instance bounds nothing here
                params["since_id"] = since_local
                since_at = None
        if sweep.cursor:
            params["max_id"] = sweep.cursor
        url = f"{self.base(instance)}/api/v1/accounts/{local}/statuses"
        response = self._get(instance, url, params, f"{instance} accounts/statuses")
        shown = shown_url(response.request.url)
        retrieved = self.clock.utcnow()
        if response.status_code in (404, 410):
            # the account is gone: nothing to page through; the error is kept
            return Page(
                url=shown,
                body=response.content,
                fmt=mapping.FORMAT,
                retrieved_at=retrieved,
                errors=[api_error(response.status_code, response.content, shown, user_id)],
                done=True,
            )
        _ok_or_fail(response, shown)
        statuses = json_of(response)
        if not isinstance(statuses, list):
            raise MalformedPage(
                f"expected a JSON list of statuses, got {type(statuses).__name__}",
                url=shown,
                body=response.content,
            )
        mapped = mapping.map_timeline(
            statuses, instance, shown, response.content, retrieved, limit=PAGE_SIZE, since_at=since_at
        )
        return mapped.page(shown, response.content, mapping.FORMAT, retrieved)

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        # not collected yet: favourited_by/reblogged_by need a user token on many instances (and list
        # accounts without the time they engaged), so an anonymous collector cannot rely on them
        return iter(())

    # -- planning ------------------------------------------------------------------------------
    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest:
        if sweep.since_id is None and sweep.since_at is None:
            expected = posts_count if posts_count is not None else PAGE_SIZE
            note = "first sweep: the whole timeline" + (
                f" ({posts_count} statuses, boosts included)"
                if posts_count is not None
                else " (no known post count: estimated as one page)"
            )
        else:
            expected = PAGE_SIZE
            note = "incremental: posts since the last sweep and the recheck window (estimated as one page)"
        pages = max(1, math.ceil(expected / PAGE_SIZE))
        return PlannedRequest("mastodon: account statuses", target.handle, pages, expected, 0.0, note)


def _json_object(response: httpx.Response, shown: str) -> dict[str, Any]:
    obj = json_of(response)
    if not isinstance(obj, dict):
        raise MalformedPage(
            f"expected a JSON object (an account), got {type(obj).__name__}",
            url=shown,
            body=response.content,
        )
    return obj


def _ok_or_fail(response: httpx.Response, shown: str) -> None:
    if response.status_code != 200:
        raise RequestFailed(f"Mastodon answered HTTP {response.status_code}", url=shown, status=response.status_code)
