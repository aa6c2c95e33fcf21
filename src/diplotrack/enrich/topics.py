"""Topics of a post from a bundled, versioned, multilingual taxonomy: reading the taxonomy files.

The taxonomy (``data/topics.yaml``, format documented at its top and in
``docs/topics-and-state-media.md``) lists topics, each with terms per language and hashtags. A
user's YAML file in the same format can add topics or extend existing ones (``load_taxonomy``).
How terms match a post is in ``diplotrack.enrich.taxonomy`` (``Taxonomy.match``).

The taxonomy's ``version`` is ``topics-<version field>+<first 8 hex digits of the SHA-1 of the
files' bytes>``: any change to the bundled file or to a user's file gives a new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from diplotrack.enrich.taxonomy import Taxonomy, Term, Topic
from diplotrack.enrich.yaml_lines import (
    YamlProblems,
    bundled_text,
    entry_id,
    file_version,
    flag_of,
    is_null,
    list_of,
    load_extended,
    mapping_of,
    node_line,
    text_of,
    top_of,
)

__all__ = ["BUNDLED_FILE", "VERSION_PREFIX", "Taxonomy", "Term", "Topic", "load_taxonomy"]

BUNDLED_FILE = "topics.yaml"
VERSION_PREFIX = "topics"
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")

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
    empty = "write 'topics:' with a list of topics (see the bundled topics.yaml)"
    problems, root, top, version = top_of(label, text, _TOP_KEYS, bundled=bundled, empty=empty)
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


@lru_cache(maxsize=8)
def _build(extra_label: str | None, extra_text: str | None) -> Taxonomy:
    text = bundled_text(BUNDLED_FILE)
    base = _parse(f"bundled {BUNDLED_FILE}", text, bundled=True)
    if extra_text is not None and extra_label is not None:
        extra = _parse(extra_label, extra_text, bundled=False)
        drafts, stops = _merge(base, extra, extra_label)
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
    version = file_version(VERSION_PREFIX, base.version, text, extra_text)
    return Taxonomy(version, topics, tuple(dict.fromkeys(stops)))


def load_taxonomy(extra: Path | None = None) -> Taxonomy:
    """The bundled taxonomy, extended by the user's YAML file ``extra`` when given.

    Raises ``UsageError`` (``file:line: what to fix``) for a user file that cannot be used.
    """
    return load_extended(_build, extra, "topics file")
