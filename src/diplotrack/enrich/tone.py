"""An explainable confrontation index for diplomats' posts (English and Chinese).

The index puts a post on a scale from -1 (conciliatory) through 0 (neutral) to +1
(confrontational), gives it a label, and lists the cues that produced it. It operationalises the
notion of tone in ``docs/tone-guidelines.md``; its validation against 390 hand-labelled posts is
in ``docs/tone-evaluation.md``.

How a post is scored
--------------------
The cues live in ``data/tone_cues.yaml`` (its header documents the phrase syntax). Each cue is a
phrase with a class (confrontational, conciliatory, or a zero-weight "neutral" blocker) and a
weight. For each language the phrases' heads (the part before any "…" gap) are merged into a
trie and compiled into **one** regular expression without capturing groups, so a post is
scanned in a single pass (the longest phrase wins at a position; matches do not overlap). English
text is normalised first so that every word follows a space and the expression can begin with a
literal space, which the regex engine searches for quickly. Each match is resolved to its cue by
a dictionary lookup of the matched text (a cached prefix lookup for ``word*`` phrases); a gap
cue's tail ("urge* … to stop") is checked by one small anchored match after its head. Then a few
rules run over the handful of matches, not over the text:

* **intensifier**: an intensifier ("strongly", "强烈") just before a cue multiplies its weight by
  ``rules.intensifier.factor``;
* **negation**: a negator ("not", "并非") just before a cue multiplies its weight by
  ``rules.negation.factor_conciliatory`` (negative: "not … partners" counts towards
  confrontation) or ``factor_confrontational`` ("will never seek hegemony" is no attack);
* **rhetorical question**: a question mark in a post that names a party (``parties`` in the
  file: "the US", "NATO", "美方", "某些国家", …) adds ``rules.rhetorical_question.weight`` to C;
* **quoted question**: a closing quote right before a question mark ('"Rules-based order"?')
  adds ``rules.quoted_question.weight`` to C;
* **no party named**: when the post names no party and @-mentions no one, C is multiplied by
  ``rules.untargeted.factor`` (the guidelines require an identifiable target).

With C the sum of the confrontational weights and K the sum of the conciliatory weights (each
distinct cue counted once per post; a negated conciliatory cue adds ``-factor * weight`` to C)::

    net   = dominance * C - K
    score = round(tanh(net / scale), 4)     # in [-1, 1]; exactly 0 when no cue fired

    label = "confrontational"  if score >= thresholds.confrontational and net > 0
            "conciliatory"     if score <= thresholds.conciliatory and net < 0
            "neutral"          otherwise

``dominance`` > 1 encodes the guidelines' rule that an attack makes a post confrontational even
when it also has cooperative words. ``dominance``, ``scale``, the rule factors and the thresholds
are in the cues file and were tuned on the dev split only (values: dominance 1.5, scale 4,
thresholds +0.35 / -0.30, no-party factor 0.6).

The explanation is ``ToneResult.cues``, in the order the cues occur: ``"confrontational:<phrase>"``
and ``"conciliatory:<phrase>"`` (the phrase as written in the file), ``"negated:<phrase>"``,
``"intensifier:<word>"`` (an intensifier that applied), and ``"rule:rhetorical question"``,
``"rule:quoted question"``, ``"rule:no party named"``.

English normalisation: the word "US" in capitals becomes "u.s." (so the pronoun "us" is never a
party), then the text is lower-cased, "&amp;" becomes "&", curly apostrophes become straight,
and double quotes, brackets, "#", "@", dashes and line breaks become spaces. Chinese is matched
as is. With ``lang=None`` (or "und") the language is guessed: Chinese when at least a quarter of
the non-space characters are CJK ideographs, else English. A language without cues gives a
neutral result.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LABELS", "TONE_VERSION", "ToneResult", "ToneScorer", "DEFAULT_CUES_FILE"]

#: Bump when the scoring rules in this module change; the cues file's hash is appended.
RULES_VERSION = "tone-1"
LABELS = ("conciliatory", "neutral", "confrontational")
DEFAULT_CUES_FILE = Path(__file__).resolve().parent / "data" / "tone_cues.yaml"

_CLASSES = ("confrontational", "conciliatory", "neutral")
_SUBSTRING_LANGS = frozenset({"zh", "ja"})  # no word boundaries: phrases match as substrings
_LANG_ALIASES = {"cmn": "zh", "yue": "zh", "zho": "zh", "chi": "zh", "eng": "en"}
_AUTO_LANGS = frozenset({"", "und", "unknown", "auto", "mul"})

# kinds of leaf
_CONF, _CONC, _NEUT, _PARTY, _INTENS, _NEG = range(6)
_KIND_OF_CLASS = {"confrontational": _CONF, "conciliatory": _CONC, "neutral": _NEUT}

_WORD_CHAR = re.compile(r"\w")
_US_WORD = re.compile(r"US(?<=\bUS)\b")  # starts with a literal, so the search is fast
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# English text: quotes, brackets, hashes, at-signs, dashes and line breaks become spaces, so that
# every word starts after a space and the regex can begin with a literal " " (a fast search).
_EN_SPACED = '"“”()[]{}#@—–\n\r\t\f\v'
_EN_ASCII_TABLE = bytes.maketrans(b'"()[]{}#@\n\r\t\f\v', b" " * 14)  # bytes.translate: fast on ASCII
_EN_SPACED_RE = re.compile("[" + re.escape(_EN_SPACED) + "]")
_EN_CHARS = (("’", "'"), ("‘", "'"), ("‐", "-"), ("‑", "-"))
_SEP = r"[\s\-]+"
_SEP_RUN = re.compile(_SEP)
_WILD = r"\w*"
_BOUND = r"\b"
_PARTY_MACRO = "{party}"
_GAP_SPLIT = re.compile(r"\s*(?:…|\.\.\.)\s*")
_QUOTED_QUESTIONS = ('"?', "”?", "”？", '"？', "'?", "’?", "」？")


def _hash_version(data: bytes) -> str:
    return f"{RULES_VERSION}-{hashlib.sha256(data).hexdigest()[:10]}"


#: The version of the bundled cues and rules; stored with every tone value so results can be traced.
TONE_VERSION = _hash_version(DEFAULT_CUES_FILE.read_bytes())


@dataclass(frozen=True, slots=True)
class ToneResult:
    """The tone of one post: a label, a score in [-1, 1] and the cues that fired."""

    label: str
    score: float
    cues: tuple[str, ...]


_NEUTRAL_RESULT = ToneResult("neutral", 0.0, ())


@dataclass(frozen=True, slots=True)
class _Leaf:
    kind: int
    key: str  # what ToneResult.cues shows, e.g. "confrontational:smear*"
    phrase: str
    weight: float
    names_party: bool


@dataclass(slots=True)
class _Entry:
    """What a matched head resolves to: a gap continuation if one follows, else the plain leaf."""

    plain: _Leaf | None = None
    tails: list[tuple[str, _Leaf]] = field(default_factory=list)  # (regex of the tail, leaf)
    # one regex: gap, then the tails as groups 1..n; the nearest tail wins (see _Builder.build)
    continuation: re.Pattern[str] | None = None
    tail_leaves: tuple[_Leaf, ...] = ()


@dataclass(slots=True)
class _Matcher:
    lang: str
    regex: re.Pattern[str]  # all heads, one alternation (a trie); no capturing groups
    exact: dict[str, _Entry]  # canonical head text -> entry
    wild: dict[str, list[tuple[re.Pattern[str], _Entry]]]  # literal prefix of a wildcard head -> entries
    wild_lengths: tuple[int, ...]  # the prefix lengths in `wild`, longest first
    substring: bool
    int_window: int
    neg_window: int
    resolved: dict[str, _Entry | None] = field(default_factory=dict)  # cache of wildcard lookups

    def resolve(self, head: str) -> _Entry | None:
        """The entry of a head that is not in `exact` (a wildcard head such as "smear*")."""
        try:
            return self.resolved[head]
        except KeyError:
            pass
        found: _Entry | None = None
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
class _Config:
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


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (a duplicated cue is a likely mistake)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in the tone cues file (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Trie:
    """Heads as sequences of regex atoms, merged on common prefixes and emitted as one regex."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}

    def add(self, atoms: list[str]) -> None:
        node = self.root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}

    def pattern(self) -> str:
        return self._emit(self.root) if self.root else "(?!)"

    def _emit(self, node: dict[str, Any]) -> str:
        def order(atom: str) -> int:  # literals and separators first: the longer phrase is tried first
            return {_WILD: 1, _BOUND: 2}.get(atom, 0)

        alts = [atom + self._emit(node[atom]) for atom in sorted((a for a in node if a), key=order)]
        if "" in node:
            alts.append("")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"


