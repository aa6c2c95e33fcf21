"""Reading the YAML roster form into located raw values.

The file is composed into light nodes (roster/yaml_nodes.py), not loaded, so every key and value
keeps its line, and scalars keep the text as written: ``state: NO`` is Norway, ``user_id: 0123``
keeps its zero and ``tenure_start: 2019-05-01`` stays a string. Aliases are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diplotrack.errors import RosterError
from diplotrack.roster.checks import did_you_mean
from diplotrack.roster.model import ACCOUNT_FIELDS, ACTOR_FIELDS, FORMAT_VERSION, Source
from diplotrack.roster.validate import Located, RawAccount, RawActor, Report, text
from diplotrack.roster.yaml_nodes import LIST, MAPPING, SCALAR, YNode, compose_nodes

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


def _shallow(node: YNode) -> Located:
    return Located(node.value if node.shape == SCALAR else None, node.line, node.shape)  # type: ignore[arg-type]


def located(node: YNode) -> Located:
    """A value, or a list of values one level deep (a roster has no deeper lists; deeper ones are
    reported by the shape of their items, without walking them)."""
    if node.shape == LIST:
        return Located([_shallow(item) for item in node.value], node.line, LIST)  # type: ignore[union-attr]
    return _shallow(node)


def _is_null(node: YNode | None) -> bool:
    return node is None or (node.shape == SCALAR and node.value is None)


def mapping(node: YNode, allowed: tuple[str, ...], what: str, report: Report) -> dict[str, YNode]:
    """The known keys of a mapping node; unknown and repeated keys are reported."""
    result: dict[str, YNode] = {}
    first: dict[str, int] = {}
    for key_node, value_node in node.value:  # type: ignore[misc]
        key = key_node.value if key_node.shape == SCALAR and key_node.value is not None else "?"
        line = key_node.line
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


def _sequence_of_mappings(node: YNode | None, name: str, report: Report) -> list[YNode]:
    if node is None or _is_null(node):
        return []
    if node.shape != LIST:
        report.add(node.line, name, "must be a list")
        return []
    items = []
    for item in node.value:  # type: ignore[union-attr]
        if item.shape == MAPPING:
            items.append(item)
        else:
            report.add(item.line, name, "each entry must be a mapping of key: value")
    return items


def _sources(node: YNode | None, report: Report) -> dict[str, Source]:
    if node is None or _is_null(node):
        return {}
    if node.shape != MAPPING:
        report.add(node.line, "sources", "must be a mapping of key: {title, url, note}")
        return {}
    sources: dict[str, Source] = {}
    for key_node, value_node in node.value:  # type: ignore[misc]
        key = str(key_node.value) if key_node.shape == SCALAR else "?"
        if value_node.shape != MAPPING:
            report.add(value_node.line, f"sources.{key}", "must be a mapping with title, url, note")
            continue
        values = {k: located(v) for k, v in mapping(value_node, SOURCE_KEYS, "source", report).items()}
        line = value_node.line
        sources[key] = Source(key, *(text(values, k, line, report) for k in SOURCE_KEYS))
    return sources


def _actor(node: YNode, report: Report) -> RawActor:
    keys = mapping(node, (*ACTOR_FIELDS, "accounts"), "actor", report)
    fields = {k: located(v) for k, v in keys.items() if k != "accounts"}
    accounts = [
        RawAccount(
            {k: located(v) for k, v in mapping(item, ACCOUNT_FIELDS, "account", report).items()},
            item.line,
        )
        for item in _sequence_of_mappings(keys.get("accounts"), "accounts", report)
    ]
    return RawActor(fields, node.line, accounts)


def compose(source: str, file: str) -> YNode:
    root = compose_nodes(source, file)
    if root is None or _is_null(root):
        raise RosterError(f"{file} is empty; a roster starts with 'roster: 1', 'name:' and 'actors:'")
    if root.shape != MAPPING:
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
        report.add(root.line, "actors", "is required (a list of actors)")
    snapshot_files = []
    for item in _sequence_of_mappings(keys.get("snapshots"), "snapshots", report):
        entry = {k: located(v) for k, v in mapping(item, SNAPSHOT_KEYS, "snapshot", report).items()}
        if text(entry, "file", item.line, report, required=True) is not None:
            snapshot_files.append(entry["file"])
    return YamlRoster(
        name=text(top, "name", 1, report, required=True) or "",
        description=text(top, "description", 1, report),
        sources=_sources(keys.get("sources"), report),
        snapshot_files=snapshot_files,
        actors=[_actor(node, report) for node in _sequence_of_mappings(keys.get("actors"), "actors", report)],
    )
