"""Terms for keyness: the tokens enrichment stores with each post."""

from __future__ import annotations

from diplotrack.enrich.terms import tokenize


def test_tokenize_latin() -> None:
    text = "RT @someone: China's #Xinjiang cotton is GREAT &amp; the people don't agree https://t.co/abc123 2022"
    assert tokenize(text, "en") == ["china", "xinjiang", "cotton", "great", "people", "agree"]


def test_tokenize_cjk_bigrams() -> None:
    assert tokenize("推进“一带一路”合作。好", "zh") == ["推进", "一带", "带一", "一路", "合作"]
    assert tokenize("华为5G网络", "zh") == ["华为", "网络"]  # "G" has too few letters


def test_tokenize_language_stopwords() -> None:
    assert tokenize("les relations entre la Chine et les États-Unis", "fr") == ["relations", "chine", "états", "unis"]
    assert tokenize("les relations", "en") == ["les", "relations"]
    assert tokenize(None, "en") == []
