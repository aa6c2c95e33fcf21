"""Draw (or redraw) the sample of posts for hand-labelling tone, and assign dev/test splits.

The sample is drawn from real posts only:

* English: the four rtweet timelines bundled as demo data (src/diplotrack/data/demo/).
* Chinese: answers from the MFA spokesperson press-conference transcripts
  (/work/shared/data/texts/mfa-spokesperson-remarks-2016-2020-zh.csv, or --mfa-csv).

Sub-commands:

``sample``  write the sample to tests/fixtures/tone/labels.csv with empty ``split`` and ``label``
            columns (refuses to overwrite a file that already holds labels unless --force).
``split``   after the labels have been filled in by hand, assign ``split`` (dev/test) stratified by
            label within each language, with a fixed seed.
``verify``  re-derive every row's text from its source file and row and check that it matches.

Labels are never produced by this script: they are written by a person (or annotator) who reads
each text. See docs/tone-guidelines.md for the rules and the exact sampling rule.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "src" / "diplotrack" / "data" / "demo"
MFA_CSV = Path("/work/shared/data/texts/mfa-spokesperson-remarks-2016-2020-zh.csv")
OUT_CSV = ROOT / "tests" / "fixtures" / "tone" / "labels.csv"

SEED = 20240517
# posts drawn at random per account (stratum "random")
EN_QUOTA: dict[str, int] = {"SpokespersonCHN": 90, "zlj517": 70, "MFA_China": 70, "globaltimesnews": 70}
# extra posts per account drawn from posts that contain a contentious word (stratum "contentious"); not used for
# the current labels.csv (confrontational posts were common enough in the random stratum), hence all 0
CONTENTIOUS_QUOTA: dict[str, int] = {"SpokespersonCHN": 0, "zlj517": 0, "MFA_China": 0, "globaltimesnews": 0}
ZH_QUOTA = 90  # press-conference transcripts drawn; one answer from each
ZH_MAX_CHARS = 280
ZH_MIN_CHARS = 20

# Broad list of contentious words (lower-cased substring match on the post text), used only for the
# optional "contentious" stratum.
CONTENTIOUS_WORDS: tuple[str, ...] = (
    "oppose",
    "opposition",
    "lie",
    "lying",
    "liar",
    "smear",
    "slander",
    "so-called",
    "hypocri",
    "double standard",
    "bully",
    "bullies",
    "hegemon",
    "interfer",
    "provocat",
    "provok",
    "disinformation",
    "misinformation",
    "rumor",
    "rumour",
    "fake",
    "accus",
    "condemn",
    "countermeasure",
    "sanction",
    "coerc",
    "cold war",
    "zero-sum",
    "shame",
    "disgrace",
    "despicable",
    "ridiculous",
    "absurd",
    "hostile",
    "threat",
    "genocide",
    "propaganda",
    "malicious",
    "attack",
    "blame",
    "meddl",
    "containment",
    "suppress",
    "crackdown",
)

COLUMNS = ["item_id", "source_file", "source_row", "account", "created_at", "lang", "split", "stratum", "label", "text"]
LABELS = ("conciliatory", "neutral", "confrontational")
DEV_SHARE = 0.4

URL_RE = re.compile(r"https?://\S+")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
WS = " \t\r\n\u3000\xa0"
ANSWER_RE = re.compile(r"^(答|耿爽|华春莹|陆慷|赵立坚|汪文斌|毛宁|洪磊|秦刚)：")
# question lines: "问：", "追问：", "追问一：", "新华社记者：", "《北京青年报》记者：", "记者问：" ...
QUESTION_RE = re.compile(r"^(问|追问[一二三四五]?|[^：。，]{0,30}记者[问笑]?)：")
TITLE_SPEAKER_RE = re.compile(r"外交部发言人([\u4e00-\u9fff]{2,3}?)(主持|答|就|发表)")
TITLE_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
WORD_RE = re.compile(r"[a-zà-ÿ]+")
# function words used to tell English from the French, Spanish, Portuguese, Italian and German posts
# fmt: off
EN_WORDS = frozenset(
    [
        "the", "and", "of", "to", "in", "is", "for", "on", "with", "a", "an", "are", "was", "be", "by", "this", "that",
        "it", "as", "at", "from", "we", "our", "you", "has", "have", "will", "not",
    ]
)
OTHER_WORDS = frozenset(
    [
        "le", "la", "les", "de", "des", "du", "et", "est", "une", "que", "qui", "dans", "pour", "sur", "au", "aux",
        "el", "los", "las", "es", "con", "por", "una", "del", "der", "das", "und", "ist", "nicht", "mit", "ein", "eine",
        "zu", "não",
    ]
)
# fmt: on


@dataclass
class Item:
    item_id: str
    source_file: str
    source_row: int
    account: str
    created_at: str
    lang: str
    stratum: str
    text: str
    split: str = ""
    label: str = ""

    def row(self) -> dict[str, str]:
        return {
            "item_id": self.item_id,
            "source_file": self.source_file,
            "source_row": str(self.source_row),
            "account": self.account,
            "created_at": self.created_at,
            "lang": self.lang,
            "split": self.split,
            "stratum": self.stratum,
            "label": self.label,
            "text": self.text,
        }


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rank(key: str) -> str:
    """Seeded pseudo-random sort key. Drawing = sorting candidates by this key and taking the first n, so a
    candidate's chance does not depend on which other candidates exist (the draw is stable under filter changes)."""
    return hashlib.sha256(f"{SEED}:{key}".encode()).hexdigest()


