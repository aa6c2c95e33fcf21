"""The cue lexicon for diplomats' posts (English and Chinese): the tone baseline, and features of the classifier.

The index puts a post on a scale from -1 (conciliatory) through 0 (neutral) to +1
(confrontational), gives it a label, and lists the cues that produced it. It operationalises the
notion of tone in ``docs/tone-guidelines.md``; its validation against 390 hand-labelled posts is
in ``docs/tone-evaluation.md``. Since ``tone-2`` the enrichment's labels come from the classifier in
``tone_model.py``, which takes this index's cues as features and keeps it as its baseline.

How a post is scored
--------------------
The cues live in ``data/tone_cues.yaml`` (its header documents the phrase syntax). Each cue is a
phrase with a class (confrontational, conciliatory, or a zero-weight "neutral" blocker) and a
weight. For each language the phrases' heads (the part before any "…" gap) are merged into a
trie and compiled into **one** regular expression without capturing groups (``tone_cues.py``,
with the trie of ``lexicon.py``), so a post is
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
from dataclasses import dataclass
from pathlib import Path

from diplotrack.enrich.tone_cues import (
    CONC,
    CONF,
    INTENS,
    NEG,
    NEUT,
    PARTY,
    SEP_RUN,
    Leaf,
    Matcher,
    build_matchers,
    parse_config,
)
from diplotrack.enrich.yaml_lines import load_unique_keys
from diplotrack.errors import DataFileError

__all__ = ["LABELS", "TONE_VERSION", "ToneResult", "ToneScorer", "DEFAULT_CUES_FILE", "normalise_en"]

#: Bump when the scoring rules in this module change; the cues file's hash is appended.
RULES_VERSION = "tone-1"
LABELS = ("conciliatory", "neutral", "confrontational")
DEFAULT_CUES_FILE = Path(__file__).resolve().parent / "data" / "tone_cues.yaml"

_LANG_ALIASES = {"cmn": "zh", "yue": "zh", "zho": "zh", "chi": "zh", "eng": "en"}
_AUTO_LANGS = frozenset({"", "und", "unknown", "auto", "mul"})

_US_WORD = re.compile(r"US(?<=\bUS)\b")  # starts with a literal, so the search is fast
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# English text: quotes, brackets, hashes, at-signs, dashes and line breaks become spaces, so that
# every word starts after a space and the regex can begin with a literal " " (a fast search).
_EN_SPACED = '"“”()[]{}#@—–\n\r\t\f\v'
_EN_ASCII_TABLE = bytes.maketrans(b'"()[]{}#@\n\r\t\f\v', b" " * 14)  # bytes.translate: fast on ASCII
_EN_SPACED_RE = re.compile("[" + re.escape(_EN_SPACED) + "]")
_EN_CHARS = (("’", "'"), ("‘", "'"), ("‐", "-"), ("‑", "-"))
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


def normalise_en(text: str) -> str:
    """English text as the cues see it (the module docstring says how)."""
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
        doc = load_unique_keys(data.decode("utf-8-sig"), "tone cues file")
        if not isinstance(doc, dict):
            raise DataFileError(f"{path}: the tone cues file must be a YAML mapping")
        self.version = _hash_version(data)
        self.cues_file = path
        self._config = parse_config(doc)
        self._matchers = build_matchers(doc, self._config)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have cues."""
        return tuple(self._matchers)

    def language_of(self, text: str, lang: str | None) -> str:
        """The language whose cues apply: ``lang`` normalised, or guessed when it is None or "und"."""
        if lang and lang in self._matchers:
            return lang
        code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
        code = _LANG_ALIASES.get(code, code)
        if code in _AUTO_LANGS:
            if text.isascii() or _CJK.search(text) is None:
                code = "en"
            else:
                cjk = len(_CJK.findall(text))
                code = "zh" if cjk * 4 >= len(text) - text.count(" ") else "en"
        return code

    def _matcher(self, text: str, lang: str | None) -> Matcher | None:
        if lang:
            matcher = self._matchers.get(lang)
            if matcher is not None:
                return matcher
        return self._matchers.get(self.language_of(text, lang))

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
        norm = text if substring else normalise_en(text)
        c = self._config
        int_window = matcher.int_window
        neg_window = matcher.neg_window
        exact = matcher.exact
        conf = conc = 0.0
        fired: dict[str, None] = {}
        party = False
        modifier: Leaf | None = None
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
                    head = SEP_RUN.sub(" ", head)
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
            if kind >= PARTY:
                if kind == PARTY:
                    party = True
                else:
                    modifier, modifier_end = leaf, m.end()
                continue
            if kind == NEUT:
                continue
            weight = leaf.weight
            key = leaf.key
            party = party or leaf.names_party
            if modifier is not None:
                distance = start - modifier_end
                if modifier.kind == INTENS and distance <= int_window:
                    weight *= c.int_factor
                    fired.setdefault(modifier.key)
                elif modifier.kind == NEG and distance <= neg_window:
                    weight *= c.neg_conc if kind == CONC else c.neg_conf
                    key = f"negated:{leaf.phrase}"
                modifier = None
            if key in fired:
                continue
            fired[key] = None
            if weight < 0:  # a negated conciliatory cue: confrontational weight
                conf -= weight
            elif kind == CONF:
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
