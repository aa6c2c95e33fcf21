"""YAML files read with line numbers, so that every problem is reported as ``file:line: what to fix``.

The taxonomy (``topics.py``) and the state-media list (``state_media.py``) compose a file into
PyYAML's node tree (no values constructed, so ``no`` stays the text "no" and each node keeps its
line) and check it node by node with the helpers here, collecting every problem in a
:class:`YamlProblems` before raising them together. The tone cues (``tone_cues.py``) are constructed
into Python values with :func:`load_unique_keys`, which refuses a key given twice.

Both kinds of file are bundled (``data/``) and may be extended by a user's file; :func:`file_version`
gives the version stored with what they produced, :func:`load_extended` reads the user's file.

Why not the roster's ``diplotrack.roster.yaml_nodes`` (libyaml events into light nodes, aliases
refused): importing it loads the roster package with the store, DuckDB and pyarrow (187 ms
measured), once in every enrichment worker, to save about 2 ms of composing the 28 KB topics file;
and its errors are roster errors in the roster's words. The files here are small and read once per
process, and the checks never walk deeper than the formats' few levels, so an alias cannot make
them expand without limit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from diplotrack.errors import DataFileError, UsageError
from diplotrack.regular_files import NotRegularFileError, read_regular_text

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: 5x faster
T = TypeVar("T")


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
    if not _ID.fullmatch(value):
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


def top_of(
    label: str, text: str, keys: Iterable[str], *, bundled: bool, empty: str
) -> tuple[YamlProblems, yaml.Node, dict[str, yaml.Node], str | None]:
    """The problems collector, the root node, the top-level mapping (only ``keys`` allowed) and the
    ``version`` field of a data file; a bundled file must have a version. An empty file is refused
    at once with the hint ``empty`` ("write 'topics:' with ...")."""
    problems = YamlProblems(label)
    root = compose_yaml(label, text)
    if root is None:
        problems.add(1, f"the file is empty; {empty}")
        problems.raise_if_any()
    assert root is not None
    top = mapping_of(root, problems, "the file", keys) or {}
    version = text_of(top["version"], problems, "version") if "version" in top else None
    if bundled and "version" not in top:
        problems.add(root, "version is required")
    return problems, root, top, version


def read_text(path: Path, what: str, encoding: str = "utf-8") -> str:
    """The text of the user's YAML file ``path`` (``what``: "topics file"), every failure one sentence;
    a folder, FIFO or device is refused before any read (a FIFO would block)."""
    try:
        return read_regular_text(path, encoding=encoding)
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist; check the path") from None
    except NotRegularFileError as exc:
        raise UsageError(f"{what} {path} is {exc.kind}; give a YAML file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise UsageError(f"{what} {path} cannot be read: {exc.strerror}") from None


# --------------------------------------------------------------------------- Python values, keys once


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (a duplicated entry is a likely mistake)."""

    def __init__(self, stream: str, what: str) -> None:
        super().__init__(stream)
        self.what = what


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise DataFileError(f"duplicate key {key!r} in the {loader.what} (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_unique_keys(text: str, what: str) -> Any:
    """The Python values of a YAML document, read safely; ``ValueError`` naming ``what`` and the line
    when a mapping has a key twice."""
    loader = _UniqueKeyLoader(text, what)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- a bundled file and a user's extension


def bundled_text(name: str) -> str:
    """The text of the bundled data file ``name`` (in ``diplotrack/enrich/data``)."""
    return resources.files("diplotrack.enrich").joinpath("data", name).read_text(encoding="utf-8")


def file_version(prefix: str, version: str | None, bundled: str, extra: str | None) -> str:
    """``<prefix>-<version field>+<first 8 hex digits of the SHA-1 of the files' bytes>``: any change
    to the bundled file or to the user's file gives a new version."""
    digest = hashlib.sha1(bundled.encode("utf-8"))
    if extra is not None:
        digest.update(b"\0" + extra.encode("utf-8"))
    return f"{prefix}-{version}+{digest.hexdigest()[:8]}"


def load_extended(build: Callable[[str | None, str | None], T], extra: Path | None, what: str) -> T:
    """``build(label, text)`` of the user's file ``extra`` (``what``: "topics file"), or
    ``build(None, None)`` for the bundled file alone."""
    if extra is None:
        return build(None, None)
    extra = Path(extra)
    return build(str(extra), read_text(extra, what))
