"""YouTube client: a channel's Atom feed without a key, the Data API v3 with one or more keys.

**Without a key** (``feed`` mode): each channel's feed, ``{web_base}/feeds/videos.xml?channel_id=UC…``,
gives its 15 newest videos with their views (and likes, see feed.py). A channel the roster names by
its handle is resolved once to its channel id from its page ``{web_base}/@name`` (channel_page.py);
the store keeps the id, so later runs ask the feed alone. The feed is read at the lookup (it is the
channel's profile too) and its videos are the timeline's one page.

**With keys** (``api`` mode): ``channels.list`` (by id, 50 a call; by handle, ``forHandle``, one a
call) for the profiles and the uploads playlist, then the uploads playlist newest first through
``playlistItems.list`` (50 a page, ``pageToken``), each page followed by ``videos.list`` for its
videos (title, description, views, likes, comments). The two calls are two pages of the sweep, each
committed with its own raw payload; the cursor between them (``v|<next token>|<ids>``) names the
videos still to fetch, so a run killed between them resumes with ``videos.list``. A sweep stops at
the first upload at or before its lower bound. A completed sweep's deletion candidates are asked of
``videos.list`` again: those it does not return are gone (deleted or made private).

Keys and quota: quota.py. The key travels as the ``key`` query parameter; every URL this module
shows, stores or puts in an error is stripped of it. Cost in money: none (the budget never stops
YouTube); the quota stops it cleanly instead, before a call no key can pay for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from diplotrack.collect.config import Settings
from diplotrack.collect.errors import AuthError, MalformedPage, RequestFailed
from diplotrack.collect.http import json_of, shown_url
from diplotrack.collect.http_source import HttpSource
from diplotrack.collect.source import Found, Page, PlannedRequest, Sweep, Target, failed_page
from diplotrack.collect.youtube import feed as feedmap
from diplotrack.collect.youtube import mapping
from diplotrack.collect.youtube.channel_page import channel_ids_of
from diplotrack.collect.youtube.errors import (
    Forbidden,
    KeyRefused,
    KeySpent,
    Throttled,
    auth_error,
    key_error_text,
    key_refused,
    reasons,
)
from diplotrack.collect.youtube.guard import Loop, other_host, redact, strip_key
from diplotrack.collect.youtube.quota import UNIT_COST, UNITS, Quota
from diplotrack.collect.youtube.spec import SPEC, is_channel_id
from diplotrack.records import Skip
from diplotrack.store.raw import raw_id_of

PAGE_SIZE = 50  # the most items playlistItems.list and videos.list return a call
CHANNEL_PARTS = "snippet,statistics,contentDetails"
HTML_FORMAT = "youtube-html"  # raw payloads of channel pages (kept: they resolved a handle)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")
_DECODED = ("content-encoding", "content-length", "transfer-encoding")  # the body kept is decoded already


class YouTubeSource(HttpSource):
    spec = SPEC
    auth_error = staticmethod(auth_error)

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.api_base = settings.youtube_api_base
        self.web_base = settings.youtube_web_base
        self.keys = settings.youtube_keys
        self.quota = Quota(self.keys, settings.youtube_daily_quota)
        self.mode = "api" if self.keys else "feed"
        self.timeline_endpoint = "playlistItems" if self.keys else "feeds/videos.xml"
        self.page_posts = PAGE_SIZE if self.keys else feedmap.FEED_SIZE  # each sweep re-reads at least these
        self.lookup_page_size = PAGE_SIZE if self.keys else 1
        self.uploads: dict[str, str] = {}  # channel id -> uploads playlist id (from this run's lookup)
        self.handles: dict[str, str | None] = {}  # channel id -> its handle, for the posts' author_handle
        self.feeds: dict[str, tuple[str, bytes, datetime, feedmap.Feed]] = {}  # read at the lookup
        self.gone: set[str] = set()  # channels found gone mid-sweep: no deletion is judged for them
        self.swept: str | None = None  # the channel whose timeline page was read last (confirm_gone's)
        self.loop: Loop | None = None  # the current sweep's tokens and videos (a list that loops ends)
        self.secrets = [k.reveal() for k in self.keys]  # only to take them out of what is kept

    def attach_store(self, con: Any) -> None:
        """The engine and the planner hand the store over: the quota used today is kept there."""
        self.quota.attach(con, self.clock.utcnow())

    # -- requests ------------------------------------------------------------------------------
    def _call(self, endpoint: str, params: dict[str, Any], what: str) -> tuple[httpx.Response, str]:
        """One Data API call, paid by the first key with units left; a key Google says is spent
        hands over to the next. Returns the response, its body and URL without any key, and that URL.

        Its unit is counted (and saved) before it is sent, so a run killed mid-request has paid for
        it; each retry (a 5xx, a timeout: Google counts them) adds one more."""
        url = f"{self.api_base}/{endpoint}"
        cost = UNIT_COST[endpoint]
        n = len(self.keys)
        while True:
            i = self.quota.pick(cost, self.clock.utcnow(), what)
            self.quota.charge(i, cost, self.clock.utcnow())
            self.meter.units = self.quota.spent_here
            before = self.meter.requests
            try:
                response = self.client.get(url, {**params, "key": self.keys[i].reveal()}, bucket=endpoint)
            except KeySpent:
                self.quota.exhaust(i, self.clock.utcnow())
                nxt = f"key {i + 2} of {n} takes over" if i + 1 < n else "no key is left"
                self.reporter.note(f"YouTube: key {i + 1} of {n} is spent for today (quotaExceeded); {nxt}")
                continue
            except (Throttled, Forbidden) as exc:
                raise RequestFailed(str(exc), url=strip_key(httpx.URL(url, params=params)), status=403) from None
            except KeyRefused as exc:
                raise AuthError(key_error_text(exc.code, exc.found, f"key {i + 1} of {n}")) from None
            except (RequestFailed, MalformedPage) as exc:
                exc.url = self._clean(strip_key(exc.url))
                raise
            finally:
                extra = cost * (self.meter.requests - before) - cost  # retries; minus one never sent
                if extra:
                    self.quota.charge(i, extra, self.clock.utcnow())
                    self.meter.units = self.quota.spent_here
            shown = self._clean(strip_key(response.request.url))
            if (host := other_host(response, self.api_base)) is not None:
                raise RequestFailed(f"the YouTube API answer came from another host ({host})", url=shown)
            response = httpx.Response(
                response.status_code,
                headers=[(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED],
                content=redact(response.content, self.secrets),
                request=httpx.Request("GET", shown),
            )
            if response.status_code == 400:
                found, message = reasons(response.content)
                if key_refused(found, message):
                    raise AuthError(key_error_text(400, found, f"key {i + 1} of {n}"))
            return response, shown

    def _clean(self, text: str) -> str:
        return redact(text.encode(), self.secrets).decode("utf-8", "replace")

    def _web(self, url: str, params: dict[str, str] | None, bucket: str) -> tuple[httpx.Response, str]:
        response = self.client.get(url, params, bucket=bucket)
        shown = shown_url(response.request.url)
        if (host := other_host(response, self.web_base)) is not None:
            raise RequestFailed(
                f"YouTube sent this request to another host ({host}): its answer is not used", url=shown
            )
        return response, shown

    @staticmethod
    def _json(response: httpx.Response, shown: str) -> Any:
        try:
            return json_of(response)
        except MalformedPage as exc:
            exc.url = shown
            raise

    def _failed(self, exc: MalformedPage | RequestFailed) -> Page:
        self.meter.errors += 1
        fmt = mapping.FORMAT if self.keys else feedmap.FORMAT
        return failed_page(exc, platform=self.platform, fmt=fmt, retrieved_at=self.clock.utcnow(), what="lookup")

    # -- lookups -------------------------------------------------------------------------------
    def lookup_cost_bound(self, n: int) -> float:
        return 0.0  # no money: the quota is checked before each call

    def lookup(self, targets: list[Target]) -> Iterator[Page]:
        if not self.keys:
            for t in targets:
                yield from self._feed_lookup(t)
            return
        by_id = [t for t in targets if mapping.channel_key(t)]
        for i in range(0, len(by_id), PAGE_SIZE):
            chunk = by_id[i : i + PAGE_SIZE]
            ids = ",".join(dict.fromkeys(mapping.channel_key(t) or "" for t in chunk))
            yield self._guarded(lambda chunk=chunk, ids=ids: self._channels(chunk, {"id": ids}, by_id=True))
        for t in targets:
            if t not in by_id:
                yield self._guarded(lambda t=t: self._channels([t], {"forHandle": t.handle}, by_id=False))

    def _guarded(self, step: Any) -> Page:
        """A lookup page, or the failed request as a page holding its skip (a lookup is a generator:
        one that raised would end every later lookup)."""
        try:
            return step()
        except (MalformedPage, RequestFailed) as exc:
            return self._failed(exc)

    def _channels(self, chunk: list[Target], params: dict[str, str], *, by_id: bool) -> Page:
        what = "the next channel lookup"
        response, shown = self._call("channels", {"part": CHANNEL_PARTS, "maxResults": PAGE_SIZE, **params}, what)
        _ok_or_fail(response, shown)
        retrieved = self.clock.utcnow()
        try:
            mapped = mapping.map_channels(self._json(response, shown), shown, retrieved, raw_id_of(response.content))
        except ValueError as exc:
            raise MalformedPage(f"unexpected channels.list answer ({exc})", url=shown, body=response.content) from None
        asked = {mapping.channel_key(t) for t in chunk}
        if not by_id and len(mapped.channels) > 1:
            raise MalformedPage(
                f"channels.list answered {len(mapped.channels)} channels for one handle",
                url=shown,
                body=response.content,
            )
        for c in [c for c in mapped.channels if by_id and c.channel_id not in asked]:
            mapped.channels.remove(c)  # not one of this call's: not this run's to file
            mapped.skips.append(Skip(shown, None, f"channel {c.channel_id} not collected: it was not asked for"))
        found = mapping.found_channels(chunk, mapped.channels, by_id=by_id)
        for c in mapped.channels:
            if c.uploads:
                self.uploads[c.channel_id] = c.uploads
            self.handles[c.channel_id] = c.handle
        return Page(
            url=shown,
            body=response.content,
            fmt=mapping.FORMAT,
            retrieved_at=retrieved,
            profiles=[c.snapshot for c in mapped.channels],
            skips=mapped.skips,
            found=found,
            items=len(mapped.channels),
        )

    def _feed_lookup(self, t: Target) -> Iterator[Page]:
        cid = mapping.channel_key(t)
        handle = None if is_channel_id(t.handle) else t.handle
        if cid is None:
            try:
                response, shown = self._web(f"{self.web_base}/@{t.handle}", None, "channel-page")
                retrieved = self.clock.utcnow()
                page = Page(url=shown, body=response.content, fmt=HTML_FORMAT, retrieved_at=retrieved)
                if response.status_code == 404:
                    page.found = [Found(t, "not_found", user_id=t.user_id, detail="YouTube has no such handle")]
                    yield page
                    return
                _ok_or_fail(response, shown)
                ids = channel_ids_of(response.content)
                if len(ids) != 1:
                    why = (
                        f"several channel ids ({', '.join(ids[:3])})"
                        if ids
                        else "no channel id (a consent or error page?)"
                    )
                    raise MalformedPage(f"the channel page names {why}", url=shown, body=response.content)
                cid = ids[0]
            except (MalformedPage, RequestFailed) as exc:
                yield self._failed(exc)
                return
            yield page  # its raw payload is kept: it is what resolved the handle
        try:
            yield self._feed_page(t, cid, handle, lookup=True)
        except (MalformedPage, RequestFailed) as exc:
            yield self._failed(exc)

    def _feed_page(self, t: Target, cid: str, handle: str | None, *, lookup: bool) -> Page:
        """The channel's feed: at the lookup, its profile (the feed is kept for the timeline);
        in the sweep, its videos."""
        cached = None if lookup else self.feeds.pop(cid, None)
        if cached is None:
            url = f"{self.web_base}/feeds/videos.xml"
            response, shown = self._web(url, {"channel_id": cid}, "feed")
            retrieved = self.clock.utcnow()
            if response.status_code == 404:
                page = Page(url=shown, body=response.content, fmt=feedmap.FORMAT, retrieved_at=retrieved)
                page.found = [Found(t, "not_found", user_id=t.user_id, detail="the channel's feed is gone (HTTP 404)")]
                return page
            _ok_or_fail(response, shown)
            body = response.content
            try:
                parsed = feedmap.parse(body, shown, retrieved, raw_id_of(body), handle)
            except feedmap.FeedError as exc:
                raise MalformedPage(str(exc), url=shown, body=body) from None
            if parsed.channel_id != cid:
                raise MalformedPage(f"the feed is another channel's ({parsed.channel_id})", url=shown, body=body)
            cached = (shown, body, retrieved, parsed)
        shown, body, retrieved, parsed = cached
        page = Page(url=shown, body=body, fmt=feedmap.FORMAT, retrieved_at=retrieved)
        if lookup:
            self.feeds[cid] = cached
            page.profiles = [feedmap.profile(parsed, shown, retrieved, raw_id_of(body), handle)]
            page.found = [Found(t, "active", user_id=cid, handle=handle)]
            page.items = 1
            return page
        page.posts, page.skips, page.seen = parsed.posts, parsed.skips, parsed.seen
        page.items, page.done = parsed.entries, True
        return page

    # -- timelines -----------------------------------------------------------------------------
    def timeline_cost_bound(self, budget_left: float | None) -> tuple[float, int | None]:
        return 0.0, None

    def timeline_page(self, target: Target, user_id: str, sweep: Sweep) -> Page:
        self.swept = user_id
        if not self.keys:
            return self._feed_page(
                target, user_id, None if is_channel_id(target.handle) else target.handle, lookup=False
            )
        cursor = sweep.cursor or ""
        if cursor.startswith("v|"):
            step = _videos_step(cursor)
            if step is not None:
                return self._videos(target, user_id, *step)
            cursor = ""  # a cursor that is not ours: the sweep starts again from the newest upload
        token = cursor[2:] if cursor.startswith("p|") and _TOKEN.fullmatch(cursor[2:]) else None
        return self._uploads(target, user_id, sweep, token)

    def _uploads(self, target: Target, user_id: str, sweep: Sweep, token: str | None) -> Page:
        playlist = self.uploads.get(user_id) or "UU" + user_id[2:]
        params: dict[str, Any] = {"part": "snippet,contentDetails", "playlistId": playlist, "maxResults": PAGE_SIZE}
        if token:
            params["pageToken"] = token
        response, shown = self._call("playlistItems", params, f"the next uploads page of {target.handle}")
        retrieved = self.clock.utcnow()
        page = Page(url=shown, body=response.content, fmt=mapping.FORMAT, retrieved_at=retrieved)
        if response.status_code == 404:
            # the uploads playlist is gone with its channel: the account's status says so; nothing is judged
            self.gone.add(user_id)
            page.found = [Found(target, "not_found", user_id=user_id, detail="its uploads playlist is gone (HTTP 404)")]
            return page
        _ok_or_fail(response, shown)
        try:
            up = mapping.map_uploads(self._json(response, shown), sweep.since_at)
        except ValueError as exc:
            raise MalformedPage(
                f"unexpected playlistItems.list answer ({exc})", url=shown, body=response.content
            ) from None
        page.items = up.items
        page.skips = [Skip(shown, None, why) for why in up.skips]
        self._no_loop(sweep, token, up, page)
        if not up.ids:
            page.next_cursor = f"p|{up.next_token}" if up.next_token else None
            page.done = page.next_cursor is None
            return page
        page.next_cursor = f"v|{up.next_token or '-'}|{','.join(up.ids)}"
        page.done = False
        return page

    def _no_loop(self, sweep: Sweep, token: str | None, up: mapping.UploadsPage, page: Page) -> None:
        """End the sweep (with a skip saying why) where the uploads list would page forever: a next
        token that is not one, or one this sweep asked already, or a page of videos all read already."""
        if self.loop is None or self.loop.sweep is not sweep:
            self.loop = Loop(sweep)
        if token:
            self.loop.tokens.add(token)
        nxt, why = up.next_token, None
        read = bool(up.ids)
        up.ids = self.loop.fresh(up.ids)  # a video read already in this sweep is not paid for twice
        if nxt is not None and not _TOKEN.fullmatch(nxt):
            why = f"its next page token {nxt[:40]!r} is not one"
        elif nxt is not None and self.loop.repeats(nxt):
            why = f"it repeats the page token {nxt[:40]!r} (the list loops)"
        elif nxt is not None and read and not up.ids:
            why = "the page lists only videos this sweep read already (the list loops)"
        if why:
            up.next_token = None
            page.skips.append(Skip(page.url, None, f"uploads list not followed further: {why}"))

    def _videos(self, target: Target, user_id: str, nxt: str, ids: list[str]) -> Page:
        params = {"part": "snippet,statistics", "id": ",".join(ids), "maxResults": PAGE_SIZE}
        response, shown = self._call("videos", params, f"the next videos page of {target.handle}")
        _ok_or_fail(response, shown)
        retrieved = self.clock.utcnow()
        body = response.content
        try:
            mapped = mapping.map_videos(
                self._json(response, shown),
                shown,
                self.handles.get(user_id),
                retrieved,
                raw_id_of(body),
                channel=user_id,
                asked=ids,
            )
        except ValueError as exc:
            raise MalformedPage(f"unexpected videos.list answer ({exc})", url=shown, body=body) from None
        page = Page(url=shown, body=body, fmt=mapping.FORMAT, retrieved_at=retrieved)
        page.posts, page.skips, page.seen, page.items = mapped.posts, mapped.skips, mapped.seen, len(mapped.posts)
        page.next_cursor = None if nxt == "-" else f"p|{nxt}"
        page.done = page.next_cursor is None
        return page

    def confirm_gone(self, candidates: list[str]) -> list[str]:
        """The deletion candidates ``videos.list`` no longer returns (deleted or made private). Without
        a key nothing is judged: the feed cannot tell a deleted video from one past its newest 15."""
        if not self.keys or not candidates or self.swept in self.gone:
            return []
        gone: list[str] = []
        for i in range(0, len(candidates), PAGE_SIZE):
            chunk = candidates[i : i + PAGE_SIZE]
            try:
                response, shown = self._call("videos", {"part": "id", "id": ",".join(chunk)}, "the deletion check")
                _ok_or_fail(response, shown)
                returned = mapping.video_ids(self._json(response, shown))
            except (MalformedPage, RequestFailed, ValueError) as exc:
                self.meter.errors += 1
                self.reporter.note(f"YouTube: deletions not judged this run: {exc}")
                return []
            gone += [v for v in chunk if v not in returned]
        return gone

    def engagement_pages(self, post_ids: list[str]) -> Iterator[Page]:
        return iter(())  # comments are not collected (docs/sources/youtube.md)

    # -- planning ------------------------------------------------------------------------------
    def lookup_plan(self, targets: list[Target]) -> PlannedRequest:
        """The lookup, in quota units (the planner's generic lookup counts money)."""
        n = len(targets)
        by_id = sum(1 for t in targets if mapping.channel_key(t))
        if not self.keys:
            requests = n + (n - by_id)
            note = f"{n} channel feeds, {n - by_id} channel pages to resolve handles; no key: no quota"
            return PlannedRequest("youtube: channel feeds", None, requests, n, 0.0, note, 0.0, "no quota", UNITS)
        requests = math.ceil(by_id / PAGE_SIZE) + (n - by_id)
        left, total = self.quota.left(self.clock.utcnow()), len(self.keys) * self.quota.daily
        note = (
            f"channels.list: {by_id} channels by id, 50 a call; {n - by_id} by handle, one a call; 1 unit a call; "
            f"{left:,} of {total:,} units left today on {len(self.keys)} key{'s' if len(self.keys) > 1 else ''}"
        )
        units = float(requests * UNIT_COST["channels"])
        return PlannedRequest("youtube: channels.list", None, requests, n, units, note, units, "", UNITS)

    def plan(self, target: Target, user_id: str | None, sweep: Sweep, posts_count: int | None) -> PlannedRequest:
        if not self.keys:
            note = "the feed read at the lookup: the newest 15 videos, no quota"
            return PlannedRequest(
                "youtube: feed", target.handle, 0, feedmap.FEED_SIZE, 0.0, note, 0.0, "no quota", UNITS
            )
        if sweep.since_id is None and sweep.since_at is None:
            videos = posts_count if posts_count is not None else PAGE_SIZE
            note = "first sweep: every upload" + (
                f" ({posts_count} videos)" if posts_count is not None else " (no known video count: one page assumed)"
            )
            checks = 0  # nothing stored to judge deleted (imported videos aside)
        else:
            stored = self._stored_since(user_id, sweep.since_at)
            videos = PAGE_SIZE + stored
            note = (
                f"incremental: the uploads since the last sweep (estimated as one page) and the {stored} stored "
                "in the recheck window, then those asked again to find deletions"
            )
            checks = max(1, math.ceil(stored / PAGE_SIZE)) * UNIT_COST["videos"]
        pages = max(1, math.ceil(videos / PAGE_SIZE))
        per_page = UNIT_COST["playlistItems"] + UNIT_COST["videos"]
        units = float(pages * per_page + checks)
        # the most a sweep can read is every upload the channel has: known from its last lookup, else
        # not bounded at all (math.inf: the dry run says "unknown", never a figure that is not a bound)
        most = math.inf if posts_count is None else float(max(pages, -(-posts_count // PAGE_SIZE)) * per_page + checks)
        basis = "1 unit a playlistItems.list page and 1 a videos.list call; deletions found cost 1 unit a 50"
        if posts_count is not None:
            basis += f"; at most: every one of the {posts_count:,} videos it had at its last lookup"
        return PlannedRequest(
            "youtube: uploads + videos", target.handle, 2 * pages + checks, videos, most, note, units, basis, UNITS
        )

    def _stored_since(self, user_id: str | None, since: datetime | None) -> int:
        """The channel's stored videos a sweep down to ``since`` reads again (the planner's store)."""
        if self.quota.con is None or user_id is None:
            return 0
        row = self.quota.con.execute(
            """SELECT count(*) FROM posts WHERE platform = 'youtube' AND author_id = ? AND deleted_at IS NULL
                 AND created_at > ?""",
            [user_id, since or datetime.min],
        ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        if self.quota.spent_here:
            now = self.clock.utcnow()
            n = len(self.keys)
            self.reporter.note(
                f"YouTube: {self.quota.spent_here} quota units used in this run; {self.quota.left(now):,} of "
                f"{n * self.quota.daily:,} left today on {n} key{'s' if n > 1 else ''}"
            )
        super().close()


def _videos_step(cursor: str) -> tuple[str, list[str]] | None:
    """``v|<next token or ->|<id,id,…>``: the videos still to fetch, and where the sweep goes after."""
    parts = cursor.split("|")
    if len(parts) != 3:
        return None
    nxt, ids = parts[1], parts[2].split(",")
    if not (nxt == "-" or _TOKEN.fullmatch(nxt)) or not 0 < len(ids) <= PAGE_SIZE:
        return None
    if not all(_VIDEO_ID.fullmatch(v) for v in ids):
        return None
    return nxt, ids


def _ok_or_fail(response: httpx.Response, shown: str) -> None:
    if response.status_code != 200:
        said = ", ".join(reasons(response.content)[0][:2])
        raise RequestFailed(
            f"YouTube answered HTTP {response.status_code}" + (f" ({said})" if said else ""),
            url=shown,
            status=response.status_code,
        )
