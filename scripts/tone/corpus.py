"""Draw the tone corpus (version 2): real posts for two independent annotators, with account-disjoint splits.

Sources (all real; provenance in tests/fixtures/tone/SOURCES.md):

* English: the four rtweet timelines bundled as demo data, and the influencer posts of
  ``chc-influencer-mentions-2019-2022.csv`` (replies, quotes and original posts only: a
  "retweeted" row carries someone else's text).
* Chinese: answers from the MFA spokesperson press-conference transcripts
  (``--mfa-csv``, default /work/shared/data/texts/...), at most one answer per transcript.
* Other languages as found: X posts of the twarc2 fixtures whose own label is not en/zh.

Items of the first corpus (labels.csv) are left out: its dev half tuned the cue lexicon, so they
must not reach the new test split. The draw is stratified by month (round robin over an account's
months in seeded order), so no single period dominates.

Splits are by **account**: every post of a test account is in ``test`` (new voices are the real
case). Test accounts: zlj517, four influencers (ChinaTeacher1, AndyBxxx, thecyrusjanssen,
JaYoeLife), the spokespersons 陆慷 and 赵立坚, and the X-fixture authors whose id hashes into the
test third. Everything else is ``train``; tuning happens by cross-validation inside train.

``python scripts/tone/corpus.py sample`` writes tests/fixtures/tone/corpus.csv (no labels: those
come from the annotators' files, see docs/tone-guidelines.md); ``verify`` re-derives every text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
_spec = importlib.util.spec_from_file_location("sample_v1", HERE / "sample_for_labelling.py")
assert _spec and _spec.loader
v1 = importlib.util.module_from_spec(_spec)
sys.modules["sample_v1"] = v1
_spec.loader.exec_module(v1)

DEMO = ROOT / "src" / "diplotrack" / "data" / "demo"
FIXTURES = ROOT / "tests" / "fixtures"
OUT = FIXTURES / "tone" / "corpus.csv"
SEED = "tone-corpus-2"
TIMELINE_QUOTA = {"SpokespersonCHN": 420, "MFA_China": 330, "globaltimesnews": 270, "zlj517": 360}
INFLUENCER_QUOTA = 45
ZH_QUOTA = 720
OTHER_QUOTA = 80
TEST_ACCOUNTS = frozenset(
    {
        "zlj517",
        "ChinaTeacher1",
        "AndyBxxx",
        "thecyrusjanssen",
        "JaYoeLife",
        "MFA spokesperson 陆慷",
        "MFA spokesperson 赵立坚",
    }
)
COLUMNS = ["item_id", "source_file", "source_row", "account", "created_at", "lang", "split", "text"]


def rank(key: str) -> str:
    return hashlib.sha256(f"{SEED}:{key}".encode()).hexdigest()


def by_month(cands: list[tuple[str, str, dict]], quota: int, key: str) -> list[tuple[str, str, dict]]:
    """Round robin over months (in seeded order), each month's candidates in seeded order."""
    months: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for c in sorted(cands, key=lambda c: rank(f"{key}:{c[0]}")):
        months[c[1][:7]].append(c)
    order = sorted(months, key=lambda m: rank(f"{key}:month:{m}"))
    out: list[tuple[str, str, dict]] = []
    while len(out) < quota and any(months[m] for m in order):
        for m in order:
            if months[m] and len(out) < quota:
                out.append(months[m].pop(0))
    return out


def old_ids() -> set[str]:
    return {r["item_id"] for r in v1.read_rows(FIXTURES / "tone" / "labels.csv")}


def timeline_items(old: set[str]) -> list[dict[str, str]]:
    items = []
    for account, quota in TIMELINE_QUOTA.items():
        cands = []
        for i, row in v1.eligible_en_rows(account):
            item_id = f"{account}-{i:04d}"
            if item_id not in old:
                cands.append((item_id, row["created_at"], {"row": i, **row}))
        for item_id, created, row in by_month(cands, quota, account):
            items.append(
                dict(
                    item_id=item_id,
                    source_file=f"{account}.csv",
                    source_row=str(row["row"]),
                    account=account,
                    created_at=created,
                    lang="en",
                    text=row["full_text"],
                )
            )
    return items


