"""What the demo holds besides its X timelines: the ministry's podium (platform ``mfa``), read from
the bundled remarks file without the importer, for the tests that compare the demo store with the
bundled files.

The bundled roster has 85 accounts: 81 on X and 4 on ``mfa`` (the spokespeople 华春莹, 赵立坚, 耿爽
and 陆慷). The demo imports ``mfa-spokesperson-remarks-2020-01-04-zh.csv``: 78 press-conference
pages whose titles name the date and the spokesperson, split into one statement per answer.

The pages, their speakers and dates are read here from the titles, independently of
``diplotrack.importers.mfa_statements``. The number of statements per speaker cannot be read off the
file without re-implementing the importer's splitter, so it is a fixed expectation
(``MFA_STATEMENTS``, where its numbers come from is said beside it)."""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import cache

from diplotrack.demo import demo_data_dir

MFA_FILE = "mfa-spokesperson-remarks-2020-01-04-zh.csv"
X_TIMELINES = ("MFA_China", "SpokespersonCHN", "globaltimesnews", "zlj517")  # the bundled rtweet exports

X_ACCOUNTS, MFA_ACCOUNTS = 81, 4  # the bundled roster: 85 accounts = 81 on X + 4 on the podium
MFA_HANDLES = ("华春莹", "赵立坚", "耿爽", "陆慷")  # the roster's mfa accounts (陆慷: no statement in 2020-01..04)

# Statements per speaker: what the importer's splitter (mfa_statements.split_transcript) makes of
# the bundled file, counted when the file was bundled (866 in all: data/demo/SOURCES.md and
# docs/sources/mfa-statements.md). The splitter's rules are checked against pages counted by hand
# in tests/importers/test_statements.py; here the numbers guard the demo against a change of either.
MFA_STATEMENTS = {"耿爽": 524, "赵立坚": 210, "华春莹": 132}
MFA_FIRST_DAY, MFA_LAST_DAY = date(2020, 1, 2), date(2020, 4, 29)  # the bundled slice (SOURCES.md)

# a title: 2020年1月2日外交部发言人耿爽主持例行记者会 (or 主持网上例行记者会, February 2020)
_TITLE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日外交部发言人(\w+?)主持(?:网上)?例行记者会")


@cache
def mfa_pages() -> dict[str, list[date]]:
    """speaker -> the dates of their press conferences (one page each), from the bundled file's titles."""
    out: dict[str, list[date]] = {}
    with open(demo_data_dir() / MFA_FILE, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            m = _TITLE.fullmatch(row["title"].strip())
            assert m, f"a title this reading does not know: {row['title']!r}"
            y, mo, d, speaker = m.groups()
            out.setdefault(speaker, []).append(date(int(y), int(mo), int(d)))
    return out


def mfa_posts() -> int:
    """The demo's statements in all."""
    return sum(MFA_STATEMENTS.values())


# the demo store's statements by speaker, as ``expected_mfa_rows`` gives them (plain SQL, for ``sql``)
MFA_SQL = """SELECT author_handle AS speaker, count(*) AS statements,
       count(DISTINCT conversation_id) AS pages,
       strftime(min(created_at), '%Y-%m-%d') AS first, strftime(max(created_at), '%Y-%m-%d') AS last,
       count(*) FILTER (WHERE created_at <> date_trunc('day', created_at)) AS not_at_midnight,
       count(*) FILTER (WHERE lang <> 'zh' OR kind <> 'original') AS not_zh_originals
FROM posts WHERE platform = 'mfa' GROUP BY 1 ORDER BY 1"""


def expected_mfa_rows() -> list[dict]:
    """What ``MFA_SQL`` gives on the demo store: per speaker, the fixed statement count, one
    conversation per page the titles give them, the first and last of those pages' dates, every
    statement dated at 00:00 (the corpus gives days), in Chinese and original."""
    pages = mfa_pages()
    assert set(pages) == set(MFA_STATEMENTS)  # the speakers the titles name are those counted
    days = [d for ds in pages.values() for d in ds]
    assert (min(days), max(days)) == (MFA_FIRST_DAY, MFA_LAST_DAY)
    return [
        {
            "speaker": s,
            "statements": MFA_STATEMENTS[s],
            "pages": len(pages[s]),
            "first": min(pages[s]).isoformat(),
            "last": max(pages[s]).isoformat(),
            "not_at_midnight": 0,
            "not_zh_originals": 0,
        }
        for s in sorted(pages)
    ]
