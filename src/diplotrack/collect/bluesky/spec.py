"""Bluesky as diplotrack knows it: the spec the registries, the CLI, the config and the roster read."""

from __future__ import annotations

from diplotrack.platform_spec import PlatformSpec, Setting

BASE_ENV = "DIPLOTRACK_BLUESKY_API_BASE"
DEFAULT_BASE = "https://public.api.bsky.app"


def post_url(post_id: str) -> str | None:
    """``at://<did>/app.bsky.feed.post/<rkey>`` as its bsky.app address."""
    parts = post_id[5:].split("/") if post_id.startswith("at://") else []
    if len(parts) == 3 and parts[1] == "app.bsky.feed.post":
        return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"
    return None


SPEC = PlatformSpec(
    name="bluesky",
    label="Bluesky",
    handle_form="the handle without @ (e.g. alice.bsky.social) or the DID",
    source="diplotrack.collect.bluesky.client:BlueskySource",
    settings=(Setting("api_base", "public AppView base URL", env=BASE_ENV, field="bluesky_base"),),
    cost="free: the public AppView needs no login",
    post_url=post_url,
)
