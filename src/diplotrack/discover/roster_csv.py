"""Candidates as a roster CSV (docs/roster-format.md) that ``diplotrack roster import`` accepts as
written, and their full evidence as JSON lines beside it.

Each candidate is one row. An account that a roster actor links to as its own (``links.py``) is
written under that actor, with the actor's fields as the store holds them; any other is a new actor
with a proposed ``actor_id`` (``<state>-<kind>-[<host>-]<handle>``, made unique), its display name
(else its handle) as ``name``, the kind the evidence says, and the state and host country the
evidence says. The roster requires a host country for embassies, consulates, missions, ambassadors
and consuls general: a candidate that looks like one but whose host is not known is written as
``other``, and its notes say which kind it looks like, so that the reviewer completes the row. The
``source`` is ``diplotrack discover <date>``; ``notes`` summarises the evidence; ``tags`` is
``discovered``.

The file is written to a temporary name, checked with the roster loader and only then moved into
place: a file that would not import is never left behind. Text cells that a spreadsheet would run as
a formula get a leading apostrophe (``report.write.spreadsheet_text``); a YouTube handle that begins
with ``-`` is written as its address, which the roster reads back as the same handle.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import orjson

from diplotrack.discover.score import Candidate
from diplotrack.errors import UsageError
from diplotrack.report.write import spreadsheet_text
from diplotrack.roster.checks import check_country, check_handle, stored_handle
from diplotrack.roster.csv_form import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from diplotrack.roster.model import HOST_COUNTRY_KINDS, KINDS

COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
KIND_ABBREVIATIONS = {
    "embassy": "emb",
    "consulate": "cg",
    "mission": "mission",
    "ambassador": "amb",
    "consul_general": "consulgen",
    "diplomat": "dipl",
    "spokesperson": "spox",
    "ministry": "min",
    "state_media": "media",
    "state_media_journalist": "media",
    "other": "disc",
}
_ACTOR_FIELDS = (
    "name",
    "kind",
    "state",
    "host_country",
    "host_city",
    "organisation",
    "person",
    "tenure_start",
    "tenure_end",
    "languages",
    "tags",
    "institutional",
)


@dataclass(slots=True)
class Written:
    rows: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (candidate, why)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "account"


def _summary(c: Candidate, looks_like: str | None, today: date) -> str:
    parts = [f"diplotrack discover {today.isoformat()}: score {c.score:.2f}"]
    if c.relations:
        shown = ", ".join(c.actors[:5]) + (f" and {len(c.actors) - 5} more" if len(c.actors) > 5 else "")
        rels = sorted({r for rs in c.relations.values() for r in rs})
        parts.append(f"{'/'.join(rels)} by {len(c.actors)} roster actor(s): {shown}")
    for e in c.evidence:
        if e["signal"] == "profile":
            parts.append(f"{e['field']} matches {', '.join(repr(m) for m in e['matched'][:3])}")
        elif e["signal"] == "label":
            parts.append(f"platform label {e.get('verified_type')}")
        elif e["signal"] == "link":
            parts.append(f"linked from {e['from']} ({e['where']})")
        elif e["signal"] == "handle":
            parts.append(f"handle like roster handles ('{e['token']}': {', '.join(e['roster_examples'])})")
        elif e["signal"] == "host":
            parts.append(f"host {e['country']} from {e['field']}")
    if c.kind_basis:
        parts.append(f"kind from {c.kind_basis}")
    if c.state_basis:
        parts.append(f"state from {c.state_basis}")
    if looks_like:
        parts.append(f"looks like kind {looks_like}: add host_country and set kind to {looks_like}")
    return "; ".join(dict.fromkeys(parts))[:1000]


def _handle_cell(platform: str, handle: str) -> str:
    if platform == "youtube" and handle.startswith(("-", "=", "+", "@")):
        return f"https://www.youtube.com/@{handle}"
    return handle


def roster_rows(
    con: duckdb.DuckDBPyConnection, candidates: Sequence[Candidate], today: date
) -> tuple[list[dict[str, str]], Written]:
    """The CSV rows of ``candidates`` (best first) and what was left out, and why."""
    actors = {
        r[0]: dict(zip(("actor_id", *_ACTOR_FIELDS), r, strict=True))
        for r in con.execute(f"SELECT actor_id, {', '.join(_ACTOR_FIELDS)} FROM actors").fetchall()
    }
    used = set(actors)
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, str]] = []
    written = Written()
    for c in candidates:
        label = f"{c.platform}:{c.handle or c.user_id}"
        handle = stored_handle(c.platform, c.handle) if c.handle else None
        if handle is None or (problem := check_handle(c.platform, handle)) is not None:
            written.skipped.append((label, problem if handle else "no handle is known, only an id"))
            continue
        if (c.platform, handle.lower()) in seen:
            continue
        seen.add((c.platform, handle.lower()))
        row = dict.fromkeys(COLUMNS, "")
        looks_like = None
        if c.owner is not None and c.owner in actors:
            owner = actors[c.owner]
            row.update({k: _cell(v) for k, v in owner.items()})
        else:
            state = c.state
            if not state or check_country(state) is not None:
                written.skipped.append((label, "no state is evidenced; rerun with --state"))
                continue
            kind = c.kind if c.kind in KINDS else "other"
            host = c.host_country if c.host_country and check_country(c.host_country) is None else None
            if kind in HOST_COUNTRY_KINDS and host is None:
                kind, looks_like = "other", kind
            parts = [state.lower(), KIND_ABBREVIATIONS[kind]] + ([host.lower()] if host else []) + [_slug(handle)]
            actor_id, n = "-".join(parts), 2
            while actor_id in used:
                actor_id, n = f"{'-'.join(parts)}-{n}", n + 1
            used.add(actor_id)
            row.update(
                actor_id=actor_id,
                name=c.name or handle,
                kind=kind,
                state=state,
                host_country=host or "",
                host_city=(c.host_city or "") if host else "",
                tags="discovered",
            )
        row.update(
            platform=c.platform,
            handle=_handle_cell(c.platform, handle),
            user_id=c.user_id if c.user_id and not c.user_id.startswith("handle:") else "",
            source=f"diplotrack discover {today.isoformat()}",
            notes=_summary(c, looks_like, today),
        )
        rows.append({k: (v if k in ("handle", "actor_id") else spreadsheet_text(v)) for k, v in row.items()})
    written.rows = len(rows)
    return rows, written


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return " ".join(str(value).split())


def write_roster_csv(
    con: duckdb.DuckDBPyConnection, candidates: Sequence[Candidate], path: Path, today: date
) -> Written:
    """Write the rows to ``path`` (atomically, after checking that the roster loader accepts them)."""
    from diplotrack.roster.load import load_roster

    rows, written = roster_rows(con, candidates, today)
    tmp = path.with_name(f".{path.stem}.discover-tmp.csv")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            out = csv.DictWriter(f, fieldnames=COLUMNS)
            out.writeheader()
            out.writerows(rows)
        _, problems = load_roster(tmp)
        if problems:
            raise UsageError(
                f"the proposed roster does not validate ({problems[0].field}: {problems[0].message}); "
                "run with --debug and report it"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return written


def write_evidence(candidates: Sequence[Candidate], path: Path) -> None:
    """Every candidate's full evidence, one JSON object a line."""
    tmp = path.with_name(f".{path.name}.discover-tmp")
    try:
        with open(tmp, "wb") as f:
            for c in candidates:
                f.write(orjson.dumps(c.as_json(), default=str) + b"\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
