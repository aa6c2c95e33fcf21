"""The values the filter form offers (and the topic filter accepts), read once per store generation:
platforms, kinds, states and host countries the store holds, world regions, detected languages (by
posts), topics and tone labels."""

from __future__ import annotations

from diplotrack.enrich.tone import LABELS as TONES
from diplotrack.roster.model import KINDS, PLATFORMS
from diplotrack.serve.params import regions
from diplotrack.serve.reader import StoreReader


def filter_options(reader: StoreReader) -> dict[str, list[str]]:
    return reader.memo(("filter-options",), lambda: _read(reader))


def _column(reader: StoreReader, sql: str) -> list[str]:
    return [str(v) for v in reader.sql(sql).iloc[:, 0].tolist() if v is not None]


def _read(reader: StoreReader) -> dict[str, list[str]]:
    held_platforms = set(_column(reader, "SELECT DISTINCT platform FROM accounts"))
    held_kinds = set(_column(reader, "SELECT DISTINCT kind FROM actors"))
    languages = _column(
        reader,
        "SELECT lang_detected FROM rollup_posts_day WHERE lang_detected IS NOT NULL "
        "GROUP BY 1 ORDER BY sum(posts) DESC, 1 LIMIT 60",
    )
    topics = _column(reader, "SELECT DISTINCT topic FROM rollup_topics_day ORDER BY 1")
    return {
        "platform": [p for p in PLATFORMS if p in held_platforms],
        "kind": [k for k in KINDS if k in held_kinds],
        "state": _column(reader, "SELECT DISTINCT state FROM actors WHERE state IS NOT NULL ORDER BY 1"),
        "host_country": _column(
            reader, "SELECT DISTINCT host_country FROM actors WHERE host_country IS NOT NULL ORDER BY 1"
        ),
        "region": list(regions()),
        "language": languages,
        "topic": topics,
        "tone": list(TONES),
    }
