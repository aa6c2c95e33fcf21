"""YouTube as diplotrack knows it: the spec the registries, the CLI, the config and the roster read."""

from __future__ import annotations

from diplotrack.platform_spec import PlatformSpec, Setting

KEYS_ENV = "DIPLOTRACK_YOUTUBE_API_KEYS"  # one or more Data API v3 keys, separated by commas
API_BASE_ENV = "DIPLOTRACK_YOUTUBE_API_BASE"
WEB_BASE_ENV = "DIPLOTRACK_YOUTUBE_WEB_BASE"  # the feeds and channel pages; tests and proxies
DEFAULT_API_BASE = "https://www.googleapis.com/youtube/v3"
DEFAULT_WEB_BASE = "https://www.youtube.com"
DEFAULT_DAILY_QUOTA = 10_000  # units a key may spend a day (Google's default allocation)

SPEC = PlatformSpec(
    name="youtube",
    label="YouTube",
    handle_form="the channel handle without @",
    settings=(
        Setting("api_keys", "Data API v3 keys", env=KEYS_ENV, secret=True, field="youtube_keys"),
        Setting("api_base", "Data API base URL", env=API_BASE_ENV, field="youtube_api_base"),
        Setting("web_base", "base URL of feeds and channel pages", env=WEB_BASE_ENV, field="youtube_web_base"),
        Setting("daily_quota", "quota units per key per day", field="youtube_daily_quota"),
    ),
    cost="quota: Data API units per call, a daily quota per key; the Atom feed needs no key",
)
