"""The confrontation index: which cues fire, the score's bounds and sign, and its accuracy on held-out posts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplotrack.enrich.tone import DEFAULT_CUES_FILE, LABELS, TONE_VERSION, ToneResult, ToneScorer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer() -> ToneScorer:
    return ToneScorer()


def _load_evaluate() -> ModuleType:
    path = ROOT / "scripts" / "tone" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("tone_evaluate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tone_evaluate"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# --- the API -----------------------------------------------------------------------------------------------------


def test_labels_and_version(scorer: ToneScorer) -> None:
    assert LABELS == ("conciliatory", "neutral", "confrontational")
    assert TONE_VERSION.startswith("tone-1-")
    assert scorer.version == TONE_VERSION
    assert set(scorer.languages) >= {"en", "zh"}


def test_version_follows_the_cues_file(tmp_path: Path) -> None:
    assert DEFAULT_CUES_FILE.name == "tone_cues.yaml" and DEFAULT_CUES_FILE.is_file()
    small = tmp_path / "a.yaml"
    small.write_text("cues:\n  en:\n    confrontational:\n      smear*: 3\n", encoding="utf-8")
    changed = tmp_path / "b.yaml"
    changed.write_text(small.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    versions = {ToneScorer(small).version, ToneScorer(changed).version, TONE_VERSION}
    assert len(versions) == 3
    assert all(v.startswith("tone-1-") for v in versions)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_text_is_neutral(scorer: ToneScorer, text: str | None) -> None:
    result = scorer.score(text, "en")
    assert result.label == "neutral"
    assert result.score == 0.0
    assert result.cues == ()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A waterfall wonderland in Guizhou. https://t.co/PdKxd71uIG", "en"),
        ("Join us for the celebration?", "en"),  # "us" is a pronoun, not the US: no rhetorical question
        ("建议你向主管部门询问。", "zh"),
        ("中方坚持互不干涉内政原则。", "zh"),  # the blocker pre-empts 干涉内政
        ("Nous condamnons fermement cette décision.", "fr"),  # no cues for French
    ],
)
def test_no_cue_is_neutral_zero(scorer: ToneScorer, text: str, lang: str) -> None:
    assert scorer.score(text, lang) == ToneResult("neutral", 0.0, ())


# --- specific cues -------------------------------------------------------------------------------------------------

EN_CASES = [
    (
        "China firmly opposes US arms sales to Taiwan.",
        ("confrontational:firmly oppose*", "confrontational:arms sales"),
        "confrontational",
    ),
    (
        "We urge the US to stop smearing China with lies.",
        ("confrontational:urge* {party}", "confrontational:stop smearing", "confrontational:lies"),
        "confrontational",
    ),
    (
        "The so-called democracy summit is nothing but hypocrisy.",
        (
            "confrontational:so-called",
            "confrontational:nothing but",
            "confrontational:hypocri*",
            "rule:no party named",
        ),
        "confrontational",
    ),
    (
        "The US should immediately revoke its so-called sanctions, or China will take countermeasures.",
        (
            "confrontational:{party} should",
            "confrontational:immediately revoke",
            "confrontational:so-called",
            "confrontational:sanction*",
            "confrontational:countermeasure*",
        ),
        "confrontational",
    ),
    ("Did the US really mean it?", ("rule:rhetorical question",), "confrontational"),
    (
        '"Rules-based international order"?',
        ("confrontational:rules-based international order", "rule:quoted question", "rule:no party named"),
        "confrontational",
    ),
    (
        "Win-win cooperation and time-tested friendship between China &amp; Pakistan!",
        ("conciliatory:win-win", "conciliatory:cooperation", "conciliatory:time-tested", "conciliatory:friendship"),
        "conciliatory",
    ),
    (
        "Deep condolences to the people of Tonga. We are deeply grateful for your help.",
        ("conciliatory:condolence*", "intensifier:deeply", "conciliatory:grateful"),
        "conciliatory",
    ),
    ("Happy New Year to all our friends!", ("conciliatory:happy new year", "conciliatory:friends"), "conciliatory"),
    ("The key lies in cooperation.", ("conciliatory:cooperation",), "neutral"),  # "lies in" is not "lies"
    ("They are not partners.", ("negated:partner*", "rule:no party named"), "neutral"),
]

ZH_CASES = [
    (
        "中方对此坚决反对，并已向美方提出严正交涉。",
        ("confrontational:坚决反对", "confrontational:严正交涉"),
        "confrontational",
    ),
    (
        "我们敦促美方立即停止抹黑中国。",
        ("confrontational:敦促…停止", "confrontational:立即停止", "confrontational:抹黑"),
        "confrontational",
    ),
    (
        "所谓“民主峰会”不过是一场闹剧。",
        ("confrontational:所谓", "confrontational:闹剧", "rule:no party named"),
        "confrontational",
    ),
    (
        "美方必须停止干涉中国内政。",
        ("confrontational:{party}必须", "confrontational:停止…干涉", "confrontational:干涉中国内政"),
        "confrontational",
    ),
    (
        "中巴友谊万古长青，我们愿同各方携手合作，实现互利共赢。",
        ("conciliatory:友谊", "conciliatory:愿同", "conciliatory:携手", "conciliatory:合作", "conciliatory:互利共赢"),
        "conciliatory",
    ),
    ("我们对遇难者表示深切哀悼，向伤者致以慰问。", ("conciliatory:深切哀悼", "conciliatory:慰问"), "conciliatory"),
    (
        "我们希望双方保持克制，通过对话协商解决分歧。",
        ("conciliatory:保持克制", "conciliatory:对话协商"),
        "conciliatory",
    ),
]


@pytest.mark.parametrize(("text", "cues", "label"), EN_CASES)
def test_english_cues(scorer: ToneScorer, text: str, cues: tuple[str, ...], label: str) -> None:
    result = scorer.score(text, "en")
    assert result.cues == cues
    assert result.label == label


@pytest.mark.parametrize(("text", "cues", "label"), ZH_CASES)
def test_chinese_cues(scorer: ToneScorer, text: str, cues: tuple[str, ...], label: str) -> None:
    result = scorer.score(text, "zh")
    assert result.cues == cues
    assert result.label == label


def test_english_matching_is_case_insensitive_on_word_boundaries(scorer: ToneScorer) -> None:
    assert scorer.score("SHAMELESS.", "en").cues[0] == "confrontational:shameless*"
    assert scorer.score("They are shamelessly lying", "en").cues[:1] == ("confrontational:shameless*",)
    # no match inside a word
    assert scorer.score("The liesure centre and the unfriendlyish", "en").cues == ()


def test_language_is_guessed_without_lang(scorer: ToneScorer) -> None:
    assert scorer.score("中方坚决反对。", None).cues == ("confrontational:坚决反对", "rule:no party named")
    assert scorer.score("China firmly opposes it.", "und").cues[0] == "confrontational:firmly oppose*"
    assert scorer.score("中方坚决反对。", "zh-CN").label == "confrontational"


def test_each_distinct_cue_counts_once(scorer: ToneScorer) -> None:
    once = scorer.score("Lies.", "en")
    thrice = scorer.score("Lies. Lies. Lies.", "en")
    assert once == thrice


# --- score bounds and sign -----------------------------------------------------------------------------------------


def test_score_sign_matches_the_class(scorer: ToneScorer) -> None:
    assert scorer.score("China firmly opposes US hegemony and bullying.", "en").score > 0.9
    assert scorer.score("Win-win cooperation and friendship!", "en").score < -0.9
    mixed = scorer.score("We value win-win cooperation, but firmly oppose US bullying.", "en")
    assert mixed.label == "confrontational"  # an attack outweighs cooperative words (the guidelines' step 1)


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "smear",
                "lies",
                "so-called",
                "friendship",
                "win-win",
                "not",
                "strongly",
                "US",
                "?",
                "the",
                "thank you",
                "抹黑",
                "友谊",
                "所谓",
                "美方",
                "？",
                "合作",
                "并非",
                "坚决反对",
                "cooperation",
                "hegemony",
                ".",
            ]
        ),
        max_size=30,
    ),
    lang=st.sampled_from(["en", "zh", None]),
)
def test_score_is_bounded_and_agrees_with_the_label(scorer: ToneScorer, words: list[str], lang: str | None) -> None:
    result = scorer.score(" ".join(words), lang)
    assert -1.0 <= result.score <= 1.0
    assert result.label in LABELS
    if result.label == "confrontational":
        assert result.score > 0
    elif result.label == "conciliatory":
        assert result.score < 0
    if not result.cues:
        assert result.score == 0.0 and result.label == "neutral"


# --- the cues file is checked --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("cues:\n  en:\n    confrontational:\n      smear: 1\n      smear: 2\n", "duplicate key"),
        ("cues:\n  en:\n    confrontational:\n      sm*ear: 1\n", "may only end a word"),
        ("cues:\n  en:\n    hostile:\n      smear: 1\n", "class must be one of"),
        ("cues:\n  en:\n    confrontational:\n      smear: -1\n", "must not be negative"),
        ("cues:\n  en:\n    confrontational:\n      '{party} should': 1\n", "parties.en is empty"),
    ],
)
def test_bad_cues_files_are_refused(tmp_path: Path, snippet: str, message: str) -> None:
    path = tmp_path / "cues.yaml"
    path.write_text(snippet, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        ToneScorer(path)


def test_a_small_custom_cues_file(tmp_path: Path) -> None:
    path = tmp_path / "cues.yaml"
    path.write_text(
        "scoring: {dominance: 1.0, scale: 2.0, thresholds: {confrontational: 0.3, conciliatory: -0.3}}\n"
        "parties: {en: [the u.s.]}\n"
        "cues:\n  en:\n    confrontational:\n      '{party} must': 2\n      urge* … to stop: 3\n"
        "    conciliatory:\n      friendship: 2\n",
        encoding="utf-8",
    )
    custom = ToneScorer(path)
    assert custom.score("The US must go.", "en").cues == ("confrontational:{party} must",)
    assert custom.score("We urged them to stop.", "en").cues == ("confrontational:urge* … to stop",)
    assert custom.score("We urged them. Stop.", "en").cues == ()  # the tail must be in the same sentence
    assert custom.score("friendship", "en").label == "conciliatory"
    assert custom.score("China firmly opposes it.", "en").cues == ()  # only this file's cues


# --- accuracy on the held-out test split -----------------------------------------------------------------------------

# Floors = the figures measured when the index was frozen, minus 0.02. The cues and thresholds were tuned on the dev
# split only; the test split was scored once, after freezing (tone-1-34cd51117f). Measured on test (234 posts):
#   overall  macro-F1 0.772, accuracy 0.778; F1 conciliatory 0.776, neutral 0.802, confrontational 0.739
#   en (180) macro-F1 0.756, accuracy 0.778        zh (54) macro-F1 0.761, accuracy 0.778
# and on dev (156 posts, tuned on, optimistic): macro-F1 0.950, accuracy 0.949. The index is deterministic, so a
# drop below a floor means a change to the cues or rules made it worse on posts it was not tuned on.
TEST_FLOORS = {
    "overall": {
        "macro_f1": 0.752,
        "accuracy": 0.758,
        "conciliatory": 0.756,
        "neutral": 0.782,
        "confrontational": 0.719,
    },
    "en": {"macro_f1": 0.736, "accuracy": 0.758},
    "zh": {"macro_f1": 0.741, "accuracy": 0.758},
}
DEV_FLOORS = {"overall": {"macro_f1": 0.930, "accuracy": 0.929}}


@pytest.mark.parametrize(("split", "floors"), [("test", TEST_FLOORS), ("dev", DEV_FLOORS)])
def test_agreement_with_the_hand_labels(scorer: ToneScorer, split: str, floors: dict[str, dict[str, float]]) -> None:
    evaluate = _load_evaluate()
    rows = evaluate.read_rows(ROOT / "tests" / "fixtures" / "tone" / "labels.csv", split)
    assert len(rows) == {"test": 234, "dev": 156}[split]
    reports = evaluate.evaluate(rows, scorer)
    for group, group_floors in floors.items():
        report = reports[group]
        for metric, floor in group_floors.items():
            if metric == "macro_f1":
                value = report.macro_f1
            elif metric == "accuracy":
                value = report.accuracy
            else:
                value = report.per_class[metric].f1
            assert value >= floor, f"{split}/{group}/{metric}: {value:.3f} < floor {floor:.3f}"


def test_a_bad_cues_file_is_the_projects_error_with_a_usage_exit_code(tmp_path: Path) -> None:
    from diplotrack.errors import DataFileError, DiplotrackError

    path = tmp_path / "cues.yaml"
    path.write_text("cues:\n  en:\n    confrontational:\n      smear: -1\n", encoding="utf-8")
    with pytest.raises(DiplotrackError, match="must not be negative") as caught:
        ToneScorer(path)
    assert isinstance(caught.value, DataFileError) and caught.value.exit_code == 2
