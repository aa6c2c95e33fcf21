"""The platforms registry is the one list: everything that names platforms reads it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from diplotrack import platforms
from diplotrack.collect import registry
from diplotrack.collect.clock import Clock
from diplotrack.collect.config import Settings
from diplotrack.collect.http import SilentReporter
from diplotrack.errors import UsageError


def test_every_list_of_platforms_is_the_registry() -> None:
    from diplotrack.enrich import state_media
    from diplotrack.importers import follow_edges
    from diplotrack.roster import model

    assert model.PLATFORMS is platforms.PLATFORMS
    assert follow_edges.PLATFORMS is platforms.PLATFORMS
    assert state_media.PLATFORMS is platforms.PLATFORMS
    assert registry.PLATFORMS is platforms.COLLECTABLE
    assert platforms.PLATFORMS == ("x", "bluesky", "mastodon", "youtube", "telegram", "mfa")
    assert platforms.COLLECTABLE == ("x", "bluesky", "mastodon", "youtube", "telegram")


@pytest.mark.parametrize("name", platforms.COLLECTABLE)
def test_a_collectable_spec_builds_its_source(name: str) -> None:
    spec = platforms.BY_NAME[name]
    source = registry.build_source(name, Settings(), Clock(), SilentReporter())
    try:
        assert (source.platform, source.label) == (spec.name, spec.label)
    finally:
        source.close()
    for setting in spec.settings:
        assert setting.field is not None and hasattr(Settings(), setting.field), setting


@pytest.mark.parametrize("name", ["mfa", "myspace"])
def test_a_platform_without_collector_is_refused_in_one_sentence(name: str) -> None:
    with pytest.raises(
        UsageError,
        match=f"cannot collect from '{name}'; collectable platforms: x, bluesky, mastodon, youtube, telegram",
    ):
        registry.build_source(name, Settings(), Clock(), SilentReporter())


def test_roster_handle_rules_come_from_the_spec() -> None:
    from diplotrack.roster import checks

    mastodon = platforms.BY_NAME["mastodon"]
    assert checks.stored_handle("mastodon", " https://Mastodon.Social/@alice ") == "alice@mastodon.social"
    assert checks.stored_handle("x", " https://Mastodon.Social/@alice ") == " https://Mastodon.Social/@alice "
    assert checks.check_handle("mastodon", "alice") == mastodon.check_handle("alice")  # type: ignore[misc]
    assert checks.check_handle("mastodon", "alice") is not None
    assert checks.check_handle("x", "alice") is None
    assert checks.check_handle("youtube", "@alice") == "write the handle without @ ('alice')"
    assert checks.stored_handle("youtube", " https://www.youtube.com/@CGTN ") == "CGTN"
    assert checks.check_handle("youtube", "https://www.youtube.com/c/CGTN") is not None
    assert checks.stored_handle("telegram", " https://t.me/s/MFA_Russia ") == "MFA_Russia"
    assert checks.check_handle("telegram", "mfa") is not None


def test_the_collect_help_lists_the_collectable_platforms() -> None:
    from diplotrack.cli.collect import _PLATFORM
    from diplotrack.cli.main import app

    assert _PLATFORM.help == "x, bluesky, mastodon, youtube or telegram (repeatable; default: all tracked)."
    (collect,) = [c for c in app.registered_commands if c.name == "collect"]
    assert collect.help == "Collect new posts and profiles from the X, Bluesky, Mastodon, YouTube and Telegram APIs."


def test_the_registry_loads_no_http_code() -> None:
    """The roster, importers and enrichment read the specs: they must not pull in the collectors' clients."""
    code = (
        "import sys, diplotrack.platforms; "
        "print(sorted(m for m in sys.modules if m in ('httpx', 'duckdb') or m.endswith('.client')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("platform", "post_id", "url"),
    [
        ("x", "1200", "https://x.com/i/web/status/1200"),
        ("bluesky", "at://did:plc:abc/app.bsky.feed.post/3k2", "https://bsky.app/profile/did:plc:abc/post/3k2"),
        ("telegram", "mfa_russia/1042", "https://t.me/mfa_russia/1042"),
        ("youtube", "dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("mastodon", "https://mastodon.social/@a/1", "https://mastodon.social/@a/1"),
        ("x", "derived:ab12", None),
        ("telegram", "x/1", None),
        ("youtube", "short", None),
        ("mfa", "fmprc:2020-01-02:3", None),
    ],
)
def test_a_posts_address_comes_from_its_platforms_spec(platform: str, post_id: str, url: str | None) -> None:
    from diplotrack.serve.pages.posts import post_url

    assert post_url(platform, post_id) == url
