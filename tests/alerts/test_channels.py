"""The delivery channels as a reader meets them: the terminal (plain text, never markup or escape
sequences; or JSON lines), the JSON-lines file (one whole line per alert, once) and the Atom feed file
(valid XML any reader parses, stable entry ids, written whole)."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import orjson
from alerthelpers import alert

from diplotrack.alerts import state
from diplotrack.alerts.channels.atom import ATOM_NS, AtomChannel
from diplotrack.alerts.channels.jsonl import JsonLinesChannel
from diplotrack.alerts.channels.printed import PrintedChannel
from diplotrack.cli.terminal import SafeConsole

NOW = datetime(2026, 12, 6, 12, 0)
# a display name an account chose: markup, an escape sequence that retitles the terminal, a bidi
# override, a line break, a NUL and XML's special characters
HOSTILE = "[bold red]Embassy[/] <script>&amp;\x1b]0;pwned\x07 \u202eevil\nsecond\x00 line"
A = f"{{{ATOM_NS}}}"


def test_printed_alerts_are_plain_text_on_one_line_each(con):
    out = io.StringIO()
    console = SafeConsole(file=out, width=200, markup=False, highlight=False, color_system=None)
    results = PrintedChannel(console).send([alert(1, title=HOSTILE), alert(2)], con)
    assert results == {alert(1).alert_id: None, alert(2).alert_id: None}
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\x00" not in text
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2026-12-01 10:01 [test_events] [bold red]Embassy[/] <script>&amp;")
    assert lines[0].endswith("(x, @acct1)")


def test_printed_json_lines_parse_back_to_the_exact_values(con, capsys):
    PrintedChannel(SafeConsole(file=io.StringIO()), as_json=True).send([alert(1, title=HOSTILE)], con)
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x1b" not in out  # escaped as \u sequences
    (line,) = out.splitlines()
    record = orjson.loads(line)
    assert record["title"] == HOSTILE and record["alert_id"] == alert(1).alert_id
    assert record["occurred_at"] == "2026-12-01T10:01:00" and record["evidence"]["at"] == "2026-12-01T10:01:00"


def test_jsonl_appends_each_alert_once_as_whole_lines(con, tmp_path: Path):
    path = tmp_path / "alerts.jsonl"
    path.write_bytes(b'{"alert_id": "older", "title": "from bef')  # a line a crash cut short
    channel = JsonLinesChannel(path)
    first = [alert(1, title=HOSTILE), alert(2)]
    assert channel.send(first, con) == {a.alert_id: None for a in first}
    # the delivery row was lost (a crash before it was kept): the file still holds each alert once
    assert channel.send([alert(2), alert(3)], con) == {alert(2).alert_id: None, alert(3).alert_id: None}
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == b'{"alert_id": "older", "title": "from bef' and lines[-1] == b""
    records = [orjson.loads(x) for x in lines[1:-1]]
    assert [r["alert_id"] for r in records] == [alert(n).alert_id for n in (1, 2, 3)]
    assert records[0]["title"] == HOSTILE
    assert set(records[0]) == {
        "alert_id", "rule", "key", "title", "platform", "handle", "user_id", "occurred_at", "fired_at", "run_id",
        "evidence",
    }  # fmt: skip


def test_jsonl_in_a_missing_folder_fails_each_alert_with_what_to_do(con, tmp_path: Path):
    results = JsonLinesChannel(tmp_path / "nowhere" / "alerts.jsonl").send([alert(1), alert(2)], con)
    assert set(results) == {alert(1).alert_id, alert(2).alert_id}
    error = results[alert(1).alert_id]
    assert error is not None and "nowhere" in error and "\n" not in error and error.endswith("is writable")


def _feed(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


def test_atom_feed_lists_the_latest_alerts_with_stable_ids_and_escaped_text(con, tmp_path: Path):
    path = tmp_path / "feed" / "alerts.xml"
    path.parent.mkdir()
    channel = AtomChannel(path, entries=2)
    first = state.record(con, [alert(1, title=HOSTILE), alert(2)], NOW, run_id=4)
    assert channel.send(first, con) == {a.alert_id: None for a in first}
    feed = _feed(path)
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == channel.feed_id and feed.findtext(f"{A}updated") == "2026-12-06T12:00:00Z"
    assert feed.findtext(f"{A}author/{A}name") == "diplotrack"
    entries = feed.findall(f"{A}entry")
    assert len(entries) == 2
    by_id = {e.findtext(f"{A}id"): e for e in entries}
    hostile = by_id[f"urn:diplotrack:alert:{alert(1).alert_id}"]
    removed = str.maketrans("", "", "\x1b\x07\x00\u202e")  # not XML, or not to be handed a reader
    assert hostile.findtext(f"{A}title") == HOSTILE.translate(removed)
    assert hostile.findtext(f"{A}updated") == "2026-12-06T12:00:00Z"
    assert hostile.find(f"{A}category").get("term") == "test_events"
    content = hostile.findtext(f"{A}content")
    assert "account: x @acct1 (id 1)" in content and '"at": "2026-12-01T10:01:00"' in content
    # a later alert: the feed keeps the newest two, the ids do not change, nothing is left behind
    later = state.record(con, [alert(3)], datetime(2026, 12, 7), run_id=5)
    channel.send(later, con)
    ids = [e.findtext(f"{A}id") for e in _feed(path).findall(f"{A}entry")]
    assert ids[0] == f"urn:diplotrack:alert:{alert(3).alert_id}" and len(ids) == 2
    assert ids[1] in by_id
    assert os.listdir(path.parent) == ["alerts.xml"]  # the temporary file was moved over, not left
    assert _feed(path).findtext(f"{A}updated") == "2026-12-07T00:00:00Z"


def test_atom_feed_that_cannot_be_written_says_what_to_do_and_leaves_no_temporary_file(con, tmp_path: Path):
    path = tmp_path / "alerts.xml"
    (path / "a folder where the feed should be").mkdir(parents=True)  # os.replace cannot move over it
    results = AtomChannel(path).send(state.record(con, [alert(1)], NOW), con)
    error = results[alert(1).alert_id]
    assert error is not None and error.startswith(f"cannot write the Atom feed {path}") and "\n" not in error
    assert [n for n in os.listdir(tmp_path) if "alerts" in n] == ["alerts.xml"]  # no .alerts.xml.*.tmp


def test_atom_feed_keeps_no_c1_control_or_bidi_override_and_reads_back_xml_specials(con, tmp_path: Path):
    # an 8-bit CSI (a terminal feed reader may clear its screen on it), a right-to-left override that
    # would show "evil" reversed, a CDATA end, an entity and a tag: all text in the feed
    title = "x @Emb\x9b2J \u202elive\u202c ]]> &amp; <b>"
    path = tmp_path / "alerts.xml"
    recorded = state.record(con, [alert(1, title=title, evidence={"name": title})], NOW)
    AtomChannel(path).send(recorded, con)
    raw = path.read_bytes().decode()
    assert "\x9b" not in raw and "\u202e" not in raw and "\u202c" not in raw
    entry = _feed(path).find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "x @Emb2J live ]]> &amp; <b>"
    content = entry.findtext(f"{A}content")
    # the evidence's JSON keeps every character, as \u escapes
    assert '"name": "x @Emb\\u009b2J \\u202elive\\u202c ]]> &amp; <b>"' in content
