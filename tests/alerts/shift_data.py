"""A store for the tone_shift and topic_shift tests: tracked accounts with 60 enriched posts in a
baseline of 90 days and 20 in the 14 days after it, whose tone and topics change (or nearly change)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rule_data import enrich, post, track, write

END = datetime(2026, 11, 30, 18, 0)
RECENT_START = END - timedelta(days=14)
BASE_TONES = [0.0, 0.1, -0.1, 0.0, 0.05, -0.05]
BASE_TOPICS = [["taiwan"], ["economy"], ["economy"], ["economy", "trade"], [], ["economy"], ["taiwan"], ["culture"]]

# covid on 3 of 20 recent posts (15%, none before); the other topics within 10 points of the baseline
DE_TOPICS = [["covid"], ["economy"], ["economy"], ["taiwan"], ["economy"], ["culture"], ["economy"]]

# per account: (handle, user id, recent tones, recent topics, recent posts); None: no score
ACCOUNTS: list[tuple[str, str, list[Any], list[list[str]], int]] = [
    # turns confrontational, and onto Taiwan
    (
        "ChinaEmbFR",
        "1001",
        [0.5, 0.4, 0.6, 0.3, 0.55],
        [["taiwan"], ["taiwan", "sovereignty"], ["taiwan"], ["economy"]],
        20,
    ),
    # a little sharper (0.12 on average) and covid up 15 points: clear, but under the minimum changes
    ("ChinaEmbDE", "1002", [0.15, 0.1, 0.2, 0.05, 0.12], DE_TOPICS, 20),
    # recent posts in a language the tone cues do not cover: no score, no topics (not a neutral tone)
    ("ChinaEmbIT", "1003", [None], [], 20),
    # sharp and all on Taiwan, but only 6 recent posts
    ("ChinaEmbES", "1004", [0.7], [["taiwan"]], 6),
]


def build(con) -> None:  # type: ignore[no-untyped-def]
    records = []
    rows = []
    for handle, uid, tones, topics, n_recent in ACCOUNTS:
        track(con, handle, uid)
        for i in range(60):  # the baseline: every 1.25 days, from 90 days before the recent window
            pid = f"{uid}{i:03d}"
            records.append(post(pid, uid, RECENT_START - timedelta(days=90) + timedelta(days=1.25 * i, hours=1)))
            rows.append((pid, BASE_TONES[i % len(BASE_TONES)], BASE_TOPICS[i % len(BASE_TOPICS)]))
        for i in range(n_recent):  # the recent window, ending at END
            pid = f"{uid}{500 + i:03d}"
            records.append(post(pid, uid, END - timedelta(hours=16 * (n_recent - 1 - i))))
            rows.append((pid, tones[i % len(tones)], topics[i % len(topics)] if topics else None))
        # a repost of a sharp post on the last day is someone else's text: in neither window
        records.append(post(f"{uid}999", uid, END, "RT @x: sharp words", kind="repost", reposted_post_id="5"))
        rows.append((f"{uid}999", 0.9, ["military"]))
    write(con, records)
    enrich(con, rows)


def shift_store(tmp_path_factory, new_store):  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("shift") / "s.duckdb"
    con = new_store(path)
    build(con)
    return con
