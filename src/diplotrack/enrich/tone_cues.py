"""The tone cues file read and compiled: one matcher per language (see ``diplotrack.enrich.tone``).

The cues file (``data/tone_cues.yaml``, its header documents the phrase syntax) gives, per
language, phrases with a class (confrontational, conciliatory, or a zero-weight "neutral"
blocker) and a weight, the parties a post may name, and the intensifiers and negators. For each
language the phrases' heads (the part before any "…" gap) are merged into a trie
(``diplotrack.enrich.lexicon.Trie``) of regex atoms and compiled into **one** regular expression
without capturing groups. Its atoms are the tone index's own (a ``word*`` wildcard, word
boundaries, a ``{party}`` alternation), which is why this trie is given atoms where the taxonomy's
is given characters. Each head resolves to an :class:`Entry`: its plain :class:`Leaf` and the tails
of its gap phrases ("urge* … to stop"), checked by one anchored match after the head.

A file that cannot be used raises ``ValueError`` saying which entry is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from diplotrack.enrich.lexicon import Trie
from diplotrack.errors import DataFileError

CLASSES = ("confrontational", "conciliatory", "neutral")
SUBSTRING_LANGS = frozenset({"zh", "ja"})  # no word boundaries: phrases match as substrings

# kinds of leaf
CONF, CONC, NEUT, PARTY, INTENS, NEG = range(6)
_KIND_OF_CLASS = {"confrontational": CONF, "conciliatory": CONC, "neutral": NEUT}

_WORD_CHAR = re.compile(r"\w")
_SEP = r"[\s\-]+"
SEP_RUN = re.compile(_SEP)
WILD = r"\w*"
BOUND = r"\b"
_PARTY_MACRO = "{party}"
_GAP_SPLIT = re.compile(r"\s*(?:…|\.\.\.)\s*")


@dataclass(frozen=True, slots=True)
class Leaf:
    kind: int
    key: str  # what ToneResult.cues shows, e.g. "confrontational:smear*"
    phrase: str
    weight: float
    names_party: bool


@dataclass(slots=True)
class Entry:
    """What a matched head resolves to: a gap continuation if one follows, else the plain leaf."""

    plain: Leaf | None = None
    tails: list[tuple[str, Leaf]] = field(default_factory=list)  # (regex of the tail, leaf)
    # one regex: gap, then the tails as groups 1..n; the nearest tail wins (see _Builder.build)
    continuation: re.Pattern[str] | None = None
    tail_leaves: tuple[Leaf, ...] = ()


@dataclass(slots=True)
class Matcher:
    lang: str
    regex: re.Pattern[str]  # all heads, one alternation (a trie); no capturing groups
    exact: dict[str, Entry]  # canonical head text -> entry
    wild: dict[str, list[tuple[re.Pattern[str], Entry]]]  # literal prefix of a wildcard head -> entries
    wild_lengths: tuple[int, ...]  # the prefix lengths in `wild`, longest first
    substring: bool
    int_window: int
    neg_window: int
    resolved: dict[str, Entry | None] = field(default_factory=dict)  # cache of wildcard lookups

    def resolve(self, head: str) -> Entry | None:
        """The entry of a head that is not in `exact` (a wildcard head such as "smear*")."""
        try:
            return self.resolved[head]
        except KeyError:
            pass
        found: Entry | None = None
        size = len(head)
        for n in self.wild_lengths:
            if n <= size:
                for regex, entry in self.wild.get(head[:n], ()):
                    if regex.fullmatch(head):
                        found = entry
                        break
                if found is not None:
                    break
        if len(self.resolved) >= 100_000:  # bounded: heads are words, but a corpus is large
            self.resolved.clear()
        self.resolved[head] = found
        return found


@dataclass(slots=True)
class Config:
    dominance: float
    scale: float
    t_conf: float
    t_conc: float
    int_factor: float
    neg_conc: float
    neg_conf: float
    question_weight: float
    quoted_question_weight: float
    untargeted_factor: float
    int_window: dict[str, int] = field(default_factory=dict)
    neg_window: dict[str, int] = field(default_factory=dict)
    gap_chars: dict[str, int] = field(default_factory=dict)


def _trie_order(atom: str) -> int:
    """Literals and separators first: the longer phrase is tried first."""
    return {WILD: 1, BOUND: 2}.get(atom, 0)


def _canonical(phrase: str, substring: bool) -> str:
    """The lookup form of a head: lower case, runs of spaces and hyphens as one space (English)."""
    return phrase if substring else SEP_RUN.sub(" ", phrase.lower()).strip()


def _segment_atoms(segment: str, substring: bool, parties: str, where: str, lead: bool) -> list[str]:
    """Regex atoms of one gap-free part of a phrase; ``lead``: add a leading word boundary."""
    atoms: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if segment.startswith(_PARTY_MACRO, i):
            atoms.append(parties)
            i += len(_PARTY_MACRO)
            continue
        if substring:
            atoms.append(re.escape(ch))
        elif ch in " -":
            if not atoms or atoms[-1] != _SEP:
                atoms.append(_SEP)
        elif ch == "*":
            if i == 0 or not _WORD_CHAR.match(segment[i - 1]) or segment[i + 1 : i + 2] not in ("", " ", "-"):
                raise DataFileError(f"'*' may only end a word, in the cue {where!r}")
            atoms.append(WILD)
        else:
            atoms.append(re.escape(ch))
        i += 1
    if not substring:
        if lead and _WORD_CHAR.match(segment[0]):
            atoms.insert(0, BOUND)
        if _WORD_CHAR.match(segment[-1]):
            atoms.append(BOUND)
    return atoms


def _gap_regex(substring: bool, gap: int) -> str:
    if substring:
        return f"[^。！？!?\\n]{{0,{gap}}}?"
    # no sentence end in between, except the dots of abbreviations such as "u.s."
    return f"(?:[^.!?;\\n]|(?<=\\b\\w)\\.){{0,{gap}}}?"


def _party_alternation(parties: list[str], substring: bool) -> str:
    alts = []
    for party in sorted(parties, key=len, reverse=True):
        alts.append("".join(_segment_atoms(party, substring, "", party, lead=False)))
    return "(?:" + "|".join(alts) + ")" if alts else "(?!)"


def _expand(head: str, parties: list[str]) -> list[str]:
    variants = [head]
    while any(_PARTY_MACRO in v for v in variants):
        variants = [v.replace(_PARTY_MACRO, p, 1) if _PARTY_MACRO in v else v for v in variants for p in parties]
    return list(dict.fromkeys(variants))


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataFileError(f"{where} must be a number, found {value!r}")
    return float(value)


def _per_lang(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise DataFileError(f"{where} must map languages to numbers of characters")
    return {str(k): int(_as_float(v, f"{where}.{k}")) for k, v in value.items()}


def parse_config(doc: dict[str, Any]) -> Config:
    scoring = doc.get("scoring") or {}
    rules = doc.get("rules") or {}
    thresholds = scoring.get("thresholds") or {}
    intensifier = rules.get("intensifier") or {}
    negation = rules.get("negation") or {}
    question = rules.get("rhetorical_question") or {}
    quoted = rules.get("quoted_question") or {}
    untargeted = rules.get("untargeted") or {}
    config = Config(
        dominance=_as_float(scoring.get("dominance", 1.0), "scoring.dominance"),
        scale=_as_float(scoring.get("scale", 4.0), "scoring.scale"),
        t_conf=_as_float(thresholds.get("confrontational", 0.35), "scoring.thresholds.confrontational"),
        t_conc=_as_float(thresholds.get("conciliatory", -0.35), "scoring.thresholds.conciliatory"),
        int_factor=_as_float(intensifier.get("factor", 1.0), "rules.intensifier.factor"),
        neg_conc=_as_float(negation.get("factor_conciliatory", 1.0), "rules.negation.factor_conciliatory"),
        neg_conf=_as_float(negation.get("factor_confrontational", 1.0), "rules.negation.factor_confrontational"),
        question_weight=_as_float(question.get("weight", 0.0), "rules.rhetorical_question.weight"),
        quoted_question_weight=_as_float(quoted.get("weight", 0.0), "rules.quoted_question.weight"),
        untargeted_factor=_as_float(untargeted.get("factor", 1.0), "rules.untargeted.factor"),
        int_window=_per_lang(intensifier.get("window_chars", {}), "rules.intensifier.window_chars"),
        neg_window=_per_lang(negation.get("window_chars", {}), "rules.negation.window_chars"),
        gap_chars=_per_lang(rules.get("gap_chars", {}), "rules.gap_chars"),
    )
    if config.scale <= 0:
        raise DataFileError("scoring.scale must be positive")
    if not -1.0 < config.t_conc <= 0.0 <= config.t_conf < 1.0:
        raise DataFileError("scoring.thresholds: need -1 < conciliatory <= 0 <= confrontational < 1")
    return config


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataFileError(f"{where} must be a list of non-empty strings")
    return [v.strip().lower() for v in value]


class _Builder:
    """Collects the phrases of one language and compiles its matcher."""

    def __init__(self, lang: str, parties: list[str], gap: int) -> None:
        self.lang = lang
        self.substring = lang in SUBSTRING_LANGS
        self.parties = parties
        self.party_re = _party_alternation(parties, self.substring)
        self.gap_re = _gap_regex(self.substring, gap)
        self.trie = Trie(order=_trie_order)
        self.exact: dict[str, Entry] = {}
        self.wild_entries: dict[str, Entry] = {}
        self.wild: dict[str, list[tuple[re.Pattern[str], Entry]]] = {}

    def add(self, phrase: str, leaf: Leaf, *, is_cue: bool) -> None:
        phrase = phrase.strip() if self.substring else phrase.strip().lower()
        parts = _GAP_SPLIT.split(phrase)
        if any(not part for part in parts):
            raise DataFileError(f"empty part in the cue {phrase!r} (a '…' at an end, or two in a row)")
        head, rest = parts[0], parts[1:]
        if _PARTY_MACRO in phrase and not self.parties:
            raise DataFileError(f"the cue {phrase!r} uses {{party}} but parties.{self.lang} is empty")
        if self.substring and "*" in phrase:
            raise DataFileError(f"'*' is for word-boundary languages only, in the cue {phrase!r}")
        if not self.substring and not _WORD_CHAR.match(head[0]) and not head.startswith(_PARTY_MACRO):
            raise DataFileError(f"an English-style cue must start with a letter or digit: {phrase!r}")
        tail = None
        if rest:
            tail = self.gap_re.join(
                "".join(_segment_atoms(part, self.substring, self.party_re, phrase, lead=True)) for part in rest
            )
        if "*" in head:
            key = _canonical(head, self.substring)
            entry = self.wild_entries.get(key)
            if entry is None:
                entry = self.wild_entries[key] = Entry()
                atoms = _segment_atoms(key, self.substring, self.party_re, phrase, lead=False)
                prefix = re.split(r"\*|\{", key, maxsplit=1)[0]
                self.wild.setdefault(prefix, []).append((re.compile("".join(atoms).replace(_SEP, " ")), entry))
            entries = [entry]
        else:
            entries = []
            for variant in _expand(head, self.parties):
                key = _canonical(variant, self.substring)
                entry = self.exact.get(key)
                if entry is None:
                    entry = self.exact[key] = Entry()
                entries.append(entry)
        for variant in _expand(head, self.parties):
            self.trie.add(_segment_atoms(variant, self.substring, "", phrase, lead=False))
        for entry in {id(e): e for e in entries}.values():
            if tail is not None:
                entry.tails.append((tail, leaf))
            elif entry.plain is None:
                entry.plain = leaf
            elif is_cue and entry.plain.kind <= NEUT:
                raise DataFileError(f"the cue {phrase!r} is listed twice (cues.{self.lang})")

    def build(self, int_window: int, neg_window: int) -> Matcher:
        body = self.trie.pattern()
        regex = re.compile(body if self.substring else " " + body)
        for candidates in self.wild.values():  # the longer phrase first
            candidates.sort(key=lambda item: len(item[0].pattern), reverse=True)
        for entry in [*self.exact.values(), *self.wild_entries.values()]:
            if entry.tails:
                groups = "|".join(f"({tail})" for tail, _ in entry.tails)
                entry.continuation = re.compile(f"{self.gap_re}(?:{groups})")
                entry.tail_leaves = tuple(leaf for _, leaf in entry.tails)
        lengths = tuple(sorted({len(k) for k in self.wild}, reverse=True))
        return Matcher(self.lang, regex, self.exact, self.wild, lengths, self.substring, int_window, neg_window)


def build_matchers(doc: dict[str, Any], config: Config) -> dict[str, Matcher]:
    cues = doc.get("cues")
    if not isinstance(cues, dict) or not cues:
        raise DataFileError("the tone cues file has no 'cues' mapping")
    parties_doc = doc.get("parties") or {}
    modifiers = doc.get("modifiers") or {}
    matchers: dict[str, Matcher] = {}
    for lang, classes in cues.items():
        lang = str(lang)
        if not isinstance(classes, dict):
            raise DataFileError(f"cues.{lang} must map classes to phrases")
        substring = lang in SUBSTRING_LANGS
        parties = _str_list(parties_doc.get(lang), f"parties.{lang}")
        builder = _Builder(lang, parties, config.gap_chars.get(lang, 15 if substring else 40))
        # cues first: where a cue and a party or modifier share a head, the cue wins
        for cls, phrases in classes.items():
            if cls not in CLASSES:
                raise DataFileError(f"cues.{lang}.{cls}: the class must be one of {', '.join(CLASSES)}")
            if not isinstance(phrases, dict):
                raise DataFileError(f"cues.{lang}.{cls} must map phrases to weights")
            for phrase, weight in phrases.items():
                if not isinstance(phrase, str) or not phrase.strip():
                    raise DataFileError(f"cues.{lang}.{cls}: a phrase must be a non-empty string, found {phrase!r}")
                w = _as_float(weight, f"the weight of {phrase!r}")
                if w < 0:
                    raise DataFileError(f"the weight of {phrase!r} must not be negative")
                text = phrase.strip()
                leaf = Leaf(_KIND_OF_CLASS[cls], f"{cls}:{text}", text, w, _PARTY_MACRO in text)
                builder.add(text, leaf, is_cue=True)
        for party in parties:
            builder.add(party, Leaf(PARTY, f"party:{party}", party, 0.0, True), is_cue=False)
        for kind, name in ((INTENS, "intensifier"), (NEG, "negation")):
            for word in _str_list((modifiers.get(name) or {}).get(lang), f"modifiers.{name}.{lang}"):
                builder.add(word, Leaf(kind, f"{name}:{word}", word, 0.0, False), is_cue=False)
        matchers[lang] = builder.build(
            config.int_window.get(lang, 2 if substring else 12), config.neg_window.get(lang, 2 if substring else 16)
        )
    return matchers