def influencer_items() -> list[dict[str, str]]:
    rows = v1.read_rows(DEMO / "chc-influencer-mentions-2019-2022.csv")
    per: dict[str, list] = defaultdict(list)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        text = row["text"]
        if row["retweet"] == "retweeted" or text in seen or not v1.is_mainly_english(text):
            continue
        if not v1.URL_RE.sub("", text).strip():
            continue
        seen.add(text)
        per[row["mentioner"]].append((f"infl-{i:04d}", row["created_at"], {"row": i, **row}))
    items = []
    for account, cands in sorted(per.items()):
        for item_id, created, row in by_month(cands, INFLUENCER_QUOTA, account):
            items.append(
                dict(
                    item_id=item_id,
                    source_file="chc-influencer-mentions-2019-2022.csv",
                    source_row=str(row["row"]),
                    account=account,
                    created_at=created,
                    lang="en",
                    text=row["text"],
                )
            )
    return items


def zh_items(mfa_csv: Path, old: set[str]) -> list[dict[str, str]]:
    rows = v1.read_rows(mfa_csv)
    seen: set[str] = set()
    cands = []
    for i, row in enumerate(rows, start=1):
        answers = [
            (k, t)
            for k, t in enumerate(v1.zh_answers(row["text"]), start=1)
            if len(t) >= v1.ZH_MIN_CHARS and t not in seen and f"mfa-zh-{i:04d}-{k}" not in old
        ]
        if not answers:
            continue
        k, text = min(answers, key=lambda a: rank(f"zh:{i}:{a[0]}"))
        seen.add(text)
        account, created = v1.zh_meta(row["title"])
        cands.append(
            (
                f"mfa-zh-{i:04d}-{k}",
                created or "0000-00",
                {"row": i, "account": account, "created": created, "text": text},
            )
        )
    return [
        dict(
            item_id=item_id,
            source_file=mfa_csv.name,
            source_row=str(r["row"]),
            account=r["account"],
            created_at=r["created"],
            lang="zh",
            text=r["text"],
        )
        for item_id, _, r in by_month(cands, ZH_QUOTA, "zh")
    ]


def other_items() -> list[dict[str, str]]:
    cands = []
    seen: set[str] = set()
    for path in sorted((FIXTURES / "x-v2" / "twarc2").glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            tweets = doc.get("data") if isinstance(doc.get("data"), list) else [doc]
            for t in tweets:
                if not isinstance(t, dict) or "text" not in t or "id" not in t:
                    continue
                lang, text = t.get("lang") or "", t["text"]
                if lang in ("en", "zh", "und", "zxx", "qme", "qht", "qst", "qam", "art", "") or text in seen:
                    continue
                if text.startswith("RT @") or not v1.URL_RE.sub("", text).strip():
                    continue
                seen.add(text)
                cands.append(
                    (
                        f"x-{t['id']}",
                        t.get("created_at", ""),
                        {"file": path.name, "line": n, "author": t.get("author_id", ""), "lang": lang, "text": text},
                    )
                )
    return [
        dict(
            item_id=item_id,
            source_file=r["file"],
            source_row=str(r["line"]),
            account=f"x:{r['author']}",
            created_at=created,
            lang=r["lang"],
            text=r["text"],
        )
        for item_id, created, r in by_month(cands, OTHER_QUOTA, "other")
    ]


def split_of(account: str) -> str:
    if account.startswith("x:"):
        return "test" if int(rank(f"split:{account}")[:8], 16) % 3 == 0 else "train"
    return "test" if account in TEST_ACCOUNTS else "train"


def build(mfa_csv: Path) -> list[dict[str, str]]:
    old = old_ids()
    items = timeline_items(old) + influencer_items() + zh_items(mfa_csv, old) + other_items()
    for item in items:
        item["split"] = split_of(item["account"])
    return items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["sample", "verify"])
    ap.add_argument("--mfa-csv", type=Path, default=v1.MFA_CSV)
    args = ap.parse_args(argv)
    items = build(args.mfa_csv)
    if args.command == "sample":
        with open(OUT, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, COLUMNS)
            w.writeheader()
            w.writerows(items)
        print(f"wrote {len(items)} items to {OUT.relative_to(ROOT)}")
        return 0
    with open(OUT, newline="", encoding="utf-8") as fh:
        stored = list(csv.DictReader(fh))
    bad = [s["item_id"] for s, i in zip(stored, items, strict=False) if s != i]
    if bad or len(stored) != len(items):
        print(f"{len(bad)} items differ from their sources (first: {bad[:3]}); {len(stored)} vs {len(items)} rows")
        return 1
    print(f"all {len(stored)} items re-derived from their sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
