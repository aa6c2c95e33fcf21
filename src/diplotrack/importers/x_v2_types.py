"""The shapes of X API v2 objects diplotrack reads, as msgspec structs.

Only the fields the mapping uses are declared; everything else in a payload is skipped by the
decoder without being materialised (which is what makes large imports fast), and stays in the
raw payload. One ``XObject`` covers tweets and users (a users lookup puts users in ``data``;
twarc's flattened form puts full tweets in ``referenced_tweets`` and users in ``author``).
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET, Raw, Struct, UnsetType


class Metrics(Struct, kw_only=True):
    """Counts: a float (``1e20``, ``2.5``) decodes too, so that the mapping refuses it for its tweet
    or user only (x_v2_map._count) rather than the decoder for the whole line."""

    like_count: int | float | None = None
    retweet_count: int | float | None = None
    reply_count: int | float | None = None
    quote_count: int | float | None = None
    followers_count: int | float | None = None
    following_count: int | float | None = None
    tweet_count: int | float | None = None


class Tag(Struct, kw_only=True):
    tag: str | None = None


class Mention(Struct, kw_only=True):
    username: str | None = None


class Url(Struct, kw_only=True):
    url: str | None = None
    expanded_url: str | None = None
    unwound_url: str | None = None
    media_key: str | None = None


class UrlList(Struct, kw_only=True):
    urls: list[Url] | None = None


class Entities(Struct, kw_only=True):
    """A tweet's entities, or a user's: ``url`` (the profile link, expanded) is a user's only."""

    hashtags: list[Tag] | None = None
    cashtags: list[Tag] | None = None
    mentions: list[Mention] | None = None
    urls: list[Url] | None = None
    url: UrlList | None = None


class Affiliation(Struct, kw_only=True):
    """A user's ``affiliation``: the organisation X says the account belongs to."""

    description: str | None = None
    url: str | None = None


class Attachments(Struct, kw_only=True):
    media_keys: list[str] | None = None


class XObject(Struct, kw_only=True):
    """A tweet or a user (or a ``{type, id}`` reference to a tweet)."""

    id: str | int | None = None
    type: str | None = None  # in referenced_tweets
    # tweet fields
    text: str | None = None
    author_id: str | int | None = None
    created_at: str | None = None
    lang: str | None = None
    conversation_id: str | int | None = None
    in_reply_to_user_id: str | int | None = None
    source: str | None = None
    referenced_tweets: list[XObject] | None = None
    public_metrics: Metrics | None = None
    entities: Entities | None = None
    attachments: Attachments | None = None
    author: XObject | None = None  # twarc flattened
    in_reply_to_user: XObject | None = None  # twarc flattened
    # user fields
    username: str | None = None
    name: str | None = None
    description: str | None = None
    location: str | None = None
    verified: bool | None = None
    verified_type: str | None = None  # blue, business, government, none
    affiliation: Affiliation | None = None
    url: str | None = None  # the profile link as X shortens it (t.co); entities.url has it expanded
    protected: bool | None = None


class Media(Struct, kw_only=True):
    media_key: str | None = None
    type: str | None = None
    url: str | None = None
    preview_image_url: str | None = None


class Includes(Struct, kw_only=True):
    users: list[XObject] | None = None
    tweets: list[XObject] | None = None
    media: list[Media] | None = None


class Twarc(Struct, kw_only=True):
    retrieved_at: str | None = None
    url: str | None = None


class Line(XObject, kw_only=True, rename={"twarc": "__twarc"}):
    """One JSONL line: an API page (data/includes/errors) or a flattened tweet or user."""

    data: list[XObject] | XObject | None | UnsetType = UNSET
    includes: Includes | None | UnsetType = UNSET
    errors: list[Raw] | None | UnsetType = UNSET
    twarc: Twarc | None = None


LINE_DECODER = msgspec.json.Decoder(Line)
