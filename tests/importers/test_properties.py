"""Property-based: random and mutated input never makes an import raise, and every line (row) is
either imported or reported as skipped."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diplotrack.importers.run import import_paths

TWARC = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2"
SMALL = ["two_tweets.jsonl", "media_tweet.jsonl", "mentions_tweet.jsonl", "edited.jsonl", "cashtags.jsonl"]
REAL_PAGES = [json.loads(line) for name in SMALL for line in (TWARC / name).read_bytes().splitlines()]
REAL_PAGES += [json.loads(line) for line in (TWARC / "streaming_output_with_error.jsonl").read_bytes().splitlines()[:7]]
REAL_PAGES += [json.loads(line) for line in (TWARC / "flat.jsonl").read_bytes().splitlines()[:3]]

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CSV_SETTINGS = settings(SETTINGS, max_examples=15)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)
# values that look like what the mapping expects, to get deeper than the first type check
plausible = st.sampled_from(["", "not a date", "2022-02-30T00:00:00Z", "12", "-1", "@", "#", "x" * 300])
plausible = plausible | json_values


def paths_of(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths_of(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths_of(v, (*prefix, i))


@st.composite
def mutated_page(draw) -> bytes:
    page = json.loads(json.dumps(draw(st.sampled_from(REAL_PAGES))))
    for _ in range(draw(st.integers(0, 6))):
        paths = [p for p in paths_of(page) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = page
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "plausible"]))
        if action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values if action == "replace" else plausible)
    line = json.dumps(page, ensure_ascii=draw(st.booleans())).encode()
    if draw(st.integers(0, 4)) == 0:  # truncated at a random offset
        line = line[: draw(st.integers(0, max(0, len(line) - 1)))]
    return line


random_line = st.one_of(
    mutated_page(),
    mutated_page(),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
)


def line_outcomes(con, path: Path) -> tuple[set[int], set[int | None]]:
    sql = "SELECT line FROM raw_payloads WHERE file = ?"
    imported = {r[0] for r in con.execute(sql, [str(path)]).fetchall()}
    skipped = {r[0] for r in con.execute("SELECT line FROM run_skips WHERE file = ?", [str(path)]).fetchall()}
    return imported, skipped


@SETTINGS
@given(st.lists(random_line, min_size=1, max_size=8, unique=True), st.sampled_from([None, "x-v2"]))
def test_mutated_pages_never_raise_and_every_line_is_accounted_for(new_store, lines, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pages.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        con = new_store(Path(tmp) / "s.duckdb")
        try:
            report = import_paths(con, [path], fmt=fmt)
            imported, skipped = line_outcomes(con, path)
            assert all(s.file == str(path) for s in report.skipped)
            if str(path) not in report.formats:  # the whole file was not recognised: one file-level skip
                assert [s.line for s in report.skipped] == [None]
                return
            nonblank = {i for i, line in enumerate(lines, 1) if line.strip()}
            assert skipped - {None} <= nonblank
            assert imported <= nonblank
            assert nonblank <= imported | skipped, (nonblank, imported, skipped)
            assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchone()[0] == 0
            assert all(s.reason for s in report.skipped)
        finally:
            con.close()


# -- CSV importers ------------------------------------------------------------------------------

cell = st.text(alphabet=st.characters(blacklist_characters="\r\x00", blacklist_categories=("Cs",)), max_size=30)
dates = (
    st.sampled_from(["2022-01-01T00:00:00Z", "2021-12-31 23:59:59", "2020-02-29", "", "yesterday", "2022-13-01", "NA"])
    | cell
)
counts = st.sampled_from(["0", "12", "", "NA", "1.5", "-3", "many"]) | st.integers(0, 10**6).map(str)
engagements = st.sampled_from(["retweeted", "replied_to", "quoted", "original", "liked", ""])
handles = st.sampled_from(["MFA_China", "zlj517", "SpokespersonCHN", "", "@globaltimesnews"])


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> list[int]:
    """Write the rows; return the physical line each row starts on."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    starts = []
    for r in rows:
        starts.append(buf.getvalue().count("\n") + 1)
        w.writerow(r)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return starts


def check_csv(new_store, header: list[str], rows: list[list[str]], key) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        starts = write_csv(path, header, rows)
        con = new_store(Path(tmp) / "s.duckdb")
        try:
            report = import_paths(con, [path])
            assert report.formats == {str(path): report.formats[str(path)]}
            skipped = {s.line for s in report.skipped}
            assert all(s.file == str(path) and s.reason for s in report.skipped)
            assert skipped <= set(starts)
            kept = [r for r, start in zip(rows, starts, strict=True) if start not in skipped]
            assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == len({key(r) for r in kept})
        finally:
            con.close()


@CSV_SETTINGS
@given(st.lists(st.tuples(dates, cell, counts, counts, handles), min_size=1, max_size=10))
def test_random_rtweet_rows(new_store, rows):
    header = ["created_at", "full_text", "retweet_count", "favorite_count", "screen_name"]
    check_csv(
        new_store,
        header,
        [list(r) for r in rows],
        key=lambda r: (r[4].lstrip("@").lower(), r[0].strip(), r[1]),
    )


@CSV_SETTINGS
@given(st.lists(st.tuples(dates, handles, handles, engagements, cell), min_size=1, max_size=10))
def test_random_chc_rows(new_store, rows):
    header = ["created_at", "mentionee", "mentioner", "retweet", "category", "category_mentionee", "text"]
    full = [[d, me, mr, rt, "Neither", "Diplomat", text] for d, me, mr, rt, text in rows]
    check_csv(new_store, header, full, key=lambda r: (r[2].lstrip("@").lower(), r[0].strip(), r[3].strip(), r[6]))


@CSV_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3", "", "x"]),
            handles,
            dates,
            cell,
            st.sampled_from(["True", "False", "", "maybe"]),
            counts,
            st.sampled_from(["[]", "[a, b]", "['a', 'b']", "", "[", "['x"]) | cell,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_random_io_archive_rows(new_store, rows):
    header = [
        "tweetid",
        "userid",
        "user_screen_name",
        "follower_count",
        "following_count",
        "account_creation_date",
        "tweet_time",
        "tweet_text",
        "is_retweet",
        "like_count",
        "hashtags",
    ]
    full = [[tid, "u" + tid, h, c, "1", "2019-01-01", d, text, rt, c, tags] for tid, h, d, text, rt, c, tags in rows]
    check_csv(new_store, header, full, key=lambda r: r[0].strip())
