"""Evaluate diplotrack's confrontation index against the hand-labelled tone set.

Reads tests/fixtures/tone/labels.csv (or --labels), scores every row of the chosen split with
:class:`diplotrack.enrich.tone.ToneScorer` (the bundled cues, or --cues), and prints Markdown tables:
per-class precision, recall and F1, macro-F1 and accuracy, overall and per language, and the
confusion matrices (rows: the hand label, columns: the index's label).

    .venv/bin/python scripts/tone/evaluate.py --split dev            # what the cues may be tuned on
    .venv/bin/python scripts/tone/evaluate.py --split dev --errors   # and list the dev rows it gets wrong
    .venv/bin/python scripts/tone/evaluate.py --split test           # held out: report, do not tune

``--errors`` is refused on the test split: reading the test split's mistakes is tuning on it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from diplotrack.enrich.tone import LABELS, ToneScorer

ROOT = Path(__file__).resolve().parents[2]
LABELS_CSV = ROOT / "tests" / "fixtures" / "tone" / "labels.csv"
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True, slots=True)
class Row:
    item_id: str
    lang: str
    split: str
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Scores of one group of rows (all of a split, or one language of it)."""

    name: str
    n: int
    per_class: dict[str, ClassScores]
    macro_f1: float
    accuracy: float
    confusion: dict[str, dict[str, int]]  # confusion[gold][predicted]


def read_rows(path: Path = LABELS_CSV, split: str = "all") -> list[Row]:
    """The labelled rows of one split ("dev", "test" or "all")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            Row(r["item_id"], r["lang"], r["split"], r["label"], r["text"])
            for r in csv.DictReader(handle)
            if split == "all" or r["split"] == split
        ]
    bad = sorted({r.label for r in rows} - set(LABELS))
    if bad:
        raise ValueError(f"{path}: unknown labels {bad}")
    return rows


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def score_group(name: str, gold: Sequence[str], predicted: Sequence[str]) -> Report:
    """Per-class P/R/F1, macro-F1 (unweighted mean over the three classes), accuracy, confusion matrix."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    confusion = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    per_class: dict[str, ClassScores] = {}
    for label in LABELS:
        tp = confusion[label][label]
        predicted_n = sum(confusion[g][label] for g in LABELS)
        support = sum(confusion[label].values())
        precision, recall = _ratio(tp, predicted_n), _ratio(tp, support)
        f1 = _ratio(2 * tp, predicted_n + support)
        per_class[label] = ClassScores(precision, recall, f1, support)
    macro = sum(c.f1 for c in per_class.values()) / len(LABELS)
    accuracy = _ratio(sum(confusion[label][label] for label in LABELS), len(gold))
    return Report(name, len(gold), per_class, macro, accuracy, confusion)


def evaluate(rows: Sequence[Row], scorer: ToneScorer | None = None) -> dict[str, Report]:
    """Reports for all rows ("overall") and for each language present, in that order."""
    scorer = scorer or ToneScorer()
    predicted = [scorer.score(r.text, r.lang).label for r in rows]
    reports = {"overall": score_group("overall", [r.label for r in rows], predicted)}
    for lang in sorted({r.lang for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.lang == lang]
        reports[lang] = score_group(lang, [rows[i].label for i in idx], [predicted[i] for i in idx])
    return reports


def markdown(reports: dict[str, Report], split: str, version: str) -> str:
    """The reports as Markdown tables."""
    lines = [f"### Tone index `{version}` on the `{split}` split", ""]
    lines.append("| group | n | class | precision | recall | F1 | support |")
    lines.append("|---|---:|---|---:|---:|---:|---:|")
    for rep in reports.values():
        for label in LABELS:
            c = rep.per_class[label]
            lines.append(
                f"| {rep.name} | {rep.n} | {label} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.support} |"
            )
    lines += ["", "| group | n | macro-F1 | accuracy |", "|---|---:|---:|---:|"]
    for rep in reports.values():
        lines.append(f"| {rep.name} | {rep.n} | {rep.macro_f1:.3f} | {rep.accuracy:.3f} |")
    for rep in reports.values():
        lines += ["", f"Confusion matrix, {rep.name} (rows: hand label; columns: index label)", ""]
        lines.append("| hand \\ index | " + " | ".join(LABELS) + " |")
        lines.append("|---|" + "---:|" * len(LABELS))
        for gold in LABELS:
            lines.append(f"| {gold} | " + " | ".join(str(rep.confusion[gold][p]) for p in LABELS) + " |")
    return "\n".join(lines)


def errors(rows: Iterable[Row], scorer: ToneScorer) -> str:
    """The rows the index labels differently from the hand label, with the cues that fired."""
    out = []
    for r in rows:
        result = scorer.score(r.text, r.lang)
        if result.label != r.label:
            text = " ".join(r.text.split())
            out.append(
                f"- `{r.item_id}` hand={r.label} index={result.label} score={result.score:+.3f} "
                f"cues={list(result.cues)}\n  {text[:300]}"
            )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, default="dev", help="which rows to score (default: dev)")
    parser.add_argument("--labels", type=Path, default=LABELS_CSV, help="the labelled CSV")
    parser.add_argument("--cues", type=Path, default=None, help="a cues file (default: the bundled one)")
    parser.add_argument("--errors", action="store_true", help="also list the misclassified rows (dev only)")
    args = parser.parse_args(argv)
    if args.errors and args.split != "dev":
        parser.error("--errors is for the dev split only: looking at test mistakes is tuning on test")
    scorer = ToneScorer(args.cues)
    rows = read_rows(args.labels, args.split)
    print(markdown(evaluate(rows, scorer), args.split, scorer.version))
    if args.errors:
        print("\n### Misclassified dev rows\n")
        print(errors(rows, scorer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
