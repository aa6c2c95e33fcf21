"""A local YouTube for collector tests and benchmarks: the Data API v3 endpoints the collector uses
(``channels``, ``playlistItems``, ``videos``), the channel feed and channel pages.

Run it inside ``apiservers.LocalServer`` (which adds the fault queue). Channels and videos are
synthesised from the real fixtures in tests/fixtures/youtube (channels.list of Google and Google
Developers, their playlist items and videos; MIT, sns-sdks/python-youtube; the IFT channel feed's
structure, MPL-2.0, dyeray/podtube), given new ids: ``YouTubeApi(n_channels, n_videos)`` makes any
size of channel. It checks the ``key`` parameter (an unknown key: 400 ``API_KEY_INVALID``), counts
units per key against a daily quota (spent: 403 ``quotaExceeded``, Google's documented bodies,
built-*.json), and pages uploads 50 at a time, newest first.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from apiservers import Reply, Request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
API = "/youtube/v3"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def channel_id(i: int) -> str:
    return f"UCsynth{i:017d}"  # UC and 22 characters, as YouTube's


def video_id(n: int) -> str:
    return f"v{n:010d}"  # 11 characters, as YouTube's


def _when(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


class YouTubeApi:
    """The app: channels ``chan000``… (handles) with ``n_videos`` uploads each (or the i-th of a list),
    one hour apart."""

    def __init__(
        self,
        n_channels: int,
        n_videos: int | list[int],
        *,
        keys: dict[str, int] | None = None,
        newest: datetime = datetime(2026, 11, 1, tzinfo=UTC),
    ) -> None:
        self.keys = dict(keys or {"key-one-SECRET": 10_000, "key-two-SECRET": 10_000})  # key -> daily units
        self.used: dict[str, int] = dict.fromkeys(self.keys, 0)
        real_channels = _load("channels_list_google_2ch_statistics_uploads.json")["items"]
        snippets = [it["snippet"] for it in _load("playlistItems_list_page1.json")["items"]]
        snippets += [it["snippet"] for it in _load("playlistItems_list_page2.json")["items"]]
        snippets += [it["snippet"] for it in _load("built-videos_list_statistics.json")["items"]]
        self.channels: dict[str, dict] = {}
        self.videos: dict[str, list[dict]] = {}  # channel id -> its videos, newest first
        self.hidden_subscribers: set[str] = set()
        self.delay = 0.0  # seconds before each answer (a kill test needs a run that takes a while)
        self.seq = 0
        for i in range(n_channels):
            cid = channel_id(i)
            c = copy.deepcopy(real_channels[i % len(real_channels)])
            c["id"] = cid
            c["snippet"]["customUrl"] = f"@chan{i:03d}"
            c["contentDetails"]["relatedPlaylists"]["uploads"] = "UU" + cid[2:]
            self.channels[cid] = c
            self.videos[cid] = []
            for k in range(n_videos if isinstance(n_videos, int) else n_videos[i]):
                src = snippets[(i * 5 + k) % len(snippets)]
                self._add(
                    cid, src["title"], src.get("description", ""), newest - timedelta(hours=k, minutes=i), end=True
                )

    # -- state a test changes ------------------------------------------------------------------
    def _add(self, cid: str, title: str, description: str, when: datetime, *, end: bool = False) -> str:
        self.seq += 1
        n = self.seq
        stats = {"viewCount": str(1000 + 37 * n), "favoriteCount": "0"}
        if n % 5:
            stats["likeCount"] = str(10 + n)  # every fifth video hides its likes
        if n % 7:
            stats["commentCount"] = str(n % 13)  # every seventh has comments off
        v = {
            "kind": "youtube#video",
            "id": video_id(n),
            "snippet": {
                "publishedAt": _when(when),
                "channelId": cid,
                "title": title,
                "description": description,
                "channelTitle": self.channels[cid]["snippet"]["title"],
                "liveBroadcastContent": "none",
            },
            "statistics": stats,
        }
        if end:
            self.videos[cid].append(v)
        else:
            self.videos[cid].insert(0, v)
        return v["id"]

    def add_video(self, cid: str, title: str, when: datetime) -> str:
        return self._add(cid, title, "a new upload", when)

    def delete_video(self, cid: str, vid: str) -> None:
        self.videos[cid] = [v for v in self.videos[cid] if v["id"] != vid]

    def remove_channel(self, cid: str) -> None:
        del self.channels[cid]

    def handle_of(self, cid: str) -> str:
        return self.channels[cid]["snippet"]["customUrl"][1:]

    # -- the app -------------------------------------------------------------------------------
    def __call__(self, req: Request) -> Reply:
        reply = self._route(req)
        reply.delay = self.delay
        return reply

    def _route(self, req: Request) -> Reply:
        if req.path.startswith(API + "/"):
            return self._api(req, req.path[len(API) + 1 :])
        if req.path == "/feeds/videos.xml":
            return self._feed(req.arg("channel_id") or "")
        if req.path.startswith("/@"):
            return self._page(req.path[2:])
        return Reply(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"})

    def _api(self, req: Request, endpoint: str) -> Reply:
        key = req.arg("key")
        if key not in self.keys:
            return Reply.json(_load("built-key_invalid.json"), 400)
        if self.used[key] >= self.keys[key]:
            return Reply.json(_load("built-quota_exceeded.json"), 403)
        self.used[key] += 1
        if endpoint == "channels":
            return Reply.json(self._channels(req))
        if endpoint == "playlistItems":
            return self._playlist(req)
        if endpoint == "videos":
            return Reply.json(self._videos(req))
        return Reply.json({"error": {"code": 404, "message": "Not Found", "errors": []}}, 404)

    def _channel_view(self, cid: str) -> dict:
        c = copy.deepcopy(self.channels[cid])
        c["statistics"]["videoCount"] = str(len(self.videos[cid]))
        if cid in self.hidden_subscribers:
            c["statistics"]["hiddenSubscriberCount"] = True
            c["statistics"].pop("subscriberCount", None)
        return c

    def _channels(self, req: Request) -> dict:
        if req.arg("forHandle"):
            want = req.arg("forHandle").lstrip("@").lower()  # type: ignore[union-attr]
            ids = [c for c, v in self.channels.items() if v["snippet"]["customUrl"][1:].lower() == want]
        else:
            ids = [c for c in (req.arg("id") or "").split(",") if c in self.channels]
        items = [self._channel_view(c) for c in ids]
        out: dict = {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": len(items)}}
        if items:
            out["items"] = items  # YouTube leaves items out when nothing matched
        return out

    def _playlist(self, req: Request) -> Reply:
        playlist = req.arg("playlistId") or ""
        cid = "UC" + playlist[2:]
        if not playlist.startswith("UU") or cid not in self.channels:
            return Reply.json(_load("built-playlist_not_found.json"), 404)
        size = max(1, min(50, int(req.arg("maxResults") or 5)))
        token = req.arg("pageToken")
        offset = int(token[1:]) if token else 0
        chunk = self.videos[cid][offset : offset + size]
        items = [
            {
                "kind": "youtube#playlistItem",
                "id": f"item-{v['id']}",
                "snippet": {
                    "publishedAt": v["snippet"]["publishedAt"],
                    "channelId": cid,
                    "title": v["snippet"]["title"],
                    "playlistId": playlist,
                    "position": offset + k,
                    "resourceId": {"kind": "youtube#video", "videoId": v["id"]},
                },
                "contentDetails": {"videoId": v["id"], "videoPublishedAt": v["snippet"]["publishedAt"]},
            }
            for k, v in enumerate(chunk)
        ]
        out: dict = {
            "kind": "youtube#playlistItemListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(self.videos[cid]), "resultsPerPage": size},
        }
        if offset + size < len(self.videos[cid]):
            out["nextPageToken"] = f"T{offset + size}"
        return Reply.json(out)

    def _videos(self, req: Request) -> dict:
        wanted = set((req.arg("id") or "").split(","))
        parts = set((req.arg("part") or "").split(","))
        items = []
        for vids in self.videos.values():
            for v in vids:
                if v["id"] in wanted:
                    items.append({k: v[k] for k in ("kind", "id", *sorted(parts & {"snippet", "statistics"}))})
        return {"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": len(items)}}

    def _feed(self, cid: str) -> Reply:
        if cid not in self.channels:
            return Reply(404, b"", {"Content-Type": "text/html"})
        c = self.channels[cid]
        entries = "".join(_entry(cid, c["snippet"]["title"], v) for v in self.videos[cid][:15])
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
            'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">\n'
            f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={cid}"/>\n'
            f" <id>yt:channel:{cid}</id>\n <yt:channelId>{cid}</yt:channelId>\n"
            f" <title>{escape(c['snippet']['title'])}</title>\n"
            f" <published>{c['snippet']['publishedAt']}</published>\n{entries}</feed>\n"
        )
        return Reply(200, xml.encode(), {"Content-Type": "text/xml; charset=UTF-8"})

    def _page(self, handle: str) -> Reply:
        for cid, c in self.channels.items():
            if c["snippet"]["customUrl"][1:].lower() == handle.lower():
                html = (FIXTURES / "built-channel-page.html").read_text(encoding="utf-8")
                return Reply(200, html.replace("UCk195x4zYdMx4LhqEwhcPng", cid).encode(), {"Content-Type": "text/html"})
        return Reply(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"})


def _entry(cid: str, author: str, v: dict) -> str:
    """One feed entry, in the real feed's structure (tests/fixtures/youtube/feed_videos_xml_IFT_2021.xml)."""
    s, vid = v["snippet"], v["id"]
    likes = v["statistics"].get("likeCount", "0")
    return (
        f" <entry>\n  <id>yt:video:{vid}</id>\n  <yt:videoId>{vid}</yt:videoId>\n  <yt:channelId>{cid}</yt:channelId>\n"
        f"  <title>{escape(s['title'])}</title>\n"
        f'  <link rel="alternate" href="https://www.youtube.com/watch?v={vid}"/>\n'
        f"  <author>\n   <name>{escape(author)}</name>\n"
        f"   <uri>https://www.youtube.com/channel/{cid}</uri>\n  </author>\n"
        f"  <published>{s['publishedAt']}</published>\n  <updated>{s['publishedAt']}</updated>\n"
        f"  <media:group>\n   <media:title>{escape(s['title'])}</media:title>\n"
        f"   <media:description>{escape(s['description'])}</media:description>\n"
        f'   <media:community>\n    <media:starRating count={quoteattr(likes)} average="5.00" min="1" max="5"/>\n'
        f"    <media:statistics views={quoteattr(v['statistics']['viewCount'])}/>\n   </media:community>\n"
        "  </media:group>\n </entry>\n"
    )
