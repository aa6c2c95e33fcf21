"""Bluesky engagement to records: who reposted, liked and quoted a post. Pure.

Engagement (``getRepostedBy``, ``getLikes``, ``getQuotes``): one ``Engagement`` per entry, dated by
the like's ``createdAt`` or the quote post's ``createdAt``; ``getRepostedBy`` gives no time. Quote
posts are also emitted as posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from diplotrack.collect.bluesky.mapping import (
    ENGAGEMENT_KIND,
    ITEMS_KEY,
    LIKES,
    PLATFORM,
    REPOSTED_BY,
    SOURCE,
    PagePosts,
    as_dict,
    as_str,
    as_time,
    handle_of,
    map_post_view,
)
from diplotrack.provenance import Prov
from diplotrack.records import Engagement, Post, Skip


# -- engagement --------------------------------------------------------------------------------
@dataclass
class EngagementPage:
    engagements: list[Engagement] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    next_cursor: str | None = None
    items: int = 0


def map_engagement(
    nsid: str, data: dict[str, Any], post_id: str, *, url: str, raw_id: str | None, observed: datetime
) -> EngagementPage:
    """One ``getRepostedBy``/``getLikes``/``getQuotes`` output about the post ``post_id``."""
    kind = ENGAGEMENT_KIND[nsid]
    key = ITEMS_KEY[nsid]
    prov = Prov(SOURCE, url, None, raw_id)
    out = PagePosts(url)
    engagements: list[Engagement] = []
    entries = data.get(key) or []
    for i, entry in enumerate(entries):
        at = f"/{key}/{i}"
        entry = as_dict(entry)
        if nsid == REPOSTED_BY:
            actor, when, own_post = entry, None, None
        elif nsid == LIKES:
            actor, when, own_post = as_dict(entry.get("actor")), as_time(entry.get("createdAt")), None
        else:
            post = out.add(lambda entry=entry, at=at: map_post_view(entry, prov(at), observed), at)
            if post is None:
                continue
            actor, when, own_post = as_dict(entry.get("author")), post.created_at, post.post_id
        did = as_str(actor.get("did"))
        if did is None:
            out.skips.append(Skip(url, None, f"{kind} at {at} not mapped: no actor did"))
            continue
        engagements.append(
            Engagement(
                platform=PLATFORM,
                post_id=post_id,
                kind=kind,
                actor_user_id=did,
                actor_handle=handle_of(actor.get("handle")),
                engaged_at=when,
                engagement_post_id=own_post,
                observed_at=observed,
                provenance=prov(at),
            )
        )
    return EngagementPage(
        engagements=engagements,
        posts=out.posts,
        skips=out.skips,
        next_cursor=as_str(data.get("cursor")),
        items=len(entries),
    )
