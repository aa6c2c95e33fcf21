"""Candidates as a roster CSV (docs/roster-format.md) that ``diplotrack roster import`` accepts as
written, and their full evidence as JSON lines beside it.

Each candidate is one row. An account that a roster actor links to as its own (``links.py``) is
written under that actor, with the actor's fields as the store holds them; any other is a new actor
with a proposed ``actor_id`` (``<state>-<kind>-[<host>-]<handle>``, made unique), its display name
(else its handle) as ``name``, the kind the evidence says, and the state and host country the
evidence says. The roster requires a host country for embassies, consulates, missions, ambassadors
and consuls general: a candidate that looks like one but whose host is not known is written as
``other``, and its notes say which kind it looks like, so that the reviewer completes the row. The
roster also requires a state, and only evidence that names the state the account speaks for gives
one (``score._guess``): a candidate without it is left out of the CSV (its evidence stays in
``--evidence`` and ``--json``) unless ``unknown_state`` is asked for (``--include-unknown-state``):
then it is written with an EMPTY state, an ``actor_id`` without the state, and notes that begin
"fill in state", so that ``roster validate`` points at each such row until the reviewer completes it.
Left out in any case are one known only by an id, one whose handle the platform refuses
or holds a control character, and one whose handle a spreadsheet would run as a formula (a cell
cannot be both protected and the exact handle). ``written.skipped`` says which and why. The
``source`` is ``diplotrack discover <date>``; ``notes`` summarises the evidence; ``tags`` is
``discovered``.

Stored text is hostile until shown otherwise: every text cell is cleaned of escape sequences,
control characters and bidi overrides, made one line and cut to a bound, and a cell that a
spreadsheet would run as a formula gets a leading apostrophe (``report.write.spreadsheet_text``);
a user id that begins like a formula (``-100123``) is left out rather than changed (the notes give
it), and a YouTube handle that begins with ``-`` is written as its address, which the roster reads
back as the same handle. The files are written by ``outputs.write_all``: the CSV is checked with the
roster loader before it takes its name, so a file that would not import is never left behind.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import duckdb
import orjson

from diplotrack.discover.outputs import write_all
from diplotrack.discover.score import Candidate
from diplotrack.errors import UsageError
from diplotrack.report.write import FORMULA_START, spreadsheet_text
from diplotrack.roster.checks import check_country, check_handle, stored_handle
from diplotrack.roster.csv_form import ACTOR_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from diplotrack.roster.model import HOST_COUNTRY_KINDS, KINDS
from diplotrack.untrusted_text import clean, escape_unsafe

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


@dataclass(slots=True)
class Written:
    rows: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (candidate, why)
    stateless: int = 0  # rows written with an empty state (``unknown_state``)


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
        elif e["signal"] == "state":
            parts.append(f"state {e['country']} from {e['field']} ({e['text']!r})")
    if c.other_handles:
        parts.append(f"also seen as {', '.join(c.other_handles[:3])}")
    if c.kind_basis:
        parts.append(f"kind from {c.kind_basis}")
    if c.state_basis:
        parts.append(f"state from {c.state_basis}")
    if looks_like:
        parts.append(f"looks like kind {looks_like}: add host_country and set kind to {looks_like}")
    return "; ".join(dict.fromkeys(parts))[:1000]


NO_HANDLE = "no handle is known, only an id"
NO_STATE = "no evidence names the state it speaks for; add it by hand from --evidence if it belongs"
FORMULA_HANDLE = "its handle begins like a spreadsheet formula; add it by hand"
CONTROL_HANDLE = "its handle holds a control character"
SAME_HANDLE = "another candidate above has the same handle"
NAME_MAX, NOTES_MAX, CELL_MAX = 200, 1000, 300


def _text(value: object, limit: int = CELL_MAX) -> str:
    """Stored text as one clean line: escape sequences, controls and bidi overrides removed."""
    return " ".join(clean(value).split())[:limit]


def _handle_cell(platform: str, handle: str) -> str | None:
    """The handle as the CSV writes it; None when no cell can hold it safely."""
    if platform == "youtube" and handle.startswith(FORMULA_START):
        return f"https://www.youtube.com/@{handle}"
    return None if handle.startswith(FORMULA_START) else handle


def _skip_reason(c: Candidate, handle: str | None) -> str | None:
    if handle is None:
        return NO_HANDLE
    if not handle.isprintable() or clean(handle) != handle:
        return CONTROL_HANDLE
    if (problem := check_handle(c.platform, handle)) is not None:
        return problem
    if _handle_cell(c.platform, handle) is None:
        return FORMULA_HANDLE
    return None


FILL_IN_STATE = "fill in state (no evidence names the state it speaks for)"


def roster_rows(
    con: duckdb.DuckDBPyConnection, candidates: Sequence[Candidate], today: date, *, unknown_state: bool = False
) -> tuple[list[dict[str, str]], Written]:
    """The CSV rows of ``candidates`` (best first) and what was left out, and why; with
    ``unknown_state``, a candidate whose state no evidence names is written with an empty state."""
    # an owner's row repeats its actor's CSV columns (the roster's own list; column names are ours)
    actors = {
        r[0]: dict(zip(ACTOR_COLUMNS, r, strict=True))
        for r in con.execute(f"SELECT {', '.join(ACTOR_COLUMNS)} FROM actors").fetchall()
    }
    used = set(actors)
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, str]] = []
    written = Written()
    for c in candidates:
        label = _text(f"{c.platform}:{c.handle or c.user_id}", 80)
        handle = stored_handle(c.platform, c.handle) if c.handle else None
        if (reason := _skip_reason(c, handle)) is not None or handle is None:
            written.skipped.append((label, reason or NO_HANDLE))
            continue
        if (c.platform, handle.lower()) in seen:
            written.skipped.append((label, SAME_HANDLE))
            continue
        row = dict.fromkeys(COLUMNS, "")
        looks_like = None
        if c.owner is not None and c.owner in actors:
            row.update({k: _cell(v) for k, v in actors[c.owner].items()})
        else:
            state = c.state if c.state and check_country(c.state) is None else None
            if state is None and not unknown_state:
                written.skipped.append((label, NO_STATE))
                continue
            if state is None:
                written.stateless += 1
            kind = c.kind if c.kind in KINDS else "other"
            host = c.host_country if c.host_country and check_country(c.host_country) is None else None
            if kind in HOST_COUNTRY_KINDS and host is None:
                kind, looks_like = "other", kind
            slug = _slug(handle) if _slug(handle) != "account" else _slug(c.user_id or handle)
            parts = [state.lower()] if state else []
            parts += [KIND_ABBREVIATIONS[kind]] + ([host.lower()] if host else []) + [slug]
            actor_id, n = "-".join(parts), 2
            while actor_id in used:
                actor_id, n = f"{'-'.join(parts)}-{n}", n + 1
            used.add(actor_id)
            row.update(
                actor_id=actor_id,
                name=_text(c.name, NAME_MAX) or handle,
                kind=kind,
                state=state or "",
                host_country=host or "",
                host_city=_text(c.host_city) if host else "",
                tags="discovered",
            )
        seen.add((c.platform, handle.lower()))
        user_id = c.user_id if c.user_id and not c.user_id.startswith("handle:") else ""
        notes = _summary(c, looks_like, today)
        if not row["state"]:
            notes = f"{FILL_IN_STATE}; {notes}"
        if user_id.startswith(FORMULA_START):
            user_id, notes = "", f"{notes}; user id {_text(c.user_id, 80)} left out (it begins like a formula)"
        row.update(
            platform=c.platform,
            handle=_handle_cell(c.platform, handle) or handle,
            user_id=user_id,
            source=f"diplotrack discover {today.isoformat()}",
            notes=_text(notes, NOTES_MAX),
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
        return ";".join(_text(v) for v in value)
    return _text(value)


def csv_writer(rows: list[dict[str, str]]) -> Callable[[BinaryIO], None]:
    def write(f: BinaryIO) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        out = csv.DictWriter(text, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(rows)
        text.flush()
        text.detach()

    return write


def check_importable(path: Path, *, empty_state: bool = False) -> None:
    """A UsageError unless the roster loader accepts the CSV at ``path`` as it is (``empty_state``:
    but for the empty states that ``roster_rows(unknown_state=True)`` writes on purpose)."""
    from diplotrack.roster.load import load_roster

    _, problems = load_roster(path)
    if empty_state:
        problems = [p for p in problems if not (p.field == "state" and p.message == "is required")]
    if problems:
        raise UsageError(
            f"the proposed roster does not validate ({problems[0].field}: {problems[0].message}); "
            "run with --debug and report it"
        )


def evidence_writer(candidates: Sequence[Candidate]) -> Callable[[BinaryIO], None]:
    """Every candidate's full evidence, one JSON object a line; characters a terminal would act on
    (C1 controls, bidi overrides, line separators) are written as escapes, as ``--json`` does."""

    def write(f: BinaryIO) -> None:
        for c in candidates:
            line = orjson.dumps(c.as_json(), default=str).decode()
            f.write((escape_unsafe(line) + "\n").encode())

    return write


def write_roster_csv(
    con: duckdb.DuckDBPyConnection,
    candidates: Sequence[Candidate],
    path: Path,
    today: date,
    *,
    unknown_state: bool = False,
) -> Written:
    """Write the rows to ``path`` (atomically, after checking that the roster loader accepts them,
    the empty states ``unknown_state`` writes aside)."""
    rows, written = roster_rows(con, candidates, today, unknown_state=unknown_state)
    write_all([(path, csv_writer(rows), importable_check(unknown_state))])
    return written


def importable_check(unknown_state: bool) -> Callable[[Path], None]:
    """``check_importable``, allowing the empty states when ``unknown_state`` wrote them."""
    return lambda path: check_importable(path, empty_state=unknown_state)


def write_evidence(candidates: Sequence[Candidate], path: Path) -> None:
    """Every candidate's full evidence, one JSON object a line."""
    write_all([(path, evidence_writer(candidates), None)])
