"""X as diplotrack knows it: the spec the registries, the CLI, the config and the roster read."""

from __future__ import annotations

from diplotrack.platform_spec import PlatformSpec, Setting

TOKEN_ENV = "DIPLOTRACK_X_BEARER_TOKEN"
BASE_ENV = "DIPLOTRACK_X_API_BASE"
DEFAULT_BASE = "https://api.x.com"


def post_url(post_id: str) -> str | None:
    return f"https://x.com/i/web/status/{post_id}" if post_id.isdigit() else None


SPEC = PlatformSpec(
    name="x",
    label="X",
    handle_form="the username without @ (e.g. MFA_China)",
    source="diplotrack.collect.x.client:XSource",
    settings=(
        Setting("bearer_token", "bearer token", env=TOKEN_ENV, secret=True, field="x_token"),
        Setting("api_base", "API base URL", env=BASE_ENV, field="x_base"),
        Setting("price_post_read", "price of a post returned (USD)", field="x_price_post_read"),
        Setting("price_user_read", "price of a user returned (USD)", field="x_price_user_read"),
        Setting("reread_posts", "number of newest stored posts each sweep re-reads", field="x_reread_posts"),
    ),
    required_secret="bearer_token",
    post_url=post_url,
    cost="pay per use: USD per post and per user returned ([x] price_post_read, price_user_read)",
)
