"""Evaluate diplotrack's language detection against X's own ``lang`` labels on the real X posts of the fixtures.

Reads every real X post in tests/fixtures (twarc2 JSONL pages and flattened lines, tweepy's decoded HTTP
exchanges, and any other X API v2-shaped post object in a JSON or JSONL file there; files named
``synthetic`` or ``from-docs`` are not real and are skipped), keeps one row per tweet id, leaves out
what X did not label with a language (``und``, ``zxx``, ``qme``, ``qht``, ... and posts read without a
``lang`` field) and posts whose text is a placeholder for withheld or policy-hidden media (X labels those
with the hidden original's language), then prints Markdown: agreement, abstentions, per-language
precision/recall/support with Wilson 95% intervals, the confusions, and the exclusions with counts.

The posts are split in two halves by a hash of the tweet id (of the original post for a repost, so that
a repost and its original fall in the same half): ``tune`` is what the detector may be tuned on,
``held-out`` is for reporting only.

    .venv/bin/python scripts/language/evaluate.py --split tune --errors   # what may be tuned on
    .venv/bin/python scripts/language/evaluate.py --split held-out        # report, do not tune
    .venv/bin/python scripts/language/evaluate.py --split all --speed     # and texts/s on the demo timelines

``--errors`` is refused on the held-out half: reading its mistakes is tuning on it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplotrack.enrich.language import LANG_VERSION, clean, detect_language, platform_lang

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
DEMO = ROOT / "src" / "diplotrack" / "data" / "demo"
SPLITS = ("tune", "held-out", "all")
NOT_SINGLE = ("und", "mul")  # the detector's abstentions: no language, or no single one

# a placeholder X shows instead of withheld or policy-hidden media ("This Post is unavailable.", "This media has
# been disabled in response to a report by the copyright owner.", "This Tweet from @x has been withheld in ...",
# "This Post violated the X Rules."), the whole text but for links
_PLACEHOLDER = re.compile(
    r"(?:this (?:tweet|post|media|image|video|content)(?: from)? "
    r"(?:is (?:unavailable|not available)|has been (?:withheld|disabled|removed)|violated|was deleted)\b"
    r"|(?:tweet|post|media) withheld\b)[^.]{0,160}\.?(?: learn more\.?)?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True, slots=True)
class Post:
    post_id: str
    text: str
    x_lang: str | None  # X's label as read (None: the post was read without a lang field)
    where: str  # file:line of its first occurrence
    split_key: str  # the id the half is drawn from: the original post's for a repost

    @property
    def split(self) -> str:
        return "tune" if hashlib.sha256(self.split_key.encode()).digest()[0] % 2 == 0 else "held-out"


@dataclass
class Corpus:
    """The evaluable posts and what was left out, with counts."""

    posts: list[Post] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    by_file: Counter[str] = field(default_factory=Counter)  # evaluable posts first read in each file
    distinct_ids: int = 0
    duplicates: int = 0  # occurrences of an id already read
    no_lang: int = 0  # X-shaped posts read without a lang field (the request did not ask for it)
    undetermined: Counter[str] = field(default_factory=Counter)  # X's own und, zxx, qme, ...
    placeholders: int = 0
    conflicts: int = 0  # an id read twice with two different labels (the first is kept)
    problems: list[str] = field(default_factory=list)  # one sentence each: file:line and why
    skipped_files: list[str] = field(default_factory=list)


def is_placeholder(text: str) -> bool:
    """Whether a post's text is X's stand-in for withheld or policy-hidden media, not the author's words."""
    return bool(_PLACEHOLDER.fullmatch(clean(text)))


def _is_post(obj: dict) -> bool:
    """An X API v2 post object: a numeric string id and a text, and none of a user's fields."""
    return (
        isinstance(obj.get("id"), str)
        and bool(_DIGITS.match(obj["id"]))
        and isinstance(obj.get("text"), str)
        and "username" not in obj
    )


def _repost_of(obj: dict) -> str | None:
    for ref in obj.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "retweeted" and isinstance(ref.get("id"), str):
            return ref["id"]
    return None