def is_mainly_english(text: str) -> bool:
    """True when the text (URLs removed) has letters, at least 70% of them ASCII, and no more French/Spanish/
    Portuguese/German function words than English ones."""
    body = URL_RE.sub("", text)
    letters = [ch for ch in body if ch.isalpha()]
    if not letters or sum(ch.isascii() for ch in letters) / len(letters) < 0.7:
        return False
    words = WORD_RE.findall(body.lower())
    return sum(w in OTHER_WORDS for w in words) <= sum(w in EN_WORDS for w in words)


def is_contentious(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in CONTENTIOUS_WORDS)


def eligible_en_rows(account: str) -> list[tuple[int, dict[str, str]]]:
    """Distinct (first occurrence of each full_text), not URL-only, mainly English; 1-based row numbers."""
    seen: set[str] = set()
    out: list[tuple[int, dict[str, str]]] = []
    for i, row in enumerate(read_rows(DEMO_DIR / f"{account}.csv"), start=1):
        text = row["full_text"]
        if text in seen:
            continue
        seen.add(text)
        if not URL_RE.sub("", text).strip() or not is_mainly_english(text):
            continue
        out.append((i, row))
    return out


def en_items() -> list[Item]:
    items: list[Item] = []
    for account, quota in EN_QUOTA.items():
        pool = eligible_en_rows(account)
        drawn = sorted(pool, key=lambda c: rank(f"random:{account}:{c[0]}"))[:quota]
        drawn_rows = {i for i, _ in drawn}
        rest = [(i, r) for i, r in pool if i not in drawn_rows and is_contentious(r["full_text"])]
        extra = sorted(rest, key=lambda c: rank(f"contentious:{account}:{c[0]}"))[: CONTENTIOUS_QUOTA.get(account, 0)]
        for stratum, chosen in (("random", drawn), ("contentious", extra)):
            for i, row in sorted(chosen, key=lambda c: c[0]):
                items.append(
                    Item(
                        item_id=f"{account}-{i:04d}",
                        source_file=f"{account}.csv",
                        source_row=i,
                        account=row["screen_name"] or account,
                        created_at=row["created_at"],
                        lang="en",
                        stratum=stratum,
                        text=row["full_text"],
                    )
                )
    return items


def trim_zh(text: str, limit: int = ZH_MAX_CHARS) -> str:
    """Cut to at most `limit` characters, at the last sentence end (。！？, with a closing quote) if any."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[。！？][”’」』）)]?", head)]
    return head[: ends[-1]] if ends else head


def split_answers(transcript: str) -> Iterator[str]:
    """Yield each answer of a transcript: its paragraphs (whitespace-stripped, speaker tag removed) joined by \\n.

    An answer starts at a line "答：" or "<spokesperson name>：" and runs until the next question or answer line.
    """
    current: list[str] | None = None
    for raw in transcript.split("\n"):
        line = raw.strip(WS)
        if not line:
            continue
        answer = ANSWER_RE.match(line)
        if answer or QUESTION_RE.match(line):
            if current:
                yield "\n".join(current)
            current = [line[answer.end() :].strip(WS)] if answer else None
            if current == [""]:
                current = []
        elif current is not None:
            current.append(line)
    if current:
        yield "\n".join(current)


def zh_answers(transcript: str) -> list[str]:
    """The transcript's answers in order (numbered from 1 by callers), each trimmed to ZH_MAX_CHARS."""
    return [trim_zh(a) for a in split_answers(transcript)]


