"""The topic taxonomy and its matcher: which topics a post is about.

A :class:`Taxonomy` (read from the bundled ``data/topics.yaml`` and a user's file by
``diplotrack.enrich.topics.load_taxonomy``) lists topics, each with terms per language and hashtags.

Matching (``Taxonomy.match``) is a fixed number of regular-expression passes, whatever the number
of terms: one over the lower-cased text for the case-insensitive word terms (Latin, Cyrillic, ...),
one for the substring terms (Chinese, Arabic), and, only when the text has an upper-case letter,
one over the text as written for the case-sensitive terms (``US``, ``UN``, ``WHO``). Each pattern
is a trie of its terms (``diplotrack.enrich.lexicon.Trie``), so at any place in the text the
longest term wins; the matched text is looked up in a dict that gives its topics. The rules:

- a term in a script written with spaces (Latin, Cyrillic, Greek, ...) matches whole words: not
  preceded or followed by a letter or digit of such a script (a Chinese character next to it is no
  obstacle, so ``5G`` is found in ``华为5G网络``); a term written with a trailing ``*`` matches the
  start of a word (``vaccin*``: vaccine, vaccination, vaccins);
- a term with a Chinese, Japanese or Korean character, or an Arabic letter (Arabic attaches
  conjunctions, prepositions and the article to the word), matches anywhere, as a substring;
- a space or a hyphen in a term matches any run of spaces and hyphens (``one-china`` finds
  ``one China`` too); ``'`` matches ``'`` and ``’``; ``&amp;``, ``&lt;`` and ``&gt;`` (which X
  leaves in texts) are decoded first;
- matches do not overlap, and the longest term at a place wins: a term inside a longer one of
  another topic is not seen, which is why a few terms are listed under two topics
  (``Human Rights Council``) and why ``stop_terms`` exist (``Latin America`` hides ``America``,
  ``中美洲`` hides ``中美``);
- hashtags (the post's hashtag entities, case-folded, without ``#``) are looked up in each
  topic's ``hashtags`` list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from diplotrack.enrich.lexicon import ARABIC, CJK, Trie

_SUBSTRING_SCRIPT = re.compile(f"[{CJK}{ARABIC}]")
# A character that continues a word: a letter, digit or "_" of a script written with spaces
# (Latin with its extensions and combining marks, Greek, Cyrillic, Armenian). Written as small
# ranges, not as "\\w but not CJK": the regex compiler expands every range of a class.
_WORD_CHARS = (
    "0-9A-Za-z_\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u0300-\u036f"
    "\u0370-\u03ff\u0400-\u052f\u0531-\u0587\u1e00-\u1fff"
)
_WORD_CHAR = f"[{_WORD_CHARS}]"
_NOT_WORD_CHAR = f"[^{_WORD_CHARS}]"
_SEP_CHARS = "\\s\\-\u2010\u2011"  # what a space or hyphen in a term matches, any run of them
_SEP_RUN = re.compile(f"[{_SEP_CHARS}]+")
_APOSTROPHES = "'\u2019"


@dataclass(frozen=True)
class Term:
    """A phrase that signals a topic. ``prefix``: written with a trailing ``*`` (the start of a word)."""

    text: str
    lang: str
    case_sensitive: bool = False
    prefix: bool = False

    @property
    def substring(self) -> bool:
        """Matched anywhere (CJK or Arabic script), not on word boundaries."""
        return _SUBSTRING_SCRIPT.search(self.text) is not None


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    terms: tuple[Term, ...]
    hashtags: tuple[str, ...] = ()
    description: str = ""


def _norm(text: str) -> str:
    """The form terms and matched text are compared in: separators → one space, ’ → '."""
    return _SEP_RUN.sub(" ", text).replace("\u2019", "'").strip()


def _atom(ch: str) -> str:
    """The regex of one character of a term: a space matches any run of spaces and hyphens, ``'``
    either apostrophe."""
    if ch == " ":
        return f"[{_SEP_CHARS}]+"
    if ch == "'":
        return f"[{_APOSTROPHES}]"
    return re.escape(ch)


def _trie() -> Trie:
    """Terms as a character trie, one alternative per first character (sorted); within one, longer
    terms come before the shorter ones they extend."""
    return Trie(_atom)


