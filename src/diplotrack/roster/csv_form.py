"""Reading CSV tables (the CSV roster form and snapshot files) into located raw values.

Every cell keeps the physical line it starts on (the header is line 1), counting the line breaks
inside quoted multi-line cells, so a problem points at the line an editor shows.
"""

from __future__ import annotations

import csv
import io
import re

from diplotrack.errors import RosterError
from diplotrack.roster.checks import did_you_mean
from diplotrack.roster.model import ACTOR_FIELDS, LIST_FIELDS
from diplotrack.roster.validate import Located, RawAccount, RawActor, Report

REQUIRED_COLUMNS = ("actor_id", "name", "kind", "state", "host_country", "host_city", "platform", "handle")
OPTIONAL_COLUMNS = (
    "user_id",
    "organisation",
    "person",
    "tenure_start",
    "tenure_end",
    "languages",
    "tags",
    "source",
    "notes",
    "institutional",
)
# In the CSV form a row is an account: its source and notes describe the account.
ACCOUNT_COLUMNS = ("platform", "handle", "user_id", "source", "notes")
ACTOR_COLUMNS = tuple(c for c in ACTOR_FIELDS if c not in ("source", "notes"))
LIST_SEPARATOR = ";"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

Row = tuple[int, dict[str, Located]]


def read_table(source: str, report: Report, required: tuple[str, ...], optional: tuple[str, ...]) -> list[Row] | None:
    """Rows as (line, {column: located cell}); None when the header lacks a required column."""
    reader = csv.reader(io.StringIO(source, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise RosterError(f"{report.file} is not a readable CSV file: {exc}") from None
    if not any(header):
        raise RosterError(f"{report.file} has no header row; its first line must name the columns")
    known = (*required, *optional)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            report.add(1, name or "(empty)", "column appears twice in the header")
        elif name not in known:
            report.add(
                1,
                name or "(empty)",
                f"unknown column{did_you_mean(name, known)}; known columns: " + ", ".join(known),
            )
        seen.add(name)
    missing = [name for name in required if name not in seen]
    for name in missing:
        report.add(1, name, "required column is missing from the header")
    if missing:
        return None
    rows: list[Row] = []
    end = reader.line_num
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                report.add(start, "row", f"has {len(cells)} fields but the header has {len(header)}")
                continue
            row: dict[str, Located] = {}
            line = start
            for name, cell in zip(header, cells, strict=True):
                if name in known and name not in row:
                    row[name] = Located(cell, line)
                line += len(_LINE_BREAK.findall(cell))
            rows.append((start, row))
    except csv.Error as exc:
        where = f"{report.file} is not a readable CSV file at line {reader.line_num}"
        raise RosterError(f"{where}: {exc}") from None
    return rows


def _list_cell(loc: Located) -> Located:
    parts = [p.strip() for p in (loc.value or "").split(LIST_SEPARATOR)] if isinstance(loc.value, str) else []
    return Located([Located(p, loc.line) for p in parts if p], loc.line, "list")


def _comparable(loc: Located | None) -> object:
    if loc is None:
        return None
    if isinstance(loc.value, list):
        return tuple(item.value for item in loc.value)
    return (loc.value or "").strip()


def read_csv(source: str, report: Report) -> list[RawActor]:
    """Raw actors of a CSV roster: rows that share an actor_id become one actor (and must agree)."""
    rows = read_table(source, report, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    actors: list[RawActor] = []
    by_id: dict[str, RawActor] = {}
    for line, row in rows or []:
        fields = {k: (_list_cell(v) if k in LIST_FIELDS else v) for k, v in row.items() if k in ACTOR_COLUMNS}
        account = RawAccount({k: v for k, v in row.items() if k in ACCOUNT_COLUMNS}, line)
        actor_id = (row["actor_id"].value or "").strip() if isinstance(row["actor_id"].value, str) else ""
        first = by_id.get(actor_id) if actor_id else None
        if first is None:
            actor = RawActor(fields, line, [account])
            actors.append(actor)
            if actor_id:
                by_id[actor_id] = actor
            continue
        for name in ACTOR_COLUMNS:
            mine, theirs = _comparable(fields.get(name)), _comparable(first.fields.get(name))
            if mine != theirs:
                report.add(
                    fields[name].line if name in fields else line,
                    name,
                    f"{_show(mine)} differs from {_show(theirs)} on line {first.line}; "
                    f"rows of actor '{actor_id}' must agree on actor fields",
                )
        first.accounts.append(account)
    return actors


def _show(value: object) -> str:
    if isinstance(value, tuple):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    return f"'{value}'" if value else "(empty)"
