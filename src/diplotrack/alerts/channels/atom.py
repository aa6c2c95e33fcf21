"""The Atom channel (``atom``): an Atom 1.0 feed file (RFC 4287) of the latest alerts, which any feed
reader can subscribe to (point it at the file, or at wherever a web server publishes it).

Each delivery rewrites the whole feed from the ``alerts`` table: the newest ``entries`` alerts, one
entry each, with a stable ``<id>`` (``urn:diplotrack:alert:<alert_id>``) so a reader shows each alert
once however often the file is rewritten. The file is written next to its final name and moved over
it (``os.replace``): a reader never sees half a feed. Titles and evidence quote untrusted text:
ElementTree escapes it, characters XML 1.0 cannot hold are removed, and so are the C1 controls (a
terminal feed reader may act on them: U+009B starts an escape sequence) and the bidi embeddings,
overrides and isolates that would reorder a title; in the evidence's JSON they are ``\\u`` escapes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import orjson

from diplotrack.alerts import state
from diplotrack.alerts.model import Alert
from diplotrack.regular_files import write_replacing
from diplotrack.untrusted_text import escape_unsafe

NAME = "atom"
ATOM_NS = "http://www.w3.org/2005/Atom"
DEFAULT_ENTRIES = 50
EVIDENCE_CHARS = 20_000  # the evidence shown in an entry's content; the store keeps all of it

# characters an XML 1.0 document cannot contain, even escaped (C0 controls but tab and line breaks,
# lone surrogates, U+FFFE and U+FFFF), and those a reader should not be handed (C1 controls, bidi
# embeddings, overrides and isolates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _stamp(when: datetime) -> str:
    """RFC 3339 in UTC (the store's timestamps are naive UTC)."""
    return when.replace(microsecond=0).isoformat() + "Z"


def _content(alert: Alert) -> str:
    account = " ".join(x for x in (alert.platform, f"@{alert.handle}" if alert.handle else None) if x)
    lines = [f"rule: {alert.rule}"]
    if account:
        lines.append(f"account: {account}" + (f" (id {alert.user_id})" if alert.user_id else ""))
    if alert.occurred_at:
        lines.append(f"occurred: {_stamp(alert.occurred_at)}")
    if alert.fired_at:
        lines.append(f"fired: {_stamp(alert.fired_at)}")
    evidence = escape_unsafe(
        orjson.dumps(dict(alert.evidence), default=state.json_default, option=orjson.OPT_INDENT_2).decode()
    )
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[:EVIDENCE_CHARS] + "\n… (cut; 'diplotrack alerts --list --json' shows all of it)"
    return "\n".join([*lines, "evidence:", evidence])


def _entry(feed: ET.Element, alert: Alert) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = f"urn:diplotrack:alert:{alert.alert_id}"
    ET.SubElement(entry, f"{{{ATOM_NS}}}title", type="text").text = _text(alert.title)
    fired = alert.fired_at or alert.occurred_at or datetime(1970, 1, 1)
    ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = _stamp(fired)
    ET.SubElement(entry, f"{{{ATOM_NS}}}published").text = _stamp(fired)
    ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=_text(alert.rule))
    ET.SubElement(entry, f"{{{ATOM_NS}}}content", type="text").text = _text(_content(alert))


def feed_xml(alerts: Sequence[Alert], feed_id: str, now: datetime, title: str = "diplotrack alerts") -> bytes:
    """The Atom document for ``alerts`` (newest first); ``updated`` is the newest alert's time."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(feed, f"{{{ATOM_NS}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM_NS}}}title").text = _text(title)
    newest = max((a.fired_at for a in alerts if a.fired_at), default=now)
    ET.SubElement(feed, f"{{{ATOM_NS}}}updated").text = _stamp(newest)
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    ET.SubElement(author, f"{{{ATOM_NS}}}name").text = "diplotrack"
    ET.SubElement(feed, f"{{{ATOM_NS}}}generator").text = "diplotrack"
    for alert in alerts:
        _entry(feed, alert)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


class AtomChannel:
    """Rewrites the feed at ``path`` with the latest ``entries`` recorded alerts at each delivery."""

    name = NAME

    def __init__(self, path: Path, *, entries: int = DEFAULT_ENTRIES, title: str = "diplotrack alerts") -> None:
        self.path = Path(path).expanduser()
        self.entries = entries
        self.title = title
        # the feed's own id: stable for this file, different for two feeds on one machine
        digest = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:16]
        self.feed_id = f"urn:diplotrack:alerts:{digest}"

    def send(self, alerts: Sequence[Alert], con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
        latest = state.recorded(con, limit=self.entries)
        now = max((a.fired_at for a in latest if a.fired_at), default=datetime(1970, 1, 1))
        try:
            write_replacing(self.path, feed_xml(latest, self.feed_id, now, self.title), sync=True, mode=0o644)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            error = f"cannot write the Atom feed {self.path} ({why}); check that its folder exists and is writable"
            return {a.alert_id: error for a in alerts}
        return {a.alert_id: None for a in alerts}
