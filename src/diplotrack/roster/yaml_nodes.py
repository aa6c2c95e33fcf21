"""Composing a YAML roster into light nodes that keep each value's line, refusing aliases.

``yaml.compose`` builds a PyYAML node per value with two ``Mark`` objects and runs the tag
resolver's regular expressions on every scalar; on a 100,000-account roster that is most of the
time and over half a gigabyte. Here libyaml's parser (``CSafeLoader``, in the PyYAML wheels) yields
the events and a small loop builds :class:`YNode` trees holding only the text, the line and
whether the value is null. Scalars stay text as written: ``NO`` is Norway, ``0123`` keeps its zero.

Aliases (``*name``) are refused at their line: the roster format does not need them, and a few
nested ones expand to billions of values ("billion laughs"). The event stream never expands them,
so the refusal comes at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from diplotrack.errors import RosterError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NULL_TAG = "tag:yaml.org,2002:null"
PLAIN_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
SCALAR, LIST, MAPPING = "text", "list", "mapping"


@dataclass(slots=True)
class YNode:
    """A scalar (``value`` is its text, or None for null), a list of nodes, or a mapping's
    ``(key, value)`` node pairs in file order; ``line`` is 1-based."""

    shape: str
    value: str | None | list[YNode] | list[tuple[YNode, YNode]]
    line: int


def _scalar(event: yaml.ScalarEvent) -> YNode:
    null = event.tag == NULL_TAG or (event.tag is None and event.implicit[0] and event.value in PLAIN_NULLS)
    return YNode(SCALAR, None if null else event.value, event.start_mark.line + 1)


def _yaml_error(exc: yaml.YAMLError, file: str) -> RosterError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        return RosterError(f"{where}: yaml: not valid YAML: {exc.problem or exc.context}")
    return RosterError(f"{file}: yaml: not valid YAML: {exc}")


def compose_nodes(source: str, file: str) -> YNode | None:
    """The document's root node (None for an empty file); raises RosterError with FILE:LINE on
    invalid YAML, an alias, or a second document."""
    root: YNode | None = None
    stack: list[YNode] = []
    keys: list[YNode | None] = []  # per open container: a mapping's key waiting for its value
    documents = 0
    try:
        for event in yaml.parse(source, Loader=LOADER):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                node = _scalar(event)
            elif kind is yaml.SequenceStartEvent:
                node = YNode(LIST, [], event.start_mark.line + 1)
            elif kind is yaml.MappingStartEvent:
                node = YNode(MAPPING, [], event.start_mark.line + 1)
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                stack.pop()
                keys.pop()
                continue
            elif kind is yaml.AliasEvent:
                raise RosterError(
                    f"{file}:{event.start_mark.line + 1}: yaml: '*{event.anchor}' is an alias, which rosters "
                    "do not allow (aliases can expand without limit); write the value out in full"
                )
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise RosterError(
                        f"{file}:{event.start_mark.line + 1}: yaml: not valid YAML: a second document starts here, "
                        "and a roster is one document; remove the '---' and what follows, or merge them"
                    )
                continue
            else:  # stream and document ends
                continue
            if not stack:
                root = node
            elif stack[-1].shape == LIST:
                stack[-1].value.append(node)  # type: ignore[union-attr]
            elif keys[-1] is None:
                keys[-1] = node
            else:
                stack[-1].value.append((keys[-1], node))  # type: ignore[union-attr]
                keys[-1] = None
            if node.shape != SCALAR:
                stack.append(node)
                keys.append(None)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file) from None
    except RecursionError:  # the pure-Python parser (PyYAML without libyaml) on deep nesting
        raise RosterError(f"{file}: yaml: values are nested too deeply for a roster; flatten them") from None
    return root
