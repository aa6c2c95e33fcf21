"""The tone classifier: a linear model over words, character n-grams and the cue lexicon's hits.

``ToneClassifier().score(text, lang)`` gives the same :class:`~diplotrack.enrich.tone.ToneResult`
as the cue lexicon (``tone.ToneScorer``, kept as the baseline and as a feature source), but the
label comes from a multinomial logistic regression trained on two annotators' adjudicated labels
(``tests/fixtures/tone/``, split by account; see ``docs/tone-evaluation.md``).

Features of a post (all binary, the vector L2-normalised):

* ``w:<word>`` and ``b:<word> <word>``: English (and other Latin-script) words after the cue
  lexicon's normalisation, links, @handles and digits folded to ``<url>``, ``@`` and ``0``;
* ``c:<chars>``: runs of 1–3 CJK characters (Chinese has no spaces between words);
* ``cue:<class>:<phrase>``, ``rule:<name>`` and ``lex:<label>``: what the cue lexicon found;
* ``lang:<code>`` and the bias.

The model ships as plain JSON (``data/tone_model.json``: classes, intercepts and one weight row
per feature; no pickle), loaded once and offline. ``version`` is ``tone-2-`` plus a hash of the
file's weights. The result's ``score`` is P(confrontational) − P(conciliatory), in [-1, 1]; the
label is the most probable class. ``cues`` explains it: the lexicon's cues first, then up to
:data:`EXPLAIN` ``feature:<text>`` entries, the features that pushed the post most towards its
label (weight for the label minus the mean of the other two).
"""

from __future__ import annotations

import hashlib
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from diplotrack.enrich.tone import LABELS, TONE_VERSION, ToneResult, ToneScorer, normalise_en
from diplotrack.errors import DataFileError

__all__ = ["MODEL_FILE", "ToneClassifier", "bundled_version", "evaluation", "features"]

MODEL_FILE = Path(__file__).resolve().parent / "data" / "tone_model.json"
FORMAT = "diplotrack-tone-linear/1"
EXPLAIN = 4

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<![\w])@\w+")
_WORD = re.compile(r"[a-z][a-z'.\-]*[a-z]|[a-z]|[0-9]+|[?!]")
_NOT_EXPLAINED = ("cue:", "rule:", "lang:", "lex:", "has:")  # the lexicon's cues are listed already
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "on",
        "for",
        "at",
        "by",
        "is",
        "are",
        "was",
        "be",
        "with",
        "as",
        "it",
        "its",
        "this",
        "that",
        "from",
    ]
)
_DULL = _STOP | {"you", "we", "i", "<url>", "0"}  # never offered as an explanation


def _cjk_grams(text: str, out: set[str]) -> None:
    for run in _CJK_RUN.findall(text):
        n = len(run)
        for i in range(n):
            out.add("c:" + run[i])
            if i + 1 < n:
                out.add("c:" + run[i : i + 2])
                if i + 2 < n:
                    out.add("c:" + run[i : i + 3])


def features(text: str, lang: str, lexicon: ToneResult) -> set[str]:
    """The post's features (see the module docstring); ``lang`` is "en", "zh" or another code."""
    out: set[str] = {"lang:" + lang, "lex:" + lexicon.label}
    for cue in lexicon.cues:
        out.add(cue if cue.startswith("rule:") else "cue:" + cue)
    body = _URL.sub(" <url> ", text)
    if "@" in body:
        out.add("has:@")
        body = _HANDLE.sub(" ", body)
    if _CJK_RUN.search(body):
        _cjk_grams(body, out)
    norm = normalise_en(body)
    prev = ""
    for word in _WORD.findall(norm):
        if word[0].isdigit():
            word = "0"
        out.add("w:" + word)
        if prev:
            out.add("b:" + prev + " " + word)
        prev = "" if word in _STOP and not prev else word
    return out


