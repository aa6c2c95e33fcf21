"""Evaluate the shipped tone classifier and the cue-lexicon baseline on the held-out test split.

    python scripts/tone/evaluate_model.py          # prints the tables of docs/tone-evaluation.md
    python scripts/tone/evaluate_model.py --write  # also writes src/diplotrack/enrich/data/tone_evaluation.json

The test split's accounts never appear in training (``corpus.csv``, ``split == "test"``). Intervals
are percentile bootstraps over posts (2,000 resamples, fixed seed). The JSON file is what the
report's ``summary.json`` carries beside the model's version.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotations import agreement_table, load_gold  # noqa: E402

from diplotrack.enrich.tone import LABELS, ToneScorer  # noqa: E402
from diplotrack.enrich.tone_model import ToneClassifier  # noqa: E402

OUT = ROOT / "src" / "diplotrack" / "enrich" / "data" / "tone_evaluation.json"
ROUNDS = 2000


def per_class(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    out = {}
    for k in LABELS:
        tp = sum(g == k and p == k for g, p in pairs)
        fp = sum(g != k and p == k for g, p in pairs)
        fn = sum(g == k and p != k for g, p in pairs)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[k] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    return out


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    classes = per_class(pairs)
    present = [c for c in LABELS if classes[c]["support"]]
    return sum(classes[c]["f1"] for c in present) / len(present)


def interval(pairs: list[tuple[str, str]], seed: str) -> tuple[float, float]:
    rng = random.Random(seed)
    n = len(pairs)
    boot = sorted(macro_f1([pairs[rng.randrange(n)] for _ in range(n)]) for _ in range(ROUNDS))
    return boot[int(0.025 * ROUNDS)], boot[int(0.975 * ROUNDS)]


def summary(pairs: list[tuple[str, str]], seed: str) -> dict[str, object]:
    low, high = interval(pairs, seed)
    return {
        "posts": len(pairs),
        "macro_f1": round(macro_f1(pairs), 4),
        "macro_f1_95": [round(low, 4), round(high, 4)],
        "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
        "per_class": {k: {m: round(v, 4) for m, v in d.items()} for k, d in per_class(pairs).items()},
        "confusion": {g: {p: sum(1 for a, b in pairs if a == g and b == p) for p in LABELS} for g in LABELS},
    }


def group_of(lang: str) -> str:
    return lang if lang in ("en", "zh") else "other"


def evaluate() -> dict[str, object]:
    rows = [r for r in load_gold() if r["split"] == "test"]
    clf, lex = ToneClassifier(), ToneScorer()
    result: dict[str, object] = {
        "model_version": clf.version,
        "lexicon_version": lex.version,
        "test_posts": len(rows),
        "test_accounts": sorted({r["account"] for r in rows}),
        "labels": dict(Counter(r["label"] for r in rows)),
    }
    for name, scorer in (("model", clf), ("lexicon", lex)):
        pred = [scorer.score(r["text"], r["lang"]).label for r in rows]
        pairs = [(r["label"], p) for r, p in zip(rows, pred, strict=True)]
        block: dict[str, object] = {"all": summary(pairs, f"{name}-all")}
        for lang in sorted({group_of(r["lang"]) for r in rows}):
            sub = [pr for r, pr in zip(rows, pairs, strict=True) if group_of(r["lang"]) == lang]
            block[lang] = summary(sub, f"{name}-{lang}")
        result[name] = block
    result["agreement"] = [
        {k: (round(v, 4) if isinstance(v, float) else v) for k, v in t.items()} for t in agreement_table()
    ]
    return result


def fmt(s: dict) -> str:
    low, high = s["macro_f1_95"]
    return f"{s['macro_f1']:.3f} ({low:.3f}–{high:.3f})"


def print_tables(res: dict) -> None:
    print(f"model {res['model_version']}; test: {res['test_posts']} posts of {len(res['test_accounts'])} accounts")
    print("\n| language | posts | model macro-F1 (95% CI) | lexicon macro-F1 (95% CI) | model accuracy |")
    print("|---|---:|---|---|---:|")
    for lang in [k for k in res["model"] if k != "all"] + ["all"]:
        m, b = res["model"][lang], res["lexicon"][lang]
        print(f"| {lang} | {m['posts']} | {fmt(m)} | {fmt(b)} | {m['accuracy']:.3f} |")
    for name in ("model", "lexicon"):
        for lang, s in res[name].items():
            print(f"\n**{name}, {lang}** ({s['posts']} posts)\n")
            print("| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|")
            for k, d in s["per_class"].items():
                print(f"| {k} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {d['support']} |")
            print("\n| gold \\ predicted | " + " | ".join(LABELS) + " |\n|---|---:|---:|---:|")
            for g in LABELS:
                print(f"| {g} | " + " | ".join(str(s["confusion"][g][p]) for p in LABELS) + " |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    res = evaluate()
    print_tables(res)
    if args.write:
        OUT.write_bytes(orjson.dumps(res, option=orjson.OPT_INDENT_2) + b"\n")
        print(f"\nwrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
