"""Language detection: sensible on short, hashtag-only, emoji and mixed-script posts, and in
agreement with the platforms' own labels on real posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diplotrack.enrich.language import detect_language, platform_lang

FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#China #HongKong #Xinjiang", "und"),  # hashtag-only
        ("https://t.co/3OQ4eGsUku", "und"),  # link-only
        ("👍👍🇨🇳", "und"),  # emoji-only
        ("@SpokespersonCHN thanks!", "und"),  # two words
        ("", "und"),
        (None, "und"),
        ("中国坚决反对", "zh"),  # six characters of Chinese are enough
        ("외교부 대변인 정례 브리핑", "ko"),
        ("Bonjour à tous nos amis français, bonne année et bonne santé !", "fr"),
        ("China firmly opposes the so-called sanctions imposed by the US side.", "en"),
        ("Embajada de China en España: celebramos el Año Nuevo Lunar con nuestros amigos.", "es"),
        ("Happy Chinese New Year to all our friends in the UK! 春节快乐，万事如意，阖家幸福！", "mul"),
    ],
)
def test_detects_or_declines(text: str | None, expected: str) -> None:
    assert detect_language(text)[0] == expected


def test_platform_codes_are_normalised() -> None:
    assert platform_lang("in") == "id" and platform_lang("iw") == "he"
    assert platform_lang("und") is None and platform_lang("qme") is None and platform_lang(None) is None
    assert platform_lang("en-GB") == "en"


def _x_texts() -> list[tuple[str, str]]:
    """(text, X's lang) of every distinct real post in the twarc2 fixtures."""
    seen: dict[str, tuple[str, str]] = {}
    for name in ("noflat.jsonl", "entities_test.jsonl", "cashtags.jsonl", "mentions_tweet.jsonl"):
        for line in (FIX / "x-v2" / "twarc2" / name).read_text().splitlines():
            try:
                page = json.loads(line)
            except json.JSONDecodeError:
                continue
            data = page.get("data", [])
            items = data if isinstance(data, list) else [data]
            for t in items + page.get("includes", {}).get("tweets", []):
                if isinstance(t, dict) and t.get("text") and t.get("lang"):
                    seen[t["id"]] = (t["text"], t["lang"])
    return list(seen.values())


def test_agreement_with_x_labels_on_real_posts() -> None:
    """Measured 2026-11-26 on the 164 distinct real posts of the fixtures that X labelled with a
    language (145 en, 15 es, 3 tl, 1 sv): 157 decided, all 157 agreeing with X; 7 declined (4.3%).
    See docs/enrichment.md. The floors below come from that measurement, less a margin."""
    pairs = [(t, platform_lang(lang)) for t, lang in _x_texts()]
    labelled = [(t, lang) for t, lang in pairs if lang is not None]
    decided = [(detect_language(t)[0], lang) for t, lang in labelled]
    both = [(d, lang) for d, lang in decided if d not in ("und", "mul")]
    agree = sum(d == lang for d, lang in both) / len(both)
    declined = 1 - len(both) / len(decided)
    assert len(labelled) == 164
    assert agree >= 0.98, agree
    assert declined <= 0.08, declined


def test_agreement_with_the_hand_labelled_posts() -> None:
    """The 390 hand-labelled real posts (tests/fixtures/tone: 300 English from the rtweet timelines,
    90 Chinese MFA answers; the annotator's main-language label). Measured 2026-11-26: 381 decided,
    all agreeing; 9 declined (2.3%: 7 short captions with a link as und, 2 English posts quoting
    Chinese as mul)."""
    import csv

    with open(FIX / "tone" / "labels.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    decided = [(detect_language(r["text"])[0], r["lang"]) for r in rows]
    both = [(d, lang) for d, lang in decided if d not in ("und", "mul")]
    assert sum(d == lang for d, lang in both) / len(both) >= 0.99
    assert 1 - len(both) / len(decided) <= 0.045
    assert all(d == "zh" for d, lang in both if lang == "zh")
