"""From located raw values (what either form's reader yields) to model objects, reporting problems.

Both readers turn their file into :class:`RawActor` records whose every value carries the line it
was found on; everything from here on is the same for YAML and CSV, so the two forms cannot
drift apart in what they accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from diplotrack.roster import checks
from diplotrack.roster.model import (
    HOST_COUNTRY_KINDS,
    Account,
    Actor,
    RosterProblem,
    derived_institutional,
)


@dataclass(slots=True)
class Located:
    """A raw value and the line it is on; ``shape`` says whether it is text, a list or a mapping."""

    value: str | list[Located] | None
    line: int
    shape: str = "text"


@dataclass(slots=True)
class RawAccount:
    fields: dict[str, Located]
    line: int


@dataclass(slots=True)
class RawActor:
    fields: dict[str, Located]
    line: int
    accounts: list[RawAccount] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """Collects the problems of one file."""

    file: str
    problems: list[RosterProblem] = field(default_factory=list)

    def add(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(RosterProblem(self.file, line, field_name, message))


def text(
    fields: dict[str, Located], name: str, owner_line: int, report: Report, *, required: bool = False
) -> str | None:
    """The stripped text of a field; None (reported when required) if absent, empty or not text."""
    loc = fields.get(name)
    if loc is not None and loc.shape != "text":
        report.add(loc.line, name, f"must be text, not a {loc.shape}")
        return None
    value = loc.value.strip() if loc is not None and isinstance(loc.value, str) else ""
    if not value:
        if required:
            report.add(loc.line if loc is not None else owner_line, name, "is required")
        return None
    return value


def _checked(
    fields: dict[str, Located],
    name: str,
    line: int,
    report: Report,
    check: Callable[[str], str | None],
    *,
    required: bool = False,
) -> str | None:
    value = text(fields, name, line, report, required=required)
    if value is not None and (message := check(value)) is not None:
        report.add(fields[name].line, name, message)
    return value


def _items(fields: dict[str, Located], name: str, report: Report) -> list[tuple[str, int]]:
    loc = fields.get(name)
    if loc is None or (loc.shape == "text" and not (isinstance(loc.value, str) and loc.value.strip())):
        return []
    if loc.shape != "list" or not isinstance(loc.value, list):
        report.add(loc.line, name, f"must be a list (e.g. [en, zh]), not a {loc.shape}")
        return []
    items = []
    for item in loc.value:
        if item.shape != "text" or not isinstance(item.value, str) or not item.value.strip():
            report.add(item.line, name, "each entry must be non-empty text")
            continue
        items.append((item.value.strip(), item.line))
    return items


def _tenure(fields: dict[str, Located], report: Report) -> tuple[str | None, str | None]:
    parsed: dict[str, tuple[int, ...]] = {}
    values: dict[str, str | None] = {}
    for name in ("tenure_start", "tenure_end"):
        value = values[name] = text(fields, name, 0, report)
        if value is None:
            continue
        parts = checks.parse_tenure(value)
        if parts is None:
            report.add(fields[name].line, name, f"'{value}' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
        else:
            parsed[name] = parts
    if len(parsed) == 2 and not checks.tenure_order_ok(parsed["tenure_start"], parsed["tenure_end"]):
        report.add(
            fields["tenure_end"].line,
            "tenure_end",
            f"'{values['tenure_end']}' is before tenure_start '{values['tenure_start']}'",
        )
    return values["tenure_start"], values["tenure_end"]


def build_actor(raw: RawActor, report: Report) -> Actor:
    f, line = raw.fields, raw.line
    actor_id = _checked(f, "actor_id", line, report, checks.check_actor_id, required=True)
    name = text(f, "name", line, report, required=True)
    kind = _checked(f, "kind", line, report, checks.check_kind, required=True)
    institutional = derived_institutional(kind or "")
    flag = text(f, "institutional", line, report)
    if flag is not None:
        parsed = checks.parse_bool(flag)
        if parsed is None:
            report.add(f["institutional"].line, "institutional", f"must be true or false, not '{flag}'")
        else:
            institutional = parsed
    state = _checked(f, "state", line, report, checks.check_country, required=True)
    host_country = _checked(f, "host_country", line, report, checks.check_country)
    if host_country is None and kind in HOST_COUNTRY_KINDS:
        loc = f.get("host_country")
        report.add(loc.line if loc else line, "host_country", f"is required for kind {kind}")
    languages: list[str] = []
    for code, item_line in _items(f, "languages", report):
        if (message := checks.check_language(code)) is not None:
            report.add(item_line, "languages", message)
        languages.append(code)
    tenure_start, tenure_end = _tenure(f, report)
    return Actor(
        actor_id=actor_id or "",
        name=name or "",
        kind=kind or "",
        institutional=institutional,
        state=state or "",
        host_country=host_country,
        host_city=text(f, "host_city", line, report),
        organisation=text(f, "organisation", line, report),
        person=text(f, "person", line, report),
        tenure_start=tenure_start,
        tenure_end=tenure_end,
        languages=languages,
        tags=[tag for tag, _ in _items(f, "tags", report)],
        source=text(f, "source", line, report),
        notes=text(f, "notes", line, report),
        line=line,
    )


def build_account(raw: RawAccount, report: Report) -> Account:
    f, line = raw.fields, raw.line
    platform = _checked(f, "platform", line, report, checks.check_platform, required=True)
    handle = text(f, "handle", line, report, required=True)
    if handle is not None:
        handle = checks.stored_handle(platform, handle)
    if handle is not None and (message := checks.check_handle(platform, handle)) is not None:
        report.add(f["handle"].line, "handle", message)
    return Account(
        platform=platform or "",
        handle=handle or "",
        user_id=text(f, "user_id", line, report),
        source=text(f, "source", line, report),
        notes=text(f, "notes", line, report),
        line=f["handle"].line if "handle" in f else line,
    )


def _check_user_id(account: Account, line: int, first: dict[tuple[str, str], Account], report: Report) -> None:
    """Two accounts of one platform cannot share a user id (it names one account for good)."""
    if not account.user_id or not account.platform:
        return
    key = (account.platform, account.user_id)
    if key in first:
        other = first[key]
        report.add(
            line,
            "user_id",
            f"{account.platform} user id {account.user_id} is also given for '{other.handle}' "
            f"(line {other.line}); one account, one user id",
        )
    else:
        first[key] = account


def _written_handle(raw: RawAccount) -> str | None:
    loc = raw.fields.get("handle")
    return loc.value.strip() if loc is not None and isinstance(loc.value, str) else None


def _twice(account: Account, written: str | None, first: Account, first_written: str) -> str:
    """The message for an account listed twice, naming the forms it was written in when they differ
    from the stored one (``@name`` and ``https://t.me/name`` are one Telegram account)."""
    written = written or account.handle
    if written == account.handle and first_written == first.handle:
        return (
            f"{account.platform} account '{account.handle}' is listed twice "
            f"(first as '{first.handle}' on line {first.line}; handles ignore case)"
        )
    return (
        f"{account.platform} account '{account.handle}' (written '{written}') is listed twice (first as "
        f"'{first_written}' on line {first.line}; both forms name the same account, and handles ignore case)"
    )


def build_actors(raws: list[RawActor], report: Report) -> list[Actor]:
    """Model actors from raw ones, reporting bad values, repeated actor ids and repeated accounts."""
    actors: list[Actor] = []
    first_actor: dict[str, int] = {}
    first_account: dict[tuple[str, str], tuple[Account, str]] = {}  # and the handle as written
    first_user_id: dict[tuple[str, str], Account] = {}
    for raw in raws:
        actor = build_actor(raw, report)
        if actor.actor_id in first_actor:
            report.add(
                raw.fields["actor_id"].line,
                "actor_id",
                f"'{actor.actor_id}' is used twice (first on line {first_actor[actor.actor_id]})",
            )
        elif actor.actor_id:
            first_actor[actor.actor_id] = raw.fields["actor_id"].line
        for raw_account in raw.accounts:
            account = build_account(raw_account, report)
            key = (account.platform, account.handle.lower())
            written = _written_handle(raw_account)
            if account.platform and account.handle and key in first_account:
                first, first_written = first_account[key]
                report.add(account.line or raw_account.line, "handle", _twice(account, written, first, first_written))
            elif account.platform and account.handle:
                first_account[key] = (account, written or account.handle)
            if "user_id" in raw_account.fields:
                _check_user_id(account, raw_account.fields["user_id"].line, first_user_id, report)
            actor.accounts.append(account)
        actors.append(actor)
    return actors
