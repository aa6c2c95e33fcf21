"""Collection settings: environment variables first, then the config file, then defaults.

The config file is TOML, at ``$DIPLOTRACK_CONFIG`` or ``~/.config/diplotrack/config.toml``::

    [x]
    bearer_token = "..."          # or DIPLOTRACK_X_BEARER_TOKEN
    api_base = "https://api.x.com"
    price_post_read = 0.005        # USD per post returned (X pay-per-use price list)
    price_user_read = 0.010        # USD per user returned
    reread_posts = 100             # newest stored posts each sweep re-reads for deletions (0-3200)
    [bluesky]
    api_base = "https://public.api.bsky.app"
    [mastodon.tokens]              # optional; only for instances that refuse anonymous reads
    "example.social" = "..."       # a token is sent only to the instance that issued it
    [telegram]
    base = "https://t.me"          # or DIPLOTRACK_TELEGRAM_BASE
    throttle = 2                   # seconds between two requests to the web preview
    [youtube]
    api_keys = ["...", "..."]      # or DIPLOTRACK_YOUTUBE_API_KEYS=key1,key2; none: the Atom feed only
    daily_quota = 10000            # units each key may spend a day
    [http]
    timeout = 30
    retries = 5
    backoff_initial = 1
    backoff_max = 60
    max_wait = 3600                # the longest rate-limit wait, seconds (or DIPLOTRACK_MAX_WAIT);
                                   # a longer one gives that endpoint up for the run
    max_body = 33554432            # the largest answer read, bytes (32 MiB); a bigger one fails

A credential is held in a ``Secret``: its ``str`` and ``repr`` are ``***``, so it cannot reach a
log line, an exception message or the store by accident; only the HTTP client reveals it.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplotrack.collect.bluesky import spec as bluesky
from diplotrack.collect.mastodon import spec as mastodon
from diplotrack.collect.telegram import spec as telegram
from diplotrack.collect.x import spec as x_spec
from diplotrack.collect.youtube import spec as youtube
from diplotrack.errors import UsageError

ENV_CONFIG = "DIPLOTRACK_CONFIG"
DEFAULT_CONFIG = Path("~/.config/diplotrack/config.toml")

# each platform's settings and their environment variables are named in its spec (collect/<name>/spec.py)
X_TOKEN_ENV = x_spec.TOKEN_ENV
X_BASE_ENV = x_spec.BASE_ENV
BLUESKY_BASE_ENV = bluesky.BASE_ENV
MASTODON_TOKEN_ENV = mastodon.TOKEN_ENV
MASTODON_BASE_ENV = mastodon.BASE_ENV  # tests and proxies: one base for every instance
TELEGRAM_BASE_ENV = telegram.BASE_ENV
YOUTUBE_KEYS_ENV = youtube.KEYS_ENV
YOUTUBE_API_BASE_ENV = youtube.API_BASE_ENV
YOUTUBE_WEB_BASE_ENV = youtube.WEB_BASE_ENV
MAX_WAIT_ENV = "DIPLOTRACK_MAX_WAIT"  # the longest rate-limit wait, in seconds
DEFAULT_MAX_WAIT = 3600.0

X_DEFAULT_BASE = x_spec.DEFAULT_BASE
BLUESKY_DEFAULT_BASE = bluesky.DEFAULT_BASE
# X API pay-per-use prices, USD per resource returned (docs.x.com/x-api/getting-started/pricing,
# read 2026-11); set your own in the config file when they change.
X_PRICE_POST_READ = 0.005
X_PRICE_USER_READ = 0.010
# Each X sweep re-reads at least the account's newest stored posts to notice deletions. X charges per
# post returned (deduplicated within a UTC day), so this bounds what the deletion check costs.
X_REREAD_POSTS = 100
X_TIMELINE_CAP = 3200  # the user timeline endpoint returns at most the newest 3,200 posts


class Secret:
    """A credential that prints as ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0
    retries: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_rate_limit_waits: int = 20  # 429s in a row for one request before giving up
    # the longest rate-limit wait, seconds: a reset further ahead gives that endpoint up for the run
    max_wait: float = DEFAULT_MAX_WAIT
    # the largest answer read, bytes: a bigger (or endless) body is a failed request, never all read
    max_body: int = 32 * 2**20


