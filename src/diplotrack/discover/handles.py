"""Handle patterns learned from the roster's own handles.

A handle is cut into tokens at underscores, digits and case changes (``ChinaEmbKenya`` -> china, emb,
kenya; ``Amb_ChenXu`` -> amb, chen, xu). A token that two or more roster handles of a platform share
is a pattern of the roster; its strength is its smoothed log-odds of appearing in a roster handle
rather than in the other handles the store holds (so ``china``, which many pro-China commentators
use too, counts for less than ``emb`` or ``consul``). A candidate's handle signal is its strongest
token's, in [0, 1]. Tokens of four letters or more also match inside a handle written without case
changes (``chinaembassykenya``).

A token gives a kind only when it is a kind word (``KIND_WORDS``: ``emb``, ``amb``, ``consul``, ``cg``,
``spox``, ``mission``, ``un``, ``mfa``, media names ..., and the one-word kind terms of the patterns
file): its kind hint is the kind that four in five at least of the roster handles holding it have. A
shared name (two consuls general called Zhang) adds to the handle signal but never says a kind. For
the kind alone, a handle written without case changes is also cut after a roster token where a kind
word of three letters or more follows (``chinaembmanila`` -> china, emb, manila); the signal's
strength does not use these cuts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diplotrack.discover.patterns import Patterns

_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^\W\d_]+")
MIN_SHARED = 2  # roster handles that must share a token for it to be a pattern
MIN_SUBSTRING = 4  # tokens this long also match inside a handle
SMOOTHING = 1.0
SATURATION = 4.0  # log-odds at which the signal reaches about 0.86 (1 - e^-2)
KIND_SHARE = 0.8
MIN_SPLIT_WORD = 3  # kind words this long also cut a handle written without case changes (kind only)
# handle tokens that may say a kind (with the patterns file's one-word kind terms): abbreviations the
# roster's handles use, and the names of state media
KIND_WORDS = frozenset(
    {
        *("emb", "embassy", "embajada", "ambassade", "amb", "ambassador", "embajador", "botschaft"),
        *("consul", "consulate", "consulado", "consulat", "cg", "cgen", "consgen", "consulgen", "generalkonsul"),
        *("spox", "spokesperson", "spokesman", "spokeswoman", "mission", "un", "pm", "mfa", "fm"),
        *("dipl", "diplomat", "minister", "ministry", "media", "news", "tv", "radio", "press", "daily"),
        *("cgtn", "xinhua", "cctv", "cri", "globaltimes", "chinadaily", "ecns", "chinanews"),
    }
)


def kind_words(patterns: Patterns | None = None) -> frozenset[str]:
    """``KIND_WORDS`` and the one-word kind terms of ``patterns`` (lower case, letters only)."""
    if patterns is None:
        return KIND_WORDS
    return KIND_WORDS | {t.text.lower() for t in patterns.kind_terms if t.text.isascii() and t.text.isalpha()}


def tokens(handle: str) -> list[str]:
    """``ChinaEmbKenya`` -> [china, emb, kenya]; ``CHN_UN_NY`` -> [chn, un, ny]; ``zlj517`` -> [zlj]."""
    return [t.lower() for t in _TOKEN.findall(handle) if len(t) >= 2]


@dataclass(frozen=True, slots=True)
class HandleHit:
    token: str
    strength: float  # in [0, 1]
    roster_examples: tuple[str, ...]
    kind: str | None
    kind_token: str | None = None  # the token the kind hint comes from (the strongest with a hint)


@dataclass(slots=True)
class HandleModel:
    """Per platform: token -> (log-odds, roster handles that have it, kind hint)."""

    tokens: dict[str, dict[str, tuple[float, tuple[str, ...], str | None]]]

    def best(self, platform: str, handle: str | None) -> HandleHit | None:
        model = self.tokens.get(platform)
        if not model or not handle:
            return None
        found = set(tokens(handle))
        low = handle.lower()
        found |= {t for t in model if len(t) >= MIN_SUBSTRING and t in low}
        best: HandleHit | None = None
        kind: tuple[float, str, str] | None = None  # the strongest token that has a kind hint
        for t in sorted((found | _kind_cuts(handle, model)) & model.keys()):
            odds, examples, hint = model[t]
            strength = 1.0 - math.exp(-max(odds, 0.0) / (SATURATION / 2))
            if t in found and (best is None or strength > best.strength):
                best = HandleHit(t, round(strength, 4), examples[:3], None)
            if hint is not None and strength > 0 and (kind is None or strength > kind[0]):
                kind = (strength, hint, t)
        if best is None or best.strength <= 0:
            return None
        hint_kind, hint_token = (kind[1], kind[2]) if kind else (None, None)
        return HandleHit(best.token, best.strength, best.roster_examples, hint_kind, hint_token)


def _kind_cuts(handle: str, model: dict[str, tuple[float, tuple[str, ...], str | None]]) -> set[str]:
    """The kind words (with a hint) that follow a roster token inside a token written without case
    changes: ``chinaembmanila`` -> {emb}, as ``china`` is a roster token."""
    out: set[str] = set()
    hinted = [t for t, (_, _, hint) in model.items() if hint is not None and len(t) >= MIN_SPLIT_WORD]
    for token in tokens(handle):
        if len(token) < 2 * MIN_SPLIT_WORD:
            continue
        for word in hinted:
            at = token.find(word, 2)
            while at > 0:
                if token[:at] in model:
                    out.add(word)
                    break
                at = token.find(word, at + 1)
    return out


def learn(
    roster: Iterable[tuple[str, str, str]],
    others: Iterable[tuple[str, str]],
    words: Collection[str] = KIND_WORDS,
) -> HandleModel:
    """The patterns of roster handles ``(platform, handle, kind)`` against the store's other handles
    ``(platform, handle)``; only ``words`` may carry a kind hint."""
    by_platform: dict[str, list[tuple[str, str]]] = {}
    for platform, handle, kind in roster:
        by_platform.setdefault(platform, []).append((handle, kind))
    background: dict[str, Counter[str]] = {}
    background_n: Counter[str] = Counter()
    for platform, handle in others:
        if platform in by_platform and handle:
            background.setdefault(platform, Counter()).update(set(tokens(handle)))
            background_n[platform] += 1
    out: dict[str, dict[str, tuple[float, tuple[str, ...], str | None]]] = {}
    for platform, rows in by_platform.items():
        have: dict[str, list[tuple[str, str]]] = {}
        for handle, kind in rows:
            for t in set(tokens(handle)):
                have.setdefault(t, []).append((handle, kind))
        bg = background.get(platform, Counter())
        n_r, n_b = len(rows), background_n[platform]
        model: dict[str, tuple[float, tuple[str, ...], str | None]] = {}
        for t, holders in have.items():
            if len(holders) < MIN_SHARED:
                continue
            p_r = (len(holders) + SMOOTHING) / (n_r + 2 * SMOOTHING)
            p_b = (bg[t] + SMOOTHING) / (n_b + 2 * SMOOTHING)
            kinds = Counter(k for _, k in holders).most_common(1)
            kind = kinds[0][0] if t in words and kinds and kinds[0][1] >= KIND_SHARE * len(holders) else None
            model[t] = (math.log(p_r / p_b), tuple(sorted(h for h, _ in holders)), kind)
        out[platform] = model
    return HandleModel(out)
