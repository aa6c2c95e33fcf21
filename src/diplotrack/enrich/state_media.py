"""State-media outlets, found by the registered domain of a link or by an account a post reposts or quotes.

The bundled list (``data/state_media.yaml``, format documented at its top and in
``docs/topics-and-state-media.md``) names outlets with the state that owns or funds them, a
``kind`` (state-controlled, state-affiliated, public-funded), their registered domains and their
accounts, and says for each how it is known. A user's YAML file in the same format adds outlets or
extends listed ones with more domains and accounts (``load_state_media``).

Look-ups are dict look-ups: ``by_domain`` takes a registered domain (``news.cn``; a longer host such
as ``english.news.cn`` is reduced to its registered domain first), ``by_account`` a platform and a
handle (without ``@``, any case; ``twitter`` is read as ``x``).

The list's ``version`` is ``state-media-<version field>+<first 8 hex digits of the SHA-1 of the
files' bytes>``: any change to the bundled file or to a user's file gives a new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from diplotrack.enrich.domains import registered_domain as _registered_domain
from diplotrack.enrich.yaml_lines import (
    YamlProblems,
    bundled_text,
    entry_id,
    file_version,
    is_null,
    list_of,
    load_extended,
    mapping_of,
    node_line,
    text_of,
    top_of,
)
from diplotrack.platforms import ALIASES as PLATFORM_ALIASES
from diplotrack.platforms import PLATFORMS  # the registry, not the roster package (store, pyarrow)

BUNDLED_FILE = "state_media.yaml"
VERSION_PREFIX = "state-media"
KINDS = ("state-controlled", "state-affiliated", "public-funded")

_TOP_KEYS = ("version", "description", "outlets")
_OUTLET_KEYS = ("id", "name", "state", "kind", "domains", "accounts", "source", "notes")
_ACCOUNT_KEYS = ("platform", "handle", "source", "notes")


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    state: str
    kind: str
    domains: tuple[str, ...] = ()
    accounts: tuple[tuple[str, str], ...] = ()  # (platform, handle as written)
    source: str = ""


def _check_country(value: str) -> str | None:
    """None for an upper-case ISO 3166-1 alpha-2 code (CN, RU), else what is wrong."""
    import pycountry

    if len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None:
        return None
    return f"'{value}' is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. CN, RU)"


def _platform_key(platform: str | None) -> str:
    p = (platform or "").strip().lower()
    return PLATFORM_ALIASES.get(p, p)


def _handle_key(handle: str) -> str:
    return handle.strip().lstrip("@\uff20").lower()


@dataclass(frozen=True)
class StateMedia:
    """The outlets, and look-ups by registered domain and by account."""

    version: str
    outlets: tuple[Outlet, ...]
    _domains: dict[str, Outlet] = field(init=False, repr=False, compare=False, hash=False)
    _accounts: dict[tuple[str, str], Outlet] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        domains = {d: o for o in self.outlets for d in o.domains}
        accounts = {(_platform_key(p), _handle_key(h)): o for o in self.outlets for p, h in o.accounts}
        object.__setattr__(self, "_domains", domains)
        object.__setattr__(self, "_accounts", accounts)

    def outlet(self, outlet_id: str) -> Outlet | None:
        return next((o for o in self.outlets if o.id == outlet_id), None)

    def by_domain(self, registered_domain: str | None) -> Outlet | None:
        """The outlet whose site ``registered_domain`` is (``news.cn`` → Xinhua), or None."""
        if not registered_domain:
            return None
        key = registered_domain.strip().lower().rstrip(".")
        found = self._domains.get(key)
        if found is None and "." in key:
            reduced = _registered_domain(key)
            if reduced is not None and reduced != key:
                found = self._domains.get(reduced)
        return found

    def by_account(self, platform: str, handle: str | None) -> Outlet | None:
        """The outlet whose account ``handle`` is on ``platform`` (any case, with or without ``@``), or None."""
        if not handle:
            return None
        return self._accounts.get((_platform_key(platform), _handle_key(handle)))


# --------------------------------------------------------------------------- reading the files


@dataclass
class _Draft:
    id: str
    line: int
    name: str | None = None
    state: str | None = None
    kind: str | None = None
    domains: list[tuple[str, str]] = field(default_factory=list)  # (domain, "file:line")
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (platform, handle, "file:line")
    source: str | None = None


def _parse(label: str, text: str, *, bundled: bool) -> tuple[str | None, list[_Draft]]:
    empty = "write 'outlets:' with a list of outlets (see the bundled state_media.yaml)"
    problems, root, top, version = top_of(label, text, _TOP_KEYS, bundled=bundled, empty=empty)
    drafts: list[_Draft] = []
    seen: dict[str, int] = {}
    for node in list_of(top["outlets"], problems, "outlets") if "outlets" in top else []:
        fields = mapping_of(node, problems, "an outlet", _OUTLET_KEYS)
        if fields is None:
            continue
        outlet_id = entry_id(node, fields, problems, "outlet", seen)
        if outlet_id is None:
            continue
        what = f"outlet '{outlet_id}'"
        draft = _Draft(outlet_id, node_line(node))
        for name in ("name", "source"):
            if name in fields:
                setattr(draft, name, text_of(fields[name], problems, f"{what} {name}"))
        if "state" in fields:
            state = text_of(fields["state"], problems, f"{what} state")
            message = _check_country(state) if state is not None else None
            if message:
                problems.add(fields["state"], f"{what} state: {message}")
            elif state is not None:
                draft.state = state
        if "kind" in fields:
            kind = text_of(fields["kind"], problems, f"{what} kind")
            if kind is not None and kind not in KINDS:
                problems.add(fields["kind"], f"{what} kind: '{kind}' is not a kind; use one of {', '.join(KINDS)}")
            elif kind is not None:
                draft.kind = kind
        if "domains" in fields and not is_null(fields["domains"]):
            for item in list_of(fields["domains"], problems, f"{what} domains"):
                domain = text_of(item, problems, f"{what} domain")
                if domain is None:
                    continue
                domain = domain.lower().rstrip(".")
                reduced = _registered_domain(domain)
                if reduced is None:
                    problems.add(item, f"{what}: '{domain}' is not a domain name under a known public suffix")
                elif reduced != domain:
                    problems.add(item, f"{what}: '{domain}' is not a registered domain; write '{reduced}'")
                else:
                    draft.domains.append((domain, f"{label}:{node_line(item)}"))
        if "accounts" in fields and not is_null(fields["accounts"]):
            for item in list_of(fields["accounts"], problems, f"{what} accounts"):
                account = mapping_of(item, problems, f"{what} account", _ACCOUNT_KEYS)
                if account is None:
                    continue
                if "platform" not in account or "handle" not in account:
                    problems.add(
                        item, f"{what}: an account needs platform and handle ({{platform: x, handle: XHNews}})"
                    )
                    continue
                platform = text_of(account["platform"], problems, f"{what} platform")
                handle = text_of(account["handle"], problems, f"{what} handle")
                if platform is None or handle is None:
                    continue
                platform = _platform_key(platform)
                if platform not in PLATFORMS:
                    problems.add(
                        account["platform"],
                        f"{what}: '{platform}' is not a platform; use one of {', '.join(PLATFORMS)}",
                    )
                    continue
                handle = handle.lstrip("@\uff20")
                if not handle or re.search(r"\s", handle):
                    problems.add(
                        account["handle"], f"{what}: '{handle}' is not a handle; write it without '@' and spaces"
                    )
                    continue
                draft.accounts.append((platform, handle, f"{label}:{node_line(item)}"))
        drafts.append(draft)
    if bundled and "outlets" not in top:
        problems.add(root, "outlets is required")
    problems.raise_if_any()
    return version, drafts


def _merge(base: list[_Draft], extra: list[_Draft], label: str) -> list[_Draft]:
    """``base`` extended by ``extra``: a listed id gets more domains and accounts, a new id is a new outlet."""
    problems = YamlProblems(label)
    merged = {d.id: d for d in base}
    for d in extra:
        known = merged.get(d.id)
        if known is None:
            missing = [name for name in ("name", "state", "kind", "source") if getattr(d, name) is None]
            if missing:
                problems.add(
                    d.line, f"outlet '{d.id}' is new (not in the bundled list), so it needs {', '.join(missing)}"
                )
                continue
            merged[d.id] = d
            continue
        for name in ("name", "state", "kind", "source"):
            if getattr(d, name) is not None:
                setattr(known, name, getattr(d, name))
        known.domains.extend(d.domains)
        known.accounts.extend(d.accounts)
    problems.raise_if_any()
    return list(merged.values())


def _outlets(drafts: list[_Draft], label: str) -> tuple[Outlet, ...]:
    """Check that every domain and account belongs to one outlet and every outlet has what it needs."""
    problems = YamlProblems(label)
    clashes: list[tuple[int, str]] = []
    domains: dict[str, str] = {}
    accounts: dict[tuple[str, str], str] = {}
    out = []
    for d in drafts:
        missing = [name for name in ("name", "state", "kind", "source") if getattr(d, name) is None]
        if missing:
            problems.add(d.line, f"outlet '{d.id}' needs {', '.join(missing)}")
            continue
        for domain, line in d.domains:
            other = domains.setdefault(domain, d.id)
            if other != d.id:
                message = f"domain '{domain}' of outlet '{d.id}' is already that of outlet '{other}'"
                clashes.append((_line_of(line), f"{line}: {message}"))
        for platform, handle, line in d.accounts:
            key = (platform, _handle_key(handle))
            other = accounts.setdefault(key, d.id)
            if other != d.id:
                message = f"account {platform}:{handle} of outlet '{d.id}' is already that of outlet '{other}'"
                clashes.append((_line_of(line), f"{line}: {message}"))
        if not d.domains and not d.accounts:
            problems.add(d.line, f"outlet '{d.id}' has neither domains nor accounts; add at least one")
        assert d.name is not None and d.state is not None and d.kind is not None and d.source is not None
        out.append(
            Outlet(
                d.id,
                d.name,
                d.state,
                d.kind,
                tuple(dict.fromkeys(x for x, _ in d.domains)),
                tuple(dict.fromkeys((p, h) for p, h, _ in d.accounts)),
                d.source,
            )
        )
    for line, text in clashes:
        problems.add_located(line, text + "; keep it under one outlet")
    problems.raise_if_any()
    return tuple(out)


def _line_of(where: str) -> int:
    """The line of a ``file:line`` location."""
    return int(where.rsplit(":", 1)[1])


@lru_cache(maxsize=8)
def _build(extra_label: str | None, extra_text: str | None) -> StateMedia:
    text = bundled_text(BUNDLED_FILE)
    bundled_label = f"bundled {BUNDLED_FILE}"
    version, drafts = _parse(bundled_label, text, bundled=True)
    label = bundled_label
    if extra_text is not None and extra_label is not None:
        _, extra = _parse(extra_label, extra_text, bundled=False)
        drafts = _merge(drafts, extra, extra_label)
        label = extra_label
    return StateMedia(file_version(VERSION_PREFIX, version, text, extra_text), _outlets(drafts, label))


def load_state_media(extra: Path | None = None) -> StateMedia:
    """The bundled state-media list, extended by the user's YAML file ``extra`` when given.

    Raises ``UsageError`` (``file:line: what to fix``) for a user file that cannot be used.
    """
    return load_extended(_build, extra, "state-media file")
