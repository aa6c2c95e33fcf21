"""Matching many phrases in one pass: a trie of phrases written out as one regular expression.

The taxonomy (``taxonomy.py``) and the tone index (``tone_cues.py``) both find, in a post, which
of thousands of phrases occur. Both merge the phrases into a :class:`Trie` on their common
prefixes and compile it into alternatives in which a longer phrase is tried before the shorter one
it extends, so at any place the longest phrase wins and the regex engine never backtracks over
phrases that share a start. What a trie step is differs, and the callers say it:

- the taxonomy adds one character per step and lets the trie write each as a regex (``atom``): a
  space matches any run of spaces and hyphens, ``'`` matches ``'`` and ``’``;
- the tone index adds regex atoms it wrote itself (``\\w*`` for a ``word*`` wildcard, ``\\b`` for a
  word boundary, a party alternation), since its phrases have wildcards and word-boundary rules
  the taxonomy's terms do not; its ``order`` puts literal atoms before the wildcard and the
  boundary, so the longer phrase is tried first.

What a phrase is, how text is normalised before matching and what a match resolves to stay with
each caller: the taxonomy matches whole words of spaced scripts and substrings of CJK and Arabic
and looks the matched text up in a dict of topics; the tone index works per language, resolves
wildcard heads and follows "…" gaps to a phrase's tail.

The script ranges used to tell the scripts apart are here too (``CJK``, ``ARABIC``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Scripts matched as substrings: CJK (radicals, kana, bopomofo, Hangul, Han incl. extensions) ...
CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# ... and Arabic (base block, supplement, extended-A, presentation forms).
ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"


def _identity(step: str) -> str:
    return step


class Trie:
    """Phrases as sequences of steps, merged on common prefixes and written out as regex alternatives.

    ``atom`` turns a step into its regex (default: the step is one already); ``order`` sorts the
    steps below a node (default: as text). Within a node the alternatives come in that order and
    the phrase that ends there last, after the longer ones that extend it.
    """

    def __init__(self, atom: Callable[[str], str] = _identity, order: Callable[[str], Any] = _identity) -> None:
        self.root: dict[str, Any] = {}
        self._atom = atom
        self._order = order

    def add(self, steps: Iterable[str]) -> None:
        node = self.root
        for step in steps:
            node = node.setdefault(step, {})
        node[""] = {}

    def first_steps(self) -> set[str]:
        """The steps phrases start with."""
        return {step for step in self.root if step}

    def pattern(self) -> str:
        """All phrases as one regex (one that never matches when there are none)."""
        return self._node(self.root) if self.root else "(?!)"

    def alternatives(self, end: str = "", after_first: str = "") -> list[str]:
        """One alternative per first step; ``after_first`` follows that step's regex (a word-start
        check), ``end`` each alternative (a word-end check)."""
        return [head + after_first + self._node(child) + end for head, child in self._children(self.root)]

    def _children(self, node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(self._atom(step), node[step]) for step in sorted((s for s in node if s), key=self._order)]

    def _node(self, node: dict[str, Any]) -> str:
        alts = [head + self._node(child) for head, child in self._children(node)]
        if "" in node:
            alts.append("")  # the phrase ending here, tried after the longer ones
        if not alts:
            return ""
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
