"""YouTube as diplotrack knows it: the spec the registries, the CLI, the config and the roster read.

A roster may write a channel by its handle (``name``, ``@name``, ``https://www.youtube.com/@name``)
or by its channel id (``UC`` and 22 characters, or ``https://www.youtube.com/channel/UC…``). The
store keeps a handle without ``@`` and a channel id as it is; the collector resolves either to the
channel id, the account's stable id. Legacy ``/c/`` and ``/user/`` addresses are refused: they name
no handle and no id, and the API resolves neither.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from diplotrack.platform_spec import PlatformSpec, Setting

KEYS_ENV = "DIPLOTRACK_YOUTUBE_API_KEYS"  # one or more Data API v3 keys, separated by commas
API_BASE_ENV = "DIPLOTRACK_YOUTUBE_API_BASE"
WEB_BASE_ENV = "DIPLOTRACK_YOUTUBE_WEB_BASE"  # the feeds and channel pages; tests and proxies
DEFAULT_API_BASE = "https://www.googleapis.com/youtube/v3"
DEFAULT_WEB_BASE = "https://www.youtube.com"
DEFAULT_DAILY_QUOTA = 10_000  # units a key may spend a day (Google's default allocation)

CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
# YouTube handles: 3 to 30 letters (any script), digits, underscores, hyphens and periods
HANDLE = re.compile(r"[\w.\-·]{3,30}")
_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com")


def is_channel_id(value: str) -> bool:
    return CHANNEL_ID.fullmatch(value) is not None


def roster_handle(value: str) -> str:
    """A channel as the roster may give it, in the one form the store keeps: the handle without
    ``@`` or the channel id. Anything else is returned as written, for ``check_channel`` to report."""
    v = value.strip()
    if v.lower().startswith(("http://", "https://", "youtube.com/", "www.youtube.com/", "m.youtube.com/")):
        parts = urlsplit(v if "://" in v else "https://" + v)
        if (parts.hostname or "").lower() not in _HOSTS:
            return v
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0].startswith("@") and len(segments[0]) > 1:
            return segments[0][1:]
        if len(segments) >= 2 and segments[0] == "channel":
            return segments[1]
        return v
    return v[1:] if v.startswith("@") and len(v) > 1 else v


def check_channel(handle: str) -> str | None:
    if is_channel_id(handle) or HANDLE.fullmatch(handle):
        return None
    if re.search(r"youtube\.com/(c|user)/", handle, re.I):
        return (
            f"'{handle}' is a legacy /c/ or /user/ address, which diplotrack does not resolve to a channel; "
            "write the channel's @handle or its channel id (UC…), both shown on its page"
        )
    return (
        f"'{handle}' is not a YouTube channel; write its handle (e.g. CGTN or @CGTN), its address "
        "(https://www.youtube.com/@CGTN) or its channel id (UC and 22 characters)"
    )


_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def post_url(post_id: str) -> str | None:
    """A video id (the stored post id) as its watch address."""
    return f"https://www.youtube.com/watch?v={post_id}" if _VIDEO_ID.fullmatch(post_id) else None


SPEC = PlatformSpec(
    name="youtube",
    label="YouTube",
    handle_form="the channel handle (name, @name or https://www.youtube.com/@name) or channel id (UC…)",
    normalize_handle=roster_handle,
    check_handle=check_channel,
    source="diplotrack.collect.youtube.client:YouTubeSource",
    settings=(
        Setting("api_keys", "Data API v3 keys", env=KEYS_ENV, secret=True, field="youtube_keys"),
        Setting("api_base", "Data API base URL", env=API_BASE_ENV, field="youtube_api_base"),
        Setting("web_base", "base URL of feeds and channel pages", env=WEB_BASE_ENV, field="youtube_web_base"),
        Setting("daily_quota", "quota units per key per day", field="youtube_daily_quota"),
    ),
    cost="quota: Data API units per call (1 for each call made), a daily quota per key; the Atom feed needs no key",
    post_url=post_url,
    cost_unit="quota units",
)
