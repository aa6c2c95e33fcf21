"""minet's X (Twitter) tweet CSVs: the columns of twitwi's ``TWEET_FIELDS`` that ``minet twitter``
commands write (``id, timestamp_utc, local_time, user_screen_name, text, …, collection_time, …``).

One tweet a row (minet may put the input file's columns first: only the named columns are read).
Ids are X's numeric ids, as the X collector keys them. ``retweeted_id`` makes a repost,
``quoted_id`` a quote, ``to_tweetid``/``to_userid`` a reply. List cells (``hashtags``,
``mentioned_names``, ``links``, ``media_urls``) are ``|``-separated.

Counts are dated by ``collection_time``, which twitwi writes in the collecting machine's local time
without an offset: it is converted to UTC with the offset between the same row's ``local_time`` and
``timestamp_utc`` (twitwi writes both; they share the zone when minet was run with its default
timezone). A ``collection_time`` earlier than the tweet is ignored. Without ``collection_time``
the counts are dated by ``--observed-at``, else left undated.
The author columns (``user_followers``, ``user_friends``, ``user_tweets``…) become one profile
snapshot per account, from its row observed last: dated as the counts are, else by the newest of
its tweets in the file (a lower bound). ``user_url`` (the profile link, which twitwi writes
expanded) is the snapshot's ``url``; twitwi has no column for X's ``verified_type`` or affiliation.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diplotrack.importers.archive_base import CsvRowImporter
from diplotrack.importers.base import Progress, Sink
from diplotrack.importers.minet_cells import (
    LatestProfiles,
    cell_int,
    cell_time,
    epoch_time,
    local_offset,
    observation,
    opt,
    split_list,
    truthy,
    x_id,
)
from diplotrack.records import EntitySet, Post, ProfileSnapshot, Provenance, handle_key, primary_kind

NAME = "minet-x"
PLATFORM = "x"
REQUIRED = ("id", "timestamp_utc", "user_screen_name", "text", "retweeted_id", "to_tweetid", "collected_via")


def collected_at(row: dict[str, str], created_at: datetime | None) -> datetime | None:
    """The row's ``collection_time`` in UTC (see the module docstring); None when absent."""
    collected = cell_time(row, "collection_time")
    if collected is None:
        return None
    return collected - local_offset(cell_time(row, "local_time"), created_at)


def map_row(row: dict[str, str], prov: Provenance, option: datetime | None) -> tuple[Post, ProfileSnapshot | None]:
    """One row to its Post and, where the row carries author counts, a snapshot. Pure; ValueError on a bad row."""
    post_id = x_id(row.get("id"), "id")
    if post_id is None:
        raise ValueError("empty id")
    handle = (opt(row, "user_screen_name") or "").lstrip("@")
    if not handle:
        raise ValueError("empty user_screen_name")
    created_at = epoch_time(row.get("timestamp_utc"), "timestamp_utc")
    collected = collected_at(row, created_at)
    if collected is not None and created_at is not None and collected < created_at:
        collected = None  # collected before it was posted: not a time these counts were seen
    observed = observation(collected, option)
    how = "collection_time" if collected else "observed-at option" if observed else "newest tweet in file (lower bound)"
    author_id = x_id(row.get("user_id"), "user_id") or handle_key(handle)
    reposted = x_id(row.get("retweeted_id"), "retweeted_id")
    quoted = x_id(row.get("quoted_id"), "quoted_id")
    reply_to = x_id(row.get("to_tweetid"), "to_tweetid")
    reply_user = x_id(row.get("to_userid"), "to_userid") or (handle_key(u) if (u := opt(row, "to_username")) else None)
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author_id,
        author_handle=handle,
        created_at=created_at,
        text=row.get("text"),
        lang=opt(row, "lang"),
        kind=primary_kind(reposted=bool(reposted), quoted=bool(quoted), replied=bool(reply_to or reply_user)),
        provenance=prov,
        reposted_post_id=reposted,
        reposted_author_id=_user(row, "retweeted_user_id", "retweeted_user") if reposted else None,
        quoted_post_id=quoted,
        quoted_author_id=_user(row, "quoted_user_id", "quoted_user") if quoted else None,
        replied_to_post_id=reply_to,
        replied_to_author_id=reply_user,
        source_client=opt(row, "source_name"),
        like_count=cell_int(row, "like_count"),
        repost_count=cell_int(row, "retweet_count"),
        reply_count=cell_int(row, "reply_count"),
    )
    if post.like_count is not None or post.repost_count is not None:
        post.metrics_observed_at = observed
    found = EntitySet()
    for tag in split_list(row.get("hashtags")):
        found.add("hashtag", tag, tag.casefold())
    for name in split_list(row.get("mentioned_names")):
        found.add("mention", name, name.lower())
    for url in split_list(row.get("links")):
        found.add("url", url, url)
    for url in split_list(row.get("media_urls")):
        found.add("media", url, url)
    post.entities = found.items
    return post, _profile(row, author_id, handle, observed or created_at, prov, how)


def _user(row: dict[str, str], id_col: str, handle_col: str) -> str | None:
    uid = x_id(row.get(id_col), id_col)
    if uid is not None:
        return uid
    handle = opt(row, handle_col)
    return handle_key(handle) if handle else None


def _profile(
    row: dict[str, str], user_id: str, handle: str, when: datetime | None, prov: Provenance, how: str
) -> ProfileSnapshot | None:
    counts = {c: cell_int(row, c) for c in ("user_followers", "user_friends", "user_tweets")}
    if when is None or all(v is None for v in counts.values()):
        return None
    verified = opt(row, "user_verified")
    return ProfileSnapshot(
        platform=PLATFORM,
        user_id=user_id,
        observed_at=when,
        provenance=prov,
        handle=handle,
        display_name=opt(row, "user_name"),
        description=opt(row, "user_description"),
        location=opt(row, "user_location"),
        created_at=epoch_time(row.get("user_timestamp_utc"), "user_timestamp_utc") or cell_time(row, "user_created_at"),
        followers=counts["user_followers"],
        following=counts["user_friends"],
        posts_count=counts["user_tweets"],
        verified=truthy(verified) if verified is not None else None,
        status="active",
        source=f"{NAME} ({how})",
        url=opt(row, "user_url"),  # twitwi writes the profile link expanded
    )


class MinetXImporter(CsvRowImporter):
    name = NAME
    title = "minet X (Twitter) tweet CSV (twitwi columns: id, timestamp_utc, user_screen_name, text, …)"
    platform = PLATFORM
    required = REQUIRED
    map_row = staticmethod(map_row)

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        """Each row's tweet, then one profile snapshot per author (its row observed last)."""
        profiles = LatestProfiles()

        def keep(mapped: tuple[Post, ProfileSnapshot | None]) -> None:
            post, snap = mapped
            sink.add_post(post)
            if snap is not None:
                profiles.offer(snap)

        n = self.read_rows(path, sink, progress, observed_at, keep)
        profiles.emit(sink)
        return n