def _walk(obj: Any) -> Iterator[dict]:
    """Every post object inside a page, a flattened line, an HTTP exchange or any nesting of them."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            if _is_post(o):
                yield o
            stack.extend(reversed(list(o.values())))
        elif isinstance(o, list):
            stack.extend(reversed(o))


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _documents(path: Path, problems: list[str]) -> Iterator[tuple[int, Any]]:
    """(line, parsed document) of a JSON file (line 1) or of each line of a JSONL file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return
    try:
        yield 1, json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{_shown(path)}:{lineno}: not JSON ({exc.msg}); line skipped")


def load_corpus(root: Path = FIXTURES) -> Corpus:
    """The real X posts under ``root``, one per tweet id, with the exclusions counted."""
    corpus = Corpus()
    seen: dict[str, str | None] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".jsonl"):
            continue
        rel = _shown(path)
        if "synthetic" in path.name or "from-docs" in path.name or path.name.startswith(("docs-", "built-")):
            corpus.skipped_files.append(rel)
            continue
        found = False
        for lineno, doc in _documents(path, corpus.problems):
            for obj in _walk(doc):
                found = True
                lang = obj.get("lang") if isinstance(obj.get("lang"), str) else None
                if obj["id"] in seen:
                    corpus.duplicates += 1
                    corpus.conflicts += seen[obj["id"]] is not None and lang is not None and seen[obj["id"]] != lang
                    continue
                seen[obj["id"]] = lang
                post = Post(obj["id"], obj["text"], lang, f"{rel}:{lineno}", _repost_of(obj) or obj["id"])
                if lang is None:
                    corpus.no_lang += 1
                elif platform_lang(lang) is None:
                    corpus.undetermined[lang] += 1
                elif is_placeholder(post.text):
                    corpus.placeholders += 1
                else:
                    corpus.posts.append(post)
                    corpus.by_file[rel] += 1
        if found:
            corpus.files.append(rel)
    corpus.distinct_ids = len(seen)
    return corpus


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion k/n; (nan, nan) when n is 0."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class Rate:
    k: int
    n: int

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else math.nan

    def cell(self) -> str:
        if not self.n:
            return "unknown (n=0)"
        lo, hi = wilson(self.k, self.n)
        return f"{self.value:.1%} ({self.k}/{self.n}; {lo:.1%}–{hi:.1%})"


@dataclass
class Result:
    name: str
    n: int
    agreement: Rate  # detected == X's label, over all evaluable posts (an abstention is a miss)
    abstention: Rate  # und or mul
    agreement_decided: Rate  # over the posts given one language
    per_language: dict[str, tuple[Rate, Rate]]  # lang -> (precision, recall); support is recall.n
    confusions: Counter[tuple[str, str]]  # (X, detected) where they differ
    misses: list[tuple[Post, str, float]]


def evaluate(posts: Sequence[Post], name: str, detect: Callable[[str], tuple[str, float]] = detect_language) -> Result:
    pairs = [(p, *detect(p.text)) for p in posts]
    gold = [platform_lang(p.x_lang) or "" for p in posts]
    got = [lang for _, lang, _ in pairs]
    agree = sum(g == d for g, d in zip(gold, got, strict=True))
    abstain = sum(d in NOT_SINGLE for d in got)
    langs = sorted(set(gold) | {d for d in got if d not in NOT_SINGLE})
    per_language = {}
    for lang in langs:
        tp = sum(g == d == lang for g, d in zip(gold, got, strict=True))
        per_language[lang] = (Rate(tp, got.count(lang)), Rate(tp, gold.count(lang)))
    confusions = Counter((g, d) for g, d in zip(gold, got, strict=True) if g != d)
    misses = [(p, d, c) for (p, d, c), g in zip(pairs, gold, strict=True) if d != g]
    return Result(
        name,
        len(posts),
        Rate(agree, len(posts)),
        Rate(abstain, len(posts)),
        Rate(agree, len(posts) - abstain),
        per_language,
        confusions,
        misses,
    )


def distinct_texts(posts: Sequence[Post]) -> list[Post]:
    """One post per text (a repost's truncated text and its original's count once): the first of each
    cleaned text's first 60 characters, without the ``RT @user:`` prefix."""
    out: dict[str, Post] = {}
    for p in posts:
        out.setdefault(clean(p.text).casefold()[:60], p)
    return list(out.values())