def zh_meta(title: str) -> tuple[str, str]:
    speaker = TITLE_SPEAKER_RE.search(title)
    date = TITLE_DATE_RE.search(title)
    account = f"MFA spokesperson {speaker.group(1)}" if speaker else "MFA spokesperson"
    created = f"{int(date.group(1)):04d}-{int(date.group(2)):02d}-{int(date.group(3)):02d}" if date else ""
    return account, created


def zh_items(mfa_csv: Path) -> list[Item]:
    rows = read_rows(mfa_csv)
    candidates: list[tuple[int, list[tuple[int, str]]]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        answers = []
        for k, text in enumerate(zh_answers(row["text"]), start=1):
            if len(text) >= ZH_MIN_CHARS and text not in seen:
                answers.append((k, text))
                seen.add(text)
        if answers:
            candidates.append((i, answers))
    items: list[Item] = []
    for i, answers in sorted(sorted(candidates, key=lambda c: rank(f"zh:{c[0]}"))[:ZH_QUOTA]):
        k, text = min(answers, key=lambda a: rank(f"zh:{i}:{a[0]}"))
        account, created = zh_meta(rows[i - 1]["title"])
        items.append(
            Item(
                item_id=f"mfa-zh-{i:04d}-{k}",
                source_file=mfa_csv.name,
                source_row=i,
                account=account,
                created_at=created,
                lang="zh",
                stratum="random",
                text=text,
            )
        )
    return items


def write_csv(path: Path, rows: Iterable[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def cmd_sample(out: Path, mfa_csv: Path, force: bool) -> int:
    if out.exists() and not force and any(r.get("label") for r in read_rows(out)):
        print(f"{out} already holds labels; pass --force to overwrite", file=sys.stderr)
        return 1
    items = en_items() + zh_items(mfa_csv)
    ids = [it.item_id for it in items]
    assert len(ids) == len(set(ids)), "duplicate item ids"
    write_csv(out, (it.row() for it in items))
    print(f"wrote {len(items)} items to {out}")
    return 0


def assign_splits(rows: list[dict[str, str]]) -> None:
    """Set row["split"]: within each (lang, label), a seeded shuffle; the first round(40%) are dev, the rest test."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["label"] not in LABELS:
            raise ValueError(f"{row['item_id']}: label {row['label']!r} is not one of {LABELS}")
        groups[(row["lang"], row["label"])].append(row)
    for (lang, label), group in sorted(groups.items()):
        group.sort(key=lambda r: r["item_id"])
        random.Random(f"{SEED}-split-{lang}-{label}").shuffle(group)
        n_dev = round(DEV_SHARE * len(group))
        for j, row in enumerate(group):
            row["split"] = "dev" if j < n_dev else "test"


def cmd_split(path: Path) -> int:
    rows = read_rows(path)
    assign_splits(rows)
    write_csv(path, rows)
    print(f"assigned splits to {len(rows)} rows in {path}")
    return 0


def cmd_verify(path: Path, mfa_csv: Path) -> int:
    cache: dict[str, list[dict[str, str]]] = {}
    bad = 0
    for row in read_rows(path):
        src = row["source_file"]
        if src not in cache:
            cache[src] = read_rows(mfa_csv if src == mfa_csv.name else DEMO_DIR / src)
        source = cache[src][int(row["source_row"]) - 1]
        if row["lang"] == "zh" and src == mfa_csv.name:
            k = int(row["item_id"].rsplit("-", 1)[1])
            expected = zh_answers(source["text"])[k - 1]
        else:
            expected = source["full_text"]
        if expected != row["text"]:
            bad += 1
            print(f"{row['item_id']}: text differs from {src} row {row['source_row']}", file=sys.stderr)
    print("ok" if not bad else f"{bad} mismatches")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sample", "split", "verify"])
    parser.add_argument("--out", type=Path, default=OUT_CSV, help="labels CSV (default: %(default)s)")
    parser.add_argument("--mfa-csv", type=Path, default=MFA_CSV, help="MFA remarks CSV (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="sample: overwrite a labelled file")
    args = parser.parse_args(argv)
    if args.command == "sample":
        return cmd_sample(args.out, args.mfa_csv, args.force)
    if args.command == "split":
        return cmd_split(args.out)
    return cmd_verify(args.out, args.mfa_csv)


if __name__ == "__main__":
    raise SystemExit(main())