class ToneClassifier:
    """Scores posts with the bundled linear model (or the JSON model file given)."""

    version: str

    def __init__(self, model_file: Path | None = None, lexicon: ToneScorer | None = None) -> None:
        path = Path(model_file) if model_file is not None else MODEL_FILE
        doc = _load(str(path))
        self.model_file = path
        self.version = doc["_version"]
        self.classes: tuple[str, ...] = tuple(doc["classes"])
        self.intercept: tuple[float, ...] = tuple(doc["intercept"])
        self.weights: dict[str, list[float]] = doc["weights"]
        self.meta: dict[str, Any] = {k: v for k, v in doc.items() if k not in ("weights", "_version")}
        self.lexicon = lexicon or ToneScorer()
        self.version = f"{self.version}+{self.lexicon.version}"

    def probabilities(self, text: str, lang: str | None = None) -> tuple[dict[str, float], set[str], ToneResult]:
        lex = self.lexicon.score(text, lang)
        code = self.lexicon.language_of(text, lang)
        feats = features(text, code, lex)
        weights = self.weights
        known = [weights[f] for f in feats if f in weights]
        norm = 1.0 / math.sqrt(len(feats))
        logits = list(self.intercept)
        for row in known:
            for k in range(len(logits)):
                logits[k] += row[k] * norm
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}, feats, lex

    def score(self, text: str | None, lang: str | None = None) -> ToneResult:
        """The tone of ``text``: the most probable label, P(conf) − P(conc), and what drove it."""
        if not text or not text.strip():
            return ToneResult("neutral", 0.0, ())
        probs, feats, lex = self.probabilities(text, lang)
        label = max(probs, key=probs.__getitem__)
        score = round(probs.get("confrontational", 0.0) - probs.get("conciliatory", 0.0), 4)
        return ToneResult(label, score, lex.cues + self.explain(feats, label))

    def explain(self, feats: set[str], label: str) -> tuple[str, ...]:
        k = self.classes.index(label)
        pushes = []
        for f in feats:
            row = self.weights.get(f)
            if row is None or f.startswith(_NOT_EXPLAINED) or all(w in _DULL for w in f[2:].split(" ")):
                continue
            margin = row[k] - sum(row[j] for j in range(len(row)) if j != k) / (len(row) - 1)
            if margin > 0:
                pushes.append((margin, f))
        pushes.sort(reverse=True)
        return tuple("feature:" + f.split(":", 1)[1] for _, f in pushes[:EXPLAIN])


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    try:
        raw = Path(path).read_bytes()
        doc = orjson.loads(raw)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read the tone model ({exc}); reinstall diplotrack") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataFileError(f"{path}: not a {FORMAT} tone model file")
    classes, intercept, weights = doc.get("classes"), doc.get("intercept"), doc.get("weights")
    if (
        not isinstance(classes, list)
        or sorted(classes) != sorted(LABELS)
        or not isinstance(intercept, list)
        or len(intercept) != len(classes)
        or not isinstance(weights, dict)
        or any(not isinstance(r, list) or len(r) != len(classes) for r in weights.values())
    ):
        raise DataFileError(f"{path}: the tone model's classes, intercepts or weights are malformed")
    digest = hashlib.sha256(orjson.dumps([classes, intercept, weights], option=orjson.OPT_SORT_KEYS)).hexdigest()
    doc["_version"] = f"tone-2-{digest[:10]}"
    return doc


EVALUATION_FILE = MODEL_FILE.with_name("tone_evaluation.json")


def bundled_version() -> str:
    """``ToneClassifier().version`` of the bundled model and cues, without compiling the cues."""
    return f"{_load(str(MODEL_FILE))['_version']}+{TONE_VERSION}"


def evaluation() -> dict[str, Any] | None:
    """The shipped model's evaluation on the held-out test split (``scripts/tone/evaluate_model.py
    --write``), or None when the file is missing or is for another model version."""
    try:
        doc = orjson.loads(EVALUATION_FILE.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("model_version") != bundled_version():
        return None
    return doc