def markdown(results: Sequence[Result], corpus: Corpus) -> str:
    lines = [f"### Language detection `{LANG_VERSION}` against X's own labels", ""]
    lines += [
        f"Read {len(corpus.files)} files with X posts; {corpus.distinct_ids} distinct tweet ids "
        f"({corpus.duplicates} repeated occurrences of an id left out, {corpus.conflicts} with a different label).",
        f"Left out: {corpus.no_lang} read without a `lang` field; "
        f"{sum(corpus.undetermined.values())} X labelled undetermined "
        f"({', '.join(f'`{k}` {v}' for k, v in sorted(corpus.undetermined.items())) or 'none'}); "
        f"{corpus.placeholders} withheld/hidden-media placeholder texts. "
        f"Evaluable: {len(corpus.posts)}.",
        f"Not read: {len(corpus.skipped_files)} JSON files whose names mark them as not real data "
        "(`docs-*`, `from-docs`, `synthetic`).",
        "Evaluable posts per file (where first read): "
        + ", ".join(f"{Path(k).name} {v}" for k, v in sorted(corpus.by_file.items(), key=lambda kv: -kv[1]))
        + ".",
    ]
    lines += [f"Problem: {p}" for p in corpus.problems]
    lines += ["", "| posts | n | agreement (95% CI) | abstentions: und or mul | agreement where decided |"]
    lines.append("|---|---:|---|---|---|")
    for r in results:
        lines.append(
            f"| {r.name} | {r.n} | {r.agreement.cell()} | {r.abstention.cell()} | {r.agreement_decided.cell()} |"
        )
    for r in results:
        lines += ["", f"Per language, {r.name} (support: posts X labelled so)", ""]
        lines += ["| language | support | precision (95% CI) | recall (95% CI) |", "|---|---:|---|---|"]
        for lang, (prec, rec) in sorted(r.per_language.items(), key=lambda kv: (-kv[1][1].n, kv[0])):
            lines.append(f"| {lang} | {rec.n} | {prec.cell()} | {rec.cell()} |")
        lines += ["", f"Confusions, {r.name} (X's label → detected: posts)", ""]
        lines.append(", ".join(f"{g} → {d}: {n}" for (g, d), n in r.confusions.most_common()) or "none")
    return "\n".join(lines)


def errors(result: Result) -> str:
    return "\n".join(
        f"- `{p.post_id}` X={p.x_lang} detected={d} ({c:.3f}) {p.where}\n  {' '.join(p.text.split())[:200]!r}"
        for p, d, c in result.misses
    )


def demo_texts(folder: Path = DEMO) -> list[str]:
    """The texts of the bundled demo timelines (rtweet CSVs: ``full_text``; CHC mentions: ``text``)."""
    texts: list[str] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text = row.get("full_text") or row.get("text")
                if text:
                    texts.append(text)
    return texts


def speed(texts: Sequence[str], rounds: int = 3) -> float:
    """Texts a second, the best of ``rounds`` passes in this process (the model loaded before)."""
    detect_language("warm the model up")
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for t in texts:
            detect_language(t)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, default="tune", help="which half to score (default: tune)")
    parser.add_argument("--errors", action="store_true", help="also list the posts it gets wrong (tune only)")
    parser.add_argument("--speed", action="store_true", help="also measure texts/s on the bundled demo timelines")
    args = parser.parse_args(argv)
    if args.errors and args.split != "tune":
        parser.error("--errors is for the tune half only: looking at held-out mistakes is tuning on them")
    corpus = load_corpus()
    halves = ("tune", "held-out") if args.split == "all" else (args.split,)
    results = [evaluate([p for p in corpus.posts if p.split == h], h) for h in halves]
    if args.split == "all":
        results.append(evaluate(corpus.posts, "all"))
        results.append(evaluate(distinct_texts(corpus.posts), "all, one per distinct text"))
    print(markdown(results, corpus))
    if args.errors:
        print("\n### Misses on the tune half\n")
        print(errors(results[0]))
    if args.speed:
        texts = demo_texts()
        print(f"\nSpeed: {speed(texts):,.0f} texts/s on the {len(texts):,} texts of the bundled demo timelines.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
