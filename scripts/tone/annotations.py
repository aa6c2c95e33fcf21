"""The two annotators' labels of the tone corpus: import, adjudication sheet, gold file, agreement.

    python scripts/tone/annotations.py import DIR        # DIR/out_A*.csv, out_B*.csv and key.json
    python scripts/tone/annotations.py sheet OUT.csv     # the disagreements, opaque ids, for the adjudicator
    python scripts/tone/annotations.py gold [ADJ.csv]    # adds the final labels to annotations.csv
    python scripts/tone/annotations.py agreement         # Cohen's kappa per language, with bootstrap intervals

Files (tests/fixtures/tone/): ``annotations.csv`` keeps both annotators' labels of every item
(``annotator_a``, ``annotator_b``), the final ``label`` and how it was reached (``how``: ``agreed``
or ``adjudicated``); ``adjudication.csv`` keeps each disagreement with both labels, the adjudicated
label and the adjudicator's reason. ``load_gold()`` joins them with ``corpus.csv``. Annotators worked on opaque ids
(``a1-0001`` …) so that no account name was shown; ``key.json`` maps them back.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "tone"
LABELS = ("conciliatory", "neutral", "confrontational")


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns)
        w.writeheader()
        w.writerows(rows)


def cmd_import(folder: Path) -> int:
    key = json.loads((folder / "key.json").read_text())
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    problems = []
    for path in sorted(folder.glob("out_*.csv")):
        who = "annotator_a" if path.stem.startswith("out_A") else "annotator_b"
        for n, row in enumerate(read(path), start=2):
            oid, label = row.get("id", "").strip(), row.get("label", "").strip().lower()
            if oid not in key or label not in LABELS:
                problems.append(f"{path.name}:{n}: {oid!r} {label!r}")
                continue
            if who in labels[key[oid]]:
                problems.append(f"{path.name}:{n}: {oid} labelled twice")
            labels[key[oid]][who] = label
    corpus = read(FIXTURES / "corpus.csv")
    missing = [r["item_id"] for r in corpus if len(labels[r["item_id"]]) != 2]
    for p in problems[:20]:
        print("skipped", p)
    rows = [{"item_id": r["item_id"], **labels[r["item_id"]]} for r in corpus]
    write(FIXTURES / "annotations.csv", ["item_id", "annotator_a", "annotator_b"], rows)
    print(f"{len(rows)} items, {len(missing)} without two labels, {len(problems)} problem lines")
    return 1 if missing else 0


def cmd_sheet(out: Path) -> int:
    corpus = {r["item_id"]: r for r in read(FIXTURES / "corpus.csv")}
    rows = [r for r in read(FIXTURES / "annotations.csv") if r["annotator_a"] != r["annotator_b"]]
    random.Random("adjudication").shuffle(rows)
    rng = random.Random("adjudication-order")
    sheet = []
    for i, r in enumerate(rows, start=1):  # which annotator's label comes first is random per item
        pair = [r["annotator_a"], r["annotator_b"]]
        rng.shuffle(pair)
        sheet.append(
            {
                "id": f"d-{i:04d}",
                "item_id": r["item_id"],
                "lang": corpus[r["item_id"]]["lang"],
                "label_1": pair[0],
                "label_2": pair[1],
                "text": corpus[r["item_id"]]["text"],
            }
        )
    write(
        out,
        ["id", "lang", "label_1", "label_2", "text"],
        [{k: v for k, v in s.items() if k != "item_id"} for s in sheet],
    )
    (out.parent / "adjudication-key.json").write_text(json.dumps({s["id"]: s["item_id"] for s in sheet}))
    print(f"{len(sheet)} disagreements written to {out}")
    return 0


def cmd_gold(adjudicated: Path | None) -> int:
    """Add each item's final label (agreed, or adjudicated) to annotations.csv."""
    ann = {r["item_id"]: r for r in read(FIXTURES / "annotations.csv")}
    if adjudicated is not None:
        key = json.loads((adjudicated.parent / "adjudication-key.json").read_text())
        adj = []
        for row in read(adjudicated):
            item = key[row["id"]]
            label = row["label"].strip().lower()
            assert label in LABELS, row
            adj.append(
                {
                    "item_id": item,
                    "annotator_a": ann[item]["annotator_a"],
                    "annotator_b": ann[item]["annotator_b"],
                    "adjudicated": label,
                    "reason": row.get("reason", "").strip(),
                }
            )
        write(
            FIXTURES / "adjudication.csv",
            ["item_id", "annotator_a", "annotator_b", "adjudicated", "reason"],
            sorted(adj, key=lambda r: r["item_id"]),
        )
    final = {r["item_id"]: r["adjudicated"] for r in read(FIXTURES / "adjudication.csv")}
    out, missing = [], []
    for item, a in ann.items():
        if a["annotator_a"] == a["annotator_b"]:
            label, how = a["annotator_a"], "agreed"
        elif item in final:
            label, how = final[item], "adjudicated"
        else:
            missing.append(item)
            label, how = "", "unresolved"
        out.append(
            {
                "item_id": item,
                "annotator_a": a["annotator_a"],
                "annotator_b": a["annotator_b"],
                "label": label,
                "how": how,
            }
        )
    write(FIXTURES / "annotations.csv", ["item_id", "annotator_a", "annotator_b", "label", "how"], out)
    print(f"annotations.csv: {Counter(o['how'] for o in out)}")
    return 1 if missing else 0


def load_gold() -> list[dict[str, str]]:
    """The corpus's items with their final labels (``label``, ``how``); unresolved items left out."""
    ann = {r["item_id"]: r for r in read(FIXTURES / "annotations.csv")}
    return [
        {**r, "label": ann[r["item_id"]]["label"], "how": ann[r["item_id"]]["how"]}
        for r in read(FIXTURES / "corpus.csv")
        if ann[r["item_id"]].get("label")
    ]


def kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in LABELS) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def agreement_table(rounds: int = 2000) -> list[dict[str, object]]:
    corpus = {r["item_id"]: r for r in read(FIXTURES / "corpus.csv")}
    by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in read(FIXTURES / "annotations.csv"):
        lang = corpus[r["item_id"]]["lang"]
        pair = (r["annotator_a"], r["annotator_b"])
        by_lang[lang if lang in ("en", "zh") else "other"].append(pair)
        by_lang["all"].append(pair)
    rng = random.Random(16)
    table = []
    for lang, pairs in sorted(by_lang.items(), key=lambda kv: (kv[0] == "all", -len(kv[1]))):
        boot = sorted(kappa([pairs[rng.randrange(len(pairs))] for _ in pairs]) for _ in range(rounds))
        table.append(
            {
                "lang": lang,
                "items": len(pairs),
                "agreement": sum(a == b for a, b in pairs) / len(pairs),
                "kappa": kappa(pairs),
                "low": boot[int(0.025 * rounds)],
                "high": boot[int(0.975 * rounds)],
            }
        )
    return table


def cmd_agreement() -> int:
    print("| language | items | raw agreement | Cohen's kappa | 95% interval |")
    print("|---|---:|---:|---:|---|")
    for t in agreement_table():
        print(
            f"| {t['lang']} | {t['items']} | {t['agreement']:.3f} | {t['kappa']:.3f} | {t['low']:.3f}–{t['high']:.3f} |"
        )
    return 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "import":
        return cmd_import(Path(rest[0]))
    if cmd == "sheet":
        return cmd_sheet(Path(rest[0]))
    if cmd == "gold":
        return cmd_gold(Path(rest[0]) if rest else None)
    if cmd == "agreement":
        return cmd_agreement()
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