@dataclass(frozen=True)
class Settings:
    x_token: Secret | None = None
    x_base: str = X_DEFAULT_BASE
    x_price_post_read: float = X_PRICE_POST_READ
    x_price_user_read: float = X_PRICE_USER_READ
    x_reread_posts: int = X_REREAD_POSTS  # newest stored posts each X sweep re-reads (deletion check)
    bluesky_base: str = BLUESKY_DEFAULT_BASE
    mastodon_tokens: dict[str, Secret] = field(default_factory=dict)  # instance host -> its token
    mastodon_base: str | None = None
    telegram_base: str = telegram.DEFAULT_BASE
    telegram_throttle: float = telegram.DEFAULT_THROTTLE  # seconds between two requests
    youtube_keys: tuple[Secret, ...] = ()  # Data API v3 keys, used in turn; none: the Atom feed only
    youtube_api_base: str = youtube.DEFAULT_API_BASE
    youtube_web_base: str = youtube.DEFAULT_WEB_BASE
    youtube_daily_quota: int = youtube.DEFAULT_DAILY_QUOTA  # units per key per day
    http: HttpSettings = field(default_factory=HttpSettings)
    config_file: Path | None = None


def _config_path(environ: dict[str, str]) -> Path | None:
    if environ.get(ENV_CONFIG):
        path = Path(environ[ENV_CONFIG]).expanduser()
        if not path.exists():
            raise UsageError(f"{ENV_CONFIG} points at {path}, which does not exist; create it or unset {ENV_CONFIG}")
        return path
    path = DEFAULT_CONFIG.expanduser()
    return path if path.exists() else None


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message gives line and column, never the file's values
        raise UsageError(f"the config file {path} is not valid TOML ({exc}); fix it and retry") from None
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path} ({exc.strerror}); check its permissions") from None


def _number(section: dict[str, Any], key: str, default: float, where: str) -> float:
    value = section.get(key, default)
    # TOML has nan and inf: neither is a usable setting
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{where}: {key} must be a non-negative number")
    return float(value)


def _max_wait(env: dict[str, str], http: dict[str, Any], where: str) -> float:
    text = env.get(MAX_WAIT_ENV, "").strip()
    if not text:
        return _number(http, "max_wait", DEFAULT_MAX_WAIT, where)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{MAX_WAIT_ENV} must be a number of seconds (e.g. 3600 for one hour)")
    return value


def _reread_posts(x: dict[str, Any], where: str) -> int:
    value = _number(x, "reread_posts", X_REREAD_POSTS, where)
    if value != int(value) or value > X_TIMELINE_CAP:
        raise UsageError(f"{where}: [x] reread_posts must be a whole number from 0 to {X_TIMELINE_CAP}")
    return int(value)


def _mastodon_tokens(from_env: str | None, from_file: object, where: str) -> dict[str, Secret]:
    """``host=token[,host=token…]`` from the environment, then ``[mastodon.tokens]`` from the file."""
    tokens: dict[str, Secret] = {}
    if isinstance(from_file, dict):
        for host, value in from_file.items():
            if not isinstance(value, str) or not value.strip():
                raise UsageError(f"{where}: [mastodon.tokens] {host} must be a token in quotes")
            tokens[str(host).strip().lower()] = Secret(value.strip())
    elif from_file is not None:
        raise UsageError(f'{where}: [mastodon] tokens must be a table of "instance" = "token" lines')
    if from_env:
        for pair in from_env.split(","):
            host, sep, value = pair.partition("=")
            if not sep or not host.strip() or not value.strip():
                # never echo the value: it is a credential
                raise UsageError(
                    f"{MASTODON_TOKEN_ENV} must be instance=token pairs separated by commas "
                    "(a token works only on the instance that issued it)"
                )
            tokens[host.strip().lower()] = Secret(value.strip())
    return tokens


