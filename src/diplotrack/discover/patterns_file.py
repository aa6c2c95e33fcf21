"""Reading a patterns file (the format of the bundled ``patterns.yaml``) strictly, every mistake one
sentence that names the file and line.

The file is composed into nodes that keep their lines (``roster.yaml_nodes``): aliases are refused
(a few nested ones expand to billions of values), scalars stay text as written (``NO`` is Norway, not
false). Keys are checked at every level (a misspelt ``statse`` is an error, not an empty section), a
term list must be a list (a bare string is not read as its letters), a state must be an ISO 3166-1
alpha-2 code and a kind one of the roster's. Terms are literal text, never regular expressions
(``patterns._regex`` escapes them), so a file cannot make matching slow.
"""

from __future__ import annotations

from diplotrack.discover.patterns import Patterns, Term, make_term
from diplotrack.errors import RosterError, UsageError
from diplotrack.roster.checks import check_country, did_you_mean
from diplotrack.roster.model import KINDS
from diplotrack.roster.yaml_nodes import LIST, MAPPING, SCALAR, YNode, compose_nodes

TOP_KEYS = ("version", "kinds", "states")
STATE_KEYS = ("names", "phrases")
PHRASE_KEYS = ("text", "kind")
MAX_TERM = 200  # characters; the longest bundled phrase has 50
FORMAT_HINT = "see the bundled discover/patterns.yaml for the format"


def _fail(label: str, node: YNode, message: str) -> UsageError:
    return UsageError(f"{label}:{node.line}: {message}")


def _mapping(node: YNode, allowed: tuple[str, ...] | None, label: str, what: str) -> list[tuple[str, YNode, YNode]]:
    """A mapping's (key text, key node, value node), refusing keys not in ``allowed`` (None: any)."""
    if node.shape != MAPPING or not isinstance(node.value, list):
        raise _fail(label, node, f"{what} must be a mapping, not a {node.shape}; {FORMAT_HINT}")
    out = []
    for key, value in node.value:  # type: ignore[misc]
        if key.shape != SCALAR or not isinstance(key.value, str):
            raise _fail(label, key, f"a key in {what} must be text; {FORMAT_HINT}")
        if allowed is not None and key.value not in allowed:
            hint = did_you_mean(key.value, allowed) or ""
            raise _fail(label, key, f"'{key.value}' is not a key of {what}{hint}; use {', '.join(allowed)}")
        out.append((key.value, key, value))
    return out


def _texts(node: YNode, label: str, what: str) -> list[tuple[str, YNode]]:
    """A list of terms (null: none)."""
    if node.shape == SCALAR and node.value is None:
        return []
    if node.shape != LIST or not isinstance(node.value, list):
        raise _fail(label, node, f"{what} must be a list of terms such as [embassy, ambassade], not a {node.shape}")
    return [(_text(item, label, what), item) for item in node.value]  # type: ignore[arg-type]


def _text(node: YNode, label: str, what: str) -> str:
    if node.shape != SCALAR or not isinstance(node.value, str) or not node.value.strip():
        raise _fail(label, node, f"each term of {what} must be non-empty text, not a {node.shape}")
    text = node.value.strip()
    if len(text) > MAX_TERM:
        raise _fail(label, node, f"a term of {what} is {len(text)} characters long; keep terms under {MAX_TERM}")
    if not text.isprintable():
        raise _fail(label, node, f"a term of {what} contains a control character or a line break; remove it")
    return text


def _kind(node: YNode, label: str) -> str:
    kind = node.value if node.shape == SCALAR and isinstance(node.value, str) else ""
    if kind not in KINDS:
        raise _fail(
            label, node, f"'{kind}' is not a roster kind{did_you_mean(kind, KINDS)}; use one of {', '.join(KINDS)}"
        )
    return kind


def _state(key: str, node: YNode, label: str) -> str:
    if (problem := check_country(key)) is not None:
        raise _fail(label, node, f"the state {problem}; key states by the codes the roster's state uses")
    return key


def _phrase(node: YNode, state: str, label: str) -> Term:
    what = f"states.{state}.phrases"
    if node.shape == SCALAR:
        return make_term(_text(node, label, what), None, state)
    fields = {k: v for k, _, v in _mapping(node, PHRASE_KEYS, label, f"a phrase of {what}")}
    if "text" not in fields:
        raise _fail(label, node, f"a phrase of {what} needs a text; write {{text: ..., kind: ...}}")
    kind = _kind(fields["kind"], label) if "kind" in fields and fields["kind"].value is not None else None
    return make_term(_text(fields["text"], label, what), kind, state)


def parse_patterns(source: str, label: str) -> Patterns:
    """A patterns file's text as Patterns; any mistake is a UsageError naming ``label`` and the line."""
    try:
        root = compose_nodes(source, label)
    except RosterError as exc:  # invalid YAML, an alias, a second document: FILE:LINE already
        raise UsageError(str(exc).replace("which rosters do not allow", "which patterns files do not allow")) from None
    if root is None:
        raise UsageError(f"{label} is empty; {FORMAT_HINT}")
    top = {k: v for k, _, v in _mapping(root, TOP_KEYS, label, "the top level")}
    if "kinds" not in top:
        raise _fail(label, root, f"the file has no 'kinds' mapping; {FORMAT_HINT}")
    version = top["version"].value if "version" in top and isinstance(top["version"].value, str) else "1"
    out = Patterns(version=version)
    for kind, key, terms in _mapping(top["kinds"], None, label, "kinds"):
        _kind(key, label)
        out.kind_terms += [make_term(t, kind, None) for t, _ in _texts(terms, label, f"kinds.{kind}")]
    states = top.get("states")
    if states is None or (states.shape == SCALAR and states.value is None):
        return out
    for code, key, entry in _mapping(states, None, label, "states"):
        state = _state(code, key, label)
        if entry.shape == SCALAR and entry.value is None:
            continue
        fields = {k: v for k, _, v in _mapping(entry, STATE_KEYS, label, f"states.{state}")}
        if "names" in fields:
            out.state_names += [
                make_term(t, None, state) for t, _ in _texts(fields["names"], label, f"states.{state}.names")
            ]
        phrases = fields.get("phrases")
        if phrases is not None and not (phrases.shape == SCALAR and phrases.value is None):
            if phrases.shape != LIST or not isinstance(phrases.value, list):
                raise _fail(label, phrases, f"states.{state}.phrases must be a list, not a {phrases.shape}")
            out.phrases += [_phrase(p, state, label) for p in phrases.value]  # type: ignore[arg-type]
    return out
