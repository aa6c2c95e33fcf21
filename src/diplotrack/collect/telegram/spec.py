"""Telegram as diplotrack knows it: the spec the registries, the CLI, the config and the roster read."""

from __future__ import annotations

from diplotrack.platform_spec import PlatformSpec, Setting

BASE_ENV = "DIPLOTRACK_TELEGRAM_BASE"  # tests and proxies
DEFAULT_BASE = "https://t.me"
DEFAULT_THROTTLE = 2.0  # seconds between two requests: the web preview is a public page, read politely

SPEC = PlatformSpec(
    name="telegram",
    label="Telegram",
    handle_form="the channel username without @",
    settings=(
        Setting("base", "web preview base URL", env=BASE_ENV, field="telegram_base"),
        Setting("throttle", "seconds between two requests", field="telegram_throttle"),
    ),
    cost="free: public channels' web preview, no login",
)
