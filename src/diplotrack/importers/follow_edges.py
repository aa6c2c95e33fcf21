"""Follow edges: a CSV of who follows whom, ``follower,followed`` (handles), optionally with
``platform`` and ``observed_at`` columns.

The CHC 2021 follow edges (centre-for-humanities-computing/china-twitter, README table 4) are in
this form: 1,075 edges among 46 accounts. A list of follows is a snapshot: each edge is dated by
its row's ``observed_at``, else ``--observed-at``, else the file's modification time (the
``source`` column says which). Handles become the ``handle:<lower handle>`` placeholder ids, so
they join the roster's accounts like every handle-only source.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson

from diplotrack.importers.base import Progress, Sink, csv_header, file_mtime, parse_time, quote_value, read_csv_rows
from diplotrack.platforms import PLATFORMS
from diplotrack.records import FollowEdge, Provenance, handle_key

NAME = "follow-edges"
REQUIRED = ("follower", "followed")


class FollowEdgesImporter:
    name = NAME
    title = "Follow edges CSV (follower, followed)"
    platform = "x"

    def sniff(self, head: bytes, path: Path) -> bool:
        header = set(csv_header(head))
        return set(REQUIRED) <= header and "text" not in header

    def read(self, path: Path, sink: Sink, progress: Progress, *, observed_at: datetime | None) -> int:
        if observed_at is not None:
            default, how = observed_at, "observed-at option"
        else:
            default, how = file_mtime(path), "file modification time"

        def one(row: dict[str, str], file: str, line: int) -> None:
            raw_id = sink.add_raw(NAME, orjson.dumps(row), file=file, line=line, retrieved_at=None)
            sink.add_follow_edge(map_row(row, default, how, Provenance(NAME, file, line, raw_id, None)))  # type: ignore[attr-defined]

        return read_csv_rows(path, sink, progress, REQUIRED, one)


def map_row(row: dict[str, str], default: datetime, how: str, prov: Provenance) -> FollowEdge:
    follower = (row.get("follower") or "").strip().lstrip("@")
    followed = (row.get("followed") or "").strip().lstrip("@")
    if not follower or not followed:
        raise ValueError("empty follower or followed")
    platform = (row.get("platform") or "x").strip().lower()
    if platform not in PLATFORMS:
        raise ValueError(f"platform {quote_value(platform)} is not one of {', '.join(PLATFORMS)}")
    when, source = default, f"{NAME} ({how})"
    if (row.get("observed_at") or "").strip():
        try:
            given = parse_time(row["observed_at"].strip())
        except ValueError as exc:
            why = "is not a date" if "out of the range" not in str(exc) else "is out of the range of dates"
            raise ValueError(f"observed_at {quote_value(row['observed_at'])} {why}") from None
        if given is not None:  # NA / NULL: no date given, the default applies
            when, source = given, f"{NAME} (observed_at column)"
    return FollowEdge(
        platform=platform,
        follower_id=handle_key(follower),
        followed_id=handle_key(followed),
        follower_handle=follower,
        followed_handle=followed,
        observed_at=when,
        source=source,
        provenance=prov,
    )