def _canonical(phrase: str, substring: bool) -> str:
    """The lookup form of a head: lower case, runs of spaces and hyphens as one space (English)."""
    return phrase if substring else _SEP_RUN.sub(" ", phrase.lower()).strip()


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
                raise ValueError(f"'*' may only end a word, in the cue {where!r}")
            atoms.append(_WILD)
        else:
            atoms.append(re.escape(ch))
        i += 1
    if not substring:
        if lead and _WORD_CHAR.match(segment[0]):
            atoms.insert(0, _BOUND)
        if _WORD_CHAR.match(segment[-1]):
            atoms.append(_BOUND)
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
        raise ValueError(f"{where} must be a number, found {value!r}")
    return float(value)


def _per_lang(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must map languages to numbers of characters")
    return {str(k): int(_as_float(v, f"{where}.{k}")) for k, v in value.items()}


def _parse_config(doc: dict[str, Any]) -> _Config:
    scoring = doc.get("scoring") or {}
    rules = doc.get("rules") or {}
    thresholds = scoring.get("thresholds") or {}
    intensifier = rules.get("intensifier") or {}
    negation = rules.get("negation") or {}
    question = rules.get("rhetorical_question") or {}
    quoted = rules.get("quoted_question") or {}
    untargeted = rules.get("untargeted") or {}
    config = _Config(
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
        raise ValueError("scoring.scale must be positive")
    if not -1.0 < config.t_conc <= 0.0 <= config.t_conf < 1.0:
        raise ValueError("scoring.thresholds: need -1 < conciliatory <= 0 <= confrontational < 1")
    return config


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return [v.strip().lower() for v in value]


class _Builder:
    """Collects the phrases of one language and compiles its matcher."""

    def __init__(self, lang: str, parties: list[str], gap: int) -> None:
        self.lang = lang
        self.substring = lang in _SUBSTRING_LANGS
        self.parties = parties
        self.party_re = _party_alternation(parties, self.substring)
        self.gap_re = _gap_regex(self.substring, gap)
        self.trie = _Trie()
        self.exact: dict[str, _Entry] = {}
        self.wild_entries: dict[str, _Entry] = {}
        self.wild: dict[str, list[tuple[re.Pattern[str], _Entry]]] = {}

    def add(self, phrase: str, leaf: _Leaf, *, is_cue: bool) -> None:
        phrase = phrase.strip() if self.substring else phrase.strip().lower()
        parts = _GAP_SPLIT.split(phrase)
        if any(not part for part in parts):
            raise ValueError(f"empty part in the cue {phrase!r} (a '…' at an end, or two in a row)")
        head, rest = parts[0], parts[1:]
        if _PARTY_MACRO in phrase and not self.parties:
            raise ValueError(f"the cue {phrase!r} uses {{party}} but parties.{self.lang} is empty")
        if self.substring and "*" in phrase:
            raise ValueError(f"'*' is for word-boundary languages only, in the cue {phrase!r}")
        if not self.substring and not _WORD_CHAR.match(head[0]) and not head.startswith(_PARTY_MACRO):
            raise ValueError(f"an English-style cue must start with a letter or digit: {phrase!r}")
        tail = None
        if rest:
            tail = self.gap_re.join(
                "".join(_segment_atoms(part, self.substring, self.party_re, phrase, lead=True)) for part in rest
            )
        if "*" in head:
            key = _canonical(head, self.substring)
            entry = self.wild_entries.get(key)
            if entry is None:
                entry = self.wild_entries[key] = _Entry()
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
                    entry = self.exact[key] = _Entry()
                entries.append(entry)
        for variant in _expand(head, self.parties):
            self.trie.add(_segment_atoms(variant, self.substring, "", phrase, lead=False))
        for entry in {id(e): e for e in entries}.values():
            if tail is not None:
                entry.tails.append((tail, leaf))
            elif entry.plain is None:
                entry.plain = leaf
            elif is_cue and entry.plain.kind <= _NEUT:
                raise ValueError(f"the cue {phrase!r} is listed twice (cues.{self.lang})")

    def build(self, int_window: int, neg_window: int) -> _Matcher:
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
        return _Matcher(self.lang, regex, self.exact, self.wild, lengths, self.substring, int_window, neg_window)


def _build_matchers(doc: dict[str, Any], config: _Config) -> dict[str, _Matcher]:
    cues = doc.get("cues")
    if not isinstance(cues, dict) or not cues:
        raise ValueError("the tone cues file has no 'cues' mapping")
    parties_doc = doc.get("parties") or {}
    modifiers = doc.get("modifiers") or {}
    matchers: dict[str, _Matcher] = {}
    for lang, classes in cues.items():
        lang = str(lang)
        if not isinstance(classes, dict):
            raise ValueError(f"cues.{lang} must map classes to phrases")
        substring = lang in _SUBSTRING_LANGS
        parties = _str_list(parties_doc.get(lang), f"parties.{lang}")
        builder = _Builder(lang, parties, config.gap_chars.get(lang, 15 if substring else 40))
        # cues first: where a cue and a party or modifier share a head, the cue wins
        for cls, phrases in classes.items():
            if cls not in _CLASSES:
                raise ValueError(f"cues.{lang}.{cls}: the class must be one of {', '.join(_CLASSES)}")
            if not isinstance(phrases, dict):
                raise ValueError(f"cues.{lang}.{cls} must map phrases to weights")
            for phrase, weight in phrases.items():
                if not isinstance(phrase, str) or not phrase.strip():
                    raise ValueError(f"cues.{lang}.{cls}: a phrase must be a non-empty string, found {phrase!r}")
                w = _as_float(weight, f"the weight of {phrase!r}")
                if w < 0:
                    raise ValueError(f"the weight of {phrase!r} must not be negative")
                text = phrase.strip()
                leaf = _Leaf(_KIND_OF_CLASS[cls], f"{cls}:{text}", text, w, _PARTY_MACRO in text)
                builder.add(text, leaf, is_cue=True)
        for party in parties:
            builder.add(party, _Leaf(_PARTY, f"party:{party}", party, 0.0, True), is_cue=False)
        for kind, name in ((_INTENS, "intensifier"), (_NEG, "negation")):
            for word in _str_list((modifiers.get(name) or {}).get(lang), f"modifiers.{name}.{lang}"):
                builder.add(word, _Leaf(kind, f"{name}:{word}", word, 0.0, False), is_cue=False)
        matchers[lang] = builder.build(
            config.int_window.get(lang, 2 if substring else 12), config.neg_window.get(lang, 2 if substring else 16)
        )
    return matchers


def _normalise_en(text: str) -> str:
    if "US" in text:
        text = _US_WORD.sub("u.s.", text)
    text = text.lower()
    if "&amp;" in text:
        text = text.replace("&amp;", "&")
    if text.isascii():
        return " " + text.encode("ascii").translate(_EN_ASCII_TABLE).decode("ascii")
    for old, new in _EN_CHARS:
        if old in text:
            text = text.replace(old, new)
    return " " + _EN_SPACED_RE.sub(" ", text)


class ToneScorer:
    """Scores posts with the cues of one cues file (default: the bundled ``tone_cues.yaml``)."""

    version: str

    def __init__(self, cues_file: Path | None = None) -> None:
        path = Path(cues_file) if cues_file is not None else DEFAULT_CUES_FILE
        data = path.read_bytes()
        doc = yaml.load(data.decode("utf-8-sig"), Loader=_UniqueKeyLoader)  # a SafeLoader subclass
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: the tone cues file must be a YAML mapping")
        self.version = _hash_version(data)
        self.cues_file = path
        self._config = _parse_config(doc)
        self._matchers = _build_matchers(doc, self._config)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have cues."""
        return tuple(self._matchers)

    def _matcher(self, text: str, lang: str | None) -> _Matcher | None:
        if lang:
            matcher = self._matchers.get(lang)
            if matcher is not None:
                return matcher
        code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
        code = _LANG_ALIASES.get(code, code)
        if code in _AUTO_LANGS:
            if text.isascii() or _CJK.search(text) is None:
                code = "en"
            else:
                cjk = len(_CJK.findall(text))
                code = "zh" if cjk * 4 >= len(text) - text.count(" ") else "en"
        return self._matchers.get(code)

    def score(self, text: str | None, lang: str | None = None) -> ToneResult:
        """The tone of ``text``; ``lang`` picks the cues ("en", "zh", …; None or "und": guessed).

        A language without cues, an empty text, or a text with no cue is neutral with score 0.
        """
        if not text:
            return _NEUTRAL_RESULT
        matcher = self._matcher(text, lang)
        if matcher is None:
            return _NEUTRAL_RESULT
        substring = matcher.substring
        norm = text if substring else _normalise_en(text)
        c = self._config
        int_window = matcher.int_window
        neg_window = matcher.neg_window
        exact = matcher.exact
        conf = conc = 0.0
        fired: dict[str, None] = {}
        party = False
        modifier: _Leaf | None = None
        modifier_end = 0
        tail_start = tail_end = -1  # the span of the last gap cue's tail: it does not fire again on its own
        offset = 0 if substring else 1  # English matches begin with the space before the word
        for m in matcher.regex.finditer(norm):
            start = m.start() + offset
            if tail_start <= start and m.end() <= tail_end:  # a longer cue that starts at the tail still fires
                continue
            head = m.group()
            if not substring:
                head = head[1:]
                if "-" in head or "  " in head or not head.isascii():
                    head = _SEP_RUN.sub(" ", head)
            entry = exact.get(head) or matcher.resolve(head)
            if entry is None:
                continue
            leaf = entry.plain
            if entry.continuation is not None:
                found = entry.continuation.match(norm, m.end())
                if found is not None:
                    group = found.lastindex or 1
                    leaf = entry.tail_leaves[group - 1]
                    tail_start, tail_end = found.span(group)
            if leaf is None:
                continue
            kind = leaf.kind
            if kind >= _PARTY:
                if kind == _PARTY:
                    party = True
                else:
                    modifier, modifier_end = leaf, m.end()
                continue
            if kind == _NEUT:
                continue
            weight = leaf.weight
            key = leaf.key
            party = party or leaf.names_party
            if modifier is not None:
                distance = start - modifier_end
                if modifier.kind == _INTENS and distance <= int_window:
                    weight *= c.int_factor
                    fired.setdefault(modifier.key)
                elif modifier.kind == _NEG and distance <= neg_window:
                    weight *= c.neg_conc if kind == _CONC else c.neg_conf
                    key = f"negated:{leaf.phrase}"
                modifier = None
            if key in fired:
                continue
            fired[key] = None
            if weight < 0:  # a negated conciliatory cue: confrontational weight
                conf -= weight
            elif kind == _CONF:
                conf += weight
            else:
                conc += weight
        if "?" in text or "？" in text:
            if party and c.question_weight:
                conf += c.question_weight
                fired["rule:rhetorical question"] = None
            if c.quoted_question_weight and any(q in text for q in _QUOTED_QUESTIONS):
                conf += c.quoted_question_weight
                fired["rule:quoted question"] = None
        if not fired:
            return _NEUTRAL_RESULT
        if conf and not party and c.untargeted_factor != 1.0 and "@" not in text:
            conf *= c.untargeted_factor
            fired["rule:no party named"] = None
        net = c.dominance * conf - conc
        score = round(math.tanh(net / c.scale), 4)
        if score >= c.t_conf and net > 0:
            label = "confrontational"
        elif score <= c.t_conc and net < 0:
            label = "conciliatory"
        else:
            label = "neutral"
        return ToneResult(label, score, tuple(fired))
