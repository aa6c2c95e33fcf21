"""Bluesky client: the public AppView's XRPC queries, with no login.

Endpoints (``GET {base}/xrpc/<NSID>``, base ``https://public.api.bsky.app`` unless
``DIPLOTRACK_BLUESKY_API_BASE`` or ``[bluesky] api_base`` says otherwise):

- ``app.bsky.actor.getProfiles`` (``actors`` repeated, 25 a request): by DID once the account's DID
  is known, else by handle. It silently leaves out the actors it cannot show, so each left-out
  target is asked once more alone with ``app.bsky.actor.getProfile``, whose XRPC error says why
  (``AccountTakedown``: suspended; ``AccountDeactivated``: deleted; ``InvalidRequest`` /
  "Profile not found": not found). Those error bodies are kept as ``ApiError`` records on the
  lookup page. An answer that says nothing about the account (another error, a failed request)
  leaves the target out of ``found``: no status is recorded for it this run and it is not swept.
- ``app.bsky.feed.getAuthorFeed`` (``filter=posts_with_replies``, 100 a page, ``cursor``): the
  account's posts, replies and reposts, newest first. Bluesky has no ``since_id``; the sweep's
  ``since_at`` bound ends it (see mapping.py). A 400 saying the account is gone (taken down,
  deactivated, not found) ends the sweep with the error kept.
- ``app.bsky.feed.getRepostedBy`` / ``getLikes`` / ``getQuotes`` (opt-in engagement), 100 a page,
  at most ``ENGAGEMENT_PAGES`` pages per endpoint per post.

Every request has its own rate-limit bucket, named by its NSID; the AppView's ``ratelimit-*``
headers, when it sends them, are read by the HTTP client. Reads cost nothing: every cost is 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx

from diplotrack.collect.bluesky import mapping
from diplotrack.collect.bluesky.engagement import map_engagement
from diplotrack.collect.bluesky.errors import api_error, auth_error, error_body, error_status
from diplotrack.collect.bluesky.mapping import AUTHOR_FEED, GET_PROFILE, GET_PROFILES, LIKES, QUOTES, REPOSTED_BY
from diplotrack.collect.bluesky.profiles import map_profile, map_profiles, match_profiles
from diplotrack.collect.bluesky.spec import SPEC
from diplotrack.collect.config import Settings
from diplotrack.collect.errors import MalformedPage, RequestFailed
from diplotrack.collect.http import json_of, shown_url
from diplotrack.collect.http_source import HttpSource
from diplotrack.collect.source import Found, Page, PlannedRequest, Sweep, Target, failed_page
from diplotrack.provenance import Prov
from diplotrack.records import ApiError, ProfileSnapshot, Skip
from diplotrack.store.raw import raw_id_of

PAGE_SIZE = 100  # getAuthorFeed, getRepostedBy, getLikes, getQuotes: limit 1-100
LOOKUP_SIZE = 25  # getProfiles: at most 25 actors
FEED_FILTER = "posts_with_replies"
ENGAGEMENT_PAGES = 3  # pages per engagement endpoint per post, at most

GET_POSTS = "app.bsky.feed.getPosts"  # deletion check: which of these posts still exist


class BlueskySource(HttpSource):
    timeline_endpoint = AUTHOR_FEED
    page_posts = PAGE_SIZE  # a full timeline page: what each sweep re-reads at least
    spec = SPEC
    auth_error = staticmethod(auth_error)
    lookup_page_size = LOOKUP_SIZE

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.base = settings.bluesky_base.rstrip("/")

    def _url(self, nsid: str) -> str:
        return f"{self.base}/xrpc/{nsid}"

    # -- lookups -------------------------------------------------------------------------------
    def lookup_cost_bound(self, n: int) -> float:
        return 0.0

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        for i in range(0, len(targets), LOOKUP_SIZE):
            try:
                yield self._lookup_page(targets[i : i + LOOKUP_SIZE])
            except (MalformedPage, RequestFailed) as exc:
                # one failed request must not end the other chunks' lookups: a skip, targets unanswered
                self.meter.errors += 1
                yield failed_page(
                    exc,
                    platform=self.platform,
                    fmt=mapping.fmt_of(GET_PROFILES),
                    retrieved_at=self.clock.utcnow(),
                    what="lookup",
                )

    def _lookup_page(self, chunk: list[Target]) -> Page:
        actors = list(dict.fromkeys(a for a in (mapping.actor_of(t) for t in chunk) if a))
        profiles: list[ProfileSnapshot] = []
        errors: list[ApiError] = []
        skips: list[Skip] = []
        found: list[Found] = []
        missing = list(chunk)
        page_url = page_body = retrieved = None
        if actors:
            response = self.client.get(self._url(GET_PROFILES), [("actors", a) for a in actors], bucket=GET_PROFILES)
            page_url, page_body, retrieved = shown_url(response.request.url), response.content, self.clock.utcnow()
            if response.status_code == 400:
                # one actor the AppView will not take fails the whole request: ask each alone below
                errors.append(
                    api_error(
                        GET_PROFILES,
                        400,
                        page_body,
                        url=page_url,
                        raw_id=raw_id_of(page_body),
                        resource_type="actors",
                        resource_id=",".join(actors),
                    )
                )
            else:
                _ok_or_fail(response, page_url)
                data = mapping.require(json_of(response), GET_PROFILES, page_url, page_body)
                profiles, skips = map_profiles(data, url=page_url, raw_id=raw_id_of(page_body), observed=retrieved)
                found, missing = match_profiles(profiles, chunk)
        for t in missing:
            response = self._ask_one(t, profiles, errors, skips, found)
            if page_url is None and response is not None:
                # no valid actor in the chunk: the page is the first single lookup's answer
                page_url, page_body, retrieved = shown_url(response.request.url), response.content, self.clock.utcnow()
        if page_url is None or page_body is None or retrieved is None:
            raise RequestFailed("Bluesky: no lookup request could be made for this chunk", url=self._url(GET_PROFILES))
        order = {t: i for i, t in enumerate(chunk)}
        found.sort(key=lambda f: order[f.target])
        return Page(
            url=page_url,
            body=page_body,
            fmt=mapping.fmt_of(GET_PROFILES),
            retrieved_at=retrieved,
            profiles=profiles,
            errors=errors,
            skips=skips,
            found=found,
            items=len(profiles),
            cost=0.0,
        )

    def _ask_one(
        self,
        t: Target,
        profiles: list[ProfileSnapshot],
        errors: list[ApiError],
        skips: list[Skip],
        found: list[Found],
    ) -> httpx.Response | None:
        """``getProfile`` of one target left out of ``getProfiles``: what became of it, if it says."""
        actor = mapping.actor_of(t) or t.handle.strip().lstrip("@")
        url = self._url(GET_PROFILE)
        try:
            response = self.client.get(url, {"actor": actor}, bucket=GET_PROFILE)
        except RequestFailed as exc:
            skips.append(Skip(exc.url, None, f"lookup of {actor}: {exc}"))
            return None
        shown = shown_url(response.request.url)
        retrieved = self.clock.utcnow()
        known_id = t.user_id if mapping.is_did(t.user_id) else None
        if response.status_code == 200:
            try:
                data: Any = json_of(response)
                # the body is not kept as a raw payload (a page has one body): no raw_id
                prov = Prov(mapping.SOURCE, shown, None, None)("")
                snap = map_profile(data if isinstance(data, dict) else {}, retrieved, prov)
            except (MalformedPage, ValueError) as exc:
                skips.append(Skip(shown, None, f"lookup of {actor}: unreadable profile ({exc})"))
                return response
            profiles.append(snap)
            found.append(Found(t, "active", user_id=snap.user_id, handle=snap.handle))
            return response
        if response.status_code == 400:
            errors.append(
                api_error(
                    GET_PROFILE,
                    400,
                    response.content,
                    url=shown,
                    raw_id=raw_id_of(response.content),
                    resource_type="actor",
                    resource_id=actor,
                )
            )
            error, message = error_body(response.content)
            said = error_status(error, message, lookup=True)
            if said is not None:
                status, detail = said
                found.append(Found(t, status, user_id=known_id, handle=None, detail=detail))
                return response
        skips.append(
            Skip(
                shown,
                None,
                f"lookup of {actor}: Bluesky answered HTTP {response.status_code}, which says nothing "
                "about the account; its status is not recorded this run",
            )
        )
        return response

    # -- timelines -----------------------------------------------------------------------------
    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        return 0.0, None

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        params: dict[str, str | int] = {"actor": user_id, "limit": PAGE_SIZE, "filter": FEED_FILTER}
        if sweep.cursor:
            params["cursor"] = sweep.cursor
        response = self.client.get(self._url(AUTHOR_FEED), params, bucket=AUTHOR_FEED)
        shown = shown_url(response.request.url)
        retrieved = self.clock.utcnow()
        body = response.content
        if response.status_code == 400:
            error, message = error_body(body)
            gone = error_status(error, message, lookup=False)
            if gone is not None:  # the account went away between the lookup and now
                status, detail = gone
                return Page(
                    url=shown,
                    body=body,
                    fmt=mapping.fmt_of(AUTHOR_FEED),
                    retrieved_at=retrieved,
                    errors=[
                        api_error(
                            AUTHOR_FEED,
                            400,
                            body,
                            url=shown,
                            raw_id=raw_id_of(body),
                            resource_type="actor",
                            resource_id=user_id,
                        )
                    ],
                    found=[Found(target, status, user_id=user_id, detail=detail)],
                    done=True,
                )
        _ok_or_fail(response, shown)
        data = mapping.require(json_of(response), AUTHOR_FEED, shown, body)
        feed = mapping.map_timeline(
            data,
            user_id,
            url=shown,
            raw_id=raw_id_of(body),
            observed=retrieved,
            since_at=sweep.since_at,
            sent_cursor=sweep.cursor,
        )
        return feed.page(shown, body, mapping.fmt_of(AUTHOR_FEED), retrieved)

    # -- engagement ----------------------------------------------------------------------------
    def confirm_gone(self, post_ids: list[str]) -> list[str]:
        """Of the posts a sweep did not see, those that are really gone.

        The author feed is ordered by its own sort time (the earlier of a post's client-set
        ``createdAt`` and its indexing time), while posts are dated by ``createdAt``: a post whose
        client clock ran ahead can fall outside the part of the feed a sweep read although its date
        is inside it. So each candidate post is asked for by URI (``app.bsky.feed.getPosts``, 25 a
        request): only those the AppView no longer returns are gone. Reposts are dated by their own
        sort time and are trusted to the sweep. A failed request confirms nothing."""
        posts = [p for p in post_ids if f"/{mapping.POST_COLLECTION}/" in p]
        gone = [p for p in post_ids if p not in posts]
        for i in range(0, len(posts), 25):
            chunk = posts[i : i + 25]
            try:
                response = self.client.get(self._url(GET_POSTS), [("uris", u) for u in chunk], bucket=GET_POSTS)
                _ok_or_fail(response, shown_url(response.request.url))
                data = json_of(response)
            except (MalformedPage, RequestFailed):
                continue
            found = {p.get("uri") for p in (data.get("posts") or []) if isinstance(p, dict)}
            gone += [u for u in chunk if u not in found]
        return gone

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        for post_id in post_ids:
            for nsid in (REPOSTED_BY, LIKES, QUOTES):
                cursor: str | None = None
                for _ in range(ENGAGEMENT_PAGES):
                    page, next_cursor = self._engagement_page(nsid, post_id, cursor)
                    yield page
                    if not next_cursor or next_cursor == cursor or not page.items:
                        break
                    cursor = next_cursor

    def _engagement_page(self, nsid: str, post_id: str, cursor: str | None) -> tuple[Page, str | None]:
        params: dict[str, str | int] = {"uri": post_id, "limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        response = self.client.get(self._url(nsid), params, bucket=nsid)
        shown = shown_url(response.request.url)
        retrieved = self.clock.utcnow()
        body = response.content
        if response.status_code == 400:  # e.g. a post deleted since it was stored: kept, and on to the next
            err = api_error(
                nsid, 400, body, url=shown, raw_id=raw_id_of(body), resource_type="post", resource_id=post_id
            )
            return Page(url=shown, body=body, fmt=mapping.fmt_of(nsid), retrieved_at=retrieved, errors=[err]), None
        _ok_or_fail(response, shown)
        data = mapping.require(json_of(response), nsid, shown, body)
        mapped = map_engagement(nsid, data, post_id, url=shown, raw_id=raw_id_of(body), observed=retrieved)
        page = Page(
            url=shown,
            body=body,
            fmt=mapping.fmt_of(nsid),
            retrieved_at=retrieved,
            posts=mapped.posts,
            engagements=mapped.engagements,
            skips=mapped.skips,
            items=mapped.items,
            cost=0.0,
        )
        return page, mapped.next_cursor

    # -- planning ------------------------------------------------------------------------------
    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest:
        if sweep.since_id is None and sweep.since_at is None:
            if posts_count is not None:
                expected = posts_count
                note = "first sweep: the whole author feed (the profile's post count; reposts come on top)"
            else:
                expected = PAGE_SIZE
                note = "first sweep: the whole author feed (no known post count: estimated as one page)"
        else:
            expected = PAGE_SIZE
            note = "incremental: posts since the last sweep and the recheck window (estimated as one page)"
        pages = max(1, math.ceil(expected / PAGE_SIZE))
        return PlannedRequest("bluesky: author feed", target.handle, pages, expected, 0.0, note)


def _ok_or_fail(response: httpx.Response, shown: str) -> None:
    if response.status_code != 200:
        error, message = error_body(response.content)
        said = ": ".join(x for x in (error, message) if x)
        said = f" ({said[:200]})" if said else ""
        raise RequestFailed(
            f"Bluesky answered HTTP {response.status_code}{said}", url=shown, status=response.status_code
        )
