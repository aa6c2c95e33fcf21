"""Train the tone classifier on the train split and write it as plain JSON for the package.

    python scripts/tone/train.py            # writes src/diplotrack/enrich/data/tone_model.json

Needs the ``train`` extra (scikit-learn): ``pip install -r requirements-train.lock``.

Data: the second corpus's final labels (``corpus.csv`` + ``annotations.csv``, see
``scripts/tone/annotations.py``), rows with ``split == "train"`` only, plus the first corpus's rows
(``labels.csv``) whose account is a train account. The test split's accounts never reach training.

Model selection: grouped 5-fold cross-validation **by account** inside the train split over the
regularisation C and the class weighting; the best macro-F1 wins and is refitted on all train rows.
Features with fewer than ``MIN_DF`` training posts are dropped; weights are rounded to 4 decimals and
rows whose largest absolute weight is under ``PRUNE`` are left out (they change no decision).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from annotations import load_gold  # noqa: E402

from diplotrack.enrich.tone import LABELS, ToneScorer  # noqa: E402
from diplotrack.enrich.tone_model import FORMAT, MODEL_FILE, features  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "tone"
MIN_DF = 2
PRUNE = 0.02
GRID_C = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
GRID_WEIGHT = ("balanced", None)


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def training_rows() -> list[dict[str, str]]:
    gold = load_gold()
    test_accounts = {r["account"] for r in gold if r["split"] == "test"}
    rows = [r for r in gold if r["split"] == "train"]
    seen = {r["text"] for r in gold}
    for r in read(FIXTURES / "labels.csv"):
        if r["account"] not in test_accounts and r["text"] not in seen:
            rows.append({**r, "split": "train", "source": "corpus-1"})
    return rows


def featurise(rows: list[dict[str, str]], lexicon: ToneScorer) -> list[set[str]]:
    out = []
    for r in rows:
        lang = r["lang"]
        out.append(features(r["text"], lexicon.language_of(r["text"], lang), lexicon.score(r["text"], lang)))
    return out


def matrix(feats: list[set[str]], vocab: dict[str, int]) -> csr_matrix:
    data, indices, indptr = [], [], [0]
    for fs in feats:
        norm = 1.0 / np.sqrt(len(fs))
        cols = sorted(vocab[f] for f in fs if f in vocab)
        indices.extend(cols)
        data.extend([norm] * len(cols))
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(feats), len(vocab)))


def build_vocab(feats: list[set[str]]) -> dict[str, int]:
    df = Counter(f for fs in feats for f in fs)
    return {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_DF))}


def fit(x: csr_matrix, y: np.ndarray, c: float, weight: str | None) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight=weight, max_iter=5000).fit(x, y)


def select(feats: list[set[str]], y: np.ndarray, groups: list[str]) -> tuple[float, str | None, float]:
    folds = list(GroupKFold(n_splits=5).split(feats, y, groups))
    best = (-1.0, 1.0, None)
    for c in GRID_C:
        for weight in GRID_WEIGHT:
            pred = np.empty_like(y)
            for tr, te in folds:
                vocab = build_vocab([feats[i] for i in tr])
                model = fit(matrix([feats[i] for i in tr], vocab), y[tr], c, weight)
                pred[te] = model.predict(matrix([feats[i] for i in te], vocab))
            score = f1_score(y, pred, average="macro")
            print(f"  C={c:<5} class_weight={weight!s:<8} grouped-CV macro-F1 {score:.3f}")
            if score > best[0]:
                best = (score, c, weight)
    return best[1], best[2], best[0]


def dump(doc: dict) -> bytes:
    """JSON with one feature per line (small, and a retrained model diffs line by line)."""
    head = {k: v for k, v in doc.items() if k != "weights"}
    lines = [orjson.dumps(head, option=orjson.OPT_INDENT_2)[:-2] + b',\n  "weights": {']
    items = list(doc["weights"].items())
    for i, (f, row) in enumerate(items):
        lines.append(b"    " + orjson.dumps(f) + b": " + orjson.dumps(row) + (b"," if i < len(items) - 1 else b""))
    lines.append(b"  }\n}\n")
    return b"\n".join(lines)


def main() -> int:
    rows = training_rows()
    lexicon = ToneScorer()
    feats = featurise(rows, lexicon)
    y = np.array([r["label"] for r in rows])
    groups = [r["account"] for r in rows]
    print(f"{len(rows)} training posts from {len(set(groups))} accounts: {dict(Counter(y))}")
    c, weight, cv = select(feats, y, groups)
    vocab = build_vocab(feats)
    model = fit(matrix(feats, vocab), y, c, weight)
    classes = [str(k) for k in model.classes_]
    assert sorted(classes) == sorted(LABELS)
    coef = model.coef_.T  # (features, classes)
    weights = {}
    for f, i in vocab.items():
        row = [round(float(v), 4) for v in coef[i]]
        if max(abs(v) for v in row) >= PRUNE:
            weights[f] = row
    corpus_hash = hashlib.sha256(
        (FIXTURES / "corpus.csv").read_bytes() + (FIXTURES / "annotations.csv").read_bytes()
    ).hexdigest()[:12]
    doc = {
        "format": FORMAT,
        "classes": classes,
        "intercept": [round(float(v), 4) for v in model.intercept_],
        "training": {
            "posts": len(rows),
            "accounts": sorted(set(groups)),
            "labels": dict(Counter(y.tolist())),
            "corpus_and_labels_sha256": corpus_hash,
            "C": c,
            "class_weight": weight,
            "grouped_cv_macro_f1": round(cv, 4),
            "min_df": MIN_DF,
            "prune": PRUNE,
            "features_kept": len(weights),
            "lexicon": lexicon.version,
            "scikit_learn": __import__("sklearn").__version__,
        },
        "weights": dict(sorted(weights.items())),
    }
    MODEL_FILE.write_bytes(dump(doc))
    print(
        f"chose C={c}, class_weight={weight} (grouped CV macro-F1 {cv:.3f}); "
        f"wrote {len(weights)} features to {MODEL_FILE.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
