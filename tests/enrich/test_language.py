"""Language detection: sensible on short, hashtag-only, emoji and mixed-script posts, and in
agreement with the platforms' own labels on real posts (docs/language-evaluation.md)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from diplotrack.enrich.language import LANG_VERSION, detect_language, platform_lang

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    """scripts/language/evaluate.py, the evaluation the docs report."""
    spec = importlib.util.spec_from_file_location("language_evaluate", ROOT / "scripts" / "language" / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["language_evaluate"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#China #HongKong #Xinjiang", "und"),  # hashtag-only
        ("https://t.co/3OQ4eGsUku", "und"),  # link-only
        ("👍👍🇨🇳", "und"),  # emoji-only
        ("@SpokespersonCHN OK", "und"),  # two letters
        ("", "und"),
        (None, "und"),
        ("中国坚决反对", "zh"),  # six characters of Chinese are enough
        ("外交", "und"),  # two are not
        ("외교부 대변인 정례 브리핑", "ko"),
        ("ありがとうございます", "ja"),
        ("Bonjour à tous nos amis français, bonne année et bonne santé !", "fr"),
        ("China firmly opposes the so-called sanctions imposed by the US side.", "en"),
        ("Embajada de China en España: celebramos el Año Nuevo Lunar con nuestros amigos.", "es"),
        # an English line and its Chinese translation, about equal by weight: no single language
        ("Happy Chinese New Year to all our friends in the UK! 春节快乐，万事如意，阖家幸福！", "mul"),
    ],
)
def test_detects_or_declines(text: str | None, expected: str) -> None:
    assert detect_language(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Korean with an English name or tag, and English with a Korean caption (lang-1 said mul)
        (
            "싱하이밍 주한 중국대사는 오늘 서울에서 한국 경제계 인사들과 만나 "
            "무역과 투자 협력 방안을 논의했다. Ambassador Xing",
            "ko",
        ),
        (
            "Ambassador Xing Haiming met Korean business leaders in Seoul today to discuss trade. "
            "싱하이밍 대사 서울 방문",
            "en",
        ),
        # Chinese with an English title (lang-1: mul), English with a Chinese name or greeting
        ("外交部发言人汪文斌主持例行记者会，回答了关于中美关系的提问。Regular press conference, Wang Wenbin", "zh"),
        ("Spokesperson Wang Wenbin: China firmly opposes any interference in its internal affairs. 汪文斌", "en"),
        (  # a real post of the demo timelines (lang-1: mul)
            "All glory goes to the workers. On the occasion of the International Labor Day, I wish you all "
            "a safe and happy holiday!\n劳动最光荣，祝五一节日平安快乐!",
            "en",
        ),
    ],
)
def test_a_dominant_language_wins_a_mixed_text(text: str, expected: str) -> None:
    lang, confidence = detect_language(text)
    assert lang == expected
    assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci beaucoup !", "fr"),  # short but clear
        ("Vielen Dank!", "de"),
        ("Who are you?", "en"),
        ("Gracias amigos", "es"),
        ("Спасибо, друзья!", "ru"),
        ("Thanks!", "und"),  # short and the model is unsure: not guessed at
        ("Fury", "und"),  # one word the model does not know
        # what the lite model misread before: typographic apostrophes (read as German), emoji (read as
        # Chinese), a full-width question mark, a colon orphaned by a removed hashtag (read as French)
        ("We’re all Joe Manchin’s prisoners", "en"),
        ("Shop for your Summer drip 💧 ☀️😎", "en"),
        ("How to make SPICY #hotpot seasoning？", "en"),
        ("#GTCartoon: The gun violence loop. #Colorado @_ValiantPanda_ https://t.co/TD2bl8GKo0", "en"),
    ],
)
def test_short_and_noisy_texts(text: str, expected: str) -> None:
    assert detect_language(text)[0] == expected


def test_platform_codes_are_normalised() -> None:
    assert platform_lang("in") == "id" and platform_lang("iw") == "he"
    assert platform_lang("und") is None and platform_lang("qme") is None and platform_lang(None) is None
    assert platform_lang("zxx") is None and platform_lang("qht") is None
    assert platform_lang("en-GB") == "en"


def test_agreement_with_x_labels_on_every_real_fixture_post(ev: ModuleType) -> None:
    """Issue 16's bar: at least 95% agreement with X's own labels and at most 3% abstentions (und or
    mul) on every real X post of the fixtures. Measured with lang-2 (docs/language-evaluation.md):
    212/221 agree (95.9%), 6 abstain (2.7%); tune half 105/108, held-out half 107/113."""
    corpus = ev.load_corpus()
    assert len(corpus.posts) == 221  # a change in the fixtures or the reader shows here first
    assert sum(corpus.undetermined.values()) == 14 and corpus.placeholders == 0
    assert corpus.problems == [
        "tests/fixtures/x-v2/twarc2/streaming_output_with_error.jsonl:8: not JSON (Expecting ',' delimiter); "
        "line skipped"
    ]
    result = ev.evaluate(corpus.posts, "all")
    assert result.agreement.value >= 0.95, result.agreement.cell()
    assert result.abstention.value <= 0.03, result.abstention.cell()
    for half in ("tune", "held-out"):
        part = ev.evaluate([p for p in corpus.posts if p.split == half], half)
        assert part.n > 100 and part.agreement.value >= 0.94 and part.abstention.value <= 0.03, half
    assert LANG_VERSION.startswith("lang-2:")


def test_the_reader_leaves_out_undetermined_placeholders_and_bad_lines(ev: ModuleType, tmp_path: Path) -> None:
    def post(i: int, text: str, lang: str | None, **extra: object) -> dict:
        return {"id": str(i), "text": text, **({"lang": lang} if lang else {}), **extra}

    page = {
        "data": [
            post(1, "China firmly opposes the so-called sanctions imposed by the US side.", "en"),
            post(2, "https://t.co/x", "zxx"),
            post(3, "This Post is unavailable.", "es"),  # X labels the hidden original's language
            post(
                4,
                "RT @a: China firmly opposes the so-called sanctions",
                "en",
                referenced_tweets=[{"type": "retweeted", "id": "1"}],
            ),
            post(5, "no label asked for", None),
        ],
        "includes": {"users": [{"id": "9", "username": "a", "text": "not a post"}], "tweets": [post(1, "dup", "fr")]},
    }
    (tmp_path / "x.jsonl").write_text(json.dumps(page) + "\n{broken\n", encoding="utf-8")
    (tmp_path / "docs-made-up.json").write_text(json.dumps(post(6, "written for tests", "en")), encoding="utf-8")
    corpus = ev.load_corpus(tmp_path)
    assert [p.post_id for p in corpus.posts] == ["1", "4"]
    assert corpus.undetermined == {"zxx": 1} and corpus.placeholders == 1 and corpus.no_lang == 1
    assert corpus.duplicates == 1 and corpus.conflicts == 1 and len(corpus.skipped_files) == 1
    assert corpus.problems == [
        f"{tmp_path / 'x.jsonl'}:2: not JSON (Expecting property name enclosed in double quotes); line skipped"
    ]
    # a repost falls in its original's half
    assert corpus.posts[1].split_key == "1" and corpus.posts[1].split == corpus.posts[0].split
    for hidden in (
        "This media has been disabled in response to a report by the copyright owner.",
        "This Tweet from @abc has been withheld in Germany in response to a legal demand. Learn more.",
        "This Post violated the X Rules. Learn more https://t.co/x",
    ):
        assert ev.is_placeholder(hidden), hidden
    assert not ev.is_placeholder("This post is about the unavailable data on Xinjiang's economy.")
    assert not ev.is_placeholder("This Tweet is unavailable. But here is what I think of it, at length.")


def test_wilson_interval(ev: ModuleType) -> None:
    lo, hi = ev.wilson(5, 10)
    assert round(lo, 4) == 0.2366 and round(hi, 4) == 0.7634
    assert ev.wilson(0, 10)[0] == 0.0 and round(ev.wilson(0, 10)[1], 4) == 0.2775
    assert ev.Rate(0, 0).cell() == "unknown (n=0)"


def test_agreement_with_the_hand_labelled_posts() -> None:
    """The 390 hand-labelled real posts (tests/fixtures/tone: 300 English from the rtweet timelines,
    90 Chinese MFA answers; the annotator's main-language label). Measured with lang-2: 386 decided,
    all agreeing; 4 declined (1.0%: one hashtag-only post, one short caption, two English posts with
    their Chinese translation as mul). Before (lang-1): 381 and 9 (2.3%)."""
    with open(FIX / "tone" / "labels.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    decided = [(detect_language(r["text"])[0], r["lang"]) for r in rows]
    both = [(d, lang) for d, lang in decided if d not in ("und", "mul")]
    assert sum(d == lang for d, lang in both) / len(both) >= 0.99
    assert 1 - len(both) / len(decided) <= 0.02
    assert all(d == "zh" for d, lang in both if lang == "zh")