def _youtube_keys(from_env: str | None, from_file: object, where: str) -> tuple[Secret, ...]:
    """Keys from the environment (``key1,key2``), else ``[youtube] api_keys`` (a list or one key)."""
    if from_env and from_env.strip():
        values = [k.strip() for k in from_env.split(",")]
    elif from_file is None:
        return ()
    elif isinstance(from_file, str):
        values = [from_file.strip()]
    elif isinstance(from_file, list) and all(isinstance(k, str) for k in from_file):
        values = [k.strip() for k in from_file]
    else:
        raise UsageError(f'{where}: [youtube] api_keys must be a list of keys in quotes, e.g. api_keys = ["..."]')
    if any(not v for v in values):
        # never echo a value: each is a credential
        raise UsageError(
            f"YouTube API keys must be non-empty, separated by commas ({YOUTUBE_KEYS_ENV} or [youtube] api_keys)"
        )
    return tuple(Secret(v) for v in dict.fromkeys(values))


def _section(cfg: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    """The ``[name]`` table of the config file ({} when absent); a value that is not a table is refused."""
    value = cfg.get(name, {})
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {name} must be a table ([{name}] and its settings below it), not a single value")
    return value


def _text(section: dict[str, Any], name: str, key: str, where: str) -> str | None:
    """A text setting (None when absent); never echoes the value (it may be a credential)."""
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f'{where}: [{name}] {key} must be text in quotes, e.g. {key} = "..."')
    return value


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    path = _config_path(env)
    cfg = _read_config(path)
    where = str(path)
    x, bsky, masto, http = (_section(cfg, k, where) for k in ("x", "bluesky", "mastodon", "http"))
    tg, yt = (_section(cfg, k, where) for k in ("telegram", "youtube"))
    quota = _number(yt, "daily_quota", youtube.DEFAULT_DAILY_QUOTA, where)
    if quota != int(quota) or quota < 1:
        raise UsageError(f"{where}: [youtube] daily_quota must be a whole number of units, at least 1")

    def secret(env_name: str, section: dict[str, Any], key: str) -> Secret | None:
        value = env.get(env_name) or _text(section, "x", key, where)
        return Secret(str(value).strip()) if value else None

    return Settings(
        x_token=secret(X_TOKEN_ENV, x, "bearer_token"),
        x_base=(env.get(X_BASE_ENV) or _text(x, "x", "api_base", where) or X_DEFAULT_BASE).rstrip("/"),
        x_price_post_read=_number(x, "price_post_read", X_PRICE_POST_READ, where),
        x_price_user_read=_number(x, "price_user_read", X_PRICE_USER_READ, where),
        x_reread_posts=_reread_posts(x, where),
        bluesky_base=(
            env.get(BLUESKY_BASE_ENV) or _text(bsky, "bluesky", "api_base", where) or BLUESKY_DEFAULT_BASE
        ).rstrip("/"),
        mastodon_tokens=_mastodon_tokens(env.get(MASTODON_TOKEN_ENV), masto.get("tokens"), where),
        mastodon_base=(env.get(MASTODON_BASE_ENV) or _text(masto, "mastodon", "api_base", where) or "").rstrip("/")
        or None,
        telegram_base=(
            env.get(TELEGRAM_BASE_ENV) or _text(tg, "telegram", "base", where) or telegram.DEFAULT_BASE
        ).rstrip("/"),
        telegram_throttle=_number(tg, "throttle", telegram.DEFAULT_THROTTLE, where),
        youtube_keys=_youtube_keys(env.get(YOUTUBE_KEYS_ENV), yt.get("api_keys"), where),
        youtube_api_base=(
            env.get(YOUTUBE_API_BASE_ENV) or _text(yt, "youtube", "api_base", where) or youtube.DEFAULT_API_BASE
        ).rstrip("/"),
        youtube_web_base=(
            env.get(YOUTUBE_WEB_BASE_ENV) or _text(yt, "youtube", "web_base", where) or youtube.DEFAULT_WEB_BASE
        ).rstrip("/"),
        youtube_daily_quota=int(quota),
        http=HttpSettings(
            timeout=_number(http, "timeout", 30.0, where),
            retries=int(_number(http, "retries", 5, where)),
            backoff_initial=_number(http, "backoff_initial", 1.0, where),
            backoff_max=_number(http, "backoff_max", 60.0, where),
            max_wait=_max_wait(env, http, where),
            max_body=max(1, int(_number(http, "max_body", HttpSettings.max_body, where))),
        ),
        config_file=path,
    )
