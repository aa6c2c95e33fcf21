"""Topics of a post from a bundled, versioned, multilingual taxonomy, and keyness for what it misses.

The taxonomy (``data/topics.yaml``, format documented at its top and in
``docs/topics-and-state-media.md``) lists topics, each with terms per language and hashtags. A
user's YAML file in the same format can add topics or extend existing ones (``load_taxonomy``).

Matching (``Taxonomy.match``) is a fixed number of regular-expression passes, whatever the number
of terms: one over the lower-cased text for the case-insensitive word terms (Latin, Cyrillic, ...),
one for the substring terms (Chinese, Arabic), and, only when the text has an upper-case letter,
one over the text as written for the case-sensitive terms (``US``, ``UN``, ``WHO``). Each pattern
is a trie of its terms, so at any place in the text the longest term wins; the matched text is
looked up in a dict that gives its topics. The rules:

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

The taxonomy's ``version`` is ``topics-<version field>+<first 8 hex digits of the SHA-1 of the
files' bytes>``: any change to the bundled file or to a user's file gives a new version.

Keyness (``tokenize``, ``keyness``) finds words over-represented in one set of posts against
another, e.g. posts no topic matched against those some topic matched: Dunning's log-likelihood G².
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from diplotrack.errors import UsageError

BUNDLED_FILE = "topics.yaml"
VERSION_PREFIX = "topics"

# Scripts matched as substrings: CJK (radicals, kana, bopomofo, Hangul, Han incl. extensions) ...
_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# ... and Arabic (base block, supplement, extended-A, presentation forms).
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_SUBSTRING_SCRIPT = re.compile(f"[{_CJK}{_ARABIC}]")
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
_TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: 5x faster


# --------------------------------------------------------------------------- YAML with line numbers
# (also used by diplotrack.enrich.state_media)


class YamlProblems:
    """Problems found in one YAML file, each ``file:line: what is wrong; what to do``."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[tuple[int, str]] = []  # (line for sorting, message)

    def add(self, where: yaml.Node | int | None, message: str) -> None:
        line = where if isinstance(where, int) or where is None else node_line(where)
        text = f"{self.label}:{line}: {message}" if line is not None else f"{self.label}: {message}"
        self.items.append((line or 0, text))

    def add_located(self, line: int, text: str) -> None:
        """A message that already says where it is (``file:line: ...``)."""
        self.items.append((line, text))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        texts = [text for _, text in sorted(self.items, key=lambda item: item[0])]
        if len(texts) == 1:
            raise UsageError(texts[0])
        raise UsageError(f"{len(texts)} problems in {self.label}:\n  " + "\n  ".join(texts))


