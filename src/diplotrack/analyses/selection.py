"""The selection every analysis takes (``--start``, ``--end``, ``--platform``, ``--state``, ``--kind``,
``--institutional/--individual``, ``--host-country`` on the command line; the same keywords in the
Python API), parsed and checked in one place, the library, for the CLI and the Python API alike.

A value that is not valid (a kind the roster model does not have, a platform diplotrack does not
know, a state or host country that is not an ISO 3166 alpha-2 code) is a UsageError naming the valid
values, the closest one (``difflib``) and, for codes, those the store holds; no analysis runs on a
filter that can only match nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import duckdb

from diplotrack.errors import InvalidValueError, UsageError
from diplotrack.platforms import ALIASES as PLATFORM_ALIASES
from diplotrack.roster.model import KINDS, PLATFORMS

if TYPE_CHECKING:
    from diplotrack.analyses.base import Filters

COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}  # codes in common use that ISO 3166 gives otherwise
# the actors column and the store's column behind each checked option
STORE_COLUMNS = {"state": "actors.state", "host_country": "actors.host_country", "kind": "actors.kind"}


def split(values: Iterable[str] | None) -> tuple[str, ...]:
    """Repeated options and comma-separated lists, flattened: ``["a,b", "c"]`` -> ``("a", "b", "c")``."""
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return tuple(out)


def parse_date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{label} {value!r} is not a date; use YYYY-MM-DD") from None


def _option(field: str) -> str:
    """The command-line option of a selection field: ``host_country`` -> ``--host-country``."""
    return f"--{field.replace('_', '-')}"


def _close(value: str, choices: Sequence[str]) -> str | None:
    hit = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return hit[0] if hit else None


def check_platforms(values: Iterable[str], *, label: str = "--platform") -> tuple[str, ...]:
    """Platform names, lower-cased, each one diplotrack knows (``roster.model.PLATFORMS``)."""
    out = []
    for raw in values:
        v = raw.lower()
        if v not in PLATFORMS:
            hint = PLATFORM_ALIASES.get(v) or _close(v, PLATFORMS)
            did = f"did you mean {hint!r}? " if hint else ""
            raise UsageError(f"{label} {raw!r} is not a platform; {did}use one of {', '.join(PLATFORMS)}")
        out.append(v)
    return tuple(out)


def check_kinds(
    values: Iterable[str],
    *,
    label: str = "--kind",
    db: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[str, ...]:
    """Roster kinds, lower-cased, each one of the roster model's (``roster.model.KINDS``)."""
    out = []
    for raw in values:
        v = raw.lower().replace("-", "_")
        if v not in KINDS:
            hint = _close(v, KINDS)
            did = f"did you mean {hint!r}? " if hint else ""
            held = _in_store("kind", db, con)
            raise UsageError(f"{label} {raw!r} is not a roster kind; {did}use one of {', '.join(KINDS)}{held}")
        out.append(v)
    return tuple(out)


