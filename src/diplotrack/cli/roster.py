"""``diplotrack roster validate|import|list``"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.errors import UsageError
from diplotrack.roster import import_roster, load_roster, presence
from diplotrack.store.db import open_store, open_store_read_only

roster_app = typer.Typer(help="Who is tracked: check, load and list roster files.", no_args_is_help=True)


def _problems_or_exit(path: Path):  # type: ignore[no-untyped-def]
    roster, problems = load_roster(path)
    for p in problems:
        common.err_console.print(str(p), markup=False, highlight=False)
    if problems or roster is None:
        common.err_console.print(
            f"{len(problems)} problem(s) in {path}; fix them and run again", markup=False, highlight=False
        )
        raise typer.Exit(2)
    return roster


@roster_app.command("validate")
def validate(path: Path = typer.Argument(..., help="Roster file (.yaml/.yml or .csv).")) -> None:
    """Check a roster file; every problem is printed as FILE:LINE: field: message (exit 2 if any)."""
    roster = _problems_or_exit(path)
    n_accounts = sum(len(a.accounts) for a in roster.actors)
    common.console.print(
        f"{path}: valid, {len(roster.actors)} actors, {n_accounts} accounts, {len(roster.snapshots)} snapshot rows",
        markup=False,
    )


@roster_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Roster file (.yaml/.yml or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Load a roster into the store (re-import updates, never duplicates)."""
    roster = _problems_or_exit(path)
    con = open_store(common.STATE.db)
    try:
        result = import_roster(con, roster)
    finally:
        con.close()
    if as_json:
        common.print_json(asdict(result))
        return
    common.console.print(
        f"roster {path}: {result.actors_new} new actors, {result.actors_updated} updated; "
        f"{result.accounts_new} new accounts, {result.accounts_updated} updated; "
        f"{result.snapshots_new} new profile snapshots",
        markup=False,
    )


@roster_app.command("list")
def list_(
    by: str = typer.Option(
        "account", "--by", help="One row per account (the default), per actor or per platform.", metavar="VIEW"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of the rows of the view."),
) -> None:
    """List the tracked accounts with their actor, and since when each is present (creation date, else
    first post in the store, else unknown), then the accounts, actors and data per platform."""
    if by not in presence.VIEWS:
        raise UsageError(f"--by {by!r} is not a view; use account, actor or platform")
    con = open_store_read_only(common.STATE.db)
    try:
        rows = presence.account_rows(con) if by != "platform" else []
        platforms = presence.platform_rows(con) if by != "actor" else []
    finally:
        con.close()
    if by == "actor":
        actors = presence.actor_rows(rows)
        if as_json:
            common.print_json(actors)
            return
        _print_actors(actors)
        return
    if as_json:
        common.print_json(rows if by == "account" else platforms)
        return
    if by == "account":
        _print_accounts(rows)
    _print_platforms(platforms)


def _print_accounts(rows: list[dict]) -> None:
    table = [
        (
            r["platform"],
            r["handle"],
            r["kind"],
            "yes" if r["institutional"] else "no",
            r.get("host_country") or "",
            r.get("host_city") or "",
            r["name"],
            presence.since_words(r),
        )
        for r in rows
    ]
    # cleaned and shown as written (never read as Rich markup), readable at 80 columns
    common.print_table(("platform", "handle", "kind", "inst.", "host", "city", "name", "since"), table)
    common.console.print(f"{len(rows)} account(s)", markup=False)


def _print_actors(actors: list[dict]) -> None:
    table = [
        (
            a["actor_id"],
            a["name"],
            a["kind"],
            "yes" if a["institutional"] else "no",
            ", ".join(a["platforms"]),
            "unknown" if a["since"] is None else f"{str(a['since'])[:10]} ({a['since_platform']}, {a['since_basis']})",
        )
        for a in actors
    ]
    common.print_table(("actor", "name", "kind", "inst.", "platforms", "since"), table)
    common.console.print(f"{len(actors)} actor(s)", markup=False)


def _print_platforms(platforms: list[dict]) -> None:
    table = [
        (
            p["platform"],
            f"{p['accounts']} ({p['institutional']} inst., {p['individual']} indiv.)" if p["accounts"] else "0",
            p["actors"],
            p["accounts_with_data"],
            presence.range_words(p["created_from"], p["created_to"], p["accounts"] > 0),
            presence.range_words(p["first_post_from"], p["first_post_to"], p["accounts"] > 0),
            p["status"],
        )
        for p in platforms
    ]
    columns = ("platform", "accounts", "actors", "with data", "created", "first post", "status")
    common.print_table(columns, table, title="Per platform")