def _word_pattern(words: Trie, prefixes: Trie) -> re.Pattern[str] | None:
    """Case-insensitive word and prefix terms, for ``findall`` on the lower-cased text with a space in front.

    The pattern consumes the character before the term (one that is not a word character) and
    captures the term: starting with a character class lets the regex engine skip, in C, every
    place inside a word, and the lookahead then rejects at once a place where no term starts (in a
    Chinese text, every place). A word term must end at a word end: the check follows each first
    character's trie once, and backtracking tries the shorter terms in it.
    """
    alts = words.alternatives(f"(?!{_WORD_CHAR})") + prefixes.alternatives()
    if not alts:
        return None
    first = "".join(re.escape(c) for c in sorted(words.first_steps() | prefixes.first_steps()))
    return re.compile(f"{_NOT_WORD_CHAR}(?=[{first}])(" + "|".join(alts) + ")")


def _sparse_word_pattern(words: Trie, prefixes: Trie) -> re.Pattern[str] | None:
    """Case-sensitive word and prefix terms, for ``findall`` on the text as written.

    Their first characters (capitals: U, W, N) are rare in a text, so every top-level alternative
    starts with its literal first character, followed by the word-start check (a lookbehind over
    two characters): the engine jumps, in C, from one such capital to the next.
    """
    start = f"(?<!{_WORD_CHAR}(?s:.))"
    alts = words.alternatives(f"(?!{_WORD_CHAR})", start) + prefixes.alternatives("", start)
    return re.compile("|".join(alts)) if alts else None


def _substring_pattern(substrings: Trie) -> re.Pattern[str] | None:
    """Substring terms: alternatives that each start with a literal, so the engine jumps to the
    characters that can start a term."""
    alts = substrings.alternatives()
    return re.compile("|".join(alts)) if alts else None


class _Matcher:
    """The compiled patterns and the matched-text → topic ids dicts of a taxonomy."""

    def __init__(self, topics: tuple[Topic, ...], stop_terms: tuple[Term, ...]) -> None:
        ci: dict[str, set[str]] = {}
        cs: dict[str, set[str]] = {}
        words, prefixes, substrings, cs_words, cs_prefixes = _trie(), _trie(), _trie(), _trie(), _trie()
        entries = [(t, topic.id) for topic in topics for t in topic.terms] + [(t, None) for t in stop_terms]
        for term, topic_id in entries:
            case_sensitive = term.case_sensitive and term.text.lower() != term.text.upper()  # has cased letters
            key = _norm(term.text if case_sensitive else term.text.lower())
            ids = (cs if case_sensitive else ci).setdefault(key, set())
            if topic_id is not None:
                ids.add(topic_id)
            if case_sensitive:
                (cs_prefixes if term.prefix else cs_words).add(key)
            elif term.substring:
                substrings.add(key)
            else:
                (prefixes if term.prefix else words).add(key)
        tags: dict[str, set[str]] = {}
        for topic in topics:
            for tag in topic.hashtags:
                tags.setdefault(tag, set()).add(topic.id)
        self.hashtags = {k: tuple(sorted(v)) for k, v in tags.items()}
        self.ci = {k: tuple(sorted(v)) for k, v in ci.items()}
        self.cs = {k: tuple(sorted(v)) for k, v in cs.items()}
        self.word_re = _word_pattern(words, prefixes)
        self.substring_re = _substring_pattern(substrings)
        self.cs_re = _sparse_word_pattern(cs_words, cs_prefixes)
        # the case-sensitive pass is skipped for a text without capitals when every such term has one
        self.cs_needs_capital = all(k != k.lower() for k in self.cs)


@dataclass(frozen=True)
class Taxonomy:
    """Topics and their terms; ``match`` gives the topic ids of a post."""

    version: str
    topics: tuple[Topic, ...]
    stop_terms: tuple[Term, ...] = ()
    _matcher: _Matcher = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _Matcher(self.topics, self.stop_terms))

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def match(self, text: str | None, hashtags: Iterable[str] = ()) -> list[str]:
        """Sorted ids of the topics whose terms occur in ``text`` or whose hashtags the post has."""
        m = self._matcher
        found: set[str] = set()
        if text:
            if "&" in text:
                text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            lower = text.lower()
            get = m.ci.get
            if m.word_re is not None:
                for s in m.word_re.findall(" " + lower):
                    ids = get(s)
                    found.update(ids if ids is not None else get(_norm(s), ()))
            if m.substring_re is not None and not lower.isascii():  # substring terms are CJK or Arabic
                for s in m.substring_re.findall(lower):
                    ids = get(s)
                    found.update(ids if ids is not None else get(_norm(s), ()))
            if m.cs_re is not None and (lower != text or not m.cs_needs_capital):
                get = m.cs.get
                for s in m.cs_re.findall(text):
                    ids = get(s)
                    found.update(ids if ids is not None else get(_norm(s), ()))
        for tag in hashtags:
            if tag:
                ids = m.hashtags.get(tag.lstrip("#\uff03").casefold())
                if ids:
                    found.update(ids)
        return sorted(found)