def check_countries(
    values: Iterable[str],
    *,
    field: str = "state",
    label: str | None = None,
    db: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[str, ...]:
    """ISO 3166 alpha-2 codes, upper-cased; a three-letter code or a country name is refused with its
    two-letter code as the suggestion."""
    import pycountry

    codes = sorted(c.alpha_2 for c in pycountry.countries)
    out = []
    for raw in values:
        v = raw.strip().upper()
        if v in codes:
            out.append(v)
            continue
        hint = _country_hint(raw.strip())
        did = f"did you mean {hint!r}? " if hint else ""
        raise UsageError(
            f"{label or _option(field)} {raw!r} is not an ISO 3166 two-letter country code; {did}"
            f"use codes such as CN, FR, US{_in_store(field, db, con)}"
        )
    return tuple(out)


def _country_hint(value: str) -> str | None:
    """The alpha-2 code of a country given by another code or by (a misspelling of) its name."""
    import pycountry

    if value.upper() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[value.upper()]
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        pass
    if len(value) <= 3:  # a mistyped code: a name search would only guess
        return None
    try:
        return str(pycountry.countries.search_fuzzy(value)[0].alpha_2)
    except LookupError:
        pass
    names = {
        str(getattr(c, attr)).lower(): c.alpha_2
        for c in pycountry.countries
        for attr in ("name", "common_name", "official_name")
        if hasattr(c, attr)
    }
    name = _close(value.lower(), list(names))
    return names[name] if name else None


def _in_store(field: str, db: str | None, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """'` (the store holds: A, B)`' for the error message, or '' when the store cannot tell."""
    from diplotrack.store.db import open_store_read_only, resolve_db_path

    table, column = STORE_COLUMNS[field].split(".")
    sql = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1"  # noqa: S608 (constants)
    if con is not None:
        rows = con.execute(sql).fetchall()
    else:
        if not resolve_db_path(db).exists():
            return ""
        try:
            own = open_store_read_only(db)
        except Exception:  # the message is about the option; a store that will not open says so later
            return ""
        try:
            rows = own.execute(sql).fetchall()
        finally:
            own.close()
    held = [str(r[0]) for r in rows]
    if not held:
        return ""
    shown = ", ".join(held[:30]) + (f" and {len(held) - 30} more" if len(held) > 30 else "")
    return f" (the store holds: {shown})"


def parse_filters(
    start: str | None,
    end: str | None,
    platform: list[str] | None,
    state: list[str] | None,
    kind: list[str] | None,
    institutional: bool | None,
    host_country: list[str] | None,
    *,
    db: str | None = None,
) -> Filters:
    """The shared filter options as checked ``Filters``; a bad value is a UsageError (exit 2) naming
    the option (``--kind``)."""
    return make_filters(
        start=start,
        end=end,
        platform=platform,
        state=state,
        kind=kind,
        institutional=institutional,
        host_country=host_country,
        db=db,
        as_options=True,
    )


def _values(value: str | Sequence[str] | None, name: str) -> list[str]:
    """A keyword's value or values, each text; anything else is a usage error."""
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, Sequence) or not all(isinstance(v, str) for v in values):
        raise InvalidValueError(f"{name} takes text or a list of text, not {value!r}")
    return list(values)


def _day(value: str | date | datetime | None, name: str) -> date | None:
    if value is None or isinstance(value, datetime):
        return value.date() if isinstance(value, datetime) else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InvalidValueError(f"{name} takes a date (YYYY-MM-DD text, date or datetime), not {value!r}")
    return parse_date(value, name)


def make_filters(
    *,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    platform: str | Sequence[str] | None = None,
    state: str | Sequence[str] | None = None,
    kind: str | Sequence[str] | None = None,
    institutional: bool | None = None,
    host_country: str | Sequence[str] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    db: str | None = None,
    as_options: bool = False,
) -> Filters:
    """The checked selection, for the Python API (a refused value names the keyword: ``kind=``) and,
    with ``as_options``, for the command line (it names the option: ``--kind``). The store (``con``,
    else ``db``) is asked only to say which codes it holds when a value is refused."""
    from diplotrack.analyses.base import Filters, as_datetime

    def name(key: str) -> str:
        return _option(key) if as_options else f"{key}="

    if institutional is not None and not isinstance(institutional, bool):
        raise InvalidValueError(f"{name('institutional')} takes True, False or None, not {institutional!r}")
    s, e = _day(start, name("start")), _day(end, name("end"))
    if s and e and s >= e:
        raise UsageError(
            f"{name('start')}{' ' if as_options else ''}{s} is not before {name('end')}{' ' if as_options else ''}{e}"
        )
    return Filters(
        start=as_datetime(s),
        end=as_datetime(e),
        platforms=check_platforms(split(_values(platform, name("platform"))), label=name("platform")),
        states=check_countries(
            split(_values(state, name("state"))), field="state", label=name("state"), db=db, con=con
        ),
        kinds=check_kinds(split(_values(kind, name("kind"))), label=name("kind"), db=db, con=con),
        institutional=institutional,
        host_countries=check_countries(
            split(_values(host_country, name("host_country"))),
            field="host_country",
            label=name("host_country"),
            db=db,
            con=con,
        ),
    )