def node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def compose_yaml(label: str, text: str) -> yaml.Node | None:
    """The node tree of a YAML document (no values constructed, so ``no`` stays the text "no")."""
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = exc.problem or exc.context or "cannot be read"
        raise UsageError(
            f"{where}: not valid YAML ({problem}); fix the syntax (quote text that starts with * or &)"
        ) from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{label}: not valid YAML ({exc}); fix the syntax") from exc


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def mapping_of(
    node: yaml.Node, problems: YamlProblems, what: str, allowed: Iterable[str]
) -> dict[str, yaml.Node] | None:
    """The keys and value nodes of a mapping; a duplicate or unknown key is a problem."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must be a mapping of key: value lines")
        return None
    allowed = tuple(allowed)
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            problems.add(key, f"{what}: a key must be plain text")
            continue
        if key.value in out:
            problems.add(key, f"{what}: '{key.value}' is given twice; keep one")
            continue
        if key.value not in allowed:
            problems.add(key, f"{what}: unknown key '{key.value}'; use {', '.join(allowed)}")
            continue
        out[key.value] = value
    return out


def entry_id(
    node: yaml.Node, fields: dict[str, yaml.Node], problems: YamlProblems, noun: str, seen: dict[str, int]
) -> str | None:
    """The ``id`` of a list entry (a topic, an outlet), checked: present, lower-case letters, digits,
    ``_`` and ``-``, and not given before (``seen`` maps ids to their lines); None after reporting."""
    if "id" not in fields:
        problems.add(
            node, f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} needs 'id:' (lower-case letters, digits, '_' and '-')"
        )
        return None
    value = text_of(fields["id"], problems, "id")
    if value is None:
        return None
    if not _TOPIC_ID.fullmatch(value):
        problems.add(fields["id"], f"id '{value}' is not valid; use lower-case letters, digits, '_' and '-'")
        return None
    if value in seen:
        problems.add(fields["id"], f"{noun} '{value}' is given twice (first on line {seen[value]}); merge them")
        return None
    seen[value] = node_line(node)
    return value


def text_of(node: yaml.Node, problems: YamlProblems, what: str) -> str | None:
    """The stripped text of a scalar, or None (and a problem) when it is empty or not a scalar."""
    if not isinstance(node, yaml.ScalarNode) or is_null(node):
        problems.add(node, f"{what} must be non-empty text")
        return None
    value = node.value.strip()
    if not value:
        problems.add(node, f"{what} must be non-empty text")
        return None
    return value


def list_of(node: yaml.Node, problems: YamlProblems, what: str) -> list[yaml.Node]:
    """The items of a sequence (``[a, b]`` or ``- a`` lines); anything else is a problem."""
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, f"{what} must be a list ([a, b] or one '- a' line each)")
        return []
    return list(node.value)


def flag_of(node: yaml.Node, problems: YamlProblems, what: str) -> bool:
    if isinstance(node, yaml.ScalarNode) and node.value.lower() in ("true", "yes", "on"):
        return True
    if isinstance(node, yaml.ScalarNode) and node.value.lower() in ("false", "no", "off"):
        return False
    problems.add(node, f"{what} must be true or false")
    return False


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a folder; give a YAML file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise UsageError(f"{what} {path} cannot be read: {exc.strerror}") from None


# --------------------------------------------------------------------------- the taxonomy


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


class _Trie:
    """Terms as a character trie, written out as regular-expression alternatives, one per first
    character; within one, longer terms come before the shorter ones they extend."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}

    def add(self, key: str) -> None:
        node = self.root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True

    def alternatives(self, end: str = "", after_first: str = "") -> list[str]:
        """One alternative per first character; ``after_first`` follows that character (a word-start
        check), ``end`` each term (a word-end check)."""
        return [head + after_first + self._node(child) + end for head, child in self._children(self.root)]

    def _children(self, node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for ch in sorted(k for k in node if k):
            if ch == " ":
                head = f"[{_SEP_CHARS}]+"
            elif ch == "'":
                head = f"[{_APOSTROPHES}]"
            else:
                head = re.escape(ch)
            out.append((head, node[ch]))
        return out

    def _node(self, node: dict[str, Any]) -> str:
        alts = [head + self._node(child) for head, child in self._children(node)]
        if not alts:
            return ""
        if "" in node:
            alts.append("")  # the term ending here, tried after the longer ones
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def _word_pattern(words: _Trie, prefixes: _Trie) -> re.Pattern[str] | None:
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
    first = "".join(re.escape(c) for c in sorted({*words.root, *prefixes.root} - {""}))
    return re.compile(f"{_NOT_WORD_CHAR}(?=[{first}])(" + "|".join(alts) + ")")


def _sparse_word_pattern(words: _Trie, prefixes: _Trie) -> re.Pattern[str] | None:
    """Case-sensitive word and prefix terms, for ``findall`` on the text as written.

    Their first characters (capitals: U, W, N) are rare in a text, so every top-level alternative
    starts with its literal first character, followed by the word-start check (a lookbehind over
    two characters): the engine jumps, in C, from one such capital to the next.
    """
    start = f"(?<!{_WORD_CHAR}(?s:.))"
    alts = words.alternatives(f"(?!{_WORD_CHAR})", start) + prefixes.alternatives("", start)
    return re.compile("|".join(alts)) if alts else None


def _substring_pattern(substrings: _Trie) -> re.Pattern[str] | None:
    """Substring terms: alternatives that each start with a literal, so the engine jumps to the
    characters that can start a term."""
    alts = substrings.alternatives()
    return re.compile("|".join(alts)) if alts else None


class _Matcher:
    """The compiled patterns and the matched-text → topic ids dicts of a taxonomy."""

    def __init__(self, topics: tuple[Topic, ...], stop_terms: tuple[Term, ...]) -> None:
        ci: dict[str, set[str]] = {}
        cs: dict[str, set[str]] = {}
        words, prefixes, substrings, cs_words, cs_prefixes = _Trie(), _Trie(), _Trie(), _Trie(), _Trie()
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


# --------------------------------------------------------------------------- reading the files

_TOP_KEYS = ("version", "description", "topics", "stop_terms")
_TOPIC_KEYS = ("id", "label", "description", "terms", "hashtags")
_TERM_KEYS = ("term", "case_sensitive")


@dataclass
class _TopicDraft:
    id: str
    label: str | None
    description: str
    terms: list[Term]
    hashtags: list[str]
    line: int


@dataclass
class _FileContent:
    version: str | None
    topics: list[_TopicDraft]
    stop_terms: list[Term]


def _terms(node: yaml.Node, problems: YamlProblems, what: str) -> list[Term]:
    """``{lang: [term, {term: X, case_sensitive: true}, ...]}``."""
    out: list[Term] = []
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must map a language code to a list of terms (en: [a, b])")
        return out
    seen: set[str] = set()
    for key, value in node.value:
        lang = key.value if isinstance(key, yaml.ScalarNode) else ""
        if not _LANG.fullmatch(lang):
            problems.add(key, f"{what}: '{lang}' is not a language code; use ISO 639-1 like en, zh, fr")
            continue
        if lang in seen:
            problems.add(key, f"{what}: language '{lang}' is given twice; merge the lists")
            continue
        seen.add(lang)
        for item in list_of(value, problems, f"{what}.{lang}"):
            term = _term(item, lang, problems, f"{what}.{lang}")
            if term is not None:
                out.append(term)
    return out


def _term(item: yaml.Node, lang: str, problems: YamlProblems, what: str) -> Term | None:
    case_sensitive = False
    if isinstance(item, yaml.MappingNode):
        fields = mapping_of(item, problems, f"{what} entry", _TERM_KEYS)
        if fields is None:
            return None
        if "term" not in fields:
            problems.add(item, f"{what} entry needs 'term:' (the phrase)")
            return None
        if "case_sensitive" in fields:
            case_sensitive = flag_of(fields["case_sensitive"], problems, f"{what} case_sensitive")
        item = fields["term"]
    text = text_of(item, problems, f"{what} term")
    if text is None:
        return None
    prefix = text.endswith("*")
    core = text[:-1].rstrip() if prefix else text
    if "\n" in core or "*" in core:
        problems.add(item, f"{what}: '{text}' has a line break or a '*' inside; '*' may only end a term")
        return None
    if not re.search(r"\w", core):
        problems.add(item, f"{what}: '{text}' has no letter or digit")
        return None
    term = Term(core, lang, case_sensitive, prefix)
    if not term.substring and not case_sensitive and len(core) < 3:
        problems.add(
            item,
            f"{what}: '{core}' is too short to match without regard to case (it would find ordinary "
            f"words); write {{term: {core.upper()}, case_sensitive: true}} or a longer phrase",
        )
        return None
    return term


def _hashtags(node: yaml.Node, problems: YamlProblems, what: str) -> list[str]:
    out = []
    for item in list_of(node, problems, what):
        tag = text_of(item, problems, f"{what} entry")
        if tag is None:
            continue
        tag = tag.lstrip("#\uff03").casefold()
        if not tag or re.search(r"\s", tag):
            problems.add(item, f"{what}: '{item.value}' is not a hashtag; write it without '#' and spaces")
            continue
        out.append(tag)
    return out


def _parse(label: str, text: str, *, bundled: bool) -> _FileContent:
    problems = YamlProblems(label)
    root = compose_yaml(label, text)
    if root is None:
        problems.add(1, "the file is empty; write 'topics:' with a list of topics (see the bundled topics.yaml)")
        problems.raise_if_any()
    top = mapping_of(root, problems, "the file", _TOP_KEYS) or {}
    version = None
    if "version" in top:
        version = text_of(top["version"], problems, "version")
    elif bundled:
        problems.add(root, "version is required")
    topics: list[_TopicDraft] = []
    ids: dict[str, int] = {}
    if "topics" in top:
        for node in list_of(top["topics"], problems, "topics"):
            fields = mapping_of(node, problems, "a topic", _TOPIC_KEYS)
            if fields is None:
                continue
            topic_id = entry_id(node, fields, problems, "topic", ids)
            if topic_id is None:
                continue
            what = f"topic '{topic_id}'"
            label_text = text_of(fields["label"], problems, f"{what} label") if "label" in fields else None
            description = ""
            if "description" in fields and not is_null(fields["description"]):
                description = text_of(fields["description"], problems, f"{what} description") or ""
            terms = _terms(fields["terms"], problems, f"{what} terms") if "terms" in fields else []
            tags = _hashtags(fields["hashtags"], problems, f"{what} hashtags") if "hashtags" in fields else []
            if not terms and not tags and "terms" not in fields and "hashtags" not in fields:
                problems.add(node, f"{what} has neither terms nor hashtags; add 'terms:' (en: [...]) or 'hashtags:'")
            topics.append(_TopicDraft(topic_id, label_text, description, terms, tags, node_line(node)))
    elif bundled:
        problems.add(root, "topics is required")
    stop_terms = _terms(top["stop_terms"], problems, "stop_terms") if "stop_terms" in top else []
    problems.raise_if_any()
    return _FileContent(version, topics, stop_terms)


def _merge(base: _FileContent, extra: _FileContent, label: str) -> tuple[list[_TopicDraft], list[Term]]:
    """Topics of ``base`` extended by ``extra``: a known id adds terms/hashtags, a new id adds a topic."""
    problems = YamlProblems(label)
    merged = {
        t.id: _TopicDraft(t.id, t.label, t.description, list(t.terms), list(t.hashtags), t.line) for t in base.topics
    }
    for t in extra.topics:
        known = merged.get(t.id)
        if known is None:
            if t.label is None:
                problems.add(t.line, f"topic '{t.id}' is new (not in the bundled taxonomy), so it needs 'label:'")
                continue
            merged[t.id] = t
            continue
        known.label = t.label or known.label
        known.description = t.description or known.description
        known.terms.extend(x for x in t.terms if x not in known.terms)
        known.hashtags.extend(x for x in t.hashtags if x not in known.hashtags)
    problems.raise_if_any()
    return list(merged.values()), base.stop_terms + [t for t in extra.stop_terms if t not in base.stop_terms]


def _bundled_text() -> str:
    return resources.files("diplotrack.enrich").joinpath("data", BUNDLED_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def _build(extra_label: str | None, extra_text: str | None) -> Taxonomy:
    text = _bundled_text()
    base = _parse(f"bundled {BUNDLED_FILE}", text, bundled=True)
    digest = hashlib.sha1(text.encode("utf-8"))
    if extra_text is not None and extra_label is not None:
        extra = _parse(extra_label, extra_text, bundled=False)
        drafts, stops = _merge(base, extra, extra_label)
        digest.update(b"\0" + extra_text.encode("utf-8"))
    else:
        drafts, stops = base.topics, base.stop_terms
    topics = tuple(
        Topic(
            d.id,
            d.label or d.id,
            tuple(dict.fromkeys(d.terms)),
            tuple(dict.fromkeys(d.hashtags)),
            d.description,
        )
        for d in drafts
    )
    version = f"{VERSION_PREFIX}-{base.version}+{digest.hexdigest()[:8]}"
    return Taxonomy(version, topics, tuple(dict.fromkeys(stops)))


def load_taxonomy(extra: Path | None = None) -> Taxonomy:
    """The bundled taxonomy, extended by the user's YAML file ``extra`` when given.

    Raises ``UsageError`` (``file:line: what to fix``) for a user file that cannot be used.
    """
    if extra is None:
        return _build(None, None)
    extra = Path(extra)
    return _build(str(extra), read_text(extra, "topics file"))


# --------------------------------------------------------------------------- keyness

# fmt: off
_STOPWORDS_EN = frozenset((
    "about", "above", "after", "again", "against", "all", "also", "amp", "and", "any", "are", "aren't",
    "around", "because", "been", "before", "being", "below", "between", "both", "but", "can", "can't",
    "cannot", "com", "could", "couldn't", "did", "didn't", "does", "doesn't", "doing", "don't", "down",
    "during", "each", "even", "ever", "every", "few", "for", "from", "further", "had", "hadn't", "has",
    "hasn't", "have", "haven't", "having", "her", "here", "hers", "herself", "him", "himself", "his", "how",
    "however", "http", "https", "i'd", "i'll", "i'm", "i've", "into", "isn't", "its", "itself", "just", "let",
    "like", "made", "make", "many", "may", "more", "most", "much", "must", "mustn't", "myself", "nbsp",
    "need", "new", "nor", "not", "now", "off", "once", "one", "only", "other", "ought", "our", "ours",
    "ourselves", "out", "over", "own", "quot", "said", "same", "say", "says", "shall", "she", "should",
    "shouldn't", "since", "some", "still", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "they'd", "they'll", "they're", "they've", "this",
    "those", "through", "too", "under", "until", "upon", "very", "via", "was", "wasn't", "way", "we'd",
    "we'll", "we're", "we've", "well", "were", "weren't", "what", "when", "where", "which", "while", "who",
    "whom", "whose", "why", "will", "with", "within", "without", "won't", "would", "wouldn't", "www", "yes",
    "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves"
))
_STOPWORDS = {
    "fr": frozenset((
        "aussi", "aux", "avec", "ces", "cette", "comme", "dans", "depuis", "des", "dont", "elles", "entre",
        "est", "fait", "ils", "les", "leur", "leurs", "mais", "nous", "ont", "par", "pas", "plus", "pour",
        "que", "qui", "sans", "ses", "son", "sont", "sur", "tous", "tout", "très", "une", "vous", "été",
        "être"
    )),
    "es": frozenset((
        "como", "con", "del", "desde", "entre", "esta", "estas", "este", "estos", "está", "están", "fue",
        "han", "hay", "las", "les", "los", "muy", "más", "nos", "para", "pero", "por", "que", "ser", "sin",
        "sobre", "son", "sus", "también", "todo", "todos", "una"
    )),
}
# fmt: on
_TOKEN = re.compile(
    r"(?:https?://|www\.)\S+"  # URLs: dropped
    r"|[@\uff20]\w+"  # @mentions: dropped
    f"|(?P<cjk>[{_CJK}]+)"  # runs of CJK characters: bigrams
    f"|(?P<word>[^\\W\\d_{_CJK}]+(?:['\u2019][^\\W\\d_{_CJK}]+)*)"  # words of letters, with apostrophes
)


def tokenize(text: str | None, lang: str | None = None) -> list[str]:
    """Tokens for keyness: lower-cased words of 3+ letters that are not stopwords, and CJK bigrams.

    URLs and @mentions are dropped; a hashtag counts as its word. Words are runs of letters
    (digits split them); ``'s`` is taken off (``china's`` → ``china``). A run of CJK characters
    gives its character bigrams (``一带一路`` → 一带, 带一, 一路; a lone character gives nothing),
    in any post, whatever ``lang``; ``lang`` only adds that language's stopwords (fr, es) to the
    English ones.
    """
    if not text:
        return []
    if "&" in text:
        text = html.unescape(text)
    stop = _STOPWORDS_EN
    extra = _STOPWORDS.get((lang or "").split("-")[0].lower())
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        run = m.group("cjk")
        if run is not None:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            continue
        word = m.group("word")
        if word is None:
            continue
        word = word.lower().replace("\u2019", "'")
        if word in stop:
            continue
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 3 or word in stop or (extra is not None and word in extra):
            continue
        out.append(word)
    return out


def _xlogx_ratio(observed: float, expected: float) -> float:
    return observed * math.log(observed / expected) if observed > 0 else 0.0


def log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """Dunning's G² for a term seen ``a`` times in ``c`` target tokens and ``b`` times in ``d`` reference ones."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2.0 * (_xlogx_ratio(a, e1) + _xlogx_ratio(b, e2))


def keyness(
    target_counts: Counter[str], reference_counts: Counter[str], top: int = 20
) -> list[tuple[str, float, int, int]]:
    """The ``top`` terms most over-represented in the target: ``(term, G², target count, reference count)``.

    G² = 2·(a·ln(a/E1) + b·ln(b/E2)), E1 = c·(a+b)/(c+d), E2 = d·(a+b)/(c+d), where a and b are the
    term's counts and c and d the total token counts of target and reference (0·ln 0 = 0). Only
    terms relatively more frequent in the target (a/c > b/d) are kept; sorted by G² (largest first),
    then by term. Empty when either side has no tokens.
    """
    c = sum(target_counts.values())
    d = sum(reference_counts.values())
    if c <= 0 or d <= 0 or top <= 0:
        return []
    rows = []
    for term, a in target_counts.items():
        if a <= 0:
            continue
        b = reference_counts.get(term, 0)
        if a * d <= b * c:
            continue
        rows.append((term, log_likelihood(a, b, c, d), a, b))
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:top]
