"""Reading the YAML roster form into located raw values.

The file is composed (``yaml.compose``), not loaded, so every key and value keeps its line, and
scalars keep the text as written: ``state: NO`` is Norway, ``user_id: 0123`` keeps its zero and
``tenure_start: 2019-05-01`` stays a string. libyaml's parser (``CSafeLoader``) does the work when
the installed PyYAML has it (it does in the wheels), which is what makes large rosters fast.

Aliases (``*name``) are refused before anything is composed: the roster format does not need them,
and a few nested ones expand to billions of values ("billion laughs").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from diplotrack.errors import RosterError
from diplotrack.roster.checks import did_you_mean
from diplotrack.roster.model import ACCOUNT_FIELDS, ACTOR_FIELDS, FORMAT_VERSION, Source
from diplotrack.roster.validate import Located, RawAccount, RawActor, Report, text

NULL_TAG = "tag:yaml.org,2002:null"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOP_KEYS = ("roster", "name", "description", "sources", "snapshots", "actors")
SOURCE_KEYS = ("title", "url", "note")
SNAPSHOT_KEYS = ("file",)


@dataclass(slots=True)
class YamlRoster:
    name: str
    description: str | None
    sources: dict[str, Source] = field(default_factory=dict)
    snapshot_files: list[Located] = field(default_factory=list)
    actors: list[RawActor] = field(default_factory=list)


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def _shallow(node: Node) -> Located:
    if isinstance(node, ScalarNode):
        return Located(None if node.tag == NULL_TAG else node.value, line_of(node))
    return Located(None, line_of(node), "list" if isinstance(node, SequenceNode) else "mapping")


def located(node: Node) -> Located:
    """A value, or a list of values one level deep (a roster has no deeper lists; deeper ones are
    reported by the shape of their items, without walking them)."""
    if isinstance(node, SequenceNode):
        return Located([_shallow(item) for item in node.value], line_of(node), "list")
    return _shallow(node)


def mapping(node: Node, allowed: tuple[str, ...], what: str, report: Report) -> dict[str, Node]:
    """The known keys of a mapping node; unknown and repeated keys are reported."""
    result: dict[str, Node] = {}
    first: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else "?"
        line = line_of(key_node)
        if key in first:
            report.add(line, key, f"appears twice in this {what} (first on line {first[key]})")
        elif key not in allowed:
            report.add(
                line,
                key,
                f"unknown {what} key{did_you_mean(key, allowed)}; known keys: " + ", ".join(allowed),
            )
        else:
            result[key] = value_node
        first.setdefault(key, line)
    return result


def _sequence_of_mappings(node: Node | None, name: str, report: Report) -> list[MappingNode]:
    if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
        return []
    if not isinstance(node, SequenceNode):
        report.add(line_of(node), name, "must be a list")
        return []
    items = []
    for item in node.value:
        if isinstance(item, MappingNode):
            items.append(item)
        else:
            report.add(line_of(item), name, "each entry must be a mapping of key: value")
    return items


def _sources(node: Node | None, report: Report) -> dict[str, Source]:
    if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
        return {}
    if not isinstance(node, MappingNode):
        report.add(line_of(node), "sources", "must be a mapping of key: {title, url, note}")
        return {}
    sources: dict[str, Source] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if not isinstance(value_node, MappingNode):
            report.add(line_of(value_node), f"sources.{key}", "must be a mapping with title, url, note")
            continue
        values = {k: located(v) for k, v in mapping(value_node, SOURCE_KEYS, "source", report).items()}
        line = line_of(value_node)
        sources[key] = Source(key, *(text(values, k, line, report) for k in SOURCE_KEYS))
    return sources


def _actor(node: MappingNode, report: Report) -> RawActor:
    keys = mapping(node, (*ACTOR_FIELDS, "accounts"), "actor", report)
    fields = {k: located(v) for k, v in keys.items() if k != "accounts"}
    accounts = [
        RawAccount(
            {k: located(v) for k, v in mapping(item, ACCOUNT_FIELDS, "account", report).items()},
            line_of(item),
        )
        for item in _sequence_of_mappings(keys.get("accounts"), "accounts", report)
    ]
    return RawActor(fields, line_of(node), accounts)


def refuse_aliases(source: str, file: str) -> None:
    """Raise at the first alias; a cheap test skips the scan when there can be none."""
    if "*" not in source or "&" not in source:  # an alias needs an anchor to point at
        return
    try:
        for event in yaml.parse(source, Loader=LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise RosterError(
                    f"{file}:{event.start_mark.line + 1}: yaml: '*{event.anchor}' is an alias, which rosters "
                    "do not allow (aliases can expand without limit); write the value out in full"
                )
    except yaml.YAMLError:
        return  # not valid YAML: compose() reports where


def compose(source: str, file: str) -> MappingNode:
    refuse_aliases(source, file)
    try:
        root = yaml.compose(source, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        raise RosterError(f"{where}: yaml: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RosterError(f"{file}: yaml: not valid YAML: {exc}") from None
    except RecursionError:  # the pure-Python parser (PyYAML without libyaml) on deep nesting
        raise RosterError(f"{file}: yaml: values are nested too deeply for a roster; flatten them") from None
    if root is None:
        raise RosterError(f"{file} is empty; a roster starts with 'roster: 1', 'name:' and 'actors:'")
    if not isinstance(root, MappingNode):
        raise RosterError(f"{file} is not a roster: its top level must be a mapping with roster:, name: and actors:")
    return root


def read_yaml(source: str, report: Report) -> YamlRoster:
    """Located raw actors and the top-level fields of a YAML roster; problems go to ``report``."""
    root = compose(source, report.file)
    keys = mapping(root, TOP_KEYS, "top-level", report)
    top = {k: located(v) for k, v in keys.items() if k not in ("sources", "snapshots", "actors")}
    version = text(top, "roster", 1, report, required=True)
    if version is not None and version != str(FORMAT_VERSION):
        report.add(
            top["roster"].line,
            "roster",
            f"format version '{version}' is not supported; this diplotrack reads version {FORMAT_VERSION}",
        )
    if "actors" not in keys:
        report.add(line_of(root), "actors", "is required (a list of actors)")
    snapshot_files = []
    for item in _sequence_of_mappings(keys.get("snapshots"), "snapshots", report):
        entry = {k: located(v) for k, v in mapping(item, SNAPSHOT_KEYS, "snapshot", report).items()}
        if text(entry, "file", line_of(item), report, required=True) is not None:
            snapshot_files.append(entry["file"])
    return YamlRoster(
        name=text(top, "name", 1, report, required=True) or "",
        description=text(top, "description", 1, report),
        sources=_sources(keys.get("sources"), report),
        snapshot_files=snapshot_files,
        actors=[_actor(node, report) for node in _sequence_of_mappings(keys.get("actors"), "actors", report)],
    )
