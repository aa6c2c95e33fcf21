"""X API v2 client: users lookup (100 a request) and user timelines (``since_id``, pagination).

Endpoints (docs.x.com): ``GET /2/users/by`` (usernames), ``GET /2/users`` (ids),
``GET /2/users/:id/tweets``. Reposts, replies and quotes arrive with the posts and authors they
reference (expansions), so the repost network does not need a second request.

Cost: X charges per resource returned (``price_post_read`` per post in ``data`` and
``includes.tweets``; ``price_user_read`` per user). The bound checked before a timeline request is
the worst case per requested post: itself and two referenced posts, plus two referenced authors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from diplotrack.collect.config import X_TIMELINE_CAP, Secret, Settings
from diplotrack.collect.errors import MalformedPage, RequestFailed
from diplotrack.collect.http import shown_url
from diplotrack.collect.http_source import HttpSource
from diplotrack.collect.source import Page, PlannedRequest, Sweep, Target, failed_page
from diplotrack.collect.x import mapping
from diplotrack.collect.x.errors import auth_error
from diplotrack.collect.x.spec import SPEC

USER_FIELDS = (
    "affiliation,created_at,description,entities,location,protected,public_metrics,verified,verified_type,"
    "profile_image_url,url"
)
TWEET_FIELDS = (
    "attachments,author_id,conversation_id,created_at,entities,in_reply_to_user_id,lang,public_metrics,"
    "referenced_tweets,source"
)
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id,attachments.media_keys"
MEDIA_FIELDS = "media_key,type,url,preview_image_url"
PAGE_SIZE = 100
MIN_PAGE = 5  # the smallest max_results X accepts
LOOKUP_SIZE = 100


class XSource(HttpSource):
    timeline_endpoint = "users/:id/tweets"
    page_posts = PAGE_SIZE  # what each sweep re-reads at least: settings.x_reread_posts (a full page)
    spec = SPEC
    auth_error = staticmethod(auth_error)
    lookup_page_size = LOOKUP_SIZE

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.base = settings.x_base
        self.post_price = settings.x_price_post_read
        self.user_price = settings.x_price_user_read
        self.page_posts = settings.x_reread_posts

    def credential(self, settings: Settings) -> Secret | None:
        return settings.x_token

    # -- lookups -------------------------------------------------------------------------------
    def lookup_cost_bound(self, n: int) -> float:
        return min(n, LOOKUP_SIZE) * self.user_price

    def lookup_requests(self, targets: list[Target]) -> int:
        by_id = sum(1 for t in targets if t.user_id and not t.user_id.startswith("handle:"))
        return math.ceil(by_id / LOOKUP_SIZE) + math.ceil((len(targets) - by_id) / LOOKUP_SIZE)

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        by_id = [t for t in targets if t.user_id and not t.user_id.startswith("handle:")]
        by_name = [t for t in targets if t not in by_id]
        for group, is_id in ((by_id, True), (by_name, False)):
            for i in range(0, len(group), LOOKUP_SIZE):
                chunk = group[i : i + LOOKUP_SIZE]
                if is_id:
                    url = f"{self.base}/2/users"
                    params = {"ids": ",".join(t.user_id or "" for t in chunk), "user.fields": USER_FIELDS}
                else:
                    url = f"{self.base}/2/users/by"
                    params = {"usernames": ",".join(t.handle for t in chunk), "user.fields": USER_FIELDS}
                try:
                    yield self._lookup_page(url, params, chunk, is_id)
                except (MalformedPage, RequestFailed) as exc:
                    # one failed request must not end the other chunks' lookups: a skip, targets unanswered
                    self.meter.errors += 1
                    yield failed_page(
                        exc, platform=self.platform, fmt=mapping.FORMAT, retrieved_at=self.clock.utcnow(), what="lookup"
                    )

    def _lookup_page(self, url: str, params: dict, chunk: list[Target], by_id: bool) -> Page:
        response = self.client.get(url, params, bucket="users-lookup")
        shown = shown_url(response.request.url)
        _ok_or_fail(response, shown)
        retrieved = self.clock.utcnow()
        page = mapping.decode(response.content, shown)
        sink = mapping.map_timeline(page, response.content, shown, retrieved)
        users, _, _ = mapping.items_of(page)
        return Page(
            url=shown,
            body=response.content,
            fmt=mapping.FORMAT,
            retrieved_at=retrieved,
            profiles=sink.profiles,
            errors=sink.errors,
            skips=sink.skips,
            found=mapping.found_in_lookup(page, chunk, by_id),
            items=len(users),
            cost=len(users) * self.user_price,
        )

    # -- timelines -----------------------------------------------------------------------------
    def _per_post_bound(self) -> float:
        return 3 * self.post_price + 2 * self.user_price

    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        per_post = self._per_post_bound()
        size = PAGE_SIZE
        if budget_left is not None and per_post > 0:
            fits = math.floor(max(0.0, budget_left - self.user_price) / per_post)
            size = max(MIN_PAGE, min(PAGE_SIZE, fits))
        return size * per_post + self.user_price, size

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        params: dict[str, str | int] = {
            "max_results": sweep.page_size or PAGE_SIZE,
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS,
        }
        if sweep.since_id:
            params["since_id"] = sweep.since_id
        elif sweep.since_at is not None:
            params["start_time"] = sweep.since_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if sweep.cursor:
            params["pagination_token"] = sweep.cursor
        url = f"{self.base}/2/users/{user_id}/tweets"
        response = self.client.get(url, params, bucket="user-timeline")
        shown = shown_url(response.request.url)
        _ok_or_fail(response, shown)
        retrieved = self.clock.utcnow()
        page = mapping.decode(response.content, shown)
        token = mapping.next_token(page, response.content)
        sink = mapping.map_timeline(page, response.content, shown, retrieved)
        data, inc_posts, inc_users = mapping.items_of(page)
        # every id the page shows counts as seen, mapped or not: a post that failed to map is not deleted
        times = {p.post_id: p.created_at for p in sink.posts}
        seen = [(str(x.id), times.get(str(x.id))) for x in data if x.id is not None]
        n_posts = len(data) + len(inc_posts)
        return Page(
            url=shown,
            body=response.content,
            fmt=mapping.FORMAT,
            retrieved_at=retrieved,
            posts=sink.posts,
            # the account's own snapshot comes from the lookup, once a run; keep the other authors'
            profiles=[s for s in sink.profiles if s.user_id != user_id],
            errors=sink.errors,
            skips=sink.skips,
            seen=seen,
            next_cursor=token,
            done=token is None,
            items=n_posts + len(inc_users),
            cost=n_posts * self.post_price + len(inc_users) * self.user_price,
        )

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        return iter(())  # X: reposters and quotes cost extra reads; not collected (see docs/sources/x-api.md)

    # -- planning ------------------------------------------------------------------------------
    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest:
        if sweep.since_id is None and sweep.since_at is None:
            expected = min(X_TIMELINE_CAP, posts_count) if posts_count is not None else X_TIMELINE_CAP
            note = "first sweep: the newest posts, up to 3,200" + (
                "" if posts_count is not None else " (no known post count: the cap is assumed)"
            )
        else:
            expected = PAGE_SIZE
            note = "incremental: posts since the last sweep and the recheck window (estimated as one page)"
        pages = max(1, math.ceil(expected / PAGE_SIZE))
        # at most: each post with two referenced posts and two referenced authors, and the account
        cost = expected * self._per_post_bound() + pages * self.user_price
        return PlannedRequest("x: user timeline", target.handle, pages, expected, cost, note + "; cost at most")


def _ok_or_fail(response, shown: str) -> None:  # type: ignore[no-untyped-def]
    if response.status_code != 200:
        raise RequestFailed(f"X answered HTTP {response.status_code}", url=shown, status=response.status_code)
