"""What a user does with the mouse in the dashboard, in Chromium: filters applied through the form
(checked against the same count in SQL on the store), an account followed from the overview to its
page, a table downloaded as CSV (checked against the JSON API)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from diplotrack.serve.reader import StoreReader

from .support import LiveServer, Watched

KIND = "state_media"  # a kind the demo store's real timelines have posts for


def number(text: str) -> int:
    return int(text.replace(",", "").strip())


def table_rows(w: Watched, section: str) -> tuple[list[str], list[list[str]]]:
    """The header and cell texts of the table in ``section#<section>``."""
    table = w.page.locator(f"section#{section} table").first
    header = [t.strip().rstrip("▲▼ ").strip() for t in table.locator("thead th").all_inner_texts()]
    rows = table.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))"
    )
    return header, rows


def test_a_kind_chosen_in_the_form_gives_the_sql_count(page: Watched, reader: StoreReader) -> None:
    p = page.page
    p.goto("/")
    p.locator("form.filters summary").click()
    p.locator("form.filters select[name=kind]").select_option(KIND)
    with p.expect_navigation():
        p.locator("form.filters button[type=submit]").click()
    assert parse_qs(urlsplit(p.url).query).get("kind") == [KIND]
    assert p.locator("form.filters select[name=kind]").input_value() == KIND  # the form shows the choice
    header, rows = table_rows(page, "posts_by_month")
    assert not p.locator("section#posts_by_month a[rel=next]").count(), "the whole table is on the page"
    assert {r[header.index("kind")] for r in rows} == {KIND}
    shown = sum(number(r[header.index("posts")]) for r in rows)
    expected = reader.sql(
        """SELECT count(*) AS n FROM posts p
           WHERE p.created_at IS NOT NULL AND EXISTS (
             SELECT 1 FROM accounts a JOIN actors ac ON ac.actor_id = a.actor_id
             WHERE ac.kind = $kind AND a.platform = p.platform
               AND p.author_id IN (a.user_key, 'handle:' || lower(a.handle)))""",
        {"kind": KIND},
    )["n"][0]
    assert shown == expected > 0
    assert p.locator("section#posts_by_month .coverage").inner_text().strip()  # the figure states its coverage
    page.assert_clean("overview filtered by kind")


def test_the_accounts_filtered_in_the_form_are_the_rosters(page: Watched, reader: StoreReader) -> None:
    """Kind embassy chosen in the form: the accounts table lists exactly the roster's embassies."""
    p = page.page
    p.goto("/accounts")
    p.locator("form.filters summary").click()
    p.locator("form.filters select[name=kind]").select_option("embassy")
    with p.expect_navigation():
        p.locator("form.filters button[type=submit]").click()
    header, rows = table_rows(page, "accounts")
    shown = sorted(r[header.index("handle")] for r in rows)
    expected = reader.sql(
        """SELECT a.handle FROM accounts a JOIN actors ac ON ac.actor_id = a.actor_id
           WHERE ac.kind = $kind ORDER BY 1""",
        {"kind": "embassy"},
    )["handle"].tolist()
    assert shown == sorted(expected) and len(expected) > 1
    assert {r[header.index("kind")] for r in rows} == {"embassy"}
    page.assert_clean("accounts filtered by kind")


def test_an_account_is_followed_from_the_overview_to_its_page(page: Watched) -> None:
    p = page.page
    p.goto("/")
    link = p.locator("main a[href^='/accounts/']").first
    handle = link.inner_text().strip().lstrip("@")
    assert handle
    with p.expect_navigation():
        link.click()
    assert urlsplit(p.url).path.startswith("/accounts/")
    heading = p.locator("h1").first.inner_text()
    assert handle.lower() in (heading + " " + p.title()).lower()
    page.assert_clean("account page")


def _cell(value: object) -> str:
    """A JSON value as the CSV writes it (missing: empty; lists of text joined with "; ")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _same(csv_value: str, json_value: object) -> bool:
    """Whether a CSV cell holds the JSON value (formats aside: a spreadsheet apostrophe, a time's
    spelling)."""
    want = _cell(json_value)
    if csv_value.lower() == want.lower() if isinstance(json_value, bool) else csv_value in (want, "'" + want):
        return True
    if isinstance(json_value, float):
        try:
            return abs(float(csv_value) - json_value) <= 1e-9 * max(1.0, abs(json_value))
        except ValueError:
            return False
    return _time(csv_value) == _time(want)


def _time(text: str) -> str:
    """A time as text without the formats' differences (the JSON's ``T``, the CSV's microseconds, a
    zero time of day)."""
    text = re.sub(r"^(\d{4}-\d\d-\d\d)T", r"\1 ", text)
    text = re.sub(r"(\d\d:\d\d:\d\d)\.0+\b", r"\1", text)
    return re.sub(r" 00:00:00$", "", text)


def test_a_downloaded_csv_holds_the_json_api_rows(page: Watched, live_server: LiveServer) -> None:
    p = page.page
    p.goto(f"/?kind={KIND}")
    link = p.locator("section#posts_by_month .downloads a", has_text="CSV")
    with p.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    got = list(csv.reader(io.StringIO(text)))
    json_href = p.locator("section#posts_by_month .downloads a", has_text="JSON").get_attribute("href")
    with urlopen(live_server.url + json_href) as r:  # noqa: S310 (the test's own server)
        api = json.load(r)
    assert got[0] == api["columns"]
    assert len(got) - 1 == len(api["rows"]) > 0
    for row, want in zip(got[1:], api["rows"], strict=True):
        for c, v in zip(api["columns"], row, strict=True):
            assert _same(v, want[c]), (c, v, want[c])
    page.assert_clean("CSV download")


def test_every_table_downloads_as_csv_with_the_json_rows(live_server: LiveServer) -> None:
    """Each table of each page (without a path parameter): its CSV has the JSON twin's columns and
    rows (first page of rows, default size)."""
    from diplotrack.serve.pages import PAGES

    problems = []
    for page_def in (p for p in PAGES if "{" not in p.path):
        base = "/overview" if page_def.path == "/" else page_def.path
        for table in page_def.tables:
            try:
                with urlopen(f"{live_server.url}{base}.json?_table={table.name}") as r:  # noqa: S310
                    api = json.load(r)
                with urlopen(f"{live_server.url}{base}.csv?_table={table.name}") as r:  # noqa: S310
                    got = list(csv.reader(io.StringIO(r.read().decode("utf-8-sig"))))
            except OSError as exc:
                problems.append(f"{base} {table.name}: {exc}")
                continue
            if not api["columns"] and not api["rows"]:
                continue
            if got[0] != api["columns"] or len(got) - 1 != len(api["rows"]):
                problems.append(
                    f"{base} {table.name}: CSV {got[0]} x {len(got) - 1} vs JSON {api['columns']} x {len(api['rows'])}"
                )
                continue
            for row, want in zip(got[1:], api["rows"], strict=True):
                bad = [(c, v, want[c]) for c, v in zip(api["columns"], row, strict=True) if not _same(v, want[c])]
                if bad:
                    problems.append(f"{base} {table.name}: {bad[0]}")
                    break
    assert not problems, "\n".join(problems)
